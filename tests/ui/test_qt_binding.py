"""Guards against a Qt binding that corrupts reference counts.

PySide6 6.12.0 hands back None from ``QModelIndex.data()`` without taking a new
reference; every such call lowers None's count until Python 3.11 aborts at exit
with "deallocating None". pyproject.toml keeps that release out; this test
fails on any binding with the same fault, so the cap is lifted only when safe.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex

CALLS = 500


class _EmptyModel(QAbstractTableModel):
    def rowCount(
        self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()
    ) -> int:
        return 1

    def columnCount(
        self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()
    ) -> int:
        return 1

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = 0) -> object:
        return None


def test_index_data_returning_none_keeps_none_alive(qapp) -> None:
    model = _EmptyModel()
    index = model.index(0, 0)
    before = sys.getrefcount(None)
    results = [index.data() for _ in range(CALLS)]
    after = sys.getrefcount(None)
    assert results == [None] * CALLS
    # The list itself holds CALLS references to None.
    assert after - before >= CALLS - 10
