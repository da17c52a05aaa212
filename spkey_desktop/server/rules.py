"""The service's own input rules: plates, phone numbers, e-mails, timestamps.

These model what the real SmartphoneKey service does, not what the desktop app
would like it to do. In particular the plate rule is deliberately crude: the
service upper-cases and removes ASCII spaces and hyphen-minus, nothing else, so
an en dash or a dot typed by a person is stored as typed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

# Digits after the international prefix: E.164 allows at most 15, and no
# country code starts with 0.
_PHONE_DIGITS = re.compile(r"[1-9][0-9]{5,14}")

# Deliberately loose, like most services: something@something.something,
# no whitespace. The spec only says "format: email".
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

_UUID = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
)


def normalize_plate(raw: str) -> str:
    """Upper-case, then drop ASCII space and hyphen-minus; keep everything else."""
    return raw.upper().replace(" ", "").replace("-", "")


def normalize_phone(raw: str) -> str | None:
    """The canonical ``+<digits>`` form of an international number, or None.

    "+48 123 456 789", "+48123456789" and "0048123456789" are the same number.
    A number without a leading "+" or "00" is not international and rejected.
    """
    compact = raw.replace(" ", "")
    if compact.startswith("+"):
        digits = compact[1:]
    elif compact.startswith("00"):
        digits = compact[2:]
    else:
        return None
    if not digits.isascii() or _PHONE_DIGITS.fullmatch(digits) is None:
        return None
    return "+" + digits


def normalize_email(raw: str) -> str | None:
    """The stored form of an e-mail (trimmed, lower case), or None if malformed."""
    email = raw.strip().lower()
    if len(email) > 254 or _EMAIL.fullmatch(email) is None:
        return None
    return email


def is_uuid(value: str) -> bool:
    return _UUID.fullmatch(value) is not None


def parse_timestamp_ms(raw: str) -> int | None:
    """Epoch milliseconds of an ISO-8601 timestamp, or None if unparseable.

    A timestamp without an offset, or a bare date, is taken as UTC.
    """
    try:
        moment = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def format_timestamp_ms(ms: int) -> str:
    """ISO-8601 in UTC with milliseconds, as the service writes it."""
    moment = datetime.fromtimestamp(ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"
