"""One run of the window: builds the object graph and drives start-up and shutdown.

Start-up order matters to the operator: the cached roster shows at once (marked
with its age), credentials are read from the keychain off the UI thread, then a
refresh follows. Shutdown closes the HTTP client and the demo server cleanly.
"""

from __future__ import annotations

import asyncio
import logging
import re
from contextlib import AsyncExitStack
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QApplication

from spkey_desktop import demo, settings
from spkey_desktop.api.client import SpkeyClient
from spkey_desktop.api.errors import ApiError
from spkey_desktop.credentials import CredentialStore, SessionCredentialStore
from spkey_desktop.paths import AppPaths
from spkey_desktop.resource_files import read_resource
from spkey_desktop.services.active_credentials import ActiveCredentials
from spkey_desktop.services.roster_service import RosterService
from spkey_desktop.store.roster import RosterStore
from spkey_desktop.ui.async_dialogs import run_dialog
from spkey_desktop.ui.credentials_dialog import CredentialsDialog
from spkey_desktop.ui.main_window import ConnectionInfo, MainWindow

if TYPE_CHECKING:
    from spkey_desktop.app import WindowOptions

log = logging.getLogger(__name__)


def roster_path(paths: AppPaths, profile_name: str) -> Path:
    """One roster file per connection profile, named safely after it."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", profile_name).strip("._") or "profile"
    return paths.data_dir / "rosters" / f"{slug}.sqlite3"


class WindowSession:
    def __init__(self, app: QApplication, options: WindowOptions) -> None:
        self._app = app
        self._options = options
        self._paths = AppPaths.resolve(options.home).ensure()
        self._keychain = CredentialStore()
        self._session_store = SessionCredentialStore()
        self._credentials = ActiveCredentials()

    async def run(self, stack: AsyncExitStack) -> int:
        icon = QPixmap()
        icon.loadFromData(read_resource("spkey-desktop.svg"))
        self._app.setWindowIcon(QIcon(icon))
        profile, auth, demo_server = await self._connection(stack)
        client = SpkeyClient(profile.base_url, self._credentials)
        stack.push_async_callback(client.aclose)
        store = RosterStore(roster_path(self._paths, profile.name))
        stack.callback(store.close)
        service = RosterService(client, store)

        window = MainWindow(
            service,
            ConnectionInfo(
                profile.name, profile.base_url, demo=demo_server is not None
            ),
            on_credentials_rejected=lambda error: self._ask_credentials(
                window, profile.name, auth, error
            ),
        )
        ui_state = settings.load_ui_state(self._paths)
        window.restore_view_state(ui_state.main_window)
        closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        window.closed.connect(lambda: closed.done() or closed.set_result(None))

        cached = store.load_all()
        window.show_roster(cached)
        window.show()
        if demo_server is not None and not cached:
            window.show_roster(demo.roster_seed(demo_server))
        else:
            await self._credentials.load(self._keychain, profile.name, auth)

        first_load = window.refresh_now()
        if self._options.screenshot is not None:
            await first_load
            return self._save_screenshot(window, self._options.screenshot)

        await closed
        ui_state.main_window = window.save_view_state()
        settings.save_ui_state(self._paths, ui_state)
        return 0

    async def _connection(
        self, stack: AsyncExitStack
    ) -> tuple[settings.ConnectionProfile, str, object | None]:
        if self._options.demo:
            server = demo.start_server(self._options.demo_users)
            stack.callback(server.stop)
            profile, credentials = demo.profile_for(server)
            self._credentials.set(credentials)
            return profile, profile.auth, server
        loaded = settings.load_settings(self._paths)
        profile = loaded.profile(self._options.profile)
        return profile, profile.auth, None

    async def _ask_credentials(
        self, window: MainWindow, profile_name: str, auth: str, error: ApiError
    ) -> bool:
        dialog = CredentialsDialog(
            profile_name,
            auth,
            self._keychain,
            self._session_store,
            self._credentials,
            reason=error.user_message,
            parent=window,
        )
        await run_dialog(dialog)
        dialog.deleteLater()
        return dialog.saved

    @staticmethod
    def _save_screenshot(window: MainWindow, target: Path) -> int:
        QApplication.processEvents()
        target.parent.mkdir(parents=True, exist_ok=True)
        if not window.grab().save(str(target), "PNG"):
            log.error("Could not write the screenshot to %s", target)
            return 1
        print(f"Screenshot saved to {target}")
        return 0
