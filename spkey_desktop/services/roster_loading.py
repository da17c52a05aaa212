"""The saved roster, loaded in batches off the UI thread, with its plate index.

:class:`RosterLoader` reads the roster file batch by batch (each
``next_batch`` call is meant for an executor), lays the outbox's queued
changes over each user as ``RosterService.load_roster`` does, and builds the
plate index of everything it has read, in the same worker thread: indexing
150,000 plates takes seconds, which the window must not spend. The index is
the loader's alone until it is handed over, once every batch is read.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

from spkey_desktop.services.pending_view import overlay
from spkey_desktop.services.plate_check import RosterPlateIndex
from spkey_desktop.store.outbox import OutboxEntry
from spkey_desktop.store.roster import RosterUser
from spkey_desktop.store.roster_batches import read_roster_batches


class RosterLoader:
    """Batches of the saved roster and, once read, their plate index."""

    def __init__(
        self, path: Path, entries: Iterable[OutboxEntry] = (), **sizes: int
    ) -> None:
        self._batches: Iterator[list[RosterUser]] = read_roster_batches(path, **sizes)
        self._entries: dict[str, list[OutboxEntry]] = {}
        for entry in entries:
            self._entries.setdefault(entry.user_id, []).append(entry)
        self.index = RosterPlateIndex()
        #: The users as loaded (and indexed), by id.
        self.loaded: dict[str, RosterUser] = {}
        self.oldest: datetime | None = None

    def next_batch(self) -> list[RosterUser]:
        """The next users, indexed; an empty list once all are read."""
        batch = next(self._batches, [])
        shown = [overlay(u, self._entries.get(u.user_id, ())) for u in batch]
        for user in shown:
            self.loaded[user.user_id] = user
            self.index.replace(None, user)
            fetched = user.fetched_at
            if fetched is not None and (self.oldest is None or fetched < self.oldest):
                self.oldest = fetched
        return shown
