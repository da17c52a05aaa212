"""Injected failures: what a flaky network and a proxy in front of the API do.

``fail_next`` queues deterministic faults for the next requests; ``set_rate``
makes a random share of requests fail, reproducibly for a given seed. A fault
normally replaces the request before the service sees it; with
``after_handler=True`` the service handles the request (its change is stored)
and only the answer is lost, like a gateway timing out on a slow backend.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from random import Random

from spkey_desktop.server.exchange import FAULT_KINDS, FaultKind


@dataclass(frozen=True)
class Fault:
    kind: FaultKind
    after_handler: bool = False


class FaultController:
    def __init__(
        self,
        *,
        retry_after_s: int = 1,
        stall_s: float = 30.0,
        rate: float = 0.0,
        kinds: Sequence[FaultKind] = (),
        seed: int | None = None,
    ) -> None:
        self._lock = threading.Lock()
        self._queue: deque[Fault] = deque()
        self.retry_after_s = retry_after_s
        self.stall_s = stall_s
        self._rate = 0.0
        self._kinds: tuple[FaultKind, ...] = ()
        self._random = Random(seed)
        if rate:
            self.set_rate(rate, kinds, seed)

    def fail_next(
        self, n: int = 1, kind: FaultKind = 503, *, after_handler: bool = False
    ) -> None:
        """The next ``n`` requests fail with ``kind`` (after any already queued)."""
        _check_kind(kind)
        with self._lock:
            self._queue.extend(Fault(kind, after_handler) for _ in range(n))

    def set_rate(
        self, share: float, kinds: Sequence[FaultKind] = (503,), seed: int | None = None
    ) -> None:
        """From now on, fail about ``share`` of requests with one of ``kinds``."""
        if not 0.0 <= share <= 1.0:
            raise ValueError("share must be between 0 and 1")
        if share and not kinds:
            raise ValueError("a fault rate needs at least one kind")
        for kind in kinds:
            _check_kind(kind)
        with self._lock:
            self._rate = share
            self._kinds = tuple(kinds)
            self._random = Random(seed)

    def clear(self) -> None:
        """No more faults: empty the queue and set the rate to zero."""
        with self._lock:
            self._queue.clear()
            self._rate = 0.0

    @property
    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def next_fault(self) -> Fault | None:
        """The fault for the request being served now, if any."""
        with self._lock:
            if self._queue:
                return self._queue.popleft()
            if self._rate and self._random.random() < self._rate:
                return Fault(self._random.choice(self._kinds))
            return None


def _check_kind(kind: object) -> None:
    if kind not in FAULT_KINDS:
        raise ValueError(f"unknown fault kind {kind!r}")
