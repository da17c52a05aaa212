"""Roster workflows: look users up, refresh them, add and remove their plates.

This is where the API, the local store and the outbox meet. Every method returns
the updated :class:`RosterUser` (the server's state saved locally, with queued
changes laid over it) so the window only has to show it; no Qt here, and no
widget ever sees an HTTP error other than through the API's typed errors, whose
``user_message`` is the sentence to show.

Changes (add or remove a plate, create a user) go through the outbox: written
down first, then sent by the :class:`OutboxSender` this service owns. When the
server cannot be reached they stay queued, and the returned user shows them
pending. ``start()`` begins sending (and replays what an earlier run left);
``aclose()`` stops it without losing anything.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import Enum

from spkey_desktop.api.client import SpkeyClient
from spkey_desktop.api.errors import ApiError, UnexpectedResponseError
from spkey_desktop.api.models import PlateCommandResult, UserRef
from spkey_desktop.services.delivery import (
    Delivery,
    OutboxEvent,
    SenderStatus,
    SendPolicy,
    Verdict,
)
from spkey_desktop.services.outbox_sender import OutboxSender
from spkey_desktop.services.pending_view import overlay, overlay_all
from spkey_desktop.store.outbox import (
    AddPlate,
    Change,
    CreateUser,
    EntryState,
    Outbox,
    RemovePlate,
)
from spkey_desktop.store.roster import RosterPlate, RosterStore, RosterUser

log = logging.getLogger(__name__)

#: Profiles and plates are fetched for this many users at once during a refresh;
#: kept below the HTTP connection pool so requests never queue for a connection.
DEFAULT_REFRESH_CONCURRENCY = 8


class PlateOutcome(Enum):
    """What a plate command did on the server."""

    ADDED = "added"
    ALREADY_REGISTERED = "already registered"
    REMOVED = "removed"
    ALREADY_GONE = "already gone"
    QUEUED = "queued"  # the server is unreachable: sent when it is back
    WITHDRAWN = "withdrawn"  # a queued add was called back before it was sent


@dataclass(frozen=True, slots=True)
class PlateChange:
    """The user as it stands after a plate command, and what the command did."""

    user: RosterUser
    outcome: PlateOutcome
    plate: str


@dataclass(slots=True)
class RefreshReport:
    """The outcome of refreshing many users: who was updated, who failed and why."""

    refreshed: list[RosterUser] = field(default_factory=list)
    failed: dict[str, ApiError] = field(default_factory=dict)


ProgressCallback = Callable[[int, int], None]


def looks_like_email(query: str) -> bool:
    return "@" in query


class RosterService:
    """Combines the SmartphoneKey client with the local roster and outbox."""

    def __init__(
        self,
        client: SpkeyClient,
        store: RosterStore,
        outbox: Outbox,
        *,
        policy: SendPolicy | None = None,
    ) -> None:
        self._client = client
        self._store = store
        self._outbox = outbox
        self._sender = OutboxSender(
            client, outbox, policy=policy, on_delivered=self._after_delivery
        )

    @property
    def store(self) -> RosterStore:
        return self._store

    @property
    def sender(self) -> OutboxSender:
        """Queued changes: status, listeners, cancel/retry/discard, bulk queueing."""
        return self._sender

    def start(self) -> None:
        """Begin sending queued changes, those of an earlier run first."""
        self._sender.start()

    async def aclose(self) -> None:
        """Stop sending; whatever is unanswered stays queued for next time."""
        await self._sender.aclose()

    def status(self) -> SenderStatus:
        return self._sender.status()

    def add_listener(
        self, listener: Callable[[OutboxEvent], None]
    ) -> Callable[[], None]:
        """Hear about queued changes (see OutboxSender); returns the way to stop."""
        return self._sender.add_listener(listener)

    # -- what the window shows -------------------------------------------------

    def load_roster(self) -> list[RosterUser]:
        """The saved roster, with queued changes shown on their users."""
        return overlay_all(self._store.load_all(), self._outbox.entries())

    def view(self, user_id: str) -> RosterUser | None:
        """One saved user with their queued changes, or None if not in the roster."""
        user = self._store.get(user_id)
        return None if user is None else overlay(user, self._outbox.entries(user_id))

    def views(self, user_ids: Iterable[str]) -> list[RosterUser]:
        """Many saved users with their queued changes, read in one pass each
        (users not in the roster are left out)."""
        users = self._store.get_many(user_ids)
        entries = self._outbox.entries_of(user.user_id for user in users)
        return overlay_all(users, entries)

    # -- users ---------------------------------------------------------------

    async def find_user(self, query: str) -> UserRef:
        """Look a user up by exact e-mail or international phone number.

        Never creates anyone: a miss raises :class:`NotFoundError`, and creating
        a user is the separate, explicit :meth:`create_user`.
        """
        query = query.strip()
        if looks_like_email(query):
            return await self._client.find_user_by_email(query)
        return await self._client.find_user_by_phone(query)

    async def add_to_roster(self, user_id: str) -> RosterUser:
        """Fetch a user's profile and plates and keep them in the roster."""
        return await self.fetch_user(user_id)

    async def create_user(
        self,
        *,
        email: str = "",
        phone: str = "",
        first_name: str = "",
        last_name: str = "",
    ) -> RosterUser:
        """Create a new SmartphoneKey user (only on the operator's request).

        The user joins the roster at once with what was typed; when the server
        is unreachable the creation stays queued (and so do plates added to
        the new user meanwhile, behind it).
        """
        user_id = str(uuid.uuid4())
        # Shown as typed until the server answers. CreateUser does not store a
        # phone number: the outbox sends UpdatePhoneNumber after it (see
        # delivery.send_change), so a by-phone lookup finds the user again.
        typed = RosterUser(user_id, email, phone, first_name, last_name)
        self._store.save(typed)
        change = CreateUser(user_id, email, phone, first_name, last_name)
        try:
            delivery = await self._submit(change)
        except (ApiError, asyncio.CancelledError):
            # Refused, or the operator stopped waiting (the creation was then
            # withdrawn): the user is not ours to show.
            self._store.remove(user_id)
            raise
        if delivery.verdict is Verdict.DELIVERED:
            log.info("Created user %s", user_id)
        return self.view(user_id) or typed

    def forget(self, user_id: str) -> None:
        """Remove a user from the roster; nothing changes on the server."""
        self._store.remove(user_id)
        log.info("Removed user %s from the roster", user_id)

    async def fetch_user(self, user_id: str) -> RosterUser:
        """Profile and plates of one user, fetched together and saved (and
        returned with their queued changes)."""
        user = await self._fetch(user_id)
        return overlay(user, self._outbox.entries(user_id))

    async def _fetch(self, user_id: str) -> RosterUser:
        user = await self.read_user(user_id)
        self._store.save(user)
        return user

    async def _refresh_user(self, user_id: str) -> RosterUser | None:
        """Re-read a roster user, unless the roster changed under the request.

        A user removed from the roster meanwhile stays removed (None), and a
        user changed meanwhile (a plate added while the request was out) keeps
        the newer local state rather than the answer read before it.
        """
        before = self._store.get(user_id)
        if before is None:
            return None
        user = await self.read_user(user_id)
        now = self._store.get(user_id)
        if now is None:
            return None
        if now == before:
            self._store.save(user)
        else:
            user = now
        return overlay(user, self._outbox.entries(user_id))

    async def read_user(self, user_id: str) -> RosterUser:
        """Profile and plates of one user as the server has them, not saved:
        what an import previews before the operator confirms."""
        profile, plate_list = await asyncio.gather(
            self._client.get_profile(user_id), self._client.list_plates(user_id)
        )
        previous = self._store.get(user_id)
        return RosterUser(
            user_id=user_id,
            email=profile.email or "",
            # Users created before the app sent UpdatePhoneNumber have their
            # number only in the roster: CreateUser did not store it.
            phone=profile.phone_number or (previous.phone if previous else ""),
            first_name=profile.first_name or "",
            last_name=profile.last_name or "",
            status=profile.status or "",
            plates=tuple(
                RosterPlate(p.plate, p.label, p.added_at) for p in plate_list.plates
            ),
            version=previous.version if previous else None,
            fetched_at=datetime.now(UTC),
        )

    async def refresh_all(
        self,
        user_ids: Iterable[str],
        *,
        concurrency: int = DEFAULT_REFRESH_CONCURRENCY,
        on_progress: ProgressCallback | None = None,
    ) -> RefreshReport:
        """Refresh many users with bounded concurrency.

        One user's failure does not stop the others; it is reported. Cancelling
        the calling task cancels the requests still in flight; users already
        refreshed stay refreshed.
        """
        # A user whose creation has not reached the server cannot be read yet.
        unborn = {
            e.user_id
            for e in self._outbox.entries()
            if isinstance(e.change, CreateUser)
        }
        ids = [user_id for user_id in user_ids if user_id not in unborn]
        report = RefreshReport()
        limit = asyncio.Semaphore(max(1, concurrency))
        done = 0

        async def refresh_one(user_id: str) -> None:
            nonlocal done
            async with limit:
                try:
                    refreshed = await self._refresh_user(user_id)
                except ApiError as error:
                    report.failed[user_id] = error
                except Exception as error:
                    # One odd answer must not stop the refresh of everyone else.
                    log.exception("Refreshing user %s failed unexpectedly", user_id)
                    report.failed[user_id] = UnexpectedResponseError(
                        "The server's answer for this user could not be used; "
                        "see the log file (Help menu) for details.",
                        detail=type(error).__name__,
                    )
                else:
                    if refreshed is not None:
                        report.refreshed.append(refreshed)
            done += 1
            if on_progress is not None:
                on_progress(done, len(ids))

        async with asyncio.TaskGroup() as group:
            for user_id in ids:
                group.create_task(refresh_one(user_id))
        if report.refreshed:
            self._sender.note_reachable()
        return report

    # -- plates --------------------------------------------------------------

    async def add_plate(
        self, user: RosterUser, plate: str, label: str = ""
    ) -> PlateChange:
        """Queue and send an already canonical plate.

        "Already registered" is not a failure; an unreachable server answers
        QUEUED (the plate shows as pending); a refusal raises its ApiError.
        """
        delivery = await self._submit(AddPlate(user.user_id, plate, label))
        if delivery.verdict is Verdict.QUEUED:
            outcome = PlateOutcome.QUEUED
        elif delivery.already:
            outcome = PlateOutcome.ALREADY_REGISTERED
        else:
            outcome = PlateOutcome.ADDED
        result = delivery.result
        shown = result.plate if isinstance(result, PlateCommandResult) else plate
        return PlateChange(self.view(user.user_id) or user, outcome, shown or plate)

    async def remove_plate(self, user: RosterUser, plate: str) -> PlateChange:
        """Remove a plate; one that is already gone counts as removed.

        A plate whose add is still queued (or was refused) is simply called
        back: nothing needs to reach the server.
        """
        if self._withdraw_add(user.user_id, plate):
            return PlateChange(
                self.view(user.user_id) or user, PlateOutcome.WITHDRAWN, plate
            )
        delivery = await self._submit(RemovePlate(user.user_id, plate))
        if delivery.verdict is Verdict.QUEUED:
            outcome = PlateOutcome.QUEUED
        elif delivery.already:
            outcome = PlateOutcome.ALREADY_GONE
        else:
            outcome = PlateOutcome.REMOVED
        return PlateChange(self.view(user.user_id) or user, outcome, plate)

    def _withdraw_add(self, user_id: str, plate: str) -> bool:
        """Call back the user's last queued add of ``plate``, if it has not
        been sent yet (or was refused)."""
        for entry in reversed(self._outbox.entries(user_id)):
            change = entry.change
            if isinstance(change, RemovePlate) and change.plate == plate:
                return False
            if isinstance(change, AddPlate) and change.plate == plate:
                if entry.state is EntryState.FAILED:
                    return self._sender.discard(entry.entry_id)
                return self._sender.cancel(entry.entry_id)
        return False

    async def _submit(self, change: Change) -> Delivery:
        """Send a change for the operator; a refusal raises its error."""
        delivery = await self._sender.submit(change)
        if delivery.verdict is Verdict.REJECTED:
            assert delivery.error is not None
            raise delivery.error
        return delivery

    # -- after the server has answered ---------------------------------------

    async def _after_delivery(self, delivery: Delivery) -> None:
        """Bring the cached user in line with a change the server has taken."""
        change = delivery.entry.change
        cached = self._store.get(change.user_id)
        if cached is None and not isinstance(change, CreateUser):
            return  # not in this roster (forgotten meanwhile)
        result = delivery.result
        if cached is None or not isinstance(result, PlateCommandResult):
            # A new user, or "already there / already gone" without details:
            # read the user as the server has it.
            await self._fetch(change.user_id)
        elif isinstance(change, AddPlate):
            added = RosterPlate(result.plate, result.label, datetime.now(UTC))
            await self._apply(cached, result, add=added)
        elif isinstance(change, RemovePlate):
            await self._apply(cached, result, remove=change.plate)

    async def _apply(
        self,
        user: RosterUser,
        result: PlateCommandResult,
        *,
        add: RosterPlate | None = None,
        remove: str | None = None,
    ) -> RosterUser:
        """Update the cached user from a command's answer.

        When the server's version moved by more than this one command, someone
        else changed the user meanwhile: reload the user's plates instead of
        guessing (the plates are what the version tells about; the profile
        follows with the next refresh).
        """
        # Unknown version (no command since the last fetch): the answer cannot
        # tell whether others changed the user too, so read it once, whether
        # the command changed anything or not. A no-op answer (event null)
        # leaves the version where it was; any other version means someone
        # else changed the user.
        step = 1 if result.changed else 0
        expected = None if user.version is None else user.version + step
        if expected is None or result.version != expected:
            log.debug(
                "User %s moved from version %s to %s; reloading",
                user.user_id,
                user.version,
                result.version,
            )
            plate_list = await self._client.list_plates(user.user_id)
            current = self._store.get(user.user_id)
            if current is None:
                return user  # forgotten meanwhile
            reloaded = current.with_plates(
                (RosterPlate(p.plate, p.label, p.added_at) for p in plate_list.plates),
                version=result.version,
            )
            self._store.save(reloaded)
            return reloaded

        plates = [p for p in user.plates if p.plate != remove]
        if add is not None and not any(p.plate == add.plate for p in plates):
            plates.append(add)
        updated = user.with_plates(plates, version=result.version)
        self._store.save(updated)
        return updated
