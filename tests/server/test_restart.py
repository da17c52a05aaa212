"""A stopped server started again answers at the same address, with its data."""

from __future__ import annotations

import httpx

from spkey_desktop.server import LocalServer, Organization


def test_a_restarted_server_comes_back_on_the_same_port(
    local_server: LocalServer, local_org: Organization
) -> None:
    user_id = local_server.create_user(local_org.org_id, email="p@example.com")
    address = local_server.base_url
    local_server.stop()

    local_server.start()

    assert local_server.base_url == address
    reply = httpx.get(
        f"{address}/users/{user_id}/profile",
        headers={"X-API-Key": local_org.api_key},
    )
    assert reply.status_code == 200
