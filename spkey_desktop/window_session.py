"""One run of the window: builds the object graph and drives start-up and shutdown.

Start-up order matters to the operator: the cached roster shows at once (marked
with its age), credentials are read from the keychain off the UI thread, then a
refresh follows. Shutdown closes the HTTP client and the demo server cleanly.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import ssl
from contextlib import AsyncExitStack
from pathlib import Path
from typing import TYPE_CHECKING

import PySide6
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QApplication

from spkey_desktop import __version__, demo, heap
from spkey_desktop.api.client import SpkeyClient
from spkey_desktop.api.jwt_claims import TokenState
from spkey_desktop.api.redaction import RedactSecretsFilter
from spkey_desktop.api.tls import CaBundleError, trust_context
from spkey_desktop.api.transport import Timeouts
from spkey_desktop.crash_report import CrashHooks
from spkey_desktop.credentials import (
    CredentialStore,
    KeychainUnavailableError,
    SessionCredentialStore,
)
from spkey_desktop.logging_setup import configure_logging
from spkey_desktop.paths import AppPaths, HomeFolderError
from spkey_desktop.server import LocalServer
from spkey_desktop.services.active_credentials import ActiveCredentials
from spkey_desktop.services.roster_loading import RosterLoader
from spkey_desktop.services.roster_service import RosterService
from spkey_desktop.services.token_expiry import TokenExpiryWatch, TokenStatus
from spkey_desktop.settings import (
    LOCAL_SERVER,
    ConnectionProfile,
    Settings,
    SettingsStore,
)
from spkey_desktop.store.outbox import Outbox
from spkey_desktop.store.profile_data import apply_file_changes, local_data
from spkey_desktop.store.roster import RosterStore
from spkey_desktop.ui.async_dialogs import run_dialog
from spkey_desktop.ui.bulk_actions import install_bulk_actions
from spkey_desktop.ui.connections_dialog import ConnectionsDialog
from spkey_desktop.ui.crash_dialog import CrashReporter
from spkey_desktop.ui.credentials_dialog import CredentialsDialog
from spkey_desktop.ui.icons import app_icon
from spkey_desktop.ui.main_window import ConnectionInfo, MainWindow
from spkey_desktop.ui.qt_messages import route_qt_messages_to_log
from spkey_desktop.ui.roster_loading import show_saved_roster
from spkey_desktop.ui.token_label import token_sentence

if TYPE_CHECKING:
    from spkey_desktop.app import WindowOptions

log = logging.getLogger(__name__)


def roster_path(paths: AppPaths, profile_name: str, *, demo: bool = False) -> Path:
    """One roster file per connection profile (see AppPaths.roster_file)."""
    return paths.roster_file(profile_name, demo=demo)


class StartupError(Exception):
    """The window cannot start as asked; the text says why and what to do."""


class WindowSession:
    def __init__(self, app: QApplication, options: WindowOptions) -> None:
        self._app = app
        self._options = options
        try:
            self._paths = AppPaths.resolve(options.home).ensure()
        except HomeFolderError as error:
            raise StartupError(str(error)) from None
        self._settings = SettingsStore(self._paths.config_dir)
        self._keychain = CredentialStore()
        self._session_store = SessionCredentialStore()
        self._redactor = RedactSecretsFilter()
        self._credentials = ActiveCredentials(self._redactor)
        self._notices: list[str] = []
        self._asking_credentials = False
        # Roster files to delete or move once no window has them open:
        # (profiles cleared, profile renamed) as File → Connections… left them.
        self._file_changes: list[tuple[list[str], tuple[str, str] | None]] = []
        if options.profile and not options.demo:
            self._check_profile_exists(options.profile)

    def _check_profile_exists(self, name: str) -> None:
        settings = self._settings.load().value
        if settings.profile(name) is None:
            known = ", ".join(repr(p.name) for p in settings.profiles) or "none yet"
            raise StartupError(
                f"There is no connection profile named {name!r} (profiles: "
                f"{known}). Add it with 'spkey-desktop profile add', or start "
                "without --profile and use File → Connections…."
            )

    async def run(self, stack: AsyncExitStack) -> int:
        log_file = configure_logging(self._paths.log_dir, self._redactor)
        route_qt_messages_to_log()
        log.info("spkey-desktop %s starting; log file %s", __version__, log_file)
        crash_hooks = CrashHooks(
            self._redactor,
            CrashReporter().show,
            extra={"Qt": f"PySide6 {PySide6.__version__}, Qt {qVersion()}"},
        )
        crash_hooks.install(asyncio.get_running_loop())
        stack.callback(crash_hooks.uninstall)
        self._app.setWindowIcon(app_icon())

        # One window per connection; File → Connections… may switch to another.
        profile: ConnectionProfile | None
        profile, demo_server = self._connection(stack)
        status = 0
        while profile is not None:
            # The last window's files are closed: removed profiles' files can
            # go, a renamed one's follow it, before the next window opens.
            await self._apply_file_changes()
            async with AsyncExitStack() as connection:
                status, profile = await self._open(
                    profile, demo_server, log_file, connection
                )
            demo_server = None
        await self._apply_file_changes()
        for notice in self._notices:
            log.warning("%s", notice)
        return status

    async def _open(
        self,
        profile: ConnectionProfile,
        demo_server: LocalServer | None,
        log_file: Path,
        stack: AsyncExitStack,
    ) -> tuple[int, ConnectionProfile | None]:
        """Run one window on ``profile``: (exit status, profile to switch to)."""
        preferences = self._settings.load().value.preferences
        seconds = preferences.request_timeout_seconds
        client = SpkeyClient(
            profile.base_url,
            self._credentials,
            verify=self._trust(profile),
            timeouts=Timeouts(read=seconds, write=seconds),
        )
        stack.push_async_callback(client.aclose)
        roster_file = roster_path(
            self._paths, profile.name, demo=demo_server is not None
        )
        store = RosterStore(roster_file)
        stack.callback(store.close)
        outbox = Outbox(roster_file)
        stack.callback(outbox.close)
        service = RosterService(client, store, outbox)
        # Closed before the outbox and the client: unanswered changes stay queued.
        stack.push_async_callback(service.aclose)

        window = MainWindow(
            service,
            ConnectionInfo(
                profile.name, profile.base_url, demo=demo_server is not None
            ),
            on_credentials_rejected=lambda error: self._ask_credentials(
                window, profile, error.user_message
            ),
            log_file=log_file,
            confirm_removals=preferences.confirm_before_removing,
        )
        stack.push_async_callback(window.shutdown)
        install_bulk_actions(window, service, self._paths.config_dir)
        ui_state = self._settings.load_ui_state()
        self._notices.extend(filter(None, [ui_state.warning]))
        window.restore_view_state(dict(ui_state.value.main_window))
        outcome: asyncio.Future[ConnectionProfile | None] = (
            asyncio.get_running_loop().create_future()
        )
        window.closed.connect(lambda: _resolve(outcome, None))
        window.connections_requested.connect(
            lambda: window.run_task(
                self._manage_connections(window, outcome, roster_file)
            )
        )
        window.credentials_requested.connect(
            lambda: window.run_task(self._ask_credentials(window, profile, ""))
        )

        watch = TokenExpiryWatch(
            self._credentials,
            lambda status: self._token_changed(window, profile, status),
        )
        watch.start()
        stack.callback(watch.stop)

        # The cached roster shows at once; credentials and a refresh follow.
        window.show()
        loader = RosterLoader(roster_file, outbox.entries())
        cached = await show_saved_roster(window, loader)
        # What start-up made lives as long as the window: out of the garbage
        # collector's walks, so they do not stall a refresh (see heap.py).
        heap.settle()
        for notice in self._notices:
            window.show_notice(notice)
        self._notices.clear()
        if demo_server is not None and not cached:
            seed = demo.roster_seed(demo_server)
            store.save_many(seed)
            window.show_roster(seed)
        elif demo_server is None:
            await self._load_credentials(profile)
            if not self._settings.load().value.profiles:
                window.run_task(self._manage_connections(window, outcome, roster_file))
        # Changes queued in an earlier run go out now, with the credentials.
        service.start()

        first_load = window.refresh_now()
        if self._options.screenshot is not None:
            await asyncio.wait([first_load])
            return self._save_screenshot(window, self._options.screenshot), None

        switch_to = await outcome
        self._settings.save_ui_state(
            dataclasses.replace(ui_state.value, main_window=window.save_view_state())
        )
        if switch_to is not None:
            window.closed.disconnect()
        window.deleteLater()
        return 0, switch_to

    async def _manage_connections(
        self,
        window: MainWindow,
        outcome: asyncio.Future[ConnectionProfile | None],
        open_file: Path,
    ) -> None:
        """File → Connections…: save what changed; reconnect if asked to.

        ``open_file`` is the window's roster file: if the dialog removed or
        renamed its profile, the file is changed only after this window has
        closed it, and the window moves to another profile."""
        before = self._settings.load().value
        dialog = ConnectionsDialog(
            before,
            window.connection.profile_name,
            window,
            local_data=lambda name: local_data(self._paths, name),
        )
        await run_dialog(dialog)
        dialog.deleteLater()
        after = dialog.result_settings
        if after is None:
            return
        self._settings.save(after)
        kept = {p.name for p in after.profiles}
        gone = [p.name for p in before.profiles if p.name not in kept]
        loop = asyncio.get_running_loop()
        # A new profile taking a cleared name must not find its secrets either.
        for name in dict.fromkeys([*gone, *dialog.cleared]):
            await loop.run_in_executor(None, self._forget_secrets, name)

        changes = (list(dialog.cleared), dialog.renamed)
        touched = [*dialog.cleared, *(dialog.renamed or ())[:1]]
        chosen = dialog.chosen
        if chosen is None and open_file not in {
            roster_path(self._paths, name) for name in touched
        }:
            problems = await loop.run_in_executor(
                None, apply_file_changes, self._paths, *changes
            )
            for problem in problems:
                window.show_notice(problem)
            return
        # This window closes before the next one opens: the files change then.
        self._file_changes.append(changes)
        if chosen is None:
            # The open profile was removed: open the active one, or the first.
            _resolve(outcome, _next_profile(after))
            return
        has_secrets = await loop.run_in_executor(None, self._has_secrets, chosen)
        if not has_secrets:
            await self._ask_credentials(
                window, chosen, f"Enter the credentials for {chosen.name}."
            )
        else:
            await self._load_credentials(chosen)
        _resolve(outcome, chosen)

    async def _apply_file_changes(self) -> None:
        loop = asyncio.get_running_loop()
        while self._file_changes:
            clear, rename = self._file_changes.pop(0)
            problems = await loop.run_in_executor(
                None, apply_file_changes, self._paths, clear, rename
            )
            self._notices.extend(problems)

    def _forget_secrets(self, profile_name: str) -> None:
        try:
            self._keychain.delete(profile_name)
        except KeychainUnavailableError:
            log.info("No keychain: nothing stored for %s to delete", profile_name)

    def _has_secrets(self, profile: ConnectionProfile) -> bool:
        try:
            return all(
                self._keychain.has(profile.name, kind)
                for kind in profile.credential_kinds
            )
        except KeychainUnavailableError:
            return False

    def _connection(
        self, stack: AsyncExitStack
    ) -> tuple[ConnectionProfile, LocalServer | None]:
        """The profile to open, and the demo server when in demo mode."""
        if self._options.demo:
            server = demo.start_server(self._options.demo_users)
            stack.callback(server.close)
            profile, credentials = demo.profile_for(server)
            self._credentials.set(credentials)
            return profile, server

        loaded = self._settings.load()
        self._notices.extend(filter(None, [loaded.warning]))
        settings = loaded.value
        wanted = self._options.profile or settings.active_profile
        chosen = settings.profile(wanted) if wanted else None
        if chosen is None:
            chosen = settings.profiles[0] if settings.profiles else LOCAL_SERVER
        return chosen, None

    async def _load_credentials(self, profile: ConnectionProfile) -> None:
        try:
            await self._credentials.load(
                self._keychain, profile.name, profile.credential_kinds
            )
        except KeychainUnavailableError as error:
            self._notices.append(str(error))
            log.warning("Keychain unavailable: %s", error.summary)

    def _trust(self, profile: ConnectionProfile) -> ssl.SSLContext:
        """The OS store and the bundled CAs, plus the profile's CA bundle."""
        try:
            return trust_context(profile.ca_bundle)
        except CaBundleError as error:
            log.warning("CA bundle of %s unusable: %s", profile.name, error)
            self._notices.append(
                f"{error} Until it is fixed, {profile.name} is trusted only with "
                "this computer's certificate authorities."
            )
            return trust_context()

    def _token_changed(
        self, window: MainWindow, profile: ConnectionProfile, status: TokenStatus
    ) -> None:
        window.show_token_status(status)
        if status.state is TokenState.EXPIRED:
            reason = token_sentence(status) or ""
            window.run_task(self._ask_credentials(window, profile, reason))

    async def _ask_credentials(
        self, window: MainWindow, profile: ConnectionProfile, reason: str
    ) -> bool:
        # One dialog at a time: an expired token also brings 401s, each of
        # which would ask again.
        if self._asking_credentials:
            return False
        self._asking_credentials = True
        try:
            return await self._credentials_dialog(window, profile, reason)
        finally:
            self._asking_credentials = False

    async def _credentials_dialog(
        self, window: MainWindow, profile: ConnectionProfile, reason: str
    ) -> bool:
        dialog = CredentialsDialog(
            profile.name,
            profile.credential_kinds,
            self._keychain,
            self._session_store,
            self._credentials,
            reason=reason,
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


def _next_profile(settings: Settings) -> ConnectionProfile:
    """The profile to open when the open one is gone: the active one, else the
    first, else the built-in local server."""
    active = settings.active_profile
    chosen = settings.profile(active) if active else None
    if chosen is None:
        chosen = settings.profiles[0] if settings.profiles else LOCAL_SERVER
    return chosen


def _resolve(
    future: asyncio.Future[ConnectionProfile | None],
    value: ConnectionProfile | None,
) -> None:
    if not future.done():
        future.set_result(value)
