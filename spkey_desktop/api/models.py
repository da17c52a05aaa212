"""Frozen records for what the API returns, parsed tolerantly from JSON.

Unknown fields are ignored, so a server that grows a field does not break the
app. Optional fields that are missing or null become None or "" as their type
says. A field the app cannot do without (an id, a plate, a version) that is
missing or of the wrong type raises ResponseShapeError, which the client turns
into UnexpectedResponseError: a half-read plate list shown as if complete would
be worse than an error.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

JsonObject = Mapping[str, Any]


class ResponseShapeError(ValueError):
    """A success body lacks something the operation promises."""


# Half of a UTF-16 pair on its own: JSON can escape one ("\ud800"), Python
# then holds it in a str, and no UTF-8 encoder (SQLite's, a log file's) accepts
# it. Whole pairs are decoded into one character by the JSON parser.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def replace_lone_surrogates(text: str) -> str:
    """``text`` with each lone surrogate replaced by U+FFFD, the replacement
    character, so that it can be stored, logged and shown."""
    return _LONE_SURROGATE.sub("\ufffd", text)


# --- field readers -------------------------------------------------------------


def _object(value: object, what: str) -> JsonObject:
    if not isinstance(value, Mapping):
        raise ResponseShapeError(f"{what} is not a JSON object")
    return value


def _list(data: JsonObject, key: str) -> list[Any]:
    value = data.get(key)
    if not isinstance(value, list):
        raise ResponseShapeError(f"{key!r} is missing or not a list")
    return value


def _required_str(data: JsonObject, key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise ResponseShapeError(f"{key!r} is missing or not a string")
    return replace_lone_surrogates(value)


def _str(data: JsonObject, key: str) -> str:
    value = data.get(key)
    return replace_lone_surrogates(value) if isinstance(value, str) else ""


def _optional_str(data: JsonObject, key: str) -> str | None:
    value = data.get(key)
    return replace_lone_surrogates(value) if isinstance(value, str) else None


def _number(value: object) -> float | None:
    # bool is an int in Python, but true is not a number in JSON.
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        number = float(value)
    except OverflowError:  # an integer of hundreds of digits
        return None
    return number if math.isfinite(number) else None


def _int(data: JsonObject, key: str, default: int | None = None) -> int:
    number = _number(data.get(key))
    if number is None or number != int(number):
        if default is None:
            raise ResponseShapeError(f"{key!r} is missing or not a whole number")
        return default
    return int(number)


def _bool(data: JsonObject, key: str, default: bool = False) -> bool:
    value = data.get(key)
    return value if isinstance(value, bool) else default


def _epoch_ms(data: JsonObject, key: str) -> datetime | None:
    number = _number(data.get(key))
    if number is None:
        return None
    try:
        return datetime.fromtimestamp(number / 1000, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _iso(data: JsonObject, key: str) -> datetime | None:
    value = data.get(key)
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _event_type(data: JsonObject) -> str | None:
    event = data.get("event")
    if event is None:
        return None
    event = _object(event, "'event'")
    return _str(event, "type") or "unknown"


# --- users ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class UserRef:
    """What the by-email and by-phone lookups return."""

    uuid: str
    email: str | None
    phone_number: str | None
    created_at: datetime | None

    @classmethod
    def from_json(cls, data: object) -> UserRef:
        data = _object(data, "the user")
        return cls(
            uuid=_required_str(data, "uuid"),
            email=_optional_str(data, "email"),
            phone_number=_optional_str(data, "phoneNumber"),
            created_at=_iso(data, "created_at"),
        )


@dataclass(frozen=True, slots=True)
class Profile:
    user_id: str
    email: str
    first_name: str
    last_name: str
    phone_number: str
    status: str  # ACTIVE, INACTIVE, SUSPENDED, or "" when the server omits it

    @property
    def display_name(self) -> str:
        """The name to show: the person's name, else e-mail, phone or id."""
        name = " ".join(
            p for p in (self.first_name.strip(), self.last_name.strip()) if p
        )
        return name or self.email or self.phone_number or self.user_id

    @classmethod
    def from_json(cls, data: object) -> Profile:
        data = _object(data, "the profile")
        return cls(
            user_id=_required_str(data, "userId"),
            email=_str(data, "email"),
            first_name=_str(data, "firstName"),
            last_name=_str(data, "lastName"),
            phone_number=_str(data, "phoneNumber"),
            status=_str(data, "status"),
        )


@dataclass(frozen=True, slots=True)
class CreateUserResult:
    success: bool
    aggregate_id: str
    user_id: str
    version: int
    event_type: str | None

    @property
    def created(self) -> bool:
        """False when the user existed already (the call changed nothing)."""
        return self.event_type is not None

    @classmethod
    def from_json(cls, data: object) -> CreateUserResult:
        data = _object(data, "the result")
        aggregate_id = _str(data, "aggregateId") or _required_str(data, "userId")
        return cls(
            success=_bool(data, "success", default=True),
            aggregate_id=aggregate_id,
            user_id=_str(data, "userId") or aggregate_id,
            version=_int(data, "version"),
            event_type=_event_type(data),
        )


@dataclass(frozen=True, slots=True)
class PhoneNumberResult:
    """The answer to UpdatePhoneNumber.

    ``changed`` is False when the user had that number (or, on removal, none)
    already: the command was a no-op, so sending it again is harmless.
    """

    success: bool
    aggregate_id: str
    version: int
    event_type: str | None

    @property
    def changed(self) -> bool:
        return self.event_type is not None

    @classmethod
    def from_json(cls, data: object) -> PhoneNumberResult:
        data = _object(data, "the result")
        return cls(
            success=_bool(data, "success", default=True),
            aggregate_id=_required_str(data, "aggregateId"),
            version=_int(data, "version"),
            event_type=_event_type(data),
        )


# --- plates --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LicensePlate:
    plate: str
    label: str
    added_at: datetime | None  # UTC, from epoch milliseconds

    @classmethod
    def from_json(cls, data: object) -> LicensePlate:
        data = _object(data, "a plate")
        return cls(
            plate=_required_str(data, "plate"),
            label=_str(data, "label"),
            added_at=_epoch_ms(data, "addedAt"),
        )


@dataclass(frozen=True, slots=True)
class PlateList:
    plates: tuple[LicensePlate, ...]
    total_count: int

    @classmethod
    def from_json(cls, data: object) -> PlateList:
        data = _object(data, "the plate list")
        plates = tuple(LicensePlate.from_json(p) for p in _list(data, "licensePlates"))
        return cls(plates=plates, total_count=_int(data, "totalCount", len(plates)))


@dataclass(frozen=True, slots=True)
class PlateCommandResult:
    """The answer to AddLicensePlate and RemoveLicensePlate.

    ``version`` is the user record's version after the command; ``changed`` is
    False when the command was a no-op (the plate was already there).
    """

    success: bool
    aggregate_id: str
    version: int
    event_type: str | None
    plate: str
    label: str

    @property
    def changed(self) -> bool:
        return self.event_type is not None

    @classmethod
    def from_json(cls, data: object) -> PlateCommandResult:
        data = _object(data, "the result")
        return cls(
            success=_bool(data, "success", default=True),
            aggregate_id=_required_str(data, "aggregateId"),
            version=_int(data, "version"),
            event_type=_event_type(data),
            plate=_str(data, "plate"),
            label=_str(data, "label"),
        )


# --- cameras -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Camera:
    camera_id: str
    name: str
    type: str
    status: str
    org_id: str
    permissions: tuple[str, ...]
    three_deye_camera_id: str
    # Camera URLs often carry the camera's own login (rtsp://user:pass@…): kept
    # out of the repr so that logging a Camera does not log them.
    http_url: str = field(repr=False)
    rtsp_url: str = field(repr=False)

    @classmethod
    def from_json(cls, data: object) -> Camera:
        data = _object(data, "a camera")
        permissions = data.get("permissions")
        return cls(
            camera_id=_required_str(data, "cameraId"),
            name=_str(data, "name"),
            type=_str(data, "type"),
            status=_str(data, "status"),
            org_id=_str(data, "orgId"),
            permissions=tuple(
                replace_lone_surrogates(p)
                for p in (permissions if isinstance(permissions, list) else [])
                if isinstance(p, str)
            ),
            three_deye_camera_id=_str(data, "threeDeyeCameraId"),
            http_url=_str(data, "httpUrl"),
            rtsp_url=_str(data, "rtspUrl"),
        )


def cameras_from_json(data: object) -> tuple[Camera, ...]:
    data = _object(data, "the camera list")
    return tuple(Camera.from_json(c) for c in _list(data, "cameras"))


@dataclass(frozen=True, slots=True)
class LprEvent:
    """One plate read by a camera."""

    id: str
    camera_id: str
    plate: str
    confidence: float | None
    matched: bool
    matched_user_id: str | None
    lock_id: str | None
    action_taken: str
    timestamp: datetime | None

    @classmethod
    def from_json(cls, data: object) -> LprEvent:
        data = _object(data, "an LPR event")
        return cls(
            id=_required_str(data, "id"),
            camera_id=_str(data, "cameraId"),
            plate=_str(data, "plate"),
            confidence=_number(data.get("confidence")),
            matched=_bool(data, "matched"),
            matched_user_id=_optional_str(data, "matchedUserId"),
            lock_id=_optional_str(data, "lockId"),
            action_taken=_str(data, "actionTaken"),
            timestamp=_iso(data, "timestamp"),
        )


@dataclass(frozen=True, slots=True)
class LprEventPage:
    """One page of a camera's events. ``total`` is the number of events in the
    whole listing; ``total_reported`` is False when the server did not say it
    (``total`` is then the number on this page)."""

    camera_id: str
    events: tuple[LprEvent, ...]
    page: int
    page_size: int
    total: int
    has_more: bool
    total_reported: bool = True

    @classmethod
    def from_json(cls, data: object, *, page: int, page_size: int) -> LprEventPage:
        """``page`` and ``page_size`` are what was asked, used when the answer
        does not repeat them."""
        data = _object(data, "the event page")
        events = tuple(LprEvent.from_json(e) for e in _list(data, "events"))
        reported = _int(data, "total", -1)
        return cls(
            camera_id=_str(data, "cameraId"),
            events=events,
            page=_int(data, "page", page),
            page_size=_int(data, "pageSize", page_size),
            total=reported if reported >= 0 else len(events),
            has_more=_bool(data, "hasMore"),
            total_reported=reported >= 0,
        )
