"""CreateUser, profile, and the plate commands: versions, events, normalization."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import httpx
import pytest

from spkey_desktop.server import LocalServer, Organization
from tests.helpers.server_fixtures import StartServer


@pytest.fixture
def user_id(local_server: LocalServer, local_org: Organization) -> str:
    return local_server.create_user(
        local_org.org_id, email="ewa@example.com", first_name="Ewa", last_name="Żak"
    )


def add(api: httpx.Client, user_id: str, plate: str, **extra: Any) -> httpx.Response:
    return api.post(f"/users/{user_id}/AddLicensePlate", json={"plate": plate, **extra})


def remove(api: httpx.Client, user_id: str, plate: str) -> httpx.Response:
    return api.post(f"/users/{user_id}/RemoveLicensePlate", json={"plate": plate})


# -- CreateUser and profile


def test_create_user_answers_201_then_200_with_event_null(api: httpx.Client) -> None:
    user_id = str(uuid.uuid4())
    body = {"userId": user_id, "email": "Ada@Example.com", "firstName": "Ada"}

    created = api.post(f"/users/{user_id}/CreateUser", json=body)
    again = api.post(f"/users/{user_id}/CreateUser", json=body)

    assert created.status_code == 201
    assert created.json()["version"] == 1
    assert created.json()["aggregateId"] == created.json()["userId"] == user_id
    event = created.json()["event"]
    assert event["type"] == "UserCreated"
    assert event["data"]["userId"] == user_id
    assert event["data"]["status"] == "ACTIVE"
    assert again.status_code == 200
    assert again.json()["event"] is None
    assert again.json()["version"] == 1


def test_create_user_validates_its_body(api: httpx.Client) -> None:
    user_id = str(uuid.uuid4())
    bodies: list[Any] = [
        None,
        [],
        {},
        {"userId": "someone-else"},
        {"userId": user_id, "email": "nope"},
        {"userId": user_id, "phoneNumber": "600100200"},
        {"userId": user_id, "firstName": 7},
    ]
    for body in bodies:
        reply = api.post(f"/users/{user_id}/CreateUser", json=body)
        assert reply.status_code == 400, body
        assert set(reply.json()) == {"error", "message"}
    garbage = api.post(f"/users/{user_id}/CreateUser", content=b"{not json")
    assert garbage.status_code == 400


def test_phone_given_to_create_user_is_validated_not_stored(api: httpx.Client) -> None:
    user_id = str(uuid.uuid4())
    body = {"userId": user_id, "phoneNumber": "+48 600 100 200"}

    assert api.post(f"/users/{user_id}/CreateUser", json=body).status_code == 201
    assert "phoneNumber" not in api.get(f"/users/{user_id}/profile").json()


def test_profile_has_what_is_known(api: httpx.Client, user_id: str) -> None:
    profile = api.get(f"/users/{user_id}/profile")
    assert profile.json() == {
        "userId": user_id,
        "email": "ewa@example.com",
        "firstName": "Ewa",
        "lastName": "Żak",
        "status": "ACTIVE",
    }


def test_queries_on_an_unknown_user_answer_success_false(api: httpx.Client) -> None:
    for path in ["profile", "license-plates"]:
        reply = api.get(f"/users/{uuid.uuid4()}/{path}")
        assert reply.status_code == 404
        body = reply.json()
        assert body["success"] is False
        assert body["errors"][0]["code"] == 404


def test_commands_on_an_unknown_user_answer_error_message(api: httpx.Client) -> None:
    nobody = str(uuid.uuid4())
    for reply in [add(api, nobody, "WA12345"), remove(api, nobody, "WA12345")]:
        assert reply.status_code == 404
        assert set(reply.json()) == {"error", "message"}


# -- plates


def test_add_answers_the_new_version_and_event(
    api: httpx.Client, user_id: str, local_server: LocalServer
) -> None:
    before = time.time() * 1000
    reply = add(api, user_id, "wa 123-45", label="Company car")

    assert reply.status_code == 200
    body = reply.json()
    assert body["success"] is True
    assert body["aggregateId"] == user_id
    assert body["version"] == 2
    assert body["plate"] == "WA12345"
    assert body["label"] == "Company car"
    assert body["event"]["type"] == "LicensePlateAdded"
    data = body["event"]["data"]
    assert data["userId"] == user_id
    assert data["plate"] == "WA12345"
    assert before <= data["addedAt"] <= time.time() * 1000
    assert local_server.plates_of(user_id) == ["WA12345"]
    assert local_server.user_version(user_id) == 2


def test_plates_are_listed_with_label_and_epoch_ms(
    api: httpx.Client, user_id: str
) -> None:
    add(api, user_id, "KR 4F721", label="Visitor")
    add(api, user_id, "GD 1234A")

    listing = api.get(f"/users/{user_id}/license-plates").json()

    assert listing["totalCount"] == 2
    assert [p["plate"] for p in listing["licensePlates"]] == ["KR4F721", "GD1234A"]
    assert listing["licensePlates"][1]["label"] == ""
    assert all(isinstance(p["addedAt"], int) for p in listing["licensePlates"])
    assert listing["licensePlates"][0]["addedAt"] > 1_600_000_000_000


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("AB–12", "AB–12"),
        ("b.mw 1", "B.MW1"),
        ("tü-ab 12", "TÜAB12"),
        ("ａｂ1", "ＡＢ1"),
    ],
)
def test_only_spaces_and_hyphens_are_removed(
    api: httpx.Client, user_id: str, typed: str, stored: str
) -> None:
    assert add(api, user_id, typed).json()["plate"] == stored
    plates = api.get(f"/users/{user_id}/license-plates").json()["licensePlates"]
    assert [p["plate"] for p in plates] == [stored]


def test_en_dash_plate_is_not_the_hyphen_plate(api: httpx.Client, user_id: str) -> None:
    add(api, user_id, "AB–12")
    second = add(api, user_id, "AB-12")

    assert second.json()["event"] is not None
    assert api.get(f"/users/{user_id}/license-plates").json()["totalCount"] == 2


def test_duplicate_add_is_a_noop_with_event_null(
    api: httpx.Client, user_id: str
) -> None:
    add(api, user_id, "WA 12345", label="Private")
    again = add(api, user_id, "wa-12345", label="Other")

    assert again.status_code == 200
    body = again.json()
    assert body["event"] is None
    assert body["version"] == 2
    assert body["plate"] == "WA12345"
    assert body["label"] == "Private"


def test_duplicate_add_can_answer_400_instead(start_server: StartServer) -> None:
    server = start_server(duplicate_add="error")
    org = server.organizations[0]
    user_id = server.create_user(org.org_id, email="d@example.com")
    with httpx.Client(
        base_url=server.base_url, headers={"X-API-Key": org.api_key}
    ) as client:
        add(client, user_id, "WA12345")
        again = add(client, user_id, "WA 12345")

    assert again.status_code == 400
    assert again.json() == {"error": "Bad Request", "message": "plate already exists"}
    assert server.user_version(user_id) == 2


def test_add_validates_its_body(api: httpx.Client, user_id: str) -> None:
    for body in [
        {},
        {"plate": ""},
        {"plate": 12},
        {"plate": "- -"},
        {"plate": "WA1", "label": 3},
        [],
    ]:
        reply = api.post(f"/users/{user_id}/AddLicensePlate", json=body)
        assert reply.status_code == 400, body
        assert set(reply.json()) == {"error", "message"}


LONE_SURROGATE_BODIES = {
    "in the plate": b'{"plate": "AB\\ud800"}',
    "in the label": b'{"plate": "AB1", "label": "x\\udfff"}',
    "in a key": b'{"plate": "AB1", "\\udc00": 1}',
    "deep inside": b'{"plate": "AB1", "x": [[{"y": ["\\ud800"]}]]}',
}
DEEP = b"[" * 100_000 + b"]" * 100_000


@pytest.mark.parametrize(
    "body",
    [*LONE_SURROGATE_BODIES.values(), DEEP, b'{"plate": ' + DEEP + b"}"],
    ids=[*LONE_SURROGATE_BODIES, "nested 100000 deep", "plate nested 100000 deep"],
)
@pytest.mark.parametrize("command", ["AddLicensePlate", "RemoveLicensePlate"])
def test_bodies_no_plate_can_come_from_are_400_not_500(
    api: httpx.Client,
    local_server: LocalServer,
    user_id: str,
    command: str,
    body: bytes,
) -> None:
    # A lone surrogate is no character: SQLite cannot store it. Too deep a
    # nesting stops Python's JSON parser with RecursionError.
    reply = api.post(f"/users/{user_id}/{command}", content=body)

    assert reply.status_code == 400
    assert set(reply.json()) == {"error", "message"}
    assert local_server.user_version(user_id) == 1


def test_create_user_refuses_a_lone_surrogate(
    api: httpx.Client, local_server: LocalServer
) -> None:
    new_id = str(uuid.uuid4())
    for field in ("firstName", "lastName", "email"):
        body = f'{{"userId": "{new_id}", "{field}": "a\\ud800@example.com"}}'
        reply = api.post(f"/users/{new_id}/CreateUser", content=body.encode())
        assert reply.status_code == 400, field
        assert set(reply.json()) == {"error", "message"}
    assert local_server.users.get(new_id) is None


def test_remove_answers_the_new_version_and_event(
    api: httpx.Client, user_id: str, local_server: LocalServer
) -> None:
    add(api, user_id, "WA12345")
    add(api, user_id, "KR11111")

    reply = remove(api, user_id, "wa 123 45")

    assert reply.status_code == 200
    body = reply.json()
    assert body["version"] == 4
    assert body["plate"] == "WA12345"
    assert body["event"] == {
        "type": "LicensePlateRemoved",
        "data": {"userId": user_id, "plate": "WA12345"},
    }
    assert local_server.plates_of(user_id) == ["KR11111"]


def test_removing_a_plate_the_user_lacks_is_400(
    api: httpx.Client, user_id: str, local_server: LocalServer
) -> None:
    add(api, user_id, "AB–12")

    reply = remove(api, user_id, "AB-12")

    assert reply.status_code == 400
    assert reply.json()["message"] == "plate not found"
    assert local_server.user_version(user_id) == 2


def test_events_replay_to_the_read_model(
    api: httpx.Client, user_id: str, local_server: LocalServer
) -> None:
    for plate in ["WA1", "WA2", "WA3"]:
        add(api, user_id, plate)
    remove(api, user_id, "WA2")

    events = local_server.events_of(user_id)
    state = local_server.replay(user_id)

    assert [e.type for e in events] == [
        "UserCreated",
        "LicensePlateAdded",
        "LicensePlateAdded",
        "LicensePlateAdded",
        "LicensePlateRemoved",
    ]
    assert state is not None
    assert state.version == len(events) == local_server.user_version(user_id)
    assert sorted(state.plates) == sorted(local_server.plates_of(user_id))


def test_concurrent_adds_get_distinct_consecutive_versions(
    api: httpx.Client, local_server: LocalServer, user_id: str
) -> None:
    versions: list[int] = []
    lock = threading.Lock()

    def worker(n: int) -> None:
        version = add(api, user_id, f"PO {n:05d}").json()["version"]
        with lock:
            versions.append(version)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(versions) == list(range(2, 18))
    assert local_server.user_version(user_id) == 17
