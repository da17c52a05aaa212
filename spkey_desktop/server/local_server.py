"""LocalServer: the SmartphoneKey API on loopback, in a background thread.

    with LocalServer(ServerConfig(organizations=[org])) as server:
        httpx.get(server.base_url + "/cameras/my", headers={"X-API-Key": key})

Besides serving, it offers what tests and the app's demo mode need: fault
injection (``faults``), latency, direct access to organizations, users and
plates, and a log of every request it answered.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections import deque
from dataclasses import dataclass
from types import TracebackType
from typing import Any

from spkey_desktop.server.aggregate import Event, UserState, replay
from spkey_desktop.server.auth import Authenticator
from spkey_desktop.server.cameras import CameraStore
from spkey_desktop.server.config import (
    Organization,
    ServerConfig,
    validate_organizations,
)
from spkey_desktop.server.db import Database
from spkey_desktop.server.demo import DemoSummary, seed_demo
from spkey_desktop.server.exchange import Exchange
from spkey_desktop.server.faults import FaultController
from spkey_desktop.server.handler import HttpServer, Service
from spkey_desktop.server.routes import Api
from spkey_desktop.server.users import Outcome, UserStore

logger = logging.getLogger(__name__)

REQUEST_LOG_SIZE = 10_000


@dataclass(frozen=True)
class DemoCredentials:
    """How to call the demo organization."""

    org_id: str
    api_key: str
    token: str
    base_url: str


def start_demo(seed: int = 2024, users: int = 300, **config: Any) -> LocalServer:
    """Start a demo server in a background thread; ``.demo`` has its credentials.

    For the app's demo mode: ``server = start_demo()``, call ``server.demo``
    for the URL, API key and token, and ``server.close()`` on the way out.
    """
    return LocalServer(ServerConfig.for_demo(seed, users, **config)).start()


class LocalServer:
    def __init__(self, config: ServerConfig | None = None) -> None:
        self.config = config = config or ServerConfig()
        config.validate()
        self._db = Database(config.database)
        self.users = UserStore(self._db)
        self.cameras = CameraStore(self._db)
        self.faults = FaultController(
            retry_after_s=config.retry_after_s,
            stall_s=config.stall_s,
            rate=config.fault_rate,
            kinds=config.fault_kinds,
            seed=config.fault_seed,
        )
        self._organizations: list[Organization] = []
        self._auth = Authenticator()
        self._log: deque[tuple[str, str, int | None]] = deque(maxlen=REQUEST_LOG_SIZE)
        self._log_lock = threading.Lock()
        self._service = Service(
            api=Api(self.users, self.cameras, config.duplicate_add),
            auth=self._auth,
            faults=self.faults,
            record=self._record,
            latency_s=config.latency_ms / 1000,
        )
        self._httpd: HttpServer | None = None
        self._thread: threading.Thread | None = None
        # The port of the last run: a server started again comes back where its
        # clients expect it, as a real one restarting behind its address would.
        self._last_port = 0
        for org in config.organizations:
            self.add_organization(org)
        self.demo_summary: DemoSummary | None = None
        if config.demo is not None:
            self.demo_summary = seed_demo(
                self.users,
                self.cameras,
                config.organizations[0].org_id,
                seed=config.demo.seed,
                user_count=config.demo.users,
                event_count=config.demo.events,
                now=config.demo.now_ms,
            )

    # -- life cycle

    def start(self) -> LocalServer:
        """Listen and serve; after stop(), on the same port as before."""
        if self._httpd is not None:
            raise RuntimeError("the server is already running")
        self._service.stopping.clear()
        port = self.config.port or self._last_port
        self._httpd = HttpServer(self.config.host, port, self._service)
        self._last_port = int(self._httpd.server_address[1])
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="spkey-server",
            daemon=True,
        )
        self._thread.start()
        logger.info("local SmartphoneKey server listening on %s", self.base_url)
        return self

    def stop(self) -> None:
        """Stop serving: cut stalls and idle connections short, then close."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._service.stopping.set()
        httpd.shutdown()
        httpd.drop_connections()
        httpd.server_close()
        if self._thread is not None:
            self._thread.join()
        logger.info("local SmartphoneKey server stopped")

    def close(self) -> None:
        """Stop, then close the database; the server cannot be started again."""
        self.stop()
        self._db.close()

    def __enter__(self) -> LocalServer:
        return self if self.running else self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the server is not running")
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        host = self.config.host
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{self.port}"

    # -- behaviour

    def set_latency(self, ms: int) -> None:
        """Delay every response by ``ms`` milliseconds from now on."""
        if ms < 0:
            raise ValueError("latency cannot be negative")
        self._service.latency_s = ms / 1000

    @property
    def demo(self) -> DemoCredentials:
        """The demo organization's credentials (a demo config, running server)."""
        if self.config.demo is None:
            raise RuntimeError("this server was not configured for the demo")
        org = self.config.organizations[0]
        return DemoCredentials(org.org_id, org.api_key, org.tokens[0], self.base_url)

    # -- data, for tests and seeding

    @property
    def organizations(self) -> list[Organization]:
        return list(self._organizations)

    def add_organization(self, org: Organization) -> Organization:
        """Serve one more organization; its credentials work at once."""
        validate_organizations([*self._organizations, org])
        self.users.add_organization(org.org_id, org.name)
        self._auth.add(org)
        self._organizations.append(org)
        return org

    def create_user(
        self,
        org_id: str,
        *,
        email: str | None = None,
        phone: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        status: str = "ACTIVE",
        user_id: str | None = None,
    ) -> str:
        """Create a user directly (as UserCreated, version 1); returns its id.

        E-mail and phone are stored as given: pass them in the service's form
        (lower-case e-mail, "+<digits>" phone) to find them through the API.
        """
        user_id = user_id or str(uuid.uuid4())
        self.users.create(
            org_id,
            user_id,
            status=status,
            email=email,
            phone=phone,
            first_name=first_name,
            last_name=last_name,
        )
        return user_id

    def add_plate(
        self, user_id: str, plate: str, label: str = "", added_at: int | None = None
    ) -> Outcome:
        """Add a plate as the AddLicensePlate command would (same normalization)."""
        return self.users.add_plate(user_id, plate, label, added_at)

    def plates_of(self, user_id: str) -> list[str]:
        return [record.plate for record in self.users.plates(user_id)]

    def user_version(self, user_id: str) -> int:
        user = self.users.get(user_id)
        if user is None:
            raise KeyError(user_id)
        return user.version

    def events_of(self, user_id: str) -> list[Event]:
        return self.users.events(user_id)

    def replay(self, user_id: str) -> UserState | None:
        """The user's state rebuilt from its events alone."""
        return replay(self.users.events(user_id))

    # -- what was served

    @property
    def request_log(self) -> list[tuple[str, str, int | None]]:
        """(method, path, status) of every answered request, oldest first.

        Status is None for a connection dropped without an answer.
        """
        with self._log_lock:
            return list(self._log)

    def _record(self, exchange: Exchange) -> None:
        with self._log_lock:
            self._log.append((exchange.method, exchange.path, exchange.status))
        observer = self.config.observer
        if observer is None:
            return
        try:
            observer(exchange)
        except Exception:
            logger.exception("the response observer failed")
