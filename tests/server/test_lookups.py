"""GET /users/by-email and /users/by-phone: find, or create on a miss."""

from __future__ import annotations

import uuid

import httpx

from spkey_desktop.server import LocalServer, Organization


def test_search_only_miss_answers_404_and_creates_nobody(
    api: httpx.Client, local_server: LocalServer, local_org: Organization
) -> None:
    by_email = api.get(
        "/users/by-email", params={"email": "anna@example.com", "searchOnly": "true"}
    )
    by_phone = api.get(
        "/users/by-phone", params={"phoneNumber": "+48600100200", "searchOnly": "true"}
    )

    assert by_email.status_code == 404
    assert set(by_email.json()) == {"error"}
    assert by_phone.status_code == 404
    assert set(by_phone.json()) == {"error"}
    assert local_server.users.count(local_org.org_id) == 0


def test_email_miss_creates_a_user_once(
    api: httpx.Client, local_server: LocalServer
) -> None:
    first = api.get("/users/by-email", params={"email": "Anna@Example.com"})
    again = api.get("/users/by-email", params={"email": "anna@example.com"})
    found = api.get(
        "/users/by-email", params={"email": "ANNA@example.com", "searchOnly": "true"}
    )

    assert first.status_code == again.status_code == found.status_code == 200
    user = first.json()
    assert user["email"] == "anna@example.com"
    assert again.json() == user == found.json()
    assert local_server.user_version(user["uuid"]) == 1
    assert [e.type for e in local_server.events_of(user["uuid"])] == ["UserCreated"]


def test_search_only_false_is_the_default_find_or_create(api: httpx.Client) -> None:
    reply = api.get(
        "/users/by-email", params={"email": "jan@example.com", "searchOnly": "false"}
    )
    assert reply.status_code == 200


def test_email_lookup_rejects_bad_input_with_400(
    api: httpx.Client, local_server: LocalServer, local_org: Organization
) -> None:
    for params in [
        {},
        {"email": ""},
        {"email": "not an email"},
        {"email": "anna@example.com", "searchOnly": "yes"},
        {"email": "anna@example.com", "uuid": "not-a-uuid"},
    ]:
        reply = api.get("/users/by-email", params=params)
        assert reply.status_code == 400, params
        assert isinstance(reply.json()["error"], str)
    assert local_server.users.count(local_org.org_id) == 0


def test_requested_uuid_is_used_and_a_taken_one_is_409(api: httpx.Client) -> None:
    wanted = str(uuid.uuid4())
    created = api.get(
        "/users/by-email", params={"email": "ola@example.com", "uuid": wanted}
    )
    clash = api.get(
        "/users/by-email", params={"email": "other@example.com", "uuid": wanted}
    )

    assert created.json()["uuid"] == wanted
    assert clash.status_code == 409
    assert set(clash.json()) == {"error"}


def test_phone_forms_resolve_to_one_user(api: httpx.Client) -> None:
    first = api.get("/users/by-phone", params={"phoneNumber": "+48 123 456 789"})
    uuids = {
        api.get("/users/by-phone", params={"phoneNumber": form}).json()["uuid"]
        for form in ["+48123456789", "0048123456789", "0048 123 456 789"]
    }

    assert first.status_code == 200
    body = first.json()
    assert body["phoneNumber"] == "+48123456789"
    assert body["email"] is None
    assert uuids == {body["uuid"]}


def test_phone_must_be_international(api: httpx.Client) -> None:
    for phone in ["48123456789", "123 456 789", "+48-123-456-789", "", "+48 12x"]:
        reply = api.get("/users/by-phone", params={"phoneNumber": phone})
        assert reply.status_code == 400, phone
        assert set(reply.json()) == {"error"}
    assert api.get("/users/by-phone").status_code == 400


def test_phone_lookup_records_an_email_on_creation(api: httpx.Client) -> None:
    created = api.get(
        "/users/by-phone",
        params={"phoneNumber": "+49 170 1234567", "email": "Jurgen@Example.org"},
    ).json()
    by_email = api.get(
        "/users/by-email",
        params={"email": "jurgen@example.org", "searchOnly": "true"},
    )

    assert created["email"] == "jurgen@example.org"
    assert by_email.json()["uuid"] == created["uuid"]


def test_phone_lookup_with_someone_elses_email_is_refused(
    api: httpx.Client, local_server: LocalServer, local_org: Organization
) -> None:
    local_server.create_user(local_org.org_id, email="taken@example.com")

    reply = api.get(
        "/users/by-phone",
        params={"phoneNumber": "+44 7700 900123", "email": "taken@example.com"},
    )

    assert reply.status_code == 400
    assert local_server.users.count(local_org.org_id) == 1


def test_created_at_is_iso_8601_utc(api: httpx.Client) -> None:
    body = api.get("/users/by-email", params={"email": "t@example.com"}).json()
    assert body["created_at"].endswith("Z")
    assert body["created_at"][10] == "T"
