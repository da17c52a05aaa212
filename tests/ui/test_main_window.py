"""The main window against the real local server: refresh, search, selection,
removing plates, keyboard access."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from spkey_desktop.ui.add_plate_dialog import AddPlateDialog
from spkey_desktop.ui.models import RECORD_ROLE, RosterColumn
from tests.helpers.window_fixtures import click_message_box_button, find_top_level


def shown_user_ids(env) -> set[str]:
    proxy = env.window.panel.proxy
    return {
        proxy.data(proxy.index(row, 0), RECORD_ROLE).user_id
        for row in range(proxy.rowCount())
    }


def test_refresh_fills_profiles_and_plates_from_the_server(window_env) -> None:
    model = window_env.window.panel.roster_model
    anna = model.user(window_env.users["anna"])
    assert anna is not None
    assert anna.display_name == "Anna Kowalska"
    assert [p.plate for p in anna.plates] == ["WX12345"]
    assert anna.plates[0].label == "Company car"
    assert anna.fetched_at is not None
    assert window_env.window.reachability_label.text() == "online"


def test_selecting_a_user_shows_their_plates(qtbot, window_env) -> None:
    window_env.select(qtbot, "bob")
    plates = window_env.window.panel.plates_model
    shown = {plates.plate_at(row).plate for row in range(plates.rowCount())}
    assert shown == {"PO0A123", "KR5S100"}
    assert "Bob Brown" in window_env.window.panel.user_heading.text()


def test_search_box_filters_as_you_type(qtbot, window_env) -> None:
    window = window_env.window
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.panel.search_edit.hasFocus()

    qtbot.keyClicks(window.panel.search_edit, "kr 5s")
    assert shown_user_ids(window_env) == {window_env.users["bob"]}

    window.panel.search_edit.clear()
    # QTest types ASCII only; a pasted name with diacritics goes in as text.
    window.panel.search_edit.insert("Zoë")
    assert shown_user_ids(window_env) == {window_env.users["zoe"]}

    window.panel.search_edit.clear()
    assert len(shown_user_ids(window_env)) == 3


def test_selection_follows_the_user_across_resort_and_refresh(qtbot, window_env):
    window = window_env.window
    window_env.select(qtbot, "zoe")
    window.panel.users_view.sortByColumn(
        RosterColumn.NAME, Qt.SortOrder.DescendingOrder
    )
    assert window.panel.selected_user().user_id == window_env.users["zoe"]

    window_env.server.add_plate(window_env.users["anna"], "NEW1")
    window_env.refresh(qtbot)
    assert window.panel.selected_user().user_id == window_env.users["zoe"]


def test_a_refresh_picks_up_changes_made_elsewhere(qtbot, window_env) -> None:
    window_env.select(qtbot, "anna")
    window_env.server.add_plate(window_env.users["anna"], "GD 777")
    window_env.refresh(qtbot)
    plates = window_env.window.panel.plates_model
    shown = {plates.plate_at(row).plate for row in range(plates.rowCount())}
    assert shown == {"WX12345", "GD777"}


def test_remove_plate_asks_first_then_removes_on_the_server(qtbot, window_env):
    window = window_env.window
    window_env.select(qtbot, "bob")
    window.panel.plates_view.setCurrentIndex(
        window.panel.plates_model.index(window.panel.plates_model.row_of("KR5S100"), 0)
    )

    window.remove_action.trigger()
    click_message_box_button(qtbot, "Yes")()

    bob_id = window_env.users["bob"]
    qtbot.waitUntil(lambda: "KR5S100" not in window_env.server.plates_of(bob_id))
    qtbot.waitUntil(lambda: window.panel.plates_model.row_of("KR5S100") is None)
    assert window_env.server.plates_of(bob_id) == ["PO0A123"]


def test_remove_plate_answered_no_keeps_it(qtbot, window_env) -> None:
    window = window_env.window
    window_env.select(qtbot, "anna")
    window.panel.plates_view.setCurrentIndex(window.panel.plates_model.index(0, 0))
    version = window_env.server.user_version(window_env.users["anna"])

    window.remove_action.trigger()
    click_message_box_button(qtbot, "No")()

    qtbot.waitUntil(lambda: not window._tasks)
    assert window_env.server.plates_of(window_env.users["anna"]) == ["WX12345"]
    assert window_env.server.user_version(window_env.users["anna"]) == version


def test_ctrl_n_opens_the_add_plate_dialog_for_the_selected_user(qtbot, window_env):
    window = window_env.window
    window_env.select(qtbot, "zoe")
    window.activateWindow()
    qtbot.keyClick(
        window.panel.users_view, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier
    )
    qtbot.waitUntil(lambda: find_top_level(AddPlateDialog) is not None)
    dialog = find_top_level(AddPlateDialog)
    assert "Zoë Zając" in dialog.windowTitle()
    # The plate field is where typing goes once the dialog window is active.
    assert dialog.focusWidget() is dialog.plate_edit
    dialog.reject()


def test_copy_plate_puts_it_on_the_clipboard(qtbot, window_env) -> None:
    window = window_env.window
    window_env.select(qtbot, "anna")
    window.panel.plates_view.setCurrentIndex(window.panel.plates_model.index(0, 0))
    window.copy_action.trigger()
    assert QApplication.clipboard().text() == "WX12345"


def test_every_control_has_an_accessible_name(window_env) -> None:
    window = window_env.window
    for widget in (
        window.panel.search_edit,
        window.panel.users_view,
        window.panel.plates_view,
    ):
        assert widget.accessibleName(), widget.objectName()
    for button in (
        window.panel.add_button,
        window.panel.remove_button,
        window.panel.copy_button,
    ):
        assert button.text().replace("&", "")


def test_a_rejected_key_asks_for_credentials_and_retries(qtbot, window_env) -> None:
    from spkey_desktop.api.auth import Credentials

    good = window_env.credentials()
    window_env.credentials.set(Credentials(api_key="A" * 40))
    window_env.accept_new_credentials = good
    window_env.refresh(qtbot)

    qtbot.waitUntil(lambda: len(window_env.rejected) == 1)
    assert window_env.rejected[0].status == 401
    # After new credentials were "saved", the refresh ran again and succeeded.
    qtbot.waitUntil(lambda: window_env.window.reachability_label.text() == "online")


def _unnamed_focusable(root) -> list[str]:
    from PySide6.QtWidgets import QAbstractButton, QWidget

    unnamed = []
    for widget in root.findChildren(QWidget):
        takes_tab = bool(widget.focusPolicy() & Qt.FocusPolicy.TabFocus)
        if not takes_tab or not widget.isVisibleTo(root):
            continue
        named = widget.accessibleName() or (
            isinstance(widget, QAbstractButton) and widget.text().replace("&", "")
        )
        if not named:
            unnamed.append(f"{type(widget).__name__} {widget.objectName()!r}")
    return unnamed


def test_every_tab_stop_in_the_window_is_named(window_env) -> None:
    assert _unnamed_focusable(window_env.window) == []


def test_every_tab_stop_in_the_add_plate_dialog_is_named(qtbot, window_env) -> None:
    window_env.select(qtbot, "anna")
    window_env.window.add_action.trigger()
    qtbot.waitUntil(lambda: find_top_level(AddPlateDialog) is not None)
    dialog = find_top_level(AddPlateDialog)
    assert _unnamed_focusable(dialog) == []
    dialog.reject()
