"""Keeps the plate rules' collision index in step with the roster.

The add-plate dialog checks every keystroke against every plate in the roster
(already on this user, on another user, confusable with another user's plate),
so the check is a dictionary look-up in :class:`spkey_desktop.plates.PlateIndex`,
never a scan; this adapter feeds that index from roster users as they change.
"""

from __future__ import annotations

from collections.abc import Iterable

from spkey_desktop.plates import Collision, PlateIndex
from spkey_desktop.store.roster import RosterUser


class RosterPlateIndex:
    """A :class:`PlateIndex` over roster users, updated user by user."""

    def __init__(self, users: Iterable[RosterUser] = ()) -> None:
        self._index = PlateIndex(_entries(users))

    def reset(self, users: Iterable[RosterUser]) -> None:
        self._index = PlateIndex(_entries(users))

    def replace(self, old: RosterUser | None, new: RosterUser | None) -> None:
        """Swap one user's plates: ``old`` leaves the index, ``new`` enters it."""
        if old is not None:
            for plate in old.plates:
                self._index.remove(old.user_id, plate.plate)
        if new is not None:
            for plate in new.plates:
                self._index.add(new.user_id, new.display_name, plate.plate)

    def check(self, plate: str, user_id: str) -> tuple[Collision, ...]:
        return self._index.check(plate, user_id)


def _entries(users: Iterable[RosterUser]) -> Iterable[tuple[str, str, str]]:
    for user in users:
        for plate in user.plates:
            yield user.user_id, user.display_name, plate.plate
