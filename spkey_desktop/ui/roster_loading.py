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
from collections.abc import Callable

from spkey_desktop.services.roster_loading import RosterLoader
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
    count = 0
    while batch := await loop.run_in_executor(None, loader.next_batch):
        panel.roster_model.append_users(batch, update_known=False)
        if count == 0:
            panel.select_user(None)
        count += len(batch)
        if on_batch is not None:
            on_batch(count)
    _adopt_index(panel, loader)
    return count


def _adopt_index(panel: RosterPanel, loader: RosterLoader) -> None:
    """Hand the loader's index to the panel, with the window's own changes."""
    index = loader.index
    model = panel.roster_model
    for user in model.users():
        indexed = loader.loaded.get(user.user_id)
        if indexed is not user:
            index.replace(indexed, user)
    for user_id, indexed in loader.loaded.items():
        if model.row_of(user_id) is None:
            index.replace(indexed, None)  # forgotten while loading
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
