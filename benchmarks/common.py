"""What every benchmark shares: results, the event-loop lag monitor, memory."""

from __future__ import annotations

import json
import os
import resource
import statistics
import sys
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass


@dataclass
class Result:
    """One figure: lower is better unless ``higher_is_better``."""

    name: str
    value: float
    unit: str
    target: float | None = None
    baseline: float | None = None
    baseline_name: str = ""
    note: str = ""
    higher_is_better: bool = False

    @property
    def meets_target(self) -> bool | None:
        if self.target is None:
            return None
        if self.higher_is_better:
            return self.value >= self.target
        return self.value <= self.target


def emit(results: Iterable[Result]) -> None:
    """Hand results to the driver: one JSON line on standard output."""
    print(json.dumps([asdict(r) for r in results]), flush=True)


def parse(output: str) -> list[Result]:
    lines = [line for line in output.splitlines() if line.startswith("[")]
    if not lines:
        raise ValueError("the benchmark printed no results")
    return [Result(**item) for item in json.loads(lines[-1])]


def rss_mb() -> float:
    """Resident memory now (Linux), else the peak so far, in MB."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def median(values: list[float]) -> float:
    return statistics.median(values)


class LoopLag:
    """The longest the Qt event loop went without running a 5 ms timer.

    A timer that should fire every 5 ms fires late when something holds the
    loop; the largest delay is what an operator would feel as a freeze.
    """

    def __init__(self, interval_ms: int = 5) -> None:
        from PySide6.QtCore import QTimer

        self._interval = interval_ms / 1000
        self._timer = QTimer()
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._tick)
        self._last = 0.0
        self.worst = 0.0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, now - self._last - self._interval)
        self._last = now

    def start(self) -> LoopLag:
        self.worst = 0.0
        self._last = time.perf_counter()
        self._timer.start()
        return self

    def stop(self) -> float:
        """Stop; the worst lag in seconds."""
        self._tick()
        self._timer.stop()
        return max(0.0, self.worst)


def offscreen() -> None:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
