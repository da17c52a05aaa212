"""File → Connections…: add, edit, rename and remove profiles with clear errors."""

from __future__ import annotations

from spkey_desktop.settings import ConnectionProfile, Settings
from spkey_desktop.ui.connections_dialog import NEW_PROFILE, ConnectionsDialog

SITE = ConnectionProfile("Site A", "https://spkey.example.net", "api_key")
LOCAL = ConnectionProfile("Local", "http://127.0.0.1:8787", "both")


def make(qtbot, settings: Settings, current: str | None = None) -> ConnectionsDialog:
    dialog = ConnectionsDialog(settings, current)
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


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
