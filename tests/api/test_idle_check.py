"""The cheaper idle-connection check (api/idle_check.py) over real loopback
sockets: kept-alive connections are reused, and one the server has closed
while idle is noticed before the next request goes out on it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from spkey_desktop.api import Credentials, SpkeyClient, idle_check


class KeepAliveServer:
    """Answers every request with 200 and keeps the connection open, unless
    ``close_idle`` is set: then it closes each connection right after its
    first answer, as a server whose keep-alive timeout ran out would."""

    def __init__(self, close_idle: bool) -> None:
        self.close_idle = close_idle
        self.connections = 0
        self._server: asyncio.Server | None = None

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    async def _serve(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        self.connections += 1
        try:
            while await reader.readuntil(b"\r\n\r\n"):
                writer.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    b"Content-Length: 2\r\nConnection: keep-alive\r\n\r\n{}"
                )
                await writer.drain()
                if self.close_idle:
                    break
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    http = httpx.AsyncClient()
    assert idle_check.install(http) == 1
    yield http
    await http.aclose()


async def test_the_app_client_has_the_cheaper_check() -> None:
    # Fails if httpx moves its pool: the app would silently lose the speed-up.
    api = SpkeyClient("http://127.0.0.1:9", lambda: Credentials(api_key="k"))
    try:
        assert idle_check.installed_on(api._transport._http)
    finally:
        await api.aclose()


async def test_a_kept_alive_connection_is_reused(client: httpx.AsyncClient) -> None:
    server = KeepAliveServer(close_idle=False)
    url = await server.start()
    try:
        for _ in range(20):
            assert (await client.get(url)).status_code == 200
        assert server.connections == 1
    finally:
        await server.stop()


async def test_an_idle_connection_the_server_closed_is_not_used_again(
    client: httpx.AsyncClient,
) -> None:
    server = KeepAliveServer(close_idle=True)
    url = await server.start()
    try:
        for _ in range(5):
            assert (await client.get(url)).status_code == 200
            await asyncio.sleep(0.05)  # the server's close arrives meanwhile
        assert server.connections == 5
    finally:
        await server.stop()
