"""Reading error answers, whatever their shape, into one typed ApiError.

The spec uses several JSON error shapes, and proxies in front of it answer with
HTML or nothing at all. ``parse_error_body`` reads any of them into an
ErrorBody; ``error_for_response`` picks the ApiError subclass from the status
(and, for the two plate commands, from the 400's wording) and writes the
sentence the operator will read.
"""

from __future__ import annotations

import contextlib
import html
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from .errors import (
    AlreadyExistsError,
    ApiError,
    FieldError,
    ForbiddenError,
    InvalidInputError,
    NotFoundError,
    PlateNotFoundError,
    RateLimitedError,
    RedirectedError,
    ServerError,
    UnauthorizedError,
    UnavailableError,
    UnexpectedResponseError,
)
from .models import replace_lone_surrogates
from .redaction import redact_text

_MAX_MESSAGE = 300

# TODO(#2): the spec gives one 400 for "invalid request or plate already exists"
# (and "... or plate not found") without the wording; these patterns cover the
# local server's "plate already exists" / "plate not found" and common variants.
_ALREADY_EXISTS = re.compile(r"already\s+(exist|registered|added|has)|duplicate", re.I)
_PLATE_MISSING = re.compile(
    r"not\s+found|does\s*n[o']t\s+(exist|have)|no\s+such|not\s+registered", re.I
)


@dataclass(frozen=True, slots=True)
class ErrorBody:
    """What an error answer says, in whichever shape it came."""

    message: str | None = None
    code: str | None = None
    field_errors: tuple[FieldError, ...] = ()

    def text(self) -> str:
        """Everything worded in the body, for matching against."""
        parts = [self.code or "", self.message or ""]
        parts += [f"{f.field} {f.message}" for f in self.field_errors]
        return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Operation:
    """The call an answer belongs to, for choosing the error and its words.

    ``not_found`` is the sentence for a 404; ``plate`` is set for the plate
    commands, whose 400 means more than "invalid input".
    """

    name: str
    not_found: str
    plate: str | None = None


def parse_error_body(content: bytes, content_type: str = "") -> ErrorBody:
    """Read an error answer: any JSON shape the spec uses, HTML, text, nothing."""
    text = content.decode("utf-8", errors="replace").strip()
    if not text:
        return ErrorBody()

    if text[0] in '{["':
        try:
            data = json.loads(text)
        except ValueError:
            pass
        except RecursionError:
            # Nested deeper than the parser goes: nothing in it is worth quoting.
            return ErrorBody()
        else:
            return _from_json(data)

    if "html" in content_type.lower() or text.startswith("<"):
        return ErrorBody(message=_html_title(text))
    return ErrorBody(message=_plain(text))


def _from_json(data: Any) -> ErrorBody:
    if isinstance(data, str):
        return ErrorBody(message=_clip(replace_lone_surrogates(data)))
    if not isinstance(data, Mapping):
        return ErrorBody()

    error = data.get("error")
    message = _string(data.get("message"))
    code = _string(data.get("code"))

    # {error: {code, message}}: seen from gateways in front of APIs.
    if isinstance(error, Mapping):
        message = message or _string(error.get("message"))
        code = code or _string(error.get("code"))
        error = None

    # {success: false, errors: [{code, message}]}
    listed = data.get("errors")
    if isinstance(listed, list):
        messages = [_string(e.get("message")) for e in listed if isinstance(e, Mapping)]
        messages += [e for e in listed if isinstance(e, str)]
        joined = "; ".join(m for m in messages if m)
        message = message or joined or None
        if code is None:
            codes = [e.get("code") for e in listed if isinstance(e, Mapping)]
            code = next((_string(c) for c in codes if _string(c)), None)

    # {error, message} / {error}: "error" is a short title or the whole story.
    error_text = _string(error)
    if message is None:
        message = error_text
    elif code is None:
        code = error_text

    details = data.get("details")
    fields = tuple(
        FieldError(field=_string(d.get("field")) or "", message=_clip(msg))
        for d in (details if isinstance(details, list) else [])
        if isinstance(d, Mapping) and (msg := _string(d.get("message")))
    )
    return ErrorBody(
        message=_clip(message) if message else None, code=code, field_errors=fields
    )


def _string(value: object) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str) and value.strip():
        return replace_lone_surrogates(value.strip())
    return None


def _html_title(text: str) -> str | None:
    for tag in ("title", "h1"):
        match = re.search(rf"<{tag}[^>]*>(.*?)</{tag}>", text, re.I | re.S)
        if match:
            inner = re.sub(r"<[^>]+>", " ", match.group(1))
            inner = " ".join(html.unescape(inner).split())
            if inner:
                return _clip(inner)
    return None


def _plain(text: str) -> str | None:
    first = " ".join(text.splitlines()[0].split())
    printable = sum(c.isprintable() for c in first)
    if not first or printable < 0.9 * len(first):
        return None
    return _clip(first)


def _clip(text: str) -> str:
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


# --- choosing the error ------------------------------------------------------------


def error_for_response(
    operation: Operation,
    status: int,
    headers: Mapping[str, str],
    content: bytes,
    *,
    secrets: Iterable[str] = (),
    retry_after: float | None = None,
    request_url: str | None = None,
    method: str = "GET",
) -> ApiError:
    """The ApiError for a non-2xx answer.

    ``secrets`` are the credential values the request was sent with: a server
    that quotes them back in its error text does not get them into an error.
    """
    body = parse_error_body(content, headers.get("content-type", ""))
    secrets = tuple(secrets)
    message = redact_text(body.message, secrets) if body.message else None
    code = redact_text(body.code, secrets) if body.code else None
    fields = tuple(
        FieldError(f.field, redact_text(f.message, secrets)) for f in body.field_errors
    )
    body = ErrorBody(message=message, code=code, field_errors=fields)

    if 300 <= status < 400:
        location = headers.get("location", "").strip()
        if location and request_url:
            with contextlib.suppress(httpx.InvalidURL, ValueError):
                location = str(httpx.URL(request_url).join(location))
        return _redirected(status, redact_text(location, secrets))

    command = method.upper() == "POST"
    error_class, sentence = _classify(operation, status, body, retry_after, command)
    return error_class(
        sentence,
        status=status,
        server_message=body.message,
        error_code=body.code,
        field_errors=body.field_errors,
        retry_after=retry_after,
    )


def _classify(
    operation: Operation,
    status: int,
    body: ErrorBody,
    retry_after: float | None,
    command: bool,
) -> tuple[type[ApiError], str]:
    said = _quoted(body)

    if status == 400 and operation.plate is not None:
        plate = operation.plate
        if operation.name == "AddLicensePlate" and _ALREADY_EXISTS.search(body.text()):
            return AlreadyExistsError, (
                f"The plate {plate} is already registered for this user. Nothing "
                "needs to be done."
            )
        if operation.name == "RemoveLicensePlate" and _PLATE_MISSING.search(
            body.text()
        ):
            return PlateNotFoundError, (
                f"The plate {plate} is not registered for this user; it may have "
                "been removed already. Reload the user's plates to see the current "
                "list."
            )

    if status in (400, 422):
        return InvalidInputError, (
            f"The server refused the request as invalid{said}. Correct the values "
            "entered and try again."
        )
    if status == 401:
        return UnauthorizedError, (
            f"The server did not accept the API key or token{said}. Check the key in "
            "the connection profile; if it was rotated in the partner portal, enter "
            "the new one."
        )
    if status == 403:
        return ForbiddenError, (
            f"The API key or token is not allowed to do this{said}. Ask your "
            "organization's SmartphoneKey administrator for access."
        )
    if status == 404:
        return NotFoundError, operation.not_found
    if status == 409:
        return AlreadyExistsError, (
            f"The server reports that this already exists{said}. Look it up instead "
            "of creating it again."
        )
    if status == 429:
        duration = _duration(retry_after)
        if retry_after is None:
            wait = "Wait a minute and try again"
        elif duration is None:
            wait = "Wait a while (the server asked for more than a day) and try again"
        else:
            wait = f"Wait {duration} and try again"
        return RateLimitedError, (
            f"The server is receiving too many requests from this organization. {wait}."
        )
    if status in (502, 503, 504):
        duration = _duration(retry_after)
        if retry_after is None:
            advice = "Try again in a few minutes."
        elif duration is None:
            advice = "Try again later (the server asked to wait more than a day)."
        else:
            advice = f"Try again in {duration}."
        if command and status != 503:
            # A gateway may give up after the backend carried the command out.
            advice = (
                "The change may have been saved anyway: reload to check before "
                "trying again."
            )
        return UnavailableError, (
            "The SmartphoneKey server is temporarily unavailable "
            f"({_status_text(status, body)}). {advice}"
        )
    if status >= 500:
        return ServerError, (
            "The SmartphoneKey server had an internal error "
            f"({_status_text(status, body)}). Try again later; if it keeps "
            "happening, contact SmartphoneKey support."
        )
    return UnexpectedResponseError, (
        "The server gave an answer the app does not expect "
        f"({_status_text(status, body)}). Try again later; if it keeps happening, "
        "the app may need an update."
    )


def _quoted(body: ErrorBody) -> str:
    if not body.message:
        return ""
    return f' ("{body.message.rstrip(".")}")'


def _status_text(status: int, body: ErrorBody) -> str:
    """'HTTP 500: "what the server said"', leaving out a proxy page's title
    that only repeats the status ("502 Bad Gateway")."""
    said = (body.message or "").rstrip(".")
    if not said or said.startswith(str(status)):
        return f"HTTP {status}"
    return f'HTTP {status}: "{said}"'


def _duration(value: float | None) -> str | None:
    """A wait in words ("30 seconds", "60 minutes", "3 hours"), or None when it
    is longer than a day: no one waits at a window for that, and a number of
    minutes that large only looks like an error."""
    seconds = max(1, round(min(value or 0, _DAY + 1)))
    if seconds > _DAY:
        return None
    if seconds < 120:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    if seconds < 2 * _HOUR:
        return f"{round(seconds / 60)} minutes"
    return f"{round(seconds / _HOUR)} hours"


_HOUR = 3600
_DAY = 24 * _HOUR


def _redirected(status: int, location: str) -> RedirectedError:
    location = location.strip()
    if location:
        sentence = (
            f"The server answered that it has moved to {location} (HTTP {status}). "
            "The app does not follow redirects, so that the API key is only sent "
            "to the address you chose. If you trust the new address, enter it as "
            "the server address in the connection profile."
        )
    else:
        sentence = (
            f"The server answered with a redirect (HTTP {status}) but named no new "
            "address. Check the server address in the connection profile."
        )
    return RedirectedError(sentence, status=status, location=location)
