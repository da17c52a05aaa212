"""Sending one queued change, and what its outcome means.

The pieces the outbox sender (``outbox_sender.py``) is built from, each small
enough to read on its own: how a change becomes an API call, how an error is
judged (wait and resend, already done, refused), how long to wait, and the
gate that holds every change back while the server is unreachable.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum

from spkey_desktop.api.client import SpkeyClient
from spkey_desktop.api.errors import (
    AlreadyExistsError,
    ApiError,
    ApiTimeoutError,
    ConnectionFailedError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    PlateNotFoundError,
    RateLimitedError,
    RedirectedError,
    UnauthorizedError,
    UnavailableError,
)
from spkey_desktop.api.models import CreateUserResult, PlateCommandResult
from spkey_desktop.store.outbox import (
    AddPlate,
    Change,
    CreateUser,
    OutboxCounts,
    OutboxEntry,
    RemovePlate,
)

log = logging.getLogger(__name__)

Answer = PlateCommandResult | CreateUserResult


class Reachability(Enum):
    UNKNOWN = "connecting"
    ONLINE = "online"
    OFFLINE = "offline"
    REFUSED = "credentials refused"  # 401/403: held until new credentials
    ELSEWHERE = "sent by another copy"  # another process holds the sender lock


class Verdict(Enum):
    """What became of one attempt to send a change."""

    DELIVERED = "delivered"  # the server has it (or had it already)
    QUEUED = "queued"  # no final answer yet: it stays queued
    REJECTED = "rejected"  # refused; failed for good, or shown to the operator


@dataclass(frozen=True, slots=True)
class Delivery:
    """The outcome of sending one change.

    ``result`` is the server's answer when it carried one; ``already`` is True
    when the server had the change already (or the plate was already gone).
    """

    entry: OutboxEntry
    verdict: Verdict
    result: Answer | None = None
    already: bool = False
    error: ApiError | None = None


@dataclass(frozen=True, slots=True)
class SenderStatus:
    reachability: Reachability
    counts: OutboxCounts
    last_error: str = ""

    @property
    def online(self) -> bool:
        return self.reachability is Reachability.ONLINE


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """Queued changes of these users moved; the sender's status now."""

    user_ids: frozenset[str]
    status: SenderStatus


@dataclass(frozen=True, slots=True)
class SendPolicy:
    """How many at once, and how patiently.

    ``concurrency`` users are sent to at a time, one request each (a change,
    or the read-back of the user's plates when the answer cannot be trusted
    alone): 16 requests in flight at most, as many as a refresh has (8 users,
    two requests each).

    The wait before the n-th consecutive retry (n from 0) is "equal jitter":
    between half and all of ``min(max_delay, base_delay * 2**n)``, so waits
    grow while workstations hit by one outage do not return in lock-step.
    ``random`` is the dice (tests pass their own).
    """

    concurrency: int = 16
    base_delay: float = 1.0
    max_delay: float = 60.0
    server_error_attempts: int = 3
    random: Callable[[], float] = field(
        default=random.random, repr=False, compare=False
    )

    def backoff(self, retry_number: int) -> float:
        ceiling = min(self.max_delay, self.base_delay * 2 ** min(retry_number, 30))
        return ceiling / 2 + ceiling / 2 * self.random()


#: Errors that mean the server could not be reached (or not trusted: TLS
#: failures and redirects count too, the connection is at fault, not the
#: change): the outbox waits them out, and an import's look-ups say so.
UNREACHABLE_ERRORS: tuple[type[ApiError], ...] = (
    ConnectionFailedError,
    ApiTimeoutError,
    UnavailableError,
    RateLimitedError,
    RedirectedError,
)


class Failure(Enum):
    """How a failed attempt is handled."""

    ALREADY = "already"  # the server has what the change asked for: delivered
    UNREACHABLE = "unreachable"  # no answer: wait, then send again
    REFUSED = "refused"  # the credentials: hold everything until new ones
    SERVER = "server"  # a 5xx or an unreadable answer: a few more tries
    REJECTED = "rejected"  # the change itself is refused


def classify(change: Change, error: ApiError) -> Failure:
    if isinstance(error, PlateNotFoundError):
        return Failure.ALREADY if isinstance(change, RemovePlate) else Failure.REJECTED
    if isinstance(error, AlreadyExistsError):
        return Failure.REJECTED if isinstance(change, RemovePlate) else Failure.ALREADY
    if isinstance(error, UnauthorizedError | ForbiddenError):
        return Failure.REFUSED
    if isinstance(error, UNREACHABLE_ERRORS):
        return Failure.UNREACHABLE
    if isinstance(error, InvalidInputError | NotFoundError):
        return Failure.REJECTED
    return Failure.SERVER


async def send_change(client: SpkeyClient, change: Change) -> Answer:
    """The API calls that carry out ``change``."""
    if isinstance(change, AddPlate):
        return await client.add_plate(change.user_id, change.plate, change.label)
    if isinstance(change, RemovePlate):
        return await client.remove_plate(change.user_id, change.plate)
    return await _create_user(client, change)


async def _create_user(client: SpkeyClient, change: CreateUser) -> CreateUserResult:
    """CreateUser, then UpdatePhoneNumber when the change has a phone number.

    CreateUser checks a phone number but does not store it, so without the
    second call a by-phone lookup would not find the user (and the operator
    would create a duplicate). The number is set also when the user existed
    already (200, event null): a replay of a change whose first attempt ended
    between the two calls. Setting the number the user has changes nothing.
    """
    result = await client.create_user(
        change.user_id,
        email=change.email or None,
        first_name=change.first_name or None,
        last_name=change.last_name or None,
        phone_number=change.phone or None,
    )
    if change.phone:
        try:
            await client.update_phone_number(change.user_id, change.phone)
        except (InvalidInputError, AlreadyExistsError) as error:
            # Not "already done": the user is there, without the number.
            said = f' ("{error.server_message}")' if error.server_message else ""
            raise InvalidInputError(
                f"The user was created, but the server refused to store the phone "
                f"number {change.phone}{said}. Look the number up: it may belong "
                "to another user.",
                status=error.status,
                server_message=error.server_message,
                error_code=error.error_code,
            ) from error
    return result


class Gate:
    """Whether changes may be sent now: the server's reachability and backoff.

    Unanswered requests shut the gate for a backoff that grows with each
    consecutive failure (a 429's Retry-After exactly); any answer from the
    server opens it; a 401/403 shuts it until :meth:`reset`. Requests that
    were already on their way when the gate shut count as one failure, not
    one per concurrent request: callers pass the ``epoch`` they started in.
    """

    def __init__(self, policy: SendPolicy) -> None:
        self._policy = policy
        self.reachability = Reachability.UNKNOWN
        self.last_error = ""
        self.until = 0.0  # time.time() before which nothing is sent
        self.epoch = 0  # how many times the gate has shut
        self._failures = 0

    def is_open(self, now: float | None = None) -> bool:
        return self.until <= (time.time() if now is None else now)

    def unreachable(self, error: ApiError, epoch: int) -> None:
        self.reachability = Reachability.OFFLINE
        self.last_error = error.user_message
        if epoch != self.epoch:
            return
        if isinstance(error, RateLimitedError) and error.retry_after is not None:
            wait = error.retry_after
        else:
            wait = self._policy.backoff(self._failures)
        self._failures += 1
        self.epoch += 1
        self.until = time.time() + wait
        log.info("Server unreachable (%s); next try in %.1f s", self.last_error, wait)

    def refused(self, error: ApiError) -> None:
        self.reachability = Reachability.REFUSED
        self.last_error = error.user_message
        self.until = float("inf")

    def answered(self) -> None:
        if self.reachability is Reachability.REFUSED:
            return  # only new credentials (reset) lift that
        self.reachability = Reachability.ONLINE
        self.last_error = ""
        self._failures = 0

    def reset(self) -> None:
        """Try at once: the server may be back, the credentials new."""
        self.until = 0.0
        self._failures = 0
        if self.reachability is not Reachability.ONLINE:
            self.reachability = Reachability.UNKNOWN
