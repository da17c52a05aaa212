"""The outbox on a real SQLite file: durable, ordered, and safe for two writers."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from contextlib import closing
from pathlib import Path

import pytest

from spkey_desktop.store.outbox import (
    AddPlate,
    CreateUser,
    EntryState,
    Outbox,
    OutboxCounts,
    RemovePlate,
)
from spkey_desktop.store.roster import RosterStore, RosterUser


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "profile.sqlite3"


@pytest.fixture
def outbox(db_path: Path):
    box = Outbox(db_path)
    yield box
    box.close()


def test_a_change_is_on_disk_when_enqueue_returns(db_path: Path) -> None:
    first = Outbox(db_path)
    entry = first.enqueue(AddPlate("u1", "WX12345", label="Van"))
    # Another connection (another process, after a crash) sees it at once.
    with closing(sqlite3.connect(db_path)) as other:
        (count,) = other.execute("SELECT COUNT(*) FROM outbox").fetchone()
    first.close()

    reopened = Outbox(db_path)
    assert count == 1
    assert reopened.entries() == [entry]
    assert reopened.get(entry.entry_id).change == AddPlate("u1", "WX12345", "Van")
    reopened.close()


def test_the_file_is_set_up_for_durability(db_path: Path, outbox: Outbox) -> None:
    with closing(sqlite3.connect(db_path)) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    db = outbox._db
    assert db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] >= 5000


def test_entries_keep_the_order_they_were_queued_in(outbox: Outbox) -> None:
    changes = [
        CreateUser("u2", email="new@example.com", first_name="New"),
        AddPlate("u2", "GD1"),
        AddPlate("u1", "KR2"),
        RemovePlate("u2", "GD1"),
    ]
    entries = outbox.enqueue_many(changes)

    assert [e.change for e in outbox.entries()] == changes
    assert [e.change for e in outbox.pending("u2")] == [
        changes[0],
        changes[1],
        changes[3],
    ]
    assert [e.entry_id for e in entries] == [e.entry_id for e in outbox.entries()]
    assert outbox.counts() == OutboxCounts(pending=4)


def test_first_entries_gives_each_users_next_change(outbox: Outbox) -> None:
    outbox.enqueue_many([AddPlate("a", "A1"), AddPlate("b", "B1"), AddPlate("a", "A2")])
    failed = outbox.enqueue(AddPlate("c", "C1"))
    outbox.mark_failed(failed.entry_id, "The plate is not valid.")

    firsts = outbox.first_entries(limit=10)
    assert [e.change for e in firsts] == [AddPlate("a", "A1"), AddPlate("b", "B1")]
    assert [e.change for e in outbox.first_entries(10, exclude={"a"})] == [
        AddPlate("b", "B1")
    ]
    assert len(outbox.first_entries(limit=1)) == 1


def test_cancel_works_only_before_the_change_is_sent(outbox: Outbox) -> None:
    waiting, sending = outbox.enqueue_many([AddPlate("u", "P1"), AddPlate("v", "P2")])
    assert outbox.mark_sending(sending.entry_id)

    assert outbox.cancel(waiting.entry_id)
    assert not outbox.cancel(sending.entry_id)
    assert [e.entry_id for e in outbox.entries()] == [sending.entry_id]
    assert outbox.get(sending.entry_id).state is EntryState.SENDING
    assert outbox.get(sending.entry_id).attempts == 1


def test_a_failed_change_is_kept_with_its_reason_until_discarded(outbox: Outbox):
    entry = outbox.enqueue(AddPlate("u", "??"))
    outbox.mark_sending(entry.entry_id)
    outbox.mark_failed(entry.entry_id, "The plate is not valid.")

    kept = outbox.get(entry.entry_id)
    assert kept.state is EntryState.FAILED
    assert kept.last_error == "The plate is not valid."
    assert outbox.pending() == []
    assert outbox.failed() == [kept]
    assert not outbox.cancel(entry.entry_id)

    assert outbox.discard(entry.entry_id)
    assert outbox.entries() == []


def test_retry_queues_a_failed_change_again_behind_the_others(outbox: Outbox):
    failed, later = outbox.enqueue_many([AddPlate("u", "P1"), AddPlate("u", "P2")])
    outbox.mark_failed(failed.entry_id, "The user does not exist.")
    assert not outbox.discard(later.entry_id)  # only failed ones are discarded

    assert outbox.retry(failed.entry_id)
    again = outbox.get(failed.entry_id)
    assert again.state is EntryState.PENDING
    assert again.attempts == 0
    assert [e.change.plate for e in outbox.pending("u")] == ["P2", "P1"]


def test_a_temporary_failure_records_the_error_and_the_next_try(outbox: Outbox):
    entry = outbox.enqueue(RemovePlate("u", "P1"))
    outbox.mark_sending(entry.entry_id)
    later = time.time() + 30
    outbox.mark_retry(entry.entry_id, "Could not connect to 127.0.0.1.", later)

    again = outbox.get(entry.entry_id)
    assert again.state is EntryState.PENDING
    assert again.attempts == 1
    assert again.last_error == "Could not connect to 127.0.0.1."
    assert again.next_attempt_at is not None
    assert abs(again.next_attempt_at.timestamp() - later) < 0.01


def test_recover_puts_changes_sent_without_an_answer_back_in_line(db_path: Path):
    crashed = Outbox(db_path)
    a, b = crashed.enqueue_many([AddPlate("u", "P1"), AddPlate("u", "P2")])
    crashed.mark_sending(a.entry_id)
    crashed.mark_retry(b.entry_id, "offline", time.time() + 600)
    crashed.close()

    restarted = Outbox(db_path)
    assert restarted.recover() == 1
    entries = restarted.entries()
    assert [e.state for e in entries] == [EntryState.PENDING, EntryState.PENDING]
    assert entries[0].attempts == 1
    # A restart replays at once: no leftover wait from the previous run.
    assert all(e.next_attempt_at is None for e in entries)
    restarted.close()


def test_the_outbox_and_the_roster_share_the_profile_file(db_path: Path) -> None:
    roster = RosterStore(db_path)
    outbox = Outbox(db_path)
    roster.save(RosterUser("u", email="u@example.com"))
    outbox.enqueue(AddPlate("u", "WX1"))

    assert roster.get("u") is not None
    assert len(outbox.entries("u")) == 1
    outbox.close()
    roster.close()


_WRITER = textwrap.dedent(
    """
    import sys
    from spkey_desktop.store.outbox import AddPlate, Outbox
    from spkey_desktop.store.roster import RosterPlate, RosterStore, RosterUser

    path, name, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    outbox, roster = Outbox(path), RosterStore(path)
    print("ready", flush=True)
    sys.stdin.readline()
    for n in range(count):
        outbox.enqueue(AddPlate(f"{name}-{n % 7}", f"{name.upper()}{n}"))
        if n % 10 == 0:
            batch = [AddPlate(name, f"B{name.upper()}{n}-{k}") for k in range(20)]
            outbox.enqueue_many(batch)
        roster.save(RosterUser(f"{name}-{n}", plates=(RosterPlate(f"P{n}"),)))
    print("done", flush=True)
    """
)


def test_two_processes_writing_at_once_lose_no_write(db_path: Path) -> None:
    # Both create the schema and set WAL on the same new file, then write as
    # fast as they can: every write must wait its turn, none may be refused.
    count = 150
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(db_path), name, str(count)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("left", "right")
    ]
    for writer in writers:
        assert writer.stdout.readline().strip() == "ready"
    for writer in writers:
        writer.stdin.write("go\n")
        writer.stdin.flush()
    results = [writer.communicate(timeout=120) for writer in writers]

    for writer, (out, err) in zip(writers, results, strict=True):
        assert writer.returncode == 0, err
        assert "database is locked" not in err
        assert out.strip().endswith("done")
    outbox = Outbox(db_path)
    per_writer = count + len(range(0, count, 10)) * 20
    assert len(outbox.entries()) == 2 * per_writer
    # Sequence numbers stay unique across both writers: the order is total.
    seqs = outbox._db.execute("SELECT COUNT(DISTINCT seq) FROM outbox").fetchone()
    assert seqs[0] == 2 * per_writer
    outbox.close()
    roster = RosterStore(db_path)
    assert len(roster.load_all()) == 2 * count
    roster.close()


def test_entries_of_some_users_keep_each_users_order(outbox: Outbox) -> None:
    outbox.enqueue_many(
        [AddPlate("a", "A1"), AddPlate("b", "B1"), RemovePlate("a", "A1")]
    )
    outbox.enqueue(AddPlate("c", "C1"))

    found = outbox.entries_of(["a", "c", "nobody"])
    by_user = {u: [e.change for e in found if e.user_id == u] for u in ("a", "c")}
    assert by_user == {
        "a": [AddPlate("a", "A1"), RemovePlate("a", "A1")],
        "c": [AddPlate("c", "C1")],
    }
    assert len(found) == 3


def test_the_roster_reads_many_users_at_once(db_path: Path) -> None:
    from spkey_desktop.store.roster import RosterPlate

    roster = RosterStore(db_path)
    roster.save_many(
        [RosterUser(f"u{n}", plates=(RosterPlate(f"P{n}"),)) for n in range(1200)]
    )

    found = roster.get_many([f"u{n}" for n in range(0, 1200, 2)] + ["missing"])

    assert len(found) == 600
    assert {u.user_id: [p.plate for p in u.plates] for u in found}["u998"] == ["P998"]
    roster.close()
