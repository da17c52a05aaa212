"""The main window: menus, shortcuts and status bar around the roster panel, and
the operator's actions (refresh, add, remove, look up), each run as a task on
the qasync loop so the window never waits on the network."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QGuiApplication,
    QKeySequence,
)
from PySide6.QtWidgets import QLabel, QMainWindow, QProgressBar, QPushButton, QWidget

from spkey_desktop import __version__
from spkey_desktop.api.errors import ApiError, ForbiddenError, UnauthorizedError
from spkey_desktop.services.roster_service import (
    PlateChange,
    PlateOutcome,
    RosterService,
)
from spkey_desktop.services.token_expiry import TokenStatus
from spkey_desktop.store.roster import RosterPlate, RosterUser
from spkey_desktop.ui.add_plate_dialog import AddPlateDialog
from spkey_desktop.ui.async_dialogs import ask_yes_no, run_dialog, tell
from spkey_desktop.ui.lookup_dialog import LookupDialog
from spkey_desktop.ui.models import format_age
from spkey_desktop.ui.pending_changes import OutboxPresenter
from spkey_desktop.ui.roster_panel import RosterPanel
from spkey_desktop.ui.token_label import TokenLabel, token_sentence

log = logging.getLogger(__name__)

#: Called with a 401/403 error; opens the credentials dialog and answers whether
#: new credentials were saved, so the failed action can be tried again.
CredentialsHandler = Callable[[ApiError], Awaitable[bool]]


@dataclass(frozen=True, slots=True)
class ConnectionInfo:
    """What the status bar says about the connection."""

    profile_name: str
    base_url: str
    demo: bool = False


class MainWindow(QMainWindow):
    """The roster on the left, the selected user's plates on the right."""

    #: The window was closed; the session shuts down after this.
    closed = Signal()
    #: File → Connections…: the session shows the profiles and may reconnect.
    connections_requested = Signal()
    #: File → Credentials…: the session asks for this profile's secrets.
    credentials_requested = Signal()

    def __init__(
        self,
        service: RosterService,
        connection: ConnectionInfo,
        on_credentials_rejected: CredentialsHandler,
        log_file: Path | None = None,
        confirm_removals: bool = True,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._confirm_removals = confirm_removals
        self._service = service
        self._connection = connection
        self._on_credentials_rejected = on_credentials_rejected
        self._log_file = log_file
        self._refresh_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

        title = "SmartphoneKey plates"
        self.setWindowTitle(f"{title} — Demo" if connection.demo else title)
        self.setObjectName("mainWindow")
        self.panel = RosterPanel(self)
        self.setCentralWidget(self.panel)
        self.resize(1100, 650)
        self._build_actions()
        self._build_status_bar()
        self.outbox = OutboxPresenter(
            service, self.panel, self.reachability_label, self
        )
        self.panel.selection_changed.connect(self._update_actions)
        self.panel.add_button.clicked.connect(self.add_plate)
        self.panel.remove_button.clicked.connect(self.remove_plate)
        self.panel.copy_button.clicked.connect(self.copy_plate)
        self._update_actions()

    # -- layout --------------------------------------------------------------

    def _build_actions(self) -> None:
        def action(text: str, shortcut: str, slot: Callable[[], object]) -> QAction:
            act = QAction(text, self)
            act.setShortcut(QKeySequence(shortcut))
            act.triggered.connect(lambda *_: slot())
            return act

        self.lookup_action = action("&Look up user…", "Ctrl+L", self.look_up_user)
        self.refresh_action = action("&Refresh", "F5", self.refresh)
        self.forget_action = action("Remove user from roster", "", self.forget_user)
        self.quit_action = action("&Quit", "Ctrl+Q", self.close)
        self.find_action = action("&Find", "Ctrl+F", self.panel.focus_search)
        self.add_action = action("&Add plate…", "Ctrl+N", self.add_plate)
        self.remove_action = action("&Remove plate", "Delete", self.remove_plate)
        self.copy_action = action("&Copy plate", "Ctrl+C", self.copy_plate)
        self.connections_action = action(
            "C&onnections…", "", self.connections_requested.emit
        )
        self.credentials_action = action(
            "&Credentials…", "", self.credentials_requested.emit
        )
        self.pending_action = action(
            "&Pending changes…", "", lambda: self.outbox.open_dialog()
        )
        self.show_log_action = action("Show &log file", "", self.show_log)
        self.about_action = action("&About", "", self.show_about)

        menu = self.menuBar()
        self.file_menu = menu.addMenu("&File")
        self.file_menu.addActions([self.lookup_action, self.refresh_action])
        self.file_menu.addSeparator()
        self.file_menu.addActions([self.connections_action, self.credentials_action])
        self.file_menu.addSeparator()
        self.file_menu.addAction(self.quit_action)
        edit_menu = menu.addMenu("&Edit")
        edit_menu.addActions([self.find_action, self.copy_action])
        user_menu = menu.addMenu("&User")
        user_menu.addActions([self.add_action, self.remove_action])
        user_menu.addSeparator()
        user_menu.addAction(self.forget_action)
        self.view_menu = menu.addMenu("&View")
        self.view_menu.addAction(self.pending_action)
        self.help_menu = menu.addMenu("&Help")
        self.help_menu.addActions([self.show_log_action, self.about_action])

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        connection = self._connection
        where = f"{connection.profile_name} · {connection.base_url}"
        self.connection_label = QLabel(
            f"Demo server · {connection.base_url}" if connection.demo else where
        )
        self.connection_label.setObjectName("connectionLabel")
        if connection.demo:
            self.connection_label.setStyleSheet(
                "background: #f5c542; color: black; padding: 0 6px;"
            )
        self.reachability_label = QLabel("connecting…")
        self.reachability_label.setObjectName("reachabilityLabel")
        self.progress = QProgressBar(self)
        self.progress.setMaximumWidth(160)
        self.progress.setAccessibleName("Refresh progress")
        self.progress.hide()
        self.cancel_refresh_button = QPushButton("Cancel", self)
        self.cancel_refresh_button.setObjectName("cancelRefreshButton")
        self.cancel_refresh_button.setAccessibleName("Cancel the refresh")
        self.cancel_refresh_button.clicked.connect(self.cancel_refresh)
        self.cancel_refresh_button.hide()
        self.token_label = TokenLabel(self)
        for widget in (
            self.progress,
            self.cancel_refresh_button,
            self.reachability_label,
            self.token_label,
            self.connection_label,
        ):
            bar.addPermanentWidget(widget)

    def _update_actions(self) -> None:
        has_user = self.panel.selected_user() is not None
        has_plate = has_user and self.panel.selected_plate() is not None
        for widget in (self.panel.add_button, self.add_action, self.forget_action):
            widget.setEnabled(has_user)
        for widget in (
            self.panel.remove_button,
            self.remove_action,
            self.panel.copy_button,
            self.copy_action,
        ):
            widget.setEnabled(has_plate)

    # -- roster --------------------------------------------------------------

    def show_roster(self, users: list[RosterUser]) -> None:
        """Show the cached roster at once, marked with its age."""
        self.panel.show_roster(users)
        fetched = [u.fetched_at for u in users if u.fetched_at is not None]
        if fetched:
            self.statusBar().showMessage(
                f"Showing the saved roster from {format_age(min(fetched))}.", 10000
            )

    def show_token_status(self, status: TokenStatus) -> None:
        """The JWT's expiry in the status bar; a warning when it is close."""
        self.token_label.show_status(status)
        sentence = token_sentence(status)
        if sentence:
            self.statusBar().showMessage(sentence)

    def show_notice(self, text: str) -> None:
        """Something the operator should read that needs no answer."""
        self._spawn(tell(self, "spkey-desktop", text))

    def show_log(self) -> None:
        if self._log_file is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._log_file)))

    def show_about(self) -> None:
        where = f"\nLog file: {self._log_file}" if self._log_file else ""
        self.show_notice(
            f"spkey-desktop {__version__}\nConnected to "
            f"{self._connection.base_url} ({self._connection.profile_name}){where}"
        )

    # -- running actions -------------------------------------------------------

    @property
    def connection(self) -> ConnectionInfo:
        return self._connection

    def run_task(self, coro: Awaitable[object]) -> asyncio.Task[object]:
        """Run a coroutine for the window; it is cancelled when the window closes,
        and an error it raises reaches the status bar or the log."""
        return self._spawn(coro)

    def _spawn(self, coro: Awaitable[object]) -> asyncio.Task[object]:
        task: asyncio.Task[object] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(self._report_failure)
        return task

    def _report_failure(self, task: asyncio.Task[object]) -> None:
        if task.cancelled() or task.exception() is None:
            return
        error = task.exception()
        if isinstance(error, ApiError):
            self.statusBar().showMessage(error.user_message)
            return
        # The loop's exception handler logs it and, in the app, shows the
        # problem report dialog (crash_report.CrashHooks).
        task.get_loop().call_exception_handler(
            {"message": "a window action", "exception": error, "task": task}
        )
        self.statusBar().showMessage(
            "Something unexpected went wrong; see the log file (Help menu)."
        )

    async def _with_credentials(self, action: Callable[[], Awaitable[Any]]) -> Any:
        """Run an action; on 401/403 ask for credentials and try once more."""
        try:
            return await action()
        except (UnauthorizedError, ForbiddenError) as error:
            if not await self._on_credentials_rejected(error):
                raise
            return await action()

    # -- refresh -------------------------------------------------------------

    def refresh(self) -> None:
        self.refresh_now()

    def refresh_now(self) -> asyncio.Task[None]:
        """Start a refresh of every roster user (or return the one running)."""
        if self._refresh_task is None:
            task = asyncio.ensure_future(self._refresh())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            self._refresh_task = task
        return self._refresh_task

    def cancel_refresh(self) -> None:
        if self._refresh_task is not None:
            self._refresh_task.cancel()

    async def _refresh(self) -> None:
        ids = [u.user_id for u in self.panel.roster_model.users()]
        self.progress.setRange(0, max(1, len(ids)))
        self.progress.setValue(0)
        self.progress.show()
        self.cancel_refresh_button.show()
        self.refresh_action.setEnabled(False)
        self.statusBar().showMessage(f"Refreshing {len(ids)} users…")
        try:
            report = await self._service.refresh_all(
                ids, on_progress=lambda done, _total: self.progress.setValue(done)
            )
        except asyncio.CancelledError:
            self.statusBar().showMessage("Refresh cancelled; what was fetched is kept.")
            raise
        finally:
            self._refresh_task = None
            self.progress.hide()
            self.cancel_refresh_button.hide()
            self.refresh_action.setEnabled(True)
        self.panel.apply_users(report.refreshed)
        self._show_refresh_outcome(len(report.refreshed), report.failed)

    def _show_refresh_outcome(
        self, refreshed: int, failed: dict[str, ApiError]
    ) -> None:
        if not refreshed and not failed:
            # Nothing was asked of the server, so nothing is known about it.
            self.outbox.show_reachability("not checked")
            self.statusBar().showMessage(
                "The roster is empty: look users up by e-mail or phone with Ctrl+L."
            )
            return
        if not failed:
            self.outbox.show_reachability("online")
            self.statusBar().showMessage(f"Refreshed {refreshed} users.", 10000)
            return
        first = next(iter(failed.values()))
        # Any answer at all (a 404, a 401) means the server is reachable.
        answered = refreshed or any(e.status is not None for e in failed.values())
        self.outbox.show_reachability("online" if answered else "offline")
        self.statusBar().showMessage(
            f"Refreshed {refreshed} users; {len(failed)} failed: {first.user_message}"
        )
        if isinstance(first, UnauthorizedError | ForbiddenError):
            self._spawn(self._ask_credentials_then_refresh(first))

    async def _ask_credentials_then_refresh(self, error: ApiError) -> None:
        if await self._on_credentials_rejected(error):
            self.refresh()

    # -- plates --------------------------------------------------------------

    def add_plate(self) -> None:
        user = self.panel.selected_user()
        if user is None:
            return
        dialog = AddPlateDialog(
            user, self.panel.plate_index.check, self._service.add_plate, self
        )
        dialog.credentials_rejected.connect(
            lambda error: self._spawn(self._on_credentials_rejected(error))
        )
        dialog.cancelled_while_sending.connect(
            lambda user: self._spawn(self._reload_user(user.user_id))
        )
        dialog.finished.connect(lambda _result: self._after_add(dialog))
        dialog.open()

    async def _reload_user(self, user_id: str) -> None:
        self.panel.apply_user(await self._service.fetch_user(user_id))

    def _after_add(self, dialog: AddPlateDialog) -> None:
        change = dialog.result_change
        dialog.deleteLater()
        if change is None:
            return
        self.panel.apply_user(change.user)
        self.panel.select_plate(change.plate)
        name = change.user.display_name
        if change.outcome is PlateOutcome.ALREADY_REGISTERED:
            text = f"{change.plate} was already registered on {name}."
        elif change.outcome is PlateOutcome.QUEUED:
            text = (
                f"{change.plate} for {name} is queued: it will be sent when the "
                "server is reachable."
            )
        else:
            text = f"Added {change.plate} to {name}."
        self.statusBar().showMessage(text, 10000)

    def remove_plate(self) -> None:
        user, plate = self.panel.selected_user(), self.panel.selected_plate()
        if user is not None and plate is not None:
            self._spawn(self._remove_plate(user, plate))

    async def _remove_plate(self, user: RosterUser, plate: RosterPlate) -> None:
        question = (
            f"Remove plate {plate.plate} from {user.display_name}? "
            "The camera will stop opening the gate for it."
        )
        if not plate.state.on_server:
            question = f"Call back the queued plate {plate.plate}? It was not sent."
        if self._confirm_removals and not await ask_yes_no(
            self, "Remove plate", question
        ):
            return
        self.statusBar().showMessage(f"Removing {plate.plate}…")
        try:
            change: PlateChange = await self._with_credentials(
                lambda: self._service.remove_plate(user, plate.plate)
            )
        except ApiError as error:
            self.statusBar().showMessage(
                f"{plate.plate} was not removed: {error.user_message}"
            )
            return
        self.panel.apply_user(change.user)
        self.statusBar().showMessage(_removal_sentence(change, user), 10000)

    def copy_plate(self) -> None:
        plate = self.panel.selected_plate()
        if plate is not None:
            QGuiApplication.clipboard().setText(plate.plate)
            self.statusBar().showMessage(f"Copied {plate.plate}.", 5000)

    # -- users ---------------------------------------------------------------

    def look_up_user(self) -> None:
        self._spawn(self._look_up_user())

    async def _look_up_user(self) -> None:
        dialog = LookupDialog(self._service, self)
        await run_dialog(dialog)
        user = dialog.added_user
        dialog.deleteLater()
        if user is not None:
            self.panel.apply_user(user)
            self.panel.select_user(user.user_id)
            self.statusBar().showMessage(f"Added {user.display_name} to the roster.")

    def forget_user(self) -> None:
        user = self.panel.selected_user()
        if user is not None:
            self._spawn(self._forget_user(user))

    async def _forget_user(self, user: RosterUser) -> None:
        question = (
            f"Remove {user.display_name} from this workstation's roster? "
            "Nothing changes on the server: their plates keep working."
        )
        if not await ask_yes_no(self, "Remove user from roster", question):
            return
        self._service.forget(user.user_id)
        self.panel.forget_user(user)

    # -- state ---------------------------------------------------------------

    def save_view_state(self) -> dict[str, str]:
        """Window geometry, splitter and column widths, as base64 strings."""
        return {
            "geometry": _b64(self.saveGeometry()),
            "splitter": _b64(self.panel.saveState()),
            "users_header": _b64(self.panel.users_view.horizontalHeader().saveState()),
            "plates_header": _b64(
                self.panel.plates_view.horizontalHeader().saveState()
            ),
        }

    def restore_view_state(self, state: dict[str, str]) -> None:
        restorers = {
            "geometry": self.restoreGeometry,
            "splitter": self.panel.restoreState,
            "users_header": self.panel.users_view.horizontalHeader().restoreState,
            "plates_header": self.panel.plates_view.horizontalHeader().restoreState,
        }
        for key, restore in restorers.items():
            if state.get(key):
                restore(QByteArray.fromBase64(state[key].encode("ascii")))

    async def shutdown(self) -> None:
        """Close the window and wait until its running actions have stopped."""
        self.close()
        pending = [task for task in self._tasks if not task.done()]
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.outbox.close()
        for task in list(self._tasks):
            task.cancel()
        super().closeEvent(event)
        self.closed.emit()


def _removal_sentence(change: PlateChange, user: RosterUser) -> str:
    plate, name = change.plate, user.display_name
    if change.outcome is PlateOutcome.QUEUED:
        return f"Removing {plate} is queued: it will be sent when the server is back."
    if change.outcome is PlateOutcome.WITHDRAWN:
        return f"The queued plate {plate} was called back; nothing was sent."
    if change.outcome is PlateOutcome.ALREADY_GONE:
        return f"{plate} was already gone from {name}."
    return f"Removed {plate} from {name}."


def _b64(data: QByteArray) -> str:
    return bytes(data.toBase64().data()).decode("ascii")
