"""UpdatePhoneNumber: the number is stored (by-phone finds the user), the event
log gets only a masked form, and a number set again changes nothing."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx
import pytest

from spkey_desktop.server import LocalServer, Organization, new_organization
from tests.helpers.server_fixtures import StartServer


@pytest.fixture
def user_id(api: httpx.Client) -> str:
    """A user made by CreateUser with a phone number, which CreateUser does
    not store."""
    user_id = str(uuid.uuid4())
    body = {"userId": user_id, "firstName": "Ola", "phoneNumber": "+48600100200"}
    assert api.post(f"/users/{user_id}/CreateUser", json=body).status_code == 201
    return user_id


def update(api: httpx.Client, user_id: str, phone: Any) -> httpx.Response:
    return api.post(f"/users/{user_id}/UpdatePhoneNumber", json={"phoneNumber": phone})


def search(api: httpx.Client, phone: str) -> httpx.Response:
    params = {"phoneNumber": phone, "searchOnly": "true"}
    return api.get("/users/by-phone", params=params)


def test_the_number_set_is_what_by_phone_finds(
    api: httpx.Client, user_id: str, local_server: LocalServer
) -> None:
    assert search(api, "+48600100200").status_code == 404  # CreateUser's is not kept

    reply = update(api, user_id, "0048 600 100 200")

    assert reply.status_code == 200
    body = reply.json()
    assert body["success"] is True
    assert body["aggregateId"] == user_id
    assert body["version"] == 2
    assert body["event"]["type"] == "UserPhoneNumberUpdated"
    data = body["event"]["data"]
    assert data["userId"] == user_id
    assert data["action"] == "set"
    assert data["maskedPhoneNumber"] == "***0200"
    assert data["timestamp"].endswith("Z")
    found = search(api, "+48 600 100 200")
    assert found.status_code == 200
    assert found.json()["uuid"] == user_id
    assert found.json()["phoneNumber"] == "+48600100200"
    assert api.get(f"/users/{user_id}/profile").json()["phoneNumber"] == (
        "+48600100200"
    )
    assert local_server.user_version(user_id) == 2


def test_the_same_number_again_changes_nothing(
    api: httpx.Client, user_id: str, local_server: LocalServer
) -> None:
    first = update(api, user_id, "+48600100200")

    again = update(api, user_id, "0048600100200")

    assert first.json()["version"] == 2
    assert again.status_code == 200
    assert again.json()["event"] is None
    assert again.json()["version"] == 2
    assert len(local_server.events_of(user_id)) == 2
    assert search(api, "+48600100200").json()["uuid"] == user_id


def test_a_new_number_replaces_the_old_and_null_removes_it(
    api: httpx.Client, user_id: str, local_server: LocalServer
) -> None:
    update(api, user_id, "+48600100200")

    changed = update(api, user_id, "+48 700 100 200")

    assert changed.json()["version"] == 3
    assert changed.json()["event"]["data"]["maskedPhoneNumber"] == "***0200"
    assert search(api, "+48600100200").status_code == 404
    assert search(api, "+48700100200").json()["uuid"] == user_id

    removed = update(api, user_id, None)

    assert removed.status_code == 200
    assert removed.json()["version"] == 4
    data = removed.json()["event"]["data"]
    assert data["action"] == "removed"
    assert "maskedPhoneNumber" not in data
    assert search(api, "+48700100200").status_code == 404
    assert "phoneNumber" not in api.get(f"/users/{user_id}/profile").json()
    removed_again = update(api, user_id, None)
    assert removed_again.json()["event"] is None
    assert removed_again.json()["version"] == 4


def test_the_event_log_holds_only_the_masked_number(
    api: httpx.Client, user_id: str, local_server: LocalServer
) -> None:
    update(api, user_id, "+48 600 123 456")

    events = local_server.events_of(user_id)
    state = local_server.replay(user_id)

    assert [e.type for e in events] == ["UserCreated", "UserPhoneNumberUpdated"]
    assert "600123456" not in json.dumps([e.data for e in events])
    assert state is not None
    assert state.version == local_server.user_version(user_id) == 2
    assert state.masked_phone == "***3456"
    assert state.phone is None
    update(api, user_id, None)
    after = local_server.replay(user_id)
    assert after is not None
    assert after.masked_phone is None
    assert after.version == 3


def test_a_malformed_body_or_number_is_400(
    api: httpx.Client, user_id: str, local_server: LocalServer
) -> None:
    bodies: list[Any] = [
        None,
        [],
        {},
        {"phone": "+48600100200"},
        {"phoneNumber": 48600100200},
        {"phoneNumber": True},
        {"phoneNumber": ""},
        {"phoneNumber": "600100200"},
        {"phoneNumber": "+48 600 ABC 200"},
        {"phoneNumber": "+0600100200"},
        {"phoneNumber": "+486001002001234567"},
    ]
    for body in bodies:
        reply = api.post(f"/users/{user_id}/UpdatePhoneNumber", json=body)
        assert reply.status_code == 400, body
        assert set(reply.json()) == {"error", "message"}, body
    garbage = api.post(f"/users/{user_id}/UpdatePhoneNumber", content=b"{not json")
    assert garbage.status_code == 400
    assert local_server.user_version(user_id) == 1


def test_an_unknown_user_is_404(api: httpx.Client, local_server: LocalServer) -> None:
    reply = update(api, str(uuid.uuid4()), "+48600100200")

    assert reply.status_code == 404
    assert set(reply.json()) == {"error", "message"}
    assert search(api, "+48600100200").status_code == 404


def test_another_organizations_user_is_404_and_unchanged(
    start_server: StartServer,
) -> None:
    ours, theirs = new_organization("Ours"), new_organization("Theirs")
    server = start_server(organizations=[ours, theirs])
    user_id = server.create_user(theirs.org_id, phone="+48600100200")

    with httpx.Client(
        base_url=server.base_url, headers={"X-API-Key": ours.api_key}
    ) as client:
        reply = update(client, user_id, "+48700100200")

    assert reply.status_code == 404
    assert set(reply.json()) == {"error", "message"}
    user = server.users.get(user_id)
    assert user is not None
    assert user.phone == "+48600100200"
    assert server.user_version(user_id) == 1


def test_a_number_another_user_has_is_refused(
    api: httpx.Client,
    user_id: str,
    local_server: LocalServer,
    local_org: Organization,
) -> None:
    other = local_server.create_user(local_org.org_id, phone="+48700100200")

    reply = update(api, user_id, "+48 700 100 200")

    assert reply.status_code == 400
    assert set(reply.json()) == {"error", "message"}
    assert search(api, "+48700100200").json()["uuid"] == other
    assert local_server.user_version(user_id) == 1
    assert "phoneNumber" not in api.get(f"/users/{user_id}/profile").json()
