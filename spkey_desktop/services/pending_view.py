"""A roster user as the operator should see it: the server's plates, with the
outbox's queued and refused changes laid over them.

A plate waiting to be added appears at once (ADDING); a plate waiting to be
removed stays, marked REMOVING; a refused change shows as failed, with the
server's reason in ``note``. The roster store never sees any of this: it keeps
the server's plates only.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from spkey_desktop.store.outbox import AddPlate, EntryState, OutboxEntry, RemovePlate
from spkey_desktop.store.roster import PlateState, RosterPlate, RosterUser


def overlay(user: RosterUser, entries: Iterable[OutboxEntry]) -> RosterUser:
    """``user`` with their outbox ``entries`` (in sending order) applied."""
    plates = {p.plate: p for p in user.plates}
    touched = False
    for entry in entries:
        change = entry.change
        failed = entry.state is EntryState.FAILED
        shown = plates.get(getattr(change, "plate", ""))
        if isinstance(change, AddPlate):
            if shown is not None and shown.state is PlateState.SAVED:
                continue  # the server has it already: nothing to show
            state = PlateState.ADD_FAILED if failed else PlateState.ADDING
            plates[change.plate] = RosterPlate(
                change.plate, change.label, None, state, entry.last_error
            )
            touched = True
        elif isinstance(change, RemovePlate) and shown is not None:
            state = PlateState.REMOVE_FAILED if failed else PlateState.REMOVING
            plates[change.plate] = replace(shown, state=state, note=entry.last_error)
            touched = True
    return replace(user, plates=tuple(plates.values())) if touched else user


def overlay_all(
    users: Iterable[RosterUser], entries: Iterable[OutboxEntry]
) -> list[RosterUser]:
    """Many users at once, from one pass over the outbox."""
    by_user: dict[str, list[OutboxEntry]] = {}
    for entry in entries:
        by_user.setdefault(entry.user_id, []).append(entry)
    return [overlay(user, by_user.get(user.user_id, ())) for user in users]
