"""Delivering the outbox: each user's changes in order, patiently, exactly once.

The :class:`OutboxSender` takes changes from the durable outbox
(``store/outbox.py``) and sends them through the API client:

* One user's changes go strictly one after another, in the order queued;
  different users' changes go concurrently, at most ``SendPolicy.concurrency``
  at a time, well below the HTTP client's connection pool, so a long backlog
  never waits for a connection and never turns into pool timeouts.
* When the server cannot be reached (refused connection, timeout, 502, 503,
  504, 429) the change stays queued, the sender goes offline and waits, with
  growing backoff (a 429's Retry-After is waited out in full), then tries one
  change; once that is answered it is online again and sends the rest.
  :meth:`OutboxSender.wake` tries at once (the server is back, the operator
  asked, new credentials were saved).
* A replay is idempotent: an add the server already has, a removal of a plate
  that is already gone and a user who already exists all count as delivered.
  So a change whose answer was lost (a timeout, a killed process) is simply
  sent again, never doubled.
* A change is marked delivered only on the server's answer. A refusal that
  waiting cannot fix (an invalid plate, an unknown user) marks it failed with
  the server's reason, for the operator to retry or discard; a 500 is tried
  again a few times first. A 401/403 holds everything until ``wake()``.
* :meth:`OutboxSender.submit` queues a change for an operator waiting on it
  (a dialog) and answers with its first outcome. A refusal goes to the
  operator, whose input is still in the dialog, and the change leaves the
  outbox; an unreachable server answers "queued" and the change stays.

Listeners (plain callables, no Qt) hear which users' queued changes moved and
the sender's status: reachability and counts.

Public API::

    sender = OutboxSender(client, outbox, policy=SendPolicy(), on_delivered=hook)
    sender.start()                       # recover, then replay what is queued
    sender.add_listener(callback)        # callback(OutboxEvent)
    sender.status()                      # SenderStatus(reachability, counts, ...)
    await sender.submit(change)          # Delivery, for an operator waiting
    sender.enqueue_many(changes)         # queue and send in the background
    sender.cancel(id) / retry(id) / discard(id)
    sender.wake()                        # try now
    await sender.aclose()
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterable

from spkey_desktop.api.client import SpkeyClient
from spkey_desktop.api.errors import ApiError
from spkey_desktop.api.models import PlateCommandResult
from spkey_desktop.services.delivery import (
    Answer,
    Delivery,
    Failure,
    Gate,
    OutboxEvent,
    Reachability,
    SenderStatus,
    SendPolicy,
    Verdict,
    classify,
    send_change,
)
from spkey_desktop.store.outbox import Change, Outbox, OutboxEntry, describe
from spkey_desktop.store.sender_lock import SenderLock, SenderLockError

log = logging.getLogger(__name__)

Listener = Callable[[OutboxEvent], None]
#: Awaited after each delivery, before the user's next change is sent: the
#: roster service updates its cache from the server's answer there.
DeliveredHook = Callable[[Delivery], Awaitable[None]]

_CLOSED_UNANSWERED = "The app closed before the server answered; it is sent again."
_SENT_ELSEWHERE = (
    "Another copy of spkey-desktop (the window, or an import from the command "
    "line) is sending this profile's changes; these are sent once it has finished."
)
#: How often (seconds) a sender without the lock asks for it again.
_LOCK_RETRY_S = 2.0

#: Listeners hear at most this often (seconds) while changes keep moving: a
#: backlog sent at full speed moves several users per loop turn, and telling
#: the window about each turn would cost more than the sending. Ten times a
#: second is still a smoothly moving progress bar.
NOTIFY_INTERVAL_S = 0.1

#: At most this many users per telling; more (a bulk just queued) are told in
#: the loop turns that follow, so no telling holds the window for long.
NOTIFY_BATCH = 100

#: Users with a change due are read from the outbox this many at a time
#: beyond the free lanes, so a lane that has finished with one user goes on
#: to the next without asking the database which one it is.
_READY_AHEAD = 64


def what_happened(error: ApiError) -> str:
    """The first sentence of an error: what happened, without the advice that
    follows it. A queued change needs no "try again" or "reload to check":
    the sender tries again, and a repeat is harmless."""
    return re.split(r"(?<=[.!?])\s+", error.user_message.strip(), maxsplit=1)[0]


class OutboxSender:
    """Sends the outbox's changes while the app runs; see the module text."""

    def __init__(
        self,
        client: SpkeyClient,
        outbox: Outbox,
        *,
        policy: SendPolicy | None = None,
        on_delivered: DeliveredHook | None = None,
    ) -> None:
        self._client = client
        self._outbox = outbox
        self._policy = policy or SendPolicy()
        self._on_delivered = on_delivered
        self._gate = Gate(self._policy)
        self._listeners: list[Listener] = []
        self._lanes: dict[str, asyncio.Task[None]] = {}  # user id -> its sender
        self._inflight: dict[int, asyncio.Future[Answer]] = {}
        self._waiters: dict[int, asyncio.Future[Delivery]] = {}
        self._wakeup = asyncio.Event()
        self._supervisor: asyncio.Task[None] | None = None
        self._ready: deque[str] = deque()  # users with a change due, oldest first
        # One process sends a profile's outbox (store/sender_lock.py).
        self._lock = SenderLock(outbox.path) if outbox.path != ":memory:" else None
        self._owner = False
        #: Why the sender lock cannot be taken at all (empty: it can).
        self.lock_problem = ""
        self._changed: set[str] = set()
        self._flush_handle: asyncio.TimerHandle | asyncio.Handle | None = None
        self._flush_soon = False  # the handle runs in the next loop turn
        self._last_flush = -math.inf
        self._closed = False

    @property
    def outbox(self) -> Outbox:
        return self._outbox

    # -- life cycle ----------------------------------------------------------

    def start(self) -> None:
        """Recover from an unclean end, then send what is queued. If another
        process sends this outbox, wait for it to finish (``owns_outbox``)."""
        self._take_over()
        self._supervisor = asyncio.ensure_future(self._supervise())
        self._notify([])

    @property
    def owns_outbox(self) -> bool:
        """Whether this sender holds the outbox's sender lock."""
        return self._owner

    def _take_over(self) -> bool:
        """Take the sender lock if free, and with it what an earlier sender
        left "sending" without an answer (sent again; a repeat is harmless)."""
        if self._owner:
            return True
        try:
            if self._lock is not None and not self._lock.acquire():
                return False
        except SenderLockError as error:
            if str(error) != self.lock_problem:
                log.warning("%s", error)
            self.lock_problem = str(error)
            return False
        self.lock_problem = ""
        self._owner = True
        recovered = self._outbox.recover()
        if recovered:
            log.info("%d changes got no answer last time; sending again", recovered)
        self._notify([])
        return True

    async def aclose(self) -> None:
        """Stop sending. A change in flight goes back to waiting (its answer
        never came); every task has ended when this returns."""
        self._closed = True
        tasks = [t for t in (self._supervisor, *self._lanes.values()) if t]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for waiter in self._waiters.values():
            waiter.cancel()
        if self._lock is not None:
            self._lock.release()
        self._owner = False

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` after changes (once per loop turn); returns the
        way to stop."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def status(self) -> SenderStatus:
        gate = self._gate
        if not self._owner and self._supervisor is not None:
            counts = self._outbox.counts()
            why = self.lock_problem or _SENT_ELSEWHERE
            return SenderStatus(Reachability.ELSEWHERE, counts, why)
        return SenderStatus(gate.reachability, self._outbox.counts(), gate.last_error)

    # -- queueing ------------------------------------------------------------

    def enqueue_many(self, changes: Iterable[Change]) -> list[OutboxEntry]:
        """Queue changes (one transaction) to be sent in the background."""
        entries = self._outbox.enqueue_many(changes)
        self._notify(e.user_id for e in entries)
        self._wakeup.set()
        return entries

    async def submit(self, change: Change) -> Delivery:
        """Queue one change for an operator waiting on it: its first outcome.

        DELIVERED: done. QUEUED: the server is unreachable; the change stays
        and goes later. REJECTED: refused (``error`` says why), and as the
        operator is shown that, the change has left the outbox. Cancelling
        this call withdraws the change, stopping its request if it is in
        flight (whether the server had already carried it out is then unknown).
        """
        if self._supervisor is None:
            raise RuntimeError("start() the sender before submitting changes")
        entry = self._outbox.enqueue(change)
        waiter: asyncio.Future[Delivery] = asyncio.get_running_loop().create_future()
        self._waiters[entry.entry_id] = waiter
        self._notify([entry.user_id])
        if not self._owner:
            waiter.set_result(Delivery(entry, Verdict.QUEUED))
        elif self._gate.reachability is Reachability.REFUSED:
            self.wake()  # the operator may have just fixed the credentials
        elif not self._gate.is_open():
            waiter.set_result(Delivery(entry, Verdict.QUEUED))
        self._wakeup.set()
        try:
            return await waiter
        except asyncio.CancelledError:
            self._abandon(entry)
            raise
        finally:
            self._waiters.pop(entry.entry_id, None)

    def wake(self) -> None:
        """Try sending now, without waiting out the backoff."""
        self._gate.reset()
        self._outbox.make_due()
        self._ready.clear()
        self._notify([])
        self._wakeup.set()

    def note_reachable(self) -> None:
        """Something else (a refresh) got answers: the server may be back."""
        if self._gate.reachability in (Reachability.OFFLINE, Reachability.UNKNOWN):
            self.wake()

    # -- the operator's actions ----------------------------------------------

    def cancel(self, entry_id: int) -> bool:
        """Withdraw a change not yet sent; False if it is on its way."""
        return self._touch(entry_id, self._outbox.cancel)

    def retry(self, entry_id: int) -> bool:
        """Queue a failed change again (last in line) and send it."""
        done = self._touch(entry_id, self._outbox.retry)
        self._wakeup.set()
        return done

    def discard(self, entry_id: int) -> bool:
        """Drop a failed change."""
        return self._touch(entry_id, self._outbox.discard)

    def _touch(self, entry_id: int, action: Callable[[int], bool]) -> bool:
        if not self._owner:
            # The copy that sends these changes follows them; one taken out
            # from under it would leave it waiting for an answer for ever.
            return False
        entry = self._outbox.get(entry_id)
        done = action(entry_id)
        if entry is not None and done:
            self._notify([entry.user_id])
        return done

    def _abandon(self, entry: OutboxEntry) -> None:
        """The operator stopped waiting: withdraw the change."""
        inflight = self._inflight.get(entry.entry_id)
        if inflight is not None:
            inflight.cancel()  # its lane withdraws it once the request has ended
        elif self._outbox.cancel(entry.entry_id):
            log.info("Withdrew %s for user %s", describe(entry.change), entry.user_id)
            self._notify([entry.user_id])

    # -- scheduling ----------------------------------------------------------

    async def _supervise(self) -> None:
        while not self._closed:
            self._wakeup.clear()
            try:
                delay = self._start_lanes()
            except Exception:
                # Nothing is lost (the changes are on disk); try again later.
                log.exception("Could not schedule the queued changes")
                delay = self._policy.max_delay
            try:
                async with asyncio.timeout(delay):
                    await self._wakeup.wait()
            except TimeoutError:
                pass

    def _start_lanes(self) -> float | None:
        """Start lanes for users with a change due; seconds until the next is
        due (None: only a wake-up or a lane ending can change anything)."""
        if not self._take_over():
            return _LOCK_RETRY_S  # another process sends; ask again later
        now = time.time()
        if not self._gate.is_open(now):
            self._ready.clear()
            # Shut for good (refused credentials) until wake(): no timer.
            return self._gate.until - now if self._gate.until < math.inf else None
        # While offline, a single change probes whether the server is back.
        offline = self._gate.reachability is Reachability.OFFLINE
        free = (1 if offline else self._policy.concurrency) - len(self._lanes)

        # Users an operator is waiting for go first.
        for user_id in {e.user_id for e in self._waited_entries()}:
            if free > 0 and user_id not in self._lanes:
                self._start_lane(user_id)
                free -= 1
        if offline:
            self._ready.clear()
        if free > 0 and not self._ready:
            ahead = 0 if offline else _READY_AHEAD
            found = self._outbox.first_entries(
                free + ahead, self._lanes, due_before=now
            )
            self._ready.extend(entry.user_id for entry in found)
        while free > 0 and self._start_ready():
            free -= 1

        later = self._outbox.next_attempt_after(now)
        return None if later is None else later - now

    def _start_ready(self) -> bool:
        """Start a lane for the next user read ahead; False if none is left."""
        while self._ready:
            user_id = self._ready.popleft()
            if user_id not in self._lanes:
                self._start_lane(user_id)
                return True
        return False

    def _start_lane(self, user_id: str) -> None:
        self._lanes[user_id] = asyncio.ensure_future(self._lane(user_id))

    async def _lane(self, user_id: str) -> None:
        """Send one user's changes, in order, while they are due; then go on
        to the next user read ahead, if the supervisor need not choose."""
        try:
            while not self._closed:
                entry = self._outbox.next_for_user(user_id)
                if entry is None:
                    return
                if not self._due(entry) or not await self._send(entry):
                    self._release_waiters(user_id)
                    self._ready.clear()
                    return
                if self._slot_wanted():
                    return  # this user's rest comes after the waited change
        finally:
            self._lanes.pop(user_id, None)
            if not self._hand_on():
                self._wakeup.set()

    def _hand_on(self) -> bool:
        """Start the next user's lane in the one just ended; False when the
        supervisor has to look (nothing read ahead, an operator waiting, the
        server unreachable, or closing)."""
        if self._closed or self._waiters or not self._gate.is_open():
            return False
        if self._gate.reachability is Reachability.OFFLINE:
            return False
        return self._start_ready()

    def _due(self, entry: OutboxEntry) -> bool:
        now = time.time()
        when = entry.next_attempt_at
        return self._gate.is_open(now) and (when is None or when.timestamp() <= now)

    def _slot_wanted(self) -> bool:
        """Every slot is taken and an operator waits for another user."""
        if len(self._lanes) < self._policy.concurrency:
            return False
        return any(e.user_id not in self._lanes for e in self._waited_entries())

    # -- operators waiting -----------------------------------------------------

    def _waited_entries(self) -> list[OutboxEntry]:
        waiting = [i for i, waiter in self._waiters.items() if not waiter.done()]
        found = (self._outbox.get(entry_id) for entry_id in waiting)
        return [entry for entry in found if entry is not None]

    def _release_waiters(self, user_id: str | None = None, but: int = -1) -> None:
        """Operators waiting on changes that will not go now hear "queued"."""
        for entry in self._waited_entries():
            if entry.entry_id != but and user_id in (None, entry.user_id):
                self._answer(entry, Delivery(entry, Verdict.QUEUED))

    def _answer(self, entry: OutboxEntry, delivery: Delivery) -> bool:
        """Give a waiting operator the outcome; False if nobody waits."""
        waiter = self._waiters.get(entry.entry_id)
        if waiter is None or waiter.done():
            return False
        waiter.set_result(delivery)
        return True

    # -- sending one change --------------------------------------------------

    async def _send(self, entry: OutboxEntry) -> bool:
        """Send one change and record the outcome; False if this user's lane
        must stop (the change stays queued)."""
        if not self._outbox.mark_sending(entry.entry_id):
            # Withdrawn meanwhile: on to the user's next change. Still there
            # but not waiting: not this lane's to send, and asking again at
            # once would spin the loop.
            return self._outbox.get(entry.entry_id) is None
        self._notify([entry.user_id])
        epoch = self._gate.epoch
        request = asyncio.ensure_future(send_change(self._client, entry.change))
        self._inflight[entry.entry_id] = request
        try:
            await asyncio.wait([request])
        except asyncio.CancelledError:
            # The app is closing: no answer came, so the change waits again.
            request.cancel()
            await asyncio.wait([request])
            self._outbox.mark_retry(entry.entry_id, _CLOSED_UNANSWERED, 0.0)
            raise
        finally:
            self._inflight.pop(entry.entry_id, None)

        if request.cancelled():
            self._outbox.withdraw(entry.entry_id)
            log.info("Stopped %s for user %s", describe(entry.change), entry.user_id)
            self._notify([entry.user_id])
            return True
        error = request.exception()
        if error is None:
            await self._delivered(entry, request.result())
            return True
        if not isinstance(error, ApiError):
            log.error("Sending %s failed", describe(entry.change), exc_info=error)
            error = ApiError(
                "Something unexpected went wrong while sending this change. See the "
                "log (Help menu) for details."
            )
        return await self._failed(entry, error, epoch)

    async def _delivered(self, entry: OutboxEntry, answer: Answer | None) -> None:
        self._outbox.mark_done(entry.entry_id)
        self._gate.answered()
        already = answer is None or (
            not answer.changed
            if isinstance(answer, PlateCommandResult)
            else not answer.created
        )
        delivery = Delivery(entry, Verdict.DELIVERED, answer, already)
        log.info(
            "Sent: %s for user %s%s",
            describe(entry.change),
            entry.user_id,
            " (the server had it already)" if already else "",
        )
        if self._on_delivered is not None:
            try:
                await self._on_delivered(delivery)
            except ApiError as error:
                log.debug("Could not update the roster after sending: %r", error)
        self._answer(entry, delivery)
        self._notify([entry.user_id])

    async def _failed(self, entry: OutboxEntry, error: ApiError, epoch: int) -> bool:
        failure = classify(entry.change, error)
        if failure is Failure.ALREADY:
            await self._delivered(entry, None)
            return True
        if failure is Failure.UNREACHABLE:
            self._gate.unreachable(error, epoch)
            self._outbox.mark_retry(
                entry.entry_id, what_happened(error), self._gate.until
            )
            self._notify([entry.user_id])
            self._release_waiters()
            return False

        # The server answered, whatever it said.
        if failure is Failure.REFUSED:
            self._gate.refused(error)
            self._release_waiters(but=entry.entry_id)
        else:
            self._gate.answered()
        if self._answer(entry, Delivery(entry, Verdict.REJECTED, error=error)):
            # The operator sees the refusal, with their input still there.
            self._outbox.withdraw(entry.entry_id)
            self._notify([entry.user_id])
            return failure is not Failure.REFUSED
        return self._keep(entry, error, failure)

    def _keep(self, entry: OutboxEntry, error: ApiError, failure: Failure) -> bool:
        """A refused change nobody waits on: failed, or tried again later."""
        attempts = entry.attempts + 1
        self._notify([entry.user_id])
        if failure is Failure.REJECTED or (
            failure is Failure.SERVER and attempts >= self._policy.server_error_attempts
        ):
            self._outbox.mark_failed(entry.entry_id, error.user_message)
            log.warning(
                "The server refused to %s for user %s: %s",
                describe(entry.change),
                entry.user_id,
                error.user_message,
            )
            return True
        later = 0.0
        if failure is Failure.SERVER:
            later = time.time() + self._policy.backoff(attempts - 1)
        self._outbox.mark_retry(entry.entry_id, error.user_message, later)
        return False

    # -- telling the listeners -------------------------------------------------

    def _notify(self, user_ids: Iterable[str]) -> None:
        """Tell listeners soon: in the next loop turn, or, while a backlog keeps
        moving, ``NOTIFY_INTERVAL_S`` after the last telling, with everything
        that moved meanwhile. While an operator waits on a change (a dialog),
        always in the next turn: the dialog and the roster must agree."""
        self._changed.update(user_ids)
        if self._closed:
            return
        loop = asyncio.get_running_loop()
        wait = self._last_flush + NOTIFY_INTERVAL_S - loop.time()
        if self._waiters or wait <= 0:
            if self._flush_handle is not None and not self._flush_soon:
                self._flush_handle.cancel()
                self._flush_handle = None
            if self._flush_handle is None:
                self._flush_handle = loop.call_soon(self._flush)
                self._flush_soon = True
        elif self._flush_handle is None:
            self._flush_handle = loop.call_later(wait, self._flush)
            self._flush_soon = False

    def _flush(self) -> None:
        self._flush_handle = None
        if self._closed:
            return
        loop = asyncio.get_running_loop()
        self._last_flush = loop.time()
        if len(self._changed) > NOTIFY_BATCH:
            told = frozenset(itertools.islice(self._changed, NOTIFY_BATCH))
            self._changed -= told
            self._flush_handle = loop.call_soon(self._flush)
            self._flush_soon = True
        else:
            told = frozenset(self._changed)
            self._changed.clear()
        event = OutboxEvent(told, self.status())
        for listener in list(self._listeners):
            try:
                listener(event)
            except Exception:
                log.exception("An outbox listener failed")
