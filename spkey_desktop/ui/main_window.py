"""The main window: the roster with instant search and the selected user's plates."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QByteArray,
    QItemSelectionModel,
    QModelIndex,
    Qt,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QGuiApplication,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from spkey_desktop import __version__
from spkey_desktop.api.errors import ApiError, ForbiddenError, UnauthorizedError
from spkey_desktop.services.plate_check import RosterPlateIndex
from spkey_desktop.services.roster_service import (
    PlateChange,
    PlateOutcome,
    RosterService,
)
from spkey_desktop.store.roster import RosterPlate, RosterUser
from spkey_desktop.ui.add_plate_dialog import AddPlateDialog
from spkey_desktop.ui.async_dialogs import ask_yes_no, run_dialog, tell
from spkey_desktop.ui.lookup_dialog import LookupDialog
from spkey_desktop.ui.models import (
    RECORD_ROLE,
    PlatesTableModel,
    RosterFilterProxy,
    RosterTableModel,
    format_age,
)

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

    def __init__(
        self,
        service: RosterService,
        connection: ConnectionInfo,
        on_credentials_rejected: CredentialsHandler,
        log_file: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._log_file = log_file
        self._service = service
        self._connection = connection
        self._on_credentials_rejected = on_credentials_rejected
        self._refresh_task: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

        self.roster_model = RosterTableModel(self)
        self.proxy = RosterFilterProxy(self)
        self.proxy.setSourceModel(self.roster_model)
        self.plates_model = PlatesTableModel(self)
        self.plate_index = RosterPlateIndex()

        title = "SmartphoneKey plates"
        self.setWindowTitle(f"{title} — Demo" if connection.demo else title)
        self.setObjectName("mainWindow")
        self._build_central()
        self._build_actions()
        self._build_status_bar()
        self._update_actions()

    # -- layout --------------------------------------------------------------

    def _build_central(self) -> None:
        self.search_edit = QLineEdit(self)
        self.search_edit.setObjectName("searchEdit")
        self.search_edit.setPlaceholderText(
            "Search name, e-mail, phone or plate (Ctrl+F)"
        )
        self.search_edit.setAccessibleName("Search the roster")
        self.search_edit.setClearButtonEnabled(True)
        self.search_edit.textChanged.connect(self.proxy.set_search)

        self.users_view = QTableView(self)
        self.users_view.setObjectName("usersView")
        self.users_view.setAccessibleName("Users")
        self.users_view.setModel(self.proxy)
        self.users_view.setSortingEnabled(True)
        self.users_view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self._configure_view(self.users_view)
        self.users_view.selectionModel().currentRowChanged.connect(
            self._on_user_changed
        )

        self.user_heading = QLabel(self)
        self.user_heading.setObjectName("userHeading")
        self.plates_view = QTableView(self)
        self.plates_view.setObjectName("platesView")
        self.plates_view.setAccessibleName("Plates of the selected user")
        self.plates_view.setModel(self.plates_model)
        self._configure_view(self.plates_view)
        self.plates_view.selectionModel().currentRowChanged.connect(
            lambda *_: self._update_actions()
        )

        self.add_button = QPushButton("&Add plate…", self)
        self.add_button.setObjectName("addPlateButton")
        self.remove_button = QPushButton("&Remove plate", self)
        self.remove_button.setObjectName("removePlateButton")
        self.copy_button = QPushButton("&Copy plate", self)
        self.copy_button.setObjectName("copyPlateButton")
        self.add_button.clicked.connect(self.add_plate)
        self.remove_button.clicked.connect(self.remove_plate)
        self.copy_button.clicked.connect(self.copy_plate)
        buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.copy_button):
            buttons.addWidget(button)
        buttons.addStretch(1)

        left = QWidget(self)
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(self.search_edit)
        left_layout.addWidget(self.users_view)
        right = QWidget(self)
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.user_heading)
        right_layout.addWidget(self.plates_view)
        right_layout.addLayout(buttons)

        self.splitter = QSplitter(self)
        self.splitter.setObjectName("mainSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.setCentralWidget(self.splitter)
        self.resize(1100, 650)

    @staticmethod
    def _configure_view(view: QTableView) -> None:
        view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        view.setAlternatingRowColors(True)
        view.verticalHeader().hide()
        view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        view.horizontalHeader().setStretchLastSection(True)
        view.setTabKeyNavigation(False)

    def _build_actions(self) -> None:
        def action(
            text: str, shortcut: QKeySequence | str, slot: Callable[[], object]
        ) -> QAction:
            act = QAction(text, self)
            act.setShortcut(QKeySequence(shortcut))
            act.triggered.connect(lambda *_: slot())
            return act

        self.lookup_action = action("&Look up user…", "Ctrl+L", self.look_up_user)
        self.refresh_action = action("&Refresh", "F5", self.refresh)
        self.forget_action = action("Remove user from roster", "", self.forget_user)
        self.quit_action = action("&Quit", "Ctrl+Q", self.close)
        self.find_action = action("&Find", "Ctrl+F", self.focus_search)
        self.add_action = action("&Add plate…", "Ctrl+N", self.add_plate)
        self.remove_action = action("&Remove plate", "Delete", self.remove_plate)
        self.copy_action = action("&Copy plate", "Ctrl+C", self.copy_plate)

        menu = self.menuBar()
        file_menu = menu.addMenu("&File")
        file_menu.addActions([self.lookup_action, self.refresh_action])
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        edit_menu = menu.addMenu("&Edit")
        edit_menu.addActions([self.find_action, self.copy_action])
        user_menu = menu.addMenu("&User")
        user_menu.addActions([self.add_action, self.remove_action])
        user_menu.addSeparator()
        user_menu.addAction(self.forget_action)
        self.help_menu = menu.addMenu("&Help")
        self.show_log_action = action("Show &log file", "", self.show_log)
        self.about_action = action("&About", "", self.show_about)
        self.help_menu.addActions([self.show_log_action, self.about_action])

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        prefix = "Demo · " if self._connection.demo else ""
        self.connection_label = QLabel(
            f"{prefix}{self._connection.profile_name} · {self._connection.base_url}"
        )
        self.connection_label.setObjectName("connectionLabel")
        if self._connection.demo:
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
        self.cancel_refresh_button.clicked.connect(self.cancel_refresh)
        self.cancel_refresh_button.hide()
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.cancel_refresh_button)
        bar.addPermanentWidget(self.reachability_label)
        bar.addPermanentWidget(self.connection_label)

    # -- roster --------------------------------------------------------------

    def show_roster(self, users: list[RosterUser]) -> None:
        """Show the cached roster at once, marked with its age."""
        selected = self.selected_user()
        self.roster_model.set_users(users)
        self.plate_index.reset(users)
        fetched = [u.fetched_at for u in users if u.fetched_at is not None]
        if fetched:
            self.statusBar().showMessage(
                f"Showing the saved roster from {format_age(min(fetched))}.", 10000
            )
        self._select_user(selected.user_id if selected else None)

    def apply_user(self, user: RosterUser) -> None:
        """Show a changed user, keeping the selection on the same user and plate."""
        old = self.roster_model.user(user.user_id)
        self.plate_index.replace(old, user)
        self.roster_model.upsert(user)
        current = self.selected_user()
        if current is not None and current.user_id == user.user_id:
            self._show_plates(user)

    def selected_user(self) -> RosterUser | None:
        index = self.users_view.currentIndex()
        if not index.isValid():
            return None
        user = index.data(RECORD_ROLE)
        return user if isinstance(user, RosterUser) else None

    def selected_plate(self) -> RosterPlate | None:
        index = self.plates_view.currentIndex()
        if not index.isValid():
            return None
        plate = index.data(RECORD_ROLE)
        return plate if isinstance(plate, RosterPlate) else None

    def _select_user(self, user_id: str | None) -> None:
        row = None if user_id is None else self.roster_model.row_of(user_id)
        if row is None:
            if self.proxy.rowCount() and not self.users_view.currentIndex().isValid():
                self._set_current(self.proxy.index(0, 0))
            return
        self._set_current(self.proxy.mapFromSource(self.roster_model.index(row, 0)))

    def _set_current(self, index: QModelIndex) -> None:
        self.users_view.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )

    def _on_user_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        user = current.data(RECORD_ROLE) if current.isValid() else None
        self._show_plates(user if isinstance(user, RosterUser) else None)

    def _show_plates(self, user: RosterUser | None) -> None:
        selected = self.selected_plate()
        if user is None:
            self.user_heading.setText("No user selected")
            self.plates_model.set_plates([])
        else:
            self.user_heading.setText(
                f"<b>{user.display_name}</b> — {len(user.plates)} plate(s)"
            )
            self.plates_model.set_plates(user.plates)
            row = self.plates_model.row_of(selected.plate) if selected else None
            if row is not None:
                self.plates_view.setCurrentIndex(self.plates_model.index(row, 0))
        self._update_actions()

    def _update_actions(self) -> None:
        has_user = self.selected_user() is not None
        has_plate = has_user and self.selected_plate() is not None
        for widget in (self.add_button, self.add_action, self.forget_action):
            widget.setEnabled(has_user)
        for widget in (
            self.remove_button,
            self.remove_action,
            self.copy_button,
            self.copy_action,
        ):
            widget.setEnabled(has_plate)

    def show_notice(self, text: str) -> None:
        """Something the operator should read that needs no answer."""
        self._spawn(tell(self, "spkey-desktop", text))

    def show_log(self) -> None:
        if self._log_file is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._log_file)))

    def show_about(self) -> None:
        where = f"<br>Log file: {self._log_file}" if self._log_file else ""
        self.show_notice(
            f"spkey-desktop {__version__}<br>Connected to "
            f"{self._connection.base_url} ({self._connection.profile_name}){where}"
        )

    def focus_search(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    # -- async actions ---------------------------------------------------------

    def _spawn(self, coro: Awaitable[object]) -> asyncio.Task[object]:
        task: asyncio.Task[object] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        task.add_done_callback(self._report_crash)
        return task

    def _report_crash(self, task: asyncio.Task[object]) -> None:
        if task.cancelled() or task.exception() is None:
            return
        error = task.exception()
        if isinstance(error, ApiError):
            self.statusBar().showMessage(error.user_message)
            return
        log.error("Unexpected error in a window action", exc_info=error)

    async def _with_credentials(
        self, action: Callable[[], Awaitable[object]]
    ) -> object:
        """Run an action; on 401/403 ask for credentials and try once more."""
        try:
            return await action()
        except (UnauthorizedError, ForbiddenError) as error:
            if not await self._on_credentials_rejected(error):
                raise
            return await action()

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
        ids = [u.user_id for u in self.roster_model.users()]
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
        for user in report.refreshed:
            self.apply_user(user)
        self._show_refresh_outcome(len(report.refreshed), report.failed)

    def _show_refresh_outcome(
        self, refreshed: int, failed: dict[str, ApiError]
    ) -> None:
        if not failed:
            self.reachability_label.setText("online")
            self.statusBar().showMessage(f"Refreshed {refreshed} users.", 10000)
            return
        first = next(iter(failed.values()))
        self.reachability_label.setText("online" if refreshed else "unreachable")
        self.statusBar().showMessage(
            f"Refreshed {refreshed} users; {len(failed)} failed: {first.user_message}"
        )
        if isinstance(first, UnauthorizedError | ForbiddenError):
            self._spawn(self._ask_credentials_then_refresh(first))

    async def _ask_credentials_then_refresh(self, error: ApiError) -> None:
        if await self._on_credentials_rejected(error):
            self.refresh()

    def add_plate(self) -> None:
        user = self.selected_user()
        if user is None:
            return
        dialog = AddPlateDialog(user, self.plate_index.check, self._submit_plate, self)
        dialog.credentials_rejected.connect(
            lambda error: self._spawn(self._on_credentials_rejected(error))
        )
        dialog.cancelled_while_sending.connect(
            lambda user: self._spawn(self._reload_user(user.user_id))
        )
        dialog.finished.connect(lambda _result: self._after_add(dialog))
        dialog.open()

    async def _submit_plate(
        self, user: RosterUser, plate: str, label: str
    ) -> PlateChange:
        return await self._service.add_plate(user, plate, label)

    async def _reload_user(self, user_id: str) -> None:
        self.apply_user(await self._service.fetch_user(user_id))

    def _after_add(self, dialog: AddPlateDialog) -> None:
        change = dialog.result_change
        dialog.deleteLater()
        if change is None:
            return
        self.apply_user(change.user)
        row = self.plates_model.row_of(change.plate)
        if row is not None:
            self.plates_view.setCurrentIndex(self.plates_model.index(row, 0))
        if change.outcome is PlateOutcome.ALREADY_REGISTERED:
            name = change.user.display_name
            text = f"{change.plate} was already registered on {name}."
        else:
            text = f"Added {change.plate} to {change.user.display_name}."
        self.statusBar().showMessage(text, 10000)

    def remove_plate(self) -> None:
        user, plate = self.selected_user(), self.selected_plate()
        if user is not None and plate is not None:
            self._spawn(self._remove_plate(user, plate))

    async def _remove_plate(self, user: RosterUser, plate: RosterPlate) -> None:
        question = (
            f"Remove plate {plate.plate} from {user.display_name}? "
            "The camera will stop opening the gate for it."
        )
        if not await ask_yes_no(self, "Remove plate", question):
            return
        self.statusBar().showMessage(f"Removing {plate.plate}…")
        try:
            change = await self._with_credentials(
                lambda: self._service.remove_plate(user, plate.plate)
            )
        except ApiError as error:
            self.statusBar().showMessage(
                f"{plate.plate} was not removed: {error.user_message}"
            )
            return
        assert isinstance(change, PlateChange)
        self.apply_user(change.user)
        self.statusBar().showMessage(
            f"Removed {plate.plate} from {user.display_name}.", 10000
        )

    def copy_plate(self) -> None:
        plate = self.selected_plate()
        if plate is not None:
            QGuiApplication.clipboard().setText(plate.plate)
            self.statusBar().showMessage(f"Copied {plate.plate}.", 5000)

    def look_up_user(self) -> None:
        self._spawn(self._look_up_user())

    async def _look_up_user(self) -> None:
        dialog = LookupDialog(self._service, self)
        await run_dialog(dialog)
        user = dialog.added_user
        if user is not None:
            self.apply_user(user)
            self._select_user(user.user_id)
            self.statusBar().showMessage(f"Added {user.display_name} to the roster.")

    def forget_user(self) -> None:
        user = self.selected_user()
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
        self.plate_index.replace(user, None)
        self.roster_model.remove(user.user_id)

    # -- state ---------------------------------------------------------------

    def save_view_state(self) -> dict[str, str]:
        """Window geometry, splitter and column widths, as base64 strings."""
        return {
            "geometry": _b64(self.saveGeometry()),
            "splitter": _b64(self.splitter.saveState()),
            "users_header": _b64(self.users_view.horizontalHeader().saveState()),
            "plates_header": _b64(self.plates_view.horizontalHeader().saveState()),
        }

    def restore_view_state(self, state: dict[str, str]) -> None:
        restorers = {
            "geometry": self.restoreGeometry,
            "splitter": self.splitter.restoreState,
            "users_header": self.users_view.horizontalHeader().restoreState,
            "plates_header": self.plates_view.horizontalHeader().restoreState,
        }
        for key, restore in restorers.items():
            if state.get(key):
                restore(QByteArray.fromBase64(state[key].encode("ascii")))

    def closeEvent(self, event: QCloseEvent) -> None:
        for task in list(self._tasks):
            task.cancel()
        super().closeEvent(event)
        self.closed.emit()


def _b64(data: QByteArray) -> str:
    return bytes(data.toBase64().data()).decode("ascii")
