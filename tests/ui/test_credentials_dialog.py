"""Credentials entered in the app land in the real Secret Service and nowhere else;
without a keychain the app says so and offers this session only."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import keyring.backends.fail
import pytest

from spkey_desktop.credentials import (
    SERVICE_NAME,
    CredentialStore,
    SessionCredentialStore,
    entry_name,
)
from spkey_desktop.services.active_credentials import ActiveCredentials
from spkey_desktop.ui.credentials_dialog import CredentialsDialog

API_KEY = "Zq8vKEYFROMTHEDIALOG0123456789abcdefGHIJ"
TOKEN = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJkaWFsb2ctdGVzdCJ9." + "t" * 1500


def _user_folders(tmp_path: Path) -> list[Path]:
    names = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME")
    folders = [Path(os.environ[name]) for name in names if os.environ.get(name)]
    return [*folders, tmp_path]


def make_dialog(qtbot, keychain, profile: str, session=None, active=None):
    dialog = CredentialsDialog(
        profile,
        ("api_key", "jwt"),
        keychain,
        session or SessionCredentialStore(),
        active or ActiveCredentials(),
        reason="The server did not accept the API key.",
    )
    qtbot.addWidget(dialog)
    dialog.show()
    return dialog


@pytest.mark.keychain
def test_saved_credentials_are_in_the_secret_service_and_not_on_disk(
    qtbot, qasync_loop, credential_store, profile_name, tmp_path
) -> None:
    active = ActiveCredentials()
    dialog = make_dialog(qtbot, credential_store, profile_name, active=active)
    assert "did not accept" in dialog.reason_label.text()
    assert not dialog.save_button.isEnabled()

    dialog.edits["api_key"].setText(API_KEY)
    dialog.edits["jwt"].setText(TOKEN)
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.saved)

    entry = entry_name(profile_name, "api_key")
    found = subprocess.run(
        ["secret-tool", "lookup", "service", SERVICE_NAME, "username", entry],
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout == API_KEY
    assert credential_store.load(profile_name, "jwt") == TOKEN
    # Nothing readable anywhere a file could have gone: the per-user folders of
    # this test session (the keyring's own file there is encrypted) and tmp.
    for folder in _user_folders(tmp_path):
        for path in folder.rglob("*"):
            if path.is_file():
                data = path.read_bytes()
                assert API_KEY.encode() not in data, path
                assert TOKEN[-200:].encode() not in data, path
    assert active().api_key == API_KEY
    assert active().token == TOKEN
    assert (
        dialog.edits["api_key"].echoMode() == dialog.edits["api_key"].EchoMode.Password
    )


def test_without_a_keychain_the_dialog_offers_this_session_only(
    qtbot, qasync_loop
) -> None:
    no_keychain = CredentialStore(keyring.backends.fail.Keyring())
    session = SessionCredentialStore()
    active = ActiveCredentials()
    dialog = make_dialog(qtbot, no_keychain, "Site", session=session, active=active)
    dialog.edits["api_key"].setText(API_KEY)
    dialog.edits["jwt"].setText(TOKEN)

    dialog.save_button.click()
    qtbot.waitUntil(dialog.session_button.isVisible)
    message = dialog.message_label.text()
    assert "keychain" in message.lower()
    assert "session" in message.lower()
    assert API_KEY not in message
    assert not dialog.saved
    assert dialog.edits["api_key"].text() == API_KEY  # nothing typed is lost

    dialog.session_button.click()
    qtbot.waitUntil(lambda: dialog.saved)
    assert session.load("Site", "api_key") == API_KEY
    assert active().api_key == API_KEY


def test_a_pasted_key_is_cleaned_and_an_unsendable_one_refused(
    qtbot, qasync_loop
) -> None:
    session = SessionCredentialStore()
    active = ActiveCredentials()
    dialog = CredentialsDialog(
        "Site", ("api_key",), session, SessionCredentialStore(), active
    )
    qtbot.addWidget(dialog)
    dialog.show()

    dialog.edits["api_key"].setText("short key")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.message_label.text() not in ("", "Saving…"))
    assert not dialog.saved
    assert "short key" not in dialog.message_label.text()

    dialog.edits["api_key"].setText("\ufeff" + API_KEY + "\r\n")
    dialog.save_button.click()
    qtbot.waitUntil(lambda: dialog.saved)
    assert session.load("Site", "api_key") == API_KEY
    assert active().api_key == API_KEY
