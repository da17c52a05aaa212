"""Seed a realistic demo organization: users, plates, cameras, LPR history.

Deterministic for a given seed and "now". The plates go through the service's
own normalization, so a few typed with en dashes are stored with them, exactly
as the real service would keep them (and no camera will ever read them).
"""

from __future__ import annotations

import unicodedata
import uuid
from dataclasses import dataclass
from random import Random

from spkey_desktop.server import aggregate
from spkey_desktop.server.aggregate import Event
from spkey_desktop.server.cameras import Camera, CameraStore, LprEvent
from spkey_desktop.server.demo_data import (
    EMAIL_DOMAINS,
    LABEL_WEIGHTS,
    LABELS,
    LOCALE_WEIGHTS,
    LOOKALIKES,
    PHONES,
    names_of,
    typed_plate,
    with_en_dashes,
)
from spkey_desktop.server.rules import normalize_plate
from spkey_desktop.server.users import UserStore, now_ms

DAY_MS = 24 * 3600 * 1000
# Relative traffic per hour of the day, midnight first.
_HOUR_WEIGHTS = (
    1,
    1,
    1,
    1,
    1,
    2,
    5,
    12,
    14,
    8,
    5,
    5,
    6,
    5,
    5,
    6,
    9,
    12,
    9,
    5,
    3,
    2,
    1,
    1,
)
_ASCII_FOLD = str.maketrans({"ł": "l", "Ł": "L", "ß": "ss", "ı": "i", "ø": "o"})


@dataclass(frozen=True)
class DemoSummary:
    users: int
    plates: int
    en_dash_plates: int
    cameras: int
    lpr_events: int


@dataclass
class _DemoUser:
    user_id: str
    status: str
    plates: list[tuple[str, str]]  # (stored plate, label)


def seed_demo(
    users: UserStore,
    cameras: CameraStore,
    org_id: str,
    *,
    seed: int = 2024,
    user_count: int = 300,
    event_count: int = 3000,
    now: int | None = None,
) -> DemoSummary:
    """Fill ``org_id`` with demo data; does nothing if it already has users."""
    if users.count(org_id):
        return DemoSummary(0, 0, 0, 0, 0)
    rng = Random(seed)
    now = now_ms() if now is None else now

    histories, demo_users = _users(rng, org_id, user_count, now)
    users.import_users(histories)
    demo_cameras = _cameras(rng, org_id)
    for camera in demo_cameras:
        cameras.add(camera)
    events = _lpr_events(rng, demo_users, demo_cameras, event_count, now)
    cameras.add_events(events)

    stored = [plate for user in demo_users for plate, _ in user.plates]
    return DemoSummary(
        users=len(demo_users),
        plates=len(stored),
        en_dash_plates=sum("\u2013" in plate for plate in stored),
        cameras=len(demo_cameras),
        lpr_events=len(events),
    )


def _users(
    rng: Random, org_id: str, count: int, now: int
) -> tuple[list[tuple[str, list[Event]]], list[_DemoUser]]:
    locales = list(LOCALE_WEIGHTS)
    weights = list(LOCALE_WEIGHTS.values())
    emails: set[str] = set()
    phones: set[str] = set()
    en_dash_left = min(6, max(1, count // 50))
    histories = []
    demo_users = []

    for _ in range(count):
        locale = rng.choices(locales, weights)[0]
        user_id = _uuid(rng)
        first, last = _name(rng, locale)
        status = rng.choices(aggregate.STATUSES, [85, 10, 5])[0]
        contact = rng.choices(["both", "email", "phone"], [75, 15, 10])[0]
        email = _email(rng, first, last, emails) if contact != "phone" else None
        phone = _phone(rng, locale, phones) if contact != "email" else None
        if rng.random() < 0.05:
            first = last = ""  # created by a lookup, never given a name
        created = now - rng.randint(40 * DAY_MS, 3 * 365 * DAY_MS)
        events = [
            aggregate.user_created(
                user_id=user_id,
                org_id=org_id,
                timestamp_ms=created,
                status=status,
                email=email,
                phone=phone,
                first_name=first or None,
                last_name=last or None,
            )
        ]

        plates: list[tuple[str, str]] = []
        for _ in range(rng.choices([0, 1, 2, 3], [10, 55, 25, 10])[0]):
            country = locale if rng.random() < 0.8 else rng.choice(locales)
            typed = typed_plate(rng, country)
            if en_dash_left and "-" in typed and rng.random() < 0.1:
                typed = with_en_dashes(typed)
                en_dash_left -= 1
            plate = normalize_plate(typed)
            if any(plate == existing for existing, _ in plates):
                continue
            label = rng.choices(LABELS, LABEL_WEIGHTS)[0]
            added = rng.randint(created, now - DAY_MS)
            plates.append((plate, label))
            events.append(aggregate.plate_added(user_id, plate, label, added))

        events[1:] = sorted(events[1:], key=lambda event: event.timestamp_ms)
        histories.append((user_id, events))
        demo_users.append(_DemoUser(user_id, status, plates))
    return histories, demo_users


def _name(rng: Random, locale: str) -> tuple[str, str]:
    male, female, surnames = names_of(locale)
    is_female = rng.random() < 0.5
    first = rng.choice(female if is_female else male)
    forms = rng.choice(surnames).split("|")
    last = forms[-1] if is_female else forms[0]
    return first, last


def _email(rng: Random, first: str, last: str, taken: set[str]) -> str:
    first_ascii, last_ascii = _ascii(first), _ascii(last)
    local = rng.choice(
        [
            f"{first_ascii}.{last_ascii}",
            f"{first_ascii[:1]}.{last_ascii}",
            f"{last_ascii}.{first_ascii}",
            f"{first_ascii}{last_ascii}{rng.randint(1, 99)}",
        ]
    )
    email = f"{local}@{rng.choice(EMAIL_DOMAINS)}"
    while email in taken:
        email = f"{local}{rng.randint(2, 999)}@{rng.choice(EMAIL_DOMAINS)}"
    taken.add(email)
    return email


def _ascii(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.translate(_ASCII_FOLD))
    kept = "".join(c for c in decomposed if c.isascii() and (c.isalnum() or c == "-"))
    return kept.lower()


def _phone(rng: Random, locale: str, taken: set[str]) -> str:
    code, prefixes, length = PHONES[locale]
    while True:
        digits = rng.choice(prefixes) + "".join(
            rng.choice("0123456789") for _ in range(length)
        )
        phone = f"+{code}{digits}"
        if phone not in taken:
            taken.add(phone)
            return phone


def _cameras(rng: Random, org_id: str) -> list[Camera]:
    return [
        Camera(
            camera_id=_uuid(rng),
            org_id=org_id,
            three_deye_id=str(rng.randint(100000, 999999)),
            name="Main gate – entry",
            type="onvif",
            status="ONLINE",
            http_url="http://192.0.2.21/",
            rtsp_url="rtsp://192.0.2.21:554/Streaming/Channels/101",
            lock_id=_uuid(rng),
            permissions=("view", "lpr_events", "open_lock"),
        ),
        Camera(
            camera_id=_uuid(rng),
            org_id=org_id,
            three_deye_id=str(rng.randint(100000, 999999)),
            name="Garage exit",
            type="generic",
            status="ONLINE",
            http_url="http://192.0.2.22/",
            rtsp_url="rtsp://192.0.2.22:554/live",
            lock_id=None,
            permissions=("view", "lpr_events"),
        ),
    ]


def _lpr_events(
    rng: Random,
    demo_users: list[_DemoUser],
    cameras: list[Camera],
    count: int,
    now: int,
) -> list[LprEvent]:
    readable = [
        (user, plate)
        for user in demo_users
        for plate, _ in user.plates
        if plate.isascii() and plate.isalnum()
    ]
    active = [(u, p) for u, p in readable if u.status == "ACTIVE"]
    inactive = [(u, p) for u, p in readable if u.status != "ACTIVE"]
    en_dashed = [p for u in demo_users for p, _ in u.plates if "\u2013" in p]
    registered = {plate for _, plate in readable}
    kinds = ["match", "near_miss", "unknown", "en_dash", "inactive", "low"]
    weights = [62, 10, 16, 4 if en_dashed else 0, 4 if inactive else 0, 4]
    if not active:
        weights[0] = weights[1] = 0

    events = []
    for _ in range(count):
        camera = cameras[0] if rng.random() < 0.6 else cameras[1]
        kind = rng.choices(kinds, weights)[0]
        confidence = rng.uniform(0.86, 0.995)
        user_id, plate = _read_plate(rng, kind, active, inactive, en_dashed, registered)
        if kind == "low":
            confidence = rng.uniform(0.3, 0.55)
        events.append(
            LprEvent(
                event_id=_uuid(rng),
                camera_id=camera.camera_id,
                lock_id=camera.lock_id,
                plate=plate,
                confidence=round(confidence, 3),
                matched=user_id is not None,
                matched_user_id=user_id,
                action_taken=_action(kind, camera),
                timestamp_ms=_moment(rng, now),
            )
        )
    return events


def _read_plate(
    rng: Random,
    kind: str,
    active: list[tuple[_DemoUser, str]],
    inactive: list[tuple[_DemoUser, str]],
    en_dashed: list[str],
    registered: set[str],
) -> tuple[str | None, str]:
    """What the camera read for an event of ``kind``, and the matched user."""
    if kind == "match":
        user, plate = rng.choice(active)
        return user.user_id, plate
    if kind == "near_miss":
        near = _near_miss(rng, [plate for _, plate in active], registered)
        if near is not None:
            return None, near
    if kind == "en_dash":
        return None, rng.choice(en_dashed).replace("\u2013", "")
    if kind == "inactive":
        return None, rng.choice(inactive)[1]
    plate = normalize_plate(typed_plate(rng, rng.choice(list(PHONES))))
    if kind == "low":
        cut = rng.randrange(len(plate))
        plate = plate[:cut] + plate[cut + 1 :]
    return None, plate


def _near_miss(rng: Random, plates: list[str], registered: set[str]) -> str | None:
    """A registered plate with one character swapped for a lookalike."""
    for _ in range(100):
        plate = rng.choice(plates)
        spots = [i for i, c in enumerate(plate) if c in LOOKALIKES]
        if not spots:
            continue
        i = rng.choice(spots)
        candidate = plate[:i] + rng.choice(LOOKALIKES[plate[i]]) + plate[i + 1 :]
        if candidate not in registered:
            return candidate
    return None


def _action(kind: str, camera: Camera) -> str:
    if kind == "match":
        return "GATE_OPENED" if camera.lock_id else "LOGGED"
    if kind == "inactive":
        return "USER_NOT_ACTIVE"
    if kind == "low":
        return "LOW_CONFIDENCE"
    return "NO_MATCH"


def _moment(rng: Random, now: int) -> int:
    """A moment in the last 30 days, mostly in the rush hours."""
    hour = rng.choices(range(24), _HOUR_WEIGHTS)[0]
    within_hour = rng.randint(0, 3600 * 1000 - 1)
    days_back = rng.randint(0, 29)
    while True:
        day_start = now - days_back * DAY_MS
        moment = day_start - day_start % DAY_MS + hour * 3600 * 1000 + within_hour
        if moment <= now:
            return moment
        days_back += 1  # that hour has not come yet today


def _uuid(rng: Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))
