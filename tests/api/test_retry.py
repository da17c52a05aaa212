"""The retry rules and the backoff schedule, with the dice and clock fixed."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from spkey_desktop.api import RetryPolicy
from spkey_desktop.api.retry import (
    may_retry_exception,
    may_retry_status,
    parse_retry_after,
)

REQUEST = httpx.Request("GET", "http://127.0.0.1/")


def test_backoff_doubles_up_to_the_cap() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0, random=lambda: 1.0)
    assert [policy.backoff(n) for n in range(6)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_backoff_is_full_jitter() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=60.0, random=lambda: 0.25)
    assert [policy.backoff(n) for n in range(4)] == [0.25, 0.5, 1.0, 2.0]

    zero = RetryPolicy(base_delay=1.0, random=lambda: 0.0)
    assert zero.backoff(3) == 0.0


def test_huge_retry_numbers_do_not_overflow() -> None:
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0, random=lambda: 1.0)
    assert policy.backoff(10_000) == 8.0


@given(
    retry_number=st.integers(min_value=0, max_value=200),
    base=st.floats(min_value=0, max_value=10),
    cap=st.floats(min_value=0, max_value=100),
    dice=st.floats(min_value=0, max_value=1, exclude_max=True),
)
def test_backoff_stays_between_zero_and_the_ceiling(
    retry_number: int, base: float, cap: float, dice: float
) -> None:
    policy = RetryPolicy(base_delay=base, max_delay=cap, random=lambda: dice)
    delay = policy.backoff(retry_number)
    assert 0 <= delay <= min(cap, base * 2 ** min(retry_number, 62))


def test_retry_after_replaces_backoff_until_the_limit() -> None:
    policy = RetryPolicy(max_retry_after=10.0, random=lambda: 1.0)
    assert policy.delay(0, 3.0) == 3.0
    assert policy.delay(0, 10.0) == 10.0
    assert policy.delay(0, 10.5) is None
    assert policy.delay(1, None) == policy.backoff(1)


@pytest.mark.parametrize(
    "arguments",
    [{"max_attempts": 0}, {"base_delay": -1.0}, {"max_retry_after": -0.1}],
)
def test_nonsense_policies_are_refused(arguments: dict[str, float]) -> None:
    with pytest.raises(ValueError, match=r"max_attempts|negative"):
        RetryPolicy(**arguments)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("method", "status", "expected"),
    [
        ("GET", 429, True),
        ("GET", 502, True),
        ("GET", 503, True),
        ("GET", 504, True),
        ("get", 503, True),
        ("GET", 500, False),
        ("GET", 404, False),
        ("GET", 401, False),
        ("POST", 502, False),
        ("POST", 503, False),
        ("POST", 429, False),
    ],
)
def test_which_statuses_are_retried(method: str, status: int, expected: bool) -> None:
    assert may_retry_status(method, status) is expected


@pytest.mark.parametrize(
    ("method", "exc", "expected"),
    [
        ("GET", httpx.ConnectError("refused", request=REQUEST), True),
        ("GET", httpx.ConnectTimeout("slow", request=REQUEST), True),
        ("GET", httpx.ReadTimeout("slow", request=REQUEST), True),
        ("GET", httpx.ReadError("reset", request=REQUEST), True),
        ("GET", httpx.RemoteProtocolError("closed", request=REQUEST), True),
        ("GET", httpx.DecodingError("bad gzip", request=REQUEST), False),
        # Never reached the server: safe to repeat even a command.
        ("POST", httpx.ConnectError("refused", request=REQUEST), True),
        ("POST", httpx.ConnectTimeout("slow", request=REQUEST), True),
        ("POST", httpx.PoolTimeout("busy", request=REQUEST), True),
        # May have been carried out: never repeated.
        ("POST", httpx.ReadTimeout("slow", request=REQUEST), False),
        ("POST", httpx.WriteTimeout("slow", request=REQUEST), False),
        ("POST", httpx.ReadError("reset", request=REQUEST), False),
        ("POST", httpx.RemoteProtocolError("closed", request=REQUEST), False),
    ],
)
def test_which_failures_are_retried(
    method: str, exc: httpx.HTTPError, expected: bool
) -> None:
    assert may_retry_exception(method, exc) is expected


NOW = datetime(2026, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("0", 0.0),
        ("120", 120.0),
        (" 7 ", 7.0),
        ("1.5", 1.5),
        ("-3", None),
        ("inf", None),
        ("nan", None),
        ("soon", None),
        ("Sun, 01 Mar 2026 12:00:30 GMT", 30.0),
        ("Sunday, 01-Mar-26 12:01:00 GMT", 60.0),
        ("Sun Mar  1 12:00:05 2026", 5.0),
        ("Sun, 01 Mar 2026 11:00:00 GMT", 0.0),
        ("Sun, 99 Foo 2026 11:00:00 GMT", None),
        ("١٢", None),
    ],
)
def test_retry_after_header(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header, now=NOW) == expected
