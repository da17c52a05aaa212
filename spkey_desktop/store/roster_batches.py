"""Reading the saved roster a batch at a time, on a connection of its own.

Turning 100,000 users and their plates into records takes seconds. The
window cannot wait that long for its first rows, and the loop that runs the
window cannot be blocked that long either. This reader opens the roster file
read-only on its own connection, so it can run in a worker thread while the
window's connection stays on the UI thread (the file is in WAL mode: a
reader never blocks the writer), and yields users in batches: a small first
one for the first rows, larger ones after.

It reads the same tables as :class:`RosterStore` and builds the same
records, plates in the order they were added. Users come in the order the
window sorts them by default, by display name (case-insensitive), so each
batch lands below the rows already shown instead of between them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

from spkey_desktop.store.roster import RosterPlate, RosterUser

FIRST_BATCH = 500
BATCH = 5000

_USERS = (
    "SELECT user_id, email, phone, first_name, last_name, status, version,"
    " fetched_at FROM users"
    " ORDER BY display_key(first_name, last_name, email, phone, user_id), user_id"
)
_PLATES = (
    "SELECT user_id, plate, label, added_at FROM plates WHERE user_id IN ({})"
    " ORDER BY user_id, added_at"
)
# Users whose plates one query asks for (below any SQLite's variable limit).
_IN_CHUNK = 900


def display_key(first: str, last: str, email: str, phone: str, user_id: str) -> str:
    """``RosterUser.display_name``, case-folded: the window's default order."""
    name = f"{first} {last}".strip()
    return (name or email or phone or user_id).casefold()


def read_roster_batches(
    path: Path, *, first: int = FIRST_BATCH, size: int = BATCH
) -> Iterator[list[RosterUser]]:
    """The saved users of ``path`` in batches (``first`` users, then ``size``).

    Yields nothing for a file that does not exist yet. Each ``next()`` does
    a batch's work, so a caller can run it in an executor step by step.
    """
    if not path.exists():
        return
    db = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, check_same_thread=False)
    db.create_function("display_key", 5, display_key, deterministic=True)
    try:
        users = db.execute(_USERS)
        wanted = first
        while rows := users.fetchmany(wanted):
            plates = _plates_of(db, [row[0] for row in rows])
            yield [_user(row, plates.get(row[0], ())) for row in rows]
            wanted = size
    finally:
        db.close()


def _plates_of(
    db: sqlite3.Connection, user_ids: list[str]
) -> dict[str, tuple[RosterPlate, ...]]:
    found: dict[str, tuple[RosterPlate, ...]] = {}
    for start in range(0, len(user_ids), _IN_CHUNK):
        chunk = user_ids[start : start + _IN_CHUNK]
        rows = db.execute(_PLATES.format(",".join("?" * len(chunk))), chunk)
        found.update(_plates_by_user(rows))
    return found


def _plates_by_user(
    rows: sqlite3.Cursor,
) -> Iterator[tuple[str, tuple[RosterPlate, ...]]]:
    for user_id, group in groupby(rows, key=itemgetter(0)):
        yield (
            user_id,
            tuple(
                RosterPlate(plate, label, _moment(added_at))
                for _, plate, label, added_at in group
            ),
        )


def _user(row: tuple[Any, ...], plates: tuple[RosterPlate, ...]) -> RosterUser:
    user_id, email, phone, first_name, last_name, status, version, fetched = row
    return RosterUser(
        user_id=str(user_id),
        email=str(email),
        phone=str(phone),
        first_name=str(first_name),
        last_name=str(last_name),
        status=str(status),
        plates=plates,
        version=None if version is None else int(version),
        fetched_at=_moment(fetched),
    )


def _moment(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)
