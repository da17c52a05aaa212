"""The roster and plate models: qtmodeltester, search, sorting, updates by id."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from PySide6.QtCore import Qt

from spkey_desktop.store.roster import RosterPlate, RosterUser
from spkey_desktop.ui.models import (
    RECORD_ROLE,
    PlatesTableModel,
    RosterColumn,
    RosterFilterProxy,
    RosterTableModel,
    format_age,
)

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


def make_user(
    user_id: str, first: str, last: str, *plates: str, email: str = "", phone: str = ""
) -> RosterUser:
    return RosterUser(
        user_id=user_id,
        first_name=first,
        last_name=last,
        email=email or f"{first.lower()}@example.com",
        phone=phone,
        status="ACTIVE",
        plates=tuple(RosterPlate(p, "", NOW) for p in plates),
        fetched_at=NOW,
    )


@pytest.fixture
def users() -> list[RosterUser]:
    return [
        make_user("u1", "Anna", "Kowalska", "WX12345", phone="+48 600 100 200"),
        make_user("u2", "Jürgen", "Müller", "B AB 123", "MUC7"),
        make_user("u3", "Zoë", "Smith"),
    ]


def test_roster_model_passes_modeltester(qtmodeltester, users) -> None:
    model = RosterTableModel()
    model.set_users(users)
    qtmodeltester.check(model, force_py=True)
    model.upsert(make_user("u4", "New", "User", "PO1"))
    model.remove("u2")
    qtmodeltester.check(model, force_py=True)


def test_proxy_passes_modeltester_while_filtering(qtmodeltester, users) -> None:
    model = RosterTableModel()
    model.set_users(users)
    proxy = RosterFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_search("kow")
    qtmodeltester.check(proxy, force_py=True)


def test_plates_model_passes_modeltester(qtmodeltester, users) -> None:
    model = PlatesTableModel()
    model.set_plates(users[1].plates)
    qtmodeltester.check(model, force_py=True)


@pytest.mark.parametrize(
    ("needle", "expected"),
    [
        ("", {"u1", "u2", "u3"}),
        ("anna", {"u1"}),
        ("MÜLLER", {"u2"}),
        ("zoë@", {"u3"}),
        ("600 100", {"u1"}),
        ("600100200", {"u1"}),
        ("wx12345", {"u1"}),
        ("wx-123", {"u1"}),
        ("ＷＸ１２３", {"u1"}),
        ("wх12345", {"u1"}),  # a Cyrillic х typed by mistake
        ("muc", {"u2"}),
        ("b ab 123", {"u2"}),
        ("nobody", set()),
    ],
)
def test_search_filters_name_email_phone_and_plates(users, needle, expected) -> None:
    model = RosterTableModel()
    model.set_users(users)
    proxy = RosterFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_search(needle)
    shown = {
        proxy.index(r, 0).data(RECORD_ROLE).user_id for r in range(proxy.rowCount())
    }
    assert shown == expected


def test_upsert_updates_row_in_place_and_search_follows(users) -> None:
    model = RosterTableModel()
    model.set_users(users)
    proxy = RosterFilterProxy()
    proxy.setSourceModel(model)
    proxy.set_search("NEWPLATE")
    assert proxy.rowCount() == 0

    model.upsert(users[2].with_plates([RosterPlate("NEWPLATE1")]))

    assert model.rowCount() == 3
    assert proxy.rowCount() == 1
    assert proxy.index(0, RosterColumn.PLATES).data() == "1"


def test_sorting_by_plate_count_is_numeric(users) -> None:
    model = RosterTableModel()
    many = make_user("u9", "Many", "Plates", *[f"P{i}" for i in range(10)])
    model.set_users([*users, many])
    proxy = RosterFilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(RosterColumn.PLATES, Qt.SortOrder.DescendingOrder)
    assert proxy.index(0, 0).data(RECORD_ROLE).user_id == "u9"
    assert proxy.index(3, 0).data(RECORD_ROLE).user_id == "u3"


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=5), "just now"),
        (timedelta(minutes=3), "3 min ago"),
        (timedelta(hours=5), "5 h ago"),
        (timedelta(days=2), "2 days ago"),
    ],
)
def test_format_age(delta, text) -> None:
    assert format_age(NOW - delta, now=NOW) == text
    assert format_age(None) == "never"


@pytest.mark.parametrize(
    "moment",
    [
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
        datetime(1, 1, 1, tzinfo=UTC),
    ],
)
def test_dates_at_the_ends_of_the_calendar_do_not_break_the_plates_table(
    moment, monkeypatch
) -> None:
    import time

    # East of UTC, year 9999 23:59 local is in year 10000: not a datetime.
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    try:
        model = PlatesTableModel()
        model.set_plates([RosterPlate("AB123", "", moment)])
        shown = model.data(model.index(0, 2))
        assert shown == "unknown" or shown.startswith(("0001-", "9999-"))
    finally:
        monkeypatch.undo()
        time.tzset()


def test_many_changes_at_once_update_rows_in_place_without_a_reset(
    qtmodeltester,
) -> None:
    crowd = [make_user(f"u{n:04d}", f"Name{n:04d}", "Crowd") for n in range(1000)]
    model = RosterTableModel()
    model.set_users(crowd)
    proxy = RosterFilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(RosterColumn.NAME)
    proxy.set_search("wx")  # nobody has a plate yet: nothing shown
    assert proxy.rowCount() == 0
    resets: list[str] = []
    model.modelReset.connect(lambda: resets.append("source"))
    proxy.modelReset.connect(lambda: resets.append("proxy"))
    changed_rows: list[tuple[int, int]] = []
    model.dataChanged.connect(
        lambda top, bottom, *_: changed_rows.append((top.row(), bottom.row()))
    )

    # 80 scattered users get a plate, 5 new users arrive: one batch.
    touched = [
        make_user(f"u{n:04d}", f"Name{n:04d}", "Crowd", f"WX{n:04d}")
        for start in range(0, 1000, 25)
        for n in (start, start + 1)
    ]
    new = [make_user(f"n{n}", f"Newcomer{n}", "Crowd", f"WX9{n}") for n in range(5)]
    model.upsert_many(touched + new)

    assert resets == []
    assert model.rowCount() == 1005
    # Neighbouring rows (0 and 1, 25 and 26, ...) are told in one signal each.
    assert changed_rows[:3] == [(0, 1), (25, 26), (50, 51)]
    assert len(changed_rows) == 40
    shown = [proxy.data(proxy.index(row, RosterColumn.NAME)) for row in range(85)]
    assert proxy.rowCount() == 85
    assert shown == sorted(shown)
    assert model.user("u0025").plates[0].plate == "WX0025"
    qtmodeltester.check(model, force_py=True)
    qtmodeltester.check(proxy, force_py=True)


def test_a_batch_that_moves_nothing_repaints_without_a_relayout(qtmodeltester) -> None:
    crowd = [make_user(f"u{n:03d}", f"Name{n:03d}", "Crowd", "WX1") for n in range(150)]
    model = RosterTableModel()
    model.set_users(crowd)
    proxy = RosterFilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(RosterColumn.NAME)
    proxy.set_search("wx")
    layouts: list[int] = []
    proxy.layoutChanged.connect(lambda *_: layouts.append(1))
    repainted: list[tuple[int, int]] = []
    proxy.dataChanged.connect(
        lambda top, bottom, *_: repainted.append((top.row(), bottom.row()))
    )

    # Most of the roster gets a second plate: names (the sort) and the match
    # stay as they were.
    model.upsert_many(
        [
            make_user(f"u{n:03d}", f"Name{n:03d}", "Crowd", "WX1", "KR2")
            for n in range(80)
        ]
    )
    assert layouts == []
    assert repainted == [(0, 149)]
    assert proxy.data(proxy.index(0, RosterColumn.PLATES)) is not None

    # Now the names change order: that is a relayout.
    model.upsert_many(
        [make_user(f"u{n:03d}", f"Zed{n:03d}", "Crowd", "WX1") for n in range(80)]
    )
    assert layouts == [1]
    names = [proxy.data(proxy.index(r, RosterColumn.NAME)) for r in range(150)]
    assert names == sorted(names)
    qtmodeltester.check(proxy, force_py=True)
