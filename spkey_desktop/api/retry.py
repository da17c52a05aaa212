"""When to try a request again, and how long to wait first.

The rules:

* GET (and the other methods HTTP defines as idempotent) is retried after a
  timeout, a failed or dropped connection, and after 429, 502, 503 and 504.
* POST is retried only when the request provably never left this computer:
  httpx raises ConnectError / ConnectTimeout before the first byte of the
  request is written, and PoolTimeout while waiting for a free connection. Any
  later failure (a read timeout, a connection dropped mid-answer, a 502 from a
  proxy) may come after the server already carried out the command, and the
  backend has no idempotency key, so the client reports it instead of repeating
  a plate change the operator did not ask for twice.
* The wait is exponential backoff with full jitter: a uniformly random time
  between zero and ``min(max_delay, base_delay * 2**n)`` before the n-th retry
  (n counted from 0), so that many workstations hit by the same outage do not
  come back in lock-step.
* A ``Retry-After`` header (seconds or an HTTP date) replaces the backoff for
  that retry. If it asks for more than ``max_retry_after`` seconds the client
  stops and raises, carrying ``retry_after`` so the caller can say how long.
  A header asking for more than ``RETRY_AFTER_CEILING_S`` (a week) is read as
  that ceiling: "400 nines" is no rate limit anyone means, and the value must
  stay a number that timers and arithmetic can hold.
"""

from __future__ import annotations

import asyncio
import random
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({429, 502, 503, 504})

# Raised by httpx before any byte of the request was written to the socket.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)

# The longest wait a Retry-After header is read as (seconds).
RETRY_AFTER_CEILING_S = 7 * 24 * 3600.0

# Worth another try for an idempotent request.
_TRANSIENT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how patiently to retry.

    The defaults suit an operator waiting at a window: at most three tries, and
    a server's Retry-After is waited out only up to ten seconds; beyond that the
    error (with ``retry_after``) goes to the screen instead of a frozen button.

    ``sleep`` and ``random`` are the clock and the dice: the defaults are
    asyncio.sleep and random.random; tests pass their own to observe the
    schedule without waiting for it.
    """

    max_attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 10.0
    sleep: Callable[[float], Awaitable[None]] = field(
        default=asyncio.sleep, repr=False, compare=False
    )
    random: Callable[[], float] = field(
        default=random.random, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.base_delay < 0 or self.max_delay < 0 or self.max_retry_after < 0:
            raise ValueError("delays must not be negative")

    def backoff(self, retry_number: int) -> float:
        """Seconds to wait before retry number ``retry_number`` (0-based)."""
        # Cap the exponent too: 2**retry_number overflows a float eventually.
        ceiling = min(self.max_delay, self.base_delay * 2 ** min(retry_number, 62))
        return ceiling * self.random()

    def delay(self, retry_number: int, retry_after: float | None) -> float | None:
        """Seconds to wait before the next try, or None when the server asked
        for longer than this policy is willing to wait."""
        if retry_after is None:
            return self.backoff(retry_number)
        if retry_after > self.max_retry_after:
            return None
        return retry_after


def may_retry_exception(method: str, exc: httpx.HTTPError) -> bool:
    """Whether a request that failed with ``exc`` may be sent again."""
    if isinstance(exc, _NOT_SENT):
        return True
    return method.upper() in IDEMPOTENT_METHODS and isinstance(exc, _TRANSIENT)


def may_retry_status(method: str, status: int) -> bool:
    """Whether a request answered with ``status`` may be sent again."""
    return method.upper() in IDEMPOTENT_METHODS and status in RETRY_STATUSES


def parse_retry_after(
    value: str | None, *, now: datetime | None = None
) -> float | None:
    """Seconds from a Retry-After header: delta-seconds or an HTTP date.

    Returns None when the header is absent or unreadable, 0.0 for a date in
    the past, and at most ``RETRY_AFTER_CEILING_S``.
    """
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None

    # Not in RFC 9110, but sent by some proxies: "1.5". (ASCII only: float()
    # would also read digits of other scripts.) float() of 400 digits is inf.
    if text.isascii() and re.fullmatch(r"[0-9]*\.?[0-9]+", text):
        return min(float(text), RETRY_AFTER_CEILING_S)
    if re.fullmatch(r"[-+]?[0-9.eE+-]+|[-+]?(inf|nan|infinity)", text, re.I):
        return None

    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else datetime.now(UTC)
    return min(max(0.0, (when - current).total_seconds()), RETRY_AFTER_CEILING_S)
