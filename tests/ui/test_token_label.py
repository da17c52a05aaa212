"""The status bar's token expiry, fed by the real watch from the real window's
credentials, as the session wires it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from spkey_desktop.api.auth import Credentials
from spkey_desktop.server import make_token
from spkey_desktop.services.token_expiry import TokenExpiryWatch
from spkey_desktop.ui.token_label import shown_time
from tests.helpers.window_fixtures import WindowEnv

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def watched(window_env: WindowEnv) -> Iterator[WindowEnv]:
    watch = TokenExpiryWatch(
        window_env.credentials, window_env.window.show_token_status
    )
    watch.start()
    yield window_env
    watch.stop()


def give_token(env: WindowEnv, expires_at: datetime) -> None:
    token = make_token(env.org.org_id, expires_at=expires_at.timestamp())
    env.credentials.set(Credentials(api_key=env.org.api_key, token=token))


def test_no_token_no_label(watched: WindowEnv) -> None:
    assert not watched.window.token_label.isVisible()


def test_a_valid_token_shows_until_when(watched: WindowEnv) -> None:
    expires = NOW + timedelta(days=20)
    give_token(watched, expires)

    label = watched.window.token_label
    assert label.isVisible()
    assert label.text() == f"token valid until {shown_time(expires)}"
    assert "background" not in label.styleSheet()


def test_a_token_running_out_today_is_a_visible_warning(watched: WindowEnv) -> None:
    expires = NOW + timedelta(hours=5)
    give_token(watched, expires)

    label = watched.window.token_label
    assert label.text() == f"⚠ token expires {shown_time(expires)}"
    assert "background" in label.styleSheet()
    message = watched.window.statusBar().currentMessage()
    assert f"runs out at {shown_time(expires)}" in message
    assert "File → Credentials…" in message
    assert label.toolTip() == message


def test_an_expired_token_says_so(watched: WindowEnv) -> None:
    expires = NOW - timedelta(minutes=10)
    give_token(watched, expires)

    assert watched.window.token_label.text() == f"token expired {shown_time(expires)}"
    assert "ran out" in watched.window.statusBar().currentMessage()


def test_a_token_without_a_readable_expiry(watched: WindowEnv) -> None:
    watched.credentials.set(Credentials(token="opaque-token-0123456789"))
    label = watched.window.token_label
    assert label.isVisible()
    assert label.text() == "token expiry unknown"
    assert "opaque-token" not in label.toolTip()


def test_shown_times_are_local_and_unambiguous() -> None:
    moment = datetime(2031, 2, 3, 4, 5, tzinfo=UTC)
    assert shown_time(moment) == moment.astimezone().strftime("%Y-%m-%d %H:%M")
