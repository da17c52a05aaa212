"""Reading a CSV or Excel file into a header and rows of cells.

What a file is comes from its first bytes, not its name: an Excel workbook
saved as ``.csv`` is still read as a workbook, an old ``.xls`` or a picture is
refused with a sentence saying what to do. CSV files are read in the encoding
``encoding.guess_encoding`` picks (or the one the operator chose), with the
delimiter Excel's ``sep=;`` first line names or, without one, the delimiter
(comma, semicolon, tab or bar) that splits the first lines most evenly.

Every failure is a :class:`SheetError` whose text is a sentence for the
operator. Reading is synchronous and can take seconds for a large file: the
window runs it in an executor.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from spkey_desktop.bulk.cells import EMPTY, Cell, CellKind, ooxml_unescape, restore
from spkey_desktop.bulk.encoding import EncodingGuess, encoding_name, guess_encoding

#: Files above this size are refused: about 200,000 rows of a roster.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 200_000

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "bar"}

# How many records the delimiter is judged on.
_SNIFF_RECORDS = 50
_ZIP_MAGIC = b"PK\x03\x04"
# Columns read from a workbook, and empty rows taken as the end of its table.
_MAX_COLUMNS = 256
_MAX_BLANK_ROWS = 1000
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, .doc: Office 97-2003


class SheetError(Exception):
    """The file cannot be read as a table; the text says why and what to do."""


@dataclass(frozen=True, slots=True)
class SheetRow:
    """One data row: its number as a spreadsheet shows it, and its cells.

    ``extra`` holds non-empty cells beyond the header's columns: the row was
    split by a delimiter inside a value, or is shifted, and must be checked.
    """

    number: int
    cells: tuple[Cell, ...]
    extra: tuple[Cell, ...] = ()

    def cell(self, column: int | None) -> Cell:
        if column is None or column >= len(self.cells):
            return EMPTY
        return self.cells[column]


@dataclass(frozen=True)
class Sheet:
    """A file read as a table: its header, its rows and how it was read."""

    path: Path
    headers: tuple[str, ...]
    rows: tuple[SheetRow, ...]
    kind: str  # "CSV" or "Excel"
    encoding: EncodingGuess | None = None
    delimiter: str | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def ragged_rows(self) -> int:
        return sum(1 for row in self.rows if row.extra)

    def describe(self) -> str:
        """How the file was read, in a line: "CSV, semicolon, UTF-8, 120 rows"."""
        parts = [self.kind]
        if self.delimiter is not None:
            parts.append(f"{DELIMITER_NAMES.get(self.delimiter, self.delimiter)}s")
        if self.encoding is not None:
            parts.append(self.encoding.name)
        parts.append(f"{len(self.rows)} rows")
        return ", ".join(parts)


def read_sheet(
    path: Path, *, encoding: str | None = None, delimiter: str | None = None
) -> Sheet:
    """Read ``path`` as a table; ``encoding`` and ``delimiter`` override the
    guesses for a CSV file."""
    data = _read_bytes(path)
    if data.startswith(_ZIP_MAGIC):
        return _read_workbook(path, data)
    if data.startswith(_OLE_MAGIC):
        raise SheetError(
            f"{path.name} is an Excel 97-2003 workbook (.xls), which cannot be "
            "imported. Open it in Excel and save it as .xlsx or as CSV."
        )
    return _read_csv(path, data, encoding, delimiter)


def _read_bytes(path: Path) -> bytes:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SheetError(
                f"{path.name} is {size / 1024 / 1024:.1f} MB; an import can take up "
                f"to {MAX_FILE_BYTES // 1024 // 1024} MB (about {MAX_ROWS:,} rows). "
                "Split the file, or check that it is the right one."
            )
        data = path.read_bytes()
    except OSError as error:
        raise SheetError(
            f"{path.name} could not be read ({error.strerror or error})."
        ) from None
    if not data.strip():
        raise SheetError(f"{path.name} is empty.")
    return data


# -- CSV -------------------------------------------------------------------------


def _read_csv(
    path: Path, data: bytes, encoding: str | None, delimiter: str | None
) -> Sheet:
    guess = guess_encoding(data) if encoding is None else EncodingGuess(encoding, True)
    text = _decode(path, data, guess.encoding)
    if _looks_binary(text):
        raise SheetError(
            f"{path.name} is not a text file (it holds binary data). Choose a CSV "
            "file or an Excel workbook (.xlsx)."
        )

    notes = []
    lines = text.splitlines(keepends=True)
    named = _sep_line(lines[0]) if lines else None
    if named is not None:
        lines = lines[1:]
        notes.append(f"The first line names the delimiter: {_named(named)}.")
    chosen = delimiter or named or sniff_delimiter(lines[:_SNIFF_RECORDS])

    try:
        records = list(_records(lines, chosen))
    except csv.Error as error:
        raise SheetError(f"{path.name} is not a valid CSV file ({error}).") from None
    if not guess.certain and guess.alternatives:
        others = ", ".join(encoding_name(e) for e in guess.alternatives)
        notes.append(
            f"The text encoding is uncertain: read as {guess.name}. If names look "
            f"wrong, choose another encoding ({others})."
        )
    header, rows = _table(path, records)
    return Sheet(path, header, rows, "CSV", guess, chosen, tuple(notes))


def _looks_binary(text: str) -> bool:
    """NUL bytes, or control characters a text file would not hold."""
    sample = text[:65536]
    controls = sum(1 for ch in sample if ch < " " and ch not in "\t\r\n")
    return "\x00" in sample or controls > len(sample) // 100


def _decode(path: Path, data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise SheetError(
            f"{path.name} cannot be read as {encoding_name(encoding)}: byte "
            f"{error.start} is not valid in it. Choose another encoding."
        ) from None
    except LookupError:
        raise SheetError(f"There is no text encoding called {encoding!r}.") from None


def _sep_line(line: str) -> str | None:
    """The delimiter named by Excel's ``sep=;`` first line, if it is one."""
    stripped = line.strip().strip('"')
    if stripped[:4].lower() == "sep=" and len(stripped) == 5:
        return stripped[4]
    return None


def _named(delimiter: str) -> str:
    return DELIMITER_NAMES.get(delimiter, repr(delimiter))


def sniff_delimiter(lines: list[str]) -> str:
    """The delimiter that splits ``lines`` into the most even columns.

    Each candidate is scored by how many records have its most common field
    count, when that count is more than one; a comma wins ties.
    """
    best, best_score = ",", 0
    for candidate in DELIMITERS:
        try:
            counts = [len(r) for r in _records(lines, candidate) if any(r)]
        except csv.Error:
            continue
        if not counts:
            continue
        common = max(set(counts), key=counts.count)
        score = counts.count(common) if common > 1 else 0
        if score > best_score:
            best, best_score = candidate, score
    return best


def _records(lines: Iterable[str], delimiter: str) -> Iterator[list[str]]:
    """The fields of each record; a line break inside quotes stays in its field."""
    return csv.reader(lines, delimiter=delimiter, strict=False)


def _table(
    path: Path, records: Iterable[list[str]]
) -> tuple[tuple[str, ...], tuple[SheetRow, ...]]:
    """Header and rows from the records: blank ones skipped, each numbered as
    a spreadsheet numbers its rows (one record, one row)."""
    header: tuple[str, ...] | None = None
    rows: list[SheetRow] = []
    for number, fields in enumerate(records, start=1):
        if not any(f.strip() for f in fields):
            continue
        cells = [Cell(restore(f)) for f in fields]
        if header is None:
            header = tuple(c.text.strip() for c in cells)
            continue
        rows.append(_row(path, number, cells, len(header), len(rows)))
    return _checked(path, header, rows)


def _row(
    path: Path, number: int, cells: list[Cell], width: int, count: int
) -> SheetRow:
    if count >= MAX_ROWS:
        raise SheetError(
            f"{path.name} has more than {MAX_ROWS:,} rows; split it into smaller files."
        )
    extra = tuple(c for c in cells[width:] if not c.empty)
    cells = cells[:width] + [EMPTY] * (width - len(cells))
    return SheetRow(number, tuple(cells), extra)


def _checked(
    path: Path, header: tuple[str, ...] | None, rows: list[SheetRow]
) -> tuple[tuple[str, ...], tuple[SheetRow, ...]]:
    if header is None:
        raise SheetError(f"{path.name} has no rows.")
    if not rows:
        raise SheetError(f"{path.name} has a header row but no data rows below it.")
    return header, tuple(rows)


# -- Excel -------------------------------------------------------------------------


def _read_workbook(path: Path, data: bytes) -> Sheet:
    # Imported here: openpyxl takes a noticeable moment to import, and most
    # runs of the app never read a workbook.
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "xl/workbook.xml" not in archive.namelist():
                raise SheetError(
                    f"{path.name} is a ZIP archive but not an Excel workbook. "
                    "Choose a CSV file or an .xlsx workbook."
                )
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except SheetError:
        raise
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise SheetError(
            f"{path.name} could not be opened as an Excel workbook ({error}). "
            "Save it again from Excel, or as CSV."
        ) from None

    try:
        sheet = book.active or book.worksheets[0]
        rows_read = sheet.iter_rows(min_row=1, max_col=_MAX_COLUMNS)
        records = (
            (number, [_cell(c) for c in row])
            for number, row in enumerate(rows_read, start=1)
        )
        header, rows = _workbook_table(path, records)
    finally:
        book.close()
    notes: tuple[str, ...] = ()
    if len(book.sheetnames) > 1:
        notes = (f"Read the sheet {sheet.title!r}; the workbook has others.",)
    return Sheet(path, header, rows, "Excel", notes=notes)


def _workbook_table(
    path: Path, records: Iterable[tuple[int, list[Cell]]]
) -> tuple[tuple[str, ...], tuple[SheetRow, ...]]:
    header: tuple[str, ...] | None = None
    rows: list[SheetRow] = []
    blank = 0
    for number, cells in records:
        if all(c.empty for c in cells):
            # Formatting can leave a million empty rows: the table has ended.
            blank += 1
            if blank > _MAX_BLANK_ROWS:
                break
            continue
        blank = 0
        if header is None:
            # Trailing empty header cells are formatting, not columns.
            while cells and cells[-1].empty:
                cells.pop()
            header = tuple(c.text.strip() for c in cells)
            continue
        rows.append(_row(path, number, cells, len(header), len(rows)))
    return _checked(path, header, rows)


def _cell(cell: object) -> Cell:
    """A workbook cell as text, with the kind of value Excel stored."""
    value = getattr(cell, "value", None)
    kind = getattr(cell, "data_type", "s")
    if value is None:
        return EMPTY
    if kind == "f":
        return Cell(str(value), CellKind.FORMULA)
    if kind == "e":
        return Cell(str(value), CellKind.ERROR)
    if isinstance(value, bool):
        return Cell("TRUE" if value else "FALSE", CellKind.BOOLEAN)
    if isinstance(value, int | float):
        return Cell(_number(value), CellKind.NUMBER)
    if isinstance(value, datetime | date | time):
        return Cell(_moment(value), CellKind.DATE)
    return Cell(ooxml_unescape(str(value)))


def _number(value: float) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return str(value)


def _moment(value: datetime | date | time) -> str:
    if isinstance(value, datetime) and value.time() == time():
        return value.date().isoformat()
    return (
        value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    )
