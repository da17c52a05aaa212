"""The app is killed (SIGKILL) while a bulk of changes is on its way; restarted,
it delivers every change, and the server carries each out exactly once.

The app's sending half runs as a process of its own (tests/helpers/
outbox_runner.py) on a real SQLite file; the server runs here, with latency,
so that requests are in flight (some already carried out by the server, their
answer never read) at the moment of the kill.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import pytest

from spkey_desktop.server import Exchange, LocalServer
from spkey_desktop.store.outbox import EntryState, Outbox
from tests.helpers.outbox_runner import PLATES_PER_USER, bulk
from tests.services.conftest import plate_events

REPO = Path(__file__).resolve().parents[2]
USERS = 6


class AddsCounter:
    """Counts AddLicensePlate answers: ``reached`` is set at ``target``, and
    ``no_ops`` counts adds answered "the user has it already"."""

    def __init__(self, server: LocalServer, target: int) -> None:
        self._inner = server.config.observer
        self._target = target
        self._count = 0
        self._lock = threading.Lock()
        self.reached = threading.Event()
        self.no_ops = 0
        server.config.observer = self

    def __call__(self, exchange: Exchange) -> None:
        if exchange.path.endswith("/AddLicensePlate") and exchange.status == 200:
            with self._lock:
                self._count += 1
                self.no_ops += json.loads(exchange.body)["event"] is None
                if self._count >= self._target:
                    self.reached.set()
        if self._inner is not None:
            self._inner(exchange)


def start_runner(
    db: Path, server: LocalServer, users: list[str], *extra: str
) -> subprocess.Popen[str]:
    env = {**os.environ, "SPKEY_TEST_API_KEY": server.organizations[0].api_key}
    command = [sys.executable, "-m", "tests.helpers.outbox_runner"]
    command += [str(db), server.base_url, ",".join(users), *extra]
    return subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, text=True
    )


# Killed early, in the second round of requests (every user's first change is
# answered in the first, at once: the lanes outnumber the users), and late.
@pytest.mark.parametrize("kill_after", [USERS + 1, 30])
def test_a_killed_app_delivers_every_change_exactly_once_after_restart(
    local_server: LocalServer, tmp_path: Path, kill_after: int
) -> None:
    org = local_server.organizations[0].org_id
    users = [
        local_server.create_user(org, email=f"k{n}@example.com") for n in range(USERS)
    ]
    for n, user_id in enumerate(users):
        local_server.add_plate(user_id, f"OLD{n}")
    total_adds = USERS * PLATES_PER_USER
    counter = AddsCounter(local_server, kill_after)
    local_server.set_latency(40)
    db = tmp_path / "profile.sqlite3"

    first = start_runner(db, local_server, users, "--enqueue")
    assert counter.reached.wait(timeout=30), "the runner sent nothing"
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=10)
    assert first.returncode == -signal.SIGKILL

    # Killed mid-way: changes remain, some of them sent without an answer.
    outbox = Outbox(db)
    left = outbox.entries()
    outbox.close()
    assert 0 < len(left) < len(bulk(users))
    assert any(e.state is EntryState.SENDING for e in left)

    counter.no_ops = 0
    second = start_runner(db, local_server, users)
    out, _ = second.communicate(timeout=60)
    assert second.returncode == 0, out
    assert out.strip().endswith("all sent")

    for n, user_id in enumerate(users):
        expected = [f"K{n}X{k}" for k in range(PLATES_PER_USER)]
        assert sorted(local_server.plates_of(user_id)) == sorted(expected)
        events = Counter(plate_events(local_server, user_id))
        assert set(events.values()) == {1}, events
        assert events[("LicensePlateRemoved", f"OLD{n}")] == 1
    added = sum(
        1
        for u in users
        for e in plate_events(local_server, u)
        if e[0].endswith("Added")
    )
    assert added == total_adds + USERS  # the OLD plates, and each new one once
    # Among the replays were adds the server had carried out for the killed
    # run, which never read the answer: answered "already there", not redone.
    assert counter.no_ops >= 1
