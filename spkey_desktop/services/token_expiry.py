"""Keeping an eye on the JWT's expiry while the app runs.

A workstation stays open all day and a token runs out at some hour of it. The
watch reads the ``exp`` claim of the token being sent (see api/jwt_claims.py:
read, never trusted), says where it stands whenever that changes (a new token,
the warning period reached, the expiry passed), and looks again every minute,
so that a laptop waking from sleep catches up at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from spkey_desktop.api.auth import Credentials
from spkey_desktop.api.jwt_claims import (
    WARN_BEFORE,
    TokenFormatError,
    TokenState,
    expiry_state,
    token_expiry,
)
from spkey_desktop.services.active_credentials import ActiveCredentials

log = logging.getLogger(__name__)

#: Seconds between two looks at the clock.
CHECK_EVERY_S = 60.0


@dataclass(frozen=True, slots=True)
class TokenStatus:
    """Where the JWT stands. ``state`` is None when there is no token, or when
    its expiry cannot be read (``problem`` then says why) or it has none."""

    has_token: bool
    state: TokenState | None = None
    expires_at: datetime | None = None
    problem: str | None = None


NO_TOKEN = TokenStatus(has_token=False)


def token_status(
    token: str | None, now: datetime, warn_before: timedelta = WARN_BEFORE
) -> TokenStatus:
    if not token:
        return NO_TOKEN
    try:
        expires_at = token_expiry(token)
    except TokenFormatError as error:
        return TokenStatus(has_token=True, problem=str(error))
    if expires_at is None:
        return TokenStatus(has_token=True)
    return TokenStatus(
        has_token=True,
        state=expiry_state(expires_at, now, warn_before),
        expires_at=expires_at,
    )


class TokenExpiryWatch:
    """Calls ``on_change`` with the token's status at start and on every change,
    looking every ``every_s`` seconds.

    ``clock`` gives the current time (aware); tests pass their own to move it.
    """

    def __init__(
        self,
        credentials: ActiveCredentials,
        on_change: Callable[[TokenStatus], None],
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        warn_before: timedelta = WARN_BEFORE,
        every_s: float = CHECK_EVERY_S,
    ) -> None:
        self._credentials = credentials
        self._every_s = every_s
        self._on_change = on_change
        self._clock = clock
        self._warn_before = warn_before
        self._last: TokenStatus | None = None
        self._timer: asyncio.TimerHandle | None = None

    def start(self) -> None:
        """Look now, then every minute and whenever the credentials change.
        Call on the running event loop."""
        self._credentials.subscribe(self._credentials_changed)
        self._tick()

    def stop(self) -> None:
        self._credentials.unsubscribe(self._credentials_changed)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def check(self) -> TokenStatus:
        """Look at the token now; tell ``on_change`` if its status changed."""
        status = token_status(
            self._credentials().token, self._clock(), self._warn_before
        )
        if status != self._last:
            self._last = status
            if status.problem:
                log.info("The token's expiry cannot be read: %s", status.problem)
            elif status.state is not None:
                log.info(
                    "Token %s; it expires at %s", status.state.value, status.expires_at
                )
            self._on_change(status)
        return status

    def _credentials_changed(self, _credentials: Credentials) -> None:
        self.check()

    def _tick(self) -> None:
        self.check()
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(self._every_s, self._tick)
