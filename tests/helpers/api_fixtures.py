"""A scripted HTTP server on loopback, for answers the local SmartphoneKey server
cannot give: a proxy's HTML 502, a body that is not JSON, a redirect to another
origin, a connection that stalls or closes mid-answer, and a record of exactly
which headers arrived.

It is a real server: the client under test talks to it through its real
httpx stack over a real TCP socket on 127.0.0.1. Each connection carries one
request and is then closed.
"""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
import ssl
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from spkey_desktop.api import Credentials, RetryPolicy, SpkeyClient, Timeouts
from spkey_desktop.server import (
    Exchange,
    LocalServer,
    Organization,
    ServerConfig,
    new_organization,
)
from tests.helpers.spec import Spec

API_KEY = "K" * 20 + "3fA9" * 5  # 40 alphanumeric characters, like a real key
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ0ZXN0LXNlcnZpY2UifQ.c2lnbmF0dXJlLXNlY3JldA"


@dataclass(frozen=True)
class Recorded:
    """One request as it arrived."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes

    @property
    def path(self) -> str:
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.target).query, keep_blank_values=True)

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass(frozen=True)
class Reply:
    """What to answer: an HTTP response, raw bytes, a stall or a hang-up;
    all at once or dripped."""

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    raw: bytes | None = None
    stall: bool = False
    hang_up: bool = False
    # Seconds between bytes: the answer trickles out one byte at a time.
    drip_s: float | None = None

    @classmethod
    def json(
        cls, data: Any, status: int = 200, headers: tuple[tuple[str, str], ...] = ()
    ) -> Reply:
        body = json.dumps(data).encode()
        return cls(status, body, (("Content-Type", "application/json"), *headers))

    @classmethod
    def html(cls, status: int, page: str) -> Reply:
        return cls(status, page.encode(), (("Content-Type", "text/html"),))


_REASONS = {
    200: "OK",
    201: "Created",
    301: "Moved Permanently",
    302: "Found",
    307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}


@dataclass
class ScriptedServer:
    """Answers each request with the next scripted Reply (``default`` after)."""

    default: Reply = field(
        default_factory=lambda: Reply.json({"error": "nothing scripted"}, 500)
    )
    requests: list[Recorded] = field(default_factory=list)
    _replies: list[Reply] = field(default_factory=list)
    _server: asyncio.Server | None = None
    _closing: asyncio.Event = field(default_factory=asyncio.Event)

    tls: ssl.SSLContext | None = None

    async def start(self) -> ScriptedServer:
        self._server = await asyncio.start_server(
            self._handle, "127.0.0.1", 0, ssl=self.tls
        )
        return self

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def base_url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}"

    def script(self, *replies: Reply) -> None:
        self._replies.extend(replies)

    async def close(self) -> None:
        self._closing.set()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            request = await _read_request(reader)
            if request is None:
                return
            self.requests.append(request)
            reply = self._replies.pop(0) if self._replies else self.default
            if reply.stall:
                await self._closing.wait()
                return
            if reply.hang_up:
                return
            data = reply.raw if reply.raw is not None else _encode(reply)
            if reply.drip_s is None:
                writer.write(data)
                await writer.drain()
            else:
                await self._drip(writer, data, reply.drip_s)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _drip(
        self, writer: asyncio.StreamWriter, data: bytes, pause_s: float
    ) -> None:
        for index in range(len(data)):
            writer.write(data[index : index + 1])
            await writer.drain()
            if self._closing.is_set():
                return
            await asyncio.sleep(pause_s)


async def _read_request(reader: asyncio.StreamReader) -> Recorded | None:
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, value = line.split(":", 1)
            headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    body = await reader.readexactly(length) if length else b""
    return Recorded(method, target, headers, body)


def _encode(reply: Reply) -> bytes:
    reason = _REASONS.get(reply.status, "Status")
    lines = [f"HTTP/1.1 {reply.status} {reason}"]
    lines += [f"{k}: {v}" for k, v in reply.headers]
    lines += [f"Content-Length: {len(reply.body)}", "Connection: close", "", ""]
    return "\r\n".join(lines).encode("latin-1") + reply.body


# --- fixtures ----------------------------------------------------------------------


@pytest.fixture
async def scripted_server() -> AsyncIterator[ScriptedServer]:
    server = await ScriptedServer().start()
    yield server
    await server.close()


@pytest.fixture
async def second_scripted_server() -> AsyncIterator[ScriptedServer]:
    """Another origin (another port), e.g. the target of a redirect."""
    server = await ScriptedServer().start()
    yield server
    await server.close()


#: A host name no resolver knows (RFC 2606), reached only through the test's own
#: loopback proxy, which maps it to a loopback server; never looked up.
TEST_HOST = "spkey.test"


class ThrowawayCa:
    """A certificate authority that lives for one test session, and the
    certificates it issues (for 127.0.0.1, ::1 and TEST_HOST by default)."""

    def __init__(self, common_name: str, organization: str | None = None) -> None:
        attributes = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
        if organization:
            attributes.append(
                x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization)
            )
        self.name = x509.Name(attributes)
        self._key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.now(UTC)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(self.name)
            .issuer_name(self.name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(hours=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(
                x509.BasicConstraints(ca=True, path_length=None), critical=True
            )
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .sign(self._key, hashes.SHA256())
        )

    @property
    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def issue(
        self,
        folder: Path,
        *,
        hosts: tuple[str, ...] = ("127.0.0.1", "::1", TEST_HOST),
        valid_from: datetime | None = None,
        valid_until: datetime | None = None,
    ) -> ssl.SSLContext:
        """A server context presenting a fresh certificate this CA signed."""
        now = datetime.now(UTC)
        key = ec.generate_private_key(ec.SECP256R1())
        names: list[x509.GeneralName] = []
        for host in hosts:
            try:
                names.append(x509.IPAddress(ipaddress.ip_address(host)))
            except ValueError:
                names.append(x509.DNSName(host))
        cert = (
            x509.CertificateBuilder()
            .subject_name(
                x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])])
            )
            .issuer_name(self.name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(valid_from or now - timedelta(hours=1))
            .not_valid_after(valid_until or now + timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(
                x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                critical=False,
            )
            .sign(self._key, hashes.SHA256())
        )
        stem = folder / f"server-{cert.serial_number:x}"
        cert_file, key_file = stem.with_suffix(".pem"), stem.with_suffix(".key")
        cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        server.load_cert_chain(cert_file, key_file)
        return server


@dataclass(frozen=True)
class TlsFiles:
    """A throwaway CA ("spkey test CA" of "spkey tests"), its PEM file, and a
    server context with a certificate it signed for 127.0.0.1, ::1, TEST_HOST."""

    ca: ThrowawayCa
    ca_file: Path
    server: ssl.SSLContext
    folder: Path

    @property
    def ca_pem(self) -> bytes:
        return self.ca.pem

    def client_trusting_the_ca(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cadata=self.ca_pem.decode())
        return context


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    folder = tmp_path_factory.mktemp("tls")
    ca = ThrowawayCa("spkey test CA", "spkey tests")
    ca_file = folder / "test-ca.pem"
    ca_file.write_bytes(ca.pem)
    return TlsFiles(ca, ca_file, ca.issue(folder), folder)


@pytest.fixture
async def tls_scripted_server(tls_files: TlsFiles) -> AsyncIterator[ScriptedServer]:
    """The scripted server behind TLS, with a certificate no system trusts."""
    server = await ScriptedServer(tls=tls_files.server).start()
    yield server
    await server.close()


@pytest.fixture
def closed_port() -> int:
    """A loopback port that nothing listens on (bound, read, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    return port


class Sleeps(list[float]):
    """The waits a retry policy asked for, recorded instead of waited."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


MakeClient = Callable[..., SpkeyClient]
BOTH = Credentials(api_key=API_KEY, token=TOKEN)


@pytest.fixture
async def make_client(sleeps: Sleeps) -> AsyncIterator[MakeClient]:
    """Builds clients whose retries record their waits in ``sleeps`` (backoff
    at its ceiling: 0.5, 1.0, 2.0 s); closes them afterwards."""
    clients: list[SpkeyClient] = []

    def make(
        base_url: str,
        credentials: Credentials | Callable[[], Credentials] = BOTH,
        *,
        attempts: int = 3,
        timeouts: Timeouts | None = None,
    ) -> SpkeyClient:
        provider = credentials if callable(credentials) else (lambda: credentials)
        client = SpkeyClient(
            base_url,
            provider,
            timeouts=timeouts,
            retry=RetryPolicy(max_attempts=attempts, sleep=sleeps, random=lambda: 1.0),
        )
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


def assert_no_secret(error: BaseException, *secrets: str) -> None:
    """Neither the text, the repr nor the detail of ``error`` holds a secret."""
    for text in (str(error), repr(error), getattr(error, "detail", "") or ""):
        for secret in (API_KEY, TOKEN, *secrets):
            assert secret not in text


# --- the project's local SmartphoneKey server ----------------------------------------


class ExchangeLog:
    """The server's observer: every exchange it answered, in order.

    The server calls it on its own thread just after answering, so a test that
    has its answer may have to wait a moment for the record.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._exchanges: list[Exchange] = []

    def __call__(self, exchange: Exchange) -> None:
        with self._changed:
            self._exchanges.append(exchange)
            self._changed.notify_all()

    def all(self) -> list[Exchange]:
        with self._changed:
            return list(self._exchanges)

    async def settled(self, count: int, timeout_s: float = 5.0) -> list[Exchange]:
        """The exchanges, once at least ``count`` are recorded (or on timeout)."""

        def wait() -> list[Exchange]:
            with self._changed:
                self._changed.wait_for(lambda: len(self._exchanges) >= count, timeout_s)
                return list(self._exchanges)

        return await asyncio.to_thread(wait)


@dataclass
class LocalApi:
    """A running LocalServer with two organizations and a record of exchanges.

    ``org`` is the one the tests call as; ``other`` exists to show that one
    organization cannot see another's users.
    """

    server: LocalServer
    org: Organization
    other: Organization
    exchanges: ExchangeLog

    @property
    def base_url(self) -> str:
        return self.server.base_url

    @property
    def key(self) -> Credentials:
        return Credentials(api_key=self.org.api_key)

    @property
    def token(self) -> Credentials:
        return Credentials(token=self.org.tokens[0])


StartLocalApi = Callable[..., LocalApi]


@pytest.fixture
def start_local_api(spec: Spec) -> Iterator[StartLocalApi]:
    """Starts LocalServers on 127.0.0.1 (port 0) with ServerConfig overrides.

    At teardown every answer they gave is checked against the OpenAPI spec (the
    server team's ``spec`` fixture), so the client is only ever proven against
    answers the real service could give.
    """
    started: list[LocalApi] = []

    def start(**overrides: Any) -> LocalApi:
        org = new_organization("Parking A")
        other = new_organization("Parking B")
        exchanges = ExchangeLog()
        config = ServerConfig(
            organizations=[org, other],
            observer=exchanges,
            stall_s=5.0,
            **overrides,
        )
        local = LocalApi(LocalServer(config).start(), org, other, exchanges)
        started.append(local)
        return local

    yield start

    problems = []
    for local in started:
        local.server.close()
        problems += [p for e in local.exchanges.all() for p in spec.problems(e)]
    if problems:
        pytest.fail("answers off the spec:\n" + "\n".join(problems))


@pytest.fixture
def local_api(start_local_api: StartLocalApi) -> LocalApi:
    return start_local_api()
