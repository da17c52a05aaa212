"""The window stays responsive: the app's own work never holds the event loop
for more than 50 ms, while refreshing a large roster or sending a backlog.

Measured with a loop-lag probe on the qasync loop (Qt's events and asyncio's
callbacks share it). The server runs in a process of its own, as the real one
does: in this process its request threads would compete with the window for
the interpreter lock, and the probe would measure them, not the app. The
maxima are printed (run with -s) and kept as the tests' user properties.
"""

from __future__ import annotations

import asyncio
import gc
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from spkey_desktop.api.auth import Credentials
from spkey_desktop.api.client import SpkeyClient
from spkey_desktop.server import LocalServer, Organization, ServerConfig
from spkey_desktop.server import new_organization as make_organization
from spkey_desktop.services.active_credentials import ActiveCredentials
from spkey_desktop.services.roster_service import RosterService
from spkey_desktop.store.outbox import AddPlate, Outbox, RemovePlate
from spkey_desktop.store.roster import RosterStore, RosterUser
from spkey_desktop.ui.main_window import ConnectionInfo, MainWindow
from tests.helpers.loop_lag import LoopLagProbe

LIMIT_S = 0.050
USERS = 300


@dataclass
class ServerProcess:
    base_url: str
    org: Organization
    user_ids: list[str]
    database: Path


def _seeded_database(path: Path, org: Organization) -> list[str]:
    """USERS users with two plates each, written by an in-process server."""
    with LocalServer(ServerConfig(database=str(path), organizations=[org])) as seed:
        ids = []
        for n in range(USERS):
            user_id = seed.create_user(org.org_id, email=f"m{n}@example.com")
            seed.add_plate(user_id, f"MA{n}")
            seed.add_plate(user_id, f"MB{n}", "Van")
            ids.append(user_id)
    return ids


@pytest.fixture
def server_process(tmp_path: Path) -> Iterator[ServerProcess]:
    org = make_organization("Lag Parking")
    database = tmp_path / "server.sqlite3"
    ids = _seeded_database(database, org)
    config = tmp_path / "organizations.json"
    entry = {"id": org.org_id, "name": org.name, "apiKey": org.api_key}
    config.write_text(json.dumps({"organizations": [entry]}), encoding="utf-8")
    command = [sys.executable, "-m", "spkey_desktop.server", "--port", "0"]
    command += ["--database", str(database), "--config", str(config)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("Listening on http://127.0.0.1:"), line
        yield ServerProcess(line.split()[-1], org, ids, database)
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def lag_window(qtbot, qasync_loop, server_process, tmp_path) -> Iterator[MainWindow]:
    credentials = ActiveCredentials()
    credentials.set(Credentials(api_key=server_process.org.api_key))
    client = SpkeyClient(server_process.base_url, credentials)
    store = RosterStore(tmp_path / "roster.sqlite3")
    outbox = Outbox(tmp_path / "roster.sqlite3")
    service = RosterService(client, store, outbox)
    store.save_many([RosterUser(user_id) for user_id in server_process.user_ids])

    async def never_asked(_error: object) -> bool:
        raise AssertionError("the credentials are good")

    window = MainWindow(
        service, ConnectionInfo("Lag", server_process.base_url), never_asked
    )
    qtbot.addWidget(window)
    window.show_roster(service.load_roster())
    window.show()
    service.start()
    # This process also holds pytest's heap, many times the app's: a full
    # collection walking it would be the test runner's pause, not the app's.
    # Frozen, the collector sees only what the app makes from here on.
    gc.collect()
    gc.freeze()
    yield window
    gc.unfreeze()

    def run(awaitable: object) -> None:
        task = asyncio.ensure_future(awaitable)  # type: ignore[arg-type]
        qtbot.waitUntil(task.done, timeout=10000)

    run(window.shutdown())
    run(service.aclose())
    run(client.aclose())
    outbox.close()
    store.close()


def measure(qtbot, work_done) -> LoopLagProbe:
    probe = LoopLagProbe()
    probe.start()
    qtbot.waitUntil(work_done, timeout=60000)
    stop = asyncio.ensure_future(probe.stop())
    qtbot.waitUntil(stop.done)
    return probe


def report(record_property, what: str, probe: LoopLagProbe) -> None:
    own, wall = probe.max_own_lag * 1000, probe.max_lag * 1000
    record_property("max_own_loop_lag_ms", round(own, 1))
    record_property("max_wall_loop_lag_ms", round(wall, 1))
    print(f"\n{what}: max loop lag {own:.1f} ms own work, {wall:.1f} ms wall clock")


def test_the_probe_sees_a_blocked_loop(qtbot, qasync_loop) -> None:
    probe = LoopLagProbe()
    probe.start()
    qtbot.waitUntil(lambda: len(probe.lags) >= 3)
    qasync_loop.call_soon(time.sleep, 0.12)  # what the probe must catch
    qtbot.waitUntil(lambda: probe.max_own_lag >= 0.1)
    stop = asyncio.ensure_future(probe.stop())
    qtbot.waitUntil(stop.done)


def test_refreshing_a_large_roster_never_blocks_the_loop(
    qtbot, lag_window, server_process, record_property
) -> None:
    refresh = lag_window.refresh_now()
    probe = measure(qtbot, refresh.done)

    last = lag_window.panel.roster_model.user(server_process.user_ids[-1])
    assert sorted(p.plate for p in last.plates) == [f"MA{USERS - 1}", f"MB{USERS - 1}"]
    report(record_property, f"refresh of {USERS} users", probe)
    assert len(probe.lags) > 20
    assert probe.max_own_lag < LIMIT_S


def test_sending_a_backlog_never_blocks_the_loop(
    qtbot, lag_window, server_process, record_property
) -> None:
    qtbot.waitUntil(lag_window.refresh_now().done, timeout=30000)
    lag_window.pending_action.trigger()  # the dialog follows along too
    sender = lag_window.outbox._service.sender
    ids = server_process.user_ids
    changes = [AddPlate(u, f"NB{n}") for n, u in enumerate(ids)]
    changes += [RemovePlate(u, f"MA{n}") for n, u in enumerate(ids[:100])]

    sender.enqueue_many(changes)
    probe = measure(qtbot, lambda: not sender.status().counts.unsent)

    first = lag_window.panel.roster_model.user(ids[0])
    assert sorted(p.plate for p in first.plates) == ["MB0", "NB0"]
    report(record_property, f"backlog of {len(changes)} changes", probe)
    assert probe.max_own_lag < LIMIT_S
