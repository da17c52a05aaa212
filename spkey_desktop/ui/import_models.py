"""The import preview as a table: one row per row of the file.

``PreviewTableModel`` holds the frozen :class:`PreviewRow` records (answered
with ``RECORD_ROLE``) and, once sending has started, each row's outcome. Rows
arrive in batches, one insert per batch; the filter (every row, rows to look
at, rows to send) is a list computed in one pass and shown with one reset, so
200,000 rows never cost a Python call per row on a keystroke or a click.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import Enum, IntEnum

from PySide6.QtCore import QModelIndex, QObject, Qt
from PySide6.QtGui import QBrush, QColor

from spkey_desktop.services.import_preview import (
    NEEDS_ATTENTION,
    PreviewRow,
    RowStatus,
)
from spkey_desktop.services.import_run import Outcome, RowResult
from spkey_desktop.ui.models import RECORD_ROLE, AnyIndex
from spkey_desktop.ui.table_model import RecordTableModel


class PreviewColumn(IntEnum):
    ROW = 0
    STATUS = 1
    USER = 2
    TYPED = 3
    PLATE = 4
    LABEL = 5
    RESULT = 6
    REASON = 7


_HEADERS = {
    PreviewColumn.ROW: "Row",
    PreviewColumn.STATUS: "Status",
    PreviewColumn.USER: "User",
    PreviewColumn.TYPED: "Plate in the file",
    PreviewColumn.PLATE: "Sent as",
    PreviewColumn.LABEL: "Label",
    PreviewColumn.RESULT: "Result",
    PreviewColumn.REASON: "Why",
}

# Text colours that read on light and dark palettes alike.
_RED = QColor(200, 40, 40)
_ORANGE = QColor(190, 110, 0)
_GREY = QColor(120, 120, 120)
_STATUS_COLOURS = {
    RowStatus.INVALID: _RED,
    RowStatus.DAMAGED: _RED,
    RowStatus.NOT_FOUND: _ORANGE,
    RowStatus.UNREACHABLE: _ORANGE,
    RowStatus.CONFUSABLE: _ORANGE,
    RowStatus.UNCHANGED: _GREY,
    RowStatus.DUPLICATE: _GREY,
    RowStatus.USER_ONLY: _GREY,
}


class RowFilter(Enum):
    ALL = "Every row"
    ATTENTION = "Rows to look at"
    CHANGES = "Rows that change something"


def _keeps(which: RowFilter) -> Callable[[PreviewRow], bool]:
    if which is RowFilter.ATTENTION:
        return lambda row: row.status in NEEDS_ATTENTION
    if which is RowFilter.CHANGES:
        return lambda row: row.status in (RowStatus.NEW, RowStatus.CHANGED)
    return lambda row: True


class PreviewTableModel(RecordTableModel):
    """The preview's rows, filtered, with their outcome once sent."""

    HEADERS = tuple(_HEADERS[c] for c in PreviewColumn)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._all: list[PreviewRow] = []
        self._shown: list[PreviewRow] = []
        self._filter = RowFilter.ALL
        self._results: dict[int, RowResult] = {}

    # -- reading -------------------------------------------------------------

    def record_count(self) -> int:
        return len(self._shown)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._shown):
            return None
        row = self._shown[index.row()]
        column = PreviewColumn(index.column())
        if role == RECORD_ROLE:
            return row
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole and column in (
            PreviewColumn.REASON,
            PreviewColumn.RESULT,
            PreviewColumn.STATUS,
        ):
            return self._reason(row)
        if role == Qt.ItemDataRole.ForegroundRole and column != PreviewColumn.ROW:
            colour = self._colour(row)
            return None if colour is None else QBrush(colour)
        return None

    def _text(self, row: PreviewRow, column: PreviewColumn) -> str:
        if column == PreviewColumn.ROW:
            return str(row.number)
        if column == PreviewColumn.STATUS:
            return row.status.value
        if column == PreviewColumn.USER:
            return row.user_name or row.contact
        if column == PreviewColumn.TYPED:
            return row.typed
        if column == PreviewColumn.PLATE:
            return row.plate
        if column == PreviewColumn.LABEL:
            return row.label
        if column == PreviewColumn.RESULT:
            result = self._results.get(row.number)
            return "" if result is None else result.outcome.value
        return self._reason(row)

    def _reason(self, row: PreviewRow) -> str:
        result = self._results.get(row.number)
        if result is not None and result.reason:
            return result.reason
        return row.reason

    def _colour(self, row: PreviewRow) -> QColor | None:
        result = self._results.get(row.number)
        if result is not None and result.outcome is Outcome.FAILED:
            return _RED
        return _STATUS_COLOURS.get(row.status)

    def row_at(self, row: int) -> PreviewRow:
        return self._shown[row]

    def all_rows(self) -> Sequence[PreviewRow]:
        return self._all

    # -- changing ------------------------------------------------------------

    def clear(self) -> None:
        self.beginResetModel()
        self._all, self._shown, self._results = [], [], {}
        self.endResetModel()

    def append_rows(self, rows: Sequence[PreviewRow]) -> None:
        """A batch of classified rows, in one insert."""
        self._all += rows
        keep = _keeps(self._filter)
        shown = [row for row in rows if keep(row)]
        if not shown:
            return
        first = len(self._shown)
        self.beginInsertRows(QModelIndex(), first, first + len(shown) - 1)
        self._shown += shown
        self.endInsertRows()

    def set_filter(self, which: RowFilter) -> None:
        """Show every row, or some: one pass, one reset."""
        keep = _keeps(which)
        self.beginResetModel()
        self._filter = which
        self._shown = [row for row in self._all if keep(row)]
        self.endResetModel()

    def set_results(
        self, results: Mapping[int, RowResult] | Iterable[RowResult]
    ) -> None:
        """Outcomes by row number; the Result and Why columns repaint once."""
        items = results.values() if isinstance(results, Mapping) else results
        for result in items:
            self._results[result.row.number] = result
        if self._shown:
            self.dataChanged.emit(
                self.index(0, PreviewColumn.RESULT),
                self.index(len(self._shown) - 1, PreviewColumn.REASON),
            )
