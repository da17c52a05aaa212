"""Every endpoint, and the errors real conditions produce, against the project's
local SmartphoneKey server over loopback HTTP."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from spkey_desktop.api import (
    AlreadyExistsError,
    ApiTimeoutError,
    ConnectionFailedError,
    Credentials,
    InvalidInputError,
    NotFoundError,
    PlateNotFoundError,
    RateLimitedError,
    ServerError,
    SpkeyClient,
    Timeouts,
    UnauthorizedError,
    UnavailableError,
)
from spkey_desktop.server import make_token
from spkey_desktop.server.cameras import Camera, LprEvent

from ..helpers.api_fixtures import (
    LocalApi,
    MakeClient,
    Sleeps,
    StartLocalApi,
    assert_no_secret,
)

EMAIL = "driver@example.com"
PHONE = "+48123456789"


@pytest.fixture
def api(local_api: LocalApi, make_client: MakeClient) -> SpkeyClient:
    return make_client(local_api.base_url, local_api.key)


@pytest.fixture
def user_id(local_api: LocalApi) -> str:
    return local_api.server.create_user(
        local_api.org.org_id,
        email=EMAIL,
        phone=PHONE,
        first_name="Anna",
        last_name="Nowak",
    )


# --- lookups ---------------------------------------------------------------------


async def test_find_by_email(
    local_api: LocalApi, api: SpkeyClient, user_id: str
) -> None:
    user = await api.find_user_by_email(EMAIL)
    assert user.uuid == user_id
    assert user.email == EMAIL
    assert user.created_at is not None

    (exchange,) = await local_api.exchanges.settled(1)
    assert exchange.query == "email=driver%40example.com&searchOnly=true"


async def test_find_by_phone_in_any_international_form(
    local_api: LocalApi, api: SpkeyClient, user_id: str
) -> None:
    for typed in ("+48 123 456 789", "0048123456789"):
        user = await api.find_user_by_phone(typed)
        assert user.uuid == user_id
        assert user.phone_number == PHONE

    exchanges = await local_api.exchanges.settled(2)
    assert all("searchOnly=true" in e.query for e in exchanges)


async def test_a_missed_lookup_creates_nobody(
    local_api: LocalApi, api: SpkeyClient
) -> None:
    with pytest.raises(NotFoundError) as by_email:
        await api.find_user_by_email("nobody@example.com")
    with pytest.raises(NotFoundError) as by_phone:
        await api.find_user_by_phone("+48 999 000 111")

    assert "nobody@example.com" in str(by_email.value)
    assert by_email.value.server_message == "No user has this email."
    assert "+48 999 000 111" in str(by_phone.value)
    assert local_api.server.users.count(local_api.org.org_id) == 0


async def test_lookup_with_create_makes_the_user(
    local_api: LocalApi, api: SpkeyClient
) -> None:
    user = await api.find_user_by_email("new@example.com", create=True)
    assert local_api.server.users.get(user.uuid) is not None
    again = await api.find_user_by_email("new@example.com")
    assert again.uuid == user.uuid


async def test_a_local_phone_number_is_invalid_input(api: SpkeyClient) -> None:
    with pytest.raises(InvalidInputError) as caught:
        await api.find_user_by_phone("123 456 789")
    assert "international" in (caught.value.server_message or "")
    assert "international" in str(caught.value)


async def test_other_organizations_users_are_invisible(
    local_api: LocalApi, api: SpkeyClient
) -> None:
    theirs = local_api.server.create_user(local_api.other.org_id, email="b@example.com")
    with pytest.raises(NotFoundError):
        await api.find_user_by_email("b@example.com")
    with pytest.raises(NotFoundError):
        await api.get_profile(theirs)


# --- users -----------------------------------------------------------------------


async def test_create_user_then_again(local_api: LocalApi, api: SpkeyClient) -> None:
    new_id = "7a1c5f0e-2b9d-4c3e-8f6a-1d2e3f4a5b6c"
    created = await api.create_user(
        new_id, email="c@example.com", first_name="Jan", last_name="Kowalski"
    )
    assert created.created
    assert (created.user_id, created.aggregate_id, created.version) == (
        new_id,
        new_id,
        1,
    )

    again = await api.create_user(new_id, email="c@example.com")
    assert not again.created
    assert again.version == 1

    profile = await api.get_profile(new_id)
    assert profile.display_name == "Jan Kowalski"


async def test_a_phone_number_set_after_create_user_finds_the_user(
    local_api: LocalApi, api: SpkeyClient
) -> None:
    new_id = "3f0b6d2a-9c4e-4a7b-8e1f-2a3b4c5d6e7f"
    await api.create_user(new_id, first_name="Ola", phone_number="+48 600 100 200")
    with pytest.raises(NotFoundError):  # CreateUser does not store it
        await api.find_user_by_phone("+48 600 100 200")

    updated = await api.update_phone_number(new_id, "+48 600 100 200")

    assert updated.changed
    assert updated.event_type == "UserPhoneNumberUpdated"
    assert (updated.aggregate_id, updated.version) == (new_id, 2)
    found = await api.find_user_by_phone("0048600100200")
    assert found.uuid == new_id
    assert (await api.get_profile(new_id)).phone_number == "+48600100200"

    again = await api.update_phone_number(new_id, "0048 600 100 200")

    assert not again.changed
    assert again.version == 2
    assert local_api.server.user_version(new_id) == 2


async def test_a_phone_number_removed_finds_nobody(
    api: SpkeyClient, user_id: str
) -> None:
    removed = await api.update_phone_number(user_id, None)

    assert removed.changed
    assert removed.version == 2
    with pytest.raises(NotFoundError):
        await api.find_user_by_phone(PHONE)
    assert not (await api.update_phone_number(user_id, None)).changed


async def test_update_phone_number_errors(
    local_api: LocalApi, api: SpkeyClient, user_id: str
) -> None:
    other = local_api.server.create_user(local_api.org.org_id, phone="+48700100200")

    with pytest.raises(InvalidInputError) as local_number:
        await api.update_phone_number(user_id, "600 100 200")
    assert "international" in (local_number.value.server_message or "")
    assert local_number.value.status == 400
    with pytest.raises(InvalidInputError) as taken:
        await api.update_phone_number(user_id, "+48 700 100 200")
    assert taken.value.status == 400
    with pytest.raises(NotFoundError) as ghost:
        await api.update_phone_number("00000000-0000-4000-8000-000000000000", PHONE)
    assert ghost.value.status == 404
    assert "does not exist" in str(ghost.value)
    theirs = local_api.server.create_user(local_api.other.org_id, email="t@x.pl")
    with pytest.raises(NotFoundError):
        await api.update_phone_number(theirs, "+48800100200")
    with pytest.raises(InvalidInputError):  # refused before sending
        await api.update_phone_number(user_id, "  ")

    assert len(await local_api.exchanges.settled(4)) == 4
    assert (await api.find_user_by_phone(PHONE)).uuid == user_id
    assert (await api.find_user_by_phone("+48700100200")).uuid == other
    assert local_api.server.user_version(user_id) == 1


async def test_profile(api: SpkeyClient, user_id: str) -> None:
    profile = await api.get_profile(user_id)
    assert profile.user_id == user_id
    assert profile.display_name == "Anna Nowak"
    assert (profile.email, profile.phone_number, profile.status) == (
        EMAIL,
        PHONE,
        "ACTIVE",
    )


async def test_unknown_user_profile_reads_the_errors_list_shape(
    api: SpkeyClient,
) -> None:
    with pytest.raises(NotFoundError) as caught:
        await api.get_profile("00000000-0000-4000-8000-000000000000")
    assert caught.value.status == 404
    assert caught.value.server_message == "User not found"
    assert caught.value.error_code == "404"
    assert "does not exist" in str(caught.value)


# --- plates ----------------------------------------------------------------------


async def test_list_plates(local_api: LocalApi, api: SpkeyClient, user_id: str) -> None:
    local_api.server.add_plate(user_id, "KR 123-45", "Car", added_at=1700000000123)
    plates = await api.list_plates(user_id)
    assert plates.total_count == 1
    (plate,) = plates.plates
    assert (plate.plate, plate.label) == ("KR12345", "Car")
    assert plate.added_at == datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC)


async def test_add_then_add_again_is_a_no_op(
    local_api: LocalApi, api: SpkeyClient, user_id: str
) -> None:
    added = await api.add_plate(user_id, "WA12345", "Van")
    assert added.changed
    assert added.event_type == "LicensePlateAdded"
    assert (added.plate, added.label) == ("WA12345", "Van")
    assert added.version == local_api.server.user_version(user_id) == 2

    again = await api.add_plate(user_id, "WA12345")
    assert not again.changed
    assert again.version == 2
    assert local_api.server.plates_of(user_id) == ["WA12345"]


async def test_add_a_duplicate_answering_400(
    start_local_api: StartLocalApi, make_client: MakeClient
) -> None:
    local = start_local_api(duplicate_add="error")
    user_id = local.server.create_user(local.org.org_id, email=EMAIL)
    local.server.add_plate(user_id, "WA12345")
    api = make_client(local.base_url, local.key)

    with pytest.raises(AlreadyExistsError) as caught:
        await api.add_plate(user_id, "WA12345")
    assert caught.value.status == 400
    assert caught.value.server_message == "plate already exists"
    assert "already registered" in str(caught.value)


async def test_remove(local_api: LocalApi, api: SpkeyClient, user_id: str) -> None:
    local_api.server.add_plate(user_id, "KR1")
    removed = await api.remove_plate(user_id, "KR1")
    assert removed.changed
    assert removed.event_type == "LicensePlateRemoved"
    assert removed.version == 3
    assert local_api.server.plates_of(user_id) == []


async def test_remove_a_plate_the_user_does_not_have(
    api: SpkeyClient, user_id: str
) -> None:
    with pytest.raises(PlateNotFoundError) as caught:
        await api.remove_plate(user_id, "KR1")
    assert caught.value.status == 400
    assert "KR1" in str(caught.value)


async def test_plate_commands_on_an_unknown_user(api: SpkeyClient) -> None:
    ghost = "00000000-0000-4000-8000-000000000000"
    with pytest.raises(NotFoundError) as caught:
        await api.remove_plate(ghost, "KR1")
    assert type(caught.value) is NotFoundError
    with pytest.raises(NotFoundError):
        await api.add_plate(ghost, "KR1")


async def test_a_version_jump_shows_another_writer(
    local_api: LocalApi, api: SpkeyClient, user_id: str
) -> None:
    first = await api.add_plate(user_id, "KR1")
    local_api.server.add_plate(user_id, "KR2")  # someone else, elsewhere
    second = await api.add_plate(user_id, "KR3")
    assert second.version - first.version == 2


# --- cameras and LPR events --------------------------------------------------------

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _seed_camera(local: LocalApi, events: int) -> str:
    camera = Camera(
        camera_id="cam-gate",
        org_id=local.org.org_id,
        three_deye_id="3d-1",
        name="Main gate",
        type="onvif",
        status="online",
        http_url="http://admin:secret@10.0.0.2/",
        rtsp_url="rtsp://admin:secret@10.0.0.2/live",
    )
    local.server.cameras.add(camera)
    local.server.cameras.add_events(
        LprEvent(
            event_id=f"evt-{n:03d}",
            camera_id=camera.camera_id,
            lock_id=None,
            plate=f"KR{n:03d}",
            confidence=0.9,
            matched=n % 2 == 0,
            matched_user_id=None,
            action_taken="none",
            timestamp_ms=int((START + timedelta(minutes=n)).timestamp() * 1000),
        )
        for n in range(events)
    )
    return camera.camera_id


async def test_my_cameras(local_api: LocalApi, api: SpkeyClient) -> None:
    camera_id = _seed_camera(local_api, 0)
    (camera,) = await api.my_cameras()
    assert camera.camera_id == camera_id
    assert camera.name == "Main gate"
    assert camera.org_id == local_api.org.org_id
    assert camera.permissions
    assert "secret" not in repr(camera)


async def test_lpr_events_one_page(local_api: LocalApi, api: SpkeyClient) -> None:
    camera_id = _seed_camera(local_api, 7)
    page = await api.lpr_events(camera_id, page=2, page_size=3)
    assert (page.page, page.page_size, page.total, page.has_more) == (2, 3, 7, True)
    assert len(page.events) == 3
    assert all(e.camera_id == camera_id for e in page.events)
    assert all(e.timestamp is not None for e in page.events)


async def test_iterate_all_events_and_filter_by_time(
    local_api: LocalApi, api: SpkeyClient
) -> None:
    camera_id = _seed_camera(local_api, 7)
    every = [e.id async for e in api.iter_lpr_events(camera_id, page_size=3)]
    assert sorted(every) == [f"evt-{n:03d}" for n in range(7)]
    assert len(await local_api.exchanges.settled(3)) == 3

    window = [
        e.plate
        async for e in api.iter_lpr_events(
            camera_id,
            start=START + timedelta(minutes=2),
            end=START + timedelta(minutes=4),
        )
    ]
    assert sorted(window) == ["KR002", "KR003", "KR004"]


async def test_events_of_an_unknown_camera(api: SpkeyClient) -> None:
    with pytest.raises(NotFoundError) as caught:
        await api.lpr_events("no-such-camera")
    assert "no-such-camera" in str(caught.value)
    assert caught.value.server_message == "Camera not found"


# --- authentication ----------------------------------------------------------------


async def test_a_token_alone_is_enough(
    local_api: LocalApi, make_client: MakeClient, user_id: str
) -> None:
    api = make_client(local_api.base_url, local_api.token)
    assert (await api.get_profile(user_id)).user_id == user_id


@pytest.mark.parametrize(
    "credentials",
    [
        Credentials(api_key="A" * 40),
        Credentials(token=make_token("some-org")),
    ],
    ids=["unknown-key", "unknown-token"],
)
async def test_unknown_credentials_are_unauthorized(
    local_api: LocalApi,
    make_client: MakeClient,
    sleeps: Sleeps,
    credentials: Credentials,
) -> None:
    api = make_client(local_api.base_url, credentials)
    with pytest.raises(UnauthorizedError) as caught:
        await api.my_cameras()
    assert caught.value.status == 401
    assert "connection profile" in str(caught.value)
    assert sleeps == []
    assert_no_secret(caught.value, "A" * 40)


async def test_a_rotated_key_is_picked_up_without_a_new_client(
    local_api: LocalApi, make_client: MakeClient, user_id: str
) -> None:
    current = [Credentials(api_key="B" * 40)]
    api = make_client(local_api.base_url, lambda: current[0])
    with pytest.raises(UnauthorizedError):
        await api.get_profile(user_id)

    current[0] = local_api.key
    assert (await api.get_profile(user_id)).user_id == user_id


# --- injected faults ----------------------------------------------------------------


@pytest.mark.parametrize("kind", [502, 503, 504, 429])
async def test_get_recovers_from_a_passing_fault(
    local_api: LocalApi, api: SpkeyClient, sleeps: Sleeps, user_id: str, kind: int
) -> None:
    local_api.server.faults.fail_next(1, kind)  # type: ignore[arg-type]
    assert (await api.get_profile(user_id)).user_id == user_id
    # 429 carries the server's Retry-After: 1; the others back off 0.5 s.
    assert sleeps == ([1.0] if kind == 429 else [0.5])
    statuses = [e.status for e in await local_api.exchanges.settled(2)]
    assert statuses == [kind, 200]


async def test_get_gives_up_on_a_lasting_outage(
    local_api: LocalApi, api: SpkeyClient, sleeps: Sleeps, user_id: str
) -> None:
    local_api.server.faults.fail_next(3, 503)
    with pytest.raises(UnavailableError) as caught:
        await api.list_plates(user_id)
    assert caught.value.server_message == "503 Service Unavailable"
    assert "temporarily unavailable" in str(caught.value)
    assert sleeps == [0.5, 1.0]
    assert_no_secret(caught.value, local_api.org.api_key)


async def test_rate_limited_to_the_end(
    local_api: LocalApi, api: SpkeyClient, sleeps: Sleeps
) -> None:
    local_api.server.faults.fail_next(3, 429)
    with pytest.raises(RateLimitedError) as caught:
        await api.my_cameras()
    assert caught.value.retry_after == 1.0
    assert "Wait 1 second and try again" in str(caught.value)
    assert sleeps == [1.0, 1.0]


async def test_a_real_retry_after_wait(local_api: LocalApi, user_id: str) -> None:
    local_api.server.faults.fail_next(1, 429)
    async with SpkeyClient(local_api.base_url, lambda: local_api.key) as api:
        started = time.monotonic()
        await api.get_profile(user_id)
        waited = time.monotonic() - started
    assert 0.95 <= waited < 5


async def test_a_500_is_not_retried(
    local_api: LocalApi, api: SpkeyClient, sleeps: Sleeps
) -> None:
    local_api.server.faults.fail_next(1, 500)
    with pytest.raises(ServerError) as caught:
        await api.my_cameras()
    assert type(caught.value) is ServerError
    assert caught.value.server_message == "An unexpected error occurred."
    assert sleeps == []


async def test_post_is_not_retried_on_502(
    local_api: LocalApi, api: SpkeyClient, sleeps: Sleeps, user_id: str
) -> None:
    local_api.server.faults.fail_next(1, 502)
    with pytest.raises(UnavailableError) as caught:
        await api.add_plate(user_id, "KR1")
    assert sleeps == []
    assert "may have been saved" in str(caught.value)
    assert local_api.server.plates_of(user_id) == []
    assert len(await local_api.exchanges.settled(1)) == 1


async def test_a_gateway_timeout_after_the_change_was_saved(
    local_api: LocalApi, api: SpkeyClient, sleeps: Sleeps, user_id: str
) -> None:
    local_api.server.faults.fail_next(1, 504, after_handler=True)
    with pytest.raises(UnavailableError, match="may have been saved"):
        await api.add_plate(user_id, "KR1")
    assert sleeps == []
    # Exactly what the sentence warns about: the plate is there.
    assert local_api.server.plates_of(user_id) == ["KR1"]
    assert not (await api.add_plate(user_id, "KR1")).changed


async def test_a_stalled_answer_times_out(
    local_api: LocalApi, make_client: MakeClient, sleeps: Sleeps, user_id: str
) -> None:
    local_api.server.faults.fail_next(2, "stall")
    api = make_client(local_api.base_url, local_api.key, timeouts=Timeouts(read=0.3))
    with pytest.raises(ApiTimeoutError) as caught:
        await api.add_plate(user_id, "KR1")
    assert "did not answer within 0.3 seconds" in str(caught.value)
    assert "may have been saved" in str(caught.value)
    assert sleeps == []


async def test_slow_server_then_a_stall_on_get_is_retried(
    local_api: LocalApi, make_client: MakeClient, sleeps: Sleeps, user_id: str
) -> None:
    local_api.server.faults.fail_next(1, "stall")
    api = make_client(local_api.base_url, local_api.key, timeouts=Timeouts(read=0.3))
    assert (await api.get_profile(user_id)).user_id == user_id
    assert sleeps == [0.5]


async def test_a_dropped_connection(
    local_api: LocalApi, api: SpkeyClient, sleeps: Sleeps, user_id: str
) -> None:
    local_api.server.faults.fail_next(1, "close")
    assert (await api.get_profile(user_id)).user_id == user_id
    assert sleeps == [0.5]

    local_api.server.faults.fail_next(1, "close")
    with pytest.raises(ConnectionFailedError, match="broke before the answer"):
        await api.remove_plate(user_id, "KR1")


async def test_latency_beyond_the_read_timeout(
    local_api: LocalApi, make_client: MakeClient, user_id: str
) -> None:
    local_api.server.set_latency(500)
    api = make_client(
        local_api.base_url, local_api.key, attempts=1, timeouts=Timeouts(read=0.1)
    )
    with pytest.raises(ApiTimeoutError):
        await api.get_profile(user_id)

    local_api.server.set_latency(0)
    assert (await api.get_profile(user_id)).user_id == user_id


async def test_a_stopped_server_is_a_connection_failure(
    local_api: LocalApi, api: SpkeyClient, sleeps: Sleeps
) -> None:
    local_api.server.stop()
    with pytest.raises(ConnectionFailedError) as caught:
        await api.my_cameras()
    assert "Could not connect to 127.0.0.1" in str(caught.value)
    assert sleeps == [0.5, 1.0]
