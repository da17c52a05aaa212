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
import json
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from spkey_desktop.api import Credentials

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
    """What to answer: an HTTP response, raw bytes, a stall or a hang-up."""

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    raw: bytes | None = None
    stall: bool = False
    hang_up: bool = False

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

    async def start(self) -> ScriptedServer:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    @property
    def port(self) -> int:
        assert self._server is not None
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

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
            writer.write(reply.raw if reply.raw is not None else _encode(reply))
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


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


@pytest.fixture
def closed_port() -> int:
    """A loopback port that nothing listens on (bound, read, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    return port


@pytest.fixture
def test_credentials() -> Credentials:
    return Credentials(api_key=API_KEY, token=TOKEN)
