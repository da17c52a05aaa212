"""A user created with a phone number is found again by that number.

CreateUser checks a phone number but does not store it: the outbox sends
UpdatePhoneNumber after it. Without that, looking the number up again finds
nobody, and the operator creates the same person twice.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from spkey_desktop.api import InvalidInputError
from spkey_desktop.bulk.mapping import MappingMemory
from spkey_desktop.server import LocalServer
from spkey_desktop.services.bulk_import import ImportService
from spkey_desktop.services.import_preview import ImportPreview, RowStatus
from spkey_desktop.services.import_run import ImportOptions, ImportRun, Outcome
from spkey_desktop.services.plate_check import RosterPlateIndex
from tests.services.conftest import App, OpenApp, ServerClock


async def test_a_user_created_by_phone_is_found_by_that_phone(
    local_server: LocalServer, open_app: OpenApp, server_clock: ServerClock
) -> None:
    app = await open_app()

    created = await app.service.create_user(phone="+48 600 100 200", first_name="Ola")

    for typed in ("+48 600 100 200", "0048600100200"):
        found = await app.service.find_user(typed)
        assert found.uuid == created.user_id
    assert local_server.users.count() == 1
    # The roster shows the number as the server now has it.
    assert created.phone == "+48600100200"
    assert [a.status for a in server_clock.posts()] == [201, 200]
    assert server_clock.posts()[1].path.endswith("/UpdatePhoneNumber")


async def test_a_user_created_by_e_mail_gets_no_phone_call(
    local_server: LocalServer, open_app: OpenApp, server_clock: ServerClock
) -> None:
    app = await open_app()

    await app.service.create_user(email="ola@example.com")

    assert [a.path.rsplit("/", 1)[1] for a in server_clock.posts()] == ["CreateUser"]


async def test_an_unanswered_create_user_sets_the_phone_when_sent_again(
    local_server: LocalServer, open_app: OpenApp, server_clock: ServerClock
) -> None:
    # The user is created, but its answer is lost on the way back.
    local_server.faults.fail_next(1, 504, after_handler=True)
    app = await open_app()

    created = await app.service.create_user(phone="+48 600 100 300")
    await app.settled()

    creates = server_clock.posts("/CreateUser")
    assert [a.status for a in creates] == [504, 200]  # the replay: already there
    assert [a.status for a in server_clock.posts("/UpdatePhoneNumber")] == [200]
    found = await app.service.find_user("+48600100300")
    assert found.uuid == created.user_id
    assert local_server.users.count() == 1
    assert app.outbox.entries() == []


async def test_a_number_another_user_has_is_refused_with_a_reason(
    local_server: LocalServer, open_app: OpenApp
) -> None:
    org = local_server.organizations[0].org_id
    other = local_server.create_user(org, phone="+48600100400")
    app = await open_app()

    with pytest.raises(InvalidInputError) as refused:
        await app.service.create_user(phone="+48 600 100 400", first_name="Ola")

    assert "created" in str(refused.value)
    assert "+48 600 100 400" in str(refused.value)
    assert "another user" in str(refused.value)
    assert (await app.service.find_user("+48600100400")).uuid == other
    assert app.outbox.entries() == []


async def preview_of(app: App, tmp_path: Path, *lines: str) -> ImportPreview:
    path = tmp_path / "tenants.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    importer = ImportService(app.service, MappingMemory(tmp_path / "config"))
    sheet = await importer.read(path)
    mapping, _ = importer.mapping_for(sheet)
    roster = app.store.load_all()
    return await importer.preview(
        sheet, mapping, roster, RosterPlateIndex(roster).check
    )


async def test_an_import_creates_a_user_by_phone_once(
    tmp_path: Path, local_server: LocalServer, open_app: OpenApp
) -> None:
    app = await open_app()
    lines = ("Phone,Plate", "+48 510 200 300,PH1")
    options = ImportOptions(create_missing_users=True)

    first = await preview_of(app, tmp_path, *lines)
    report = await asyncio.wait_for(ImportRun(app.service, first, options).run(), 30)

    assert [r.outcome for r in report.results] == [Outcome.SENT]
    found = await app.service.find_user("+48510200300")
    assert local_server.plates_of(found.uuid) == ["PH1"]

    # The same file again, as if from another workstation: the user is found.
    app.store.remove(found.uuid)
    again = await preview_of(app, tmp_path, *lines)

    assert [row.status for row in again.rows] == [RowStatus.UNCHANGED]
    assert [row.user_id for row in again.rows] == [found.uuid]
    assert local_server.users.count() == 1
