"""GET /cameras/my and /cameras/{id}/lpr-events: paging and date filters."""

from __future__ import annotations

import httpx
import pytest

from spkey_desktop.server import LocalServer, Organization
from spkey_desktop.server.cameras import Camera, LprEvent
from spkey_desktop.server.rules import format_timestamp_ms, parse_timestamp_ms

START_MS = 1_717_200_000_000  # 2024-06-01T00:00:00Z
EVENTS = 250


@pytest.fixture
def camera(local_server: LocalServer, local_org: Organization) -> Camera:
    """A camera with one event a minute, oldest at START_MS."""
    camera = Camera(
        camera_id="cam-gate",
        org_id=local_org.org_id,
        three_deye_id="100200",
        name="Gate",
        type="onvif",
        status="ONLINE",
        http_url="http://192.0.2.1/",
        rtsp_url="rtsp://192.0.2.1/live",
        lock_id="lock-1",
    )
    local_server.cameras.add(camera)
    local_server.cameras.add_events(
        LprEvent(
            event_id=f"ev-{n:04d}",
            camera_id=camera.camera_id,
            lock_id=camera.lock_id,
            plate=f"WA{n:05d}",
            confidence=0.9,
            matched=n % 2 == 0,
            matched_user_id="user-1" if n % 2 == 0 else None,
            action_taken="GATE_OPENED" if n % 2 == 0 else "NO_MATCH",
            timestamp_ms=START_MS + n * 60_000,
        )
        for n in range(EVENTS)
    )
    return camera


def events_page(api: httpx.Client, **params: str | int) -> dict[str, object]:
    reply = api.get("/cameras/cam-gate/lpr-events", params=params)
    assert reply.status_code == 200
    body: dict[str, object] = reply.json()
    return body


def plates(page: dict[str, object]) -> list[str]:
    events = page["events"]
    assert isinstance(events, list)
    return [event["plate"] for event in events]


def test_my_cameras_lists_the_organizations_cameras(
    api: httpx.Client, camera: Camera, local_org: Organization
) -> None:
    body = api.get("/cameras/my").json()

    assert body["total"] == 1
    assert body["cameras"][0] == {
        "cameraId": "cam-gate",
        "threeDeyeCameraId": "100200",
        "name": "Gate",
        "type": "onvif",
        "status": "ONLINE",
        "httpUrl": "http://192.0.2.1/",
        "rtspUrl": "rtsp://192.0.2.1/live",
        "orgId": local_org.org_id,
        "permissions": ["view", "lpr_events"],
    }


def test_events_come_newest_first_in_1_based_pages(
    api: httpx.Client, camera: Camera
) -> None:
    first = events_page(api, pageSize=100)
    third = events_page(api, page=3, pageSize=100)
    beyond = events_page(api, page=4, pageSize=100)

    assert first["page"] == 1
    assert first["total"] == EVENTS
    assert first["hasMore"] is True
    assert plates(first)[:2] == ["WA00249", "WA00248"]
    assert third["hasMore"] is False
    assert plates(third)[-1] == "WA00000"
    assert len(plates(third)) == 50
    assert plates(beyond) == []
    assert beyond["hasMore"] is False


def test_event_fields(api: httpx.Client, camera: Camera) -> None:
    event = events_page(api, pageSize=1)["events"]
    assert isinstance(event, list)
    assert event[0] == {
        "id": "ev-0249",
        "cameraId": "cam-gate",
        "lockId": "lock-1",
        "plate": "WA00249",
        "confidence": 0.9,
        "matched": False,
        "matchedUserId": None,
        "actionTaken": "NO_MATCH",
        "timestamp": format_timestamp_ms(START_MS + 249 * 60_000),
    }


def test_page_size_is_capped_at_100_and_bad_paging_falls_back(
    api: httpx.Client, camera: Camera
) -> None:
    capped = events_page(api, pageSize=500)
    default = events_page(api)
    nonsense = events_page(api, page="zero", pageSize="-3")

    assert capped["pageSize"] == 100
    assert len(plates(capped)) == 100
    assert default["pageSize"] == 50
    assert nonsense["page"] == 1
    assert nonsense["pageSize"] == 1


@pytest.mark.parametrize(
    "page", ["99999999999999999999", "9223372036854775807", "1000000001"]
)
def test_a_page_beyond_any_listing_is_400_not_500(
    api: httpx.Client, camera: Camera, page: str
) -> None:
    reply = api.get("/cameras/cam-gate/lpr-events", params={"page": page})

    assert reply.status_code == 400
    assert set(reply.json()) == {"error", "message"}
    assert "page" in reply.json()["message"]


def test_the_last_page_number_allowed_answers_an_empty_page(
    api: httpx.Client, camera: Camera
) -> None:
    page = events_page(api, page=1_000_000_000, pageSize=100)
    assert page["events"] == []
    assert page["hasMore"] is False


def test_from_and_to_are_inclusive(api: httpx.Client, camera: Camera) -> None:
    page = events_page(
        api,
        **{
            "from": format_timestamp_ms(START_MS + 10 * 60_000),
            "to": "2024-06-01T02:20:00+02:00",  # = START_MS + 20 minutes
        },
    )

    assert page["total"] == 11
    assert plates(page)[0] == "WA00020"
    assert plates(page)[-1] == "WA00010"


def test_a_date_only_from_means_midnight_utc(api: httpx.Client, camera: Camera) -> None:
    after = events_page(api, **{"from": "2024-06-02"})
    assert after["total"] == 0
    assert parse_timestamp_ms("2024-06-01") == START_MS


def test_malformed_dates_are_refused(api: httpx.Client, camera: Camera) -> None:
    for params in [{"from": "last week"}, {"to": "2024-13-01"}]:
        reply = api.get("/cameras/cam-gate/lpr-events", params=params)
        assert reply.status_code == 400
        assert set(reply.json()) == {"error", "message"}


def test_unknown_camera_is_404_success_false(api: httpx.Client) -> None:
    reply = api.get("/cameras/nope/lpr-events")
    assert reply.status_code == 404
    assert reply.json() == {
        "success": False,
        "errors": [{"code": 404, "message": "Camera not found"}],
    }
