"""The add-plate dialog through real widgets, against the real local server."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from spkey_desktop.ui.add_plate_dialog import AddPlateDialog
from tests.helpers.window_fixtures import find_top_level


@pytest.fixture
def open_dialog(qtbot, window_env):
    """Open the dialog for a user of the roster, as Ctrl+N does."""

    def open_for(short_name: str) -> AddPlateDialog:
        window_env.select(qtbot, short_name)
        window_env.window.add_action.trigger()
        qtbot.waitUntil(lambda: find_top_level(AddPlateDialog) is not None)
        return find_top_level(AddPlateDialog)

    return open_for


def wait_closed(qtbot) -> None:
    """The dialog closes (and is then deleted) once the server has answered."""
    qtbot.waitUntil(lambda: find_top_level(AddPlateDialog) is None)


# (typed, shown canonical form, a phrase in the changes, a phrase in the warnings,
#  Add enabled?)
TRICKY_INPUTS = [
    ("ab–12 3", "AB123", "en dash", "", True),
    ("AB—123", "AB123", "em dash", "", True),
    ("AB−123", "AB123", "minus", "", True),
    ("AB‑123", "AB123", "hyphen", "", True),
    ("ＷＸ１２３", "WX123", "full-width", "", True),
    ("А123ВС77", "A123BC77", "Cyrillic letter", "", True),
    ("ΑΒ 123", "AB123", "Greek", "", True),
    ("AB١٢٣", "AB123", "Arabic-Indic", "", True),
    ("AB\u200b123", "AB123", "zero-width", "", True),
    ("wx 12345", "WX12345", "upper case", "already on Anna Kowalska", True),
    ("PO0A123", "PO0A123", "", "already on Bob Brown", True),
    ("P00A123", "P00A123", "", "characters cameras confuse", True),
    ("Tü 123", "TÜ123", "space", "A–Z", True),
    ("", "—", "", "", False),
    ("– · –", "—", "removed", "letters and digits", False),
]


@pytest.mark.parametrize(
    ("typed", "shown", "change", "warning", "can_add"), TRICKY_INPUTS
)
def test_preview_updates_on_every_keystroke(
    open_dialog, typed, shown, change, warning, can_add
) -> None:
    dialog = open_dialog("zoe")
    dialog.plate_edit.setText(typed)

    assert dialog.preview_label.text() == shown
    assert change.lower() in dialog.changes_label.text().lower()
    assert warning.lower() in dialog.warnings_label.text().lower()
    assert dialog.add_button.isEnabled() is can_add
    dialog.reject()


def test_confusable_warning_names_the_plate_and_its_owner(open_dialog) -> None:
    dialog = open_dialog("zoe")
    dialog.plate_edit.setText("KR55100")
    warnings = dialog.warnings_label.text()
    assert "KR5S100" in warnings
    assert "Bob Brown" in warnings
    dialog.reject()


def test_plate_already_on_this_user_cannot_be_added(qtbot, open_dialog) -> None:
    dialog = open_dialog("anna")
    qtbot.keyClicks(dialog.plate_edit, "wx-12345")
    assert dialog.preview_label.text() == "WX12345"
    assert "already" in dialog.warnings_label.text().lower()
    assert not dialog.add_button.isEnabled()
    dialog.reject()


def test_enter_adds_the_canonical_plate(qtbot, window_env, open_dialog) -> None:
    dialog = open_dialog("zoe")
    qtbot.keyClicks(dialog.plate_edit, "gd 4711")
    dialog.label_edit.setText("Visitor")
    qtbot.keyClick(dialog.plate_edit, Qt.Key.Key_Return)

    wait_closed(qtbot)
    zoe = window_env.users["zoe"]
    assert window_env.server.plates_of(zoe) == ["GD4711"]
    window = window_env.window
    qtbot.waitUntil(lambda: window.panel.plates_model.row_of("GD4711") is not None)
    row = window.panel.plates_model.row_of("GD4711")
    assert window.panel.plates_model.plate_at(row).label == "Visitor"
    assert window.panel.roster_model.user(
        zoe
    ).version == window_env.server.user_version(zoe)


def test_typed_en_dash_never_reaches_the_server(qtbot, window_env, open_dialog):
    dialog = open_dialog("zoe")
    dialog.plate_edit.setText("KR–7788")
    dialog.add_button.click()
    wait_closed(qtbot)
    assert window_env.server.plates_of(window_env.users["zoe"]) == ["KR7788"]


def test_a_server_error_keeps_the_dialog_and_the_input(
    qtbot, window_env, open_dialog
) -> None:
    dialog = open_dialog("zoe")
    dialog.plate_edit.setText("GD 4711")
    dialog.label_edit.setText("Visitor")
    window_env.server.faults.fail_next(1, 500)

    dialog.add_button.click()

    qtbot.waitUntil(lambda: dialog.error_label.isVisible())
    assert dialog.isVisible()
    assert dialog.plate_edit.text() == "GD 4711"
    assert dialog.label_edit.text() == "Visitor"
    assert "{" not in dialog.error_label.text()
    assert dialog.add_button.isEnabled()
    assert window_env.server.plates_of(window_env.users["zoe"]) == []

    # The same input, sent again once the server is well, goes through.
    dialog.add_button.click()
    wait_closed(qtbot)
    assert window_env.server.plates_of(window_env.users["zoe"]) == ["GD4711"]


def test_stop_cancels_a_slow_request_and_keeps_the_input(
    qtbot, window_env, open_dialog
) -> None:
    dialog = open_dialog("zoe")
    dialog.plate_edit.setText("GD 4711")
    window_env.server.faults.fail_next(1, "stall")

    dialog.add_button.click()
    qtbot.waitUntil(dialog.progress.isVisible)
    assert dialog.is_working()
    assert dialog.plate_edit.isReadOnly()
    dialog.cancel_button.click()

    qtbot.waitUntil(lambda: not dialog.is_working())
    assert dialog.isVisible()
    assert dialog.plate_edit.text() == "GD 4711"
    assert not dialog.plate_edit.isReadOnly()
    assert "stopped waiting" in dialog.error_label.text().lower()

    dialog.cancel_button.click()
    wait_closed(qtbot)


def test_a_rejected_key_asks_for_credentials_and_add_can_be_retried(
    qtbot, window_env, open_dialog
) -> None:
    from spkey_desktop.api.auth import Credentials

    dialog = open_dialog("zoe")
    good = window_env.credentials()
    window_env.credentials.set(Credentials(api_key="B" * 40))
    window_env.accept_new_credentials = good
    dialog.plate_edit.setText("GD 4711")

    dialog.add_button.click()
    qtbot.waitUntil(lambda: len(window_env.rejected) == 1)
    assert window_env.rejected[0].status == 401
    assert dialog.isVisible()
    assert dialog.plate_edit.text() == "GD 4711"

    dialog.add_button.click()
    wait_closed(qtbot)
    assert window_env.server.plates_of(window_env.users["zoe"]) == ["GD4711"]


def test_version_jump_reloads_the_user(qtbot, window_env, open_dialog) -> None:
    zoe = window_env.users["zoe"]
    window = window_env.window

    def add(plate: str) -> None:
        dialog = open_dialog("zoe")
        dialog.plate_edit.setText(plate)
        dialog.add_button.click()
        wait_closed(qtbot)

    add("GD 4711")
    assert window.panel.roster_model.user(
        zoe
    ).version == window_env.server.user_version(zoe)
    # Someone else adds a plate on another workstation meanwhile: the next
    # answer's version is two ahead, and the app reloads the user.
    window_env.server.add_plate(zoe, "ELSEWHERE1")
    add("GD 4712")

    qtbot.waitUntil(lambda: len(window.panel.roster_model.user(zoe).plates) == 3)
    plates = {p.plate for p in window.panel.roster_model.user(zoe).plates}
    assert plates == {"GD4711", "GD4712", "ELSEWHERE1"}


def test_a_plate_stored_in_an_unreadable_form_can_be_fixed(
    qtbot, window_env, open_dialog
) -> None:
    # An older client stored Cyrillic letters as typed; cameras read AB123.
    zoe = window_env.users["zoe"]
    window_env.server.add_plate(zoe, "АВ123")
    window_env.refresh(qtbot)
    dialog = open_dialog("zoe")
    dialog.plate_edit.setText("AB123")

    assert "stored as АВ123" in dialog.warnings_label.text()
    assert dialog.add_button.isEnabled()
    dialog.add_button.click()
    wait_closed(qtbot)
    assert sorted(window_env.server.plates_of(zoe)) == ["AB123", "АВ123"]


def test_a_long_paste_is_not_cut_short(qtbot, open_dialog) -> None:
    dialog = open_dialog("zoe")
    dialog.plate_edit.setText("\u00a0" * 30 + "\t" * 30 + "WX 12345")
    assert dialog.preview_label.text() == "WX12345"
    dialog.reject()


def test_server_text_is_shown_as_text_not_html(qtbot, window_env, open_dialog):
    from PySide6.QtCore import Qt

    dialog = open_dialog("zoe")
    assert dialog.error_label.textFormat() == Qt.TextFormat.PlainText
    dialog.reject()
