"""Queued changes in the window: the status-bar indicator, the users they touch,
and the "Pending changes" dialog (View menu) to cancel, retry or discard them.

:class:`OutboxPresenter` listens to the outbox sender (plain callbacks, on the
loop's thread) and keeps the window in step: users whose queued changes moved
are shown again with them, and the indicator reads "online · 3 pending" or
"offline · 3 pending · 1 failed".
"""

from __future__ import annotations

import html
from collections.abc import Callable, Sequence
from enum import IntEnum

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from spkey_desktop.services.delivery import OutboxEvent, Reachability, SenderStatus
from spkey_desktop.services.roster_service import RosterService
from spkey_desktop.store.outbox import EntryState, OutboxEntry, describe
from spkey_desktop.ui.models import RECORD_ROLE, AnyIndex, format_date
from spkey_desktop.ui.roster_panel import RosterPanel
from spkey_desktop.ui.table_model import RecordTableModel

RELOAD_INTERVAL_MS = 250

_WORDS = {
    Reachability.ONLINE: "online",
    Reachability.OFFLINE: "offline",
    Reachability.REFUSED: "credentials refused",
    Reachability.ELSEWHERE: "sent by another copy",
}
_STATE_WORDS = {
    EntryState.PENDING: "waiting",
    EntryState.SENDING: "sending",
    EntryState.FAILED: "failed",
}


def indicator_text(word: str, status: SenderStatus) -> str:
    """ "online", "offline · 3 pending", "online · 1 pending · 2 failed"."""
    parts = [word]
    if status.counts.unsent:
        parts.append(f"{status.counts.unsent} pending")
    if status.counts.failed:
        parts.append(f"{status.counts.failed} failed")
    return " · ".join(parts)


class OutboxPresenter(QObject):
    """Keeps the window in step with the outbox; opens the pending dialog."""

    def __init__(
        self,
        service: RosterService,
        panel: RosterPanel,
        indicator: QLabel,
        parent: QWidget,
    ) -> None:
        super().__init__(parent)
        self._service = service
        self._panel = panel
        self._indicator = indicator
        self._window = parent
        self._word = indicator.text()
        self._dialog: PendingChangesDialog | None = None
        self._stop_listening = service.add_listener(self._on_event)

    def close(self) -> None:
        """Stop listening (the window is closing)."""
        self._stop_listening()
        if self._dialog is not None:
            self._dialog.close()

    def show_reachability(self, word: str) -> None:
        """What a refresh found out: "online", "offline", "not checked"."""
        self._word = word
        self._show(self._service.status())

    def open_dialog(self) -> PendingChangesDialog:
        if self._dialog is None:
            self._dialog = PendingChangesDialog(
                self._service, self._name_of, self._window
            )
            self._dialog.finished.connect(self._forget_dialog)
        self._dialog.reload()
        self._dialog.show()
        self._dialog.raise_()
        self._dialog.activateWindow()
        return self._dialog

    def _forget_dialog(self) -> None:
        if self._dialog is not None:
            self._dialog.deleteLater()
            self._dialog = None

    def _name_of(self, user_id: str) -> str:
        user = self._panel.roster_model.user(user_id)
        return user.display_name if user is not None else user_id

    def _on_event(self, event: OutboxEvent) -> None:
        # Users not shown (a bulk import's, or forgotten) are left alone.
        model = self._panel.roster_model
        shown = [u for u in event.user_ids if model.user(u) is not None]
        if shown:
            self._panel.apply_users(self._service.views(shown))
        self._show(event.status)
        if self._dialog is not None:
            self._dialog.schedule_reload()

    def _show(self, status: SenderStatus) -> None:
        self._word = _WORDS.get(status.reachability, self._word)
        self._indicator.setText(indicator_text(self._word, status))
        self._indicator.setToolTip(status.last_error)


class PendingColumn(IntEnum):
    USER = 0
    CHANGE = 1
    STATE = 2
    ATTEMPTS = 3
    QUEUED = 4
    ERROR = 5


_HEADERS = ("User", "Change", "State", "Tries", "Queued", "Last error")


class PendingChangesModel(RecordTableModel):
    """Queued and refused changes, in sending order; RECORD_ROLE is the entry."""

    HEADERS = _HEADERS

    def __init__(
        self, name_of: Callable[[str], str], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._name_of = name_of
        self._entries: list[OutboxEntry] = []

    def record_count(self) -> int:
        return len(self._entries)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._entries):
            return None
        entry = self._entries[index.row()]
        if role == RECORD_ROLE:
            return entry
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(entry, PendingColumn(index.column()))
        if role == Qt.ItemDataRole.ToolTipRole:
            return entry.last_error or None
        failed = entry.state is EntryState.FAILED
        if role == Qt.ItemDataRole.ForegroundRole and failed:
            return QBrush(QColor("#b00020"))
        return None

    def _text(self, entry: OutboxEntry, column: PendingColumn) -> str:
        if column == PendingColumn.USER:
            return self._name_of(entry.user_id)
        if column == PendingColumn.CHANGE:
            return describe(entry.change)
        if column == PendingColumn.STATE:
            return _STATE_WORDS[entry.state]
        if column == PendingColumn.ATTEMPTS:
            return str(entry.attempts)
        if column == PendingColumn.QUEUED:
            return format_date(entry.created_at)
        return entry.last_error

    def set_entries(self, entries: Sequence[OutboxEntry]) -> None:
        self.beginResetModel()
        self._entries = list(entries)
        self.endResetModel()

    def entry_at(self, row: int) -> OutboxEntry:
        return self._entries[row]

    def row_of(self, entry_id: int) -> int | None:
        for row, entry in enumerate(self._entries):
            if entry.entry_id == entry_id:
                return row
        return None


class PendingChangesDialog(QDialog):
    """View → Pending changes…: what waits to be sent, and what was refused."""

    def __init__(
        self,
        service: RosterService,
        name_of: Callable[[str], str],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._sender = service.sender
        self.setWindowTitle("Pending changes")
        self.setObjectName("pendingChangesDialog")
        self.model = PendingChangesModel(name_of, self)
        # While a backlog is sent the outbox changes many times a second;
        # the list follows at most four times a second.
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_INTERVAL_MS)
        self._reload_timer.timeout.connect(self.reload)
        self._build()
        self.resize(760, 360)

    def _build(self) -> None:
        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("pendingSummary")
        self.summary_label.setWordWrap(True)
        self.view = QTableView(self)
        self.view.setObjectName("pendingView")
        self.view.setAccessibleName("Pending changes")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Interactive
        )
        self.view.selectionModel().currentRowChanged.connect(self._update_buttons)

        self.cancel_change_button = QPushButton("&Cancel change", self)
        self.retry_button = QPushButton("&Retry", self)
        self.discard_button = QPushButton("&Discard", self)
        self.send_now_button = QPushButton("&Send now", self)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        for button in (
            self.cancel_change_button,
            self.retry_button,
            self.discard_button,
            self.send_now_button,
        ):
            buttons.addButton(button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.cancel_change_button.clicked.connect(
            lambda: self._act(self._sender.cancel)
        )
        self.retry_button.clicked.connect(lambda: self._act(self._sender.retry))
        self.discard_button.clicked.connect(lambda: self._act(self._sender.discard))
        self.send_now_button.clicked.connect(self._sender.wake)

        layout = QVBoxLayout(self)
        layout.addWidget(self.summary_label)
        layout.addWidget(self.view)
        layout.addWidget(buttons)

    def schedule_reload(self) -> None:
        """Reload soon, once however often this is called meanwhile."""
        if not self._reload_timer.isActive():
            self._reload_timer.start()

    def reload(self) -> None:
        """Show the outbox as it is now, keeping the selected change."""
        self._reload_timer.stop()
        selected = self.selected_entry()
        self.model.set_entries(self._sender.outbox.entries())
        if selected is not None:
            row = self.model.row_of(selected.entry_id)
            if row is not None:
                self.view.setCurrentIndex(self.model.index(row, 0))
        status = self._sender.status()
        word = _WORDS.get(status.reachability, "connecting")
        text = indicator_text(word.capitalize(), status)
        if status.last_error:
            text += f"<br>{html.escape(status.last_error)}"
        self.summary_label.setText(text)
        self._update_buttons()

    def selected_entry(self) -> OutboxEntry | None:
        index = self.view.currentIndex()
        if not index.isValid():
            return None
        entry = self.model.data(index, RECORD_ROLE)
        return entry if isinstance(entry, OutboxEntry) else None

    def select(self, entry_id: int) -> None:
        row = self.model.row_of(entry_id)
        if row is not None:
            self.view.setCurrentIndex(self.model.index(row, 0))

    def _act(self, action: Callable[[int], bool]) -> None:
        entry = self.selected_entry()
        if entry is None:
            return
        done = action(entry.entry_id)
        self.reload()
        if not done:
            self.summary_label.setText(
                "That change is on its way to the server and can no longer be "
                "called back."
            )

    def _update_buttons(self) -> None:
        entry = self.selected_entry()
        state = None if entry is None else entry.state
        self.cancel_change_button.setEnabled(state is EntryState.PENDING)
        self.retry_button.setEnabled(state is EntryState.FAILED)
        self.discard_button.setEnabled(state is EntryState.FAILED)
