"""Records parse tolerantly: unknown fields ignored, optional ones defaulted,
and a missing essential field is an error, not a silent blank."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from spkey_desktop.api import (
    Camera,
    CreateUserResult,
    LicensePlate,
    LprEventPage,
    PhoneNumberResult,
    PlateCommandResult,
    PlateList,
    Profile,
    UserRef,
)
from spkey_desktop.api.models import ResponseShapeError, cameras_from_json

USER_ID = "550e8400-e29b-41d4-a716-446655440000"


def test_user_ref_from_the_spec_example_plus_unknown_fields() -> None:
    user = UserRef.from_json(
        {
            "uuid": USER_ID,
            "email": "user@example.com",
            "created_at": "2024-01-15T10:30:00.000Z",
            "somethingNew": {"nested": True},
        }
    )
    assert user == UserRef(
        uuid=USER_ID,
        email="user@example.com",
        phone_number=None,
        created_at=datetime(2024, 1, 15, 10, 30, tzinfo=UTC),
    )


def test_user_ref_by_phone_with_null_email_and_odd_date() -> None:
    user = UserRef.from_json(
        {
            "uuid": USER_ID,
            "email": None,
            "phoneNumber": "+48123456789",
            "created_at": "x",
        }
    )
    assert user.email is None
    assert user.phone_number == "+48123456789"
    assert user.created_at is None


def test_naive_and_offset_times_become_utc() -> None:
    naive = UserRef.from_json({"uuid": "u", "created_at": "2024-01-15 10:30:00"})
    offset = UserRef.from_json({"uuid": "u", "created_at": "2024-01-15T12:30:00+02:00"})
    assert (
        naive.created_at
        == offset.created_at
        == datetime(2024, 1, 15, 10, 30, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    ("first", "last", "email", "phone", "expected"),
    [
        ("Anna", "Nowak", "a@x.pl", "+48", "Anna Nowak"),
        ("  Anna ", "", "a@x.pl", "", "Anna"),
        ("", "Nowak", "", "", "Nowak"),
        ("", "", "a@x.pl", "+48", "a@x.pl"),
        ("", " ", "", "+48123", "+48123"),
        ("", "", "", "", USER_ID),
    ],
)
def test_profile_display_name(
    first: str, last: str, email: str, phone: str, expected: str
) -> None:
    profile = Profile.from_json(
        {
            "userId": USER_ID,
            "firstName": first,
            "lastName": last,
            "email": email,
            "phoneNumber": phone,
        }
    )
    assert profile.display_name == expected


def test_profile_with_only_the_required_field() -> None:
    profile = Profile.from_json({"userId": USER_ID, "status": None, "extra": 1})
    assert profile == Profile(USER_ID, "", "", "", "", "")


def test_plate_list_with_epoch_milliseconds() -> None:
    plates = PlateList.from_json(
        {
            "licensePlates": [
                {"plate": "KR12345", "label": "Car", "addedAt": 1700000000123, "x": 1},
                {"plate": "WA1"},
            ],
            "totalCount": 2,
        }
    )
    assert plates.total_count == 2
    assert plates.plates[0] == LicensePlate(
        "KR12345", "Car", datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC)
    )
    assert plates.plates[1] == LicensePlate("WA1", "", None)


def test_plate_list_total_defaults_to_the_count() -> None:
    assert PlateList.from_json({"licensePlates": []}).total_count == 0
    listed = PlateList.from_json({"licensePlates": [{"plate": "A"}], "totalCount": "2"})
    assert listed.total_count == 1


@pytest.mark.parametrize(
    "data",
    [
        [],
        "plates",
        {"totalCount": 0},
        {"licensePlates": {"plate": "A"}},
        {"licensePlates": [{"label": "no plate"}]},
        {"licensePlates": [{"plate": ""}]},
        {"licensePlates": ["KR1"]},
    ],
)
def test_broken_plate_lists_are_errors(data: Any) -> None:
    with pytest.raises(ResponseShapeError):
        PlateList.from_json(data)


def test_plate_command_result_added() -> None:
    result = PlateCommandResult.from_json(
        {
            "success": True,
            "aggregateId": USER_ID,
            "version": 7,
            "event": {
                "type": "LicensePlateAdded",
                "data": {"userId": USER_ID, "plate": "KR1", "label": "", "addedAt": 1},
            },
            "plate": "KR1",
            "label": "",
        }
    )
    assert result == PlateCommandResult(
        True, USER_ID, 7, "LicensePlateAdded", "KR1", ""
    )
    assert result.changed


def test_plate_command_result_no_op_and_float_version() -> None:
    result = PlateCommandResult.from_json(
        {"success": True, "aggregateId": USER_ID, "version": 7.0, "event": None}
    )
    assert result.version == 7
    assert result.event_type is None
    assert not result.changed
    assert result.plate == ""


@pytest.mark.parametrize(
    "data",
    [
        {"aggregateId": USER_ID, "event": None},
        {"aggregateId": USER_ID, "version": True, "event": None},
        {"aggregateId": USER_ID, "version": 1.5, "event": None},
        {"aggregateId": USER_ID, "version": "3", "event": None},
        {"version": 3, "event": None},
        {"aggregateId": USER_ID, "version": 3, "event": "LicensePlateAdded"},
    ],
)
def test_plate_command_results_missing_essentials(data: dict[str, Any]) -> None:
    with pytest.raises(ResponseShapeError):
        PlateCommandResult.from_json(data)


def test_create_user_result_created_and_existing() -> None:
    created = CreateUserResult.from_json(
        {
            "success": True,
            "aggregateId": USER_ID,
            "version": 1,
            "userId": USER_ID,
            "event": {"type": "UserCreated", "data": {"userId": USER_ID}},
        }
    )
    assert created.created
    assert created.user_id == USER_ID
    # The spec's 200 example has no userId.
    existing = CreateUserResult.from_json(
        {"success": True, "aggregateId": USER_ID, "version": 4, "event": None}
    )
    assert not existing.created
    assert existing.user_id == USER_ID


def test_phone_number_result_set_and_unchanged() -> None:
    updated = PhoneNumberResult.from_json(
        {
            "success": True,
            "aggregateId": USER_ID,
            "version": 2,
            "event": {
                "type": "UserPhoneNumberUpdated",
                "data": {
                    "userId": USER_ID,
                    "action": "set",
                    "maskedPhoneNumber": "***4567",
                    "timestamp": "2024-01-15T10:30:00.000Z",
                },
            },
        }
    )
    assert updated == PhoneNumberResult(
        success=True,
        aggregate_id=USER_ID,
        version=2,
        event_type="UserPhoneNumberUpdated",
    )
    assert updated.changed
    unchanged = PhoneNumberResult.from_json(
        {"success": True, "aggregateId": USER_ID, "version": 2, "event": None}
    )
    assert not unchanged.changed
    for broken in ({"version": 2, "event": None}, {"aggregateId": USER_ID}):
        with pytest.raises(ResponseShapeError):
            PhoneNumberResult.from_json(broken)


def test_cameras_hide_their_urls_from_repr() -> None:
    cameras = cameras_from_json(
        {
            "cameras": [
                {
                    "cameraId": "cam-1",
                    "threeDeyeCameraId": "3d-1",
                    "name": "Gate",
                    "type": "onvif",
                    "status": "online",
                    "httpUrl": "http://admin:pw@10.0.0.2/",
                    "rtspUrl": "rtsp://admin:pw@10.0.0.2/live",
                    "orgId": "org-1",
                    "permissions": ["view", 3, "lpr"],
                    "new": "ignored",
                }
            ],
            "total": 1,
        }
    )
    assert len(cameras) == 1
    camera = cameras[0]
    assert isinstance(camera, Camera)
    assert camera.permissions == ("view", "lpr")
    assert camera.rtsp_url == "rtsp://admin:pw@10.0.0.2/live"
    assert "pw" not in repr(camera)


def test_lpr_event_page_falls_back_to_what_was_asked() -> None:
    page = LprEventPage.from_json(
        {
            "events": [
                {
                    "id": "e1",
                    "cameraId": "cam-1",
                    "lockId": None,
                    "plate": "KR1",
                    "confidence": 0.93,
                    "matched": True,
                    "matchedUserId": USER_ID,
                    "actionTaken": "open",
                    "timestamp": "2026-01-02T03:04:05Z",
                }
            ]
        },
        page=3,
        page_size=50,
    )
    assert (page.page, page.page_size, page.total, page.has_more) == (3, 50, 1, False)
    event = page.events[0]
    assert event.timestamp == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert event.confidence == 0.93
    assert event.lock_id is None
    assert event.matched_user_id == USER_ID


def test_lpr_event_with_odd_values() -> None:
    page = LprEventPage.from_json(
        {"events": [{"id": "e", "confidence": True, "matched": "yes"}], "hasMore": 1},
        page=1,
        page_size=10,
    )
    event = page.events[0]
    assert event.confidence is None
    assert event.matched is False
    assert page.has_more is False
