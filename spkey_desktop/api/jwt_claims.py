"""When a JWT runs out, read from its ``exp`` claim without verifying it.

The app cannot verify the token's signature (it does not hold the issuer's key),
and does not need to: the expiry is used only to tell the operator when to get a
new token, never to decide whether a request is allowed. The server decides
that. So the claim is read, not trusted.

No error raised here quotes the token or any part of it.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from datetime import UTC, datetime, timedelta
from enum import Enum
from typing import Any

#: How long before the expiry the operator is warned.
WARN_BEFORE = timedelta(hours=24)

_BASE64URL = re.compile(r"[A-Za-z0-9_-]+")


class TokenFormatError(ValueError):
    """The token is not a JWT whose claims can be read; the text says why."""


class TokenState(Enum):
    VALID = "valid"
    EXPIRING = "expiring"  # within WARN_BEFORE of its expiry
    EXPIRED = "expired"


def token_expiry(token: str) -> datetime | None:
    """The moment (UTC) the JWT's ``exp`` claim names, or None when it has no
    ``exp`` (a token that does not expire by itself).

    Raises TokenFormatError when the token is not a signed JWT (three base64url
    parts, header and claims JSON objects) or ``exp`` is not a number of seconds.
    """
    claims = token_claims(token)
    if "exp" not in claims:
        return None
    exp = claims["exp"]
    if isinstance(exp, bool) or not isinstance(exp, int | float):
        raise TokenFormatError("The token's expiry (exp) is not a number.")
    if not math.isfinite(exp):
        raise TokenFormatError("The token's expiry (exp) is not a finite number.")
    try:
        return datetime.fromtimestamp(exp, UTC)
    except (OverflowError, OSError, ValueError):
        raise TokenFormatError(
            "The token's expiry (exp) is outside the range of dates."
        ) from None


def token_claims(token: str) -> dict[str, Any]:
    """The JWT's claims (its middle part), unverified; TokenFormatError if the
    token does not have a JWT's shape."""
    parts = token.strip().split(".")
    if len(parts) != 3:
        raise TokenFormatError(
            f"The token is not a JWT: it has {len(parts)} part(s) separated by "
            "dots instead of 3."
        )
    _json_object(parts[0], "header")
    return _json_object(parts[1], "claims")


def expiry_state(
    expires_at: datetime, now: datetime, warn_before: timedelta = WARN_BEFORE
) -> TokenState:
    """Whether a token expiring at ``expires_at`` is valid, about to expire or
    expired at ``now`` (both timezone-aware)."""
    if now >= expires_at:
        return TokenState.EXPIRED
    if expires_at - now <= warn_before:
        return TokenState.EXPIRING
    return TokenState.VALID


def _json_object(part: str, what: str) -> dict[str, Any]:
    if not part:
        raise TokenFormatError(f"The token's {what} part is empty.")
    # Checked first: the decoder would silently skip stray characters.
    if not _BASE64URL.fullmatch(part.rstrip("=")):
        raise TokenFormatError(f"The token's {what} part is not base64url.")
    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise TokenFormatError(f"The token's {what} part is not base64url.") from None
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, ValueError):
        raise TokenFormatError(f"The token's {what} part is not JSON.") from None
    if not isinstance(value, dict):
        raise TokenFormatError(f"The token's {what} part is not a JSON object.")
    return value
