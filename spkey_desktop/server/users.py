"""Users and their plates: commands append events, queries read the projection.

Each command runs in one transaction that appends the event with the next
version and updates the read tables (``users``, ``plates``) the same way
``aggregate.apply`` would, so the two never disagree. The exception is a phone
number set with UpdatePhoneNumber: its event holds only a masked form (the
number is personal data), so ``set_phone`` writes the number to ``users``
itself, in the same transaction.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from spkey_desktop.server import aggregate
from spkey_desktop.server.aggregate import Event
from spkey_desktop.server.db import Database
from spkey_desktop.server.rules import normalize_plate


def now_ms() -> int:
    return int(time.time() * 1000)


class UserIdTaken(Exception):
    """The id is already used by a user (possibly of another organization)."""


class ContactTaken(Exception):
    """Another user of the organization already has this e-mail or phone."""


class UnknownOrganization(LookupError):
    pass


class EmptyPlate(ValueError):
    """Nothing is left of the plate once the service's normalization ran."""


class UnknownUser(LookupError):
    pass


class PlateNotFound(LookupError):
    pass


@dataclass(frozen=True)
class UserRecord:
    user_id: str
    org_id: str
    status: str
    created_at: int
    version: int
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None


@dataclass(frozen=True)
class PlateRecord:
    plate: str
    label: str
    added_at: int


@dataclass(frozen=True)
class PhoneOutcome:
    """What UpdatePhoneNumber answers: the version after it, and its event if any."""

    user_id: str
    version: int
    event: Event | None


@dataclass(frozen=True)
class Outcome:
    """What a plate command answers: the version after it, and its event if any."""

    user_id: str
    version: int
    event: Event | None
    plate: str
    label: str | None = None


class UserStore:
    def __init__(self, db: Database, clock: Callable[[], int] = now_ms) -> None:
        self._db = db
        self._clock = clock

    # -- organizations

    def add_organization(self, org_id: str, name: str) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO organizations (org_id, name) VALUES (?, ?)"
                " ON CONFLICT (org_id) DO UPDATE SET name = excluded.name",
                (org_id, name),
            )

    # -- queries

    def get(self, user_id: str, org_id: str | None = None) -> UserRecord | None:
        """The user, or None; with ``org_id``, users of other orgs are invisible."""
        with self._db.reading() as conn:
            row = conn.execute(
                "SELECT * FROM users WHERE user_id = ?", (user_id,)
            ).fetchone()
        if row is None or (org_id is not None and row["org_id"] != org_id):
            return None
        return _user_record(row)

    def find(
        self, org_id: str, *, email: str | None = None, phone: str | None = None
    ) -> UserRecord | None:
        column, value = ("email", email) if email is not None else ("phone", phone)
        with self._db.reading() as conn:
            row = conn.execute(
                f"SELECT * FROM users WHERE org_id = ? AND {column} = ?",
                (org_id, value),
            ).fetchone()
        return None if row is None else _user_record(row)

    def count(self, org_id: str | None = None) -> int:
        where, args = ("WHERE org_id = ?", (org_id,)) if org_id else ("", ())
        with self._db.reading() as conn:
            row = conn.execute(f"SELECT COUNT(*) FROM users {where}", args).fetchone()
        return int(row[0])

    def all(self, org_id: str) -> list[UserRecord]:
        with self._db.reading() as conn:
            rows = conn.execute(
                "SELECT * FROM users WHERE org_id = ? ORDER BY created_at, user_id",
                (org_id,),
            ).fetchall()
        return [_user_record(row) for row in rows]

    def plates(self, user_id: str) -> list[PlateRecord]:
        with self._db.reading() as conn:
            rows = conn.execute(
                "SELECT plate, label, added_at FROM plates WHERE user_id = ?"
                " ORDER BY added_at, plate",
                (user_id,),
            ).fetchall()
        return [PlateRecord(row[0], row[1], row[2]) for row in rows]

    def events(self, user_id: str) -> list[Event]:
        with self._db.reading() as conn:
            rows = conn.execute(
                "SELECT type, data, timestamp FROM events WHERE aggregate_id = ?"
                " ORDER BY version",
                (user_id,),
            ).fetchall()
        return [Event(row[0], json.loads(row[1]), row[2]) for row in rows]

    # -- commands

    def create(
        self,
        org_id: str,
        user_id: str,
        *,
        status: str = "ACTIVE",
        email: str | None = None,
        phone: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        created_at: int | None = None,
    ) -> Event:
        """Create the user (version 1); raises UserIdTaken or ContactTaken."""
        event = aggregate.user_created(
            user_id=user_id,
            org_id=org_id,
            timestamp_ms=self._clock() if created_at is None else created_at,
            status=status,
            email=email,
            phone=phone,
            first_name=first_name,
            last_name=last_name,
        )
        with self._db.transaction() as conn:
            self._append(conn, user_id, 1, event)
        return event

    def add_plate(
        self, user_id: str, raw_plate: str, label: str = "", added_at: int | None = None
    ) -> Outcome:
        """Add the plate in the service's normal form; no event if already there."""
        plate = normalize_plate(raw_plate)
        if not plate:
            raise EmptyPlate(raw_plate)
        with self._db.transaction() as conn:
            version = self._version(conn, user_id)
            existing = conn.execute(
                "SELECT label FROM plates WHERE user_id = ? AND plate = ?",
                (user_id, plate),
            ).fetchone()
            if existing is not None:
                return Outcome(user_id, version, None, plate, existing[0])
            when = self._clock() if added_at is None else added_at
            event = aggregate.plate_added(user_id, plate, label, when)
            self._append(conn, user_id, version + 1, event)
        return Outcome(user_id, version + 1, event, plate, label)

    def remove_plate(self, user_id: str, raw_plate: str) -> Outcome:
        """Remove the plate; raises PlateNotFound if the user lacks it."""
        plate = normalize_plate(raw_plate)
        with self._db.transaction() as conn:
            version = self._version(conn, user_id)
            found = conn.execute(
                "SELECT 1 FROM plates WHERE user_id = ? AND plate = ?",
                (user_id, plate),
            ).fetchone()
            if found is None:
                raise PlateNotFound(plate)
            event = aggregate.plate_removed(user_id, plate, self._clock())
            self._append(conn, user_id, version + 1, event)
        return Outcome(user_id, version + 1, event, plate)

    def set_phone(self, user_id: str, phone: str | None) -> PhoneOutcome:
        """Set the user's phone number (``+<digits>``), or remove it with None.

        No event, and the version stays, when the user has that number (or
        none) already: like an add of a plate the user has, a replay changes
        nothing. Raises UnknownUser, or ContactTaken when another user of the
        organization has the number.
        """
        with self._db.transaction() as conn:
            version = self._version(conn, user_id)
            row = conn.execute(
                "SELECT phone FROM users WHERE user_id = ?", (user_id,)
            ).fetchone()
            if row[0] == phone:
                return PhoneOutcome(user_id, version, None)
            try:
                conn.execute(
                    "UPDATE users SET phone = ? WHERE user_id = ?", (phone, user_id)
                )
            except sqlite3.IntegrityError as error:
                raise ContactTaken(user_id) from error
            event = aggregate.phone_updated(user_id, phone, self._clock())
            self._append(conn, user_id, version + 1, event)
        return PhoneOutcome(user_id, version + 1, event)

    def import_users(self, histories: Iterable[tuple[str, list[Event]]]) -> None:
        """Append whole histories (user id, events from UserCreated on) at once.

        For seeding: one transaction for everything, same projection as commands.
        """
        with self._db.transaction() as conn:
            for user_id, events in histories:
                for version, event in enumerate(events, start=1):
                    self._append(conn, user_id, version, event)

    # -- the projection

    def _version(self, conn: sqlite3.Connection, user_id: str) -> int:
        row = conn.execute(
            "SELECT version FROM users WHERE user_id = ?", (user_id,)
        ).fetchone()
        if row is None:
            raise UnknownUser(user_id)
        return int(row[0])

    def _append(
        self, conn: sqlite3.Connection, user_id: str, version: int, event: Event
    ) -> None:
        try:
            conn.execute(
                "INSERT INTO events (aggregate_id, version, type, data, timestamp)"
                " VALUES (?, ?, ?, ?, ?)",
                (
                    user_id,
                    version,
                    event.type,
                    json.dumps(event.data),
                    event.timestamp_ms,
                ),
            )
        except sqlite3.IntegrityError as error:
            raise UserIdTaken(user_id) from error
        _project(conn, user_id, version, event)


def _project(
    conn: sqlite3.Connection, user_id: str, version: int, event: Event
) -> None:
    data = event.data
    if event.type == aggregate.USER_CREATED:
        try:
            conn.execute(
                "INSERT INTO users (user_id, org_id, email, phone, first_name,"
                " last_name, status, created_at, version)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1)",
                (
                    user_id,
                    data["orgId"],
                    data.get("email"),
                    data.get("phoneNumber"),
                    data.get("firstName"),
                    data.get("lastName"),
                    data["status"],
                    event.timestamp_ms,
                ),
            )
        except sqlite3.IntegrityError as error:
            if "FOREIGN KEY" in str(error):
                raise UnknownOrganization(data["orgId"]) from error
            raise ContactTaken(user_id) from error
        return
    if event.type == aggregate.PLATE_ADDED:
        conn.execute(
            "INSERT INTO plates (user_id, plate, label, added_at) VALUES (?, ?, ?, ?)",
            (user_id, data["plate"], data["label"], data["addedAt"]),
        )
    elif event.type == aggregate.PLATE_REMOVED:
        conn.execute(
            "DELETE FROM plates WHERE user_id = ? AND plate = ?",
            (user_id, data["plate"]),
        )
    elif event.type == aggregate.PHONE_UPDATED and data["action"] == "removed":
        # A number set is written by set_phone: the event does not hold it.
        conn.execute("UPDATE users SET phone = NULL WHERE user_id = ?", (user_id,))
    conn.execute("UPDATE users SET version = ? WHERE user_id = ?", (version, user_id))


def _user_record(row: sqlite3.Row) -> UserRecord:
    return UserRecord(
        user_id=row["user_id"],
        org_id=row["org_id"],
        status=row["status"],
        created_at=row["created_at"],
        version=row["version"],
        email=row["email"],
        phone=row["phone"],
        first_name=row["first_name"],
        last_name=row["last_name"],
    )
