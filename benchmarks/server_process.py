"""The local SmartphoneKey server in a process of its own, on loopback.

In the benchmark's own process the server's request threads would compete
with the client for the interpreter lock and the measurement would be of
both; in a child process it behaves like the real, remote service, with an
added latency. The parent talks to it over a pipe.
"""

from __future__ import annotations

import multiprocessing
import threading
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any


@dataclass(frozen=True)
class ServedUser:
    user_id: str
    email: str
    plate: str


def _serve(conn: Connection, users: int) -> None:
    from spkey_desktop.server import LocalServer, ServerConfig, new_organization

    lock = threading.Lock()
    counts: dict[str, int] = {}

    def observe(exchange: Any) -> None:
        with lock:
            counts[exchange.method] = counts.get(exchange.method, 0) + 1

    org = new_organization("Benchmark Parking")
    server = LocalServer(
        ServerConfig(host="127.0.0.1", organizations=[org], observer=observe)
    ).start()
    served = []
    for n in range(users):
        email = f"tenant{n}@bench.example.com"
        user_id = server.create_user(org.org_id, email=email, first_name=f"Tenant {n}")
        server.add_plate(user_id, f"BN{n:06d}")
        served.append(ServedUser(user_id, email, f"BN{n:06d}"))
    conn.send((server.base_url, org.api_key, served))
    try:
        while True:
            command, *args = conn.recv()
            if command == "latency":
                server.set_latency(int(args[0]))
                conn.send(None)
            elif command == "requests":
                with lock:
                    conn.send(dict(counts))
            else:
                break
    finally:
        server.close()


class ServerProcess:
    """``with ServerProcess(users) as server:`` a seeded server on loopback."""

    def __init__(self, users: int) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(child, users), daemon=True)
        self._process.start()
        self.base_url, self.api_key, self.users = self._conn.recv()

    def set_latency(self, ms: int) -> None:
        self._conn.send(("latency", ms))
        self._conn.recv()

    def requests(self) -> int:
        """Requests answered so far."""
        self._conn.send(("requests",))
        counts: dict[str, int] = self._conn.recv()
        return sum(counts.values())

    def close(self) -> None:
        self._conn.send(("stop",))
        self._process.join(10)

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
