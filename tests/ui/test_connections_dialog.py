"""File → Connections…: add, edit, rename and remove profiles with clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from spkey_desktop.paths import AppPaths
from spkey_desktop.settings import ConnectionProfile, Settings
from spkey_desktop.store.outbox import AddPlate, Outbox, RemovePlate
from spkey_desktop.store.profile_data import local_data
from spkey_desktop.store.roster import RosterStore, RosterUser
from spkey_desktop.ui.connections_dialog import NEW_PROFILE, ConnectionsDialog

SITE = ConnectionProfile("Site A", "https://spkey.example.net", "api_key")
LOCAL = ConnectionProfile("Local", "http://127.0.0.1:8787", "both")


def make(
    qtbot, settings: Settings, current: str | None = None, paths: AppPaths | None = None
) -> ConnectionsDialog:
    dialog = ConnectionsDialog(
        settings,
        current,
        local_data=None if paths is None else (lambda name: local_data(paths, name)),
    )
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


@pytest.fixture
def paths(tmp_path: Path) -> AppPaths:
    return AppPaths.under(tmp_path / "home").ensure()


def fill(paths: AppPaths, name: str, *, unsent: int) -> Path:
    """A roster of one user for profile ``name``, ``unsent`` changes queued."""
    database = paths.roster_file(name)
    store = RosterStore(database)
    store.save_many([RosterUser("u-anna")])
    store.close()
    outbox = Outbox(database)
    changes = [AddPlate("u-anna", "WX12345"), RemovePlate("u-anna", "KR5S100")]
    outbox.enqueue_many(changes[:unsent])
    outbox.close()
    return database


def answer(qtbot, dialog: ConnectionsDialog, button: str) -> str:
    """Click ``button`` on the dialog's question; returns what it said."""
    qtbot.waitUntil(lambda: dialog.question is not None and dialog.question.isVisible())
    box = dialog.question
    assert box is not None
    said = f"{box.text()}\n{box.informativeText()}"
    labels = [b.text().replace("&", "") for b in box.buttons()]
    assert button in labels, labels
    box.buttons()[labels.index(button)].click()
    qtbot.waitUntil(lambda: dialog.question is None)
    return said


def test_first_run_offers_production_as_the_preset(qtbot) -> None:
    dialog = make(qtbot, Settings())
    assert dialog.profile_combo.currentText() == NEW_PROFILE
    assert dialog.name_edit.text() == "Production"
    assert dialog.url_combo.currentText() == "https://api.spkey.co"
    assert not dialog.remove_button.isEnabled()

    dialog.connect_button.click()

    assert dialog.chosen == ConnectionProfile(
        "Production", "https://api.spkey.co", "api_key"
    )
    assert dialog.result_settings.active_profile == "Production"


def test_plain_http_to_another_host_is_refused_with_a_reason(qtbot) -> None:
    dialog = make(qtbot, Settings())
    dialog.name_edit.setText("Staging")
    dialog.url_combo.setEditText("http://spkey.example.net")

    dialog.connect_button.click()

    assert dialog.chosen is None
    assert dialog.isVisible()
    assert "http://" in dialog.message_label.text()
    assert dialog.url_combo.currentText() == "http://spkey.example.net"


def test_editing_and_renaming_a_profile(qtbot) -> None:
    settings = Settings(profiles=(SITE, LOCAL), active_profile="Site A")
    dialog = make(qtbot, settings, current="Local")
    assert dialog.url_combo.currentText() == LOCAL.base_url
    assert dialog.auth_combo.currentData() == "both"

    dialog.name_edit.setText("Local server")
    dialog.auth_combo.setCurrentIndex(dialog.auth_combo.findData("api_key"))
    dialog.connect_button.click()

    result = dialog.result_settings
    assert [p.name for p in result.profiles] == ["Site A", "Local server"]
    assert result.profile("Local server").auth == "api_key"
    assert result.active_profile == "Local server"


def test_removing_a_profile(qtbot) -> None:
    settings = Settings(profiles=(SITE, LOCAL), active_profile="Site A")
    dialog = make(qtbot, settings, current="Site A")
    dialog.remove_button.click()
    assert [p.name for p in dialog.result_settings.profiles] == ["Local"]
    assert dialog.result_settings.active_profile is None
    assert dialog.profile_combo.findData("Site A") == -1


def test_removing_a_profile_with_unsent_changes_asks_and_can_keep_it(
    qtbot, paths: AppPaths
) -> None:
    database = fill(paths, "Site A", unsent=2)
    settings = Settings(profiles=(SITE, LOCAL), active_profile="Site A")
    dialog = make(qtbot, settings, current="Site A", paths=paths)

    dialog.remove_button.click()
    said = answer(qtbot, dialog, "Keep the profile")

    assert (
        "Profile 'Site A' has 2 changes not yet sent to the server "
        "(add WX12345 and remove KR5S100)."
    ) in said
    assert "View → Pending changes" in said
    assert dialog.result_settings is None
    assert dialog.cleared == []
    assert dialog.profile_combo.currentData() == "Site A"
    assert len(local_data(paths, "Site A").unsent) == 2
    assert database.exists()


def test_removing_a_profile_with_unsent_changes_after_saying_so(
    qtbot, paths: AppPaths
) -> None:
    fill(paths, "Site A", unsent=1)
    settings = Settings(profiles=(SITE, LOCAL), active_profile="Site A")
    dialog = make(qtbot, settings, current="Site A", paths=paths)

    dialog.remove_button.click()
    said = answer(qtbot, dialog, "Remove and discard")

    assert "1 change not yet sent to the server (add WX12345)" in said
    assert [p.name for p in dialog.result_settings.profiles] == ["Local"]
    # The window session deletes the file and the secrets once it is closed.
    assert dialog.cleared == ["Site A"]
    assert dialog.profile_combo.findData("Site A") == -1


def test_removing_a_profile_with_nothing_unsent_asks_nothing(
    qtbot, paths: AppPaths
) -> None:
    fill(paths, "Site A", unsent=0)
    settings = Settings(profiles=(SITE, LOCAL), active_profile="Site A")
    dialog = make(qtbot, settings, current="Site A", paths=paths)

    dialog.remove_button.click()

    assert dialog.question is None
    assert dialog.cleared == ["Site A"]
    assert [p.name for p in dialog.result_settings.profiles] == ["Local"]


def test_a_renamed_profile_takes_its_file_along(qtbot, paths: AppPaths) -> None:
    fill(paths, "Local", unsent=2)
    settings = Settings(profiles=(SITE, LOCAL), active_profile="Site A")
    dialog = make(qtbot, settings, current="Local", paths=paths)

    dialog.name_edit.setText("Local server")
    dialog.connect_button.click()

    # Its own unsent changes go with it: nothing to ask.
    assert dialog.question is None
    assert dialog.renamed == ("Local", "Local server")
    assert dialog.cleared == ["Local server"]
    assert dialog.chosen.name == "Local server"


def test_a_new_profile_asks_before_discarding_what_its_name_left(
    qtbot, paths: AppPaths
) -> None:
    fill(paths, "Production", unsent=1)
    dialog = make(qtbot, Settings(), paths=paths)
    assert dialog.name_edit.text() == "Production"

    dialog.connect_button.click()
    said = answer(qtbot, dialog, "Cancel")

    assert "An earlier profile named 'Production' left 1 change" in said
    assert dialog.chosen is None
    assert dialog.isVisible()
    assert dialog.cleared == []

    dialog.connect_button.click()
    answer(qtbot, dialog, "Discard them and save")

    assert dialog.chosen.name == "Production"
    assert dialog.cleared == ["Production"]


def test_a_name_another_profile_has_is_refused(qtbot) -> None:
    settings = Settings(profiles=(SITE, LOCAL), active_profile="Site A")
    dialog = make(qtbot, settings, current="Local")

    dialog.name_edit.setText("Site A")
    dialog.connect_button.click()

    assert dialog.chosen is None
    assert "A profile named 'Site A' exists already" in dialog.message_label.text()
    assert dialog.renamed is None
