"""TLS trust for the API client, and a sentence for when a certificate is refused.

Certificates are always verified. A server is trusted when its certificate
chains up to a certificate authority in any of:

* the operating system's trust store, through ``truststore``: where IT installs
  the root CA of a company's TLS-inspecting proxy. On Linux truststore has
  OpenSSL read its default locations (``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` when
  set, else the distribution's bundle, e.g. /etc/ssl/certs on Debian); on
  Windows and macOS it asks the system's own verifier;
* the certificate authorities bundled with the app (certifi's Mozilla list), for
  a machine whose own store is missing or out of date;
* the connection profile's CA bundle (a PEM file), when it has one.

There is deliberately no way to switch verification off.

When verification fails, ``peer_certificates`` makes a second TLS handshake
that verifies nothing and sends nothing (no HTTP request, no credential), only
to read which certificate authority the server's certificate names, so the
error can say whose certificate it is.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import os
import ssl
import time
from dataclasses import dataclass

import certifi
import httpx
import truststore

from .certificates import CertificateFormatError, certificate_names
from .redaction import LOGGER_NAME

log = logging.getLogger(LOGGER_NAME)

PROFILE_CA_HINT = (
    "spkey-desktop profile add NAME --url URL --auth METHOD --ca-bundle FILE"
)

# OpenSSL's X509_V_ERR_* codes that mean "no trusted CA signed this chain".
_UNKNOWN_ISSUER = frozenset({2, 18, 19, 20, 21})
_EXPIRED = 10
_NOT_YET_VALID = 9
_HOSTNAME_MISMATCH = 62
_IP_MISMATCH = 64

_MAX_PROXY_ANSWER = 16 * 1024


class CaBundleError(ValueError):
    """The profile's CA bundle cannot be used; the text says why and what to do."""


def trust_context(ca_bundle: str | os.PathLike[str] | None = None) -> ssl.SSLContext:
    """A client context trusting the OS store, certifi's bundle and ``ca_bundle``.

    Raises CaBundleError when ``ca_bundle`` is given but cannot be read or
    holds no certificate.
    """
    # TODO(#4): only truststore's Linux path (OpenSSL's default store) is
    # exercised by the tests; its Windows and macOS verifiers run on no CI
    # machine of this project yet.
    context = truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.load_verify_locations(cafile=certifi.where())
    if ca_bundle is not None:
        try:
            context.load_verify_locations(cafile=os.fspath(ca_bundle))
        except FileNotFoundError:
            raise CaBundleError(
                f"The CA bundle {ca_bundle} does not exist. Give the connection "
                f"profile an existing PEM file ({PROFILE_CA_HINT})."
            ) from None
        # SSLError first: it is an OSError too.
        except ssl.SSLError:
            raise CaBundleError(
                f"The CA bundle {ca_bundle} holds no certificate in PEM form "
                "(-----BEGIN CERTIFICATE-----). Export the certificate authority "
                "as PEM (Base64) and give the profile that file."
            ) from None
        except OSError as error:
            raise CaBundleError(
                f"The CA bundle {ca_bundle} could not be read "
                f"({error.strerror or error})."
            ) from None
    return context


@dataclass(frozen=True, slots=True)
class VerificationFailure:
    """What OpenSSL said about a refused certificate (no object of the request)."""

    code: int
    message: str


def verification_failure(exc: BaseException) -> VerificationFailure | None:
    """The certificate verification error in ``exc``'s chain of causes, if any."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return None
        if isinstance(seen, ssl.SSLCertVerificationError):
            return VerificationFailure(
                int(getattr(seen, "verify_code", 0) or 0),
                str(getattr(seen, "verify_message", "") or seen.reason or ""),
            )
        seen = seen.__cause__ or seen.__context__
    return None


def refused_certificate_sentence(
    host: str, failure: VerificationFailure, chain: list[bytes]
) -> tuple[str, str | None]:
    """The operator's sentence for a refused certificate, and the issuer's name
    when the server's certificates could be read."""
    issuer = _issuer_of(chain)
    by = f" issued by “{issuer}”" if issuer else ""

    if failure.code in (_HOSTNAME_MISMATCH, _IP_MISMATCH):
        return (
            f"The certificate that {host} presented{by} is for another server name. "
            "Check the server address in the connection profile; if it is right, "
            "the server's "
            "administrator must fix its certificate.",
            issuer,
        )
    if failure.code in (_EXPIRED, _NOT_YET_VALID):
        state = "has expired" if failure.code == _EXPIRED else "is not valid yet"
        return (
            f"The certificate of {host}{by} {state}. Check that this computer's "
            "date and time are correct; if they are, the server's administrator "
            "must renew its certificate.",
            issuer,
        )
    if failure.code in _UNKNOWN_ISSUER:
        who = f"“{issuer}”" if issuer else "a certificate authority"
        unknown = "" if issuer else " (its name could not be read)"
        return (
            f"The certificate of {host} was issued by {who}{unknown}, which this "
            "computer does not trust. If that is your organization's own "
            "certificate authority (for example of a proxy that inspects secure "
            "connections), install it in this computer's trust store, or give "
            "the connection profile a CA bundle with it (File → Connections…, or "
            f"{PROFILE_CA_HINT}). Otherwise do not connect, and tell your IT "
            "department.",
            issuer,
        )
    return (
        f"The certificate of {host}{by} was refused ({failure.message}). Tell "
        "your IT department or the server's administrator.",
        issuer,
    )


def _issuer_of(chain: list[bytes]) -> str | None:
    """The issuer named by the last certificate the server sent: the authority
    that would have to be trusted."""
    if not chain:
        return None
    try:
        return str(certificate_names(chain[-1]).issuer)
    except CertificateFormatError as error:
        log.debug("Could not read the server's certificate: %s", error)
        return None


async def peer_certificates(
    host: str, port: int, *, proxy: httpx.URL | None, within_s: float
) -> list[bytes]:
    """The certificates (DER) ``host`` presents, read without verifying them.

    Only a TLS handshake is made (within ``within_s`` seconds), through
    ``proxy`` when one is in use; nothing is sent inside it, so no credential
    can reach an unverified server. Any failure gives an empty list: this only
    improves an error message.
    """
    reader_context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    # Reading, not trusting: this handshake carries nothing and is closed at once.
    reader_context.check_hostname = False
    reader_context.verify_mode = ssl.CERT_NONE
    writer: asyncio.StreamWriter | None = None
    try:
        async with asyncio.timeout(within_s):
            if proxy is None:
                _, writer = await asyncio.open_connection(
                    host, port, ssl=reader_context, server_hostname=host
                )
            else:
                writer = await _tunnel(proxy, host, port)
                await writer.start_tls(reader_context, server_hostname=host)
            return _chain_of(writer.get_extra_info("ssl_object"))
    except (
        OSError,
        ssl.SSLError,
        TimeoutError,
        ValueError,
        EOFError,
        asyncio.LimitOverrunError,
    ) as error:
        log.debug("Could not read the certificates of %s: %r", host, error)
        return []
    finally:
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError, ssl.SSLError, TimeoutError):
                await asyncio.wait_for(writer.wait_closed(), 1.0)


class PeerCertificates:
    """What ``peer_certificates`` reads for one server, read once however many
    requests fail together, and read again only after ``reuse_s`` seconds."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        proxy: httpx.URL | None,
        within_s: float,
        reuse_s: float = 60.0,
    ) -> None:
        self._where = (host, port)
        self._proxy = proxy
        self._within_s = within_s
        self._reuse_s = reuse_s
        self._lock = asyncio.Lock()
        self._read_at: float | None = None
        self._chain: list[bytes] = []

    async def read(self) -> list[bytes]:
        async with self._lock:
            now = time.monotonic()
            if self._read_at is None or now - self._read_at >= self._reuse_s:
                host, port = self._where
                self._chain = await peer_certificates(
                    host, port, proxy=self._proxy, within_s=self._within_s
                )
                self._read_at = time.monotonic()
            return self._chain


async def _tunnel(proxy: httpx.URL, host: str, port: int) -> asyncio.StreamWriter:
    """A connection through an http:// proxy's CONNECT tunnel to host:port."""
    # TODO(#4): through an https:// proxy the issuer is not read (a TLS
    # handshake inside TLS); the error then says the name could not be read.
    if proxy.scheme != "http":
        raise ValueError(f"no certificate check through a {proxy.scheme}:// proxy")
    reader, writer = await asyncio.open_connection(
        proxy.host, proxy.port or 80, limit=_MAX_PROXY_ANSWER
    )
    target = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    lines = [f"CONNECT {target} HTTP/1.1", f"Host: {target}"]
    if proxy.username or proxy.password:
        pair = f"{proxy.username}:{proxy.password}".encode()
        lines.append(f"Proxy-Authorization: Basic {base64.b64encode(pair).decode()}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    status = head.split(b"\r\n", 1)[0].split(b" ", 2)
    if len(status) < 2 or status[1] != b"200":
        writer.close()
        raise ValueError(f"the proxy refused the tunnel: {status[:2]!r}")
    return writer


def _chain_of(ssl_object: ssl.SSLObject | None) -> list[bytes]:
    if ssl_object is None:
        return []
    # Python 3.13 gives the whole chain as sent; before, only the server's own
    # certificate is available without verifying.
    # TODO(#4): on 3.11/3.12 the issuer named is that of the server's own
    # certificate, which behind an intermediate CA is the intermediate, not the
    # root that would have to be trusted.
    whole_chain = getattr(ssl_object, "get_unverified_chain", None)
    if callable(whole_chain):
        chain = [c for c in whole_chain() or () if isinstance(c, bytes)]
        if chain:
            return chain
    leaf = ssl_object.getpeercert(binary_form=True)
    return [leaf] if leaf else []
