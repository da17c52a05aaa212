"""Sending one API call: authentication, retries, logging and error mapping.

The endpoint methods in client.py describe a call (method, path, body, how to
read the answer); ApiTransport carries it out over the one httpx.AsyncClient the
app keeps for its lifetime.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from . import idle_check
from .auth import CredentialsProvider, auth_headers
from .errors import (
    ApiError,
    ApiTimeoutError,
    ConnectionFailedError,
    TlsError,
    UnexpectedResponseError,
)
from .models import ResponseShapeError
from .proxies import proxy_for
from .redaction import LOGGER_NAME, RedactSecretsFilter
from .responses import Operation, error_for_response, parse_error_body
from .retry import (
    IDEMPOTENT_METHODS,
    RetryPolicy,
    may_retry_exception,
    may_retry_status,
    parse_retry_after,
)
from .tls import (
    PeerCertificates,
    VerificationFailure,
    refused_certificate_sentence,
    trust_context,
    verification_failure,
)

T = TypeVar("T")

log = logging.getLogger(LOGGER_NAME)

#: The most an answer may hold, once unpacked (gzip, deflate): far above any
#: answer of the API (a full page of events is tens of kilobytes), far below
#: what would strain the app's memory. A larger success answer is refused; of
#: a larger error answer only this much is read.
MAX_ANSWER_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer, read up to MAX_ANSWER_BYTES.

    ``complete`` is False when the body was longer (or announced to be) and
    ``content`` holds only its beginning.
    """

    status: int
    headers: httpx.Headers
    content: bytes
    url: str
    complete: bool


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds allowed for each phase of a request; none is unlimited.

    ``read`` and ``write`` bound each single socket operation, so a server that
    drips its answer a byte at a time never trips them; ``total`` bounds one
    attempt as a whole (waiting for a connection, connecting, sending, waiting
    for the answer and reading it). See ``deadline`` for its default.
    """

    connect: float = 5.0
    read: float = 15.0
    write: float = 15.0
    pool: float = 10.0
    total: float | None = None

    @property
    def deadline(self) -> float:
        """Seconds one attempt may take in all: ``total`` when given, else
        each phase's timeout once and ``read`` twice (once waiting for the
        answer, once reading it): 50 s by default."""
        if self.total is not None:
            return self.total
        return self.connect + self.write + 2 * self.read

    def to_httpx(self) -> httpx.Timeout:
        return httpx.Timeout(
            connect=self.connect, read=self.read, write=self.write, pool=self.pool
        )


def path_segment(value: str) -> str:
    """``value`` quoted as one path segment: "/" and "?" cannot escape it, and
    "." or ".." cannot climb out of it."""
    quoted = quote(value, safe="")
    if quoted in (".", ".."):
        quoted = quoted.replace(".", "%2E")
    return quoted


def _user_agent() -> str:
    try:
        return f"spkey-desktop/{version('spkey-desktop')}"
    except PackageNotFoundError:
        return "spkey-desktop"


class ApiTransport:
    def __init__(
        self,
        base_url: httpx.URL,
        credentials: CredentialsProvider,
        *,
        timeouts: Timeouts,
        retry: RetryPolicy,
        redactor: RedactSecretsFilter,
        transport: httpx.AsyncBaseTransport | None = None,
        verify: ssl.SSLContext | None = None,
    ) -> None:
        self._base = str(base_url)
        self._host = base_url.host
        self._port = base_url.port or (443 if base_url.scheme == "https" else 80)
        # Read once: the proxy for this one server, from the environment (a
        # server on this computer is always reached directly).
        self._proxy = proxy_for(base_url, os.environ) if transport is None else None
        self._peer = PeerCertificates(
            self._host, self._port, proxy=self._proxy, within_s=timeouts.connect
        )
        self._credentials = credentials
        self._timeouts = timeouts
        self._retry = retry
        self._redactor = redactor
        self._http = httpx.AsyncClient(
            timeout=timeouts.to_httpx(),
            # Never: httpx would carry X-API-Key along to wherever a redirect
            # points. A 3xx becomes RedirectedError instead.
            follow_redirects=False,
            # The operating system's trust store (where a company installs the
            # CA of its TLS-inspecting proxy) and certifi's; never unverified.
            verify=verify if verify is not None else trust_context(),
            transport=transport,
            proxy=self._proxy,
            # Proxies are chosen above (httpx cannot read CIDR in NO_PROXY);
            # nothing else is taken from the environment.
            trust_env=False,
            headers={"Accept": "application/json", "User-Agent": _user_agent()},
        )
        # httpcore's idle-connection check costs a quarter of each request.
        idle_check.install(self._http)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def call(
        self,
        operation: Operation,
        method: str,
        path: str,
        parse: Callable[[Any], T],
        *,
        params: Mapping[str, str] | None = None,
        body: Mapping[str, Any] | None = None,
    ) -> T:
        """Send the request (retrying where allowed) and parse a 2xx answer."""
        answer = await self._send(operation, method, path, params, body)
        data = self._json(answer)

        if isinstance(data, Mapping) and data.get("success") is False:
            said = parse_error_body(answer.content).message
            said = self._redactor.redact(said) if said else None
            raise UnexpectedResponseError(
                "The server reported that the request failed"
                + (f' ("{said.rstrip(".")}")' if said else "")
                + ". Try again; if it keeps happening, contact SmartphoneKey support.",
                status=answer.status,
                server_message=said,
            )
        try:
            return parse(data)
        except ResponseShapeError as exc:
            log.debug("%s %s: unexpected answer: %s", method, path, exc)
            raise UnexpectedResponseError(
                "The server's answer is missing information the app needs "
                f"({exc}). Try again later; if it keeps happening, the app may need "
                "an update.",
                status=answer.status,
            ) from None

    async def _send(
        self,
        operation: Operation,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        body: Mapping[str, Any] | None,
    ) -> Answer:
        attempt = 0
        while True:
            # Built anew each time: a key re-entered meanwhile is used at once.
            request, secrets = self._request(method, path, params, body)
            target = request.url.raw_path.decode("ascii")

            started = time.monotonic()
            refused: VerificationFailure | None = None
            deadline = asyncio.timeout(self._timeouts.deadline)
            try:
                async with deadline:
                    answer = await self._exchange(request)
            except httpx.HTTPError as exc:
                elapsed = (time.monotonic() - started) * 1000
                log.debug(
                    "%s %s failed after %.0f ms: %r", method, target, elapsed, exc
                )
                failure, wait = self._after_failure(method, exc, attempt)
                refused = verification_failure(exc)
            except TimeoutError:
                if not deadline.expired():
                    raise
                elapsed = (time.monotonic() - started) * 1000
                log.debug("%s %s ran out of time (%.0f ms)", method, target, elapsed)
                failure, wait = self._after_deadline(method, attempt)
            else:
                elapsed = (time.monotonic() - started) * 1000
                status = answer.status
                log.debug("%s %s -> %d in %.0f ms", method, target, status, elapsed)
                if 200 <= status < 300:
                    if not answer.complete:
                        # Not retried: the same request brings the same answer.
                        raise _too_large(answer)
                    return answer
                failure, wait = self._after_status(
                    operation, method, answer, secrets, attempt
                )

            # Raised out here, not inside the except block, so the error does not
            # keep the httpx exception (and the request headers it references)
            # as its __context__.
            attempt += 1
            if wait is None or attempt >= self._retry.max_attempts:
                if isinstance(failure, TlsError) and refused is not None:
                    failure = await self._refused_certificate(failure, refused)
                raise failure
            log.debug(
                "%s %s: retry %d of %d in %.2f s after %s",
                method,
                target,
                attempt,
                self._retry.max_attempts - 1,
                wait,
                type(failure).__name__,
            )
            await self._retry.sleep(wait)

    async def _exchange(self, request: httpx.Request) -> Answer:
        """Send ``request`` and read its answer, at most MAX_ANSWER_BYTES of it.

        The body is streamed, so a larger one (announced or not, packed or not)
        is cut off instead of being read into memory whole.
        """
        response = await self._http.send(request, stream=True)
        try:
            content, complete = await _read_capped(response, MAX_ANSWER_BYTES)
        finally:
            await response.aclose()
        return Answer(
            status=response.status_code,
            headers=response.headers,
            content=content,
            url=str(request.url),
            complete=complete,
        )

    async def _refused_certificate(
        self, failure: TlsError, refused: VerificationFailure
    ) -> TlsError:
        """The TlsError for a certificate that failed verification, naming the
        authority that issued it (read in a handshake that sends nothing)."""
        chain = await self._peer.read()
        sentence, issuer = refused_certificate_sentence(self._host, refused, chain)
        log.debug("Certificate of %s refused; issuer %s", self._host, issuer)
        return TlsError(
            sentence, detail=failure.detail, certificate_refused=True, issuer=issuer
        )

    def _request(
        self,
        method: str,
        path: str,
        params: Mapping[str, str] | None,
        body: Mapping[str, Any] | None,
    ) -> tuple[httpx.Request, tuple[str, ...]]:
        """The request with the current credentials, and those credentials."""
        credentials = self._credentials()
        self._redactor.add_secrets(credentials.api_key, credentials.token)
        headers = auth_headers(credentials)
        request = self._http.build_request(
            method, self._base + path, params=params, json=body, headers=headers
        )
        secrets = tuple(s for s in (credentials.api_key, credentials.token) if s)
        return request, secrets

    def _after_failure(
        self, method: str, exc: httpx.HTTPError, attempt: int
    ) -> tuple[ApiError, float | None]:
        """The error for a request with no answer, and the wait before trying
        again (None: do not)."""
        failure = self._transport_error(method, exc)
        # A certificate does not become valid by asking again.
        retry = may_retry_exception(method, exc) and not isinstance(failure, TlsError)
        return failure, self._retry.backoff(attempt) if retry else None

    def _after_deadline(
        self, method: str, attempt: int
    ) -> tuple[ApiError, float | None]:
        """The error for an attempt that overran ``Timeouts.deadline``, and the wait
        before trying again: as after a read timeout, only an idempotent request
        is repeated, since a command may have been carried out meanwhile."""
        sentence = (
            f"The server {self._host} did not finish answering within "
            f"{self._timeouts.deadline:g} seconds. Check the network connection and "
            f"try again.{_maybe_done(method)}"
        )
        failure = ApiTimeoutError(sentence, detail="overall deadline exceeded")
        retry = method.upper() in IDEMPOTENT_METHODS
        return failure, self._retry.backoff(attempt) if retry else None

    def _after_status(
        self,
        operation: Operation,
        method: str,
        answer: Answer,
        secrets: tuple[str, ...],
        attempt: int,
    ) -> tuple[ApiError, float | None]:
        """The error for a non-2xx answer, and the wait before trying again."""
        status = answer.status
        retry_after = parse_retry_after(answer.headers.get("retry-after"))
        failure = error_for_response(
            operation,
            status,
            answer.headers,
            answer.content,
            secrets=secrets,
            retry_after=retry_after,
            request_url=answer.url,
            method=method,
        )
        if not may_retry_status(method, status):
            return failure, None
        wait = self._retry.delay(attempt, retry_after)
        if wait is None:
            log.debug("Retry-After %s s is longer than the policy waits", retry_after)
        return failure, wait

    def _json(self, answer: Answer) -> Any:
        try:
            return json.loads(answer.content)
        except ValueError:
            raise UnexpectedResponseError(
                f"The server's answer could not be read (HTTP {answer.status}, "
                "not JSON). Check that the server address in the connection profile "
                "points at the "
                "SmartphoneKey API.",
                status=answer.status,
            ) from None
        except RecursionError:
            raise UnexpectedResponseError(
                f"The server's answer could not be read (HTTP {answer.status}, "
                "JSON nested too deeply). Try again later; if it keeps happening, "
                "contact SmartphoneKey support.",
                status=answer.status,
            ) from None

    def _transport_error(self, method: str, exc: httpx.HTTPError) -> ApiError:
        """The ApiError for a request that got no HTTP answer."""
        host = self._host
        detail = self._redactor.redact(f"{type(exc).__name__}: {exc}")
        maybe_done = _maybe_done(method)

        if isinstance(exc, httpx.ConnectTimeout):
            sentence = (
                f"Could not connect to {host} within {self._timeouts.connect:g} "
                "seconds. Check the network connection and try again."
            )
            return ApiTimeoutError(sentence, detail=detail)
        if isinstance(exc, httpx.PoolTimeout):
            sentence = (
                "Too many requests are waiting for a connection. Wait a moment and "
                "try again."
            )
            return ApiTimeoutError(sentence, detail=detail)
        if isinstance(exc, httpx.TimeoutException):
            sentence = (
                f"The server {host} did not answer within {self._timeouts.read:g} "
                f"seconds. Check the network connection and try again.{maybe_done}"
            )
            return ApiTimeoutError(sentence, detail=detail)
        if isinstance(exc, httpx.ConnectError) and _is_tls_failure(exc):
            sentence = (
                f"A secure connection to {host} could not be established. Check the "
                "server address in the connection profile, and that this computer's "
                "date and time "
                "are correct."
            )
            return TlsError(sentence, detail=detail)
        if isinstance(exc, httpx.ProxyError):
            sentence = (
                f"The network proxy refused the connection to {host}. Check the "
                "proxy settings of this computer."
            )
            return ConnectionFailedError(sentence, detail=detail)
        if isinstance(exc, httpx.ConnectError) and self._proxy is not None:
            # The proxy's address only: its user and password stay out of it.
            proxy = f"{self._proxy.host}:{self._proxy.port or 80}"
            sentence = (
                f"Could not connect to {host} through the proxy {proxy}. Check the "
                "network connection and this computer's proxy settings "
                "(HTTPS_PROXY, NO_PROXY)."
            )
            return ConnectionFailedError(sentence, detail=detail)
        if isinstance(exc, httpx.ConnectError):
            sentence = (
                f"Could not connect to {host}. Check the network connection and the "
                "server address in the connection profile."
            )
            return ConnectionFailedError(sentence, detail=detail)
        if isinstance(exc, httpx.NetworkError | httpx.RemoteProtocolError):
            sentence = (
                f"The connection to {host} broke before the answer arrived. Try "
                f"again.{maybe_done}"
            )
            return ConnectionFailedError(sentence, detail=detail)
        return UnexpectedResponseError(
            f"The exchange with {host} failed ({type(exc).__name__}). Try again; if "
            "it keeps happening, the app may need an update.",
            detail=detail,
        )


def _maybe_done(method: str) -> str:
    """The sentence for a command whose answer did not arrive."""
    if method.upper() != "POST":
        return ""
    return (
        " The change may have been saved anyway: reload to check before trying again."
    )


async def _read_capped(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """The body of ``response`` (unpacked), and whether it was read whole: at
    most ``limit`` bytes are kept. A success answer announced as larger is not
    read at all (it would be refused anyway); of an error answer the beginning
    is read, for the title or message it may start with."""
    announced = response.headers.get("content-length", "")
    packed = response.headers.get("content-encoding", "identity") != "identity"
    success = 200 <= response.status_code < 300
    too_long = announced.isascii() and announced.isdigit() and int(announced) > limit
    if success and too_long and not packed:
        return b"", False
    body = bytearray()
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) > limit:
            return bytes(body[:limit]), False
    return bytes(body), True


def _too_large(answer: Answer) -> UnexpectedResponseError:
    limit_mb = MAX_ANSWER_BYTES // (1024 * 1024)
    return UnexpectedResponseError(
        f"The server's answer is larger than {limit_mb} MB, far more than the "
        "SmartphoneKey API ever sends, so it was not read. Check that the server "
        "address in the connection profile points at the SmartphoneKey API.",
        status=answer.status,
    )


def _is_tls_failure(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, ssl.SSLError | ssl.CertificateError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False
