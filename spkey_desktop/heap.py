"""Keeping the garbage collector's pauses out of the operator's way.

Python's cyclic garbage collector now and then walks every object the
program holds. After start-up that is about a hundred thousand objects:
modules, classes, functions, the Qt wrappers of the window. A walk over
them takes 40 to 60 ms here, a stutter the window shows at a random moment
of a refresh or an import. Nearly all of those objects live as long as the
app, so once the window is up and the saved roster shown, :func:`settle`
collects what is already garbage and moves everything that is left out of
the collector's sight (``gc.freeze``). Later walks see only what was made
since, and last a few milliseconds.

Frozen objects are still freed as usual when nothing refers to them any
more (reference counting does that, not the collector); only a reference
cycle among them would never be collected, and start-up leaves none worth
the wait.
"""

from __future__ import annotations

import gc


def settle() -> int:
    """Collect garbage, then freeze what survives; returns how many objects
    the collector no longer walks."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
