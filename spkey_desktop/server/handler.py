"""HTTP/1.1 with keep-alive on the standard library's threading server.

Each connection gets a daemon thread. The server remembers its connections so
that stop() can shut their sockets down: a keep-alive connection waiting for
its next request, or a stalled response, must not hold stop() up.
"""

from __future__ import annotations

import contextlib
import logging
import re
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from spkey_desktop.server import routes
from spkey_desktop.server.auth import Authenticator, Denied
from spkey_desktop.server.exchange import Exchange, FaultKind
from spkey_desktop.server.faults import Fault, FaultController
from spkey_desktop.server.replies import Reply, command_error, proxy_page
from spkey_desktop.server.routes import Api, Request

logger = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
_CHUNK_SIZE = re.compile(rb"[0-9A-Fa-f]{1,16}")
IDLE_TIMEOUT_S = 60.0


@dataclass
class Service:
    """Everything a request thread needs, shared by all of them."""

    api: Api
    auth: Authenticator
    faults: FaultController
    record: Callable[[Exchange], None]
    latency_s: float = 0.0
    stopping: threading.Event = field(default_factory=threading.Event)

    def pause(self, seconds: float) -> bool:
        """Wait ``seconds``; False if the server began stopping meanwhile."""
        if seconds <= 0:
            return not self.stopping.is_set()
        return not self.stopping.wait(seconds)


class HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default listen backlog is 5: a client opening more
    # connections at once (a bulk refresh or import runs 16 and more) has
    # the rest dropped, and each waits about a second for its SYN to be
    # retransmitted. The kernel caps this at net.core.somaxconn.
    request_queue_size = 128

    def __init__(self, host: str, port: int, service: Service) -> None:
        self.service = service
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._connections: dict[socket.socket, threading.Thread] = {}
        self._connections_lock = threading.Lock()
        super().__init__((host, port), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind() looks the host's name up in DNS; skip that.
        socketserver.TCPServer.server_bind(self)
        host, port = self.socket.getsockname()[:2]
        self.server_name, self.server_port = str(host), int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._serve_connection,
            args=(request, client_address),
            name=f"spkey-server-conn-{client_address[1]}",
            daemon=True,
        )
        with self._connections_lock:
            self._connections[request] = thread
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)
            with self._connections_lock:
                self._connections.pop(request, None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients hanging up mid-response is routine for a test server.
        logger.debug("connection from %s ended with an error", client_address)

    def drop_connections(self, timeout_s: float = 5.0) -> None:
        """Shut every open connection down and wait for its thread to end."""
        with self._connections_lock:
            connections = list(self._connections.items())
        for sock, _ in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout_s
        for _, thread in connections:
            thread.join(max(0.0, deadline - time.monotonic()))


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "spkey-local/1.0"
    sys_version = ""
    timeout = IDLE_TIMEOUT_S
    # Headers and body go out in separate writes; without this, Nagle's
    # algorithm and delayed ACKs add ~40 ms to every response.
    disable_nagle_algorithm = True
    server: HttpServer

    def do_GET(self) -> None:
        self._serve()

    if not TYPE_CHECKING:  # keep mypy's view of the class exact

        def __getattr__(self, name: str) -> Any:
            # BaseHTTPRequestHandler answers 501 to a method without a do_<METHOD>;
            # like the real service, route every method and answer 405 instead.
            if name.startswith("do_"):
                return self._serve
            raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("%s " + format, self.address_string(), *args)

    def _serve(self) -> None:
        started = time.monotonic()
        service = self.server.service
        target = urlsplit(self.path)
        body = self._read_body()
        fault = service.faults.next_fault()
        operation = _operation(self.command, target.path)

        def finish(reply: Reply | None) -> None:
            # Record first: once a client has its answer, the record exists.
            headers = [] if reply is None else self._headers_for(reply)
            service.record(
                Exchange(
                    method=self.command,
                    path=target.path,
                    query=target.query,
                    operation=operation,
                    status=None if reply is None else reply.status,
                    headers=dict(headers),
                    body=b"" if reply is None else reply.body,
                    fault=None if fault is None else fault.kind,
                    duration_s=time.monotonic() - started,
                )
            )
            if reply is None:
                self._drop()
            else:
                self._send(reply, headers)

        if not service.pause(service.latency_s):
            return finish(None)
        if fault is not None and not fault.after_handler:
            early = self._fault(fault)
            if not isinstance(early, _Proceed):
                return finish(early)

        reply = self._dispatch(target.path, target.query, body)

        if fault is not None and fault.after_handler:
            late = self._fault(fault)
            if not isinstance(late, _Proceed):
                return finish(late)
        return finish(reply)

    def _fault(self, fault: Fault) -> Reply | _Proceed | None:
        """The fault's reply, None to drop the connection, or _PROCEED."""
        service = self.server.service
        kind: FaultKind = fault.kind
        if kind == "close":
            return None
        if kind == "stall":
            return _PROCEED if service.pause(service.faults.stall_s) else None
        if kind == 429:
            seconds = service.faults.retry_after_s
            message = f"Too many requests. Retry after {seconds} seconds."
            return command_error(429, message, (("Retry-After", str(seconds)),))
        if kind == 500:
            return command_error(500, "An unexpected error occurred.")
        return proxy_page(int(kind))

    def _dispatch(self, path: str, query: str, body: bytes | Reply) -> Reply:
        candidates = routes.match(path)
        if not candidates:
            return command_error(404, f"No such endpoint: {path}")
        chosen = [(r, p) for r, p in candidates if r.method == self.command]
        if not chosen:
            allowed = ", ".join(sorted({r.method for r, _ in candidates}))
            message = f"Use {allowed} for {path}."
            return command_error(405, message, (("Allow", allowed),))
        route, params = chosen[0]

        headers = {name.lower(): value for name, value in self.headers.items()}
        org = self.server.service.auth.organization_of(headers)
        if isinstance(org, Denied):
            challenge = (("WWW-Authenticate", 'Bearer realm="spkey"'),)
            return command_error(401, org.message, challenge)
        if isinstance(body, Reply):
            return body

        request = Request(org, params, parse_qs(query, keep_blank_values=True), body)
        try:
            return route.handler(self.server.service.api, request)
        except Exception:
            logger.exception("%s %s failed", self.command, path)
            return command_error(500, "An unexpected error occurred.")

    def _read_body(self) -> bytes | Reply:
        """The request body, or a 400 reply when it cannot be read."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        raw_length = self.headers.get("Content-Length", "0")
        try:
            length = int(raw_length)
        except ValueError:
            self.close_connection = True
            return command_error(400, "Content-Length is not a number.")
        if length < 0 or length > MAX_BODY_BYTES:
            self.close_connection = True
            return command_error(400, "The body is too large.")
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes | Reply:
        chunks: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024).split(b";")[0].strip()
            # Hex digits only: int(line, 16) also reads "-1" (and then read(-1)
            # would read until the client hangs up), "+5", "0x5" and "1_0".
            if _CHUNK_SIZE.fullmatch(line) is None:
                self.close_connection = True
                return command_error(400, "Malformed chunked body.")
            size = int(line, 16)
            total += size
            if total > MAX_BODY_BYTES:
                self.close_connection = True
                return command_error(400, "The body is too large.")
            if size == 0:
                # Skip trailers up to the blank line that ends the body.
                while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline(1024)

    def _headers_for(self, reply: Reply) -> list[tuple[str, str]]:
        headers = [("Content-Type", reply.content_type), *reply.headers]
        headers.append(("Content-Length", str(len(reply.body))))
        if self.close_connection:
            headers.append(("Connection", "close"))
        return headers

    def _send(self, reply: Reply, headers: list[tuple[str, str]]) -> None:
        self.send_response(reply.status)
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def _drop(self) -> None:
        """Close the connection without answering."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


def _operation(method: str, path: str) -> str | None:
    """The route template serving ``method`` on ``path``, if there is one."""
    for route, _ in routes.match(path):
        if route.method == method:
            return route.template
    return None


class _Proceed:
    """A stall that ended: go on and answer normally."""


_PROCEED = _Proceed()
