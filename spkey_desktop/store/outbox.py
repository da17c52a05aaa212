"""The outbox: every change the app sends to the server is written down here first.

A change (add a plate, remove a plate, create a user) is committed to the
profile's SQLite file before any byte goes to the network, and it leaves the
outbox only once the server has answered for it definitively, or once the
operator has seen the server's rejection. A closed laptop, a dropped network or
a killed process therefore loses nothing: what was not answered is sent again
at the next start (see ``services/outbox_sender.py``, which does the sending).

The file is the roster's (one per connection profile), opened on a connection of
its own: WAL journal, ``synchronous = FULL`` for what the operator queues,
cancels, retries or discards (such a commit survives a power cut; the sender's
bookkeeping skips the sync, see ``_write``), a busy timeout, and ``BEGIN
IMMEDIATE`` for every write, so a second writer, in this process or another,
waits for the first instead of failing with "database is locked". The
connection may be used from any thread (one lock guards it); each call is one
short transaction.

Public API::

    outbox = Outbox(path)
    entry = outbox.enqueue(AddPlate(user_id, "WX12345", label="Van"))
    entries = outbox.enqueue_many([AddPlate(...), RemovePlate(...), ...])

    outbox.pending(user_id=None)  # waiting or being sent, in sending order
    outbox.failed(user_id=None)   # rejected for good, with the reason
    outbox.entries(user_id=None)  # all of them, in sending order
    outbox.entries_of(user_ids)   # those of some users
    outbox.get(entry_id)          # one entry, or None once it has left
    outbox.get_many(entry_ids)    # those still there, by id
    outbox.counts()               # OutboxCounts(pending, sending, failed)

    outbox.cancel(entry_id)    # the operator withdraws a change not yet sent
    outbox.retry(entry_id)     # a failed change goes back into the queue, last
    outbox.discard(entry_id)   # the operator drops a failed change

    # Used by the sender:
    outbox.recover()                                  # at start: "sending" -> pending
    outbox.make_due()                                 # the server is back: no waiting
    outbox.first_entries(limit, exclude, due_before)  # each user's next change
    outbox.next_attempt_after(moment)                 # when the next one is due
    outbox.next_for_user(user_id)
    outbox.mark_sending(entry_id)                     # counts an attempt
    outbox.mark_retry(entry_id, error, next_attempt_at)
    outbox.mark_failed(entry_id, reason)
    outbox.mark_done(entry_id)                        # the server answered
    outbox.withdraw(entry_id)                         # the operator saw it refused

Changes of one user are sent strictly in the order they were queued; changes of
different users are independent. Code that queues changes while the window runs
(bulk import) should go through ``RosterService.sender.enqueue_many``, which
writes here, wakes the sender and tells the window; writing here directly is
picked up at the sender's next wake-up or start.

Nothing here holds a credential: entries carry user ids, plates, labels, names,
e-mail addresses and phone numbers, and error sentences meant for the operator.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path
from typing import Any

from spkey_desktop.store.wal import hold_checkpoints, nothing_to_release

# TODO(#4): the calls run on the caller's thread, the event loop's in the
# window. A write that has to wait for another process's write lock (a second
# copy of the app is refused, but a script or an import in another process is
# not) holds the loop for that wait, up to the busy timeout.
BUSY_TIMEOUT_S = 10.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    entry_id         INTEGER PRIMARY KEY AUTOINCREMENT,
    seq              INTEGER NOT NULL,
    kind             TEXT NOT NULL,
    user_id          TEXT NOT NULL,
    payload          TEXT NOT NULL,
    state            TEXT NOT NULL DEFAULT 'pending',
    attempts         INTEGER NOT NULL DEFAULT 0,
    last_error       TEXT NOT NULL DEFAULT '',
    next_attempt_at  REAL NOT NULL DEFAULT 0,
    created_at       REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_by_user ON outbox (user_id, seq);
CREATE UNIQUE INDEX IF NOT EXISTS outbox_by_seq ON outbox (seq);
"""


# -- the changes ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AddPlate:
    """Register ``plate`` (already canonical) on the user."""

    user_id: str
    plate: str
    label: str = ""


@dataclass(frozen=True, slots=True)
class RemovePlate:
    """Remove ``plate`` from the user."""

    user_id: str
    plate: str


@dataclass(frozen=True, slots=True)
class CreateUser:
    """Create the user ``user_id`` (the id is chosen by the app)."""

    user_id: str
    email: str = ""
    phone: str = ""
    first_name: str = ""
    last_name: str = ""


Change = AddPlate | RemovePlate | CreateUser

_KINDS: dict[str, type[AddPlate] | type[RemovePlate] | type[CreateUser]] = {
    "add_plate": AddPlate,
    "remove_plate": RemovePlate,
    "create_user": CreateUser,
}
_KIND_OF = {cls: kind for kind, cls in _KINDS.items()}


def describe(change: Change) -> str:
    """The change in a few words, for lists and logs ("add WX12345")."""
    if isinstance(change, AddPlate):
        return f"add {change.plate}"
    if isinstance(change, RemovePlate):
        return f"remove {change.plate}"
    return "create the user"


def _encode(change: Change) -> tuple[str, str, str]:
    fields = asdict(change)
    user_id = fields.pop("user_id")
    return _KIND_OF[type(change)], user_id, json.dumps(fields, sort_keys=True)


def _decode(kind: str, user_id: str, payload: str) -> Change:
    fields: dict[str, Any] = json.loads(payload)
    return _KINDS[kind](user_id=user_id, **fields)


# -- the entries ---------------------------------------------------------------


class EntryState(Enum):
    PENDING = "pending"  # waiting to be sent (again)
    SENDING = "sending"  # sent, no answer yet
    FAILED = "failed"  # rejected for good; the reason is in last_error


@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One queued change and where it stands."""

    entry_id: int
    change: Change
    state: EntryState
    attempts: int = 0
    last_error: str = ""
    next_attempt_at: datetime | None = None
    created_at: datetime | None = None

    @property
    def user_id(self) -> str:
        return self.change.user_id


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    pending: int = 0
    sending: int = 0
    failed: int = 0

    @property
    def unsent(self) -> int:
        """Changes still to reach the server (waiting or in flight)."""
        return self.pending + self.sending


# The sequence number of each user's next change to send.
_FIRSTS = "SELECT MIN(seq) FROM outbox WHERE state != 'failed' GROUP BY user_id"

_COLUMNS = (
    "entry_id, kind, user_id, payload, state, attempts, last_error,"
    " next_attempt_at, created_at"
)


def _entry(row: Sequence[Any]) -> OutboxEntry:
    entry_id, kind, user_id, payload, state, attempts, error, next_at, created = row
    return OutboxEntry(
        entry_id=int(entry_id),
        change=_decode(kind, user_id, payload),
        state=EntryState(state),
        attempts=int(attempts),
        last_error=str(error),
        next_attempt_at=datetime.fromtimestamp(next_at, UTC) if next_at else None,
        created_at=datetime.fromtimestamp(created, UTC),
    )


class Outbox:
    """The durable queue of changes for one connection profile."""

    def __init__(self, path: Path | str) -> None:
        self._path = str(path)
        if self._path != ":memory:":
            Path(self._path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            self._path,
            isolation_level=None,
            timeout=BUSY_TIMEOUT_S,
            check_same_thread=False,
        )
        self._db.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
        if self._path != ":memory:":
            self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = FULL")
        self._release_checkpoints = nothing_to_release
        if self._path != ":memory:":
            # Checkpoints run on a thread of their own (store/wal.py), not in
            # the commit of the event loop that happens to fill the log.
            self._db.execute("PRAGMA wal_autocheckpoint = 0")
            self._release_checkpoints = hold_checkpoints(self._path)
        with self._write() as db:
            for statement in filter(str.strip, _SCHEMA.split(";")):
                db.execute(statement)

    @property
    def path(self) -> str:
        """The database file (":memory:" for one in memory)."""
        return self._path

    def close(self) -> None:
        self._release_checkpoints()
        with self._lock:
            self._db.close()

    # -- queueing ------------------------------------------------------------

    def enqueue(self, change: Change) -> OutboxEntry:
        """Write one change down; it is durable when this returns."""
        return self.enqueue_many([change])[0]

    def enqueue_many(self, changes: Iterable[Change]) -> list[OutboxEntry]:
        """Write many changes in one transaction: all of them or, on error, none."""
        now = time.time()
        rows = [_encode(change) for change in changes]
        ids: list[int] = []
        with self._write() as db:
            (top,) = db.execute("SELECT COALESCE(MAX(seq), 0) FROM outbox").fetchone()
            for offset, (kind, user_id, payload) in enumerate(rows, start=1):
                cursor = db.execute(
                    "INSERT INTO outbox (seq, kind, user_id, payload, created_at)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (top + offset, kind, user_id, payload, now),
                )
                ids.append(int(cursor.lastrowid or 0))
        created = datetime.fromtimestamp(now, UTC)
        return [
            OutboxEntry(entry_id, _decode(*row), EntryState.PENDING, created_at=created)
            for entry_id, row in zip(ids, rows, strict=True)
        ]

    # -- reading -------------------------------------------------------------

    def get(self, entry_id: int) -> OutboxEntry | None:
        rows = self._select("WHERE entry_id = ?", (entry_id,))
        return rows[0] if rows else None

    def get_many(self, entry_ids: Iterable[int]) -> dict[int, OutboxEntry]:
        """The entries still in the outbox among ``entry_ids``, by id."""
        ids = list(dict.fromkeys(entry_ids))
        found: dict[int, OutboxEntry] = {}
        for start in range(0, len(ids), 500):
            chunk = tuple(ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            for entry in self._select(f"WHERE entry_id IN ({marks})", chunk):
                found[entry.entry_id] = entry
        return found

    def entries(self, user_id: str | None = None) -> list[OutboxEntry]:
        """Every entry (of one user, if given), in sending order."""
        if user_id is None:
            return self._select("ORDER BY seq", ())
        return self._select("WHERE user_id = ? ORDER BY seq", (user_id,))

    def entries_of(self, user_ids: Iterable[str]) -> list[OutboxEntry]:
        """Every entry of these users; each user's in sending order."""
        ids = list(dict.fromkeys(user_ids))
        found: list[OutboxEntry] = []
        for start in range(0, len(ids), 500):
            chunk = tuple(ids[start : start + 500])
            marks = ",".join("?" * len(chunk))
            found += self._select(f"WHERE user_id IN ({marks}) ORDER BY seq", chunk)
        return found

    def pending(self, user_id: str | None = None) -> list[OutboxEntry]:
        """Entries still to reach the server: waiting or in flight, in order."""
        return [e for e in self.entries(user_id) if e.state is not EntryState.FAILED]

    def failed(self, user_id: str | None = None) -> list[OutboxEntry]:
        return [e for e in self.entries(user_id) if e.state is EntryState.FAILED]

    def counts(self) -> OutboxCounts:
        with self._lock:
            rows = self._db.execute(
                "SELECT state, COUNT(*) FROM outbox GROUP BY state"
            ).fetchall()
        found = {state: int(count) for state, count in rows}
        return OutboxCounts(
            pending=found.get(EntryState.PENDING.value, 0),
            sending=found.get(EntryState.SENDING.value, 0),
            failed=found.get(EntryState.FAILED.value, 0),
        )

    def next_for_user(self, user_id: str) -> OutboxEntry | None:
        """The user's next change to send (failed ones are skipped)."""
        rows = self._select(
            "WHERE user_id = ? AND state != 'failed' ORDER BY seq LIMIT 1", (user_id,)
        )
        return rows[0] if rows else None

    def first_entries(
        self,
        limit: int,
        exclude: Iterable[str] = (),
        due_before: float | None = None,
    ) -> list[OutboxEntry]:
        """Each user's next change, oldest first: at most ``limit`` of them,
        skipping the users in ``exclude`` and, with ``due_before`` (epoch
        seconds), changes whose next try is later than that."""
        skip = set(exclude)
        found: list[OutboxEntry] = []
        due = float("inf") if due_before is None else due_before
        with self._lock:
            # A user whose next change is on its way (another process's, had
            # it sent without the sender lock) is not one to start on.
            cursor = self._db.execute(
                f"SELECT {_COLUMNS} FROM outbox WHERE seq IN ({_FIRSTS})"
                " AND state = 'pending' AND next_attempt_at <= ? ORDER BY seq",
                (due,),
            )
            for row in cursor:
                if row[2] in skip:
                    continue
                found.append(_entry(row))
                if len(found) >= limit:
                    break
        return found

    def next_attempt_after(self, moment: float) -> float | None:
        """The earliest next try (epoch seconds) later than ``moment`` among
        the users' next changes, or None if none waits."""
        with self._lock:
            (earliest,) = self._db.execute(
                f"SELECT MIN(next_attempt_at) FROM outbox WHERE seq IN ({_FIRSTS})"
                " AND state = 'pending' AND next_attempt_at > ?",
                (moment,),
            ).fetchone()
        return None if earliest is None else float(earliest)

    # -- the operator's actions ----------------------------------------------

    def cancel(self, entry_id: int) -> bool:
        """Withdraw a change that is waiting; False if it is being sent (it can
        no longer be called back), has failed, or is gone."""
        return self._delete(entry_id, "AND state = 'pending'")

    def retry(self, entry_id: int) -> bool:
        """Queue a failed change again, after everything queued so far."""
        with self._write() as db:
            (top,) = db.execute("SELECT COALESCE(MAX(seq), 0) FROM outbox").fetchone()
            cursor = db.execute(
                "UPDATE outbox SET state = 'pending', seq = ?, attempts = 0,"
                " next_attempt_at = 0 WHERE entry_id = ? AND state = 'failed'",
                (top + 1, entry_id),
            )
            return cursor.rowcount == 1

    def discard(self, entry_id: int) -> bool:
        """Drop a failed change; the operator has read why it was refused."""
        return self._delete(entry_id, "AND state = 'failed'")

    # -- the sender's bookkeeping --------------------------------------------

    def recover(self) -> int:
        """After a crash or kill: changes sent without an answer go back to
        waiting (the sender treats a repeat as idempotent). Returns how many."""
        with self._write() as db:
            cursor = db.execute(
                "UPDATE outbox SET state = 'pending' WHERE state = 'sending'"
            )
            db.execute("UPDATE outbox SET next_attempt_at = 0 WHERE state = 'pending'")
            return cursor.rowcount

    def make_due(self) -> None:
        """Every waiting change may be sent now (the server is back)."""
        with self._write(durable=False) as db:
            db.execute("UPDATE outbox SET next_attempt_at = 0 WHERE state = 'pending'")

    def mark_sending(self, entry_id: int) -> bool:
        """The change is about to go out; counts one attempt."""
        return self._update(
            "state = 'sending', attempts = attempts + 1",
            (),
            entry_id,
            "AND state = 'pending'",
            durable=False,
        )

    def mark_retry(self, entry_id: int, error: str, next_attempt_at: float) -> bool:
        """No answer, or a temporary one: wait until ``next_attempt_at`` (epoch
        seconds) and send again."""
        return self._update(
            "state = 'pending', last_error = ?, next_attempt_at = ?",
            (error, next_attempt_at),
            entry_id,
            durable=False,
        )

    def mark_failed(self, entry_id: int, reason: str) -> bool:
        """The server refused the change for good; keep it, with the reason,
        until the operator retries or discards it."""
        return self._update(
            "state = 'failed', last_error = ?, next_attempt_at = 0",
            (reason,),
            entry_id,
            durable=False,
        )

    def mark_done(self, entry_id: int) -> bool:
        """The server has answered for the change: it leaves the outbox."""
        return self._delete(entry_id, durable=False)

    def withdraw(self, entry_id: int) -> bool:
        """The operator was shown why the server refused the change, with their
        input still in front of them: it leaves the outbox."""
        return self._delete(entry_id)

    # -- plumbing ------------------------------------------------------------

    def _select(self, where: str, params: tuple[Any, ...]) -> list[OutboxEntry]:
        with self._lock:
            rows = self._db.execute(
                f"SELECT {_COLUMNS} FROM outbox {where}", params
            ).fetchall()
        return [_entry(row) for row in rows]

    def _update(
        self,
        assignments: str,
        params: tuple[Any, ...],
        entry_id: int,
        extra: str = "",
        *,
        durable: bool = True,
    ) -> bool:
        with self._write(durable=durable) as db:
            cursor = db.execute(
                f"UPDATE outbox SET {assignments} WHERE entry_id = ? {extra}",
                (*params, entry_id),
            )
            return cursor.rowcount == 1

    def _delete(self, entry_id: int, extra: str = "", *, durable: bool = True) -> bool:
        with self._write(durable=durable) as db:
            cursor = db.execute(
                f"DELETE FROM outbox WHERE entry_id = ? {extra}", (entry_id,)
            )
            return cursor.rowcount == 1

    @contextmanager
    def _write(self, *, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT under the connection's lock: a second
        writer waits (up to the busy timeout) instead of failing.

        A ``durable`` commit is on disk when it returns (the WAL is synced).
        The sender's bookkeeping skips that wait, which would hold the event
        loop for every change sent: it survives a crash of the app all the
        same (WAL), and what a power cut might take back is at worst a change
        marked sent, which is then sent again and answered "already done".
        """
        with self._lock:
            if not durable:
                self._db.execute("PRAGMA synchronous = NORMAL")
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            finally:
                if not durable:
                    self._db.execute("PRAGMA synchronous = FULL")
