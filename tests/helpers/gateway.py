"""A gateway on loopback in front of the local server, for end-to-end tests.

It relays every request to the local server, except while a test tells it to
play a network outage (a proxy's 503 page, which echoes the API key back, as
some proxies' error pages echo request headers) or a server that quotes the key
it refuses in a 401. It listens on 127.0.0.1 only and relays to 127.0.0.1 only.
"""

from __future__ import annotations

import http.client
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Gateway(ThreadingHTTPServer):
    """Relays requests to the local server, except while told to play an outage
    (503 from a proxy) or a server quoting the refused key in a 401."""

    daemon_threads = True

    def __init__(self, upstream_port: int) -> None:
        super().__init__(("127.0.0.1", 0), _Relay)
        self.upstream_port = upstream_port
        self.lock = threading.Lock()
        self.outage = False
        self.echo_401 = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Relay(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Gateway

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        gateway = self.server
        with gateway.lock:
            outage = gateway.outage
            echo = gateway.echo_401 > 0
            gateway.echo_401 -= 1 if echo else 0
        if outage:
            # Some proxies' error pages echo the request's headers back.
            echoed = self.headers.get("X-API-Key", "")
            page = f"<html><title>503 upstream down ({echoed})</title></html>"
            self._answer(503, page.encode())
        elif echo:
            refused = self.headers.get("X-API-Key", "")
            said = {"error": "Unauthorized", "message": f"API key {refused} revoked."}
            self._answer(401, json.dumps(said).encode(), "application/json")
        else:
            self._relay(body)

    do_POST = do_GET

    def _relay(self, body: bytes) -> None:
        upstream = http.client.HTTPConnection(
            "127.0.0.1", self.server.upstream_port, timeout=30
        )
        skipped = {"host", "connection", "content-length"}
        headers = {k: v for k, v in self.headers.items() if k.lower() not in skipped}
        try:
            upstream.request(self.command, self.path, body=body, headers=headers)
            answer = upstream.getresponse()
            data = answer.read()
            kind = answer.getheader("Content-Type") or "application/json"
            self._answer(answer.status, data, kind)
        finally:
            upstream.close()

    def _answer(self, status: int, body: bytes, kind: str = "text/html") -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the test reads the app's logs, not the gateway's."""
