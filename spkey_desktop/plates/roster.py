"""Checking a plate against the roster: already there, on someone else, or a lookalike.

A plate on two users opens the gate for both, and a plate that differs from
another user's only by characters cameras confuse (O and 0, I and 1) can be
read as the other one. The add-plate dialog warns about both while the
operator types, on rosters of 100,000 users, so every lookup here is a dict
access: ``PlateIndex`` keeps plates by canonical form and by lookalike key,
and is updated entry by entry as plates are added and removed.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from spkey_desktop.plates.canonical import CanonicalPlate, canonicalize

log = logging.getLogger(__name__)

# Groups of characters LPR cameras mistake for one another. The first of each
# group stands for the whole group in a lookalike key.
CONFUSABLE_GROUPS = ("O0DQ", "I1", "B8", "S5", "Z2", "G6")
_TO_REPRESENTATIVE = str.maketrans(
    {char: group[0] for group in CONFUSABLE_GROUPS for char in group[1:]}
)

# A roster entry as the index takes it: (user_id, user display name, plate).
RosterEntry = tuple[str, str, str]


def lookalike_key(plate: str) -> str:
    """A key shared by all plates a camera could read as one another.

    ``plate`` is canonicalized first, so "ab-0" and "ABO" have the same key.
    Two plates with the same key differ only by confusable characters.
    """
    return _key(canonicalize(plate).plate)


def _key(canonical: str) -> str:
    return canonical.translate(_TO_REPRESENTATIVE)


class CollisionKind(enum.Enum):
    """How a plate being added meets a plate already on the roster."""

    ALREADY_ON_THIS_USER = "already on this user"
    ON_ANOTHER_USER = "on another user"
    CONFUSABLE = "confusable with another user's plate"


_KIND_ORDER = {kind: order for order, kind in enumerate(CollisionKind)}


@dataclass(frozen=True, slots=True)
class Collision:
    """One roster plate the checked plate meets, with a sentence to show.

    ``plate`` is the roster's plate as stored, ``user_id`` and ``user_name``
    its holder.
    """

    kind: CollisionKind
    plate: str
    user_id: str
    user_name: str
    message: str


@dataclass(frozen=True, slots=True)
class PlateCheck:
    """Everything the add-plate dialog shows for what the operator typed."""

    canonical: CanonicalPlate
    collisions: tuple[Collision, ...]

    @property
    def plate(self) -> str:
        return self.canonical.plate

    @property
    def valid(self) -> bool:
        return self.canonical.valid

    @property
    def already_on_user(self) -> bool:
        """True when adding would change nothing: the user already has it."""
        return any(
            c.kind is CollisionKind.ALREADY_ON_THIS_USER for c in self.collisions
        )


class PlateIndex:
    """The roster's plates by canonical form and by lookalike key.

    Roster plates are indexed by their canonical form, not as stored, so a
    plate stored with a Cyrillic С by an older client still matches the Latin
    C the operator types: both are what the camera reads.
    """

    def __init__(self, entries: Iterable[RosterEntry] = ()) -> None:
        self._names: dict[str, str] = {}
        # user_id -> {stored plate: canonical form}
        self._plates_of: dict[str, dict[str, str]] = {}
        # canonical form -> ordered set of (user_id, stored plate)
        self._holders: dict[str, dict[tuple[str, str], None]] = {}
        # lookalike key -> ordered set of canonical forms
        self._lookalikes: dict[str, dict[str, None]] = {}
        self._count = 0

        for user_id, user_name, plate in entries:
            self.add(user_id, user_name, plate)
        log.debug("Indexed %d plates of %d users", self._count, len(self._names))

    def __len__(self) -> int:
        """The number of (user, plate) entries."""
        return self._count

    def add(self, user_id: str, user_name: str, plate: str) -> None:
        """Index ``plate`` on ``user_id``; the name given last is the one shown."""
        self._names[user_id] = user_name
        plates = self._plates_of.setdefault(user_id, {})
        if plate in plates:
            return

        canonical = canonicalize(plate).plate
        plates[plate] = canonical
        self._count += 1
        if not canonical:
            # Nothing a camera could read, so nothing to collide with.
            return

        holders = self._holders.get(canonical)
        if holders is None:
            holders = self._holders[canonical] = {}
            self._lookalikes.setdefault(_key(canonical), {})[canonical] = None
        holders[(user_id, plate)] = None

    def remove(self, user_id: str, plate: str) -> bool:
        """Drop ``plate`` (as stored) from ``user_id``; False if it was not there."""
        plates = self._plates_of.get(user_id)
        if plates is None or plate not in plates:
            return False

        canonical = plates.pop(plate)
        if not plates:
            del self._plates_of[user_id]
            del self._names[user_id]
        self._release(canonical, (user_id, plate))
        return True

    def remove_user(self, user_id: str) -> int:
        """Drop every plate of ``user_id``; returns how many there were."""
        plates = self._plates_of.pop(user_id, {})
        self._names.pop(user_id, None)
        for plate, canonical in plates.items():
            self._release(canonical, (user_id, plate))
        return len(plates)

    def _release(self, canonical: str, holder: tuple[str, str]) -> None:
        """Forget ``holder`` of ``canonical``, and the plate once nobody holds it."""
        self._count -= 1
        holders = self._holders.get(canonical)
        if holders is None:
            return
        del holders[holder]
        if holders:
            return

        del self._holders[canonical]
        key = _key(canonical)
        del self._lookalikes[key][canonical]
        if not self._lookalikes[key]:
            del self._lookalikes[key]

    def check(self, plate: str, user_id: str) -> tuple[Collision, ...]:
        """Roster plates that ``plate``, about to go on ``user_id``, meets.

        In order: the user's own copy, the same plate on other users, then
        other users' lookalikes. A plate that is the same on another user is
        not reported again as a lookalike.
        """
        return self.collisions(canonicalize(plate).plate, user_id)

    def collisions(self, canonical: str, user_id: str) -> tuple[Collision, ...]:
        """Like ``check`` for a plate already in canonical form (no second pass)."""
        if not canonical:
            return ()

        found = []
        for holder, stored in self._holders.get(canonical, ()):
            if holder == user_id and stored != canonical:
                # Stored by an older client as typed (a dash, Cyrillic letters):
                # cameras never read that form, so adding the canonical one is
                # the fix, not a duplicate.
                message = (
                    f"This user has it stored as {stored}, which cameras cannot "
                    f"match: adding {canonical} registers the form they read "
                    f"(then remove {stored})."
                )
                kind = CollisionKind.ALREADY_ON_THIS_USER
            elif holder == user_id:
                message = f"{stored} is already on this user: nothing to add."
                kind = CollisionKind.ALREADY_ON_THIS_USER
            else:
                message = (
                    f"{stored} is already on {self._who(holder)}: check who the "
                    "car belongs to before adding it here."
                )
                kind = CollisionKind.ON_ANOTHER_USER
            found.append(Collision(kind, stored, holder, self._names[holder], message))

        for other in self._lookalikes.get(_key(canonical), ()):
            if other != canonical:
                found += self._lookalikes_of(canonical, other, user_id)

        found.sort(key=lambda c: (_KIND_ORDER[c.kind], c.user_name.casefold(), c.plate))
        return tuple(found)

    def _lookalikes_of(
        self, canonical: str, other: str, user_id: str
    ) -> list[Collision]:
        """Collisions with ``other``, a lookalike of ``canonical``, on other users.

        A lookalike on the same user is left out: the gate opens for that user
        whichever plate the camera reads.
        """
        pairs = dict.fromkeys(
            f"{mine} and {theirs}"
            for mine, theirs in zip(canonical, other, strict=True)
            if mine != theirs
        )
        found = []
        for holder, stored in self._holders[other]:
            if holder == user_id:
                continue
            message = (
                f"{stored} on {self._who(holder)} differs from {canonical} only by "
                f"characters cameras confuse ({', '.join(pairs)}): check that it "
                "is not the same car."
            )
            found.append(
                Collision(
                    CollisionKind.CONFUSABLE,
                    stored,
                    holder,
                    self._names[holder],
                    message,
                )
            )
        return found

    def _who(self, user_id: str) -> str:
        """The user as the operator knows them: the name, else the id."""
        return self._names[user_id].strip() or f"user {user_id}"


def check_against_roster(text: str, *, roster: PlateIndex, user_id: str) -> PlateCheck:
    """Canonicalize ``text`` and check it against ``roster`` for ``user_id``.

    The one call the add-plate dialog makes per keystroke.
    """
    canonical = canonicalize(text)
    return PlateCheck(canonical, roster.collisions(canonical.plate, user_id))
