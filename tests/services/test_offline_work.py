"""Working through outages: changes made while the server is away reach it, in
order and exactly once, after it (and the app) come back.

Everything is real: the local server on loopback is stopped and started again
on the same port, the app's SQLite file is closed and reopened.
"""

from __future__ import annotations

import gc
import logging
import time

import pytest

from spkey_desktop.server import LocalServer
from spkey_desktop.services.delivery import Reachability, SendPolicy
from spkey_desktop.services.roster_service import PlateOutcome
from spkey_desktop.store.outbox import AddPlate, EntryState, RemovePlate
from spkey_desktop.store.roster import PlateState
from tests.services.conftest import OpenApp, plate_events


def make_users(server: LocalServer, count: int) -> list[str]:
    org = server.organizations[0].org_id
    return [
        server.create_user(org, email=f"user{n}@example.com", first_name=f"U{n}")
        for n in range(count)
    ]


async def test_changes_made_offline_reach_the_server_once_after_both_restart(
    local_server: LocalServer, open_app: OpenApp
) -> None:
    users = make_users(local_server, 3)
    before = {u: [f"OLD{n}{k}" for k in range(2)] for n, u in enumerate(users)}
    for user_id, plates in before.items():
        for plate in plates:
            local_server.add_plate(user_id, plate)

    app = await open_app()
    roster = [await app.service.fetch_user(u) for u in users]
    local_server.stop()

    # 20 adds and 5 removals while the server is away: none may fail.
    added = {u: [] for u in users}
    outcomes = []
    for n in range(20):
        user = roster[n % 3]
        plate = f"NEW{n:02d}"
        outcomes.append((await app.service.add_plate(user, plate)).outcome)
        added[user.user_id].append(plate)
    removed = [(users[0], "OLD00"), (users[0], "OLD01"), (users[1], "OLD10")]
    removed += [(users[2], "OLD20"), (users[2], "NEW02")]
    for user_id, plate in removed:
        user = next(u for u in roster if u.user_id == user_id)
        outcomes.append((await app.service.remove_plate(user, plate)).outcome)

    # NEW02 was never sent, so removing it just called the queued add back.
    assert outcomes == [PlateOutcome.QUEUED] * 24 + [PlateOutcome.WITHDRAWN]
    assert app.outbox.counts().pending == 19 + 4
    shown = app.service.view(users[0])
    states = {p.plate: p.state for p in shown.plates}
    assert states["NEW00"] is PlateState.ADDING
    assert states["OLD00"] is PlateState.REMOVING
    assert app.service.status().reachability is Reachability.OFFLINE
    await app.close()

    local_server.start()
    app = await open_app()
    await app.settled()

    expected = {
        u: sorted(
            (set(before[u]) | set(added[u])) - {p for who, p in removed if who == u}
        )
        for u in users
    }
    assert {u: sorted(local_server.plates_of(u)) for u in users} == expected
    for user_id in users:
        events = plate_events(local_server, user_id)
        assert len(events) == len(set(events)), events  # nothing twice
    assert app.outbox.entries() == []
    # The roster the window shows matches the server, with nothing pending.
    for user_id in users:
        shown = app.service.view(user_id)
        assert sorted(p.plate for p in shown.plates) == expected[user_id]
        assert {p.state for p in shown.plates} == {PlateState.SAVED}


async def test_one_users_changes_keep_their_order(
    local_server: LocalServer, open_app: OpenApp
) -> None:
    (user_id,) = make_users(local_server, 1)
    app = await open_app(start=False)
    app.service.sender.enqueue_many(
        [
            AddPlate(user_id, "AB1"),
            RemovePlate(user_id, "AB1"),
            AddPlate(user_id, "AB1", "again"),
            AddPlate(user_id, "CD2"),
            RemovePlate(user_id, "CD2"),
        ]
    )
    app.service.start()
    await app.settled()

    assert plate_events(local_server, user_id) == [
        ("LicensePlateAdded", "AB1"),
        ("LicensePlateRemoved", "AB1"),
        ("LicensePlateAdded", "AB1"),
        ("LicensePlateAdded", "CD2"),
        ("LicensePlateRemoved", "CD2"),
    ]
    assert local_server.plates_of(user_id) == ["AB1"]


async def test_replays_of_changes_the_server_already_has_count_as_done(
    local_server: LocalServer, open_app: OpenApp
) -> None:
    (user_id,) = make_users(local_server, 1)
    local_server.add_plate(user_id, "HAS1")
    app = await open_app()
    user = await app.service.fetch_user(user_id)

    again = await app.service.add_plate(user, "HAS1")
    gone = await app.service.remove_plate(user, "NEVER1")

    assert again.outcome is PlateOutcome.ALREADY_REGISTERED
    assert gone.outcome is PlateOutcome.ALREADY_GONE
    assert app.outbox.entries() == []
    assert plate_events(local_server, user_id) == [("LicensePlateAdded", "HAS1")]


async def test_a_change_the_server_refuses_fails_with_its_reason(
    local_server: LocalServer, open_app: OpenApp
) -> None:
    (user_id,) = make_users(local_server, 1)
    app = await open_app()
    missing = "00000000-0000-4000-8000-000000000000"
    bad, unknown, _ = app.service.sender.enqueue_many(
        [
            AddPlate(user_id, "--"),  # nothing left once dashes are removed
            AddPlate(missing, "WX1"),
            AddPlate(user_id, "OK1"),
        ]
    )
    await app.settled()

    failed = {e.entry_id: e for e in app.outbox.failed()}
    assert set(failed) == {bad.entry_id, unknown.entry_id}
    assert "{" not in failed[bad.entry_id].last_error
    assert "does not exist" in failed[unknown.entry_id].last_error
    # A refused change does not hold up the user's next one.
    assert local_server.plates_of(user_id) == ["OK1"]

    # Retried, it is refused again; discarded, it is gone.
    assert app.service.sender.retry(unknown.entry_id)
    await app.settled()
    assert app.outbox.get(unknown.entry_id).state is EntryState.FAILED
    assert app.outbox.get(unknown.entry_id).attempts == 1
    assert app.service.sender.discard(unknown.entry_id)
    assert app.service.sender.discard(bad.entry_id)
    assert app.outbox.entries() == []


async def test_a_waiting_operator_gets_the_refusal_and_the_change_leaves(
    local_server: LocalServer, open_app: OpenApp
) -> None:
    from spkey_desktop.api.errors import InvalidInputError, ServerError

    (user_id,) = make_users(local_server, 1)
    app = await open_app()
    user = await app.service.fetch_user(user_id)

    with pytest.raises(InvalidInputError):
        await app.service.add_plate(user, "--")
    local_server.faults.fail_next(1, 500)
    with pytest.raises(ServerError):
        await app.service.add_plate(user, "WX1")

    assert app.outbox.entries() == []
    assert local_server.plates_of(user_id) == []


async def test_cancel_withdraws_only_what_has_not_been_sent(
    local_server: LocalServer, open_app: OpenApp
) -> None:
    (user_id,) = make_users(local_server, 1)
    app = await open_app()
    local_server.set_latency(400)
    first, second = app.service.sender.enqueue_many(
        [AddPlate(user_id, "AA1"), AddPlate(user_id, "BB2")]
    )
    await app.until(lambda status: status.counts.sending == 1)

    assert not app.service.sender.cancel(first.entry_id)  # on its way
    assert app.service.sender.cancel(second.entry_id)
    await app.settled()
    assert local_server.plates_of(user_id) == ["AA1"]
    assert app.outbox.entries() == []


async def test_closing_while_sending_loses_nothing_and_leaves_no_task(
    local_server: LocalServer,
    open_app: OpenApp,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="asyncio")
    users = make_users(local_server, 6)
    app = await open_app()
    local_server.set_latency(300)
    app.service.sender.enqueue_many(
        [AddPlate(u, f"P{n}{k}") for n, u in enumerate(users) for k in range(3)]
    )
    # Close the app while requests are on their way (one per user at most).
    lanes = min(len(users), SendPolicy().concurrency)
    await app.until(lambda status: status.counts.sending == lanes)
    await app.close()
    gc.collect()

    reopened = await open_app(start=False)
    left = reopened.outbox.entries()
    # Nothing answered was kept, nothing unanswered was dropped or marked sent.
    assert len(left) >= 4
    assert {e.state for e in left} == {EntryState.PENDING}
    local_server.set_latency(0)
    reopened.service.start()
    await reopened.settled()

    for n, user_id in enumerate(users):
        assert sorted(local_server.plates_of(user_id)) == [f"P{n}{k}" for k in range(3)]
        # The requests cut off at close were carried out anyway; their replay
        # was answered "already there" and added nothing twice.
        assert len(plate_events(local_server, user_id)) == 3
    asyncio_errors = [r.getMessage() for r in caplog.records if r.name == "asyncio"]
    assert not [m for m in asyncio_errors if "destroyed" in m or "never" in m]


async def test_submit_answers_queued_at_once_while_offline(
    local_server: LocalServer, open_app: OpenApp
) -> None:
    (user_id,) = make_users(local_server, 1)
    app = await open_app()
    user = await app.service.fetch_user(user_id)
    local_server.stop()

    first = await app.service.add_plate(user, "OFF1")
    started = time.monotonic()
    second = await app.service.add_plate(user, "OFF2")

    assert first.outcome is second.outcome is PlateOutcome.QUEUED
    assert time.monotonic() - started < 0.2  # known offline: no waiting
    pending = [p for p in second.user.plates if p.state is PlateState.ADDING]
    assert [p.plate for p in pending] == ["OFF1", "OFF2"]
    assert "Could not connect" in pending[0].note
