"""One cell of an imported sheet, and what a spreadsheet may have done to it.

Excel converts what it recognizes as it opens or saves a file: the plate MAR1
becomes the 1st of March, 1E5 becomes 100000, 0123 becomes 123, and a phone
number +48 600 100 200 becomes 48600100200. None of that can be undone
reliably, so it is flagged for the operator, never quietly turned back into
text. An Excel file says so itself (the cell is a number or a date); a CSV
file only shows the result, so its text is matched against the forms Excel
writes.

Cells starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
are run as formulas by spreadsheets. The CSV export writes them with a
leading apostrophe (``make_inert``) and the import takes it off again
(``restore``); the two are exact inverses, whatever the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

FORMULA_STARTS = frozenset("=+-@\t\r")
_QUOTE = "'"


def make_inert(text: str) -> str:
    """``text`` as a spreadsheet shows it without running it: "'=1+1"."""
    if text[:1] in FORMULA_STARTS or (
        text[:1] == _QUOTE and text[1:2] in FORMULA_STARTS | {_QUOTE}
    ):
        return _QUOTE + text
    return text


def restore(text: str) -> str:
    """Undo ``make_inert``: the text as it was before export."""
    if text[:1] == _QUOTE and text[1:2] in FORMULA_STARTS | {_QUOTE}:
        return text[1:]
    return text


# Workbook text escapes what XML cannot carry (a carriage return becomes a
# line feed when the XML is read) as _xHHHH_, and a literal "_xHHHH_" by
# escaping its underscore: the convention Excel itself writes and reads.
_OOXML_ESCAPED = re.compile(r"_x[0-9A-Fa-f]{4}_")
_OOXML_NEEDS_ESCAPE = re.compile(r"[\x00-\x08\x0b-\x1f]|_(?=x[0-9A-Fa-f]{4}_)")


def ooxml_escape(text: str) -> str:
    """``text`` as workbook XML must hold it to read back unchanged."""
    return _OOXML_NEEDS_ESCAPE.sub(lambda m: f"_x{ord(m.group()):04X}_", text)


def ooxml_unescape(text: str) -> str:
    """Undo ``ooxml_escape`` (and Excel's own escaping)."""
    if "_x" not in text:
        return text
    return _OOXML_ESCAPED.sub(lambda m: chr(int(m.group()[2:6], 16)), text)


class CellKind(Enum):
    """What a spreadsheet stored in the cell."""

    TEXT = "text"
    NUMBER = "number"
    DATE = "date"
    BOOLEAN = "true or false"
    FORMULA = "formula"
    ERROR = "error value"


@dataclass(frozen=True, slots=True)
class Cell:
    """A cell's text and what kind of value the file stored.

    ``text`` is what the import works with: for a number or a date it is how
    the value reads (``100000``, ``2026-03-01``), and such a cell in a plate or
    phone column is flagged, never used as if it were the original text.
    """

    text: str
    kind: CellKind = CellKind.TEXT

    @property
    def empty(self) -> bool:
        return not self.text.strip()


EMPTY = Cell("")

_MONTHS = "Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec"
# The forms in which Excel writes a date or a large number into a CSV file.
_LOOKS_LIKE_A_DATE = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2})?)?"  # 2026-03-01 00:00:00
    r"|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}( \d{1,2}:\d{2}(:\d{2})?)?"  # 01.03.2026
    rf"|(\d{{1,2}}-)?({_MONTHS})(-\d{{2,4}})?"  # 1-Mar, Mar-26, 01-Mar-26
)
_LOOKS_LIKE_A_NUMBER = re.compile(
    r"-?\d+(\.\d+)?E[+-]\d+"  # 1.00E+05, 1E+05: scientific notation
    r"|-?\d+\.0+"  # 100000.0: a whole number stored as a float
)


def plate_damage(cell: Cell) -> str | None:
    """Why a plate cell cannot be trusted, as a sentence; None when it can."""
    if cell.kind is CellKind.NUMBER:
        return (
            f"The spreadsheet stored this plate as the number {cell.text}: plates "
            "such as 1E5 or 0123 lose letters or leading zeros that way. Type the "
            "plate again as text in the file."
        )
    if cell.kind is CellKind.DATE:
        return (
            f"The spreadsheet turned this plate into the date {cell.text}: plates "
            "such as MAR1 become dates that way. Type the plate again as text in "
            "the file."
        )
    if cell.kind is CellKind.TEXT and _LOOKS_LIKE_A_DATE.fullmatch(cell.text.strip()):
        return (
            f"{cell.text.strip()} looks like a date a spreadsheet wrote in place of "
            "a plate (MAR1 becomes 1-Mar). Check the plate and type it again."
        )
    if cell.kind is CellKind.TEXT and _LOOKS_LIKE_A_NUMBER.fullmatch(cell.text.strip()):
        return (
            f"{cell.text.strip()} looks like a number a spreadsheet wrote in place "
            "of a plate (1E5 becomes 1.00E+05 or 100000.0). Check the plate and "
            "type it again."
        )
    return _other_damage(cell, "plate")


def phone_damage(cell: Cell) -> str | None:
    """Why a phone cell cannot be trusted, as a sentence; None when it can."""
    text = cell.text.strip()
    if cell.kind is CellKind.NUMBER or (
        cell.kind is CellKind.TEXT and _LOOKS_LIKE_A_NUMBER.fullmatch(text)
    ):
        return (
            f"The spreadsheet stored this phone number as the number {text}, which "
            "drops the + and leading zeros. Write it as text in international form "
            "(+48 600 100 200)."
        )
    return _other_damage(cell, "phone number")


def text_damage(cell: Cell, what: str) -> str | None:
    """For e-mail, label and name cells: only formulas and errors matter."""
    return _other_damage(cell, what)


def _other_damage(cell: Cell, what: str) -> str | None:
    if cell.kind is CellKind.FORMULA:
        return f"The {what} cell holds a formula ({cell.text}), not a value."
    if cell.kind is CellKind.ERROR:
        return f"The {what} cell holds the spreadsheet error {cell.text}."
    if cell.kind is CellKind.DATE:
        return f"The spreadsheet turned the {what} into the date {cell.text}."
    if cell.kind is CellKind.BOOLEAN:
        return f"The spreadsheet turned the {what} into {cell.text}."
    return None
