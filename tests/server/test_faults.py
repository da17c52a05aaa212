"""Injected faults and latency: each kind, determinism, and stopping mid-stall."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from spkey_desktop.server import FaultKind, LocalServer, Organization
from tests.helpers.server_fixtures import StartServer


def statuses(api: httpx.Client, n: int) -> list[int]:
    return [api.get("/cameras/my").status_code for _ in range(n)]


@pytest.mark.parametrize("kind", [502, 503, 504])
def test_gateway_faults_answer_a_proxys_html_page(
    api: httpx.Client, local_server: LocalServer, kind: FaultKind
) -> None:
    local_server.faults.fail_next(2, kind)

    replies = [api.get("/cameras/my") for _ in range(3)]

    assert [r.status_code for r in replies] == [kind, kind, 200]
    assert replies[0].headers["Content-Type"].startswith("text/html")
    assert f"<title>{kind} " in replies[0].text


def test_500_answers_json(api: httpx.Client, local_server: LocalServer) -> None:
    local_server.faults.fail_next(1, 500)
    reply = api.get("/cameras/my")
    assert reply.status_code == 500
    assert set(reply.json()) == {"error", "message"}


def test_429_says_when_to_retry(api: httpx.Client, local_server: LocalServer) -> None:
    local_server.faults.retry_after_s = 7
    local_server.faults.fail_next(1, 429)

    reply = api.get("/users/by-email", params={"email": "a@example.com"})

    assert reply.status_code == 429
    assert reply.headers["Retry-After"] == "7"
    assert set(reply.json()) == {"error", "message"}


def test_a_fault_before_the_handler_changes_nothing(
    api: httpx.Client, local_server: LocalServer, local_org: Organization
) -> None:
    local_server.faults.fail_next(1, 503)
    reply = api.get("/users/by-email", params={"email": "a@example.com"})

    assert reply.status_code == 503
    assert local_server.users.count(local_org.org_id) == 0


def test_a_fault_after_the_handler_loses_only_the_answer(
    api: httpx.Client, local_server: LocalServer, local_org: Organization
) -> None:
    user_id = local_server.create_user(local_org.org_id, email="a@example.com")
    local_server.faults.fail_next(1, 504, after_handler=True)

    reply = api.post(f"/users/{user_id}/AddLicensePlate", json={"plate": "WA1"})

    assert reply.status_code == 504
    assert local_server.plates_of(user_id) == ["WA1"]
    assert local_server.user_version(user_id) == 2


def test_close_drops_the_connection_without_an_answer(
    api: httpx.Client, local_server: LocalServer
) -> None:
    local_server.faults.fail_next(1, "close")

    with pytest.raises(httpx.RemoteProtocolError):
        api.get("/cameras/my")

    assert api.get("/cameras/my").status_code == 200
    assert local_server.request_log[-2] == ("GET", "/cameras/my", None)


def test_stall_holds_the_answer_then_answers(
    api: httpx.Client, local_server: LocalServer
) -> None:
    local_server.faults.stall_s = 0.4
    local_server.faults.fail_next(1, "stall")

    started = time.monotonic()
    reply = api.get("/cameras/my")

    assert reply.status_code == 200
    assert time.monotonic() - started >= 0.4


def test_a_stall_outlasts_a_client_timeout(
    api: httpx.Client, local_server: LocalServer
) -> None:
    local_server.faults.stall_s = 2
    local_server.faults.fail_next(1, "stall")

    with pytest.raises(httpx.ReadTimeout):
        api.get("/cameras/my", timeout=0.2)


def call_in_background(
    server: LocalServer, api_key: str, outcome: list[BaseException | httpx.Response]
) -> threading.Thread:
    """GET /cameras/my from another thread; the reply or error lands in outcome."""

    def call() -> None:
        try:
            outcome.append(
                httpx.get(
                    server.base_url + "/cameras/my",
                    headers={"X-API-Key": api_key},
                    timeout=30,
                )
            )
        except httpx.HTTPError as error:
            outcome.append(error)

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    while server.faults.pending:
        time.sleep(0.01)
    return thread


def test_a_stall_does_not_hold_other_requests_up(
    local_server: LocalServer, local_org: Organization
) -> None:
    local_server.faults.stall_s = 5
    local_server.faults.fail_next(1, "stall")
    outcome: list[BaseException | httpx.Response] = []
    stalled = call_in_background(local_server, local_org.api_key, outcome)

    started = time.monotonic()
    reply = httpx.get(
        local_server.base_url + "/cameras/my", headers={"X-API-Key": local_org.api_key}
    )

    assert reply.status_code == 200
    assert time.monotonic() - started < 1
    assert stalled.is_alive()
    assert outcome == []


def test_stop_cuts_a_stall_short(start_server: StartServer) -> None:
    server = start_server(stall_s=30)
    server.faults.fail_next(1, "stall")
    outcome: list[BaseException | httpx.Response] = []
    caller = call_in_background(server, server.organizations[0].api_key, outcome)
    time.sleep(0.1)

    started = time.monotonic()
    server.stop()
    stopped_in = time.monotonic() - started
    caller.join(5)

    assert stopped_in < 2
    assert not caller.is_alive()
    assert isinstance(outcome[0], httpx.RemoteProtocolError)


def test_stop_does_not_wait_for_idle_keep_alive_connections(
    start_server: StartServer,
) -> None:
    server = start_server()
    org = server.organizations[0]
    with httpx.Client(
        base_url=server.base_url, headers={"X-API-Key": org.api_key}
    ) as client:
        assert client.get("/cameras/my").status_code == 200

        started = time.monotonic()
        server.stop()

        assert time.monotonic() - started < 2


def test_a_fault_rate_is_reproducible_for_a_seed(
    api: httpx.Client, local_server: LocalServer, start_server: StartServer
) -> None:
    other = start_server()
    other_api = httpx.Client(
        base_url=other.base_url,
        headers={"X-API-Key": other.organizations[0].api_key},
    )
    local_server.faults.set_rate(0.3, [500, 503], seed=42)
    other.faults.set_rate(0.3, [500, 503], seed=42)

    with other_api:
        first, second = statuses(api, 40), statuses(other_api, 40)

    assert first == second
    assert {500, 503, 200} <= set(first)
    assert 4 <= first.count(200) <= 36


def test_clear_ends_all_faults(api: httpx.Client, local_server: LocalServer) -> None:
    local_server.faults.set_rate(1.0, [503], seed=1)
    local_server.faults.fail_next(3, 500)
    local_server.faults.clear()

    assert statuses(api, 5) == [200] * 5


def test_configured_fault_rate_applies_from_the_start(
    start_server: StartServer,
) -> None:
    server = start_server(fault_rate=1.0, fault_kinds=[502], fault_seed=3)
    org = server.organizations[0]

    reply = httpx.get(
        server.base_url + "/cameras/my", headers={"X-API-Key": org.api_key}
    )

    assert reply.status_code == 502


def test_unknown_fault_kinds_are_refused(local_server: LocalServer) -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        local_server.faults.fail_next(1, 418)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown fault kind"):
        local_server.faults.set_rate(0.5, ["slow"])  # type: ignore[list-item]


def test_latency_delays_every_response(
    api: httpx.Client, local_server: LocalServer
) -> None:
    local_server.set_latency(250)

    started = time.monotonic()
    statuses(api, 2)
    slow = time.monotonic() - started
    local_server.set_latency(0)
    started = time.monotonic()
    statuses(api, 2)
    fast = time.monotonic() - started

    assert slow >= 0.5
    assert fast < 0.4


def test_configured_latency(start_server: StartServer) -> None:
    server = start_server(latency_ms=200)
    org = server.organizations[0]

    started = time.monotonic()
    httpx.get(server.base_url + "/cameras/my", headers={"X-API-Key": org.api_key})

    assert time.monotonic() - started >= 0.2
