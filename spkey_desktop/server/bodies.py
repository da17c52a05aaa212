"""The JSON bodies of successful answers, field names as in the spec."""

from __future__ import annotations

from typing import Any

from spkey_desktop.server.cameras import Camera, LprEvent
from spkey_desktop.server.rules import format_timestamp_ms
from spkey_desktop.server.users import UserRecord


def lookup_body(user: UserRecord, *, with_phone: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"uuid": user.user_id, "email": user.email}
    if with_phone:
        body["phoneNumber"] = user.phone
    body["created_at"] = format_timestamp_ms(user.created_at)
    return body


def command_body(
    user_id: str, version: int, event: dict[str, Any] | None = None
) -> dict[str, Any]:
    return {
        "success": True,
        "aggregateId": user_id,
        "version": version,
        "event": event,
    }


def camera_body(camera: Camera) -> dict[str, Any]:
    return {
        "cameraId": camera.camera_id,
        "threeDeyeCameraId": camera.three_deye_id,
        "name": camera.name,
        "type": camera.type,
        "status": camera.status,
        "httpUrl": camera.http_url,
        "rtspUrl": camera.rtsp_url,
        "orgId": camera.org_id,
        "permissions": list(camera.permissions),
    }


def lpr_event_body(event: LprEvent) -> dict[str, Any]:
    return {
        "id": event.event_id,
        "cameraId": event.camera_id,
        "lockId": event.lock_id,
        "plate": event.plate,
        "confidence": event.confidence,
        "matched": event.matched,
        "matchedUserId": event.matched_user_id,
        "actionTaken": event.action_taken,
        "timestamp": format_timestamp_ms(event.timestamp_ms),
    }


def profile_body(user: UserRecord) -> dict[str, Any]:
    """userId and status always; the other fields only when known (never null)."""
    optional = {
        "email": user.email,
        "firstName": user.first_name,
        "lastName": user.last_name,
        "phoneNumber": user.phone,
    }
    body = {"userId": user.user_id, "status": user.status}
    body.update({key: value for key, value in optional.items() if value})
    return body
