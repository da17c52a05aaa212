"""The one error hierarchy of the API client.

Every failure the client can meet, whether the server answered with an error or
the network never delivered an answer, becomes one ApiError subclass carrying a
sentence a person can act on (``user_message``, also its ``str()``). The server's
own wording, when there is any, is kept apart in ``server_message`` for the log
and the details pane.

No error here ever holds a credential: the client builds them from status codes,
parsed bodies and host names only, and scrubs the server's wording of the secrets
it sent before keeping it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldError:
    """One entry of a validation error's ``details`` list."""

    field: str
    message: str


class ApiError(Exception):
    """Base class: anything that went wrong talking to the SmartphoneKey API.

    ``transient`` tells callers whether trying the same call later may succeed
    (the network or the server was briefly unavailable) or whether something has
    to change first (the input, the key, the server address).
    """

    transient: bool = False

    def __init__(
        self,
        user_message: str,
        *,
        status: int | None = None,
        server_message: str | None = None,
        error_code: str | None = None,
        field_errors: tuple[FieldError, ...] = (),
        retry_after: float | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(user_message)
        self.user_message = user_message
        self.status = status
        self.server_message = server_message
        self.error_code = error_code
        self.field_errors = field_errors
        self.retry_after = retry_after
        # The technical cause (exception type and text) for the log; credentials
        # are scrubbed from it before it is stored.
        self.detail = detail

    def __str__(self) -> str:
        return self.user_message

    def __repr__(self) -> str:
        parts = [f"status={self.status!r}", f"user_message={self.user_message!r}"]
        if self.server_message is not None:
            parts.append(f"server_message={self.server_message!r}")
        if self.retry_after is not None:
            parts.append(f"retry_after={self.retry_after!r}")
        if self.detail is not None:
            parts.append(f"detail={self.detail!r}")
        return f"{type(self).__name__}({', '.join(parts)})"


class InvalidInputError(ApiError):
    """The request was refused as malformed (400, 422), or was not sent because
    a required value was empty."""


class NotFoundError(ApiError):
    """The user, camera or plate the request names does not exist (404)."""


class PlateNotFoundError(NotFoundError):
    """RemoveLicensePlate answered 400 because the user does not have the plate.

    The spec gives one 400 for "invalid request or plate not found". The client
    never sends an empty plate (it refuses that before sending), so a 400 whose
    message speaks of a missing plate means the plate is already gone. That is a
    NotFoundError, so callers that treat removal as "make it absent" can catch
    NotFoundError and carry on, while a 404 for a missing *user* stays distinct
    by class.
    """


class AlreadyExistsError(ApiError):
    """The thing to create exists already: 409, or AddLicensePlate's 400
    "plate already exists"."""


class UnauthorizedError(ApiError):
    """The API key or token is missing, wrong or revoked (401)."""


class ForbiddenError(ApiError):
    """The credential is valid but not allowed to do this (403)."""


class RateLimitedError(ApiError):
    """The server asked to slow down (429); ``retry_after`` in seconds, if known."""

    transient = True


class ServerError(ApiError):
    """The server failed (5xx)."""


class UnavailableError(ServerError):
    """The server, or a proxy in front of it, is temporarily unavailable
    (502, 503, 504), often answering with an HTML page."""

    transient = True


class ApiTimeoutError(ApiError):
    """No answer arrived within the configured timeout."""

    transient = True


class ConnectionFailedError(ApiError):
    """No connection could be made: refused, unreachable, reset, DNS failure."""

    transient = True


class TlsError(ConnectionFailedError):
    """The secure connection could not be set up (certificate, protocol).

    ``certificate_refused`` is True when the server's certificate failed
    verification (rather than the handshake itself), and ``issuer`` then names
    the certificate authority it claims, when that could be read.
    """

    transient = False

    def __init__(
        self,
        user_message: str,
        *,
        detail: str | None = None,
        certificate_refused: bool = False,
        issuer: str | None = None,
    ) -> None:
        super().__init__(user_message, detail=detail)
        self.certificate_refused = certificate_refused
        self.issuer = issuer


class RedirectedError(ApiError):
    """The server answered with a redirect, which the client never follows.

    Following it would send the API key to wherever the redirect points.
    ``location`` is the address the server named.
    """

    def __init__(self, user_message: str, *, status: int, location: str) -> None:
        super().__init__(user_message, status=status)
        self.location = location


class UnexpectedResponseError(ApiError):
    """The answer does not have the shape the operation promises (a body that
    is not JSON, a missing required field, a status the spec does not list)."""


class InsecureUrlError(ApiError, ValueError):
    """The configured server address was refused before any request was made."""
