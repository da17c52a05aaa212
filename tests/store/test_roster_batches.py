"""Reading the saved roster in batches gives what load_all gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from spkey_desktop.store.roster import RosterPlate, RosterStore, RosterUser
from spkey_desktop.store.roster_batches import display_key, read_roster_batches

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def saved(path: Path, count: int) -> list[RosterUser]:
    users = [
        RosterUser(
            f"user-{n:04d}",
            f"u{n}@example.com",
            f"+48600{n:06d}",
            f"First{n}",
            "Ł" * (n % 3),
            "ACTIVE",
            tuple(
                RosterPlate(f"P{n}X{k}", f"label {k}", T0 + timedelta(days=5 - k))
                for k in range(n % 4)
            )
            + ((RosterPlate(f"NODATE{n}"),) if n % 7 == 0 else ()),
            version=n if n % 2 else None,
            fetched_at=T0 if n % 5 else None,
        )
        for n in range(count)
    ]
    store = RosterStore(path)
    store.save_many(users)
    store.close()
    return users


def test_batches_hold_every_user_as_load_all_reads_them(tmp_path: Path) -> None:
    path = tmp_path / "roster.sqlite3"
    saved(path, 1234)
    store = RosterStore(path)
    expected = {u.user_id: u for u in store.load_all()}

    batches = list(read_roster_batches(path, first=100, size=300))

    assert [len(b) for b in batches] == [100, 300, 300, 300, 234]
    loaded = [u for batch in batches for u in batch]
    assert len({u.user_id for u in loaded}) == 1234
    assert {u.user_id: u for u in loaded} == expected
    store.close()


def test_a_roster_not_saved_yet_yields_nothing(tmp_path: Path) -> None:
    assert list(read_roster_batches(tmp_path / "none.sqlite3")) == []


def test_reading_does_not_block_the_writer(tmp_path: Path) -> None:
    path = tmp_path / "roster.sqlite3"
    saved(path, 50)
    batches = read_roster_batches(path, first=10, size=10)
    first = next(batches)
    store = RosterStore(path)
    store.save(RosterUser("user-9999", "late@example.com"))  # while a read is open
    rest = [u for batch in batches for u in batch]
    assert len(first) + len(rest) in (50, 51)
    store.close()


def test_users_come_in_the_windows_default_order(tmp_path: Path) -> None:
    path = tmp_path / "roster.sqlite3"
    saved(path, 300)
    store = RosterStore(path)
    store.save(RosterUser("zz-no-name", "", "+48 500", "", ""))  # shown by phone
    store.close()
    loaded = [u for b in read_roster_batches(path, first=7, size=50) for u in b]
    keys = [u.display_name.casefold() for u in loaded]
    assert keys == sorted(keys)
    for user in loaded:
        key = display_key(
            user.first_name, user.last_name, user.email, user.phone, user.user_id
        )
        assert key == user.display_name.casefold()
