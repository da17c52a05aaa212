"""A main window wired to the real local server over loopback, for pytest-qt tests.

Nothing is mocked: the window talks through the real SpkeyClient and
RosterService to a LocalServer on 127.0.0.1, with a real SQLite roster in a
temporary folder. Only the credentials prompt is replaced by a recorder, since
the window receives it as a constructor argument (what it would open is tested
separately in test_credentials_dialog.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from spkey_desktop.api.auth import Credentials
from spkey_desktop.api.client import SpkeyClient
from spkey_desktop.api.errors import ApiError
from spkey_desktop.server import LocalServer, Organization
from spkey_desktop.services.active_credentials import ActiveCredentials
from spkey_desktop.services.roster_service import RosterService
from spkey_desktop.store.outbox import Outbox
from spkey_desktop.store.roster import RosterStore, RosterUser
from spkey_desktop.ui.main_window import ConnectionInfo, MainWindow

T = TypeVar("T")
W = TypeVar("W", bound=QWidget)


@dataclass
class WindowEnv:
    window: MainWindow
    server: LocalServer
    org: Organization
    service: RosterService
    credentials: ActiveCredentials
    users: dict[str, str]  # short name -> user id
    rejected: list[ApiError] = field(default_factory=list)
    accept_new_credentials: Credentials | None = None

    def run(self, qtbot: QtBot, awaitable: Awaitable[T], timeout: int = 10000) -> T:
        """Run a coroutine on the qasync loop while Qt keeps processing events."""
        task = asyncio.ensure_future(awaitable)
        qtbot.waitUntil(task.done, timeout=timeout)
        return task.result()

    def refresh(self, qtbot: QtBot) -> None:
        task = self.window.refresh_now()
        qtbot.waitUntil(task.done, timeout=15000)

    def select(self, qtbot: QtBot, short_name: str) -> RosterUser:
        window = self.window
        row = window.panel.roster_model.row_of(self.users[short_name])
        assert row is not None
        index = window.panel.proxy.mapFromSource(
            window.panel.roster_model.index(row, 0)
        )
        window.panel.users_view.setCurrentIndex(index)
        user = window.panel.selected_user()
        assert user is not None
        return user


def find_top_level(kind: type[W]) -> W | None:
    for widget in QApplication.topLevelWidgets():
        if isinstance(widget, kind) and widget.isVisible():
            return widget
    return None


@pytest.fixture
def window_env(
    qtbot: QtBot,
    qasync_loop: asyncio.AbstractEventLoop,
    local_server: LocalServer,
    tmp_path: Path,
) -> Iterator[WindowEnv]:
    org = local_server.organizations[0]
    users = {
        "anna": local_server.create_user(
            org.org_id,
            email="anna@example.com",
            phone="+48600100200",
            first_name="Anna",
            last_name="Kowalska",
        ),
        "bob": local_server.create_user(
            org.org_id, email="bob@example.com", first_name="Bob", last_name="Brown"
        ),
        "zoe": local_server.create_user(
            org.org_id, email="zoe@example.com", first_name="Zoë", last_name="Zając"
        ),
    }
    local_server.add_plate(users["anna"], "WX12345", "Company car")
    local_server.add_plate(users["bob"], "PO0A123", "")
    local_server.add_plate(users["bob"], "KR5S100", "Van")

    credentials = ActiveCredentials()
    credentials.set(Credentials(api_key=org.api_key))
    client = SpkeyClient(local_server.base_url, credentials)
    store = RosterStore(tmp_path / "roster.sqlite3")
    outbox = Outbox(tmp_path / "roster.sqlite3")
    service = RosterService(client, store, outbox)
    service.start()
    env_holder: list[WindowEnv] = []

    async def on_rejected(error: ApiError) -> bool:
        env = env_holder[0]
        env.rejected.append(error)
        if env.accept_new_credentials is None:
            return False
        credentials.set(env.accept_new_credentials)
        return True

    window = MainWindow(
        service,
        ConnectionInfo("Test", local_server.base_url),
        on_credentials_rejected=on_rejected,
    )
    qtbot.addWidget(window)
    env = WindowEnv(window, local_server, org, service, credentials, users)
    env_holder.append(env)
    roster = [RosterUser(user_id) for user_id in users.values()]
    store.save_many(roster)
    window.show_roster(roster)
    window.show()
    env.refresh(qtbot)

    yield env

    window.close()
    env.run(qtbot, service.aclose())
    env.run(qtbot, client.aclose())
    outbox.close()
    store.close()


def click_message_box_button(qtbot: QtBot, text: str) -> Callable[[], None]:
    """Returns a waiter that clicks the button named ``text`` on the open box."""
    from PySide6.QtWidgets import QMessageBox

    def click() -> None:
        box: Any = None

        def box_open() -> bool:
            nonlocal box
            box = find_top_level(QMessageBox)
            return box is not None

        qtbot.waitUntil(box_open)
        for button in box.buttons():
            if button.text().replace("&", "") == text:
                button.click()
                return
        raise AssertionError(f"no button {text!r} on the message box")

    return click
