"""Plates whose change waits in the outbox look pending; refused ones look failed."""

from __future__ import annotations

from datetime import UTC, datetime

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QFont

from spkey_desktop.store.roster import PlateState, RosterPlate
from spkey_desktop.ui.models import PlateColumn, PlatesTableModel

PLATES = [
    RosterPlate("SAVED1", "Van", datetime(2026, 1, 2, 3, 4, tzinfo=UTC)),
    RosterPlate("NEW1", "", None, PlateState.ADDING, "Could not connect."),
    RosterPlate("GONE1", "", None, PlateState.REMOVING),
    RosterPlate("BAD1", "", None, PlateState.ADD_FAILED, "The plate is not valid."),
]


def cell(model: PlatesTableModel, row: int, column: PlateColumn, role: int):
    return model.data(model.index(row, column), role)


def test_pending_and_failed_plates_say_so_in_the_added_column(qtmodeltester):
    model = PlatesTableModel()
    model.set_plates(PLATES)
    qtmodeltester.check(model)

    added = [
        cell(model, row, PlateColumn.ADDED, Qt.ItemDataRole.DisplayRole)
        for row in range(4)
    ]
    assert added[0].startswith("2026-01-0")
    assert added[1:] == ["pending", "removal pending", "failed"]


def test_a_pending_plate_is_italic_and_a_removal_struck_out() -> None:
    model = PlatesTableModel()
    model.set_plates(PLATES)
    font = Qt.ItemDataRole.FontRole

    assert cell(model, 0, PlateColumn.PLATE, font) is None
    adding = cell(model, 1, PlateColumn.PLATE, font)
    removing = cell(model, 2, PlateColumn.PLATE, font)
    assert isinstance(adding, QFont)
    assert isinstance(removing, QFont)
    assert (adding.italic(), adding.strikeOut()) == (True, False)
    assert (removing.italic(), removing.strikeOut()) == (True, True)
    tip = cell(model, 1, PlateColumn.PLATE, Qt.ItemDataRole.ToolTipRole)
    assert "Could not connect." in tip


def test_a_failed_plate_is_red_with_the_reason_as_tooltip() -> None:
    model = PlatesTableModel()
    model.set_plates(PLATES)

    brush = cell(model, 3, PlateColumn.PLATE, Qt.ItemDataRole.ForegroundRole)
    assert isinstance(brush, QBrush)
    color = brush.color()
    assert (color.red(), color.green(), color.blue()) == (0xB0, 0x00, 0x20)
    tip = cell(model, 3, PlateColumn.LABEL, Qt.ItemDataRole.ToolTipRole)
    assert tip.endswith("The plate is not valid.")
    assert cell(model, 0, PlateColumn.PLATE, Qt.ItemDataRole.ForegroundRole) is None
