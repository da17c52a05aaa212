"""The roster with its plates, written to CSV or Excel.

One row per plate (a user without plates gets one row with the plate empty),
with the columns the import reads back: importing an export changes nothing
and says so, row by row. Only plates the server has are written; changes
still queued in the outbox are not the roster yet.

Writing a large roster takes seconds: callers run ``export_roster`` in an
executor, on a list of the (immutable) users taken beforehand.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from spkey_desktop.bulk.writing import Value, write_csv, write_xlsx
from spkey_desktop.store.roster import RosterUser

EXPORT_HEADERS = (
    "User id",
    "Name",
    "E-mail",
    "Phone",
    "Status",
    "Plate",
    "Label",
    "Added",
)

#: What the export dialog offers: (name, file suffix, CSV delimiter).
EXPORT_FORMATS = (
    ("Excel workbook", ".xlsx", None),
    ("CSV, comma-separated", ".csv", ","),
    ("CSV, semicolon-separated (Excel in Polish, German, French…)", ".csv", ";"),
)


def export_rows(users: Iterable[RosterUser]) -> Iterator[Sequence[Value]]:
    """The export's data rows, users in the order given."""
    for user in users:
        name = f"{user.first_name} {user.last_name}".strip()
        who = (user.user_id, name, user.email, user.phone, user.status)
        plates = [p for p in user.plates if p.state.on_server]
        if not plates:
            yield (*who, "", "", None)
        for plate in plates:
            yield (*who, plate.plate, plate.label, plate.added_at)


def export_roster(
    path: Path, users: Sequence[RosterUser], *, delimiter: str = ","
) -> int:
    """Write the roster to ``path`` (.xlsx, else CSV); returns the rows written."""
    ordered = sorted(users, key=lambda u: (u.last_name.casefold(), u.user_id))
    rows = export_rows(ordered)
    if path.suffix.lower() == ".xlsx":
        return write_xlsx(path, EXPORT_HEADERS, rows, sheet_title="Roster")
    return write_csv(path, EXPORT_HEADERS, rows, delimiter=delimiter)
