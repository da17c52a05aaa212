"""Made-up but realistic rosters: names, e-mails, phones, 1.5 plates a user."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from spkey_desktop.store.roster import RosterPlate, RosterStore, RosterUser

FIRST = [
    "Anna",
    "Maria",
    "Katarzyna",
    "Małgorzata",
    "Agnieszka",
    "Zofia",
    "Ewa",
    "Łucja",
    "Piotr",
    "Jan",
    "Krzysztof",
    "Andrzej",
    "Tomasz",
    "Paweł",
    "Michał",
    "Łukasz",
    "Jürgen",
    "Zoë",
    "Olivia",
    "Emma",
    "Noah",
    "Liam",
    "Amelia",
    "Oliver",
    "Sophie",
    "Lucas",
    "Chloé",
    "Mateo",
    "Ines",
    "Hugo",
]
LAST = [
    "Nowak",
    "Kowalska",
    "Wiśniewski",
    "Wójcik",
    "Kowalczyk",
    "Kamiński",
    "Lewandowska",
    "Zieliński",
    "Szymańska",
    "Woźniak",
    "Dąbrowski",
    "Kozłowska",
    "Jankowski",
    "Mazur",
    "Kwiatkowska",
    "Krawczyk",
    "Müller",
    "Schmidt",
    "Smith",
    "Jones",
    "Brown",
    "Taylor",
    "Dubois",
    "Martin",
    "Rossi",
    "Garcia",
    "Novák",
    "Jensen",
    "Larsen",
    "Zając",
]
REGIONS = ("WX", "WA", "KR", "PO", "GD", "WR", "LU", "SZ", "EL", "B", "M", "HH")
LABELS = ("", "", "", "Company car", "Van", "Private", "Motorbike", "Visitor")
NOW = datetime(2026, 12, 1, tzinfo=UTC)


def roster_users(count: int, seed: int = 5) -> list[RosterUser]:
    """``count`` users with about 1.5 plates each, the same for the same seed."""
    rng = random.Random(seed)
    users = []
    for n in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        plates = tuple(
            RosterPlate(
                rng.choice(REGIONS)
                + str(rng.randrange(10000, 99999))
                + chr(65 + rng.randrange(26)),
                rng.choice(LABELS),
                NOW - timedelta(days=rng.randrange(2000)),
            )
            for _ in range(1 + (n % 2))
        )
        users.append(
            RosterUser(
                user_id=f"{n:08d}-4a1e-4b2c-8d3e-{rng.getrandbits(48):012x}",
                email=f"{first.lower()}.{last.lower()}{n}@tenants.example.com",
                phone=f"+48 6{rng.randrange(10**7, 10**8)}",
                first_name=first,
                last_name=last,
                status="ACTIVE" if n % 17 else "SUSPENDED",
                plates=plates,
                version=None,
                fetched_at=NOW - timedelta(minutes=n % 600),
            )
        )
    return users


def write_roster(path: Path, count: int) -> Path:
    """A saved roster of ``count`` users at ``path`` (made once, then reused)."""
    if path.exists():
        return path
    temp = path.with_name(path.name + ".part")
    temp.unlink(missing_ok=True)
    store = RosterStore(temp)
    users = roster_users(count)
    for start in range(0, count, 10_000):
        store.save_many(users[start : start + 10_000])
    store.close()
    for suffix in ("-wal", "-shm"):
        Path(str(temp) + suffix).unlink(missing_ok=True)
    temp.rename(path)
    return path
