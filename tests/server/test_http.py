"""The HTTP layer: keep-alive, bodies, unknown paths, loopback only."""

from __future__ import annotations

import http.client
import json
import socket
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from spkey_desktop.server import (
    ConfigError,
    LocalServer,
    Organization,
    ServerConfig,
    start_demo,
)
from tests.helpers.server_fixtures import StartServer


def connect(server: LocalServer) -> http.client.HTTPConnection:
    return http.client.HTTPConnection(server.config.host, server.port, timeout=5)


def test_one_connection_serves_many_requests(
    local_server: LocalServer, local_org: Organization
) -> None:
    conn = connect(local_server)
    headers = {"X-API-Key": local_org.api_key}
    conn.request("GET", "/cameras/my", headers=headers)
    first = conn.getresponse()
    first.read()
    sock = conn.sock

    conn.request("GET", "/cameras/my", headers=headers)
    second = conn.getresponse()
    second.read()

    assert first.version == second.version == 11
    assert (first.status, second.status) == (200, 200)
    assert conn.sock is sock
    conn.close()


def test_connection_close_is_honoured(
    local_server: LocalServer, local_org: Organization
) -> None:
    conn = connect(local_server)
    headers = {"X-API-Key": local_org.api_key, "Connection": "close"}
    conn.request("GET", "/cameras/my", headers=headers)
    reply = conn.getresponse()
    reply.read()

    assert reply.getheader("Connection") == "close"
    conn.close()


def test_a_chunked_body_is_read(
    local_server: LocalServer, local_org: Organization
) -> None:
    user_id = local_server.create_user(local_org.org_id, email="c@example.com")
    body = json.dumps({"plate": "WA 777", "label": "Chunked"}).encode()
    conn = connect(local_server)
    conn.request(
        "POST",
        f"/users/{user_id}/AddLicensePlate",
        body=iter([body[:5], body[5:]]),
        headers={"X-API-Key": local_org.api_key, "Content-Type": "application/json"},
        encode_chunked=True,
    )
    reply = conn.getresponse()

    assert reply.status == 200
    assert json.loads(reply.read())["plate"] == "WA777"
    conn.close()


@pytest.mark.parametrize(
    "size_line",
    [b"-1", b"-0", b"+5", b"0x5", b"1_0", b"", b"5 5", b"\xd9\xa5"],
    ids=["-1", "-0", "+5", "0x5", "1_0", "empty", "5 5", "arabic five"],
)
def test_a_chunk_size_that_is_not_hex_digits_is_refused_at_once(
    local_server: LocalServer, local_org: Organization, size_line: bytes
) -> None:
    # int(x, 16) reads all of these; -1 made the server read until hang-up,
    # with no size limit and no answer.
    user_id = local_server.create_user(local_org.org_id)
    head = (
        f"POST /users/{user_id}/AddLicensePlate HTTP/1.1\r\nHost: x\r\n"
        f"X-API-Key: {local_org.api_key}\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    ).encode()
    with closing(
        socket.create_connection((local_server.config.host, local_server.port))
    ) as sock:
        sock.settimeout(3)
        sock.sendall(head + size_line + b'\r\n{"plate": "AB1"}\r\n')
        answer = b""
        while b"\r\n" not in answer:
            chunk = sock.recv(4096)
            assert chunk, "the server hung up without answering"
            answer += chunk

    assert answer.startswith(b"HTTP/1.1 400 ")
    assert local_server.plates_of(user_id) == []


def test_forty_clients_posting_at_once_are_all_answered(
    local_server: LocalServer, local_org: Organization
) -> None:
    # 40 threads, each sending 20 plate commands on a new connection apiece:
    # 800 requests. With socketserver's listen backlog of 5, about 1 in 30 of
    # these connections was reset (ConnectionResetError) under this load.
    user_id = local_server.create_user(local_org.org_id)
    headers = {"X-API-Key": local_org.api_key, "Content-Type": "application/json"}
    failures: list[str] = []
    statuses: list[int] = []
    start = threading.Barrier(40)

    def client(number: int) -> None:
        start.wait()
        for repeat in range(10):
            plate = f"C{number % 5}X{repeat % 3}"
            for command in ("AddLicensePlate", "RemoveLicensePlate"):
                conn = connect(local_server)
                try:
                    body = json.dumps({"plate": plate})
                    conn.request("POST", f"/users/{user_id}/{command}", body, headers)
                    reply = conn.getresponse()
                    reply.read()
                    statuses.append(reply.status)
                except OSError as error:
                    failures.append(repr(error))
                finally:
                    conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert failures == []
    assert len(statuses) == 800
    assert set(statuses) <= {200, 400}  # 400: that plate was removed already


def test_unknown_paths_and_wrong_methods(api: httpx.Client) -> None:
    missing = api.get("/users/x/nothing-here")
    wrong_method = api.get("/users/x/AddLicensePlate")

    assert missing.status_code == 404
    assert set(missing.json()) == {"error", "message"}
    assert wrong_method.status_code == 405
    assert wrong_method.headers["Allow"] == "POST"


def test_path_ids_are_percent_decoded(
    api: httpx.Client, local_server: LocalServer, local_org: Organization
) -> None:
    local_server.create_user(local_org.org_id, user_id="odd id/ü")
    reply = api.get("/users/odd%20id%2F%C3%BC/profile")
    assert reply.json()["userId"] == "odd id/ü"


def test_an_oversized_body_is_refused(
    api: httpx.Client, local_server: LocalServer, local_org: Organization
) -> None:
    user_id = local_server.create_user(local_org.org_id)
    reply = api.post(
        f"/users/{user_id}/AddLicensePlate",
        content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
    )
    assert reply.status_code == 400


def test_ipv6_loopback(start_server: StartServer) -> None:
    server = start_server(host="::1")
    org = server.organizations[0]

    reply = httpx.get(
        server.base_url + "/cameras/my", headers={"X-API-Key": org.api_key}
    )

    assert server.base_url.startswith("http://[::1]:")
    assert reply.status_code == 200


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.0.2.1", "example.com"])
def test_non_loopback_hosts_are_refused(host: str) -> None:
    with pytest.raises(ConfigError, match="loopback"):
        LocalServer(ServerConfig(host=host))


def test_port_zero_picks_a_free_port_and_the_url_has_it(
    local_server: LocalServer,
) -> None:
    assert local_server.port > 0
    assert local_server.base_url == f"http://127.0.0.1:{local_server.port}"
    with socket.create_connection(("127.0.0.1", local_server.port), timeout=2):
        pass


def test_a_file_database_is_wal_and_survives_a_restart(tmp_path: Path) -> None:
    database = str(tmp_path / "server.sqlite")
    org = Organization("org-1", "Persistent", "A" * 40)
    config = ServerConfig(database=database, organizations=[org])
    with LocalServer(config) as first:
        user_id = first.create_user("org-1", email="p@example.com")
        first.add_plate(user_id, "WA 1")

    with LocalServer(config) as second:
        assert second.plates_of(user_id) == ["WA1"]
        assert second.user_version(user_id) == 2
    with closing(sqlite3.connect(database)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_a_stopped_server_can_start_again_with_its_data(
    local_server: LocalServer, local_org: Organization
) -> None:
    user_id = local_server.create_user(local_org.org_id, email="r@example.com")
    local_server.stop()
    assert not local_server.running

    local_server.start()
    reply = httpx.get(
        f"{local_server.base_url}/users/{user_id}/profile",
        headers={"X-API-Key": local_org.api_key},
    )

    assert reply.status_code == 200


def test_start_demo_runs_a_seeded_server_in_the_background() -> None:
    with start_demo(users=10) as server:
        demo = server.demo
        reply = httpx.get(
            f"{demo.base_url}/cameras/my",
            headers={"Authorization": f"Bearer {demo.token}"},
        )
    assert reply.json()["total"] == 2
    assert not server.running
