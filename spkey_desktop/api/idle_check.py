"""A cheaper "has the server closed this idle connection?" for httpx's pool.

Before each request, and again when each response is closed, httpcore's
connection pool (1.0.x) asks every idle keep-alive connection whether its
socket has become readable, which on an idle HTTP/1.1 connection means the
server has closed it. Each question goes through anyio's typed attributes,
which rebuild a dictionary of the socket's attributes (with a
``getpeername`` system call) before the readability poll itself. With the
16 connections a refresh or an import keeps open, that was a quarter of the
app's processor time per request, and the app is processor-bound there:
the roster refresh and the bulk import could not be made faster without it.

:func:`install` wraps the pool's network backend so that each connection
looks its raw socket up once, when it is opened, and answers the question
with one ``poll`` (``select`` on Windows). Everything else (reading,
writing, TLS, the other attributes) goes to httpcore's own backend
untouched. It reaches into httpx's transport for the pool (no public way
exists); when that is not where it expects, it changes nothing and the
pool works as before, only slower.

WORKAROUND for https://github.com/encode/httpcore/pull/928
"""

from __future__ import annotations

import logging
import select
import ssl
import sys
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

log = logging.getLogger(__name__)


def _has_data_or_eof(sock: Any) -> bool:
    """True when a read on ``sock`` would not wait: data, or the server's
    end of the connection. A socket with no descriptor left counts as
    closed (readable), so the pool drops the connection."""
    fd = -1 if sock is None else sock.fileno()
    if fd < 0:
        return True
    if sys.platform == "win32" or not hasattr(select, "poll"):
        readable, _, _ = select.select([fd], [], [], 0)
        return bool(readable)
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


# The signatures are httpcore's (timeout parameters included): ASYNC109 off.


class _Stream(httpcore.AsyncNetworkStream):
    """A connection's stream that knows its raw socket."""

    def __init__(self, inner: httpcore.AsyncNetworkStream, sock: Any) -> None:
        self._inner = inner
        # Under asyncio this is the transport's socket wrapper, not a
        # socket.socket; its descriptor is all the check needs.
        self._socket = sock if callable(getattr(sock, "fileno", None)) else None

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> httpcore.AsyncNetworkStream:
        secured = await self._inner.start_tls(ssl_context, server_hostname, timeout)
        # TLS runs over the same socket: its readability means the same.
        return _Stream(secured, self._socket)

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return _has_data_or_eof(self._socket)
        return self._inner.get_extra_info(info)


class _Backend(httpcore.AsyncNetworkBackend):
    """httpcore's backend, handing out streams that know their socket."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self.inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self.inner.connect_tcp(
            host, port, timeout, local_address, socket_options
        )
        return _Stream(stream, stream.get_extra_info("socket"))

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        stream = await self.inner.connect_unix_socket(path, timeout, socket_options)
        return _Stream(stream, stream.get_extra_info("socket"))

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def install(client: httpx.AsyncClient) -> int:
    """Give the pools of ``client``'s own transports (direct and through
    proxies) the cheaper check; returns how many pools took it."""
    transports = [client._transport, *client._mounts.values()]
    installed = 0
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if not isinstance(backend, httpcore.AsyncNetworkBackend):
            continue
        if not isinstance(backend, _Backend):
            pool._network_backend = _Backend(backend)  # type: ignore[union-attr]
        installed += 1
    if not installed:
        log.debug("httpx's connection pool is not where expected; left as it is")
    return installed


def installed_on(client: httpx.AsyncClient) -> bool:
    """Whether the direct transport of ``client`` has the cheaper check."""
    pool = getattr(client._transport, "_pool", None)
    return isinstance(getattr(pool, "_network_backend", None), _Backend)
