"""A tiny forward proxy on loopback that records what passes through it.

It answers CONNECT (the tunnel an https:// request goes through) for the
routes a test gives it, each a host name mapped to a port on 127.0.0.1, and
refuses everything else with 502: it never connects anywhere but loopback. It
records the request line and headers of every CONNECT; what flows inside the
tunnel is TLS and stays opaque to it, as to a real proxy.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import pytest


@dataclass(frozen=True)
class ProxyRecord:
    method: str
    target: str
    headers: dict[str, str]
    raw: bytes  # the request head exactly as it arrived


@dataclass
class ForwardProxy:
    routes: dict[str, int] = field(default_factory=dict)  # "host:port" -> port
    records: list[ProxyRecord] = field(default_factory=list)
    #: When set, a CONNECT without this Proxy-Authorization value gets 407.
    required_authorization: str | None = None
    _server: asyncio.Server | None = None
    _pipes: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self) -> ForwardProxy:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return self

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"

    def route(self, host: str, port: int, loopback_port: int) -> None:
        """Tunnel CONNECT host:port to 127.0.0.1:loopback_port."""
        self.routes[f"{host}:{port}"] = loopback_port

    async def close(self) -> None:
        for task in list(self._pipes):
            task.cancel()
        await asyncio.gather(*self._pipes, return_exceptions=True)
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()
            return
        lines = head.decode("latin-1").split("\r\n")
        method, target, _ = lines[0].split(" ", 2)
        headers = {
            name.strip().lower(): value.strip()
            for name, _, value in (line.partition(":") for line in lines[1:] if line)
        }
        self.records.append(ProxyRecord(method, target, headers, head))

        if (
            self.required_authorization is not None
            and headers.get("proxy-authorization") != self.required_authorization
        ):
            await _answer(writer, b"407 Proxy Authentication Required")
            return
        port = self.routes.get(target) if method == "CONNECT" else None
        if port is None:
            await _answer(writer, b"502 Bad Gateway")
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(
                "127.0.0.1", port
            )
        except OSError:
            await _answer(writer, b"502 Bad Gateway")
            return
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        for source, sink in ((reader, upstream_writer), (upstream_reader, writer)):
            task = asyncio.ensure_future(_pipe(source, sink))
            self._pipes.add(task)
            task.add_done_callback(self._pipes.discard)


async def _answer(writer: asyncio.StreamWriter, status: bytes) -> None:
    writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\n\r\n")
    with contextlib.suppress(ConnectionError):
        await writer.drain()
    writer.close()


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while chunk := await source.read(65536):
            sink.write(chunk)
            await sink.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        sink.close()


@pytest.fixture
async def forward_proxy() -> AsyncIterator[ForwardProxy]:
    proxy = await ForwardProxy().start()
    yield proxy
    await proxy.close()
