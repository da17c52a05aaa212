"""A whole session with distinctive credentials, then a search of everything the
app wrote for them.

The real WindowSession (settings, keychain, HTTP client, roster store, outbox,
logging, crash hooks, window) runs in this process with ``--home`` in a
temporary folder, against the local server behind a small loopback gateway that
can play a network outage and a server that quotes the API key it refused. The
session connects, refreshes, gets through a server fault by retrying, adds a
plate, queues one while the server is unreachable (then delivers it), meets a
401 naming the key, and shows a problem report. Every file under the home
folder (settings, the roster SQLite with its -wal and -shm while open, the
outbox, logs), the captured log records and terminal output, the clipboard and
the texts the window showed must hold neither the API key nor the JWT.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import secrets
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from spkey_desktop.app import WindowOptions
from spkey_desktop.credentials import CredentialStore
from spkey_desktop.paths import AppPaths
from spkey_desktop.server import LocalServer, Organization, make_token
from spkey_desktop.settings import ConnectionProfile, Settings, SettingsStore
from spkey_desktop.store.roster import RosterStore, RosterUser
from spkey_desktop.ui.add_plate_dialog import AddPlateDialog
from spkey_desktop.ui.crash_dialog import CrashDialog
from spkey_desktop.ui.credentials_dialog import CredentialsDialog
from spkey_desktop.ui.main_window import MainWindow
from spkey_desktop.ui.token_label import shown_time
from spkey_desktop.window_session import WindowSession, roster_path
from tests.helpers.gateway import Gateway
from tests.helpers.server_fixtures import StartServer
from tests.helpers.window_fixtures import find_top_level

pytestmark = [pytest.mark.keychain]

#: 40 letters and digits like a real key, and found nowhere by chance.
API_KEY = "HygieneKey" + secrets.token_hex(15)


@pytest.fixture
def gateway_to(request: pytest.FixtureRequest) -> Iterator[Callable[[int], Gateway]]:
    started: list[Gateway] = []

    def start(upstream_port: int) -> Gateway:
        gateway = Gateway(upstream_port)
        threading.Thread(target=gateway.serve_forever, daemon=True).start()
        started.append(gateway)
        return gateway

    yield start
    for gateway in started:
        gateway.shutdown()
        gateway.server_close()


# --- looking for the secrets ---------------------------------------------------


def files_under(folder: Path) -> list[Path]:
    return sorted(path for path in folder.rglob("*") if path.is_file())


def hits(folder: Path, *secret_values: str) -> list[str]:
    """ "file: which secret" for every file under ``folder`` holding one."""
    found = []
    for path in files_under(folder):
        data = path.read_bytes()
        for secret in secret_values:
            if secret.encode() in data:
                found.append(f"{path.relative_to(folder)}: {secret[:12]}…")
    return found


def test_the_search_finds_a_secret_where_there_is_one(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "leak.sqlite3-wal").write_bytes(
        b"\x00\x01" + API_KEY.encode() + b"\x00"
    )
    assert hits(tmp_path, API_KEY) == [f"data/leak.sqlite3-wal: {API_KEY[:12]}…"]


# --- the session ---------------------------------------------------------------


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """The session configures the root logger as the app does; undo it after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    names = ("spkey_desktop", "qasync", "httpcore", "keyring")
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    for handler in root.handlers[:]:
        if handler not in handlers:
            root.removeHandler(handler)
            handler.close()
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


def has_plates(window: MainWindow, user_id: str) -> bool:
    """Whether the window shows the user's plates (the roster may still be
    loading when the window first shows)."""
    user = window.panel.roster_model.user(user_id)
    return user is not None and bool(user.plates)


def wait_for(qtbot: QtBot, kind: type[QWidget], timeout: int = 15000) -> QWidget:
    qtbot.waitUntil(lambda: find_top_level(kind) is not None, timeout=timeout)
    widget = find_top_level(kind)
    assert widget is not None
    return widget


def select_user(window: MainWindow, user_id: str) -> None:
    panel = window.panel
    row = panel.roster_model.row_of(user_id)
    assert row is not None
    panel.users_view.setCurrentIndex(
        panel.proxy.mapFromSource(panel.roster_model.index(row, 0))
    )


def add_plate(qtbot: QtBot, window: MainWindow, user_id: str, typed: str) -> None:
    select_user(window, user_id)
    window.add_action.trigger()
    dialog = wait_for(qtbot, AddPlateDialog)
    assert isinstance(dialog, AddPlateDialog)
    dialog.plate_edit.setText(typed)
    dialog.add_button.click()
    qtbot.waitUntil(lambda: find_top_level(AddPlateDialog) is None, timeout=15000)


def queued_plates(database: Path) -> list[str]:
    """The plates of the changes waiting in the outbox, read as another process
    would (the app has the file open)."""
    with contextlib.closing(
        sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    ) as connection:
        rows = connection.execute("SELECT payload FROM outbox").fetchall()
    return [json.loads(payload)["plate"] for (payload,) in rows]


async def run_session(session: WindowSession) -> int:
    async with AsyncExitStack() as stack:
        return await session.run(stack)


@dataclass
class Installation:
    """What IT would have set up: a profile sending both credentials, the
    secrets in the keychain, and a roster of two users; the server behind a
    gateway."""

    server: LocalServer
    gateway: Gateway
    paths: AppPaths
    profile: ConnectionProfile
    token: str
    anna: str
    bob: str

    @property
    def home(self) -> Path:
        return self.paths.config_dir.parent

    @property
    def roster_file(self) -> Path:
        return roster_path(self.paths, self.profile.name)

    def start_session(self, qapp: QApplication) -> asyncio.Future[int]:
        options = WindowOptions(
            home=self.home, demo=False, screenshot=None, profile=None, demo_users=None
        )
        return asyncio.ensure_future(run_session(WindowSession(qapp, options)))


@pytest.fixture
def install(
    start_server: StartServer,
    gateway_to: Callable[[int], Gateway],
    profile_name: str,
    tmp_path: Path,
) -> Callable[..., Installation]:
    def make(token_expires_at: float | None = None) -> Installation:
        org_id = str(uuid.uuid4())
        token = make_token(org_id, sub="hygiene-check", expires_at=token_expires_at)
        org = Organization(org_id, "Hygiene Parking", API_KEY, (token,))
        server: LocalServer = start_server(organizations=[org])
        anna = server.create_user(
            org_id, email="anna@example.com", first_name="Anna", last_name="Hygiene"
        )
        bob = server.create_user(org_id, email="bob@example.com", first_name="Bob")
        server.add_plate(bob, "KR5S100")
        gateway = gateway_to(server.port)

        paths = AppPaths.under(tmp_path / "home").ensure()
        profile = ConnectionProfile(profile_name, gateway.base_url, "both")
        SettingsStore(paths.config_dir).save(
            Settings(profiles=(profile,), active_profile=profile_name)
        )
        keychain = CredentialStore()
        keychain.save(profile_name, "api_key", API_KEY)
        keychain.save(profile_name, "jwt", token)
        roster = RosterStore(roster_path(paths, profile_name))
        for user_id in (anna, bob):
            roster.save(RosterUser(user_id))
        roster.close()
        return Installation(server, gateway, paths, profile, token, anna, bob)

    return make


@pytest.mark.usefixtures("restore_logging")
def test_no_file_log_or_report_holds_the_key_or_the_token(
    qtbot: QtBot,
    qapp: QApplication,
    qasync_loop: asyncio.AbstractEventLoop,
    install: Callable[..., Installation],
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    setup = install()
    server, gateway, paths, home = setup.server, setup.gateway, setup.paths, setup.home
    token, anna, bob = setup.token, setup.anna, setup.bob
    caplog.set_level(logging.DEBUG)
    session = setup.start_session(qapp)
    shown: list[str] = []

    # Connect: credentials from the keychain, then the first refresh.
    window = wait_for(qtbot, MainWindow)
    assert isinstance(window, MainWindow)
    qtbot.waitUntil(lambda: has_plates(window, bob), timeout=15000)
    assert "token valid until" in window.token_label.text()

    # A server fault, ridden out by the client's retry.
    server.faults.fail_next(1, 503)
    refresh = window.refresh_now()
    qtbot.waitUntil(refresh.done, timeout=15000)
    assert 503 in [status for *_, status in server.request_log]
    assert window.statusBar().currentMessage() == "Refreshed 2 users."
    shown.append(window.statusBar().currentMessage())

    # An added plate.
    add_plate(qtbot, window, anna, "hy 1001")
    assert server.plates_of(anna) == ["HY1001"]

    # A plate added during an outage waits in the outbox; the files are searched
    # now, while the SQLite files (and their -wal) are open.
    gateway.outage = True
    add_plate(qtbot, window, bob, "hy 1002")
    shown.append(window.statusBar().currentMessage())
    assert queued_plates(setup.roster_file) == ["HY1002"]
    written_while_open = files_under(home)
    assert any(p.name.endswith("-wal") for p in written_while_open)
    assert hits(home, API_KEY, token) == []
    gateway.outage = False
    qtbot.waitUntil(lambda: "HY1002" in server.plates_of(bob), timeout=30000)

    # A 401 whose message quotes the key: the credentials dialog opens. (Every
    # request gets it meanwhile: the outbox may still be reading Bob back.)
    gateway.echo_401 = 1_000_000
    window.refresh_now()
    dialog = wait_for(qtbot, CredentialsDialog)
    gateway.echo_401 = 0
    assert isinstance(dialog, CredentialsDialog)
    shown += [dialog.reason_label.text(), window.statusBar().currentMessage()]
    assert "revoked" in dialog.reason_label.text()
    dialog.reject()
    qtbot.waitUntil(lambda: find_top_level(CredentialsDialog) is None)

    # A bug that puts both secrets into an exception: the problem report.
    async def careless() -> None:
        raise RuntimeError(f"could not use {API_KEY} with {token}")

    window.run_task(careless())
    crash = wait_for(qtbot, CrashDialog)
    assert isinstance(crash, CrashDialog)
    crash.copy_button.click()
    report = QGuiApplication.clipboard().text()
    assert "RuntimeError: could not use [redacted] with [redacted]" in report
    shown += [report, crash.sentence.text(), crash.details.toPlainText()]
    crash.reject()

    # The operator closes the window; the session ends cleanly.
    window.close()
    qtbot.waitUntil(session.done, timeout=15000)
    assert session.result() == 0

    written = files_under(home)
    names = {p.name for p in written}
    assert {"settings.json", "spkey-desktop.log"} <= names
    assert any(p.suffix == ".sqlite3" for p in written)
    assert hits(home, API_KEY, token) == []

    log_text = (paths.log_dir / "spkey-desktop.log").read_text(encoding="utf-8")
    assert "Unexpected error in a window action" in log_text
    assert "[redacted]" in log_text
    terminal = capsys.readouterr()
    for text in (caplog.text, terminal.out, terminal.err, log_text, *shown):
        assert API_KEY not in text
        assert token not in text


@pytest.mark.usefixtures("restore_logging")
def test_an_expired_token_is_shown_and_the_credentials_dialog_opens(
    qtbot: QtBot,
    qapp: QApplication,
    qasync_loop: asyncio.AbstractEventLoop,
    install: Callable[..., Installation],
) -> None:
    expired_at = datetime.now(UTC) - timedelta(hours=2)
    setup = install(token_expires_at=expired_at.timestamp())
    session = setup.start_session(qapp)

    window = wait_for(qtbot, MainWindow)
    assert isinstance(window, MainWindow)
    dialog = wait_for(qtbot, CredentialsDialog)
    assert isinstance(dialog, CredentialsDialog)

    assert window.token_label.text() == f"token expired {shown_time(expired_at)}"
    assert dialog.reason_label.text() == (
        f"The token (JWT) ran out at {shown_time(expired_at)}. Enter a new one to "
        "keep working."
    )
    # The API key alone still works: the roster is refreshed meanwhile.
    qtbot.waitUntil(lambda: has_plates(window, setup.bob), timeout=15000)

    dialog.reject()
    window.close()
    qtbot.waitUntil(session.done, timeout=15000)
    assert session.result() == 0
