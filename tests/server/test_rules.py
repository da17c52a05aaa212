"""The service's own input rules, as plain functions."""

from __future__ import annotations

import pytest

from spkey_desktop.server.rules import (
    format_timestamp_ms,
    normalize_email,
    normalize_phone,
    normalize_plate,
    parse_timestamp_ms,
)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("wa 12345", "WA12345"),
        ("B-MW 1234", "BMW1234"),
        ("  ab-12-cd  ", "AB12CD"),
        # Only ASCII space and hyphen-minus go; everything else stays as typed.
        ("AB–12", "AB–12"),
        ("AB—12", "AB—12"),
        ("B.MW 1", "B.MW1"),
        ("AB_12", "AB_12"),
        ("AB\u00a012", "AB\u00a012"),
        ("ＡＢ12", "ＡＢ12"),
        ("tü-ab 12", "TÜAB12"),
        ("вх 123", "ВХ123"),
        ("- -", ""),
    ],
)
def test_plate_normalization_is_the_services_crude_one(typed: str, stored: str) -> None:
    assert normalize_plate(typed) == stored


@pytest.mark.parametrize(
    "typed", ["+48 123 456 789", "+48123456789", "0048123456789", "00 48 123456789"]
)
def test_international_phone_forms_are_one_number(typed: str) -> None:
    assert normalize_phone(typed) == "+48123456789"


@pytest.mark.parametrize(
    "typed",
    [
        "48123456789",
        "123456789",
        "+48-123-456-789",
        "+48 12a 456",
        "+0123456",
        "+",
        "0048",
        "+4812345678901234",
        "",
        "+４８123456789",
    ],
)
def test_non_international_phones_are_rejected(typed: str) -> None:
    assert normalize_phone(typed) is None


def test_email_is_trimmed_and_lower_cased_or_rejected() -> None:
    assert normalize_email(" Anna.Nowak@Example.COM ") == "anna.nowak@example.com"
    for bad in [
        "anna",
        "anna@",
        "@example.com",
        "an na@example.com",
        "a@b@example.com",
    ]:
        assert normalize_email(bad) is None


def test_timestamps_round_trip_in_utc_with_milliseconds() -> None:
    ms = parse_timestamp_ms("2024-01-15T10:30:00.123Z")
    assert ms == 1705314600123
    assert format_timestamp_ms(1705314600123) == "2024-01-15T10:30:00.123Z"
    assert parse_timestamp_ms("2024-01-15T11:30:00+01:00") == 1705314600000
    assert parse_timestamp_ms("2024-01-15") == 1705276800000
    assert parse_timestamp_ms("yesterday") is None
