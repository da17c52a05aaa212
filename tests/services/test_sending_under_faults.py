"""The sender under the server's fault modes: waits are measured on the server's
side of the wire, from when each request arrived."""

from __future__ import annotations

import itertools
import json
import time

import pytest

from spkey_desktop.api import Timeouts
from spkey_desktop.server import LocalServer
from spkey_desktop.services.delivery import Reachability, SendPolicy
from spkey_desktop.services.roster_service import PlateOutcome
from spkey_desktop.store.outbox import AddPlate, EntryState
from spkey_desktop.store.roster import PlateState
from tests.services.conftest import OpenApp, ServerClock, plate_events


@pytest.fixture
def user_id(local_server: LocalServer) -> str:
    org = local_server.organizations[0].org_id
    return local_server.create_user(org, email="f@example.com", first_name="F")


async def test_a_429_is_waited_out_for_its_retry_after(
    local_server: LocalServer, open_app: OpenApp, server_clock: ServerClock, user_id
) -> None:
    local_server.faults.retry_after_s = 2
    local_server.faults.fail_next(1, 429)
    app = await open_app()

    app.service.sender.enqueue_many(
        [AddPlate(user_id, "RL1"), AddPlate(user_id, "RL2")]
    )
    await app.until(lambda s: s.reachability is Reachability.OFFLINE)
    assert app.outbox.entries()[0].last_error  # the 429's sentence, for the panel
    await app.settled(within=10)

    limited, after, then = server_clock.posts("AddLicensePlate")
    assert limited.status == 429
    assert after.status == then.status == 200
    assert after.at - limited.at >= 2.0
    assert local_server.plates_of(user_id) == ["RL1", "RL2"]


async def test_a_run_of_502s_backs_off_more_each_time(
    local_server: LocalServer, open_app: OpenApp, server_clock: ServerClock, user_id
) -> None:
    local_server.faults.fail_next(5, 502)
    app = await open_app(policy=SendPolicy(base_delay=0.1, max_delay=5.0))

    app.service.sender.enqueue_many([AddPlate(user_id, "BO1")])
    await app.settled(within=15)

    attempts = server_clock.posts("AddLicensePlate")
    assert [a.status for a in attempts] == [502] * 5 + [200]
    waits = [b.at - a.at for a, b in itertools.pairwise(attempts)]
    # Equal jitter: the n-th wait lies between half and all of 0.1 * 2**n s.
    for n, wait in enumerate(waits):
        assert 0.1 * 2**n / 2 - 0.01 <= wait <= 0.1 * 2**n + 0.1, waits
    assert all(b >= a for a, b in itertools.pairwise(waits)), waits
    assert waits[-1] > 4 * waits[0]
    assert plate_events(local_server, user_id) == [("LicensePlateAdded", "BO1")]


async def test_a_stalled_get_times_out_and_is_retried(
    local_server: LocalServer, open_app: OpenApp, server_clock: ServerClock, user_id
) -> None:
    local_server.faults.stall_s = 2.0
    local_server.faults.fail_next(1, "stall")
    app = await open_app(timeouts=Timeouts(read=0.3))

    started = time.monotonic()
    profile = await app.client.get_profile(user_id)

    assert profile.first_name == "F"
    assert local_server.faults.pending == 0  # the stall was served...
    assert time.monotonic() - started >= 0.3  # ...and waited out to the timeout
    (answered,) = server_clock.gets("/profile")  # the retry, answered at once
    assert answered.status == 200


async def test_a_stalled_post_stays_queued_and_is_sent_once(
    local_server: LocalServer, open_app: OpenApp, server_clock: ServerClock, user_id
) -> None:
    # The stall ends after the client gave up, and the server then carries
    # the command out: exactly the case where only an idempotent replay helps.
    local_server.faults.stall_s = 0.6
    # The replay waits at least 0.5 s after the 0.3 s timeout: past the stall.
    policy = SendPolicy(base_delay=1.0)
    app = await open_app(timeouts=Timeouts(read=0.3), policy=policy)
    user = await app.service.fetch_user(user_id)
    local_server.faults.fail_next(1, "stall")

    change = await app.service.add_plate(user, "ST1")

    assert change.outcome is PlateOutcome.QUEUED
    (entry,) = app.outbox.entries()
    assert entry.state is EntryState.PENDING
    assert "did not answer" in entry.last_error
    assert "reload" not in entry.last_error  # the outbox sends it again itself
    await app.settled(within=10)
    # The replay found the plate there already: answered with no event.
    replay = server_clock.posts("AddLicensePlate")[-1]
    assert replay.status == 200
    assert json.loads(replay.body)["event"] is None
    assert plate_events(local_server, user_id) == [("LicensePlateAdded", "ST1")]
    shown = app.service.view(user_id)
    assert [(p.plate, p.state) for p in shown.plates] == [("ST1", PlateState.SAVED)]


async def test_sending_stays_within_its_concurrency_and_each_user_in_order(
    local_server: LocalServer, open_app: OpenApp, server_clock: ServerClock
) -> None:
    org = local_server.organizations[0].org_id
    users = [
        local_server.create_user(org, email=f"c{n}@example.com") for n in range(12)
    ]
    local_server.set_latency(60)
    app = await open_app()

    app.service.sender.enqueue_many(
        [AddPlate(u, f"C{n}X{k}") for k in range(3) for n, u in enumerate(users)]
    )
    await app.settled()

    # Requests in flight at once, as the server saw them. A request is done
    # a moment before the server has logged it, hence the 10 ms.
    posts = server_clock.posts("AddLicensePlate")
    edges = sorted([(a.at, 1) for a in posts] + [(a.done - 0.01, -1) for a in posts])
    in_flight = list(itertools.accumulate(step for _, step in edges))
    assert 2 <= max(in_flight) <= SendPolicy().concurrency
    for n, user_id in enumerate(users):
        added = [plate for _, plate in plate_events(local_server, user_id)]
        assert added == [f"C{n}X{k}" for k in range(3)]


async def test_refused_credentials_hold_the_queue_until_new_ones(
    local_server: LocalServer, open_app: OpenApp, user_id
) -> None:
    from spkey_desktop.api import Credentials

    key = ["B" * 40]
    app = await open_app(credentials=lambda: Credentials(api_key=key[0]))

    app.service.sender.enqueue_many([AddPlate(user_id, "K1"), AddPlate(user_id, "K2")])
    await app.until(lambda s: s.reachability is Reachability.REFUSED)

    entries = app.outbox.entries()
    assert [e.state for e in entries] == [EntryState.PENDING] * 2
    assert "key" in entries[0].last_error.lower()
    assert local_server.plates_of(user_id) == []

    key[0] = local_server.organizations[0].api_key
    app.service.sender.wake()
    await app.settled()
    assert local_server.plates_of(user_id) == ["K1", "K2"]
