"""The client over real loopback sockets, against a scripted server, for what
the local SmartphoneKey server cannot produce: proxy pages, garbage, redirects
to another origin, stalls, hang-ups, TLS failures, and exact header records."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta, timezone

import pytest

from spkey_desktop.api import (
    ApiError,
    ApiTimeoutError,
    ConnectionFailedError,
    Credentials,
    ForbiddenError,
    InvalidInputError,
    RateLimitedError,
    RedirectedError,
    RetryPolicy,
    SpkeyClient,
    Timeouts,
    TlsError,
    UnauthorizedError,
    UnavailableError,
    UnexpectedResponseError,
)
from spkey_desktop.api.redaction import HTTP_STACK_LOGGERS, LOGGER_NAME

from ..helpers.api_fixtures import (
    API_KEY,
    TOKEN,
    MakeClient,
    Reply,
    ScriptedServer,
    Sleeps,
    TlsFiles,
    assert_no_secret,
)

USER = {"uuid": "u-1", "email": "a@example.com", "created_at": "2024-01-15T10:30:00Z"}
PLATE_RESULT = {
    "success": True,
    "aggregateId": "u-1",
    "version": 2,
    "event": {"type": "LicensePlateAdded", "data": {}},
    "plate": "KR1",
    "label": "",
}
BAD_GATEWAY = Reply.html(
    502, "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"
)


# --- what is sent --------------------------------------------------------------


async def test_lookups_always_send_search_only(
    scripted_server: ScriptedServer, make_client: MakeClient
) -> None:
    scripted_server.script(*[Reply.json(USER)] * 4)
    api = make_client(scripted_server.base_url)

    await api.find_user_by_email("a+b@example.com")
    await api.find_user_by_phone("+48 123 456 789")
    await api.find_user_by_email("a@example.com", create=True)
    await api.find_user_by_phone("+48123", create=True, email="c@example.com")

    queries = [r.query for r in scripted_server.requests]
    assert queries[0] == {"email": ["a+b@example.com"], "searchOnly": ["true"]}
    assert queries[1] == {"phoneNumber": ["+48 123 456 789"], "searchOnly": ["true"]}
    assert queries[2]["searchOnly"] == ["false"]
    assert queries[3] == {
        "phoneNumber": ["+48123"],
        "searchOnly": ["false"],
        "email": ["c@example.com"],
    }


@pytest.mark.parametrize(
    ("credentials", "api_key", "authorization"),
    [
        (Credentials(api_key=API_KEY), API_KEY, None),
        (Credentials(token=TOKEN), None, f"Bearer {TOKEN}"),
        (Credentials(api_key=API_KEY, token=TOKEN), API_KEY, f"Bearer {TOKEN}"),
    ],
)
async def test_headers_carry_what_the_credentials_hold(
    scripted_server: ScriptedServer,
    make_client: MakeClient,
    credentials: Credentials,
    api_key: str | None,
    authorization: str | None,
) -> None:
    scripted_server.script(Reply.json(USER))
    await make_client(scripted_server.base_url, credentials).find_user_by_email("a@x")

    headers = scripted_server.requests[0].headers
    assert headers.get("x-api-key") == api_key
    assert headers.get("authorization") == authorization
    assert headers["accept"] == "application/json"
    assert headers["user-agent"].startswith("spkey-desktop")


async def test_credentials_are_asked_for_on_every_request(
    scripted_server: ScriptedServer, make_client: MakeClient
) -> None:
    keys = iter(["first-key", "second-key"])
    scripted_server.script(Reply.json(USER), Reply.json(USER))
    api = make_client(scripted_server.base_url, lambda: Credentials(api_key=next(keys)))

    await api.find_user_by_email("a@x")
    await api.find_user_by_email("a@x")

    sent = [r.headers["x-api-key"] for r in scripted_server.requests]
    assert sent == ["first-key", "second-key"]


async def test_missing_credentials_send_nothing(
    scripted_server: ScriptedServer, make_client: MakeClient
) -> None:
    api = make_client(scripted_server.base_url, Credentials())
    with pytest.raises(UnauthorizedError, match="No API key or token"):
        await api.get_profile("u-1")
    assert scripted_server.requests == []


@pytest.mark.parametrize(
    ("user_id", "path"),
    [
        ("a/b?c#d", "/users/a%2Fb%3Fc%23d/profile"),
        ("..", "/users/%2E%2E/profile"),
        ("zażółć", "/users/za%C5%BC%C3%B3%C5%82%C4%87/profile"),
        (" u-1 ", "/users/u-1/profile"),
    ],
)
async def test_path_parameters_are_quoted(
    scripted_server: ScriptedServer, make_client: MakeClient, user_id: str, path: str
) -> None:
    scripted_server.script(Reply.json({"userId": "u-1"}))
    await make_client(scripted_server.base_url).get_profile(user_id)
    assert scripted_server.requests[0].target == path


async def test_blank_input_is_refused_before_sending(
    scripted_server: ScriptedServer, make_client: MakeClient
) -> None:
    api = make_client(scripted_server.base_url)
    with pytest.raises(InvalidInputError, match="Enter a plate number"):
        await api.add_plate("u-1", "  ")
    with pytest.raises(InvalidInputError, match="e-mail"):
        await api.find_user_by_email("")
    assert scripted_server.requests == []


async def test_plate_commands_send_their_bodies(
    scripted_server: ScriptedServer, make_client: MakeClient
) -> None:
    scripted_server.script(Reply.json(PLATE_RESULT), Reply.json(PLATE_RESULT))
    api = make_client(scripted_server.base_url)
    await api.add_plate("u-1", "KR1", "Car")
    await api.remove_plate("u-1", "KR1")

    added, removed = scripted_server.requests
    assert (added.method, added.path) == ("POST", "/users/u-1/AddLicensePlate")
    assert added.json() == {"plate": "KR1", "label": "Car"}
    assert added.headers["content-type"] == "application/json"
    assert removed.json() == {"plate": "KR1"}


async def test_lpr_event_parameters(
    scripted_server: ScriptedServer, make_client: MakeClient
) -> None:
    scripted_server.script(Reply.json({"events": [], "hasMore": False}))
    warsaw = timezone(timedelta(hours=1))
    await make_client(scripted_server.base_url).lpr_events(
        "cam 1",
        start=datetime(2026, 1, 1, 1, 0, tzinfo=warsaw),
        end=datetime(2026, 1, 2, tzinfo=UTC),
        page=2,
        page_size=25,
    )
    request = scripted_server.requests[0]
    assert request.path == "/cameras/cam%201/lpr-events"
    assert request.query == {
        "page": ["2"],
        "pageSize": ["25"],
        "from": ["2026-01-01T00:00:00.000Z"],
        "to": ["2026-01-02T00:00:00.000Z"],
    }


@pytest.mark.parametrize(
    "arguments",
    [
        {"page": 0},
        {"page_size": 0},
        {"page_size": 101},
        {"start": datetime(2026, 1, 1)},
    ],
)
async def test_lpr_event_arguments_are_checked(
    scripted_server: ScriptedServer,
    make_client: MakeClient,
    arguments: dict[str, object],
) -> None:
    api = make_client(scripted_server.base_url)
    with pytest.raises(ValueError, match=r"page|timezone"):
        await api.lpr_events("cam", **arguments)  # type: ignore[arg-type]
    assert scripted_server.requests == []


def _event(n: int) -> dict[str, object]:
    return {"id": f"e{n}", "cameraId": "cam", "plate": f"P{n}", "matched": False}


async def test_iterating_events_walks_every_page(
    scripted_server: ScriptedServer, make_client: MakeClient
) -> None:
    scripted_server.script(
        Reply.json({"events": [_event(1), _event(2)], "page": 1, "hasMore": True}),
        Reply.json({"events": [_event(3)], "page": 2, "hasMore": True}),
        Reply.json({"events": [_event(4)], "page": 3, "hasMore": False}),
    )
    api = make_client(scripted_server.base_url)
    ids = [e.id async for e in api.iter_lpr_events("cam", page_size=2)]

    assert ids == ["e1", "e2", "e3", "e4"]
    assert [r.query["page"] for r in scripted_server.requests] == [["1"], ["2"], ["3"]]
    assert {r.query["pageSize"][0] for r in scripted_server.requests} == {"2"}


async def test_iterating_yields_an_event_shifted_onto_the_next_page_once(
    scripted_server: ScriptedServer, make_client: MakeClient
) -> None:
    # A new event arrived between the two requests and pushed e2 to page 2.
    scripted_server.script(
        Reply.json({"events": [_event(1), _event(2)], "hasMore": True}),
        Reply.json({"events": [_event(2), _event(3)], "hasMore": False}),
    )
    api = make_client(scripted_server.base_url)
    ids = [e.id async for e in api.iter_lpr_events("cam", page_size=2)]
    assert ids == ["e1", "e2", "e3"]


async def test_iterating_stops_at_an_empty_page_that_claims_more(
    scripted_server: ScriptedServer, make_client: MakeClient
) -> None:
    scripted_server.script(
        Reply.json({"events": [_event(1)], "hasMore": True}),
        Reply.json({"events": [], "hasMore": True}),
    )
    api = make_client(scripted_server.base_url)
    assert [e.id async for e in api.iter_lpr_events("cam")] == ["e1"]
    assert len(scripted_server.requests) == 2


# --- retries -------------------------------------------------------------------


async def test_get_is_retried_after_a_proxy_502(
    scripted_server: ScriptedServer, make_client: MakeClient, sleeps: Sleeps
) -> None:
    scripted_server.script(BAD_GATEWAY, Reply.json(USER))
    user = await make_client(scripted_server.base_url).find_user_by_email("a@x")
    assert user.uuid == "u-1"
    assert len(scripted_server.requests) == 2
    assert sleeps == [0.5]


async def test_get_gives_up_after_max_attempts(
    scripted_server: ScriptedServer, make_client: MakeClient, sleeps: Sleeps
) -> None:
    scripted_server.script(BAD_GATEWAY, BAD_GATEWAY, BAD_GATEWAY, Reply.json(USER))
    with pytest.raises(UnavailableError) as caught:
        await make_client(scripted_server.base_url).find_user_by_email("a@x")

    assert len(scripted_server.requests) == 3
    assert sleeps == [0.5, 1.0]
    assert caught.value.status == 502
    assert caught.value.server_message == "502 Bad Gateway"
    assert "temporarily unavailable" in str(caught.value)
    assert_no_secret(caught.value)


async def test_post_is_not_retried_after_a_502(
    scripted_server: ScriptedServer, make_client: MakeClient, sleeps: Sleeps
) -> None:
    scripted_server.script(BAD_GATEWAY, Reply.json(PLATE_RESULT))
    with pytest.raises(UnavailableError):
        await make_client(scripted_server.base_url).add_plate("u-1", "KR1")
    assert len(scripted_server.requests) == 1
    assert sleeps == []


async def test_retry_after_is_honoured(
    scripted_server: ScriptedServer, make_client: MakeClient, sleeps: Sleeps
) -> None:
    scripted_server.script(
        Reply.json({"error": "slow down"}, 429, (("Retry-After", "2"),)),
        Reply.json({"error": "busy"}, 503, (("Retry-After", "1"),)),
        Reply.json(USER),
    )
    await make_client(scripted_server.base_url).find_user_by_email("a@x")
    assert sleeps == [2.0, 1.0]
    assert len(scripted_server.requests) == 3


async def test_a_real_one_second_retry_after(
    scripted_server: ScriptedServer, sleeps: Sleeps
) -> None:
    scripted_server.script(
        Reply.json({"error": "slow down"}, 429, (("Retry-After", "1"),)),
        Reply.json(USER),
    )
    policy = RetryPolicy(max_attempts=2)
    async with SpkeyClient(
        scripted_server.base_url, lambda: Credentials(api_key=API_KEY), retry=policy
    ) as api:
        loop = asyncio.get_running_loop()
        started = loop.time()
        await api.find_user_by_email("a@x")
        waited = loop.time() - started
    assert 0.9 <= waited < 5


async def test_too_long_retry_after_raises_at_once(
    scripted_server: ScriptedServer, make_client: MakeClient, sleeps: Sleeps
) -> None:
    scripted_server.script(
        Reply.json({"error": "quota"}, 429, (("Retry-After", "3600"),)),
        Reply.json(USER),
    )
    with pytest.raises(RateLimitedError) as caught:
        await make_client(scripted_server.base_url).find_user_by_email("a@x")
    assert caught.value.retry_after == 3600.0
    assert "Wait 60 minutes" in str(caught.value)
    assert sleeps == []
    assert len(scripted_server.requests) == 1


# --- answers that are not what was promised ---------------------------------------


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        (
            Reply(200, b"\x00\xffgarbage", (("Content-Type", "application/json"),)),
            "not JSON",
        ),
        (Reply.html(200, "<html>captive portal</html>"), "not JSON"),
        (Reply(200, b""), "not JSON"),
        (Reply.json({"email": "a@x"}), "'uuid'"),
        (Reply.json(["u-1"]), "not a JSON object"),
        (Reply.json({"success": False, "error": "x", "message": "nope"}), "failed"),
    ],
)
async def test_unreadable_success_answers(
    scripted_server: ScriptedServer, make_client: MakeClient, reply: Reply, words: str
) -> None:
    scripted_server.script(reply)
    with pytest.raises(UnexpectedResponseError) as caught:
        await make_client(scripted_server.base_url).find_user_by_email("a@x")
    assert words in str(caught.value)
    assert caught.value.status == 200


async def test_raw_garbage_instead_of_http(
    scripted_server: ScriptedServer, make_client: MakeClient
) -> None:
    scripted_server.script(Reply(raw=b"SSH-2.0-OpenSSH_9.6\r\n"))
    with pytest.raises(ConnectionFailedError) as caught:
        await make_client(scripted_server.base_url, attempts=1).get_profile("u-1")
    assert "RemoteProtocolError" in (caught.value.detail or "")


# --- redirects ---------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 307, 308])
async def test_redirects_are_not_followed_and_credentials_stay_home(
    scripted_server: ScriptedServer,
    second_scripted_server: ScriptedServer,
    make_client: MakeClient,
    status: int,
) -> None:
    target = f"{second_scripted_server.base_url}/users/by-email?email=a%40x"
    scripted_server.script(Reply(status, b"", (("Location", target),)))
    second_scripted_server.script(Reply.json(USER))

    with pytest.raises(RedirectedError) as caught:
        await make_client(scripted_server.base_url).find_user_by_email("a@x")

    assert second_scripted_server.requests == []
    assert scripted_server.requests[0].headers["x-api-key"] == API_KEY
    assert caught.value.location == target
    assert target in str(caught.value)
    assert "connection profile" in str(caught.value)


# --- no answer at all ------------------------------------------------------------


async def test_closed_port_is_a_connection_failure(
    closed_port: int, make_client: MakeClient, sleeps: Sleeps
) -> None:
    api = make_client(f"http://127.0.0.1:{closed_port}")
    with pytest.raises(ConnectionFailedError) as caught:
        await api.get_profile("u-1")
    assert "Could not connect to 127.0.0.1" in str(caught.value)
    assert caught.value.transient
    assert sleeps == [0.5, 1.0]
    assert_no_secret(caught.value)
    # The httpx exception (which references the request and its headers) is
    # not kept as the cause or context.
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None


async def test_closed_port_post_is_retried_because_nothing_was_sent(
    closed_port: int, make_client: MakeClient, sleeps: Sleeps
) -> None:
    api = make_client(f"http://127.0.0.1:{closed_port}")
    with pytest.raises(ConnectionFailedError):
        await api.add_plate("u-1", "KR1")
    assert sleeps == [0.5, 1.0]


async def test_stalled_get_times_out_and_is_retried(
    scripted_server: ScriptedServer, make_client: MakeClient, sleeps: Sleeps
) -> None:
    scripted_server.script(Reply(stall=True), Reply(stall=True))
    api = make_client(scripted_server.base_url, attempts=2, timeouts=Timeouts(read=0.2))
    with pytest.raises(ApiTimeoutError) as caught:
        await api.get_profile("u-1")
    assert "did not answer within 0.2 seconds" in str(caught.value)
    assert len(scripted_server.requests) == 2
    assert sleeps == [0.5]


async def test_stalled_post_is_not_retried_and_says_it_may_have_worked(
    scripted_server: ScriptedServer, make_client: MakeClient, sleeps: Sleeps
) -> None:
    scripted_server.script(Reply(stall=True), Reply.json(PLATE_RESULT))
    api = make_client(scripted_server.base_url, timeouts=Timeouts(read=0.2))
    with pytest.raises(ApiTimeoutError) as caught:
        await api.remove_plate("u-1", "KR1")
    assert "may have been saved" in str(caught.value)
    assert len(scripted_server.requests) == 1
    assert sleeps == []


async def test_hang_up_without_answer(
    scripted_server: ScriptedServer, make_client: MakeClient, sleeps: Sleeps
) -> None:
    scripted_server.script(Reply(hang_up=True), Reply.json({"userId": "u-1"}))
    profile = await make_client(scripted_server.base_url).get_profile("u-1")
    assert profile.user_id == "u-1"
    assert sleeps == [0.5]

    scripted_server.script(Reply(hang_up=True), Reply.json(PLATE_RESULT))
    with pytest.raises(ConnectionFailedError, match="broke before the answer"):
        await make_client(scripted_server.base_url).add_plate("u-1", "KR1")


async def test_tls_to_a_plain_http_server_is_a_tls_error(
    make_client: MakeClient,
) -> None:
    async def plain_http(
        reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        writer.write(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(plain_http, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        api = make_client(f"https://127.0.0.1:{port}", attempts=1)
        with pytest.raises(TlsError) as caught:
            await api.get_profile("u-1")
    finally:
        server.close()
        await server.wait_closed()
    assert "secure connection" in str(caught.value)
    assert not caught.value.transient


# --- secrets never reach the logs ------------------------------------------------


async def test_no_secret_in_logs_even_with_httpx_debug_logging(
    scripted_server: ScriptedServer,
    closed_port: int,
    make_client: MakeClient,
    caplog: pytest.LogCaptureFixture,
) -> None:
    echo = f"API key {API_KEY} with token {TOKEN} is revoked"
    scripted_server.script(
        Reply.json(USER),
        Reply.json({"error": "Unauthorized", "message": echo}, 401),
        BAD_GATEWAY,
        Reply.json(USER),
    )
    caplog.set_level(logging.DEBUG)
    for name in (LOGGER_NAME, *HTTP_STACK_LOGGERS):
        caplog.set_level(logging.DEBUG, logger=name)

    api = make_client(scripted_server.base_url)
    errors: list[ApiError] = []
    await api.find_user_by_email("a@x")
    for call in (
        api.get_profile("u-1"),
        make_client(f"http://127.0.0.1:{closed_port}", attempts=1).get_profile("u"),
    ):
        try:
            await call
        except ApiError as failure:
            errors.append(failure)
            logging.getLogger(LOGGER_NAME).exception("call failed: %r", failure)
    await api.find_user_by_email("a@x")

    assert len(errors) == 2
    for error in errors:
        assert_no_secret(error)
    assert "[redacted]" in (errors[0].server_message or "")
    # httpcore's own debug records were produced, and passed the filter.
    assert any(r.name.startswith("httpcore") for r in caplog.records)
    assert "GET /users/by-email?email=a%40x&searchOnly=true -> 200" in caplog.text
    assert API_KEY not in caplog.text
    assert TOKEN not in caplog.text


async def test_closing_removes_the_filters(scripted_server: ScriptedServer) -> None:
    async with SpkeyClient(
        scripted_server.base_url, lambda: Credentials(api_key=API_KEY)
    ) as api:
        assert api.redactor in logging.getLogger("httpx").filters
        assert api.redactor in logging.getLogger(LOGGER_NAME).filters
    assert api.redactor not in logging.getLogger("httpx").filters
    assert api.redactor not in logging.getLogger(LOGGER_NAME).filters
    assert API_KEY not in repr(api)


async def test_environment_proxies_are_not_used_for_this_computer(
    scripted_server: ScriptedServer,
    second_scripted_server: ScriptedServer,
    make_client: MakeClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proxy = second_scripted_server.base_url
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, proxy)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    scripted_server.script(Reply.json(USER))

    await make_client(scripted_server.base_url).find_user_by_email("a@x")

    assert second_scripted_server.requests == []
    assert len(scripted_server.requests) == 1


async def test_an_untrusted_certificate_is_a_tls_error_and_not_retried(
    tls_scripted_server: ScriptedServer, make_client: MakeClient, sleeps: Sleeps
) -> None:
    tls_scripted_server.script(Reply.json(USER))
    api = make_client(tls_scripted_server.base_url)
    with pytest.raises(TlsError) as caught:
        await api.find_user_by_email("a@x")
    assert "CERTIFICATE_VERIFY_FAILED" in (caught.value.detail or "")
    assert sleeps == []
    assert tls_scripted_server.requests == []


async def test_a_trusted_certificate_over_https(
    tls_scripted_server: ScriptedServer, tls_files: TlsFiles
) -> None:
    tls_scripted_server.script(Reply.json(USER))
    async with SpkeyClient(
        tls_scripted_server.base_url,
        lambda: Credentials(api_key=API_KEY),
        verify=tls_files.client_trusting_the_ca(),
    ) as api:
        user = await api.find_user_by_email("a@x")
    assert user.uuid == "u-1"
    assert tls_scripted_server.requests[0].headers["x-api-key"] == API_KEY


@pytest.mark.parametrize(
    ("status", "error_class", "words"),
    [
        (401, UnauthorizedError, "did not accept the API key"),
        (403, ForbiddenError, "not allowed to do this"),
    ],
)
async def test_401_and_403_without_a_body(
    scripted_server: ScriptedServer,
    make_client: MakeClient,
    sleeps: Sleeps,
    status: int,
    error_class: type[ApiError],
    words: str,
) -> None:
    scripted_server.script(Reply(status, b"", (("WWW-Authenticate", "Bearer"),)))
    with pytest.raises(error_class) as caught:
        await make_client(scripted_server.base_url).my_cameras()
    assert type(caught.value) is error_class
    assert caught.value.status == status
    assert caught.value.server_message is None
    assert words in str(caught.value)
    assert sleeps == []
    assert_no_secret(caught.value)
