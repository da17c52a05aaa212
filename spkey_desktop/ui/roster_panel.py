"""The window's working area: search box, users table, the selected user's plates.

The panel shows what it is given and keeps the selection on the same user (and
plate) by id across refreshes and re-sorts, never by row number. It starts no
network work itself: its buttons are wired by the main window.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from spkey_desktop.services.plate_check import RosterPlateIndex
from spkey_desktop.store.roster import RosterPlate, RosterUser
from spkey_desktop.ui.models import (
    RECORD_ROLE,
    PlatesTableModel,
    RosterColumn,
    RosterFilterProxy,
    RosterTableModel,
)

#: Up to this many changed users are updated row by row; more, in one go.
_ROW_BY_ROW = 20

#: Starting widths (pixels) until the operator's own are restored.
_COLUMN_WIDTHS = {
    RosterColumn.NAME: 190,
    RosterColumn.EMAIL: 230,
    RosterColumn.PHONE: 140,
    RosterColumn.STATUS: 90,
    RosterColumn.PLATES: 60,
}


class RosterPanel(QSplitter):
    """Users on the left, the selected user's plates on the right."""

    #: The selected user or plate changed (or was cleared).
    selection_changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("rosterPanel")
        self.roster_model = RosterTableModel(self)
        self.proxy = RosterFilterProxy(self)
        self.proxy.setSourceModel(self.roster_model)
        self.plates_model = PlatesTableModel(self)
        self.plate_index = RosterPlateIndex()
        self.addWidget(self._build_users())
        self.addWidget(self._build_plates())
        self.setStretchFactor(0, 3)
        self.setStretchFactor(1, 2)
        self._show_plates(None)

    def _build_users(self) -> QWidget:
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
        _configure_view(self.users_view)
        for column, width in _COLUMN_WIDTHS.items():
            self.users_view.setColumnWidth(column, width)
        self.users_view.selectionModel().currentRowChanged.connect(
            self._on_user_changed
        )

        users = QWidget(self)
        layout = QVBoxLayout(users)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.search_edit)
        layout.addWidget(self.users_view)
        return users

    def _build_plates(self) -> QWidget:
        self.user_heading = QLabel(self)
        self.user_heading.setObjectName("userHeading")
        self.plates_view = QTableView(self)
        self.plates_view.setObjectName("platesView")
        self.plates_view.setAccessibleName("Plates of the selected user")
        self.plates_view.setModel(self.plates_model)
        _configure_view(self.plates_view)
        self.plates_view.setColumnWidth(0, 130)
        self.plates_view.selectionModel().currentRowChanged.connect(
            lambda *_: self.selection_changed.emit()
        )

        self.add_button = QPushButton("&Add plate…", self)
        self.add_button.setObjectName("addPlateButton")
        self.remove_button = QPushButton("&Remove plate", self)
        self.remove_button.setObjectName("removePlateButton")
        self.copy_button = QPushButton("&Copy plate", self)
        self.copy_button.setObjectName("copyPlateButton")
        buttons = QHBoxLayout()
        for button in (self.add_button, self.remove_button, self.copy_button):
            buttons.addWidget(button)
        buttons.addStretch(1)

        plates = QWidget(self)
        layout = QVBoxLayout(plates)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.user_heading)
        layout.addWidget(self.plates_view)
        layout.addLayout(buttons)
        return plates

    # -- what is shown ---------------------------------------------------------

    def show_roster(self, users: Iterable[RosterUser]) -> None:
        """Replace the whole roster, keeping the selected user when still there."""
        users = list(users)
        selected = self.selected_user()
        self.roster_model.set_users(users)
        self.plate_index.reset(users)
        self.select_user(selected.user_id if selected else None)

    def apply_user(self, user: RosterUser) -> None:
        """Show a new or changed user; the selection stays on the same user."""
        self.plate_index.replace(self.roster_model.user(user.user_id), user)
        self.roster_model.upsert(user)
        current = self.selected_user()
        if current is not None and current.user_id == user.user_id:
            self._show_plates(user)

    def apply_users(self, users: Sequence[RosterUser]) -> None:
        """Show many new or changed users in one batch (rows updated in place,
        new ones in one insert), so a refresh or a sent backlog does not
        redraw row by row; the selection stays on its user."""
        if len(users) <= _ROW_BY_ROW:
            for user in users:
                self.apply_user(user)
            return
        selected = self.selected_user()
        for user in users:
            self.plate_index.replace(self.roster_model.user(user.user_id), user)
        self.roster_model.upsert_many(users)
        if selected is not None:
            changed = {user.user_id: user for user in users}.get(selected.user_id)
            if changed is not None:
                self._show_plates(changed)

    def forget_user(self, user: RosterUser) -> None:
        self.plate_index.replace(user, None)
        self.roster_model.remove(user.user_id)

    def selected_user(self) -> RosterUser | None:
        index = self.users_view.currentIndex()
        if not index.isValid():
            return None
        user = self.proxy.data(index, RECORD_ROLE)
        return user if isinstance(user, RosterUser) else None

    def selected_plate(self) -> RosterPlate | None:
        index = self.plates_view.currentIndex()
        if not index.isValid():
            return None
        plate = self.plates_model.data(index, RECORD_ROLE)
        return plate if isinstance(plate, RosterPlate) else None

    def select_user(self, user_id: str | None) -> None:
        """Select a user by id; without one, the first row if nothing is selected."""
        row = None if user_id is None else self.roster_model.row_of(user_id)
        if row is None:
            if self.proxy.rowCount() and not self.users_view.currentIndex().isValid():
                self._set_current(self.proxy.index(0, 0))
            return
        self._set_current(self.proxy.mapFromSource(self.roster_model.index(row, 0)))

    def select_plate(self, plate: str) -> None:
        row = self.plates_model.row_of(plate)
        if row is not None:
            self.plates_view.setCurrentIndex(self.plates_model.index(row, 0))

    def _set_current(self, index: QModelIndex) -> None:
        self.users_view.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )

    def _on_user_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        user = self.proxy.data(current, RECORD_ROLE) if current.isValid() else None
        self._show_plates(user if isinstance(user, RosterUser) else None)

    def _show_plates(self, user: RosterUser | None) -> None:
        selected = self.selected_plate()
        if user is None:
            self.user_heading.setText("No user selected")
            self.plates_model.set_plates([])
        else:
            count = len(user.plates)
            self.user_heading.setText(
                f"<b>{_escape(user.display_name)}</b> — "
                f"{count} plate{'' if count == 1 else 's'}"
            )
            self.plates_model.set_plates(user.plates)
            if selected is not None:
                self.select_plate(selected.plate)
        self.selection_changed.emit()

    def focus_search(self) -> None:
        self.search_edit.setFocus()
        self.search_edit.selectAll()


def _configure_view(view: QTableView) -> None:
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    view.horizontalHeader().setStretchLastSection(True)
    view.setTabKeyNavigation(False)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
