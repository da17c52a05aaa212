"""The roster's search-and-sort proxy against a plain-Python reference.

The proxy computes its rows in whole passes and moves single rows by bisection;
these tests replay random edits (batches appended, users changed, removed,
searched, sorted) and compare every visible row, in order, with what a
straightforward filter-then-sort of the same users gives.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PySide6.QtCore import QItemSelectionModel, Qt

from spkey_desktop.store.roster import RosterPlate, RosterUser
from spkey_desktop.ui.models import (
    RECORD_ROLE,
    RosterColumn,
    RosterFilterProxy,
    RosterTableModel,
    search_text,
)
from spkey_desktop.ui.roster_proxy import compact

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
NAMES = ["Anna", "anna", "Bob", "Zoë", "Łukasz", "Kowal", "", "Ola"]
PLATES = ["WX12345", "KR5S100", "PO0A123", "AB1", "ZZ99"]


def user(number: int, name: str, plates: int, age_min: int = 0) -> RosterUser:
    return RosterUser(
        user_id=f"u{number}",
        first_name=name,
        email=f"{name.lower() or 'x'}{number}@example.com",
        phone=f"+48 600 {number:03d}",
        status="ACTIVE" if number % 3 else "INACTIVE",
        plates=tuple(RosterPlate(PLATES[(number + k) % 5]) for k in range(plates)),
        fetched_at=NOW - timedelta(minutes=age_min),
    )


def shown_ids(proxy: RosterFilterProxy) -> list[str]:
    return [
        proxy.index(row, 0).data(RECORD_ROLE).user_id for row in range(proxy.rowCount())
    ]


def expected_ids(
    model: RosterTableModel, needle: str, column: int, order: Qt.SortOrder
) -> list[str]:
    """Filter, then a stable sort on the model's sort role: the reference."""
    needle = needle.strip().casefold()
    tight = compact(needle)
    rows = [
        row
        for row in range(model.rowCount())
        if not needle
        or needle in search_text(model.user_at(row))
        or (tight and tight in search_text(model.user_at(row)))
    ]
    if column >= 0:
        rows.sort(key=lambda row: model.sort_key(row, column))
        if order == Qt.SortOrder.DescendingOrder:
            rows.reverse()
    return [model.user_at(row).user_id for row in rows]


def same_rows_ignoring_tie_order(
    proxy: RosterFilterProxy, model: RosterTableModel, needle: str, column: int, order
) -> None:
    shown = shown_ids(proxy)
    expected = expected_ids(model, needle, column, order)
    assert sorted(shown) == sorted(expected)
    if column >= 0:
        key = {
            model.user_at(r).user_id: model.sort_key(r, column)
            for r in range(model.rowCount())
        }
        assert [key[i] for i in shown] == [key[i] for i in expected]
    else:
        assert shown == expected


edits = st.lists(
    st.one_of(
        st.tuples(st.just("append"), st.integers(1, 6)),
        st.tuples(st.just("rename"), st.integers(0, 40), st.sampled_from(NAMES)),
        st.tuples(st.just("plates"), st.integers(0, 40), st.integers(0, 3)),
        st.tuples(st.just("remove"), st.integers(0, 40)),
        st.tuples(
            st.just("search"),
            st.sampled_from(["", "a", "an", "ann", "kr 5", "wx", "łu", "@ex", "zz9"]),
        ),
        st.tuples(st.just("sort"), st.integers(-1, 5), st.booleans()),
    ),
    max_size=25,
)


@settings(max_examples=120, deadline=None)
@given(edits=edits)
def test_random_edits_match_a_filter_then_sort(qapp, edits) -> None:
    model = RosterTableModel()
    model.set_users([user(n, NAMES[n % len(NAMES)], n % 3, n) for n in range(8)])
    proxy = RosterFilterProxy()
    proxy.setSourceModel(model)
    needle, column, order = "", -1, Qt.SortOrder.AscendingOrder
    counter = 100

    for edit in edits:
        kind = edit[0]
        if kind == "append":
            batch = [
                user(counter + k, NAMES[k % len(NAMES)], k % 4, k)
                for k in range(edit[1])
            ]
            counter += edit[1]
            model.append_users(batch)
        elif kind in ("rename", "plates") and model.rowCount():
            old = model.user_at(edit[1] % model.rowCount())
            if kind == "rename":
                changed = replace(old, first_name=edit[2])
            else:
                changed = old.with_plates([RosterPlate(p) for p in PLATES[: edit[2]]])
            model.upsert(changed)
        elif kind == "remove" and model.rowCount():
            model.remove(model.user_at(edit[1] % model.rowCount()).user_id)
        elif kind == "search":
            needle = edit[1]
            proxy.set_search(needle)
        elif kind == "sort":
            column = edit[1]
            order = (
                Qt.SortOrder.DescendingOrder if edit[2] else Qt.SortOrder.AscendingOrder
            )
            proxy.sort(column, order)
        same_rows_ignoring_tie_order(proxy, model, needle, column, order)


def test_passes_modeltester_through_batches_edits_search_and_sort(
    qtmodeltester,
) -> None:
    model = RosterTableModel()
    model.set_users([user(n, NAMES[n % len(NAMES)], n % 3) for n in range(10)])
    proxy = RosterFilterProxy()
    proxy.setSourceModel(model)
    qtmodeltester.check(proxy, force_py=True)

    proxy.sort(RosterColumn.NAME, Qt.SortOrder.AscendingOrder)
    proxy.set_search("an")
    model.append_users([user(n, "Anneliese", 1) for n in range(10, 20)])
    model.upsert(replace(model.user_at(0), first_name="Zzz anna"))
    model.remove(model.user_at(3).user_id)
    proxy.set_search("")
    proxy.sort(RosterColumn.PLATES, Qt.SortOrder.DescendingOrder)
    model.set_users([user(1, "Solo", 2)])
    qtmodeltester.check(proxy, force_py=True)


def test_a_batch_reaches_the_view_as_one_layout_change(qtbot) -> None:
    model = RosterTableModel()
    model.set_users([user(n, "Anna", 1) for n in range(5)])
    proxy = RosterFilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(RosterColumn.NAME, Qt.SortOrder.AscendingOrder)
    proxy.set_search("anna")
    changes: list[str] = []
    proxy.layoutChanged.connect(lambda *_: changes.append("layout"))
    proxy.rowsInserted.connect(lambda *_: changes.append("insert"))
    proxy.modelReset.connect(lambda: changes.append("reset"))

    model.append_users([user(n, "Anna" if n % 2 else "Bob", 1) for n in range(5, 505)])

    assert changes == ["layout"]
    assert proxy.rowCount() == 5 + 250


def test_selection_stays_on_the_same_user_while_rows_come_and_go(qtbot) -> None:
    from PySide6.QtWidgets import QTableView

    model = RosterTableModel()
    model.set_users([user(n, NAMES[n % len(NAMES)], 1) for n in range(30)])
    proxy = RosterFilterProxy()
    proxy.setSourceModel(model)
    view = QTableView()
    qtbot.addWidget(view)
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.sortByColumn(RosterColumn.NAME, Qt.SortOrder.AscendingOrder)
    target = proxy.mapFromSource(model.index(model.row_of("u13"), 0))
    view.selectionModel().setCurrentIndex(
        target,
        QItemSelectionModel.SelectionFlag.ClearAndSelect
        | QItemSelectionModel.SelectionFlag.Rows,
    )

    def current_id() -> str | None:
        index = view.currentIndex()
        return index.data(RECORD_ROLE).user_id if index.isValid() else None

    proxy.set_search("kowal")
    assert current_id() == "u13"
    model.append_users([user(n, "Kowal", 1) for n in range(100, 140)])
    assert current_id() == "u13"
    view.sortByColumn(RosterColumn.NAME, Qt.SortOrder.DescendingOrder)
    assert current_id() == "u13"
    model.remove("u5")
    assert current_id() == "u13"
    proxy.set_search("zoë")
    assert current_id() is None


@pytest.mark.parametrize("needle", ["an", "ANNA", "600 004", "kr5s"])
def test_typing_one_more_character_narrows_to_the_rows_shown(needle) -> None:
    model = RosterTableModel()
    model.set_users([user(n, NAMES[n % len(NAMES)], n % 3) for n in range(60)])
    proxy = RosterFilterProxy()
    proxy.setSourceModel(model)
    for length in range(1, len(needle) + 1):
        proxy.set_search(needle[:length])
        assert shown_ids(proxy) == expected_ids(
            model, needle[:length], -1, Qt.SortOrder.AscendingOrder
        )
