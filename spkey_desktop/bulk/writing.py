"""Writing a table to CSV or Excel so that a spreadsheet shows it as it is.

CSV is written as UTF-8 with a byte-order mark (without it Excel reads UTF-8
as the local code page, and Łódź turns into Å�Ã³dÅº), with the delimiter the
operator's Excel expects. A text that a spreadsheet would run as a formula is
written inert: in CSV with a leading apostrophe (``cells.make_inert``, which
the import takes off again), in Excel as a text cell marked "quote prefix",
which Excel shows as typed and never evaluates.

Both are written to a temporary file next to the target and renamed over it,
so a failed export never leaves half a file under the name the operator chose.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from spkey_desktop.bulk.cells import FORMULA_STARTS, make_inert, ooxml_escape

Value = str | int | datetime | None


def write_csv(
    path: Path,
    headers: Sequence[str],
    rows: Iterable[Sequence[Value]],
    *,
    delimiter: str = ",",
) -> int:
    """Write a CSV file; returns the number of data rows written."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([make_inert(h) for h in headers])
    count = 0
    for row in rows:
        writer.writerow([make_inert(_text(value)) for value in row])
        count += 1
    _replace(path, buffer.getvalue().encode("utf-8-sig"))
    return count


def write_xlsx(
    path: Path,
    headers: Sequence[str],
    rows: Iterable[Sequence[Value]],
    *,
    sheet_title: str = "Sheet1",
) -> int:
    """Write an Excel workbook; returns the number of data rows written."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    book = Workbook(write_only=True)
    sheet = book.create_sheet(sheet_title)
    bold = Font(bold=True)

    def cell(value: Value, header: bool = False) -> WriteOnlyCell:
        if isinstance(value, str):
            written = WriteOnlyCell(sheet, value=ooxml_escape(value))
            # Text stays text: never a formula, whatever it starts with.
            written.data_type = "s"
            if value[:1] in FORMULA_STARTS:
                written.quotePrefix = True
        else:
            written = WriteOnlyCell(sheet, value=_local(value))
        if isinstance(value, datetime):
            written.number_format = "yyyy-mm-dd hh:mm"
        if header:
            written.font = bold
        return written

    sheet.append([cell(h, header=True) for h in headers])
    count = 0
    for row in rows:
        sheet.append([cell(value) for value in row])
        count += 1
    buffer = io.BytesIO()
    book.save(buffer)
    _replace(path, buffer.getvalue())
    return count


def _local(value: Value) -> Value:
    """Dates in the workstation's time, as the operator reads them; Excel
    cells cannot hold a time zone."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone().replace(tzinfo=None)
    return value


def _text(value: Value) -> str:
    value = _local(value)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    return str(value)


def _replace(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
