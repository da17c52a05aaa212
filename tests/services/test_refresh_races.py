"""A refresh must not undo what happened while it was out, and a no-op answer
with a version jump still reloads (defects found by the adversarial tester)."""

from __future__ import annotations

import asyncio

from spkey_desktop.store.roster import RosterPlate, RosterUser


async def test_a_user_removed_during_a_refresh_stays_removed(
    open_app, local_server
) -> None:
    org = local_server.organizations[0].org_id
    users = [local_server.create_user(org, first_name=f"U{i}") for i in range(3)]
    app = await open_app()
    app.store.save_many([RosterUser(u) for u in users])
    local_server.set_latency(200)

    refresh = asyncio.ensure_future(app.service.refresh_all(users))
    await asyncio.sleep(0.05)  # the requests are out
    app.service.forget(users[1])
    report = await refresh

    assert app.store.get(users[1]) is None
    assert {u.user_id for u in report.refreshed} == {users[0], users[2]}


async def test_a_change_saved_during_a_refresh_is_not_overwritten(
    open_app, local_server
) -> None:
    org = local_server.organizations[0].org_id
    user = local_server.create_user(org, first_name="Zoe")
    app = await open_app()
    app.store.save(RosterUser(user))
    local_server.set_latency(300)

    refresh = asyncio.ensure_future(app.service.refresh_all([user]))
    await asyncio.sleep(0.1)  # the refresh's read is out, with no plates yet
    # Meanwhile a delivered add updates the cached user (as _after_delivery
    # does): the older answer must not replace it.
    newer = RosterUser(user, first_name="Zoe", plates=(RosterPlate("GD9999"),))
    app.store.save(newer)
    await refresh

    assert [p.plate for p in app.store.get(user).plates] == ["GD9999"]


async def test_a_no_op_add_with_a_version_jump_reloads_the_user(
    open_app, local_server
) -> None:
    org = local_server.organizations[0].org_id
    user = local_server.create_user(org, first_name="Ann")
    local_server.add_plate(user, "AAA111")
    app = await open_app()
    app.store.save(RosterUser(user))
    await app.service.refresh_all([user])
    first = await app.service.add_plate(app.store.get(user), "BBB222")
    await app.settled()
    assert app.store.get(user).version is not None

    # Someone else adds CCC333; then the operator re-adds AAA111 (a no-op).
    local_server.add_plate(user, "CCC333")
    await app.service.add_plate(app.store.get(user), "AAA111")
    await app.settled()

    plates = {p.plate for p in app.store.get(user).plates}
    assert plates == {"AAA111", "BBB222", "CCC333"}
    assert first.plate == "BBB222"


async def test_a_no_op_answer_with_no_known_version_still_reads_the_plates_back(
    local_server, open_app
) -> None:
    org = local_server.organizations[0].org_id
    user = local_server.create_user(org, email="noop@example.com")
    app = await open_app()
    await app.service.fetch_user(user)  # read: no version known yet
    # A colleague adds two plates directly on the server meanwhile.
    local_server.add_plate(user, "OTHER1")
    local_server.add_plate(user, "SAME1")

    await app.service.add_plate(app.store.get(user), "SAME1")  # a no-op answer

    cached = sorted(p.plate for p in app.store.get(user).plates)
    assert cached == ["OTHER1", "SAME1"]
