"""The user aggregate: its events and how they fold into a user's state.

Every change to a user is an event with the next version number (UserCreated is
version 1). The read tables in the store are a projection of these events;
``replay`` rebuilds the same state from the events alone, so the two can be
compared.

The one exception is a phone number set by UpdatePhoneNumber: the number is
personal data, which the service keeps in its read model (D1) only; the event
log gets a masked form ("***4567"). So the state replayed from the events
knows a changed number only by that masked form (``masked_phone``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from spkey_desktop.server.rules import format_timestamp_ms

USER_CREATED = "UserCreated"
PLATE_ADDED = "LicensePlateAdded"
PLATE_REMOVED = "LicensePlateRemoved"
PHONE_UPDATED = "UserPhoneNumberUpdated"

STATUSES = ("ACTIVE", "INACTIVE", "SUSPENDED")


@dataclass(frozen=True)
class Event:
    """One change to one user, as stored and as answered to commands."""

    type: str
    data: dict[str, Any]
    timestamp_ms: int

    def to_json(self) -> dict[str, Any]:
        return {"type": self.type, "data": dict(self.data)}


@dataclass
class PlateState:
    label: str
    added_at: int


@dataclass
class UserState:
    user_id: str
    org_id: str
    status: str
    created_at: int
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    version: int = 0
    plates: dict[str, PlateState] = field(default_factory=dict)
    # The masked form of the current number ("***4567"), None without one.
    masked_phone: str | None = None


def user_created(
    *,
    user_id: str,
    org_id: str,
    timestamp_ms: int,
    status: str = "ACTIVE",
    email: str | None = None,
    phone: str | None = None,
    first_name: str | None = None,
    last_name: str | None = None,
) -> Event:
    data: dict[str, Any] = {"userId": user_id, "status": status, "orgId": org_id}
    optional = {
        "email": email,
        "phoneNumber": phone,
        "firstName": first_name,
        "lastName": last_name,
    }
    data.update({key: value for key, value in optional.items() if value is not None})
    return Event(USER_CREATED, data, timestamp_ms)


def plate_added(user_id: str, plate: str, label: str, added_at: int) -> Event:
    data = {"userId": user_id, "plate": plate, "label": label, "addedAt": added_at}
    return Event(PLATE_ADDED, data, added_at)


def plate_removed(user_id: str, plate: str, timestamp_ms: int) -> Event:
    return Event(PLATE_REMOVED, {"userId": user_id, "plate": plate}, timestamp_ms)


def mask_phone(phone: str) -> str:
    """The number as the event log may hold it: its last four digits."""
    digits = "".join(c for c in phone if c.isdigit())
    return "***" + digits[-4:]


def phone_updated(user_id: str, phone: str | None, timestamp_ms: int) -> Event:
    """The audit event of UpdatePhoneNumber: never the number itself."""
    data: dict[str, Any] = {"userId": user_id}
    if phone is None:
        data["action"] = "removed"
    else:
        data["action"] = "set"
        data["maskedPhoneNumber"] = mask_phone(phone)
    data["timestamp"] = format_timestamp_ms(timestamp_ms)
    return Event(PHONE_UPDATED, data, timestamp_ms)


def apply(state: UserState | None, event: Event) -> UserState:
    """The user's state after ``event``; raises ValueError on an impossible one."""
    data = event.data
    if event.type == USER_CREATED:
        if state is not None:
            raise ValueError("UserCreated on an existing user")
        return UserState(
            user_id=data["userId"],
            org_id=data["orgId"],
            status=data["status"],
            created_at=event.timestamp_ms,
            email=data.get("email"),
            phone=data.get("phoneNumber"),
            first_name=data.get("firstName"),
            last_name=data.get("lastName"),
            version=1,
            masked_phone=(
                mask_phone(data["phoneNumber"]) if data.get("phoneNumber") else None
            ),
        )
    if state is None:
        raise ValueError(f"{event.type} before UserCreated")
    if event.type == PLATE_ADDED:
        state.plates[data["plate"]] = PlateState(data["label"], data["addedAt"])
    elif event.type == PLATE_REMOVED:
        del state.plates[data["plate"]]
    elif event.type == PHONE_UPDATED:
        # The raw number is not in the log (see the module text).
        state.phone = None
        state.masked_phone = (
            data["maskedPhoneNumber"] if data["action"] == "set" else None
        )
    else:
        raise ValueError(f"unknown event type {event.type!r}")
    state.version += 1
    return state


def replay(events: Iterable[Event]) -> UserState | None:
    state: UserState | None = None
    for event in events:
        state = apply(state, event)
    return state
