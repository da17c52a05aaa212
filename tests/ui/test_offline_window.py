"""The window while the server is away: plates added show at once as pending,
the status bar counts them, the Pending changes dialog manages them, and they
go out when the server is back. Real widgets, real server, real SQLite."""

from __future__ import annotations

import gc
import logging

import pytest
from PySide6.QtCore import Qt

from spkey_desktop.store.outbox import AddPlate, EntryState
from spkey_desktop.store.roster import PlateState
from spkey_desktop.ui.add_plate_dialog import AddPlateDialog
from spkey_desktop.ui.models import PlateColumn
from spkey_desktop.ui.pending_changes import PendingChangesDialog
from tests.helpers.window_fixtures import click_message_box_button, find_top_level


def shown_plates(window) -> dict[str, PlateState]:
    model = window.panel.plates_model
    return {
        model.plate_at(r).plate: model.plate_at(r).state
        for r in range(model.rowCount())
    }


def added_column(window, plate: str) -> str:
    model = window.panel.plates_model
    return model.data(model.index(model.row_of(plate), PlateColumn.ADDED))


def add_through_dialog(qtbot, window_env, plate: str) -> None:
    window_env.window.add_action.trigger()
    qtbot.waitUntil(lambda: find_top_level(AddPlateDialog) is not None)
    dialog = find_top_level(AddPlateDialog)
    qtbot.keyClicks(dialog.plate_edit, plate)
    qtbot.keyClick(dialog.plate_edit, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: find_top_level(AddPlateDialog) is None, timeout=10000)


def test_a_plate_added_offline_shows_pending_and_goes_out_when_back(
    qtbot, window_env
) -> None:
    window = window_env.window
    server = window_env.server
    zoe = window_env.users["zoe"]
    window_env.select(qtbot, "zoe")
    server.stop()

    add_through_dialog(qtbot, window_env, "gd 4711")

    assert "queued" in window.statusBar().currentMessage()
    assert shown_plates(window) == {"GD4711": PlateState.ADDING}
    assert added_column(window, "GD4711") == "pending"
    qtbot.waitUntil(lambda: window.reachability_label.text() == "offline · 1 pending")
    # The second one is queued at once: the window already knows it is offline.
    add_through_dialog(qtbot, window_env, "gd 4712")
    qtbot.waitUntil(lambda: window.reachability_label.text() == "offline · 2 pending")

    server.start()
    window.refresh_action.trigger()  # F5: the refresh finds the server back

    qtbot.waitUntil(
        lambda: server.plates_of(zoe) == ["GD4711", "GD4712"], timeout=10000
    )
    qtbot.waitUntil(
        lambda: (
            shown_plates(window)
            == {"GD4711": PlateState.SAVED, "GD4712": PlateState.SAVED}
        )
    )
    qtbot.waitUntil(lambda: window.reachability_label.text() == "online")


def test_removing_offline_marks_the_plate_until_it_is_gone(qtbot, window_env) -> None:
    window = window_env.window
    bob = window_env.users["bob"]
    window_env.select(qtbot, "bob")
    model = window.panel.plates_model
    window.panel.plates_view.setCurrentIndex(model.index(model.row_of("KR5S100"), 0))
    window_env.server.stop()

    window.remove_action.trigger()
    click_message_box_button(qtbot, "Yes")()

    qtbot.waitUntil(lambda: shown_plates(window).get("KR5S100") is PlateState.REMOVING)
    assert added_column(window, "KR5S100") == "removal pending"
    window_env.server.start()
    window_env.service.sender.wake()
    qtbot.waitUntil(lambda: "KR5S100" not in shown_plates(window), timeout=10000)
    assert window_env.server.plates_of(bob) == ["PO0A123"]


def test_the_pending_changes_dialog_cancels_retries_and_discards(
    qtbot, window_env
) -> None:
    window = window_env.window
    sender = window_env.service.sender
    zoe = window_env.users["zoe"]
    window_env.select(qtbot, "zoe")
    (refused,) = sender.enqueue_many([AddPlate(zoe, "--")])
    qtbot.waitUntil(lambda: window.reachability_label.text() == "online · 1 failed")
    assert shown_plates(window) == {"--": PlateState.ADD_FAILED}
    window_env.server.stop()
    (waiting,) = sender.enqueue_many([AddPlate(zoe, "Q1")])
    qtbot.waitUntil(
        lambda: window.reachability_label.text() == "offline · 1 pending · 1 failed"
    )

    window.pending_action.trigger()
    dialog = find_top_level(PendingChangesDialog)
    assert dialog is not None
    assert dialog.model.rowCount() == 2

    dialog.select(refused.entry_id)
    assert dialog.retry_button.isEnabled()
    assert dialog.discard_button.isEnabled()
    assert not dialog.cancel_change_button.isEnabled()
    dialog.select(waiting.entry_id)
    assert dialog.cancel_change_button.isEnabled()
    assert not dialog.retry_button.isEnabled()

    dialog.cancel_change_button.click()
    assert window_env.service.sender.outbox.get(waiting.entry_id) is None
    qtbot.waitUntil(lambda: "Q1" not in shown_plates(window))

    dialog.select(refused.entry_id)
    dialog.retry_button.click()
    entry = sender.outbox.get(refused.entry_id)
    assert entry.state is EntryState.PENDING
    window_env.server.start()
    sender.wake()
    qtbot.waitUntil(
        lambda: sender.outbox.get(refused.entry_id).state is EntryState.FAILED
    )
    # The list follows the outbox within a quarter of a second.
    qtbot.waitUntil(lambda: dialog.model.entry_at(0).state is EntryState.FAILED)
    assert dialog.model.rowCount() == 1
    dialog.select(refused.entry_id)
    dialog.discard_button.click()
    assert dialog.model.rowCount() == 0
    qtbot.waitUntil(lambda: shown_plates(window) == {})
    qtbot.waitUntil(lambda: window.reachability_label.text() == "online")
    dialog.close()


def test_closing_the_window_while_sending_keeps_every_change(
    qtbot, window_env, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="asyncio")
    sender = window_env.service.sender
    window_env.server.set_latency(1500)
    users = list(window_env.users.values())
    sender.enqueue_many(
        [AddPlate(u, f"CL{n}{k}") for n, u in enumerate(users) for k in range(4)]
    )
    qtbot.waitUntil(lambda: sender.status().counts.sending == 3)

    # What the session does when the window closes.
    window_env.run(qtbot, window_env.window.shutdown())
    window_env.run(qtbot, window_env.service.aclose())
    gc.collect()

    entries = sender.outbox.entries()
    assert len(entries) == 12  # none answered within 1.5 s: all still queued
    assert {e.state for e in entries} == {EntryState.PENDING}
    assert not [r for r in caplog.records if "destroyed" in r.getMessage()]
