"""Bulk import without the window: a real file, the real local server, the
real roster and outbox on disk. The preview sends nothing; the confirmed
import sends exactly the rows it should, and cancelling stops the rest."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from spkey_desktop.bulk.mapping import ColumnMapping, MappingMemory
from spkey_desktop.bulk.sheets import read_sheet
from spkey_desktop.server import LocalServer
from spkey_desktop.services.bulk_import import ImportService, write_rejected
from spkey_desktop.services.import_preview import ImportPreview, PreviewRow, RowStatus
from spkey_desktop.services.import_run import (
    ImportOptions,
    ImportReport,
    ImportRun,
    Outcome,
    Progress,
    RowResult,
)
from spkey_desktop.services.plate_check import RosterPlateIndex
from spkey_desktop.services.roster_export import export_roster
from spkey_desktop.store.roster import RosterUser
from tests.services.conftest import App, OpenApp

GHOST = "00000000-0000-4000-8000-000000000000"


def csv_file(tmp_path: Path, *lines: str, name: str = "tenants.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


async def roster_app(local_server: LocalServer, open_app: OpenApp) -> tuple[App, dict]:
    """Anna and Bob in the roster; Carol and Dave on the server only."""
    org = local_server.organizations[0].org_id
    ids = {
        "anna": local_server.create_user(
            org, email="anna@example.com", phone="+48600100200", first_name="Anna"
        ),
        "bob": local_server.create_user(org, email="bob@example.com", first_name="Bob"),
        "carol": local_server.create_user(
            org, email="carol@example.com", first_name="Carol"
        ),
        "dave": local_server.create_user(org, phone="+48700700700", first_name="Dave"),
    }
    local_server.add_plate(ids["anna"], "WX12345", "Company car")
    local_server.add_plate(ids["bob"], "PO0A123")
    local_server.add_plate(ids["carol"], "KR1")
    app = await open_app()
    for who in ("anna", "bob"):
        await app.service.add_to_roster(ids[who])
    return app, ids


async def preview_of(app: App, tmp_path: Path, path: Path) -> ImportPreview:
    importer = ImportService(app.service, MappingMemory(tmp_path / "config"))
    sheet = await importer.read(path)
    mapping, _ = importer.mapping_for(sheet)
    roster = app.store.load_all()
    index = RosterPlateIndex(roster)
    return await importer.preview(sheet, mapping, roster, index.check)


def by_number(preview: ImportPreview) -> dict[int, tuple[RowStatus, str]]:
    return {row.number: (row.status, row.reason) for row in preview.rows}


TENANTS = (
    "E-mail,Phone,Plate,Label,Name",
    "anna@example.com,,WX 12345,,",  # 2: already on Anna
    "anna@example.com,,GD 777,Van,",  # 3: new
    "ANNA@example.com,,gd.888,,",  # 4: written differently (a dot)
    "anna@example.com,,GD-777,,",  # 5: same as row 3
    "anna@example.com,,P00A123,,",  # 6: a lookalike of Bob's PO0A123
    "carol@example.com,,KR1,,",  # 7: Carol has it (she is not in the roster)
    "carol@example.com,,KR2,,",  # 8: new, and Carol joins the roster
    ",+48 700 700 700,DV1,,",  # 9: Dave, found by phone
    "nobody@example.com,,ZZ1,,Zed Zulu",  # 10: nobody has this e-mail
    "not-an-email,,AB1,,",  # 11: invalid e-mail
    "anna@example.com,,---,,",  # 12: no letters or digits
    ",600100200,AB2,,",  # 13: not international
    "anna@example.com,+48700700700,AB3,,",  # 14: Anna's e-mail, Dave's phone
    "anna@example.com,,1.00E+05,,",  # 15: what Excel makes of 1E5
    "bob@example.com,,,,",  # 16: no plate: Bob is in the roster
    "bob@example.com,,BB1,x,,extra",  # 17: a cell too many
)


async def test_the_preview_classifies_every_row_and_sends_nothing(
    tmp_path: Path, local_server: LocalServer, open_app: OpenApp
) -> None:
    app, ids = await roster_app(local_server, open_app)
    versions = {who: local_server.user_version(uid) for who, uid in ids.items()}
    users_before = local_server.users.count()
    requests_before = len(local_server.request_log)

    preview = await preview_of(app, tmp_path, csv_file(tmp_path, *TENANTS))
    rows = by_number(preview)

    assert rows[2][0] is RowStatus.UNCHANGED
    assert rows[3] == (RowStatus.NEW, "Will be added.")
    assert rows[4][0] is RowStatus.CHANGED
    assert "'gd.888' is sent as GD888" in rows[4][1]
    assert "removed a dot" in rows[4][1]
    assert rows[5] == (RowStatus.DUPLICATE, "Row 3 has the same plate and user.")
    assert rows[6][0] is RowStatus.CONFUSABLE
    assert "PO0A123 on Bob" in rows[6][1]
    assert rows[7][0] is RowStatus.UNCHANGED
    assert rows[8][0] is RowStatus.NEW
    assert rows[9][0] is RowStatus.NEW
    assert rows[10][0] is RowStatus.NOT_FOUND
    assert "Create missing users" in rows[10][1]
    assert rows[11] == (RowStatus.INVALID, "not-an-email is not an e-mail address.")
    assert rows[12][0] is RowStatus.INVALID
    assert "No letters or digits" in rows[12][1]
    assert rows[13][0] is RowStatus.INVALID
    assert "international" in rows[13][1]
    assert rows[14][0] is RowStatus.INVALID
    assert "two different users" in rows[14][1]
    assert rows[15][0] is RowStatus.DAMAGED
    assert rows[16][0] is RowStatus.USER_ONLY
    assert rows[17][0] is RowStatus.INVALID
    assert "1 more cell" in rows[17][1]
    assert set(preview.directory.joining) == {ids["carol"], ids["dave"]}

    # Nothing was sent, nobody created, and only lookups went out.
    assert local_server.users.count() == users_before
    assert {w: local_server.user_version(u) for w, u in ids.items()} == versions
    methods = {m for m, _, _ in local_server.request_log[requests_before:]}
    assert methods == {"GET"}
    assert app.outbox.entries() == []
    # The preview did not add Carol or Dave to the roster either.
    assert {u.user_id for u in app.store.load_all()} == {ids["anna"], ids["bob"]}


async def test_the_confirmed_import_sends_exactly_the_rows_it_should(
    tmp_path: Path, local_server: LocalServer, open_app: OpenApp
) -> None:
    app, ids = await roster_app(local_server, open_app)
    preview = await preview_of(app, tmp_path, csv_file(tmp_path, *TENANTS))
    seen: list[Progress] = []

    run = ImportRun(
        app.service,
        preview,
        ImportOptions(create_missing_users=True),
        on_progress=seen.append,
    )
    report = await asyncio.wait_for(run.run(), 30)

    assert sorted(local_server.plates_of(ids["anna"])) == ["GD777", "GD888", "WX12345"]
    assert sorted(local_server.plates_of(ids["carol"])) == ["KR1", "KR2"]
    assert local_server.plates_of(ids["dave"]) == ["DV1"]
    assert local_server.plates_of(ids["bob"]) == ["PO0A123"]  # lookalike held back
    zed = next(u for u in app.store.load_all() if u.email == "nobody@example.com")
    assert local_server.plates_of(zed.user_id) == ["ZZ1"]
    assert (zed.first_name, zed.last_name) == ("Zed", "Zulu")

    assert report.count(Outcome.SENT) == 5
    assert report.count(Outcome.FAILED) == 0
    held = {r.row.number for r in report.results if r.outcome is Outcome.HELD}
    assert held == {6, 11, 12, 13, 14, 15, 17}
    assert seen[-1].sent == 5
    assert seen[-1].remaining == 0
    # Carol and Dave joined the roster; the outbox is empty.
    roster_ids = {u.user_id for u in app.store.load_all()}
    assert {ids["carol"], ids["dave"], zed.user_id} <= roster_ids
    assert app.outbox.entries() == []

    rejected = tmp_path / "rejected.csv"
    assert write_rejected(rejected, preview, report) == 7
    back = read_sheet(rejected)
    assert back.headers[:2] == ("Row", "Problem")
    assert back.headers[2:] == read_sheet(tmp_path / "tenants.csv").headers
    problems = {row.cells[0].text: row.cells[1].text for row in back.rows}
    assert problems["6"].startswith("Collides with another plate: ")
    assert problems["15"].startswith("Damaged by a spreadsheet: ")
    assert back.rows[0].cells[2].text == "anna@example.com"


async def test_without_create_a_missing_user_is_not_created(
    tmp_path: Path, local_server: LocalServer, open_app: OpenApp
) -> None:
    app, _ = await roster_app(local_server, open_app)
    path = csv_file(tmp_path, "email,plate", "nobody@example.com,ZZ1")
    users_before = local_server.users.count()
    preview = await preview_of(app, tmp_path, path)

    report = await ImportRun(app.service, preview, ImportOptions()).run()

    assert local_server.users.count() == users_before
    assert [r.outcome for r in report.results] == [Outcome.HELD]


async def test_a_refusal_is_reported_with_the_servers_reason(
    tmp_path: Path, local_server: LocalServer, open_app: OpenApp
) -> None:
    app, _ = await roster_app(local_server, open_app)
    # In the roster, gone from the server: the server refuses the plate.
    app.store.save(RosterUser(GHOST, "ghost@example.com", first_name="Ghost"))
    path = csv_file(
        tmp_path, "email,plate", "ghost@example.com,GH1", "bob@example.com,B2"
    )
    preview = await preview_of(app, tmp_path, path)

    report = await asyncio.wait_for(
        ImportRun(app.service, preview, ImportOptions()).run(), 30
    )

    failed = [r for r in report.results if r.outcome is Outcome.FAILED]
    assert [r.row.number for r in failed] == [2]
    assert "does not exist" in failed[0].reason
    assert report.count(Outcome.SENT) == 1
    # The import reports it; it does not linger in the outbox as well.
    assert app.outbox.entries() == []


async def test_cancel_keeps_what_was_sent_and_leaves_the_rest_unsent(
    tmp_path: Path, local_server: LocalServer, open_app: OpenApp
) -> None:
    org = local_server.organizations[0].org_id
    emails = [f"tenant{n}@example.com" for n in range(30)]
    for email in emails:
        local_server.create_user(org, email=email)
    app = await open_app()
    path = csv_file(
        tmp_path, "email,plate", *(f"{e},CN{n}" for n, e in enumerate(emails))
    )
    preview = await preview_of(app, tmp_path, path)
    local_server.set_latency(50)

    run: ImportRun

    def cancel_after_the_first(progress: Progress) -> None:
        if progress.sent >= 1:
            run.cancel()

    run = ImportRun(
        app.service, preview, ImportOptions(), on_progress=cancel_after_the_first
    )
    report = await asyncio.wait_for(run.run(), 30)
    local_server.set_latency(0)

    sent = {r.row.plate for r in report.results if r.outcome is Outcome.SENT}
    not_sent = {r.row.plate for r in report.results if r.outcome is Outcome.NOT_SENT}
    assert report.cancelled
    assert sent
    assert not_sent
    assert len(sent) + len(not_sent) == 30
    on_server = {
        p for u in app.store.load_all() for p in local_server.plates_of(u.user_id)
    }
    assert on_server == sent
    assert app.outbox.entries() == []
    assert all(r.reason == "Not sent: import cancelled." for r in report.rejected())


async def test_an_unreachable_server_leaves_the_rows_queued(
    tmp_path: Path, local_server: LocalServer, open_app: OpenApp
) -> None:
    app, ids = await roster_app(local_server, open_app)
    preview = await preview_of(
        app, tmp_path, csv_file(tmp_path, "email,plate", "anna@example.com,Q1")
    )
    offline = asyncio.Event()
    local_server.faults.set_rate(1.0, [503])

    def note(progress: Progress) -> None:
        if progress.waiting:
            offline.set()

    run = ImportRun(app.service, preview, ImportOptions(), on_progress=note)
    task = asyncio.ensure_future(run.run())
    await asyncio.wait_for(offline.wait(), 20)
    run.detach()
    report = await task
    local_server.faults.clear()

    assert [r.outcome for r in report.results] == [Outcome.QUEUED]
    # Still queued, and sent once the server answers again.
    assert [e.change.plate for e in app.outbox.entries()] == ["Q1"]
    app.service.sender.wake()
    await app.settled()
    assert "Q1" in local_server.plates_of(ids["anna"])


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
async def test_importing_an_export_changes_nothing(
    tmp_path: Path, local_server: LocalServer, open_app: OpenApp, suffix: str
) -> None:
    app, _ = await roster_app(local_server, open_app)
    path = tmp_path / f"roster{suffix}"
    export_roster(path, app.store.load_all())

    preview = await preview_of(app, tmp_path, path)

    assert preview.mapping == ColumnMapping(
        "E-mail", "Phone", "User id", "Plate", "Label", "Name"
    )
    assert {row.status for row in preview.rows} == {RowStatus.UNCHANGED}
    assert len(preview.rows) == 2


async def test_detached_before_anything_was_queued_reports_the_rows_queued(
    tmp_path: Path, local_server: LocalServer, open_app: OpenApp
) -> None:
    app, _ = await roster_app(local_server, open_app)
    preview = await preview_of(
        app, tmp_path, csv_file(tmp_path, "email,plate", "anna@example.com,Q2")
    )
    local_server.faults.set_rate(1.0, [503])
    run = ImportRun(app.service, preview, ImportOptions())
    task = asyncio.ensure_future(run.run())
    run.detach()  # the task has not started: nothing is queued yet
    report = await asyncio.wait_for(task, 20)
    local_server.faults.clear()

    assert [r.outcome for r in report.results] == [Outcome.QUEUED]
    assert [e.change.plate for e in app.outbox.entries()] == ["Q2"]


def test_the_summary_names_rows_not_looked_up_apart_from_rows_held_back() -> None:
    held = PreviewRow(2, RowStatus.CONFUSABLE, "Looks like WX1 of Anna.")
    unreachable = PreviewRow(3, RowStatus.UNREACHABLE, "The server could not …")
    report = ImportReport(
        [
            RowResult(held, Outcome.HELD, held.reason),
            RowResult(unreachable, Outcome.HELD, unreachable.reason),
        ]
    )
    assert report.summary() == (
        "0 sent, 1 held back, 1 not looked up (server unreachable)."
    )


async def test_detached_with_a_reason_reports_the_queued_rows_with_it(
    tmp_path: Path, local_server: LocalServer, open_app: OpenApp
) -> None:
    app, _ = await roster_app(local_server, open_app)
    preview = await preview_of(
        app, tmp_path, csv_file(tmp_path, "email,plate", "anna@example.com,Q3")
    )
    local_server.faults.set_rate(1.0, [503])
    run = ImportRun(app.service, preview, ImportOptions())
    task = asyncio.ensure_future(run.run())
    run.detach("Queued: the server refused the credentials.")
    report = await asyncio.wait_for(task, 20)
    local_server.faults.clear()

    assert [(r.outcome, r.reason) for r in report.results] == [
        (Outcome.QUEUED, "Queued: the server refused the credentials.")
    ]
