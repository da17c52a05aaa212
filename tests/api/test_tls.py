"""Certificate trust over real loopback TLS, with a throwaway certificate authority.

What these tests can prove on Linux, and how: truststore has OpenSSL load its
default verify locations for every handshake, and OpenSSL takes those from
SSL_CERT_FILE / SSL_CERT_DIR when they are set, else from the distribution's
bundle (/etc/ssl/certs/ca-certificates.crt on Debian). Pointing SSL_CERT_FILE at
a temporary store is therefore the very mechanism by which the "system" store is
read here, not a stand-in for it. Windows' and macOS' verifiers are not
exercised on this machine.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import certifi
import pytest

from spkey_desktop.api import Credentials, SpkeyClient, TlsError
from spkey_desktop.api.tls import CaBundleError, trust_context

from ..helpers.api_fixtures import (
    API_KEY,
    TEST_HOST,
    TOKEN,
    MakeClient,
    Reply,
    ScriptedServer,
    Sleeps,
    TlsFiles,
    assert_no_secret,
)
from ..helpers.proxy_fixtures import ForwardProxy

USER = {"uuid": "u-1", "email": "a@example.com", "created_at": "2024-01-15T10:30:00Z"}
ISSUER = "spkey test CA (spkey tests)"


@pytest.fixture(autouse=True)
def _no_trust_or_proxy_from_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)
    for name in ("https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


StartTlsServer = Callable[[ssl.SSLContext], Awaitable[ScriptedServer]]


@pytest.fixture
async def tls_server_with() -> AsyncIterator[StartTlsServer]:
    """Starts scripted TLS servers presenting a given server context."""
    servers: list[ScriptedServer] = []

    async def start(context: ssl.SSLContext) -> ScriptedServer:
        server = await ScriptedServer(tls=context).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.close()


async def test_an_unknown_authority_is_named_with_the_setting_to_change(
    tls_scripted_server: ScriptedServer, make_client: MakeClient, sleeps: Sleeps
) -> None:
    tls_scripted_server.script(Reply.json(USER))

    with pytest.raises(TlsError) as caught:
        await make_client(tls_scripted_server.base_url).find_user_by_email("a@x")

    error = caught.value
    assert error.certificate_refused
    assert error.issuer == ISSUER
    sentence = str(error)
    assert f"issued by “{ISSUER}”, which this computer does not trust" in sentence
    assert "trust store" in sentence
    assert "File → Connections…" in sentence
    assert "--ca-bundle FILE" in sentence
    # Neither the request nor the second look at the certificate sent anything.
    assert tls_scripted_server.requests == []
    assert sleeps == []
    assert_no_secret(error)


async def test_the_profiles_ca_bundle_is_trusted(
    tls_scripted_server: ScriptedServer, tls_files: TlsFiles
) -> None:
    tls_scripted_server.script(Reply.json(USER))
    async with SpkeyClient(
        tls_scripted_server.base_url,
        lambda: Credentials(api_key=API_KEY),
        verify=trust_context(tls_files.ca_file),
    ) as api:
        user = await api.find_user_by_email("a@x")
    assert user.uuid == "u-1"
    assert tls_scripted_server.requests[0].headers["x-api-key"] == API_KEY


@pytest.fixture
def system_store_with_the_test_ca(
    tls_files: TlsFiles, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """OpenSSL's default store, as truststore reads it on Linux (see the top):
    the usual public authorities plus the throwaway one, as IT would add it."""
    system_store = tmp_path / "ca-certificates.crt"
    system_store.write_bytes(Path(certifi.where()).read_bytes() + tls_files.ca_pem)
    monkeypatch.setenv("SSL_CERT_FILE", str(system_store))


@pytest.mark.usefixtures("system_store_with_the_test_ca")
async def test_an_authority_in_the_system_store_is_trusted(
    tls_scripted_server: ScriptedServer,
) -> None:
    tls_scripted_server.script(Reply.json(USER))

    async with SpkeyClient(
        tls_scripted_server.base_url, lambda: Credentials(api_key=API_KEY)
    ) as api:
        user = await api.find_user_by_email("a@x")
    assert user.uuid == "u-1"


def test_the_bundled_authorities_are_trusted_too(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # An empty system store, so whatever is trusted came from the app itself.
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.setenv("SSL_CERT_FILE", str(empty / "none.pem"))
    monkeypatch.setenv("SSL_CERT_DIR", str(empty))
    bundled = {
        ssl.PEM_cert_to_DER_cert(pem)
        for pem in re.findall(
            r"-----BEGIN CERTIFICATE-----.+?-----END CERTIFICATE-----",
            Path(certifi.where()).read_text(encoding="ascii"),
            re.DOTALL,
        )
    }

    context = trust_context()

    # truststore.SSLContext hides the OpenSSL context it configures as _ctx and
    # does not implement get_ca_certs() itself; that store is what verifies.
    loaded = set(context._ctx.get_ca_certs(binary_form=True))  # type: ignore[attr-defined]
    assert len(bundled) > 100
    assert bundled <= loaded


def test_no_context_the_app_builds_skips_verification(tls_files: TlsFiles) -> None:
    for context in (trust_context(), trust_context(tls_files.ca_file)):
        assert context.verify_mode == ssl.CERT_REQUIRED
        assert context.check_hostname


async def test_a_certificate_for_another_name_says_so(
    tls_scripted_server: ScriptedServer, tls_files: TlsFiles
) -> None:
    # The certificate is for 127.0.0.1, ::1 and spkey.test, not "localhost".
    async with SpkeyClient(
        f"https://localhost:{tls_scripted_server.port}",
        lambda: Credentials(api_key=API_KEY),
        verify=trust_context(tls_files.ca_file),
    ) as api:
        with pytest.raises(TlsError) as caught:
            await api.find_user_by_email("a@x")
    assert "is for another server name" in str(caught.value)
    assert caught.value.issuer == ISSUER
    assert tls_scripted_server.requests == []


async def test_an_expired_certificate_says_so(
    tls_server_with: StartTlsServer, tls_files: TlsFiles
) -> None:
    now = datetime.now(UTC)
    expired = tls_files.ca.issue(
        tls_files.folder,
        valid_from=now - timedelta(days=30),
        valid_until=now - timedelta(days=1),
    )
    server = await tls_server_with(expired)

    async with SpkeyClient(
        server.base_url,
        lambda: Credentials(api_key=API_KEY),
        verify=trust_context(tls_files.ca_file),
    ) as api:
        with pytest.raises(TlsError) as caught:
            await api.find_user_by_email("a@x")
    assert f"issued by “{ISSUER}” has expired" in str(caught.value)
    assert "date and time" in str(caught.value)
    assert server.requests == []


async def test_through_a_proxy_the_issuer_is_still_named(
    tls_scripted_server: ScriptedServer,
    forward_proxy: ForwardProxy,
    make_client: MakeClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    forward_proxy.route(TEST_HOST, 443, tls_scripted_server.port)
    monkeypatch.setenv("HTTPS_PROXY", forward_proxy.url)

    with pytest.raises(TlsError) as caught:
        await make_client(f"https://{TEST_HOST}").get_profile("u-1")

    assert caught.value.issuer == ISSUER
    # The request's tunnel, then the tunnel of the handshake that read the
    # certificate: both through the proxy, neither carrying a credential.
    assert [(r.method, r.target) for r in forward_proxy.records] == [
        ("CONNECT", f"{TEST_HOST}:443")
    ] * 2
    for record in forward_proxy.records:
        assert API_KEY.encode() not in record.raw
        assert TOKEN.encode() not in record.raw
    assert tls_scripted_server.requests == []


async def test_many_refusals_at_once_read_the_certificate_once(
    tls_scripted_server: ScriptedServer,
    forward_proxy: ForwardProxy,
    make_client: MakeClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    forward_proxy.route(TEST_HOST, 443, tls_scripted_server.port)
    monkeypatch.setenv("HTTPS_PROXY", forward_proxy.url)
    api = make_client(f"https://{TEST_HOST}")

    results = await asyncio.gather(
        *(api.get_profile(f"u-{n}") for n in range(5)), return_exceptions=True
    )

    assert all(isinstance(r, TlsError) and r.issuer == ISSUER for r in results)
    # Five requests' tunnels, and one for reading the certificate.
    assert len(forward_proxy.records) == 6


def test_an_unusable_ca_bundle_is_a_sentence(tmp_path: Path) -> None:
    with pytest.raises(CaBundleError, match="does not exist"):
        trust_context(tmp_path / "missing.pem")

    not_pem = tmp_path / "notes.txt"
    not_pem.write_text("this is not a certificate\n")
    with pytest.raises(CaBundleError, match="no certificate in PEM form"):
        trust_context(not_pem)

    with pytest.raises(CaBundleError, match="could not be read"):
        trust_context(tmp_path)
