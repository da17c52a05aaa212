"""Bulk import, from a file to a preview to the outbox: the steps in order.

1. ``read`` the file (in an executor: it may take seconds and must not freeze
   the window) into a :class:`Sheet`.
2. ``mapping_for`` the sheet: remembered for this layout, else guessed.
3. ``preview``: who each contact is (the roster, then lookups on the server
   for the others), then every row classified. Classifying runs on the event
   loop in slices, since it reads the roster's plate index, which only the
   loop's thread may touch.
4. The operator confirms; an :class:`ImportRun` sends the rows.
5. ``write_rejected`` keeps the rows that were not sent, with the reason, in
   a file the operator can fix and import again; ``rejected_path`` names it
   after the whole input name (``tenants.csv-rejected.csv``), so the
   rejected rows of ``tenants.csv`` and ``tenants.xlsx`` never overwrite each
   other.

The window and the ``import`` command both go through here.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from spkey_desktop.bulk.mapping import ColumnMapping, MappingMemory
from spkey_desktop.bulk.sheets import Sheet, read_sheet
from spkey_desktop.bulk.writing import write_csv, write_xlsx
from spkey_desktop.plates import Collision
from spkey_desktop.services.contacts import (
    Contact,
    look_up,
    roster_contacts,
)
from spkey_desktop.services.import_preview import (
    Directory,
    ImportPreview,
    PreviewRow,
    RowClassifier,
    sheet_contacts,
)
from spkey_desktop.services.import_run import ImportReport, Outcome, RowResult
from spkey_desktop.services.roster_service import RosterService
from spkey_desktop.store.roster import RosterUser

log = logging.getLogger(__name__)

# Rows classified between two turns of the event loop.
_SLICE = 2000

Check = Callable[[str, str], tuple[Collision, ...]]
Progress = Callable[[str, int, int], None]


class ImportService:
    """The steps of a bulk import; see the module text."""

    def __init__(self, service: RosterService, memory: MappingMemory) -> None:
        self._service = service
        self._memory = memory

    @property
    def roster(self) -> RosterService:
        return self._service

    async def read(
        self, path: Path, *, encoding: str | None = None, delimiter: str | None = None
    ) -> Sheet:
        """The file as a table; raises SheetError with a sentence."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            None, lambda: read_sheet(path, encoding=encoding, delimiter=delimiter)
        )

    def mapping_for(self, sheet: Sheet) -> tuple[ColumnMapping, str]:
        return self._memory.mapping_for(sheet.headers)

    def remember(self, sheet: Sheet, mapping: ColumnMapping) -> None:
        try:
            self._memory.remember(sheet.headers, mapping)
        except OSError as error:
            log.warning("Could not save the import's column mapping: %s", error)

    async def preview(
        self,
        sheet: Sheet,
        mapping: ColumnMapping,
        roster: Sequence[RosterUser],
        roster_check: Check,
        *,
        on_progress: Progress | None = None,
        on_rows: Callable[[Sequence[PreviewRow]], None] | None = None,
    ) -> ImportPreview:
        """Look up who the file names, then classify every row; ``on_rows``
        hears each slice of classified rows as it is done."""
        report = on_progress or (lambda _step, _done, _total: None)
        known = await _in_slices(roster_contacts, roster)
        wanted = sheet_contacts(sheet, mapping)
        unknown = [c for c in wanted if c not in known]
        if unknown:
            log.info("Looking up %d contacts the roster does not have", len(unknown))
        lookups = await look_up(
            self._service,
            unknown,
            on_progress=lambda done, total: report("Looking up users", done, total),
        )
        in_roster = {u.user_id for u in known.values()}
        users: dict[Contact, RosterUser] = {c: known[c] for c in wanted if c in known}
        users.update(lookups.found)
        read = {u.user_id: u for u in lookups.found.values()}
        directory = Directory(
            users=users,
            joining={i: u for i, u in read.items() if i not in in_roster},
            missing=frozenset(lookups.missing),
            failed=lookups.failed,
            unreachable=lookups.unreachable,
            read=read,
        )

        classifier = RowClassifier(sheet, mapping, directory, roster_check)
        rows: list[PreviewRow] = []
        for start in range(0, len(sheet.rows), _SLICE):
            done = [classifier.classify(r) for r in sheet.rows[start : start + _SLICE]]
            rows += done
            if on_rows is not None:
                on_rows(done)
            report("Checking rows", len(rows), len(sheet.rows))
            await asyncio.sleep(0)
        return ImportPreview(
            sheet, mapping, tuple(rows), directory, roster_size=len(roster)
        )


REJECTED_HEADERS = ("Row", "Problem")
_REJECTED_SUFFIX = "-rejected.csv"


def rejected_path(source: Path) -> Path:
    """Where the rows of ``source`` that were not sent go by default: next to
    it, named after its whole name (``tenants.xlsx-rejected.csv``), so that
    two inputs that differ only in their extension keep their own file."""
    return source.with_name(source.name + _REJECTED_SUFFIX)


def write_rejected(path: Path, preview: ImportPreview, report: ImportReport) -> int:
    """The rows not sent, as the file had them, with the reason first.

    Written as CSV or, for a path ending in .xlsx, as a workbook; the file's
    own columns follow, so it can be fixed and imported again.
    """
    rows = [_rejected_row(result) for result in report.rejected()]
    headers = (*REJECTED_HEADERS, *preview.sheet.headers)
    if path.suffix.lower() == ".xlsx":
        return write_xlsx(path, headers, rows, sheet_title="Rejected rows")
    return write_csv(path, headers, rows)


def _rejected_row(result: RowResult) -> list[str | int]:
    row = result.row
    if result.outcome is Outcome.HELD:
        reason = f"{row.status.value.capitalize()}: {row.reason}"
    elif result.outcome is Outcome.FAILED:
        reason = f"Refused by the server: {result.reason}"
    else:
        reason = result.reason
    return [row.number, reason, *row.cells]


async def _in_slices(
    build: Callable[[Sequence[RosterUser]], dict[Contact, RosterUser]],
    users: Sequence[RosterUser],
    size: int = 10_000,
) -> dict[Contact, RosterUser]:
    """``build`` over a large roster a slice at a time, letting the loop run."""
    merged: dict[Contact, RosterUser] = {}
    for start in range(0, len(users), size):
        merged.update(build(users[start : start + size]))
        await asyncio.sleep(0)
    return merged
