"""Showing the saved roster as it loads: first rows at once, the rest in batches.

The loader reads and indexes in an executor; each batch reaches the roster
model in one insert, so the sorted, filtered view takes it in one pass, and
the window stays responsive however large the roster. The first row is
selected as soon as there is one. Once everything is read, the plate index
the loader built replaces the panel's, brought up to date with whatever the
window changed meanwhile (a user looked up, a plate added).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable

from spkey_desktop.plates import Collision
from spkey_desktop.services.plate_check import RosterPlateIndex
from spkey_desktop.services.roster_loading import RosterLoader
from spkey_desktop.store.roster import RosterUser
from spkey_desktop.ui.main_window import MainWindow
from spkey_desktop.ui.models import format_age
from spkey_desktop.ui.roster_panel import RosterPanel


async def load_roster_into(
    panel: RosterPanel,
    loader: RosterLoader,
    on_batch: Callable[[int], None] | None = None,
) -> int:
    """Show the loader's users in ``panel`` batch by batch; returns how many."""
    loop = asyncio.get_running_loop()
    watched = _Watched(panel.plate_index)
    panel.plate_index = watched
    count = 0
    try:
        while batch := await loop.run_in_executor(None, loader.next_batch):
            panel.roster_model.append_users(batch, update_known=False)
            if count == 0:
                panel.select_user(None)
            count += len(batch)
            if on_batch is not None:
                on_batch(count)
    finally:
        panel.plate_index = watched.inner
    _adopt_index(panel, loader, watched.touched)
    return count


class _Watched(RosterPlateIndex):
    """The panel's index while the roster loads, noting whom the window
    changed (None: everyone, after a reset)."""

    def __init__(self, inner: RosterPlateIndex) -> None:
        self.inner = inner
        self.touched: set[str] | None = set()

    def reset(self, users: Iterable[RosterUser]) -> None:
        self.touched = None
        self.inner.reset(users)

    def replace(self, old: RosterUser | None, new: RosterUser | None) -> None:
        if self.touched is not None:
            self.touched.update(u.user_id for u in (old, new) if u is not None)
        self.inner.replace(old, new)

    def check(self, plate: str, user_id: str) -> tuple[Collision, ...]:
        # TODO(#5): until the load ends, a plate added in the add-plate dialog
        # is checked against the index as it was before (empty at start): the
        # loader's index is being built in a worker thread and cannot be read.
        return self.inner.check(plate, user_id)


def _adopt_index(
    panel: RosterPanel, loader: RosterLoader, touched: set[str] | None
) -> None:
    """Hand the loader's index to the panel, with the window's own changes."""
    index = loader.index
    model = panel.roster_model
    if touched is None:  # the roster was replaced meanwhile: compare everyone
        touched = set(loader.loaded) | {u.user_id for u in model.users()}
    for user_id in touched:
        index.replace(loader.loaded.get(user_id), model.user(user_id))
    loader.loaded.clear()
    panel.plate_index = index


async def show_saved_roster(window: MainWindow, loader: RosterLoader) -> int:
    """The saved roster in ``window``, with its progress and age in the status
    bar; returns the number of users."""
    bar = window.statusBar()
    bar.showMessage("Loading the saved roster…")
    count = await load_roster_into(
        window.panel,
        loader,
        lambda n: bar.showMessage(f"Loading the saved roster: {n} users…"),
    )
    if loader.oldest is not None:
        bar.showMessage(
            f"Showing the saved roster from {format_age(loader.oldest)}.", 10000
        )
    else:
        bar.clearMessage()
    return count
