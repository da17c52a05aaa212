"""Checkpoints of the profile file run on their own thread, not in the commits
of the event loop (store/wal.py)."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest

from spkey_desktop.store import wal
from spkey_desktop.store.outbox import AddPlate, Outbox
from spkey_desktop.store.roster import RosterPlate, RosterStore, RosterUser


def _users(count: int, start: int = 0) -> list[RosterUser]:
    added = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        RosterUser(
            f"user-{n}",
            f"user{n}@example.com",
            first_name="x" * 1500,  # two users to a page
            plates=(RosterPlate(f"WX{n:05d}", "Van", added),),
        )
        for n in range(start, start + count)
    ]


def _wal_pages(path: Path) -> int:
    wal_file = Path(f"{path}-wal")
    return wal_file.stat().st_size // 4096 if wal_file.exists() else 0


def _left_to_copy(path: Path) -> tuple[int, int]:
    """(frames in the log, frames already copied into the database)."""
    with closing(sqlite3.connect(path, timeout=0)) as db:
        _busy, in_log, copied = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return in_log, copied


def _all_copied(path: Path) -> bool:
    in_log, copied = _left_to_copy(path)
    return in_log == copied


def _wait_until(condition: Callable[[], bool], seconds: float) -> None:
    """Poll ``condition`` until it holds or ``seconds`` pass (the asserts
    after the wait say what was expected)."""
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.02)


def test_commits_leave_the_log_to_the_checkpoint_thread(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A thread that never gets round to it: the log grows past SQLite's
    # automatic checkpoint (1,000 pages), which would otherwise run inside a
    # commit and keep the log near that size.
    monkeypatch.setattr(wal, "CHECKPOINT_INTERVAL_S", 3600.0)
    path = tmp_path / "profile.sqlite3"
    store = RosterStore(path)
    try:
        for batch in range(30):
            store.save_many(_users(100, batch * 100))
        assert _wal_pages(path) > 1500
    finally:
        store.close()
    # Closing the last connection still folds the log into the database.
    assert _wal_pages(path) == 0
    with closing(RosterStore(path)) as reopened:
        assert len(reopened.load_all()) == 3000


def test_the_thread_copies_the_log_into_the_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(wal, "CHECKPOINT_INTERVAL_S", 0.05)
    path = tmp_path / "profile.sqlite3"
    store = RosterStore(path)
    try:
        store.save_many(_users(500))
        checkpointer = wal.checkpointer_of(str(path))
        assert checkpointer is not None
        _wait_until(lambda: checkpointer.rounds > 0 and _all_copied(path), 10)
        assert checkpointer.rounds > 0
        in_log, copied = _left_to_copy(path)
        assert in_log == copied
    finally:
        store.close()


def test_one_thread_per_file_until_its_last_holder_closes(tmp_path: Path) -> None:
    path = tmp_path / "profile.sqlite3"
    store, outbox = RosterStore(path), Outbox(path)
    checkpointer = wal.checkpointer_of(str(path))
    assert checkpointer is not None
    other = RosterStore(tmp_path / "other.sqlite3")
    try:
        assert wal.checkpointer_of(str(tmp_path / "other.sqlite3")) is not checkpointer
        store.close()
        assert wal.checkpointer_of(str(path)) is checkpointer
        outbox.enqueue(AddPlate("u1", "WX1"))  # the outbox still works
    finally:
        outbox.close()
        other.close()
    assert wal.checkpointer_of(str(path)) is None
    assert wal.checkpointer_of(str(tmp_path / "other.sqlite3")) is None


def test_a_release_called_twice_releases_once(tmp_path: Path) -> None:
    path = str(tmp_path / "profile.sqlite3")
    sqlite3.connect(path).close()
    first, second = wal.hold_checkpoints(path), wal.hold_checkpoints(path)
    first()
    first()
    assert wal.checkpointer_of(path) is not None
    second()
    assert wal.checkpointer_of(path) is None


def test_a_steady_stream_of_commits_leaves_no_swollen_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Commits one after another with no pause (a long import): a passive
    # checkpoint never catches up and the log would only grow; the thread
    # empties it once it passes RESTART_AFTER_PAGES.
    monkeypatch.setattr(wal, "CHECKPOINT_INTERVAL_S", 0.05)
    path = tmp_path / "profile.sqlite3"
    store = RosterStore(path)
    try:
        batch = 0
        ends = time.monotonic() + 2.0
        while time.monotonic() < ends:
            store.save_many(_users(10, (batch * 10) % 3000))
            batch += 1
        assert batch > 100
        _wait_until(lambda: _wal_pages(path) <= wal.RESTART_AFTER_PAGES, 5)
        assert _wal_pages(path) <= wal.RESTART_AFTER_PAGES
    finally:
        store.close()
