"""The API operations: each takes a parsed request and returns a Reply.

Nothing here knows about sockets or threads; ``handler`` does the HTTP and
the authentication and hands over the caller's organization with the request.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from spkey_desktop.server.bodies import (
    camera_body,
    command_body,
    lookup_body,
    lpr_event_body,
    profile_body,
)
from spkey_desktop.server.cameras import CameraStore
from spkey_desktop.server.config import DuplicateAdd
from spkey_desktop.server.replies import (
    Reply,
    command_error,
    json_reply,
    lookup_error,
    query_not_found,
)
from spkey_desktop.server.rules import (
    is_uuid,
    normalize_email,
    normalize_phone,
    parse_timestamp_ms,
)
from spkey_desktop.server.users import (
    ContactTaken,
    EmptyPlate,
    PlateNotFound,
    UnknownUser,
    UserIdTaken,
    UserRecord,
    UserStore,
)

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 100
# Far beyond any camera's history, and small enough that the offset of its
# events fits SQLite's 64-bit integers.
MAX_PAGE = 1_000_000_000


class BadRequest(Exception):
    """The request cannot be served as sent; the message says why."""


@dataclass(frozen=True)
class Request:
    org_id: str
    params: dict[str, str]
    query: dict[str, list[str]]
    body: bytes

    def arg(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def json_object(self) -> dict[str, Any]:
        try:
            payload = json.loads(self.body or b"null")
        except (ValueError, UnicodeDecodeError) as error:
            raise BadRequest("The body is not valid JSON.") from error
        except RecursionError:
            raise BadRequest("The body is nested too deeply.") from None
        if not isinstance(payload, dict):
            raise BadRequest("The body must be a JSON object.")
        # TODO(#2): the real service's answer to these is unknown; 400 is what
        # a malformed body gets everywhere else.
        if _holds_lone_surrogate(payload):
            raise BadRequest(
                "The body contains an escaped lone UTF-16 surrogate "
                "(\\ud800-\\udfff), which is not a character."
            )
        return payload


class Api:
    def __init__(
        self, users: UserStore, cameras: CameraStore, duplicate_add: DuplicateAdd
    ) -> None:
        self.users = users
        self.cameras = cameras
        self.duplicate_add = duplicate_add

    # -- lookups: find or create, errors as {error}

    def user_by_email(self, request: Request) -> Reply:
        try:
            email = _email(request.arg("email"), required=True)
            search_only = _search_only(request)
        except BadRequest as error:
            return lookup_error(400, str(error))
        assert email is not None
        # TODO(#2): e-mails are matched case-insensitively (stored lower-case);
        # the spec does not say what the real service does.
        user = self.users.find(request.org_id, email=email)
        if user is None:
            if search_only:
                return lookup_error(404, "No user has this email.")
            created = self._create_on_miss(request, email=email)
            if isinstance(created, Reply):
                return created
            user = created
        return json_reply(200, lookup_body(user, with_phone=False))

    def user_by_phone(self, request: Request) -> Reply:
        raw_phone = request.arg("phoneNumber")
        phone = normalize_phone(raw_phone) if raw_phone else None
        if phone is None:
            message = "phoneNumber must be an international number (+48… or 0048…)."
            return lookup_error(400, message)
        try:
            email = _email(request.arg("email"), required=False)
            search_only = _search_only(request)
        except BadRequest as error:
            return lookup_error(400, str(error))
        user = self.users.find(request.org_id, phone=phone)
        if user is None:
            if search_only:
                return lookup_error(404, "No user has this phone number.")
            created = self._create_on_miss(request, email=email, phone=phone)
            if isinstance(created, Reply):
                return created
            user = created
        return json_reply(200, lookup_body(user, with_phone=True))

    def _create_on_miss(
        self, request: Request, email: str | None, phone: str | None = None
    ) -> UserRecord | Reply:
        requested = request.arg("uuid")
        if requested is not None and not is_uuid(requested):
            return lookup_error(400, "uuid must be a UUID.")
        user_id = requested or str(uuid.uuid4())
        try:
            self.users.create(request.org_id, user_id, email=email, phone=phone)
        except UserIdTaken:
            return lookup_error(409, "A user with this UUID already exists.")
        except ContactTaken:
            # Either another request created this user just now (then it is
            # found below), or the e-mail sent with a phone belongs to someone.
            if phone is not None:
                found = self.users.find(request.org_id, phone=phone)
            else:
                found = self.users.find(request.org_id, email=email)
            if found is None:
                return lookup_error(400, "This email belongs to another user.")
            return found
        user = self.users.get(user_id)
        assert user is not None
        return user

    # -- commands: errors as {error, message}

    def create_user(self, request: Request) -> Reply:
        user_id = request.params["id"]
        try:
            fields = _create_user_fields(request.json_object(), user_id)
        except BadRequest as error:
            return command_error(400, str(error))

        existing = self.users.get(user_id)
        if existing is not None:
            if existing.org_id != request.org_id:
                return command_error(400, "This user id is already in use.")
            body = command_body(existing.user_id, existing.version)
            return json_reply(200, {**body, "userId": user_id})
        try:
            event = self.users.create(request.org_id, user_id, **fields)
        except UserIdTaken:
            existing = self.users.get(user_id, request.org_id)
            if existing is None:
                return command_error(400, "This user id is already in use.")
            body = command_body(user_id, existing.version)
            return json_reply(200, {**body, "userId": user_id})
        except ContactTaken:
            return command_error(400, "This email belongs to another user.")
        body = command_body(user_id, 1, event.to_json())
        return json_reply(201, {**body, "userId": user_id})

    def add_license_plate(self, request: Request) -> Reply:
        try:
            body = request.json_object()
            plate = _plate(body)
            label = body.get("label", "")
            if not isinstance(label, str):
                raise BadRequest("label must be a string.")
        except BadRequest as error:
            return command_error(400, str(error))
        if self.users.get(request.params["id"], request.org_id) is None:
            return command_error(404, "User not found.")

        try:
            outcome = self.users.add_plate(request.params["id"], plate, label)
        except EmptyPlate:
            return command_error(400, "The plate is empty without spaces and dashes.")
        except UnknownUser:
            return command_error(404, "User not found.")
        if outcome.event is None and self.duplicate_add == "error":
            return command_error(400, "plate already exists")
        event = None if outcome.event is None else outcome.event.to_json()
        body = command_body(outcome.user_id, outcome.version, event)
        return json_reply(200, {**body, "plate": outcome.plate, "label": outcome.label})

    def remove_license_plate(self, request: Request) -> Reply:
        try:
            plate = _plate(request.json_object())
        except BadRequest as error:
            return command_error(400, str(error))
        if self.users.get(request.params["id"], request.org_id) is None:
            return command_error(404, "User not found.")

        try:
            outcome = self.users.remove_plate(request.params["id"], plate)
        except PlateNotFound:
            return command_error(400, "plate not found")
        except UnknownUser:
            return command_error(404, "User not found.")
        assert outcome.event is not None
        body = command_body(outcome.user_id, outcome.version, outcome.event.to_json())
        return json_reply(200, {**body, "plate": outcome.plate})

    def update_phone_number(self, request: Request) -> Reply:
        # TODO(#2): the spec lists no 400 for this operation, yet describes the
        # international form; like by-phone, a malformed number is refused with
        # 400, and so is a number another user of the organization has.
        try:
            phone = _phone_update(request.json_object())
        except BadRequest as error:
            return command_error(400, str(error))
        user_id = request.params["id"]
        if self.users.get(user_id, request.org_id) is None:
            return command_error(404, "User not found.")

        try:
            outcome = self.users.set_phone(user_id, phone)
        except UnknownUser:
            return command_error(404, "User not found.")
        except ContactTaken:
            return command_error(400, "This phone number belongs to another user.")
        # TODO(#2): an unchanged number answers event null with the version
        # unchanged, as a plate the user has does; whether the real service
        # emits an audit event anyway is not said.
        event = None if outcome.event is None else outcome.event.to_json()
        return json_reply(200, command_body(user_id, outcome.version, event))

    # -- queries: 404 as {success: false, errors: [...]}

    def profile(self, request: Request) -> Reply:
        user = self.users.get(request.params["id"], request.org_id)
        if user is None:
            return query_not_found("User not found")
        return json_reply(200, profile_body(user))

    def license_plates(self, request: Request) -> Reply:
        user = self.users.get(request.params["id"], request.org_id)
        if user is None:
            return query_not_found("User not found")
        plates = [
            {"plate": p.plate, "label": p.label, "addedAt": p.added_at}
            for p in self.users.plates(user.user_id)
        ]
        return json_reply(200, {"licensePlates": plates, "totalCount": len(plates)})

    def my_cameras(self, request: Request) -> Reply:
        # TODO(#2): the spec's 401 for this operation says "JWT authentication
        # required"; the real service may refuse an API key here. We accept both.
        cameras = [camera_body(c) for c in self.cameras.of_org(request.org_id)]
        return json_reply(200, {"cameras": cameras, "total": len(cameras)})

    def lpr_events(self, request: Request) -> Reply:
        camera = self.cameras.get(request.params["id"], request.org_id)
        if camera is None:
            return query_not_found("Camera not found")

        # A bad date filter is refused (silently dropping it would answer the
        # wrong period); a bad page number is clamped and echoed back instead,
        # except one too large to address any event, which is refused.
        # TODO(#2): the real service's answer to a malformed from/to is unknown.
        bounds: dict[str, int | None] = {}
        for name in ("from", "to"):
            raw = request.arg(name)
            bounds[name] = None if raw is None else parse_timestamp_ms(raw)
            if raw is not None and bounds[name] is None:
                return command_error(400, f"'{name}' is not an ISO-8601 timestamp.")
        page = max(1, _int(request.arg("page"), 1))
        if page > MAX_PAGE:
            return command_error(400, f"'page' must be at most {MAX_PAGE}.")
        size = min(
            MAX_PAGE_SIZE, max(1, _int(request.arg("pageSize"), DEFAULT_PAGE_SIZE))
        )

        result = self.cameras.events(
            camera.camera_id,
            since_ms=bounds["from"],
            until_ms=bounds["to"],
            offset=(page - 1) * size,
            limit=size,
        )
        return json_reply(
            200,
            {
                "cameraId": camera.camera_id,
                "events": [lpr_event_body(e) for e in result.events],
                "page": page,
                "pageSize": size,
                "total": result.total,
                "hasMore": page * size < result.total,
            },
        )


Handler = Callable[[Api, Request], Reply]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    handler: Handler
    pattern: re.Pattern[str]


def _route(method: str, template: str, handler: Handler) -> Route:
    regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", re.escape(template))
    return Route(method, template, handler, re.compile(regex))


ROUTES = (
    _route("GET", "/users/by-email", Api.user_by_email),
    _route("GET", "/users/by-phone", Api.user_by_phone),
    _route("POST", "/users/{id}/CreateUser", Api.create_user),
    _route("GET", "/users/{id}/profile", Api.profile),
    _route("GET", "/users/{id}/license-plates", Api.license_plates),
    _route("POST", "/users/{id}/AddLicensePlate", Api.add_license_plate),
    _route("POST", "/users/{id}/RemoveLicensePlate", Api.remove_license_plate),
    _route("POST", "/users/{id}/UpdatePhoneNumber", Api.update_phone_number),
    _route("GET", "/cameras/my", Api.my_cameras),
    _route("GET", "/cameras/{id}/lpr-events", Api.lpr_events),
)


def match(path: str) -> list[tuple[Route, dict[str, str]]]:
    """The routes whose template fits ``path`` (any method), literal ones first."""
    found = []
    for route in ROUTES:
        matched = route.pattern.fullmatch(path)
        if matched is not None:
            params = {
                name: unquote(value) for name, value in matched.groupdict().items()
            }
            found.append((route, params))
    return sorted(found, key=lambda pair: len(pair[1]))


# -- request parsing


def _email(raw: str | None, *, required: bool) -> str | None:
    if raw is None or (not raw and not required):
        if required:
            raise BadRequest("email is required.")
        return None
    email = normalize_email(raw)
    if email is None:
        raise BadRequest("email is not a valid e-mail address.")
    return email


def _search_only(request: Request) -> bool:
    raw = request.arg("searchOnly")
    if raw not in (None, "true", "false"):
        raise BadRequest("searchOnly must be 'true' or 'false'.")
    return raw == "true"


def _plate(body: dict[str, Any]) -> str:
    plate = body.get("plate")
    if not isinstance(plate, str) or not plate:
        raise BadRequest("plate is required and must be a non-empty string.")
    return plate


def _phone_update(body: dict[str, Any]) -> str | None:
    """The number to set (``+<digits>``), or None to remove it."""
    if "phoneNumber" not in body:
        raise BadRequest("phoneNumber is required (null removes the number).")
    raw = body["phoneNumber"]
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise BadRequest("phoneNumber must be a string or null.")
    phone = normalize_phone(raw)
    if phone is None:
        raise BadRequest("phoneNumber must be an international number (+48… or 0048…).")
    return phone


def _create_user_fields(body: dict[str, Any], path_id: str) -> dict[str, Any]:
    if body.get("userId") != path_id:
        raise BadRequest("userId is required and must equal the id in the path.")
    for name in ("email", "firstName", "lastName", "phoneNumber"):
        if name in body and not isinstance(body[name], str):
            raise BadRequest(f"{name} must be a string.")
    email = _email(body.get("email"), required=False)
    # The phone number is validated but not stored (UpdatePhoneNumber sets it).
    phone = body.get("phoneNumber")
    if phone and normalize_phone(phone) is None:
        raise BadRequest("phoneNumber must be an international number.")
    return {
        "email": email,
        "first_name": body.get("firstName") or None,
        "last_name": body.get("lastName") or None,
    }


def _holds_lone_surrogate(payload: object) -> bool:
    """Whether a string anywhere in ``payload`` (keys too) holds half of a
    UTF-16 pair: JSON can escape one, and SQLite cannot store it."""
    pending = [payload]
    while pending:
        value = pending.pop()
        if isinstance(value, str):
            if _LONE_SURROGATE.search(value):
                return True
        elif isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
    return False


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _int(raw: str | None, default: int) -> int:
    try:
        return int(raw) if raw is not None else default
    except ValueError:
        return default
