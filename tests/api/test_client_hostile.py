"""The client against hostile answers, over real loopback sockets: whatever a
server sends, every failure of a call is an ApiError with a sentence, and what
a call returns can be stored and shown."""

from __future__ import annotations

import asyncio
import gzip
import sqlite3

import pytest

from spkey_desktop.api import (
    ApiError,
    ApiTimeoutError,
    InvalidInputError,
    RateLimitedError,
    Timeouts,
    UnavailableError,
    UnexpectedResponseError,
)

from ..helpers.api_fixtures import MakeClient, Reply, ScriptedServer, Sleeps

JSON = (("Content-Type", "application/json"),)
DEEP = b"[" * 200_000 + b"]" * 200_000
NINES = "9" * 400


def _fits_in_sqlite(*texts: str) -> None:
    """What the roster does with a server's strings: store them."""
    with sqlite3.connect(":memory:") as db:
        db.execute("CREATE TABLE t (v TEXT)")
        db.executemany("INSERT INTO t VALUES (?)", [(t,) for t in texts])


@pytest.mark.parametrize(
    ("call", "reply", "error_class"),
    [
        ("profile", Reply(200, DEEP, JSON), UnexpectedResponseError),
        ("add", Reply(400, DEEP, JSON), InvalidInputError),
        ("profile", Reply(500, DEEP, JSON), ApiError),
        (
            "add",
            Reply(200, b'{"aggregateId": "u-1", "version": ' + NINES.encode() + b"}"),
            UnexpectedResponseError,
        ),
        ("profile", Reply.json({}, 429, (("Retry-After", NINES),)), RateLimitedError),
        (
            "profile",
            Reply(
                503,
                b"<h1>down</h1>",
                (("Content-Type", "text/html"), ("Retry-After", NINES)),
            ),
            UnavailableError,
        ),
        ("add", Reply.json({}, 503, (("Retry-After", "1e999"),)), UnavailableError),
    ],
    ids=[
        "200 nested 200000 deep",
        "400 nested 200000 deep",
        "500 nested 200000 deep",
        "400-digit version",
        "429 Retry-After of 400 nines",
        "503 Retry-After of 400 nines",
        "503 Retry-After 1e999",
    ],
)
async def test_hostile_answers_raise_api_errors_with_a_sentence(
    scripted_server: ScriptedServer,
    make_client: MakeClient,
    call: str,
    reply: Reply,
    error_class: type[ApiError],
) -> None:
    scripted_server.script(reply)
    api = make_client(scripted_server.base_url, attempts=1)
    sending = api.get_profile("u-1") if call == "profile" else api.add_plate("u-1", "K")
    with pytest.raises(error_class) as caught:
        await sending
    sentence = str(caught.value)
    assert sentence.endswith("."), sentence
    assert len(sentence) < 600
    _fits_in_sqlite(sentence, caught.value.server_message or "")


async def test_a_huge_number_in_a_field_the_app_ignores_is_ignored(
    scripted_server: ScriptedServer, make_client: MakeClient
) -> None:
    scripted_server.script(Reply.json({"userId": "u-1", "version": int(NINES)}))
    profile = await make_client(scripted_server.base_url).get_profile("u-1")
    assert profile.user_id == "u-1"


async def test_lone_surrogates_become_replacement_characters(
    scripted_server: ScriptedServer, make_client: MakeClient
) -> None:
    # JSON may escape half of a UTF-16 pair; Python then holds a lone surrogate,
    # which no UTF-8 encoder (SQLite's, the log file's) accepts.
    scripted_server.script(
        Reply(
            200,
            b'{"userId": "u-\\ud800", "firstName": "Ann\\udfff", '
            b'"lastName": "\\ud83d\\ude97", "email": "\\udc00\\ud800@x"}',
            JSON,
        ),
        Reply(200, b'{"licensePlates": [{"plate": "KR\\ud800", "label": "x"}]}', JSON),
        Reply(400, b'{"error": "Bad", "message": "plate \\ud800 is odd"}', JSON),
    )
    api = make_client(scripted_server.base_url, attempts=1)

    profile = await api.get_profile("u-1")
    assert profile.user_id == "u-\ufffd"
    assert profile.first_name == "Ann\ufffd"
    assert profile.last_name == "\U0001f697"  # a whole pair is a character
    assert profile.email == "\ufffd\ufffd@x"

    plates = await api.list_plates("u-1")
    assert plates.plates[0].plate == "KR\ufffd"

    with pytest.raises(InvalidInputError) as caught:
        await api.add_plate("u-1", "KR1")
    assert caught.value.server_message == "plate \ufffd is odd"

    _fits_in_sqlite(
        profile.user_id,
        profile.first_name,
        profile.email or "",
        plates.plates[0].plate,
        str(caught.value),
    )


async def test_a_retry_after_beyond_any_clock_is_not_waited_for(
    scripted_server: ScriptedServer, make_client: MakeClient, sleeps: Sleeps
) -> None:
    scripted_server.script(Reply.json({}, 429, (("Retry-After", NINES),)))
    with pytest.raises(RateLimitedError) as caught:
        await make_client(scripted_server.base_url).get_profile("u-1")
    assert sleeps == []
    retry_after = caught.value.retry_after
    assert retry_after is not None
    # A number a timer can hold: the outbox shuts its gate for this long.
    assert 0 < retry_after <= 7 * 24 * 3600


@pytest.mark.parametrize(
    ("status", "retry_after", "words"),
    [
        (429, "10000000000", "Wait a while (the server asked for more than a day)"),
        (429, "86401", "Wait a while (the server asked for more than a day)"),
        (429, NINES, "Wait a while (the server asked for more than a day)"),
        (429, "86400", "Wait 24 hours and try again."),
        (429, "10800", "Wait 3 hours and try again."),
        (429, "3600", "Wait 60 minutes and try again."),
        (429, "30", "Wait 30 seconds and try again."),
        (503, "10000000000", "Try again later (the server asked to wait more than"),
        (503, "7200", "Try again in 2 hours."),
    ],
    ids=lambda v: "400 nines" if v == NINES else None,
)
async def test_a_long_retry_after_is_worded_for_people(
    scripted_server: ScriptedServer,
    make_client: MakeClient,
    status: int,
    retry_after: str,
    words: str,
) -> None:
    scripted_server.script(Reply.json({}, status, (("Retry-After", retry_after),)))
    with pytest.raises(ApiError) as caught:
        await make_client(scripted_server.base_url, attempts=1).get_profile("u-1")
    assert words in str(caught.value)
    assert "minutes" not in str(caught.value) or int(retry_after) < 7200


# --- answers too large to read ------------------------------------------------------

MB = 1024 * 1024


def _raw(head: str, body: bytes = b"") -> Reply:
    return Reply(raw=f"HTTP/1.1 200 OK\r\n{head}\r\n".encode() + body)


@pytest.mark.parametrize(
    "reply",
    [
        Reply(
            200, b'{"userId": "u-1", "firstName": "' + b"x" * (11 * MB) + b'"}', JSON
        ),
        # Announced, then not sent: refused without waiting for it.
        _raw(
            "Content-Type: application/json\r\nContent-Length: 209715200\r\n",
            b'{"userId": "u-1"',
        ),
        # Chunked: no length to go by, so the reading itself must stop.
        _raw(
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n",
            b"".join(b"%x\r\n%s\r\n" % (MB, b" " * MB) for _ in range(11)),
        ),
        # 11 MB of spaces in 11 kB of gzip: the limit counts what it unpacks to.
        _raw(
            "Content-Type: application/json\r\nContent-Encoding: gzip\r\n"
            f"Content-Length: {len(gzip.compress(b' ' * 11 * MB))}\r\n",
            gzip.compress(b" " * 11 * MB),
        ),
    ],
    ids=["11 MB", "200 MB announced", "chunked 11 MB", "gzip of 11 MB"],
)
async def test_an_answer_over_10_mb_is_not_read(
    scripted_server: ScriptedServer, make_client: MakeClient, reply: Reply
) -> None:
    scripted_server.script(reply, reply)
    api = make_client(scripted_server.base_url, timeouts=Timeouts(read=2))
    with pytest.raises(UnexpectedResponseError) as caught:
        await api.get_profile("u-1")
    assert "larger than 10 MB" in str(caught.value)
    assert caught.value.status == 200
    assert len(scripted_server.requests) == 1  # the next one would be as large


async def test_an_answer_just_under_10_mb_is_read(
    scripted_server: ScriptedServer, make_client: MakeClient
) -> None:
    name = "x" * (10 * MB - 100)
    scripted_server.script(Reply.json({"userId": "u-1", "firstName": name}))
    profile = await make_client(scripted_server.base_url).get_profile("u-1")
    assert profile.first_name == name


async def test_a_huge_error_page_still_gives_the_error_of_its_status(
    scripted_server: ScriptedServer, make_client: MakeClient
) -> None:
    page = b"<html><title>Maintenance</title>" + b"x" * (20 * MB) + b"</html>"
    scripted_server.script(Reply(503, page, (("Content-Type", "text/html"),)))
    with pytest.raises(UnavailableError) as caught:
        await make_client(scripted_server.base_url, attempts=1).get_profile("u-1")
    assert caught.value.server_message == "Maintenance"


# --- answers that never end -----------------------------------------------------------


def _dripping(pause_s: float) -> Reply:
    return Reply(200, b'{"userId": "u-1", "firstName": "slow"}', JSON, drip_s=pause_s)


async def test_a_dripping_answer_runs_into_the_deadline(
    scripted_server: ScriptedServer, make_client: MakeClient, sleeps: Sleeps
) -> None:
    scripted_server.script(_dripping(0.1), _dripping(0.1))
    api = make_client(
        scripted_server.base_url, attempts=2, timeouts=Timeouts(read=1, total=1.5)
    )
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(ApiTimeoutError) as caught:
        await api.get_profile("u-1")
    took = loop.time() - started
    # The answer needs about 14 s per try; two tries of 1.5 s are allowed.
    assert 2.9 <= took < 5
    assert "within 1.5 seconds" in str(caught.value)
    assert caught.value.transient
    assert len(scripted_server.requests) == 2
    assert sleeps == [0.5]


async def test_the_default_deadline_stops_a_drip_that_each_read_allows(
    scripted_server: ScriptedServer, make_client: MakeClient
) -> None:
    # A byte every 0.05 s passes any read timeout; the answer would take 7 s.
    scripted_server.script(_dripping(0.05))
    half_second = Timeouts(connect=0.5, read=0.5, write=0.5, pool=0.5)
    api = make_client(scripted_server.base_url, attempts=1, timeouts=half_second)
    loop = asyncio.get_running_loop()
    started = loop.time()
    with pytest.raises(ApiTimeoutError):
        await api.get_profile("u-1")
    assert loop.time() - started < 3  # the deadline: 0.5 + 0.5 + 2 x 0.5 s


async def test_a_dripping_answer_to_a_command_is_not_repeated(
    scripted_server: ScriptedServer, make_client: MakeClient, sleeps: Sleeps
) -> None:
    scripted_server.script(_dripping(0.1), _dripping(0.1))
    api = make_client(scripted_server.base_url, timeouts=Timeouts(read=1, total=1))
    with pytest.raises(ApiTimeoutError) as caught:
        await api.add_plate("u-1", "KR1")
    assert "may have been saved" in str(caught.value)
    assert len(scripted_server.requests) == 1
    assert sleeps == []


async def test_a_slow_answer_within_the_deadline_is_read(
    scripted_server: ScriptedServer, make_client: MakeClient
) -> None:
    scripted_server.script(_dripping(0.005))
    api = make_client(scripted_server.base_url, timeouts=Timeouts(read=1, total=10))
    assert (await api.get_profile("u-1")).first_name == "slow"


def test_the_deadline_follows_the_phase_timeouts_unless_given() -> None:
    assert Timeouts().deadline == 50
    assert Timeouts(connect=1, read=1, write=1, pool=1).deadline == 4
    assert Timeouts(read=1, total=1.5).deadline == 1.5


# --- paging that never ends -----------------------------------------------------------


def _event(n: int) -> dict[str, object]:
    return {"id": f"e{n}", "cameraId": "cam", "plate": f"P{n}", "matched": False}


async def test_a_server_repeating_a_page_that_claims_more_is_not_asked_forever(
    scripted_server: ScriptedServer, make_client: MakeClient
) -> None:
    stuck = {"events": [_event(1)], "page": 1, "total": 1_000_000, "hasMore": True}
    scripted_server.default = Reply.json(stuck)
    api = make_client(scripted_server.base_url)
    seen: list[str] = []

    async def collect() -> None:
        async for event in api.iter_lpr_events("cam"):
            seen.append(event.id)

    with pytest.raises(UnexpectedResponseError) as caught:
        await asyncio.wait_for(collect(), timeout=10)
    assert seen == ["e1"]
    assert len(scripted_server.requests) == 2
    assert "only events it had already sent" in str(caught.value)
    assert "incomplete" in str(caught.value)


async def test_a_server_inventing_events_beyond_its_total_is_stopped(
    scripted_server: ScriptedServer, make_client: MakeClient
) -> None:
    scripted_server.script(
        *(
            Reply.json({"events": [_event(n)], "total": 3, "hasMore": True})
            for n in range(1, 50)
        )
    )
    api = make_client(scripted_server.base_url)
    seen: list[str] = []

    async def collect() -> None:
        async for event in api.iter_lpr_events("cam", page_size=1):
            seen.append(event.id)

    with pytest.raises(UnexpectedResponseError) as caught:
        await asyncio.wait_for(collect(), timeout=10)
    # 3 events in pages of 1, and one page more for an event recorded meanwhile.
    assert seen == ["e1", "e2", "e3", "e4"]
    assert len(scripted_server.requests) == 4
    assert "beyond the 3" in str(caught.value)


async def test_events_recorded_while_paging_fit_in_the_page_to_spare(
    scripted_server: ScriptedServer, make_client: MakeClient
) -> None:
    # Newest first: e0 arrived after page 1 was read and pushed e2 onto page 2.
    scripted_server.script(
        Reply.json({"events": [_event(1), _event(2)], "total": 4, "hasMore": True}),
        Reply.json({"events": [_event(2), _event(3)], "total": 5, "hasMore": True}),
        Reply.json({"events": [_event(4), _event(5)], "total": 5, "hasMore": False}),
    )
    api = make_client(scripted_server.base_url)
    ids = [e.id async for e in api.iter_lpr_events("cam", page_size=2)]
    assert ids == ["e1", "e2", "e3", "e4", "e5"]
