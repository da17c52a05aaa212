"""The demo organization: realistic, deterministic, quick to seed."""

from __future__ import annotations

import re
import time
from collections import Counter

import httpx
import pytest

from spkey_desktop.server import LocalServer, ServerConfig, normalize_phone
from spkey_desktop.server.cameras import CameraStore, LprEvent
from spkey_desktop.server.db import Database
from spkey_desktop.server.demo import seed_demo
from spkey_desktop.server.demo_data import LOOKALIKES
from spkey_desktop.server.users import UserStore

NOW = 1_767_225_600_000  # 2026-01-01T00:00:00Z
DAY = 24 * 3600 * 1000
COUNTRY_FORMATS = {
    "PL": r"[A-Z]{2,3}[0-9A-Z]{4,5}",
    "DE": r"(?:B|M|HH|K|F|S|TÜ|D|HB|L|MÜ|GÖ)[A-Z]{1,2}[0-9]{1,4}",
    "UK": r"[A-Z]{2}[0-9]{2}[A-Z]{3}",
    "FR": r"[A-Z]{2}[0-9]{3}[A-Z]{2}",
    "NL": r"[0-9]{2}[A-Z]{3}[0-9]|[A-Z]{2}[0-9]{3}[A-Z]|[0-9][A-Z]{3}[0-9]{2}",
}


class Seeded:
    def __init__(self, seed: int = 2024, users: int = 300) -> None:
        self.db = Database()
        self.users = UserStore(self.db)
        self.cameras = CameraStore(self.db)
        self.users.add_organization("demo", "Demo")
        started = time.monotonic()
        self.summary = seed_demo(
            self.users, self.cameras, "demo", seed=seed, user_count=users, now=NOW
        )
        self.seconds = time.monotonic() - started

    def events(self) -> list[LprEvent]:
        found: list[LprEvent] = []
        for camera in self.cameras.of_org("demo"):
            found += self.cameras.events(camera.camera_id, limit=10_000).events
        return found

    def plates(self) -> dict[str, str]:
        """Every stored plate and its user."""
        return {
            p.plate: user.user_id
            for user in self.users.all("demo")
            for p in self.users.plates(user.user_id)
        }


@pytest.fixture(scope="module")
def seeded() -> Seeded:
    return Seeded()


def test_default_size_seeds_in_under_a_second(seeded: Seeded) -> None:
    assert seeded.seconds < 1
    assert seeded.summary.users == 300
    assert seeded.summary.cameras == 2
    assert seeded.summary.lpr_events == 3000
    assert seeded.summary.plates == len(seeded.plates())
    assert 300 <= seeded.summary.plates <= 600


def test_users_are_varied(seeded: Seeded) -> None:
    users = seeded.users.all("demo")
    statuses = Counter(u.status for u in users)
    names = " ".join(f"{u.first_name} {u.last_name}" for u in users)
    emails = [u.email for u in users if u.email]
    phones = [u.phone for u in users if u.phone]

    assert set(statuses) == {"ACTIVE", "INACTIVE", "SUSPENDED"}
    assert statuses["ACTIVE"] > statuses["INACTIVE"] > 0
    assert set("łżśüöäé") <= set(names)
    assert 0 < len(emails) < 300
    assert 0 < len(phones) < 300
    assert all(email == email.lower() and "@" in email for email in emails)
    assert all(normalize_phone(phone) == phone for phone in phones)
    prefixes = {phone[:3] for phone in phones}
    assert {"+48", "+49", "+44", "+31", "+33"} <= prefixes
    assert len(set(emails)) == len(emails)


def test_plates_come_in_several_countries_formats(seeded: Seeded) -> None:
    plates = list(seeded.plates())
    for country, pattern in COUNTRY_FORMATS.items():
        assert any(re.fullmatch(pattern, p) for p in plates), country
    assert any("Ü" in p or "Ö" in p for p in plates)


def test_a_handful_of_plates_are_stored_with_en_dashes(seeded: Seeded) -> None:
    dashed = [p for p in seeded.plates() if "\u2013" in p]
    assert 1 <= len(dashed) <= 6
    assert seeded.summary.en_dash_plates == len(dashed)


def test_plates_have_labels_and_past_added_at(seeded: Seeded) -> None:
    records = [
        p for u in seeded.users.all("demo") for p in seeded.users.plates(u.user_id)
    ]
    labels = Counter(p.label for p in records)
    assert {"Company car", "Visitor", "Private", ""} <= set(labels)
    assert all(NOW - 3 * 365 * DAY <= p.added_at < NOW for p in records)


def test_versions_match_the_event_history(seeded: Seeded) -> None:
    for user in seeded.users.all("demo")[:50]:
        events = seeded.users.events(user.user_id)
        assert events[0].type == "UserCreated"
        assert user.version == len(events)
        assert len(seeded.users.plates(user.user_id)) == len(events) - 1


def test_lpr_events_cover_the_last_30_days(seeded: Seeded) -> None:
    events = seeded.events()
    by_camera = Counter(e.camera_id for e in events)

    assert len(events) == 3000
    assert len(by_camera) == 2
    assert all(NOW - 30 * DAY <= e.timestamp_ms <= NOW for e in events)
    assert max(e.timestamp_ms for e in events) > NOW - DAY


def test_matched_events_name_the_user_with_that_plate(seeded: Seeded) -> None:
    plates = seeded.plates()
    matched = [e for e in seeded.events() if e.matched]

    assert 0.4 < len(matched) / 3000 < 0.8
    assert all(plates[e.plate] == e.matched_user_id for e in matched)


def test_some_unmatched_reads_are_one_lookalike_from_a_plate(seeded: Seeded) -> None:
    plates = seeded.plates()
    unmatched = [e for e in seeded.events() if not e.matched]

    near = [e for e in unmatched if one_lookalike_away(e.plate, plates)]
    unknown = [e for e in unmatched if e.plate not in plates and e not in near]

    assert all(e.matched_user_id is None for e in unmatched)
    assert len(near) >= 100
    assert len(unknown) >= 100


def test_en_dash_plates_are_read_without_the_dash_and_never_match(
    seeded: Seeded,
) -> None:
    dashed = {p.replace("\u2013", "") for p in seeded.plates() if "\u2013" in p}
    reads = [e for e in seeded.events() if e.plate in dashed]
    assert reads
    assert not any(e.matched for e in reads)


def test_the_same_seed_gives_the_same_data(seeded: Seeded) -> None:
    again = Seeded()
    other = Seeded(seed=7)

    assert again.plates() == seeded.plates()
    assert [e.plate for e in again.events()] == [e.plate for e in seeded.events()]
    assert other.plates() != seeded.plates()


def test_seeding_an_organization_that_has_users_does_nothing(seeded: Seeded) -> None:
    summary = seed_demo(seeded.users, seeded.cameras, "demo", now=NOW)
    assert summary.users == 0
    assert seeded.users.count("demo") == 300


def test_demo_server_answers_with_its_credentials(
    demo_server: LocalServer, demo_api: httpx.Client
) -> None:
    demo = demo_server.demo
    user = demo_server.users.all(demo.org_id)[0]
    email_user = next(u for u in demo_server.users.all(demo.org_id) if u.email)
    bearer = {"Authorization": f"Bearer {demo.token}"}

    cameras = demo_api.get("/cameras/my").json()
    plates = httpx.get(
        f"{demo.base_url}/users/{user.user_id}/license-plates", headers=bearer
    )
    found = demo_api.get(
        "/users/by-email", params={"email": email_user.email, "searchOnly": "true"}
    )
    events = demo_api.get(
        f"/cameras/{cameras['cameras'][0]['cameraId']}/lpr-events",
        params={"pageSize": 100},
    ).json()

    assert demo.base_url == demo_server.base_url
    assert cameras["total"] == 2
    assert plates.status_code == 200
    assert found.json()["uuid"] == email_user.user_id
    assert events["hasMore"] is True
    assert len(events["events"]) == 100


def test_demo_credentials_are_fresh_for_each_config() -> None:
    first, second = ServerConfig.for_demo(), ServerConfig.for_demo()
    assert first.organizations[0].org_id == second.organizations[0].org_id
    assert first.organizations[0].api_key != second.organizations[0].api_key
    assert first.organizations[0].tokens != second.organizations[0].tokens


def one_lookalike_away(read: str, plates: dict[str, str]) -> bool:
    for i, char in enumerate(read):
        for twin in LOOKALIKES.get(char, ""):
            if read[:i] + twin + read[i + 1 :] in plates:
                return True
    return False
