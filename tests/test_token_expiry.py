"""The token expiry watch: what it reports as tokens change and time passes."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from spkey_desktop.api.auth import Credentials
from spkey_desktop.api.jwt_claims import TokenState
from spkey_desktop.api.redaction import RedactSecretsFilter
from spkey_desktop.server import make_token
from spkey_desktop.services.active_credentials import ActiveCredentials
from spkey_desktop.services.token_expiry import (
    NO_TOKEN,
    TokenExpiryWatch,
    TokenStatus,
    token_status,
)

START = datetime(2030, 6, 1, 8, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def token_expiring_at(moment: datetime) -> str:
    return make_token("org-1", expires_at=moment.timestamp())


def test_status_of_tokens() -> None:
    expires = START + timedelta(days=3)
    assert token_status(None, START) == NO_TOKEN
    assert token_status("", START) == NO_TOKEN
    assert token_status(token_expiring_at(expires), START) == TokenStatus(
        True, TokenState.VALID, expires
    )
    unreadable = token_status("opaque-token-from-elsewhere", START)
    assert unreadable.has_token
    assert unreadable.state is None
    assert "not a JWT" in (unreadable.problem or "")
    assert "opaque-token" not in (unreadable.problem or "")


async def test_the_watch_reports_each_change_once() -> None:
    clock = Clock()
    credentials = ActiveCredentials(RedactSecretsFilter())
    seen: list[TokenStatus] = []
    watch = TokenExpiryWatch(credentials, seen.append, clock=clock)
    expires = START + timedelta(days=2)

    watch.start()
    try:
        assert seen == [NO_TOKEN]

        credentials.set(Credentials(token=token_expiring_at(expires)))
        assert seen[-1].state is TokenState.VALID
        watch.check()
        assert len(seen) == 2  # nothing changed: nothing reported

        clock.now = expires - timedelta(hours=23)
        watch.check()
        assert seen[-1].state is TokenState.EXPIRING

        clock.now = expires + timedelta(seconds=1)
        watch.check()
        assert seen[-1].state is TokenState.EXPIRED

        renewed = expires + timedelta(days=30)
        credentials.set(Credentials(token=token_expiring_at(renewed)))
        assert seen[-1] == TokenStatus(True, TokenState.VALID, renewed)

        credentials.set(Credentials(api_key="k" * 40))
        assert seen[-1] == NO_TOKEN
        assert len(seen) == 6
    finally:
        watch.stop()

    # Stopped: it no longer listens.
    credentials.set(Credentials(token=token_expiring_at(expires)))
    assert len(seen) == 6


async def test_the_watch_looks_again_by_itself() -> None:
    clock = Clock()
    credentials = ActiveCredentials()
    expires = START + timedelta(hours=30)
    credentials.set(Credentials(token=token_expiring_at(expires)))
    seen: list[TokenStatus] = []
    warned = asyncio.Event()

    def record(status: TokenStatus) -> None:
        seen.append(status)
        if status.state is TokenState.EXPIRING:
            warned.set()

    watch = TokenExpiryWatch(credentials, record, clock=clock, every_s=0.01)
    watch.start()
    try:
        # Time passes without any other event: the watch notices on its own.
        clock.now = expires - timedelta(hours=1)
        async with asyncio.timeout(5):
            await warned.wait()
    finally:
        watch.stop()
    assert [s.state for s in seen] == [TokenState.VALID, TokenState.EXPIRING]
