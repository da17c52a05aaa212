"""Reading real files, written by the tests in each format and encoding,
including the broken ones operators receive."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from spkey_desktop.bulk.cells import CellKind
from spkey_desktop.bulk.sheets import MAX_FILE_BYTES, SheetError, read_sheet

POLISH = (
    "E-mail;Plate;Name\n"
    "lukasz@example.pl;WX 123;Łukasz Wąsik\n"
    "zofia@example.pl;KR5;Zofia Żółć\n"
)


def write(
    tmp_path: Path, name: str, data: bytes | str, encoding: str = "utf-8"
) -> Path:
    path = tmp_path / name
    path.write_bytes(data if isinstance(data, bytes) else data.encode(encoding))
    return path


def texts(sheet) -> list[list[str]]:
    return [[c.text for c in row.cells] for row in sheet.rows]


def test_utf8_with_a_byte_order_mark(tmp_path: Path) -> None:
    sheet = read_sheet(write(tmp_path, "bom.csv", "\ufeff" + POLISH))
    assert sheet.headers == ("E-mail", "Plate", "Name")
    assert texts(sheet)[0] == ["lukasz@example.pl", "WX 123", "Łukasz Wąsik"]
    assert sheet.encoding is not None
    assert sheet.encoding.certain
    assert sheet.delimiter == ";"


def test_windows_1252_is_read_as_such(tmp_path: Path) -> None:
    data = "email,plate,name\njurgen@example.de,M AB 12,Jürgen Müller\n"
    sheet = read_sheet(write(tmp_path, "west.csv", data, "cp1252"))
    assert texts(sheet)[0][2] == "Jürgen Müller"
    assert sheet.encoding is not None
    assert sheet.encoding.encoding == "cp1252"


def test_central_european_text_is_guessed_but_marked_uncertain(tmp_path: Path) -> None:
    sheet = read_sheet(write(tmp_path, "pl.csv", POLISH, "cp1250"))
    assert texts(sheet)[1][2] == "Zofia Żółć"
    guess = sheet.encoding
    assert guess is not None
    assert not guess.certain
    assert "cp1252" in guess.alternatives
    assert any("encoding is uncertain" in note for note in sheet.notes)

    # The operator's choice is taken as given.
    chosen = read_sheet(tmp_path / "pl.csv", encoding="cp1252")
    assert texts(chosen)[0][2] == "£ukasz W¹sik"


def test_an_encoding_that_cannot_read_the_file_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path, "pl.csv", POLISH, "cp1250")
    with pytest.raises(SheetError, match="cannot be read as UTF-8"):
        read_sheet(path, encoding="utf-8")


def test_excel_sep_line_names_the_delimiter(tmp_path: Path) -> None:
    data = "sep=,\nemail,plate,label\nanna@example.com,WX1,Van; red\n"
    sheet = read_sheet(write(tmp_path, "sep.csv", data))
    assert sheet.delimiter == ","
    assert sheet.headers == ("email", "plate", "label")
    assert texts(sheet) == [["anna@example.com", "WX1", "Van; red"]]
    # Excel does not show the sep line as a row: the data starts at row 2.
    assert sheet.rows[0].number == 2


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_the_delimiter_is_sniffed(tmp_path: Path, delimiter: str) -> None:
    lines = (
        ["email", "plate", "label"],
        ["a@example.com", "WX1", "x"],
        ["b@x.pl", "K2", ""],
    )
    data = "\n".join(delimiter.join(line) for line in lines) + "\n"
    sheet = read_sheet(write(tmp_path, "d.csv", data))
    assert sheet.delimiter == delimiter
    assert texts(sheet)[1] == ["b@x.pl", "K2", ""]


def test_quoted_delimiters_and_line_breaks_stay_in_their_cell(tmp_path: Path) -> None:
    data = 'email,plate,label\n"a@x.pl","WX1","two\nlines, and a comma"\nb@x.pl,K2,\n'
    sheet = read_sheet(write(tmp_path, "q.csv", data))
    assert texts(sheet)[0][2] == "two\nlines, and a comma"
    assert [row.number for row in sheet.rows] == [2, 3]


def test_ragged_rows_keep_their_extra_cells_for_the_preview(tmp_path: Path) -> None:
    data = "email,plate,label\na@x.pl,WX1,Van,red\nb@x.pl,K2\nc@x.pl,K3,,,\n"
    sheet = read_sheet(write(tmp_path, "r.csv", data))
    assert [c.text for c in sheet.rows[0].extra] == ["red"]
    assert texts(sheet)[1] == ["b@x.pl", "K2", ""]  # short rows are padded
    assert sheet.rows[2].extra == ()  # trailing empty cells are no damage
    assert sheet.ragged_rows == 1


def test_blank_lines_are_skipped_but_counted_like_a_spreadsheet(tmp_path: Path) -> None:
    sheet = read_sheet(write(tmp_path, "b.csv", "\nemail,plate\n\na@x.pl,WX1\n"))
    assert sheet.headers == ("email", "plate")
    assert sheet.rows[0].number == 4


def test_inert_cells_from_an_export_are_restored(tmp_path: Path) -> None:
    data = "email,label\na@x.pl,'=SUM(A1)\nb@x.pl,'+48 600\nc@x.pl,'abc\n"
    sheet = read_sheet(write(tmp_path, "i.csv", data))
    assert [row.cells[1].text for row in sheet.rows] == ["=SUM(A1)", "+48 600", "'abc"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (b"  \r\n\r\n", "is empty"),
        (b"email,plate\r\n", "no data rows"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not a text file"),
        ("email\n".encode("utf-16-le"), "not a text file"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Excel 97-2003"),
        (b"PK\x03\x04" + b"\x00" * 100, "Excel workbook"),
    ],
)
def test_broken_files_get_a_sentence(tmp_path: Path, data: bytes, message: str) -> None:
    with pytest.raises(SheetError, match=message):
        read_sheet(write(tmp_path, "broken.csv", data))


def test_a_50_mb_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    with path.open("wb") as file:
        file.truncate(50 * 1024 * 1024)  # sparse: costs no disk
    assert path.stat().st_size > MAX_FILE_BYTES
    with pytest.raises(SheetError, match=r"50\.0 MB"):
        read_sheet(path)


def test_a_missing_file_is_said_so(tmp_path: Path) -> None:
    with pytest.raises(SheetError, match="could not be read"):
        read_sheet(tmp_path / "nowhere.csv")


def workbook(
    path: Path, rows: list[list[object]], **more_sheets: list[list[object]]
) -> Path:
    book = Workbook()
    sheet = book.active
    sheet.title = "Tenants"
    for row in rows:
        sheet.append(row)
    for title, extra in more_sheets.items():
        other = book.create_sheet(title)
        for row in extra:
            other.append(row)
    book.save(path)
    return path


def test_excel_cells_say_what_excel_stored(tmp_path: Path) -> None:
    path = workbook(
        tmp_path / "t.xlsx",
        [
            ["E-mail", "Plate", "Phone", "Label"],
            ["a@x.pl", datetime(2026, 3, 1), 48600100200, "=1+1"],
            ["b@x.pl", 100000.0, "+48 600 100 200", True],
            ["c@x.pl", "WX 123", None, None],
        ],
        Other=[["x"]],
    )
    sheet = read_sheet(path)
    assert sheet.kind == "Excel"
    first, second, third = sheet.rows
    assert (first.cells[1].text, first.cells[1].kind) == ("2026-03-01", CellKind.DATE)
    assert first.cells[2].kind is CellKind.NUMBER
    assert first.cells[3].kind is CellKind.FORMULA
    assert (second.cells[1].text, second.cells[1].kind) == ("100000", CellKind.NUMBER)
    assert second.cells[3].kind is CellKind.BOOLEAN
    assert third.cells[1].text == "WX 123"
    assert third.cells[1].kind is CellKind.TEXT
    assert [row.number for row in sheet.rows] == [2, 3, 4]
    assert any("'Tenants'" in note for note in sheet.notes)


def test_a_workbook_saved_with_a_csv_name_is_read_as_a_workbook(tmp_path: Path) -> None:
    path = workbook(tmp_path / "really.csv", [["email", "plate"], ["a@x.pl", "WX1"]])
    assert read_sheet(path).kind == "Excel"


def test_a_workbook_with_only_a_header_is_refused(tmp_path: Path) -> None:
    path = workbook(tmp_path / "h.xlsx", [["email", "plate"]])
    with pytest.raises(SheetError, match="no data rows"):
        read_sheet(path)
