"""The sender lock: one process sends a profile's outbox; the system frees
the lock when its holder ends, however it ends."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from spkey_desktop.store.outbox import AddPlate, Outbox
from spkey_desktop.store.sender_lock import SenderLock, SenderLockError, lock_path


def test_one_holder_at_a_time_and_free_again_on_release(tmp_path: Path) -> None:
    database = tmp_path / "profile.sqlite3"
    first, second = SenderLock(database), SenderLock(database)
    assert first.acquire()
    assert first.acquire()  # already held: still True
    assert not second.acquire()
    first.release()
    assert second.acquire()
    second.release()


def test_a_killed_holder_frees_the_lock(tmp_path: Path) -> None:
    database = tmp_path / "profile.sqlite3"
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(
                f"""
                import sys, time
                from spkey_desktop.store.sender_lock import SenderLock
                lock = SenderLock({str(database)!r})
                assert lock.acquire()
                print("held", flush=True)
                time.sleep(60)
                """
            ),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        assert not SenderLock(database).acquire()
    finally:
        holder.kill()
        holder.wait(timeout=10)
    lock = SenderLock(database)
    assert lock.acquire()
    lock.release()


def test_a_head_change_on_its_way_elsewhere_is_not_offered_to_send(
    tmp_path: Path,
) -> None:
    outbox = Outbox(tmp_path / "profile.sqlite3")
    try:
        first, _ = outbox.enqueue_many([AddPlate("u1", "A1"), AddPlate("u1", "A2")])
        outbox.enqueue(AddPlate("u2", "B1"))
        assert outbox.mark_sending(first.entry_id)
        # u1's next change is in flight: neither it nor the one behind it.
        offered = outbox.first_entries(10)
        assert [e.change.plate for e in offered] == ["B1"]
    finally:
        outbox.close()


def test_a_lock_path_that_cannot_be_a_file_is_named_in_a_sentence(
    tmp_path: Path,
) -> None:
    database = tmp_path / "profile.sqlite3"
    lock_path(database).mkdir()
    with pytest.raises(SenderLockError) as raised:
        SenderLock(database).acquire()
    assert str(lock_path(database)) in str(raised.value)
    assert "Delete whatever is at that place" in str(raised.value)
