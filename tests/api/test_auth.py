"""Credentials become headers, and never show their values."""

from __future__ import annotations

import pytest

from spkey_desktop.api import Credentials, UnauthorizedError
from spkey_desktop.api.auth import auth_headers

from ..helpers.api_fixtures import API_KEY, TOKEN


def test_repr_and_str_hide_the_values() -> None:
    credentials = Credentials(api_key=API_KEY, token=TOKEN)
    for text in (repr(credentials), str(credentials), f"{credentials}"):
        assert API_KEY not in text
        assert TOKEN not in text
    assert repr(credentials) == "Credentials(api_key=<set>, token=<set>)"
    assert repr(Credentials(token=TOKEN)) == "Credentials(api_key=None, token=<set>)"


def test_equal_credentials_compare_equal() -> None:
    assert Credentials(api_key="a") == Credentials(api_key="a")
    assert Credentials(api_key="a") != Credentials(api_key="b")


@pytest.mark.parametrize(
    ("credentials", "expected"),
    [
        (Credentials(api_key=API_KEY), {"X-API-Key": API_KEY}),
        (Credentials(token=TOKEN), {"Authorization": f"Bearer {TOKEN}"}),
        (
            Credentials(api_key=API_KEY, token=TOKEN),
            {"X-API-Key": API_KEY, "Authorization": f"Bearer {TOKEN}"},
        ),
        (Credentials(api_key=f"  {API_KEY}\n"), {"X-API-Key": API_KEY}),
        (Credentials(api_key=API_KEY, token=""), {"X-API-Key": API_KEY}),
    ],
)
def test_headers_follow_what_the_credentials_carry(
    credentials: Credentials, expected: dict[str, str]
) -> None:
    assert auth_headers(credentials) == expected


def test_no_credential_is_refused_before_sending() -> None:
    with pytest.raises(UnauthorizedError, match="No API key or token is set"):
        auth_headers(Credentials())


@pytest.mark.parametrize(
    "bad", ["abc\r\nX-Injected: 1", "clé-secrète-1234", "two words", "tab\there"]
)
def test_unsendable_credentials_are_refused_without_quoting_them(bad: str) -> None:
    with pytest.raises(UnauthorizedError) as caught:
        auth_headers(Credentials(api_key=bad))
    assert bad not in str(caught.value)
    assert bad not in repr(caught.value)
    assert caught.value.status is None
