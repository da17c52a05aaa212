"""Bulk import when the server cannot be reached, and what the collision check
covers: the real local server (stopped, or answering 503), the real roster
and outbox on disk."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from spkey_desktop.api import errors
from spkey_desktop.bulk.mapping import MappingMemory
from spkey_desktop.bulk.sheets import read_sheet
from spkey_desktop.server import LocalServer
from spkey_desktop.services.bulk_import import (
    ImportService,
    rejected_path,
    write_rejected,
)
from spkey_desktop.services.delivery import UNREACHABLE_ERRORS, Failure, classify
from spkey_desktop.services.import_preview import ImportPreview, RowStatus
from spkey_desktop.services.import_run import (
    ImportOptions,
    ImportReport,
    ImportRun,
    Outcome,
    Progress,
)
from spkey_desktop.services.plate_check import RosterPlateIndex
from spkey_desktop.store.outbox import AddPlate
from spkey_desktop.store.roster import RosterPlate, RosterUser
from tests.services.conftest import App, OpenApp
from tests.services.test_bulk_import import GHOST, by_number, csv_file, roster_app


async def preview_of(
    app: App, tmp_path: Path, path: Path, *, queued: bool = False
) -> ImportPreview:
    """The preview, against the roster as saved or (``queued``) as the window
    and the command show it, with the outbox's queued changes laid over it."""
    importer = ImportService(app.service, MappingMemory(tmp_path / "config"))
    sheet = await importer.read(path)
    mapping, _ = importer.mapping_for(sheet)
    roster = app.service.load_roster() if queued else app.store.load_all()
    index = RosterPlateIndex(roster)
    return await importer.preview(sheet, mapping, roster, index.check)


async def queue_offline(app: App, preview: ImportPreview) -> ImportReport:
    """Import ``preview``'s rows and stop following once the server is found
    unreachable: what was queued stays queued."""
    waiting = asyncio.Event()

    def note(progress: Progress) -> None:
        if progress.waiting:
            waiting.set()

    run = ImportRun(app.service, preview, ImportOptions(), on_progress=note)
    task = asyncio.ensure_future(run.run())
    await asyncio.wait_for(waiting.wait(), 20)
    run.detach()
    return await task


def cut_off(server: LocalServer, how: str) -> None:
    if how == "stopped":
        server.stop()  # nothing listens on the port: connections are refused
    else:
        server.faults.set_rate(1.0, [503])


def restore(server: LocalServer, how: str) -> None:
    if how == "stopped":
        server.start()  # on the same port
    else:
        server.faults.clear()


@pytest.mark.parametrize("how", ["stopped", "503"])
async def test_an_unreachable_server_queues_known_users_and_loses_no_row(
    tmp_path: Path, local_server: LocalServer, open_app: OpenApp, how: str
) -> None:
    app, ids = await roster_app(local_server, open_app)
    path = csv_file(
        tmp_path,
        "E-mail,Phone,User id,Plate",
        "anna@example.com,,,AN1",  # 2: Anna is in the roster
        "anna@example.com,+48 111 222 333,,AN2",  # 3: and a phone nobody knows
        f",,{ids['bob']},BO1",  # 4: Bob, in the roster, by user id
        "carol@example.com,,,CA1",  # 5: Carol has to be looked up
        ",+48 700 700 700,,DA1",  # 6: so has Dave
        f",,{ids['carol']},CA2",  # 7: an id the roster does not have
    )
    cut_off(local_server, how)

    preview = await preview_of(app, tmp_path, path)
    rows = by_number(preview)

    # Rows whose user the roster knows are what they are with the server up.
    assert [rows[n][0] for n in (2, 3, 4)] == [RowStatus.NEW] * 3
    for number, contact in ((5, "carol@example.com"), (6, "+48 700 700 700")):
        status, reason = rows[number]
        assert status is RowStatus.UNREACHABLE
        assert f"The server could not be reached to look up {contact}" in reason
        assert "run the import again" in reason
        assert "refused" not in reason.lower()
    assert rows[7][0] is RowStatus.UNREACHABLE

    report = await queue_offline(app, preview)

    outcomes = {r.row.number: r.outcome for r in report.results}
    assert outcomes == {
        2: Outcome.QUEUED,
        3: Outcome.QUEUED,
        4: Outcome.QUEUED,
        5: Outcome.HELD,
        6: Outcome.HELD,
        7: Outcome.HELD,
    }
    queued = [(e.change.user_id, e.change.plate) for e in app.outbox.entries()]
    assert queued == [(ids["anna"], "AN1"), (ids["anna"], "AN2"), (ids["bob"], "BO1")]

    # Nothing typed in the file is lost: every row is in the rejected rows,
    # the ones not looked up with a reason that is no refusal.
    rejected = tmp_path / "rejected.csv"
    assert write_rejected(rejected, preview, report) == 6
    problems = {r.cells[0].text: r.cells[1].text for r in read_sheet(rejected).rows}
    assert set(problems) == {"2", "3", "4", "5", "6", "7"}
    for number in ("5", "6", "7"):
        assert problems[number].startswith(
            "User not looked up: The server could not be reached"
        )
        assert "Refused by the server" not in problems[number]

    # Still offline, the same file again sends nothing twice and loses nothing.
    waits = by_number(await preview_of(app, tmp_path, path, queued=True))
    assert [waits[n][0] for n in (2, 3, 4)] == [RowStatus.UNCHANGED] * 3
    assert waits[2][1].startswith("AN1 waits in the outbox for Anna already")
    assert [waits[n][0] for n in (5, 6, 7)] == [RowStatus.UNREACHABLE] * 3

    # Once the server answers: the queue goes out, and the same file again
    # finds Carol and Dave.
    restore(local_server, how)
    app.service.sender.wake()
    await app.settled()
    assert sorted(local_server.plates_of(ids["anna"])) == ["AN1", "AN2", "WX12345"]
    assert sorted(local_server.plates_of(ids["bob"])) == ["BO1", "PO0A123"]
    again = by_number(await preview_of(app, tmp_path, path))
    assert [again[n][0] for n in (5, 6, 7)] == [RowStatus.NEW] * 3


async def test_a_queued_plate_the_server_then_refuses_is_imported_again(
    tmp_path: Path, local_server: LocalServer, open_app: OpenApp
) -> None:
    app, _ = await roster_app(local_server, open_app)
    # In the roster, gone from the server: the server refuses its plates.
    app.store.save(RosterUser(GHOST, "ghost@example.com", first_name="Ghost"))
    path = csv_file(tmp_path, "E-mail,Plate", "ghost@example.com,GH1")
    local_server.faults.set_rate(1.0, [503])
    preview = await preview_of(app, tmp_path, path)
    assert [r.outcome for r in (await queue_offline(app, preview)).results] == [
        Outcome.QUEUED
    ]

    local_server.faults.clear()
    app.service.sender.wake()
    await app.settled()
    assert [e.change.plate for e in app.outbox.failed()] == ["GH1"]

    # Refused is not registered: the row is a new plate again, not one to skip.
    again = by_number(await preview_of(app, tmp_path, path, queued=True))
    assert again[2] == (RowStatus.NEW, "Will be added.")


def _every_api_error() -> list[errors.ApiError]:
    found: list[errors.ApiError] = []
    kinds: list[type[errors.ApiError]] = [errors.ApiError]
    while kinds:
        kind = kinds.pop()
        kinds += kind.__subclasses__()
        if kind is errors.RedirectedError:
            found.append(kind("moved", status=302, location="http://elsewhere/"))
        else:
            found.append(kind("failed"))
    return found


@pytest.mark.parametrize("error", _every_api_error(), ids=lambda e: type(e).__name__)
def test_a_lookup_counts_as_unreachable_exactly_when_the_outbox_would_wait(
    error: errors.ApiError,
) -> None:
    outbox_waits = classify(AddPlate("u", "AB1", ""), error) is Failure.UNREACHABLE
    assert isinstance(error, UNREACHABLE_ERRORS) == outbox_waits


async def test_users_read_for_the_file_take_part_in_the_collision_check(
    tmp_path: Path, local_server: LocalServer, open_app: OpenApp
) -> None:
    app, _ = await roster_app(local_server, open_app)
    org = local_server.organizations[0].org_id
    # Erin is in the roster as cached before her phone number and her plate
    # ER1 were added, and with OLD1, which she has given up since.
    erin = local_server.create_user(
        org, email="erin@example.com", phone="+48500500500", first_name="Erin"
    )
    local_server.add_plate(erin, "ER1")
    app.store.save(
        RosterUser(
            erin, "erin@example.com", first_name="Erin", plates=(RosterPlate("OLD1"),)
        )
    )
    path = csv_file(
        tmp_path,
        "E-mail,Phone,Plate",
        "carol@example.com,,KR2",  # 2: Carol (not in the roster) is read
        "anna@example.com,,KR1",  # 3: Carol's plate
        "anna@example.com,,KRI",  # 4: one lookalike away from Carol's KR1
        ",+48 500 500 500,ER2",  # 5: Erin is read again, by her phone
        "anna@example.com,,ER1",  # 6: Erin's plate, as the server has it
        "anna@example.com,,OLD1",  # 7: no longer anyone's
    )

    preview = await preview_of(app, tmp_path, path)
    rows = by_number(preview)

    assert rows[2][0] is RowStatus.NEW
    assert rows[3] == (
        RowStatus.CONFUSABLE,
        "KR1 is already on Carol: check who the car belongs to before adding it here.",
    )
    assert rows[4][0] is RowStatus.CONFUSABLE
    assert "KR1 on Carol differs from KRI only by characters" in rows[4][1]
    assert rows[5][0] is RowStatus.NEW
    assert rows[6] == (
        RowStatus.CONFUSABLE,
        "ER1 is already on Erin: check who the car belongs to before adding it here.",
    )
    assert rows[7] == (RowStatus.NEW, "Will be added.")
    assert preview.collision_scope() == (
        "Collisions were checked against the plates of 3 roster users and 2 users "
        "read from the server for this file. Plates of other users are not "
        "checked: the server cannot say who has a plate."
    )


async def test_the_collision_scope_names_contacts_that_could_not_be_looked_up(
    tmp_path: Path, local_server: LocalServer, open_app: OpenApp
) -> None:
    app, _ = await roster_app(local_server, open_app)
    path = csv_file(tmp_path, "E-mail,Plate", "carol@example.com,KR2")
    local_server.stop()

    preview = await preview_of(app, tmp_path, path)

    assert preview.collision_scope().startswith(
        "Collisions were checked against the plates of 2 roster users and 0 users "
        "read from the server for this file (1 contact in the file could not be "
        "looked up)."
    )


@pytest.mark.parametrize(
    ("source", "rejected"),
    [
        ("tenants.csv", "tenants.csv-rejected.csv"),
        ("tenants.xlsx", "tenants.xlsx-rejected.csv"),
        ("tenants", "tenants-rejected.csv"),
        ("nightly.export.csv", "nightly.export.csv-rejected.csv"),
    ],
)
def test_the_rejected_rows_are_named_after_the_whole_input_name(
    tmp_path: Path, source: str, rejected: str
) -> None:
    assert rejected_path(tmp_path / source) == tmp_path / rejected
