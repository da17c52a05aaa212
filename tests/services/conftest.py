"""The app's non-Qt half (client, roster, outbox, service) on a real SQLite file,
talking to the real local server over loopback; and a clock on the server's
side of the wire, stamping when each request arrived."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from spkey_desktop.api import Credentials, RetryPolicy, SpkeyClient
from spkey_desktop.server import Exchange, LocalServer
from spkey_desktop.services.delivery import OutboxEvent, SenderStatus, SendPolicy
from spkey_desktop.services.roster_service import RosterService
from spkey_desktop.store.outbox import Outbox
from spkey_desktop.store.roster import RosterStore

#: Quick backoff for tests; the shape (growing, jittered, capped) is the app's.
FAST = SendPolicy(base_delay=0.05, max_delay=0.4)


@dataclass
class App:
    """One run of the app without its window: what WindowSession builds."""

    client: SpkeyClient
    store: RosterStore
    outbox: Outbox
    service: RosterService
    closed: bool = False

    async def close(self) -> None:
        self.closed = True
        await self.service.aclose()
        await self.client.aclose()
        self.outbox.close()
        self.store.close()

    async def settled(self, within: float = 20.0) -> None:
        """Wait until nothing is left to send (failed changes may remain)."""
        await self.until(lambda status: not status.counts.unsent, within)

    async def until(
        self, condition: Callable[[SenderStatus], bool], within: float = 20.0
    ) -> None:
        """Wait until the sender's status meets ``condition``."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def check(event: OutboxEvent) -> None:
            if condition(event.status) and not done.done():
                done.set_result(None)

        stop = self.service.sender.add_listener(check)
        try:
            if not condition(self.service.status()):
                async with asyncio.timeout(within):
                    await done
        finally:
            stop()


OpenApp = Callable[..., Awaitable[App]]


@pytest.fixture
async def open_app(tmp_path: Path, local_server: LocalServer) -> AsyncIterator[OpenApp]:
    """Start the app on one profile file; every run still open is closed at
    teardown. Keyword arguments: policy, timeouts, credentials (a callable;
    default: the organization's API key), start (default True)."""
    opened: list[App] = []
    api_key = local_server.organizations[0].api_key

    async def open_one(**options: Any) -> App:
        path = tmp_path / "profile.sqlite3"
        client = SpkeyClient(
            local_server.base_url,
            options.get("credentials", lambda: Credentials(api_key=api_key)),
            timeouts=options.get("timeouts"),
            retry=RetryPolicy(base_delay=0.01, max_delay=0.05),
        )
        store, outbox = RosterStore(path), Outbox(path)
        service = RosterService(
            client, store, outbox, policy=options.get("policy", FAST)
        )
        app = App(client, store, outbox, service)
        opened.append(app)
        if options.get("start", True):
            service.start()
        return app

    yield open_one

    for app in opened:
        if not app.closed:
            await app.close()


@dataclass(frozen=True)
class Arrival:
    """A request the server answered, and when (monotonic) it arrived."""

    at: float
    method: str
    path: str
    status: int | None
    body: bytes
    done: float


class ServerClock:
    """Wraps the server's observer (the spec check keeps working) and stamps
    every request with the time it arrived.

    The server records a request once it has answered it: one whose client
    hung up first (a stall the client gave up on) is carried out but missing
    here.
    """

    def __init__(self, server: LocalServer) -> None:
        self._inner = server.config.observer
        self._lock = threading.Lock()
        self._arrivals: list[Arrival] = []
        server.config.observer = self

    def __call__(self, exchange: Exchange) -> None:
        done = time.monotonic()
        started = done - exchange.duration_s
        with self._lock:
            self._arrivals.append(
                Arrival(
                    started,
                    exchange.method,
                    exchange.path,
                    exchange.status,
                    exchange.body,
                    done,
                )
            )
        if self._inner is not None:
            self._inner(exchange)

    def posts(self, suffix: str = "") -> list[Arrival]:
        with self._lock:
            return [
                a
                for a in self._arrivals
                if a.method == "POST" and a.path.endswith(suffix)
            ]

    def gets(self, suffix: str = "") -> list[Arrival]:
        with self._lock:
            return [
                a
                for a in self._arrivals
                if a.method == "GET" and a.path.endswith(suffix)
            ]


@pytest.fixture
def server_clock(local_server: LocalServer) -> ServerClock:
    return ServerClock(local_server)


def plate_events(server: LocalServer, user_id: str) -> list[tuple[str, str]]:
    """(event type, plate) of every plate event the server recorded, in order."""
    return [
        (event.type, str(event.data.get("plate")))
        for event in server.events_of(user_id)
        if "plate" in event.data
    ]
