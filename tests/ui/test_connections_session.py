"""File → Connections… in a running window: a removed profile's roster file and
keychain entries are gone, a renamed one's file follows it, and the file the
window has open is changed only once the window has moved to another profile.

The real WindowSession behind a real window (see window_fixtures), the real
Secret Service (run through .ci/test), SQLite files under a temporary home.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from spkey_desktop.app import WindowOptions
from spkey_desktop.credentials import CredentialStore
from spkey_desktop.paths import AppPaths
from spkey_desktop.settings import ConnectionProfile, Settings, SettingsStore
from spkey_desktop.store.outbox import AddPlate, Outbox
from spkey_desktop.store.profile_data import files_of, local_data
from spkey_desktop.store.roster import RosterStore, RosterUser
from spkey_desktop.ui.connections_dialog import ConnectionsDialog
from spkey_desktop.ui.credentials_dialog import CredentialsDialog
from spkey_desktop.window_session import WindowSession, roster_path
from tests.helpers.keychain_fixtures import lookup, stored_entries
from tests.helpers.window_fixtures import WindowEnv, find_top_level

pytestmark = pytest.mark.keychain

API_KEY = "Ak9" * 13 + "Z"
OTHER_KEY = "Bq7" * 13 + "Y"
URL = "http://127.0.0.1:8787"


class Setup:
    """Two profiles with their secrets and roster files, and the session."""

    def __init__(self, tmp_path: Path, names: list[str], keychain: CredentialStore):
        self.home = tmp_path / "home"
        self.paths = AppPaths.under(self.home).ensure()
        self.first, self.second = names
        profiles = tuple(ConnectionProfile(n, URL, "api_key") for n in names)
        SettingsStore(self.paths.config_dir).save(
            Settings(profiles=profiles, active_profile=self.second)
        )
        keychain.save(self.first, "api_key", API_KEY)
        keychain.save(self.second, "api_key", OTHER_KEY)
        self.session = WindowSession(
            QApplication.instance(),
            WindowOptions(self.home, False, None, None, None),
        )

    def fill(self, name: str, *, unsent: int) -> Path:
        database = self.paths.roster_file(name)
        store = RosterStore(database)
        store.save_many([RosterUser("u-anna")])
        store.close()
        outbox = Outbox(database)
        outbox.enqueue_many([AddPlate("u-anna", f"WX{n}") for n in range(unsent)])
        outbox.close()
        return database

    def settings(self) -> Settings:
        return SettingsStore(self.paths.config_dir).load().value


@pytest.fixture
def setup(tmp_path, new_profile_name, credential_store) -> Setup:
    return Setup(tmp_path, [new_profile_name(), new_profile_name()], credential_store)


def open_connections(qtbot, env: WindowEnv, setup: Setup, open_profile: str):
    """Start File → Connections… as the session does, with ``open_profile``'s
    file as the window's; returns (task, outcome, dialog)."""
    loop = asyncio.get_event_loop()
    outcome: asyncio.Future[ConnectionProfile | None] = loop.create_future()
    task = asyncio.ensure_future(
        setup.session._manage_connections(
            env.window, outcome, roster_path(setup.paths, open_profile)
        )
    )
    qtbot.waitUntil(lambda: find_top_level(ConnectionsDialog) is not None)
    dialog = find_top_level(ConnectionsDialog)
    assert dialog is not None
    return task, outcome, dialog


def pick(dialog: ConnectionsDialog, name: str) -> None:
    dialog.profile_combo.setCurrentIndex(dialog.profile_combo.findData(name))


def close(qtbot, dialog: ConnectionsDialog, task: asyncio.Future[None]) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()
    qtbot.waitUntil(task.done, timeout=10000)
    task.result()


def test_a_removed_profile_loses_its_file_and_its_secrets(
    qtbot, window_env: WindowEnv, setup: Setup
) -> None:
    gone, kept = setup.first, setup.second
    database = setup.fill(gone, unsent=1)
    setup.fill(kept, unsent=1)
    task, outcome, dialog = open_connections(qtbot, window_env, setup, kept)

    pick(dialog, gone)
    dialog.remove_button.click()
    qtbot.waitUntil(lambda: dialog.question is not None)
    assert "1 change not yet sent" in dialog.question.text()
    go = next(b for b in dialog.question.buttons() if "discard" in b.text())
    go.click()
    close(qtbot, dialog, task)

    assert files_of(database) == ()
    assert stored_entries(prefix=f"{gone}:") == {}
    assert [p.name for p in setup.settings().profiles] == [kept]
    # The open profile keeps its file, its secrets and its window.
    assert len(local_data(setup.paths, kept).unsent) == 1
    assert lookup(f"{kept}:api_key") == OTHER_KEY
    assert not outcome.done()


def test_the_open_profile_is_removed_once_the_window_has_left_it(
    qtbot, window_env: WindowEnv, setup: Setup
) -> None:
    gone, kept = setup.first, setup.second
    database = setup.fill(gone, unsent=0)
    # Held open as the window holds its profile's file.
    held = (RosterStore(database), Outbox(database))
    task, outcome, dialog = open_connections(qtbot, window_env, setup, gone)

    pick(dialog, gone)
    dialog.remove_button.click()
    assert dialog.question is None  # nothing unsent: nothing to ask
    close(qtbot, dialog, task)

    # The window moves to the active profile; the file waits until it has.
    assert outcome.done()
    assert outcome.result() == ConnectionProfile(kept, URL, "api_key")
    assert database.exists()
    assert stored_entries(prefix=f"{gone}:") == {}

    for store in held:  # the window's connection closes
        store.close()
    window_env.run(qtbot, setup.session._apply_file_changes())

    assert files_of(database) == ()
    assert setup.session._notices == []


def test_a_renamed_open_profile_keeps_its_roster_and_queue(
    qtbot, window_env: WindowEnv, setup: Setup, new_profile_name
) -> None:
    old = setup.first
    new = new_profile_name()
    database = setup.fill(old, unsent=2)
    task, outcome, dialog = open_connections(qtbot, window_env, setup, old)

    pick(dialog, old)
    dialog.name_edit.setText(new)
    dialog.connect_button.click()
    # The new name has no secrets yet: the session asks for them.
    qtbot.waitUntil(lambda: find_top_level(CredentialsDialog) is not None)
    credentials = find_top_level(CredentialsDialog)
    assert credentials is not None
    credentials.reject()
    qtbot.waitUntil(task.done, timeout=10000)
    task.result()

    assert outcome.result() == ConnectionProfile(new, URL, "api_key")
    assert database.exists()  # still the open window's

    window_env.run(qtbot, setup.session._apply_file_changes())

    assert files_of(database) == ()
    moved = local_data(setup.paths, new)
    assert [e.change for e in moved.unsent] == [
        AddPlate("u-anna", "WX0"),
        AddPlate("u-anna", "WX1"),
    ]
    assert stored_entries(prefix=f"{old}:") == {}
    assert [p.name for p in setup.settings().profiles] == [setup.second, new]
