"""Exporting the roster: every cell reads back as it was, and none of them
runs as a formula when a spreadsheet opens the file."""

from __future__ import annotations

import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from spkey_desktop.bulk.sheets import read_sheet
from spkey_desktop.services.roster_export import EXPORT_HEADERS, export_roster
from spkey_desktop.store.roster import PlateState, RosterPlate, RosterUser

ADDED = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
NASTY = [
    '=HYPERLINK("http://x")',
    "+1 hack",
    "-2+3",
    "@SUM(1)",
    "\tTab",
    "\rCR",
    "'=quoted",
    "Łódź «ok»",
]


def roster() -> list[RosterUser]:
    return [
        RosterUser(
            "u1",
            "anna@example.com",
            "+48 600 100 200",
            "=cmd|' /C calc'!A0",
            "Kowalska",
            "ACTIVE",
            tuple(RosterPlate(f"WX{n}", label, ADDED) for n, label in enumerate(NASTY)),
        ),
        RosterUser("u2", "bob@example.com", "", "Bob", "Brown", "INACTIVE"),
        RosterUser(
            "u3",
            "",
            "+49 151 1234567",
            "Zoë",
            "Zając",
            "ACTIVE",
            (
                RosterPlate("KR5S100", "Van", ADDED),
                RosterPlate("QUEUED1", "", None, PlateState.ADDING),
            ),
        ),
    ]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_every_cell_reads_back_as_it_was(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"roster{suffix}"
    written = export_roster(path, roster())

    sheet = read_sheet(path)
    assert sheet.headers == EXPORT_HEADERS
    assert written == len(sheet.rows) == len(NASTY) + 1 + 1
    rows = [[c.text for c in row.cells] for row in sheet.rows]
    anna = [r for r in rows if r[0] == "u1"]
    assert [r[6] for r in anna] == NASTY
    assert {r[1] for r in anna} == {"=cmd|' /C calc'!A0 Kowalska"}
    assert {r[3] for r in anna} == {"+48 600 100 200"}
    assert ["u2", "Bob Brown", "bob@example.com", "", "INACTIVE", "", "", ""] in rows
    # Only plates the server has: the queued one is not the roster yet.
    assert [r[5] for r in rows if r[0] == "u3"] == ["KR5S100"]
    assert all(r[7] for r in rows if r[5])


def test_csv_cells_that_would_run_are_written_behind_an_apostrophe(tmp_path) -> None:
    path = tmp_path / "roster.csv"
    export_roster(path, roster())
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads UTF-8 only with it
    text = raw.decode("utf-8-sig")
    assert "'=HYPERLINK" in text
    assert ",'+48 600 100 200," in text
    assert "'@SUM(1)" in text
    assert "''=quoted" in text
    assert ",=" not in text
    assert ",+" not in text
    assert ",@" not in text


def test_semicolons_for_excel_in_countries_that_use_them(tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    export_roster(path, roster(), delimiter=";")
    sheet = read_sheet(path)
    assert sheet.delimiter == ";"
    assert sheet.headers == EXPORT_HEADERS


def test_the_workbook_holds_text_cells_and_no_formula(tmp_path: Path) -> None:
    path = tmp_path / "roster.xlsx"
    export_roster(path, roster())
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        xml = b"".join(archive.read(n) for n in names)
        styles = archive.read("xl/styles.xml")
    assert b"<f>" not in xml
    assert b"<f " not in xml
    assert b"=HYPERLINK" in xml
    assert b'quotePrefix="1"' in styles
