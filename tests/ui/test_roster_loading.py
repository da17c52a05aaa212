"""The saved roster shown in batches: first rows at once, one insert per
batch, the window's own changes kept, the plate index complete at the end."""

from __future__ import annotations

import asyncio
from pathlib import Path

from spkey_desktop.plates import CollisionKind
from spkey_desktop.services.roster_loading import RosterLoader
from spkey_desktop.store.outbox import AddPlate, Outbox
from spkey_desktop.store.roster import PlateState, RosterPlate, RosterStore, RosterUser
from spkey_desktop.ui.roster_loading import load_roster_into
from spkey_desktop.ui.roster_panel import RosterPanel


def save_roster(path: Path, count: int) -> None:
    store = RosterStore(path)
    store.save_many(
        [
            RosterUser(
                f"user-{n:05d}",
                f"u{n}@example.com",
                first_name=f"Name{n % 97}",
                plates=(RosterPlate(f"KR{n:05d}"),),
            )
            for n in range(count)
        ]
    )
    store.close()


def run(qtbot, coro):
    task = asyncio.ensure_future(coro)
    qtbot.waitUntil(task.done, timeout=30_000)
    return task.result()


def test_the_roster_arrives_in_batches_with_its_index(qtbot, qasync_loop, tmp_path):
    path = tmp_path / "roster.sqlite3"
    save_roster(path, 2500)
    outbox = Outbox(path)
    outbox.enqueue(AddPlate("user-00007", "QUEUED7"))
    panel = RosterPanel()
    qtbot.addWidget(panel)
    inserts: list[int] = []
    panel.roster_model.rowsInserted.connect(lambda _p, a, b: inserts.append(b - a + 1))
    seen: list[int] = []
    first_selected: list[str | None] = []

    def after_batch(count: int) -> None:
        seen.append(count)
        if len(seen) == 1:
            user = panel.selected_user()
            first_selected.append(None if user is None else user.user_id)

    loader = RosterLoader(path, outbox.entries(), first=200, size=1000)
    count = run(qtbot, load_roster_into(panel, loader, after_batch))

    assert count == 2500
    assert inserts == [200, 1000, 1000, 300]
    assert seen == [200, 1200, 2200, 2500]
    assert first_selected[0] is not None  # a row was selected with the first batch
    assert panel.proxy.rowCount() == 2500
    # The index knows every plate, the queued one too.
    found = panel.plate_index.check("KR02499", "someone-else")
    assert [c.kind for c in found] == [CollisionKind.ON_ANOTHER_USER]
    queued = panel.roster_model.user("user-00007")
    assert queued is not None
    assert {p.state for p in queued.plates} == {PlateState.SAVED, PlateState.ADDING}
    outbox.close()


def test_changes_made_while_loading_are_kept(qtbot, qasync_loop, tmp_path):
    path = tmp_path / "roster.sqlite3"
    save_roster(path, 1000)
    panel = RosterPanel()
    qtbot.addWidget(panel)
    late = RosterUser("user-00999", "u999@example.com", plates=(RosterPlate("NEW999"),))
    forgotten: list[RosterUser] = []

    def meanwhile(count: int) -> None:
        if count == 100:
            assert panel.roster_model.user(late.user_id) is None  # not read yet
            panel.apply_user(late)  # updated before its saved copy is read
            forgotten.append(panel.roster_model.user_at(3))
            panel.forget_user(forgotten[0])
            panel.apply_user(RosterUser("looked-up", plates=(RosterPlate("LOOK1"),)))

    loader = RosterLoader(path, first=100, size=300)
    run(qtbot, load_roster_into(panel, loader, meanwhile))

    model = panel.roster_model
    assert model.rowCount() == 1000  # 1000 saved, one forgotten, one looked up
    assert model.user("user-00999") == late
    assert model.user(forgotten[0].user_id) is None
    check = panel.plate_index.check
    assert check("NEW999", "x")
    assert not check("KR00999", "x")  # the saved copy's plate was replaced
    assert not check(forgotten[0].plates[0].plate, "x")  # the forgotten user's left
    assert check("LOOK1", "x")
