"""Fixtures around the local SmartphoneKey server; registered in tests/conftest.py.

Every server started through these fixtures records each response it sends
(through ServerConfig.observer) and, at teardown, checks all of them against
the vendor's OpenAPI spec (see tests/helpers/spec.py). A test that makes the
server answer something off-spec therefore errors even if its own asserts pass.

- ``spec``: the loaded spec (session)
- ``start_server(**config)``: factory for a started, spec-checked LocalServer
- ``local_server``: fresh in-memory server on 127.0.0.1, port 0, one organization
- ``local_org``: that organization (its ``api_key`` and ``tokens``)
- ``api``: an httpx.Client on ``local_server`` sending ``local_org``'s API key
- ``demo_server``: a started demo server (seeded demo organization)
- ``demo_api``: an httpx.Client on ``demo_server`` with the demo API key
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from spkey_desktop.server import (
    Exchange,
    LocalServer,
    Organization,
    ServerConfig,
    new_organization,
)
from tests.helpers.spec import Spec

StartServer = Callable[..., LocalServer]


class ExchangeRecorder:
    """A thread-safe observer that keeps every exchange."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._exchanges: list[Exchange] = []

    def __call__(self, exchange: Exchange) -> None:
        with self._lock:
            self._exchanges.append(exchange)

    @property
    def exchanges(self) -> list[Exchange]:
        with self._lock:
            return list(self._exchanges)


def spec_problems(spec: Spec, recorder: ExchangeRecorder) -> list[str]:
    return [problem for ex in recorder.exchanges for problem in spec.problems(ex)]


@pytest.fixture(scope="session")
def spec() -> Spec:
    return Spec.load()


@pytest.fixture
def start_server(spec: Spec) -> Iterator[StartServer]:
    """Start servers with any ServerConfig arguments; all are checked at teardown.

    Without ``organizations`` the server gets one fresh test organization.
    """
    started: list[tuple[LocalServer, ExchangeRecorder]] = []

    def start(**config: Any) -> LocalServer:
        recorder = ExchangeRecorder()
        config.setdefault("host", "127.0.0.1")
        config.setdefault("port", 0)
        if "demo" not in config:
            config.setdefault("organizations", [new_organization("Test Parking")])
        server = LocalServer(ServerConfig(observer=recorder, **config))
        started.append((server, recorder))
        return server.start()

    yield start

    problems = []
    for server, recorder in started:
        server.close()
        problems += spec_problems(spec, recorder)
    if problems:
        pytest.fail("responses off the spec:\n" + "\n".join(problems))


@pytest.fixture
def local_server(start_server: StartServer) -> LocalServer:
    return start_server()


@pytest.fixture
def local_org(local_server: LocalServer) -> Organization:
    return local_server.organizations[0]


@pytest.fixture
def api(local_server: LocalServer, local_org: Organization) -> Iterator[httpx.Client]:
    headers = {"X-API-Key": local_org.api_key}
    with httpx.Client(
        base_url=local_server.base_url, headers=headers, timeout=10
    ) as client:
        yield client


@pytest.fixture
def demo_server(start_server: StartServer) -> LocalServer:
    demo = ServerConfig.for_demo()
    return start_server(organizations=demo.organizations, demo=demo.demo)


@pytest.fixture
def demo_api(demo_server: LocalServer) -> Iterator[httpx.Client]:
    headers = {"X-API-Key": demo_server.demo.api_key}
    with httpx.Client(base_url=demo_server.base_url, headers=headers, timeout=10) as c:
        yield c
