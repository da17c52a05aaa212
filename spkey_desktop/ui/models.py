"""Qt item models over the roster's plain records.

``RosterTableModel`` holds frozen :class:`RosterUser` records and answers
``RECORD_ROLE`` with the record itself, so views and code above never parse cell
text. ``RosterFilterProxy`` (in ``roster_proxy.py``) does the instant search and
the sorting: each row's search text and sort key are computed once when the row
changes, not on every keystroke or comparison.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from enum import IntEnum

from PySide6.QtCore import (
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)
from PySide6.QtGui import QBrush, QColor, QFont

from spkey_desktop.plates import canonicalize
from spkey_desktop.store.roster import PlateState, RosterPlate, RosterUser
from spkey_desktop.ui.roster_proxy import RosterFilterProxy
from spkey_desktop.ui.table_model import RecordTableModel

__all__ = [
    "RECORD_ROLE",
    "SORT_ROLE",
    "PlateColumn",
    "PlatesTableModel",
    "RosterColumn",
    "RosterFilterProxy",
    "RosterTableModel",
    "format_age",
    "format_date",
    "search_text",
]

RECORD_ROLE = Qt.ItemDataRole.UserRole + 1
SORT_ROLE = Qt.ItemDataRole.UserRole + 2

AnyIndex = QModelIndex | QPersistentModelIndex


def format_age(moment: datetime | None, now: datetime | None = None) -> str:
    """How long ago, in the words a status bar uses ("3 min ago")."""
    if moment is None:
        return "never"
    seconds = int(((now or datetime.now(UTC)) - moment).total_seconds())
    if seconds < 60:
        return "just now"
    if seconds < 3600:
        return f"{seconds // 60} min ago"
    if seconds < 86400:
        return f"{seconds // 3600} h ago"
    return f"{seconds // 86400} days ago"


def format_date(moment: datetime | None) -> str:
    """Local date and time, or "unknown" for a date the platform cannot convert
    (a server may send year 9999; an exception inside a model's data() would
    take the whole app down)."""
    if moment is None:
        return ""
    try:
        local = moment.astimezone()
    except (OverflowError, ValueError, OSError):
        return "unknown"
    # Not strftime: its %Y leaves early years unpadded on some platforms.
    return local.replace(tzinfo=None).isoformat(sep=" ", timespec="minutes")


class RosterColumn(IntEnum):
    NAME = 0
    EMAIL = 1
    PHONE = 2
    STATUS = 3
    PLATES = 4
    REFRESHED = 5


_ROSTER_HEADERS = {
    RosterColumn.NAME: "Name",
    RosterColumn.EMAIL: "E-mail",
    RosterColumn.PHONE: "Phone",
    RosterColumn.STATUS: "Status",
    RosterColumn.PLATES: "Plates",
    RosterColumn.REFRESHED: "Last refreshed",
}


def search_text(user: RosterUser) -> str:
    """Everything the search box matches, lower-cased; plates also in their
    canonical form, so a plate stored as typed (АВ123, AB–123) is found as
    AB123."""
    parts = [user.display_name, user.email, user.phone, user.phone.replace(" ", "")]
    for plate in user.plates:
        parts.append(plate.plate)
        if not (plate.plate.isascii() and plate.plate.isalnum()):
            parts.append(canonicalize(plate.plate).plate)
    parts.extend(p.label for p in user.plates)
    return "\n".join(parts).casefold()


# Plain ints: data() runs for every cell painted, and comparing an int with
# an int is cheaper than with an enum member.
_COLUMNS = tuple(RosterColumn)
_DISPLAY = Qt.ItemDataRole.DisplayRole.value
_ALIGNMENT = Qt.ItemDataRole.TextAlignmentRole.value
_TOOLTIP = Qt.ItemDataRole.ToolTipRole.value


class RosterTableModel(RecordTableModel):
    """The roster's users, one row each, addressed by user id."""

    HEADERS = tuple(_ROSTER_HEADERS[c] for c in RosterColumn)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._users: list[RosterUser] = []
        self._search: list[str] = []
        self._row_of: dict[str, int] = {}

    # -- reading -------------------------------------------------------------

    def record_count(self) -> int:
        return len(self._users)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid():
            return None
        return self.cell(index.row(), index.column(), role)

    def cell(self, row: int, column: int, role: int) -> object:
        """What ``data`` answers for a cell, without a model index: the search
        proxy asks this directly, for hundreds of cells at every repaint."""
        if not 0 <= row < len(self._users):
            return None
        user = self._users[row]
        if role == _DISPLAY:
            return self._display(user, _COLUMNS[column])
        if role == RECORD_ROLE:
            return user
        if role == SORT_ROLE:
            return self._sort_key(user, _COLUMNS[column])
        if role == _ALIGNMENT and column == RosterColumn.PLATES:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == _TOOLTIP and column == RosterColumn.REFRESHED:
            return format_date(user.fetched_at)
        return None

    @staticmethod
    def _display(user: RosterUser, column: RosterColumn) -> str:
        if column == RosterColumn.NAME:
            return user.display_name
        if column == RosterColumn.EMAIL:
            return user.email
        if column == RosterColumn.PHONE:
            return user.phone
        if column == RosterColumn.STATUS:
            return user.status.capitalize()
        if column == RosterColumn.PLATES:
            return str(len(user.plates))
        return format_age(user.fetched_at)

    @staticmethod
    def _sort_key(user: RosterUser, column: RosterColumn) -> object:
        if column == RosterColumn.PLATES:
            return len(user.plates)
        if column == RosterColumn.REFRESHED:
            return user.fetched_at.timestamp() if user.fetched_at else 0.0
        return RosterTableModel._display(user, column).casefold()

    def user_at(self, row: int) -> RosterUser:
        return self._users[row]

    def row_of(self, user_id: str) -> int | None:
        return self._row_of.get(user_id)

    def user(self, user_id: str) -> RosterUser | None:
        row = self._row_of.get(user_id)
        return None if row is None else self._users[row]

    def users(self) -> Sequence[RosterUser]:
        return tuple(self._users)

    def search_text_at(self, row: int) -> str:
        return self._search[row]

    def search_texts(self) -> Sequence[str]:
        """Every row's search text, in row order (the model's own list)."""
        return self._search

    def sort_key(self, row: int, column: int) -> object:
        return self._sort_key(self._users[row], RosterColumn(column))

    def sort_keys(
        self, column: int, first: int = 0, end: int | None = None
    ) -> list[object]:
        """The sort keys of rows ``first`` to ``end`` (excluded) for ``column``."""
        key, which = self._sort_key, RosterColumn(column)
        return [key(user, which) for user in self._users[first:end]]

    # -- changing ------------------------------------------------------------

    def set_users(self, users: Iterable[RosterUser]) -> None:
        """Replace every row at once (one reset, not one signal per row)."""
        self.beginResetModel()
        self._users = list(users)
        self._search = [search_text(u) for u in self._users]
        self._row_of = {u.user_id: row for row, u in enumerate(self._users)}
        self.endResetModel()

    def upsert(self, user: RosterUser) -> None:
        """Show a new or changed user; an existing row is updated in place."""
        row = self._row_of.get(user.user_id)
        if row is None:
            row = len(self._users)
            self.beginInsertRows(QModelIndex(), row, row)
            self._users.append(user)
            self._search.append(search_text(user))
            self._row_of[user.user_id] = row
            self.endInsertRows()
            return
        self._users[row] = user
        self._search[row] = search_text(user)
        self.dataChanged.emit(
            self.index(row, 0), self.index(row, len(RosterColumn) - 1)
        )

    def append_users(
        self, users: Sequence[RosterUser], *, update_known: bool = True
    ) -> None:
        """Add a batch of users in one insert; ids already shown are updated,
        or, with ``update_known=False``, kept as shown (a saved copy loading
        in batches is older than a user the window has updated meanwhile).

        The roster arrives from the local store in batches: one insert per
        batch lets a filtered, sorted view take the batch in one pass.
        """
        new = list({u.user_id: u for u in users}.values())
        known = [u for u in new if u.user_id in self._row_of]
        new = [u for u in new if u.user_id not in self._row_of]
        for user in known if update_known else ():
            self.upsert(user)
        if not new:
            return
        first = len(self._users)
        self.beginInsertRows(QModelIndex(), first, first + len(new) - 1)
        self._users += new
        self._search += [search_text(u) for u in new]
        self._row_of.update((u.user_id, first + n) for n, u in enumerate(new))
        self.endInsertRows()

    def upsert_many(self, users: Sequence[RosterUser]) -> None:
        """Many changes at once: users already shown are updated in place, with
        one ``dataChanged`` per run of neighbouring rows, and new ones arrive
        in one insert. No reset: a reset would recompute the search text of
        every user and make the view forget its scroll position, for the
        sake of the few that changed."""
        latest = {u.user_id: u for u in users}
        rows = []
        for user_id, user in latest.items():
            row = self._row_of.get(user_id)
            if row is not None:
                self._users[row] = user
                self._search[row] = search_text(user)
                rows.append(row)
        last_column = len(RosterColumn) - 1
        # Many of a small roster's rows: one signal over their span, which a
        # filtered view takes in one pass; a few of a large one: each run.
        spans = (
            [(min(rows), max(rows))]
            if rows and len(rows) * _ONE_SPAN_SHARE > len(self._users)
            else _runs(sorted(rows))
        )
        for first, last in spans:
            self.dataChanged.emit(self.index(first, 0), self.index(last, last_column))
        self.append_users([u for u in latest.values() if u.user_id not in self._row_of])

    def remove(self, user_id: str) -> None:
        row = self._row_of.get(user_id)
        if row is None:
            return
        self.beginRemoveRows(QModelIndex(), row, row)
        del self._users[row]
        del self._search[row]
        self._row_of = {u.user_id: r for r, u in enumerate(self._users)}
        self.endRemoveRows()


class PlateColumn(IntEnum):
    PLATE = 0
    LABEL = 1
    ADDED = 2


_PLATE_HEADERS = {
    PlateColumn.PLATE: "Plate",
    PlateColumn.LABEL: "Label",
    PlateColumn.ADDED: "Added",
}


#: The Added column of a plate whose change waits in the outbox or was refused.
_STATE_WORDS = {
    PlateState.ADDING: "pending",
    PlateState.REMOVING: "removal pending",
    PlateState.ADD_FAILED: "failed",
    PlateState.REMOVE_FAILED: "removal failed",
}
_FAILED_COLOR = "#b00020"


def _state_look(plate: RosterPlate, role: int) -> object:
    """How a queued (italic) or refused (red, reason as tooltip) plate looks."""
    state = plate.state
    if state is PlateState.SAVED:
        return None
    failed = state in (PlateState.ADD_FAILED, PlateState.REMOVE_FAILED)
    if role == Qt.ItemDataRole.FontRole and not failed:
        font = QFont()
        font.setItalic(True)
        font.setStrikeOut(state is PlateState.REMOVING)
        return font
    if role == Qt.ItemDataRole.ForegroundRole and failed:
        return QBrush(QColor(_FAILED_COLOR))
    if role == Qt.ItemDataRole.ToolTipRole:
        if failed:
            return f"The server refused this change: {plate.note}"
        waiting = "Waiting to be sent to the server."
        return f"{waiting} Last try: {plate.note}" if plate.note else waiting
    return None


class PlatesTableModel(RecordTableModel):
    """The plates of the selected user."""

    HEADERS = tuple(_PLATE_HEADERS[c] for c in PlateColumn)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._plates: list[RosterPlate] = []

    def record_count(self) -> int:
        return len(self._plates)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._plates):
            return None
        plate = self._plates[index.row()]
        column = PlateColumn(index.column())
        if role == RECORD_ROLE:
            return plate
        if role in (Qt.ItemDataRole.DisplayRole, SORT_ROLE):
            if column == PlateColumn.PLATE:
                return plate.plate
            if column == PlateColumn.LABEL:
                return plate.label
            if role == SORT_ROLE:
                return plate.added_at.timestamp() if plate.added_at else 0.0
            return _STATE_WORDS.get(plate.state) or format_date(plate.added_at)
        return _state_look(plate, role)

    def set_plates(self, plates: Iterable[RosterPlate]) -> None:
        self.beginResetModel()
        self._plates = list(plates)
        self.endResetModel()

    def plate_at(self, row: int) -> RosterPlate:
        return self._plates[row]

    def row_of(self, plate: str) -> int | None:
        for row, item in enumerate(self._plates):
            if item.plate == plate:
                return row
        return None


# Above one changed row in this many, a batch is told as one span.
_ONE_SPAN_SHARE = 8


def _runs(rows: Sequence[int]) -> list[tuple[int, int]]:
    """Sorted row numbers as (first, last) runs of neighbours."""
    runs: list[tuple[int, int]] = []
    for row in rows:
        if runs and runs[-1][1] == row - 1:
            runs[-1] = (runs[-1][0], row)
        else:
            runs.append((row, row))
    return runs
