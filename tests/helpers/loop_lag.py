"""A loop-lag probe: how long the event loop was kept from running its callbacks.

A task sleeps ``interval`` seconds over and over and notes how much later than
asked it woke up. Whatever held the loop meanwhile (a long computation, a
blocking call, a model reset over a large table) shows up as that delay. It
needs no Qt: on the qasync loop it measures the window's work too, since Qt's
events and asyncio's callbacks share the one thread.

On a busy machine part of each delay is the kernel giving the CPU to other
processes. Linux counts, per thread, the time it was ready to run but waiting
for a CPU (``/proc/thread-self/schedstat``, second field); ``own_lags``
subtract that wait, leaving what the process itself did: computing, or
blocking on a disk write or a lock. Elsewhere ``own_lags`` equal ``lags``.

    probe = LoopLagProbe()
    probe.start()
    ...  # the work to watch
    await probe.stop()
    assert probe.max_own_lag < 0.05
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

_SCHEDSTAT = Path("/proc/thread-self/schedstat")


def _runqueue_wait() -> float:
    """Seconds this thread has spent ready to run but without a CPU."""
    try:
        return int(_SCHEDSTAT.read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


class LoopLagProbe:
    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.lags: list[float] = []
        self.own_lags: list[float] = []
        self._task: asyncio.Task[None] | None = None

    @property
    def max_lag(self) -> float:
        """The longest the loop was held, in seconds, whatever held it."""
        return max(self.lags, default=0.0)

    @property
    def max_own_lag(self) -> float:
        """The longest the loop was held by this process's own work."""
        return max(self.own_lags, default=0.0)

    def start(self) -> None:
        self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None

    async def _run(self) -> None:
        while True:
            waited_before = _runqueue_wait()
            asked = time.perf_counter()
            await asyncio.sleep(self.interval)
            lag = max(0.0, time.perf_counter() - asked - self.interval)
            starved = _runqueue_wait() - waited_before
            self.lags.append(lag)
            self.own_lags.append(max(0.0, lag - starved))
