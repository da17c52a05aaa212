"""Reading a JWT's expiry without verifying it: well-formed, malformed, no exp,
expired."""

from __future__ import annotations

import base64
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spkey_desktop.api.jwt_claims import (
    TokenFormatError,
    TokenState,
    expiry_state,
    token_claims,
    token_expiry,
)
from spkey_desktop.server import make_token

HEADER = {"alg": "HS256", "typ": "JWT"}
SIGNATURE = "c2lnbmF0dXJlLWZvci10ZXN0cw"


def part(value: Any) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def jwt(claims: Any, header: Any = HEADER) -> str:
    return f"{part(header)}.{part(claims)}.{SIGNATURE}"


NOT_UTF8 = b"\xff\xfe"
NAN_EXP = b'{"exp": NaN}'
INFINITE_EXP = b'{"exp": Infinity}'


def test_the_expiry_of_a_token_the_local_server_issues() -> None:
    expires = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
    token = make_token("org-1", expires_at=expires.timestamp())
    assert token_expiry(token) == expires
    assert token_claims(token)["org"] == "org-1"


def test_a_fractional_expiry_and_surrounding_spaces() -> None:
    assert token_expiry("  " + jwt({"exp": 1700000000.5}) + "\n") == datetime(
        2023, 11, 14, 22, 13, 20, 500000, tzinfo=UTC
    )


def test_no_exp_claim_means_no_expiry() -> None:
    assert token_expiry(jwt({"sub": "service"})) is None


def test_an_expired_token_is_read_like_any_other() -> None:
    past = datetime(2020, 1, 1, tzinfo=UTC)
    expires = token_expiry(jwt({"exp": int(past.timestamp())}))
    assert expires == past
    assert expiry_state(expires, datetime.now(UTC)) is TokenState.EXPIRED


@pytest.mark.parametrize(
    ("left", "state"),
    [
        (timedelta(days=3), TokenState.VALID),
        (timedelta(hours=24, seconds=1), TokenState.VALID),
        (timedelta(hours=24), TokenState.EXPIRING),
        (timedelta(minutes=5), TokenState.EXPIRING),
        (timedelta(0), TokenState.EXPIRED),
        (timedelta(seconds=-1), TokenState.EXPIRED),
    ],
)
def test_expiry_state(left: timedelta, state: TokenState) -> None:
    now = datetime(2030, 1, 1, 12, tzinfo=UTC)
    assert expiry_state(now + left, now) is state


@pytest.mark.parametrize(
    ("token", "why"),
    [
        ("", "1 part(s)"),
        ("not-a-jwt", "1 part(s)"),
        ("a.b", "2 part(s)"),
        ("a.b.c.d.e", "5 part(s)"),  # an encrypted JWT (JWE): no readable claims
        (f".{part({'exp': 1})}.{SIGNATURE}", "header part is empty"),
        (f"{part(HEADER)}..{SIGNATURE}", "claims part is empty"),
        (f"{part(HEADER)}.e30!.{SIGNATURE}", "claims part is not base64url"),
        (jwt(b"not json"), "claims part is not JSON"),
        (jwt(NOT_UTF8), "claims part is not JSON"),
        (jwt([1, 2]), "not a JSON object"),
        (jwt({"exp": 1}, header="text"), "header part is not a"),
        (jwt({"exp": "1700000000"}), "exp) is not a number"),
        (jwt({"exp": True}), "exp) is not a number"),
        (jwt({"exp": None}), "exp) is not a number"),
        (jwt({"exp": 10**20}), "outside the range"),
        (jwt({"exp": -(10**20)}), "outside the range"),
        (jwt(NAN_EXP), "not a finite"),
        (jwt(INFINITE_EXP), "not a finite"),
    ],
)
def test_malformed_tokens_are_refused_without_quoting_them(
    token: str, why: str
) -> None:
    with pytest.raises(TokenFormatError, match=re.escape(why)) as caught:
        token_expiry(token)
    # (Pieces as short as "a" occur in any sentence; real ones are longer.)
    for piece in token.split("."):
        assert len(piece) < 8 or piece not in str(caught.value)


@given(st.text(max_size=200))
def test_any_text_gives_an_expiry_none_or_a_format_error(text: str) -> None:
    try:
        result = token_expiry(text)
    except TokenFormatError as error:
        message = str(error)
    else:
        assert result is None or result.tzinfo is UTC
        return
    assert len(text.strip()) < 8 or text.strip() not in message
