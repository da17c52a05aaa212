"""Looking users up: a miss never creates anyone; creating is explicit."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt

from spkey_desktop.ui.lookup_dialog import LookupDialog
from tests.helpers.window_fixtures import find_top_level


def open_lookup(qtbot, window_env) -> LookupDialog:
    window = window_env.window
    qtbot.keyClick(window, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: find_top_level(LookupDialog) is not None)
    return find_top_level(LookupDialog)


def test_a_lookup_that_finds_nobody_creates_nobody(qtbot, window_env) -> None:
    org = window_env.org.org_id
    before = window_env.server.users.count(org)
    dialog = open_lookup(qtbot, window_env)

    qtbot.keyClicks(dialog.query_edit, "nobody@example.com")
    qtbot.keyClick(dialog.query_edit, Qt.Key.Key_Return)

    qtbot.waitUntil(lambda: "Nobody" in dialog.message_label.text())
    assert dialog.create_button.isVisible()
    assert window_env.server.users.count(org) == before
    assert dialog.query_edit.text() == "nobody@example.com"
    dialog.reject()


def test_a_lookup_by_phone_adds_the_user_to_the_roster(qtbot, window_env) -> None:
    org = window_env.org.org_id
    new_id = window_env.server.create_user(
        org, phone="+48501002003", first_name="Piotr", last_name="Nowak"
    )
    window_env.server.add_plate(new_id, "WA 5555")
    dialog = open_lookup(qtbot, window_env)

    qtbot.keyClicks(dialog.query_edit, "+48 501 002 003")
    dialog.find_button.click()

    window = window_env.window
    qtbot.waitUntil(lambda: window.panel.roster_model.user(new_id) is not None)
    assert window.panel.selected_user().user_id == new_id
    assert [p.plate for p in window.panel.roster_model.user(new_id).plates] == [
        "WA5555"
    ]


def test_creating_a_user_takes_an_explicit_confirmation(qtbot, window_env) -> None:
    org = window_env.org.org_id
    before = window_env.server.users.count(org)
    dialog = open_lookup(qtbot, window_env)
    qtbot.keyClicks(dialog.query_edit, "new.driver@example.com")
    dialog.find_button.click()
    qtbot.waitUntil(dialog.create_button.isVisible)

    dialog.create_button.click()  # shows the name fields, creates nothing yet
    assert window_env.server.users.count(org) == before
    qtbot.keyClicks(dialog.first_name_edit, "New")
    qtbot.keyClicks(dialog.last_name_edit, "Driver")
    dialog.create_button.click()

    window = window_env.window
    qtbot.waitUntil(
        lambda: window_env.server.users.count(org) == before + 1,
        timeout=10000,
    )
    qtbot.waitUntil(lambda: find_top_level(LookupDialog) is None)
    # The window selects the new user once its lookup task resumes, a loop
    # turn or more after the dialog has closed.
    seeded = set(window_env.users.values())
    qtbot.waitUntil(lambda: window.panel.selected_user().user_id not in seeded)
    created = window.panel.selected_user()
    assert created.display_name == "New Driver"
    assert created.email == "new.driver@example.com"


def test_a_user_created_by_phone_is_found_by_that_phone(qtbot, window_env) -> None:
    org = window_env.org.org_id
    before = window_env.server.users.count(org)
    dialog = open_lookup(qtbot, window_env)
    qtbot.keyClicks(dialog.query_edit, "+48 511 222 333")
    dialog.find_button.click()
    qtbot.waitUntil(dialog.create_button.isVisible)
    dialog.create_button.click()
    qtbot.keyClicks(dialog.first_name_edit, "Phone")
    dialog.create_button.click()

    window = window_env.window
    qtbot.waitUntil(lambda: find_top_level(LookupDialog) is None, timeout=10000)
    seeded = set(window_env.users.values())
    qtbot.waitUntil(lambda: window.panel.selected_user().user_id not in seeded)
    created_id = window.panel.selected_user().user_id
    window_env.select(qtbot, "anna")

    # The same number again, written another way: found, not offered to create.
    window.lookup_action.trigger()
    qtbot.waitUntil(lambda: find_top_level(LookupDialog) is not None)
    again = find_top_level(LookupDialog)
    qtbot.keyClicks(again.query_edit, "0048 511 222 333")
    again.find_button.click()
    qtbot.waitUntil(
        lambda: (
            find_top_level(LookupDialog) is None
            or "Nobody" in again.message_label.text()
        ),
        timeout=10000,
    )
    message = ""
    if find_top_level(LookupDialog) is not None:
        message = again.message_label.text()
        again.reject()
    assert message == ""

    qtbot.waitUntil(lambda: window.panel.selected_user().user_id == created_id)
    assert window_env.server.users.count(org) == before + 1
    on_server = window_env.server.users.find(org, phone="+48511222333")
    assert on_server is not None
    assert on_server.user_id == created_id


def test_a_malformed_phone_number_is_explained(qtbot, window_env) -> None:
    dialog = open_lookup(qtbot, window_env)
    qtbot.keyClicks(dialog.query_edit, "501 002 003")
    dialog.find_button.click()
    qtbot.waitUntil(lambda: dialog.message_label.text() not in ("", "Looking up…"))
    assert "{" not in dialog.message_label.text()
    assert dialog.query_edit.text() == "501 002 003"
    assert not dialog.create_button.isVisible()
    dialog.reject()


def test_closing_the_dialog_while_it_waits_is_clean(qtbot, window_env, caplog) -> None:
    window_env.server.faults.fail_next(1, "stall")
    dialog = open_lookup(qtbot, window_env)
    qtbot.keyClicks(dialog.query_edit, "anna@example.com")
    dialog.find_button.click()
    qtbot.waitUntil(lambda: dialog.message_label.text() == "Looking up…")

    qtbot.keyClick(dialog, Qt.Key.Key_Escape)

    qtbot.waitUntil(lambda: find_top_level(LookupDialog) is None)
    # Let the cancelled task finish and the deleted dialog's callbacks run.
    qtbot.wait(300)
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
