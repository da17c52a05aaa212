"""Inert formula cells and the signs of spreadsheet damage."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spkey_desktop.bulk.cells import (
    Cell,
    CellKind,
    make_inert,
    ooxml_escape,
    ooxml_unescape,
    phone_damage,
    plate_damage,
    restore,
    text_damage,
)


@given(st.text())
def test_restore_undoes_make_inert_for_any_text(text: str) -> None:
    assert restore(make_inert(text)) == text


@pytest.mark.parametrize("text", ["=SUM(A1:A9)", "+48 600", "-1", "@cmd", "\tx", "\rx"])
def test_formula_looking_text_is_written_behind_an_apostrophe(text: str) -> None:
    assert make_inert(text) == "'" + text


@pytest.mark.parametrize("text", ["WX12345", "Anna", "it's", "'quoted'", ""])
def test_ordinary_text_is_written_as_it_is(text: str) -> None:
    assert make_inert(text) == text
    assert restore(text) == text


@pytest.mark.parametrize(
    ("cell", "words"),
    [
        (Cell("2026-03-01", CellKind.DATE), "turned this plate into the date"),
        (Cell("100000", CellKind.NUMBER), "as the number 100000"),
        (Cell("123", CellKind.NUMBER), "leading zeros"),
        (Cell("=A1", CellKind.FORMULA), "formula"),
        (Cell("#N/A", CellKind.ERROR), "spreadsheet error #N/A"),
        (Cell("1-Mar"), "looks like a date"),
        (Cell("01-Mar-26"), "looks like a date"),
        (Cell("Mar-26"), "looks like a date"),
        (Cell("2026-03-01 00:00:00"), "looks like a date"),
        (Cell("01.03.2026"), "looks like a date"),
        (Cell("3/1/2026"), "looks like a date"),
        (Cell("1.00E+05"), "looks like a number"),
        (Cell("1E+05"), "looks like a number"),
        (Cell("100000.0"), "looks like a number"),
    ],
)
def test_plate_cells_a_spreadsheet_changed_are_flagged(cell: Cell, words: str) -> None:
    problem = plate_damage(cell)
    assert problem is not None
    assert words in problem


@pytest.mark.parametrize("text", ["MAR1", "1E5", "WX 123", "0123", "KR-5S100", "AB.12"])
def test_plates_written_as_text_are_trusted(text: str) -> None:
    assert plate_damage(Cell(text)) is None


def test_a_phone_number_stored_as_a_number_is_flagged() -> None:
    assert "drops the +" in (phone_damage(Cell("48600100200", CellKind.NUMBER)) or "")
    assert "drops the +" in (phone_damage(Cell("4.86001E+10")) or "")
    assert phone_damage(Cell("+48 600 100 200")) is None


def test_other_cells_only_mind_formulas_and_errors() -> None:
    assert text_damage(Cell("=HYPERLINK(1)", CellKind.FORMULA), "label") is not None
    assert text_damage(Cell("2", CellKind.NUMBER), "label") is None
    assert text_damage(Cell("-dash"), "label") is None


@given(st.text())
def test_workbook_escaping_round_trips_any_text(text: str) -> None:
    assert ooxml_unescape(ooxml_escape(text)) == text


def test_excel_escapes_read_as_the_characters_they_stand_for() -> None:
    assert ooxml_unescape("a_x000D_b") == "a\rb"
    assert ooxml_unescape("_x005F_x000D_") == "_x000D_"
    assert ooxml_escape("\rx_x0041_") == "_x000D_x_x005F_x0041_"
