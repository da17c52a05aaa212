"""Instant search and sorting over the roster, computed in whole passes.

``QSortFilterProxyModel`` asks Python once per row to filter and once per
comparison to sort. Over a Python model of 100,000 users that is a third of a
second per keystroke and many seconds per sort, and the window freezes. This
proxy does the same job with list operations: a keystroke is one pass over the
precomputed search texts (or over the rows still shown, when the operator
types one more character), a sort is one ``sorted`` over precomputed keys, and
a changed row moves by bisection. Rows shown or hidden, and rows moved, reach
the view as one layout change with its persistent indexes carried over, so the
selection stays on the same user.

The source model is duck-typed (see ``SearchSource``) so this module needs
nothing of ``models.py``, which re-exports the class.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Sequence
from itertools import compress, repeat
from operator import contains, or_
from typing import Any, Protocol, cast

from PySide6.QtCore import (
    QAbstractItemModel,
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from spkey_desktop.plates import canonicalize

AnyIndex = QModelIndex | QPersistentModelIndex

# A data change touching more rows than this is handled as one full pass.
_ROW_BY_ROW_LIMIT = 64


class SearchSource(Protocol):
    """What the proxy needs of its source model, besides the Qt interface."""

    def search_texts(self) -> Sequence[str]:
        """Each row's search text, lower-cased (the model's own list)."""
        ...

    def sort_keys(
        self, column: int, first: int = 0, end: int | None = None
    ) -> list[Any]:
        """Rows' sort keys for ``column``; keys of one column compare."""
        ...

    def sort_key(self, row: int, column: int) -> Any: ...

    def cell(self, row: int, column: int, role: int) -> object:
        """What the model's ``data`` answers for a cell."""
        ...


def compact(needle: str) -> str:
    """``needle`` as a canonical plate: "ab 12-3", "ＡＢ１２３" and "АВ123"
    all find plate AB123."""
    if needle.isascii():
        return "".join(ch for ch in needle if ch.isalnum())
    return canonicalize(needle).plate.casefold()


class RosterFilterProxy(QAbstractTableModel):
    """Instant search over name, e-mail, phone, plates and labels; sorting."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._source: QAbstractItemModel | None = None
        self._needle = ""
        self._compact_needle = ""
        self._column = -1
        self._descending = False
        # Every source row, ordered by (sort key, row); the shown ones likewise.
        self._keys: list[Any] = []
        self._order: list[int] = []
        self._rows: list[int] = []

    # -- the source ----------------------------------------------------------

    def setSourceModel(self, source: QAbstractItemModel) -> None:
        for signal, slot in self._connections():
            signal.disconnect(slot)
        self.beginResetModel()
        self._source = source
        for signal, slot in self._connections():
            signal.connect(slot)
        self._rebuild()
        self.endResetModel()

    def _connections(self) -> list[tuple[Any, Callable[..., None]]]:
        source = self._source
        if source is None:
            return []
        # A source that reorders its own rows is rare enough to count as a reset.
        return [
            (source.modelAboutToBeReset, self.beginResetModel),
            (source.modelReset, self._on_reset),
            (source.layoutAboutToBeChanged, self.beginResetModel),
            (source.layoutChanged, self._on_reset),
            (source.rowsInserted, self._on_rows_inserted),
            (source.rowsRemoved, self._on_rows_removed),
            (source.dataChanged, self._on_data_changed),
            (source.headerDataChanged, self.headerDataChanged.emit),
        ]

    def sourceModel(self) -> QAbstractItemModel | None:
        return self._source

    def _searchable(self) -> SearchSource:
        return cast(SearchSource, self._source)

    # -- reading -------------------------------------------------------------

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:
        if parent.isValid() or self._source is None:
            return 0
        return self._source.columnCount()

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        row = index.row()
        if not index.isValid() or not 0 <= row < len(self._rows):
            return None
        return self._searchable().cell(self._source_row(row), index.column(), role)

    def headerData(
        self,
        section: int,
        orientation: Qt.Orientation,
        role: int = Qt.ItemDataRole.DisplayRole,
    ) -> object:
        if self._source is None or orientation == Qt.Orientation.Vertical:
            return None
        return self._source.headerData(section, orientation, role)

    def mapToSource(self, index: AnyIndex) -> QModelIndex:
        if self._source is None or not index.isValid():
            return QModelIndex()
        if not 0 <= index.row() < len(self._rows):
            return QModelIndex()
        return self._source.index(self._source_row(index.row()), index.column())

    def mapFromSource(self, index: AnyIndex) -> QModelIndex:
        if not index.isValid():
            return QModelIndex()
        row = self._proxy_row(index.row())
        return QModelIndex() if row is None else self.index(row, index.column())

    def _source_row(self, proxy_row: int) -> int:
        if self._descending:
            return self._rows[len(self._rows) - 1 - proxy_row]
        return self._rows[proxy_row]

    def _proxy_row(self, source_row: int) -> int | None:
        position = self._position(self._rows, source_row)
        if position is None:
            return None
        return len(self._rows) - 1 - position if self._descending else position

    def _position(self, rows: list[int], source_row: int) -> int | None:
        """Where ``source_row`` is in ``rows`` (ordered by key, then row)."""
        if not 0 <= source_row < len(self._keys):
            return None
        lo, hi = self._equal_keys(rows, self._keys[source_row])
        at = bisect.bisect_left(rows, source_row, lo, hi)
        return at if at < hi and rows[at] == source_row else None

    def _equal_keys(self, rows: list[int], key: Any) -> tuple[int, int]:
        get = self._keys.__getitem__
        lo = bisect.bisect_left(rows, key, key=get)
        return lo, bisect.bisect_right(rows, key, lo, key=get)

    # -- searching and sorting -------------------------------------------------

    def search(self) -> str:
        return self._needle

    def set_search(self, text: str) -> None:
        needle = text.strip().casefold()
        if needle == self._needle:
            return
        # One more character typed: only the rows shown can still match.
        narrowing = bool(
            self._needle and self._compact_needle and self._needle in needle
        )
        self._needle, self._compact_needle = needle, compact(needle)
        candidates = self._rows if narrowing else self._order
        self._relayout(lambda: self._set_rows(self._matching(candidates)))

    def sort(
        self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder
    ) -> None:
        self._relayout(lambda: self._sort(column, order))

    def _sort(self, column: int, order: Qt.SortOrder) -> None:
        source = self._source
        self._column = column if source and 0 <= column < source.columnCount() else -1
        # Column -1 restores the source's order, whichever way it was asked.
        self._descending = self._column >= 0 and order == Qt.SortOrder.DescendingOrder
        shown = set(self._rows)
        self._build_order()
        self._rows = [row for row in self._order if row in shown]

    def _matching(self, rows: list[int]) -> list[int]:
        """The rows of ``rows`` whose search text holds the needle, in order.

        The tests run in C (``map`` over ``operator.contains``): a pass over
        100,000 texts takes milliseconds, not a Python loop's tenths.
        """
        needle, compact_needle = self._needle, self._compact_needle
        if not needle:
            return list(rows)
        texts = self._searchable().search_texts()
        # The whole roster: test every text in row order, then keep the rows
        # of the sort order that hit. A subset: test the subset's texts.
        whole = rows is self._order
        tested = texts if whole else list(map(texts.__getitem__, rows))
        hits = list(map(contains, tested, repeat(needle)))
        if compact_needle and compact_needle != needle:
            also = map(contains, tested, repeat(compact_needle))
            hits = list(map(or_, hits, also))
        if whole:
            return list(compress(rows, map(hits.__getitem__, rows)))
        return list(compress(rows, hits))

    def _accepts(self, row: int) -> bool:
        if not self._needle:
            return True
        text = self._searchable().search_texts()[row]
        return self._needle in text or (
            bool(self._compact_needle) and self._compact_needle in text
        )

    def _set_rows(self, rows: list[int]) -> None:
        self._rows = rows

    # -- following the source --------------------------------------------------

    def _rebuild(self) -> None:
        self._build_order()
        self._rows = self._matching(self._order)

    def _build_order(self) -> None:
        source = self._source
        count = 0 if source is None else source.rowCount()
        if self._column < 0 or source is None:
            self._keys = [0] * count
            self._order = list(range(count))
            return
        self._keys = self._searchable().sort_keys(self._column)
        # A stable sort on the key alone leaves equal keys in row order.
        self._order = sorted(range(count), key=self._keys.__getitem__)

    def _on_reset(self) -> None:
        self._rebuild()
        self.endResetModel()

    def _on_rows_inserted(self, parent: QModelIndex, first: int, last: int) -> None:
        if parent.isValid():
            return
        count = last - first + 1
        if first != len(self._keys):
            # Rows inserted between others renumber the rows below them.
            self._relayout(
                self._rebuild, lambda row: row + count if row >= first else row
            )
            return

        def append() -> None:
            new = list(range(first, last + 1))
            if self._column >= 0:
                source = self._searchable()
                self._keys += source.sort_keys(self._column, first, last + 1)
            else:
                self._keys += [0] * count
            new.sort(key=self._keys.__getitem__)
            self._order = self._merged(self._order, new)
            self._rows = self._merged(self._rows, self._matching(new))

        self._relayout(append)

    def _on_rows_removed(self, parent: QModelIndex, first: int, last: int) -> None:
        if parent.isValid():
            return
        count = last - first + 1

        def moved(row: int) -> int | None:
            if row < first:
                return row
            return None if row <= last else row - count

        def remove() -> None:
            del self._keys[first : last + 1]
            self._shift(moved)

        self._relayout(remove, moved)

    def _shift(self, moved: Callable[[int], int | None]) -> None:
        """Renumber source rows after rows were inserted or removed above them."""
        for name in ("_order", "_rows"):
            rows: list[int] = getattr(self, name)
            renumbered = (moved(row) for row in rows)
            setattr(self, name, [row for row in renumbered if row is not None])

    def _merged(self, rows: list[int], new: list[int]) -> list[int]:
        """Two lists ordered by (key, row) as one; ``new`` holds the later rows."""
        if not new:
            return rows
        keys = self._keys
        if not rows or keys[new[0]] >= keys[rows[-1]]:
            # Rows arriving in sort order (the saved roster is read by name).
            return rows + new
        # Timsort finds the two runs and merges them; being stable, it keeps
        # equal keys in row order since every new row follows the old ones.
        return sorted(rows + new, key=self._keys.__getitem__)

    def _on_data_changed(
        self, top_left: QModelIndex, bottom_right: QModelIndex, *_: object
    ) -> None:
        first, last = top_left.row(), bottom_right.row()
        if last - first >= _ROW_BY_ROW_LIMIT:
            if self._span_keeps_places(first, last):
                # Nothing moves or shows or hides: the view repaints, no more.
                if self._rows:
                    self.dataChanged.emit(
                        self.index(0, 0),
                        self.index(len(self._rows) - 1, self.columnCount() - 1),
                    )
                return
            self._relayout(self._rebuild)
            return
        for row in range(first, last + 1):
            self._row_changed(row)

    def _span_keeps_places(self, first: int, last: int) -> bool:
        """Whether source rows ``first`` to ``last`` changed neither their sort
        key nor whether the search matches them (one pass over the span)."""
        keys = self._keys[first : last + 1]
        if self._column >= 0:
            new_keys = self._searchable().sort_keys(self._column, first, last + 1)
            if new_keys != keys:
                return False
        if not self._needle:
            return True
        span = list(range(first, last + 1))
        shown = set(self._rows)
        return self._matching(span) == [row for row in span if row in shown]

    def _row_changed(self, row: int) -> None:
        """A source row changed: show it, hide it, move it, or repaint it."""
        key = self._keys[row]
        new_key = (
            key if self._column < 0 else self._searchable().sort_key(row, self._column)
        )
        shown = self._position(self._rows, row) is not None
        if new_key == key and shown == self._accepts(row):
            proxy_row = self._proxy_row(row)
            if proxy_row is not None:
                self.dataChanged.emit(
                    self.index(proxy_row, 0),
                    self.index(proxy_row, self.columnCount() - 1),
                )
            return

        def move() -> None:
            for rows in (self._order, self._rows):
                position = self._position(rows, row)
                if position is not None:
                    del rows[position]
            self._keys[row] = new_key
            self._insert(self._order, row)
            if self._accepts(row):
                self._insert(self._rows, row)

        self._relayout(move)

    def _insert(self, rows: list[int], row: int) -> None:
        lo, hi = self._equal_keys(rows, self._keys[row])
        rows.insert(bisect.bisect_left(rows, row, lo, hi), row)

    def _relayout(
        self,
        change: Callable[[], None],
        moved: Callable[[int], int | None] | None = None,
    ) -> None:
        """Apply ``change`` as one layout change, keeping persistent indexes.

        ``moved`` renumbers source rows when the change inserted or removed
        some; a persistent index on a removed row becomes invalid.
        """
        self.layoutAboutToBeChanged.emit()
        before = self.persistentIndexList()
        sources = [
            self._source_row(index.row())
            if 0 <= index.row() < len(self._rows)
            else None
            for index in before
        ]
        change()
        after = []
        for index, source_row in zip(before, sources, strict=True):
            if source_row is not None and moved is not None:
                source_row = moved(source_row)
            row = None if source_row is None else self._proxy_row(source_row)
            after.append(
                QModelIndex() if row is None else self.index(row, index.column())
            )
        self.changePersistentIndexList(before, after)
        self.layoutChanged.emit()
