"""The local roster: the users this site manages, with cached profiles and plates.

The SmartphoneKey API cannot list an organization's users, so the app keeps the
set it manages itself, in one SQLite file per connection profile. What is cached
here is what the main window shows at start (marked with its age) and whenever
the API is slow or unreachable.

The store is synchronous and quick (one small transaction per change); callers on
the UI thread keep to single-user writes, and bulk loads happen before the window
shows or in an executor.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

from spkey_desktop.store.wal import hold_checkpoints, nothing_to_release

SCHEMA_VERSION = 1

_SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    user_id     TEXT PRIMARY KEY,
    email       TEXT NOT NULL DEFAULT '',
    phone       TEXT NOT NULL DEFAULT '',
    first_name  TEXT NOT NULL DEFAULT '',
    last_name   TEXT NOT NULL DEFAULT '',
    status      TEXT NOT NULL DEFAULT '',
    version     INTEGER,
    fetched_at  REAL
);
CREATE TABLE IF NOT EXISTS plates (
    user_id   TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    plate     TEXT NOT NULL,
    label     TEXT NOT NULL DEFAULT '',
    added_at  REAL,
    PRIMARY KEY (user_id, plate)
);
"""


class PlateState(Enum):
    """Where a plate shown on a user stands with the server.

    Only SAVED plates come from the server; the others are the outbox's queued
    or refused changes laid over them for display, and never stored here.
    """

    SAVED = "saved"
    ADDING = "adding"  # an add waits in the outbox
    REMOVING = "removing"  # a removal waits in the outbox
    ADD_FAILED = "add failed"  # the server refused the add
    REMOVE_FAILED = "removal failed"  # the server refused the removal

    @property
    def on_server(self) -> bool:
        """Whether the server has this plate (as far as the app knows)."""
        return self in (PlateState.SAVED, PlateState.REMOVING, PlateState.REMOVE_FAILED)


@dataclass(frozen=True, slots=True)
class RosterPlate:
    """A plate on one user: as the server stores it, or, with another
    ``state``, as a queued change will leave it (``note``: the last error or
    the server's reason for refusing)."""

    plate: str
    label: str = ""
    added_at: datetime | None = None
    state: PlateState = PlateState.SAVED
    note: str = ""


@dataclass(frozen=True, slots=True)
class RosterUser:
    """One managed user: the cached profile, plates, and when they were fetched.

    ``version`` is the user record's version on the server the last time the app
    saw it (the backend is event-sourced); ``None`` until the first command.
    """

    user_id: str
    email: str = ""
    phone: str = ""
    first_name: str = ""
    last_name: str = ""
    status: str = ""
    plates: tuple[RosterPlate, ...] = ()
    version: int | None = None
    fetched_at: datetime | None = None

    @property
    def display_name(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.email or self.phone or self.user_id

    def with_plates(
        self, plates: Iterable[RosterPlate], version: int | None = None
    ) -> RosterUser:
        return replace(
            self,
            plates=tuple(plates),
            version=self.version if version is None else version,
        )

    def has_plate(self, plate: str) -> bool:
        return any(p.plate == plate for p in self.plates)


def _to_timestamp(moment: datetime | None) -> float | None:
    return None if moment is None else moment.timestamp()


def _from_timestamp(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


_USER_COLUMNS = (
    "user_id, email, phone, first_name, last_name, status, version, fetched_at"
)


def _user_from_row(row: Sequence[object], plates: Iterable[RosterPlate]) -> RosterUser:
    user_id, email, phone, first, last, status, version, fetched_at = row
    return RosterUser(
        user_id=str(user_id),
        email=str(email),
        phone=str(phone),
        first_name=str(first),
        last_name=str(last),
        status=str(status),
        version=None if version is None else int(str(version)),
        fetched_at=_from_timestamp(
            None if fetched_at is None else float(str(fetched_at))
        ),
        plates=tuple(plates),
    )


class RosterStore:
    """SQLite-backed roster for one connection profile."""

    def __init__(self, path: Path | str) -> None:
        self._path = str(path)
        if self._path != ":memory:":
            Path(self._path).parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self._path, isolation_level=None, timeout=10.0)
        self._db.execute("PRAGMA foreign_keys = ON")
        self._db.execute("PRAGMA busy_timeout = 10000")
        if self._path != ":memory:":
            self._db.execute("PRAGMA journal_mode = WAL")
        # The roster caches what the server has; in WAL mode NORMAL survives a
        # crash of the app, and what a power cut might take back, the last
        # refresh, the next one repeats. Syncing every user saved would hold
        # the event loop during a refresh. The operator's own changes are the
        # outbox's, which syncs them (store/outbox.py).
        self._db.execute("PRAGMA synchronous = NORMAL")
        self._release_checkpoints = nothing_to_release
        if self._path != ":memory:":
            # Checkpoints run on a thread of their own (store/wal.py), not in
            # whichever commit of the event loop fills the log.
            self._db.execute("PRAGMA wal_autocheckpoint = 0")
            self._release_checkpoints = hold_checkpoints(self._path)
        self._db.executescript(_SCHEMA)
        self._db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def close(self) -> None:
        self._release_checkpoints()
        self._db.close()

    def load_all(self) -> list[RosterUser]:
        """Every roster user with their plates, in one pass over each table."""
        plates: dict[str, list[RosterPlate]] = {}
        for user_id, plate, label, added_at in self._db.execute(
            "SELECT user_id, plate, label, added_at FROM plates ORDER BY added_at"
        ):
            plates.setdefault(user_id, []).append(
                RosterPlate(plate, label, _from_timestamp(added_at))
            )
        rows = self._db.execute(f"SELECT {_USER_COLUMNS} FROM users")
        return [_user_from_row(row, plates.get(row[0], ())) for row in rows]

    def get(self, user_id: str) -> RosterUser | None:
        row = self._db.execute(
            f"SELECT {_USER_COLUMNS} FROM users WHERE user_id = ?", (user_id,)
        ).fetchone()
        if row is None:
            return None
        plates = [
            RosterPlate(plate, label, _from_timestamp(added_at))
            for plate, label, added_at in self._db.execute(
                "SELECT plate, label, added_at FROM plates WHERE user_id = ?"
                " ORDER BY added_at",
                (user_id,),
            )
        ]
        return _user_from_row(row, plates)

    def get_many(self, user_ids: Iterable[str]) -> list[RosterUser]:
        """The roster users among ``user_ids``, in no particular order."""
        ids = list(dict.fromkeys(user_ids))
        found: list[RosterUser] = []
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            marks = ",".join("?" * len(chunk))
            plates: dict[str, list[RosterPlate]] = {}
            for user_id, plate, label, added_at in self._db.execute(
                "SELECT user_id, plate, label, added_at FROM plates"
                f" WHERE user_id IN ({marks}) ORDER BY added_at",
                chunk,
            ):
                plates.setdefault(user_id, []).append(
                    RosterPlate(plate, label, _from_timestamp(added_at))
                )
            rows = self._db.execute(
                f"SELECT {_USER_COLUMNS} FROM users WHERE user_id IN ({marks})", chunk
            )
            found += [_user_from_row(row, plates.get(row[0], ())) for row in rows]
        return found

    def save(self, user: RosterUser) -> None:
        """Insert or replace one user and all of their plates atomically."""
        self.save_many([user])

    def save_many(self, users: Sequence[RosterUser]) -> None:
        with self._transaction():
            for user in users:
                self._write_user(user)

    def remove(self, user_id: str) -> None:
        """Forget a user locally; nothing changes on the server."""
        with self._transaction():
            self._db.execute("DELETE FROM users WHERE user_id = ?", (user_id,))

    def _write_user(self, user: RosterUser) -> None:
        self._db.execute(
            "INSERT INTO users (user_id, email, phone, first_name, last_name, status,"
            " version, fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT(user_id) DO UPDATE SET email=excluded.email,"
            " phone=excluded.phone, first_name=excluded.first_name,"
            " last_name=excluded.last_name, status=excluded.status,"
            " version=excluded.version, fetched_at=excluded.fetched_at",
            (
                user.user_id,
                user.email,
                user.phone,
                user.first_name,
                user.last_name,
                user.status,
                user.version,
                _to_timestamp(user.fetched_at),
            ),
        )
        self._db.execute("DELETE FROM plates WHERE user_id = ?", (user.user_id,))
        # Plates the outbox has not added yet are the outbox's to keep, not ours.
        self._db.executemany(
            "INSERT OR REPLACE INTO plates (user_id, plate, label, added_at)"
            " VALUES (?, ?, ?, ?)",
            [
                (user.user_id, p.plate, p.label, _to_timestamp(p.added_at))
                for p in user.plates
                if p.state.on_server
            ],
        )

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, so a second writer waits instead of failing."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")
