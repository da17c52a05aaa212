"""heap.settle: start-up objects leave the garbage collector's walks."""

from __future__ import annotations

import gc

from spkey_desktop import heap


class _Node:
    def __init__(self) -> None:
        self.other: _Node | None = None


def test_settle_hides_what_lives_from_the_collector_and_frees_what_is_dead() -> None:
    alive = [_Node() for _ in range(1000)]
    dead = _Node()
    dead.other = dead  # a cycle only the collector frees
    dead_id = id(dead)
    del dead
    try:
        frozen = heap.settle()
        assert frozen >= 1000
        walked = {id(o) for o in gc.get_objects()}
        assert not walked & {id(node) for node in alive}
        assert dead_id not in {id(o) for o in gc.get_objects()}
        # What is made afterwards is walked as usual.
        later = _Node()
        assert any(o is later for o in gc.get_objects())
    finally:
        gc.unfreeze()
