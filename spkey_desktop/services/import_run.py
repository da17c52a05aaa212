"""Sending a confirmed import through the outbox, with progress and cancel.

The rows the operator confirmed become outbox changes (a CreateUser first for
each user to be created, then AddPlate per row), written in a few
transactions and sent by the app's :class:`OutboxSender`: one user's changes
in order, different users concurrently, patiently through an unreachable
server. Users the file found on the server join the roster when the import
starts, so the outbox's answers update them like any other.

Progress follows the sender's events: a change that has left the outbox was
delivered, a failed one carries the server's reason (it is then discarded
from the outbox, since the import's rejected rows list it). Cancelling
withdraws the changes not yet on their way; what was sent stays sent, and
the rows not sent are reported as such, to be imported again.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import Enum

from spkey_desktop.services.delivery import OutboxEvent, Reachability
from spkey_desktop.services.import_preview import (
    ImportPreview,
    NewUser,
    PreviewRow,
    RowStatus,
)
from spkey_desktop.services.roster_service import RosterService
from spkey_desktop.store.outbox import AddPlate, Change, CreateUser, EntryState
from spkey_desktop.store.roster import RosterUser

log = logging.getLogger(__name__)

# Changes written to the outbox per transaction; the loop breathes between.
_ENQUEUE_CHUNK = 200


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """The operator's choices for rows that are held back by default."""

    create_missing_users: bool = False
    send_collisions: bool = False


class Outcome(Enum):
    SENT = "sent"
    FAILED = "refused by the server"
    NOT_SENT = "not sent"
    QUEUED = "queued"  # still in the outbox: sent once the server is back
    HELD = "held back"  # not sent by choice (see the preview's reason)


@dataclass(frozen=True, slots=True)
class RowResult:
    row: PreviewRow
    outcome: Outcome
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a running import stands; ``waiting`` says why nothing moves."""

    total: int
    sent: int = 0
    failed: int = 0
    not_sent: int = 0
    elapsed: float = 0.0
    waiting: str = ""
    credentials_refused: bool = False

    @property
    def done(self) -> int:
        return self.sent + self.failed + self.not_sent

    @property
    def remaining(self) -> int:
        return self.total - self.done

    @property
    def rate(self) -> float:
        """Changes answered per second so far."""
        return (self.sent + self.failed) / self.elapsed if self.elapsed > 0 else 0.0


@dataclass
class ImportReport:
    """What an import did, row by row, once it has ended."""

    results: list[RowResult] = field(default_factory=list)
    cancelled: bool = False

    def count(self, outcome: Outcome) -> int:
        return sum(1 for r in self.results if r.outcome is outcome)

    def rejected(self) -> list[RowResult]:
        """Rows the operator has to look at: held back, refused, not sent."""
        return [r for r in self.results if r.outcome is not Outcome.SENT]

    def summary(self) -> str:
        parts = [f"{self.count(Outcome.SENT)} sent"]
        for outcome in (Outcome.FAILED, Outcome.NOT_SENT, Outcome.QUEUED):
            if self.count(outcome):
                parts.append(f"{self.count(outcome)} {outcome.value}")
        unreachable = sum(
            1
            for r in self.results
            if r.outcome is Outcome.HELD and r.row.status is RowStatus.UNREACHABLE
        )
        held = self.count(Outcome.HELD) - unreachable
        if held:
            parts.append(f"{held} held back")
        if unreachable:
            parts.append(f"{unreachable} not looked up (server unreachable)")
        return ", ".join(parts) + (" (cancelled)" if self.cancelled else "") + "."


def to_send(row: PreviewRow, options: ImportOptions) -> bool:
    """Whether the confirmed import sends this row."""
    if row.status in (RowStatus.NEW, RowStatus.CHANGED):
        return True
    if row.status is RowStatus.NOT_FOUND:
        return (
            options.create_missing_users
            and row.new_user is not None
            and bool(row.plate)
        )
    if row.status is RowStatus.CONFUSABLE:
        creatable = row.user_id is not None or (
            options.create_missing_users and row.new_user is not None
        )
        return options.send_collisions and creatable
    return False


def creates_user(row: PreviewRow, options: ImportOptions) -> bool:
    return (
        row.user_id is None
        and row.new_user is not None
        and options.create_missing_users
        and row.status in (RowStatus.NOT_FOUND, RowStatus.CONFUSABLE)
    )


@dataclass(slots=True)
class _Pending:
    """An outbox entry the import waits on: a user's creation, or a plate."""

    user_id: str
    row: PreviewRow | None  # None for a creation


class ImportRun:
    """One confirmed import on its way; see the module text."""

    def __init__(
        self,
        service: RosterService,
        preview: ImportPreview,
        options: ImportOptions,
        *,
        on_progress: Callable[[Progress], None] | None = None,
        on_users: Callable[[list[RosterUser]], None] | None = None,
    ) -> None:
        self._service = service
        self._preview = preview
        self._options = options
        self._on_progress = on_progress
        # Called with users whose shown state changed (joined, plates sent).
        self._on_users = on_users
        self._open: dict[int, _Pending] = {}  # entry id -> what it carries
        self._by_user: dict[str, set[int]] = {}  # user id -> open entry ids
        self._results: dict[int, RowResult] = {}  # row number -> result
        self._new_ids: dict[NewUser, str] = {}  # users to create -> their ids
        self._creation_failed: dict[str, str] = {}  # user id -> reason
        self._cancelled = False
        self._detached = ""  # the reason given to detach(), once called
        self._finished = asyncio.Event()
        self._started = 0.0
        self._total = 0
        self._waiting = ""
        self._refused = False

    @property
    def progress(self) -> Progress:
        counts = dict.fromkeys(Outcome, 0)
        for result in self._results.values():
            counts[result.outcome] += 1
        return Progress(
            self._total,
            sent=counts[Outcome.SENT],
            failed=counts[Outcome.FAILED],
            not_sent=counts[Outcome.NOT_SENT] + counts[Outcome.QUEUED],
            elapsed=time.monotonic() - self._started if self._started else 0.0,
            waiting=self._waiting,
            credentials_refused=self._refused,
        )

    def results(self) -> list[RowResult]:
        """The rows answered (or given up on) so far."""
        return list(self._results.values())

    async def run(self) -> ImportReport:
        """Queue the confirmed rows, follow them until each is answered (or
        withdrawn by ``cancel``), and report."""
        self._started = time.monotonic()
        rows = [r for r in self._preview.rows if to_send(r, self._options)]
        self._total = len(rows)
        self._join_roster(rows)
        stop_listening = self._service.sender.add_listener(self._on_event)
        try:
            await self._enqueue(rows)
            if self._detached:
                self._give_up(self._detached)
            self._report()
            if self._open:
                await self._finished.wait()
        except asyncio.CancelledError:
            # Given up on: what is queued stays queued and is sent later.
            self._give_up("Queued: it is sent in the background.")
            raise
        finally:
            stop_listening()
        return self._final_report()

    def cancel(self) -> None:
        """Withdraw every change not yet on its way; those on their way finish."""
        self._cancelled = True
        sender = self._service.sender
        unborn = []
        for entry_id, pending in list(self._open.items()):
            if sender.cancel(entry_id):
                self._close(entry_id, Outcome.NOT_SENT, _CANCELLED)
                if pending.row is None:
                    unborn.append(pending.user_id)
        for user_id in unborn:
            self._service.forget(user_id)
        self._report()

    def detach(self, reason: str = "") -> None:
        """Stop following: what is queued stays queued and is sent later. Rows
        still being queued when this is called are reported queued too, with
        ``reason`` (default: sent once the server can be reached)."""
        self._detached = reason or _DETACHED
        self._give_up(self._detached)
        self._report()

    # -- starting --------------------------------------------------------------

    def _join_roster(self, rows: list[PreviewRow]) -> None:
        """Users the file found on the server, and those to be created, join
        the roster now, so the outbox's answers update them."""
        named = {r.user_id for r in self._preview.rows if r.status not in _UNUSED}
        joining = self._preview.directory.joining
        users = [user for user_id, user in joining.items() if user_id in named]
        for row in rows:
            new = row.new_user
            if creates_user(row, self._options) and new and new not in self._new_ids:
                self._new_ids[new] = str(uuid.uuid4())
                users.append(
                    RosterUser(
                        self._new_ids[new],
                        new.email,
                        new.phone,
                        new.first_name,
                        new.last_name,
                    )
                )
        if users:
            self._service.store.save_many(users)
            if self._on_users is not None:
                self._on_users(users)

    async def _enqueue(self, rows: list[PreviewRow]) -> None:
        changes = list(self._changes(rows))
        sender = self._service.sender
        for start in range(0, len(changes), _ENQUEUE_CHUNK):
            chunk = changes[start : start + _ENQUEUE_CHUNK]
            if self._cancelled:
                for _, pending in chunk:
                    if pending.row is not None:
                        self._result(pending.row, Outcome.NOT_SENT, _CANCELLED)
                continue
            entries = sender.enqueue_many(change for change, _ in chunk)
            for entry, (_, pending) in zip(entries, chunk, strict=True):
                self._open[entry.entry_id] = pending
                self._by_user.setdefault(pending.user_id, set()).add(entry.entry_id)
            await asyncio.sleep(0)

    def _changes(self, rows: list[PreviewRow]) -> Iterator[tuple[Change, _Pending]]:
        """Each user's creation (once), ahead of their plates."""
        created: set[str] = set()
        for row in rows:
            user_id = row.user_id
            if user_id is None:
                new = row.new_user
                assert new is not None
                user_id = self._new_ids[new]
                if user_id not in created:
                    created.add(user_id)
                    creation = CreateUser(
                        user_id, new.email, new.phone, new.first_name, new.last_name
                    )
                    yield creation, _Pending(user_id, None)
            yield AddPlate(user_id, row.plate, row.label), _Pending(user_id, row)

    # -- following -------------------------------------------------------------

    def _on_event(self, event: OutboxEvent) -> None:
        status = event.status
        online = status.reachability in (Reachability.ONLINE, Reachability.UNKNOWN)
        self._waiting = "" if online else status.last_error or status.reachability.value
        self._refused = status.reachability is Reachability.REFUSED
        user_ids = event.user_ids & self._by_user.keys()
        open_ids = [i for user_id in user_ids for i in self._by_user[user_id]]
        # One read for every entry of the users that moved, not one per entry.
        still_there = self._service.sender.outbox.get_many(open_ids)
        touched = []
        for user_id in user_ids:
            for entry_id in sorted(self._by_user[user_id]):
                entry = still_there.get(entry_id)
                if entry is None:
                    self._close(entry_id, Outcome.SENT, "")
                elif entry.state is EntryState.FAILED:
                    self._close(entry_id, Outcome.FAILED, entry.last_error)
                    # The import's rejected rows carry it from here.
                    self._service.sender.discard(entry_id)
                else:
                    continue
                touched.append(user_id)
        if touched:
            self._tell(touched)
        self._report()

    def _close(self, entry_id: int, outcome: Outcome, reason: str) -> None:
        pending = self._open.pop(entry_id)
        ids = self._by_user.get(pending.user_id, set())
        ids.discard(entry_id)
        if not ids:
            self._by_user.pop(pending.user_id, None)
        if pending.row is None:
            if outcome is Outcome.FAILED:
                self._creation_failed[pending.user_id] = reason
        else:
            failed_creation = self._creation_failed.get(pending.user_id)
            if outcome is Outcome.FAILED and failed_creation:
                reason = f"The user could not be created: {failed_creation}"
            self._result(pending.row, outcome, reason)
        if not self._open:
            self._finished.set()

    def _result(self, row: PreviewRow, outcome: Outcome, reason: str) -> None:
        self._results[row.number] = RowResult(row, outcome, reason)

    def _give_up(self, reason: str) -> None:
        for pending in self._open.values():
            if pending.row is not None:
                self._result(pending.row, Outcome.QUEUED, reason)
        self._open.clear()
        self._by_user.clear()
        self._finished.set()

    def _tell(self, user_ids: Sequence[str]) -> None:
        if self._on_users is None:
            return
        self._on_users(self._service.views(dict.fromkeys(user_ids)))

    def _report(self) -> None:
        if self._on_progress is not None:
            self._on_progress(self.progress)

    def _final_report(self) -> ImportReport:
        # Users whose creation the server refused do not exist: not ours to show.
        for user_id in self._creation_failed:
            self._service.forget(user_id)
        report = ImportReport(cancelled=self._cancelled)
        for row in self._preview.rows:
            result = self._results.get(row.number) or _held(row)
            if result is not None:
                report.results.append(result)
        return report


_CANCELLED = "Not sent: import cancelled."
_DETACHED = "Queued: it is sent when the server can be reached."
_UNUSED = frozenset({RowStatus.INVALID, RowStatus.DAMAGED, RowStatus.NOT_FOUND})


def _held(row: PreviewRow) -> RowResult | None:
    """A row the import did not send by design: nothing to do, or held back."""
    if row.status in (RowStatus.UNCHANGED, RowStatus.USER_ONLY, RowStatus.DUPLICATE):
        return None
    return RowResult(row, Outcome.HELD, row.reason)
