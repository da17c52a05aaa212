"""Roster workflows: look users up, refresh them, add and remove their plates.

This is where the API and the local store meet. Every method returns the updated
:class:`RosterUser` (already saved locally) so the window only has to show it; no
Qt here, and no widget ever sees an HTTP error other than through the API's typed
errors, whose ``user_message`` is the sentence to show.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import Enum

from spkey_desktop.api.client import SpkeyClient
from spkey_desktop.api.errors import AlreadyExistsError, ApiError, PlateNotFoundError
from spkey_desktop.api.models import PlateCommandResult, UserRef
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
    """Combines the SmartphoneKey client with the local roster store."""

    def __init__(self, client: SpkeyClient, store: RosterStore) -> None:
        self._client = client
        self._store = store

    @property
    def store(self) -> RosterStore:
        return self._store

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
        """Create a new SmartphoneKey user (only on the operator's request)."""
        user_id = str(uuid.uuid4())
        await self._client.create_user(
            user_id,
            email=email or None,
            first_name=first_name or None,
            last_name=last_name or None,
            phone_number=phone or None,
        )
        log.info("Created user %s", user_id)
        user = await self.fetch_user(user_id)
        if phone and not user.phone:
            # CreateUser validates a phone number but does not store it; keep
            # what the operator typed so the roster can still find the user.
            user = replace(user, phone=phone)
            self._store.save(user)
        return user

    def forget(self, user_id: str) -> None:
        """Remove a user from the roster; nothing changes on the server."""
        self._store.remove(user_id)
        log.info("Removed user %s from the roster", user_id)

    async def fetch_user(self, user_id: str) -> RosterUser:
        """Profile and plates of one user, fetched together and saved."""
        profile, plate_list = await asyncio.gather(
            self._client.get_profile(user_id), self._client.list_plates(user_id)
        )
        previous = self._store.get(user_id)
        user = RosterUser(
            user_id=user_id,
            email=profile.email or "",
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
        self._store.save(user)
        return user

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
        ids = list(user_ids)
        report = RefreshReport()
        limit = asyncio.Semaphore(max(1, concurrency))
        done = 0

        async def refresh_one(user_id: str) -> None:
            nonlocal done
            async with limit:
                try:
                    report.refreshed.append(await self.fetch_user(user_id))
                except ApiError as error:
                    report.failed[user_id] = error
            done += 1
            if on_progress is not None:
                on_progress(done, len(ids))

        async with asyncio.TaskGroup() as group:
            for user_id in ids:
                group.create_task(refresh_one(user_id))
        return report

    # -- plates --------------------------------------------------------------

    async def add_plate(
        self, user: RosterUser, plate: str, label: str = ""
    ) -> PlateChange:
        """Send an already canonical plate; "already registered" is not a failure."""
        try:
            result = await self._client.add_plate(user.user_id, plate, label)
        except AlreadyExistsError:
            return PlateChange(
                await self.fetch_user(user.user_id),
                PlateOutcome.ALREADY_REGISTERED,
                plate,
            )
        if not result.changed:
            outcome = PlateOutcome.ALREADY_REGISTERED
        else:
            outcome = PlateOutcome.ADDED
            log.info("Added plate %s to user %s", result.plate, user.user_id)
        added = RosterPlate(result.plate, result.label, datetime.now(UTC))
        updated = await self._apply(user, result, add=added)
        return PlateChange(updated, outcome, result.plate)

    async def remove_plate(self, user: RosterUser, plate: str) -> PlateChange:
        """Remove a plate; one that is already gone counts as removed."""
        try:
            result = await self._client.remove_plate(user.user_id, plate)
        except PlateNotFoundError:
            return PlateChange(
                await self.fetch_user(user.user_id), PlateOutcome.ALREADY_GONE, plate
            )
        log.info("Removed plate %s from user %s", plate, user.user_id)
        updated = await self._apply(user, result, remove=plate)
        return PlateChange(updated, PlateOutcome.REMOVED, plate)

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
        else changed the user meanwhile: reload it instead of guessing.
        """
        # Unknown version (no command since the last fetch): the answer cannot
        # tell whether others changed the user too, so read it once.
        expected = None if user.version is None else user.version + 1
        if result.changed and result.version != expected:
            log.debug(
                "User %s moved from version %s to %s; reloading",
                user.user_id,
                user.version,
                result.version,
            )
            reloaded = await self.fetch_user(user.user_id)
            reloaded = replace(reloaded, version=result.version)
            self._store.save(reloaded)
            return reloaded

        plates = [p for p in user.plates if p.plate != remove]
        if add is not None and not any(p.plate == add.plate for p in plates):
            plates.append(add)
        updated = user.with_plates(plates, version=result.version)
        self._store.save(updated)
        return updated
