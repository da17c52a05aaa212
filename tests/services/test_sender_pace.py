"""A backlog of many users: every lane kept busy, listeners told at a steady
pace, and the end always told."""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path

from spkey_desktop.server import LocalServer
from spkey_desktop.services.delivery import OutboxEvent, Reachability, SendPolicy
from spkey_desktop.services.outbox_sender import NOTIFY_BATCH, NOTIFY_INTERVAL_S
from spkey_desktop.store.outbox import AddPlate, EntryState, RemovePlate
from spkey_desktop.store.sender_lock import lock_path
from tests.services.conftest import OpenApp, ServerClock


def _users(server: LocalServer, count: int) -> list[str]:
    org = server.organizations[0].org_id
    return [server.create_user(org, email=f"p{n}@example.com") for n in range(count)]


async def test_a_lane_done_with_one_user_goes_on_to_the_next(
    local_server: LocalServer, open_app: OpenApp, server_clock: ServerClock
) -> None:
    users = _users(local_server, 40)
    local_server.set_latency(40)
    app = await open_app()

    app.service.sender.enqueue_many([AddPlate(u, f"L{n}") for n, u in enumerate(users)])
    await app.settled()

    posts = server_clock.posts("AddLicensePlate")
    assert len(posts) == 40
    edges = sorted([(a.at, 1) for a in posts] + [(a.done - 0.01, -1) for a in posts])
    in_flight = list(itertools.accumulate(step for _, step in edges))
    # Every lane busy at some point, none beyond the limit.
    assert max(in_flight) == SendPolicy().concurrency
    for n, user_id in enumerate(users):
        assert local_server.plates_of(user_id) == [f"L{n}"]


async def test_listeners_hear_a_busy_backlog_at_a_steady_pace_and_its_end(
    local_server: LocalServer, open_app: OpenApp
) -> None:
    users = _users(local_server, 60)
    app = await open_app()
    heard: list[tuple[float, OutboxEvent]] = []
    app.service.sender.add_listener(lambda e: heard.append((time.monotonic(), e)))

    app.service.sender.enqueue_many([AddPlate(u, f"T{n}") for n, u in enumerate(users)])
    await app.settled()
    await asyncio.sleep(NOTIFY_INTERVAL_S * 3)

    gaps = [later - earlier for (earlier, _), (later, _) in itertools.pairwise(heard)]
    assert len(heard) >= 2
    assert min(gaps) >= NOTIFY_INTERVAL_S * 0.8
    # Nothing that moved goes untold, and the last word is the final state.
    told = set().union(*(event.user_ids for _, event in heard))
    assert set(users) <= told
    assert heard[-1][1].status.counts.unsent == 0


async def test_a_bulk_just_queued_is_told_in_slices_that_keep_the_window_free(
    local_server: LocalServer, open_app: OpenApp
) -> None:
    users = _users(local_server, 450)
    app = await open_app()
    local_server.stop()  # nothing leaves: only the queueing is told
    heard: list[OutboxEvent] = []
    app.service.sender.add_listener(heard.append)

    app.service.sender.enqueue_many([AddPlate(u, f"S{n}") for n, u in enumerate(users)])
    await asyncio.sleep(NOTIFY_INTERVAL_S * 3)

    sizes = [len(event.user_ids) for event in heard]
    assert max(sizes) <= NOTIFY_BATCH
    assert set(users) <= set().union(*(event.user_ids for event in heard))


async def test_a_second_sender_on_the_profile_waits_and_takes_nothing_in_flight(
    local_server: LocalServer, open_app: OpenApp
) -> None:
    (user,) = _users(local_server, 1)
    local_server.set_latency(400)
    first = await open_app()
    first.service.sender.enqueue_many([AddPlate(user, "ORDER1")])
    await first.until(lambda status: status.counts.sending == 1)
    first.service.sender.enqueue_many([RemovePlate(user, "ORDER1")])

    # A second process on the same profile (here: a second app on the file).
    second = await open_app()
    assert not second.service.sender.owns_outbox
    status = second.service.status()
    assert status.reachability is Reachability.ELSEWHERE
    assert "Another copy of spkey-desktop" in status.last_error
    # It took nothing back: the first's add is still on its way, not waiting.
    add, remove = first.outbox.entries()
    assert isinstance(add.change, AddPlate)
    assert add.state is EntryState.SENDING
    assert remove.state is EntryState.PENDING
    # Nor can it withdraw what the first follows (that one would wait for ever).
    assert not second.service.sender.cancel(remove.entry_id)

    await first.settled()
    assert local_server.plates_of(user) == []  # added, then removed, in order
    await first.close()
    # Once the first has gone, the second takes over (it polls the lock).
    await second.until(lambda status: status.reachability is not Reachability.ELSEWHERE)
    assert second.service.sender.owns_outbox


async def test_a_lock_file_that_cannot_be_used_is_reported_not_raised(
    tmp_path: Path, local_server: LocalServer, open_app: OpenApp
) -> None:
    lock_path(tmp_path / "profile.sqlite3").mkdir(parents=True)
    app = await open_app()
    status = app.service.status()
    assert status.reachability is Reachability.ELSEWHERE
    assert "cannot be used" in status.last_error
    assert not app.service.sender.owns_outbox
