"""What the server tells an observer about each request it answered."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

# A fault the server can inject instead of (or after) the real answer.
FaultKind = Literal[500, 502, 503, 504, 429, "stall", "close"]
FAULT_KINDS: tuple[FaultKind, ...] = (500, 502, 503, 504, 429, "stall", "close")


@dataclass(frozen=True)
class Exchange:
    """One request and the response the server sends for it.

    The observer gets it just before the response goes out, so a client that
    has its answer can rely on the record being there already.

    ``status`` is None when the connection was dropped without a response (the
    "close" fault, or a stall cut short by stop()). ``operation`` is the route
    template that served the request, e.g. "/users/{id}/profile", or None when
    no route matched. ``fault`` names the injected fault, if any.
    """

    method: str
    path: str
    query: str
    operation: str | None
    status: int | None
    headers: Mapping[str, str]
    body: bytes
    fault: FaultKind | None
    duration_s: float


Observer = Callable[[Exchange], None]


def parse_fault_kind(text: str) -> FaultKind:
    """ "500" -> 500, "stall" -> "stall"; ValueError for anything else."""
    for kind in FAULT_KINDS:
        if str(kind) == text.strip().lower():
            return kind
    choices = ", ".join(str(kind) for kind in FAULT_KINDS)
    raise ValueError(f"unknown fault kind {text!r} (choose from {choices})")
