"""A profile's roster file: what it still holds, deleting it, moving it.

Real SQLite files under a temporary home folder; a second process holds a file
open where another program would.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from spkey_desktop.paths import AppPaths
from spkey_desktop.store.outbox import AddPlate, CreateUser, Outbox, RemovePlate
from spkey_desktop.store.profile_data import (
    ProfileDataError,
    ProfileDataInUseError,
    apply_file_changes,
    delete_local_data,
    files_of,
    local_data,
    move_local_data,
    unsent_summary,
)
from spkey_desktop.store.roster import RosterStore, RosterUser


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    return AppPaths.under(tmp_path / "home").ensure()


def queue(paths: AppPaths, profile: str, *changes: AddPlate | RemovePlate) -> Outbox:
    """The profile's outbox with ``changes`` queued; the caller closes it."""
    outbox = Outbox(paths.roster_file(profile))
    outbox.enqueue_many(changes)
    return outbox


def write_roster(paths: AppPaths, profile: str, *user_ids: str) -> None:
    store = RosterStore(paths.roster_file(profile))
    store.save_many([RosterUser(user_id) for user_id in user_ids])
    store.close()


@pytest.fixture
def other_process() -> Iterator[object]:
    """Opens a database in another process, as the window would, until the
    test ends: call it with the path."""
    started: list[subprocess.Popen[str]] = []

    def hold(path: Path) -> None:
        code = textwrap.dedent(
            """
            import sqlite3, sys
            db = sqlite3.connect(sys.argv[1], isolation_level=None)
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("SELECT COUNT(*) FROM outbox").fetchone()
            print("open", flush=True)
            sys.stdin.read()
            """
        )
        process = subprocess.Popen(
            [sys.executable, "-c", code, str(path)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        assert process.stdout is not None
        assert process.stdout.readline().strip() == "open"

    yield hold
    for process in started:
        process.communicate("", timeout=30)


def test_a_profile_without_a_file_has_nothing_and_gets_nothing(
    paths: AppPaths,
) -> None:
    data = local_data(paths, "Site A")

    assert not data.exists
    assert not data.at_stake
    assert data.unsent == ()
    assert not paths.roster_file("Site A").exists()
    assert not any(paths.data_dir.rglob("*.sqlite3*"))


def test_unsent_and_refused_changes_are_told_apart(paths: AppPaths) -> None:
    outbox = queue(
        paths,
        "Site A",
        AddPlate("u1", "WX12345"),
        RemovePlate("u2", "KR5S100"),
        AddPlate("u3", "PO1234"),
    )
    refused = outbox.enqueue(AddPlate("u4", "XX1"))
    outbox.mark_failed(refused.entry_id, "The plate is not valid.")
    outbox.close()

    data = local_data(paths, "Site A")

    assert data.exists
    assert not data.in_use
    assert data.problem is None
    assert [e.change for e in data.unsent] == [
        AddPlate("u1", "WX12345"),
        RemovePlate("u2", "KR5S100"),
        AddPlate("u3", "PO1234"),
    ]
    assert data.refused == 1
    assert data.at_stake
    assert unsent_summary(data) == (
        "3 changes not yet sent to the server "
        "(add WX12345, remove KR5S100 and add PO1234)"
    )


def test_the_summary_names_three_changes_and_counts_the_rest(
    paths: AppPaths,
) -> None:
    plates = [f"WX{n}" for n in range(1, 6)]
    queue(paths, "Site A", *(AddPlate("u1", p) for p in plates)).close()
    assert unsent_summary(local_data(paths, "Site A")) == (
        "5 changes not yet sent to the server (add WX1, add WX2, add WX3 and 2 more)"
    )

    one = AppPaths.under(paths.data_dir.parent / "one").ensure()
    queue(one, "Site A", CreateUser("u9", email="a@example.com")).close()
    assert unsent_summary(local_data(one, "Site A")) == (
        "1 change not yet sent to the server (create the user)"
    )


def test_only_refused_changes_put_nothing_at_stake(paths: AppPaths) -> None:
    outbox = queue(paths, "Site A", AddPlate("u1", "XX1"))
    outbox.mark_failed(outbox.entries()[0].entry_id, "The plate is not valid.")
    outbox.close()
    write_roster(paths, "Site A", "u1")

    data = local_data(paths, "Site A")

    assert data.exists
    assert data.refused == 1
    assert data.unsent == ()
    assert not data.at_stake


def test_delete_takes_the_file_and_its_companions_and_only_them(
    paths: AppPaths,
) -> None:
    queue(paths, "Site A", AddPlate("u1", "WX12345")).close()
    write_roster(paths, "Site B", "u2")
    database = paths.roster_file("Site A")
    # What a crash leaves beside the database.
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").write_bytes(b"")
    assert len(files_of(database)) == 3

    deleted = delete_local_data(paths, "Site A")

    # (SQLite itself may remove an empty -wal when the check for other users
    # of the file closes its connection.)
    assert database in deleted
    assert files_of(database) == ()
    assert not any(database.parent.glob("Site_A-*"))
    assert local_data(paths, "Site B").exists
    assert delete_local_data(paths, "Site A") == ()


def test_a_file_open_in_this_process_is_in_use_and_kept(paths: AppPaths) -> None:
    outbox = queue(paths, "Site A", AddPlate("u1", "WX12345"))
    try:
        assert local_data(paths, "Site A").in_use
        with pytest.raises(ProfileDataInUseError, match="is in use"):
            delete_local_data(paths, "Site A")
        with pytest.raises(ProfileDataInUseError):
            move_local_data(paths, "Site A", "Site B")
        assert [e.change for e in outbox.pending()] == [AddPlate("u1", "WX12345")]
    finally:
        outbox.close()

    assert not local_data(paths, "Site A").in_use
    assert delete_local_data(paths, "Site A")


def test_a_file_open_in_another_process_is_in_use_and_kept(
    paths: AppPaths, other_process
) -> None:
    queue(paths, "Site A", AddPlate("u1", "WX12345")).close()
    other_process(paths.roster_file("Site A"))

    data = local_data(paths, "Site A")

    assert data.in_use
    assert len(data.unsent) == 1  # still readable while open elsewhere
    with pytest.raises(ProfileDataInUseError, match="window has this profile open"):
        delete_local_data(paths, "Site A")
    assert paths.roster_file("Site A").exists()


def test_a_damaged_file_is_at_stake_and_can_be_deleted(paths: AppPaths) -> None:
    database = paths.roster_file("Site A")
    database.parent.mkdir(parents=True, exist_ok=True)
    database.write_bytes(b"not a database, " * 100)

    data = local_data(paths, "Site A")

    assert data.problem is not None
    assert str(database) in data.problem
    assert data.at_stake
    assert not data.in_use
    assert "could not be read" in unsent_summary(data)
    assert delete_local_data(paths, "Site A") == (database,)


def test_a_renamed_profile_takes_its_roster_and_queue_along(paths: AppPaths) -> None:
    queue(paths, "Site A", AddPlate("u1", "WX12345")).close()
    write_roster(paths, "Site A", "u1", "u2")

    moved = move_local_data(paths, "Site A", "Site A (HQ)")

    assert moved[-1] == paths.roster_file("Site A (HQ)")
    assert not local_data(paths, "Site A").exists
    data = local_data(paths, "Site A (HQ)")
    assert [e.change for e in data.unsent] == [AddPlate("u1", "WX12345")]
    store = RosterStore(paths.roster_file("Site A (HQ)"))
    assert sorted(u.user_id for u in store.load_all()) == ["u1", "u2"]
    store.close()


def test_a_rename_never_overwrites_another_file(paths: AppPaths) -> None:
    queue(paths, "Site A", AddPlate("u1", "WX12345")).close()
    queue(paths, "Site B", AddPlate("u2", "KR5S100")).close()

    with pytest.raises(ProfileDataError, match="exists already"):
        move_local_data(paths, "Site A", "Site B")

    assert [e.change for e in local_data(paths, "Site A").unsent] == [
        AddPlate("u1", "WX12345")
    ]
    assert [e.change for e in local_data(paths, "Site B").unsent] == [
        AddPlate("u2", "KR5S100")
    ]


def test_changes_are_applied_and_what_fails_is_told(paths: AppPaths) -> None:
    queue(paths, "Gone", AddPlate("u1", "WX1")).close()
    queue(paths, "Old", AddPlate("u2", "WX2")).close()
    queue(paths, "New", AddPlate("u3", "WX3")).close()  # left by an earlier "New"
    busy = queue(paths, "Busy", AddPlate("u4", "WX4"))
    try:
        problems = apply_file_changes(paths, ["Gone", "New", "Busy"], ("Old", "New"))
    finally:
        busy.close()

    assert not local_data(paths, "Gone").exists
    assert not local_data(paths, "Old").exists
    assert [e.change for e in local_data(paths, "New").unsent] == [
        AddPlate("u2", "WX2")
    ]
    assert len(problems) == 1
    assert "'Busy'" in problems[0]
    assert "is in use" in problems[0]
    assert local_data(paths, "Busy").exists
