"""The credentials a request is sent with, and the headers they become."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .errors import UnauthorizedError


@dataclass(frozen=True, slots=True, repr=False)
class Credentials:
    """An organization API key, a JWT, or both.

    Either one authorizes a request; when both are present both are sent. The
    repr says which are set and never shows a value, so a Credentials object
    that ends up in a log or a traceback leaks nothing.
    """

    api_key: str | None = None
    token: str | None = None

    def __repr__(self) -> str:
        key = "<set>" if self.api_key else None
        token = "<set>" if self.token else None
        return f"Credentials(api_key={key}, token={token})"

    __str__ = __repr__

    @property
    def is_empty(self) -> bool:
        return not self.api_key and not self.token


CredentialsProvider = Callable[[], Credentials]


def auth_headers(credentials: Credentials) -> dict[str, str]:
    """The authentication headers for ``credentials``.

    Raises UnauthorizedError, without sending anything, when there is no
    credential or one that cannot travel in a header. The check is done here so
    that httpx never gets to quote the bad value in its own exception text.
    """
    if credentials.is_empty:
        raise UnauthorizedError(
            "No API key or token is set. Enter the organization's SmartphoneKey "
            "API key in the connection profile and try again."
        )

    headers: dict[str, str] = {}
    if credentials.api_key:
        headers["X-API-Key"] = _header_value(credentials.api_key, "API key")
    if credentials.token:
        headers["Authorization"] = "Bearer " + _header_value(credentials.token, "token")
    return headers


def _header_value(value: str, what: str) -> str:
    value = value.strip()
    printable_ascii = value.isascii() and all(32 < ord(c) < 127 for c in value)
    if not value or not printable_ascii:
        raise UnauthorizedError(
            f"The stored {what} contains characters that cannot be sent (such as "
            f"spaces, line breaks or accented letters). Enter the {what} again in "
            "the connection profile, copied exactly from the partner portal."
        )
    return value
