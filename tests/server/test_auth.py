"""Credentials: X-API-Key or a bearer token, each scoped to one organization."""

from __future__ import annotations

import time

import httpx
import pytest

from spkey_desktop.server import (
    LocalServer,
    Organization,
    make_token,
    new_organization,
    token_claims,
)
from spkey_desktop.server.cameras import Camera
from tests.helpers.server_fixtures import StartServer


def get(server: LocalServer, path: str, headers: dict[str, str]) -> httpx.Response:
    return httpx.get(server.base_url + path, headers=headers, timeout=10)


def assert_401(reply: httpx.Response) -> str:
    assert reply.status_code == 401
    body = reply.json()
    assert set(body) == {"error", "message"}
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")
    message: str = body["message"]
    return message


def test_no_credential_is_401(local_server: LocalServer) -> None:
    assert_401(get(local_server, "/cameras/my", {}))


@pytest.mark.parametrize(
    "headers",
    [
        {"X-API-Key": "x" * 40},
        {"X-API-Key": ""},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Bearer"},
        {"Authorization": "Basic dXNlcjpwYXNz"},
    ],
)
def test_invalid_credentials_are_401(
    local_server: LocalServer, headers: dict[str, str]
) -> None:
    assert_401(get(local_server, "/cameras/my", headers))


def test_a_token_of_the_right_shape_but_not_configured_is_401(
    local_server: LocalServer, local_org: Organization
) -> None:
    forged = make_token(local_org.org_id)
    assert_401(get(local_server, "/cameras/my", {"Authorization": f"Bearer {forged}"}))


def test_api_key_alone_or_token_alone_authorizes(
    local_server: LocalServer, local_org: Organization
) -> None:
    token = local_org.tokens[0]
    for headers in [
        {"X-API-Key": local_org.api_key},
        {"Authorization": f"Bearer {token}"},
        {"authorization": f"bearer {token}"},
        {"X-API-Key": local_org.api_key, "Authorization": f"Bearer {token}"},
        # One valid credential is enough even if the other one is wrong.
        {"X-API-Key": local_org.api_key, "Authorization": "Bearer wrong"},
        {"X-API-Key": "wrong", "Authorization": f"Bearer {token}"},
    ]:
        assert get(local_server, "/cameras/my", headers).status_code == 200, headers


def test_tokens_are_jwt_shaped_with_sub_org_exp(local_org: Organization) -> None:
    token = local_org.tokens[0]
    claims = token_claims(token)

    assert token.count(".") == 2
    assert claims is not None
    assert claims["org"] == local_org.org_id
    assert isinstance(claims["sub"], str)
    assert claims["exp"] > time.time()
    assert len(local_org.api_key) == 40
    assert local_org.api_key.isalnum()
    assert local_org.api_key.isascii()


def test_an_expired_token_is_401(start_server: StartServer) -> None:
    org = new_organization("Expired", token_expires_at=time.time() - 1)
    server = start_server(organizations=[org])

    message = assert_401(
        get(server, "/cameras/my", {"Authorization": f"Bearer {org.tokens[0]}"})
    )

    assert "expired" in message
    assert get(server, "/cameras/my", {"X-API-Key": org.api_key}).status_code == 200


def test_credentials_of_two_organizations_together_are_401(
    start_server: StartServer,
) -> None:
    first, second = new_organization("A"), new_organization("B")
    server = start_server(organizations=[first, second])

    headers = {
        "X-API-Key": first.api_key,
        "Authorization": f"Bearer {second.tokens[0]}",
    }

    assert_401(get(server, "/cameras/my", headers))


def test_every_operation_requires_a_credential(
    local_server: LocalServer, local_org: Organization
) -> None:
    user_id = local_server.create_user(local_org.org_id, email="u@example.com")
    calls = [
        ("GET", "/users/by-email?email=u@example.com"),
        ("GET", "/users/by-phone?phoneNumber=%2B48600100200"),
        ("POST", f"/users/{user_id}/CreateUser"),
        ("GET", f"/users/{user_id}/profile"),
        ("GET", f"/users/{user_id}/license-plates"),
        ("POST", f"/users/{user_id}/AddLicensePlate"),
        ("POST", f"/users/{user_id}/RemoveLicensePlate"),
        ("POST", f"/users/{user_id}/UpdatePhoneNumber"),
        ("GET", "/cameras/my"),
        ("GET", "/cameras/any/lpr-events"),
    ]
    for method, path in calls:
        reply = httpx.request(method, local_server.base_url + path, json={"plate": "X"})
        assert_401(reply)
    assert local_server.users.count(local_org.org_id) == 1


def test_other_organizations_users_and_cameras_are_invisible(
    start_server: StartServer,
) -> None:
    ours, theirs = new_organization("Ours"), new_organization("Theirs")
    server = start_server(organizations=[ours, theirs])
    user_id = server.create_user(
        theirs.org_id, email="them@example.com", phone="+48600100200"
    )
    server.add_plate(user_id, "WA12345")
    server.cameras.add(
        Camera("cam-1", theirs.org_id, "1", "Gate", "generic", "ONLINE", "", "")
    )

    with httpx.Client(
        base_url=server.base_url, headers={"X-API-Key": ours.api_key}
    ) as client:
        lookups = [
            client.get(
                "/users/by-email",
                params={"email": "them@example.com", "searchOnly": "true"},
            ),
            client.get(
                "/users/by-phone",
                params={"phoneNumber": "+48600100200", "searchOnly": "true"},
            ),
        ]
        queries = [
            client.get(f"/users/{user_id}/profile"),
            client.get(f"/users/{user_id}/license-plates"),
            client.get("/cameras/cam-1/lpr-events"),
        ]
        commands = [
            client.post(f"/users/{user_id}/AddLicensePlate", json={"plate": "X1"}),
            client.post(
                f"/users/{user_id}/RemoveLicensePlate", json={"plate": "WA12345"}
            ),
        ]
        cameras = client.get("/cameras/my").json()

    assert [r.status_code for r in lookups + queries + commands] == [404] * 7
    assert [set(r.json()) for r in lookups] == [{"error"}] * 2
    assert [r.json()["success"] for r in queries] == [False] * 3
    assert [set(r.json()) for r in commands] == [{"error", "message"}] * 2
    assert cameras == {"cameras": [], "total": 0}
    assert server.plates_of(user_id) == ["WA12345"]
    assert server.user_version(user_id) == 2


def test_same_email_in_two_organizations_is_two_users(
    start_server: StartServer,
) -> None:
    first, second = new_organization("A"), new_organization("B")
    server = start_server(organizations=[first, second])

    uuids = {
        get(server, "/users/by-email?email=x@example.com", {"X-API-Key": key}).json()[
            "uuid"
        ]
        for key in (first.api_key, second.api_key)
    }

    assert len(uuids) == 2


def test_an_organization_added_at_runtime_can_call_at_once(
    local_server: LocalServer,
) -> None:
    late = local_server.add_organization(new_organization("Late"))
    assert (
        get(local_server, "/cameras/my", {"X-API-Key": late.api_key}).status_code == 200
    )
