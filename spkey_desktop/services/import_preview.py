"""What an import would do, row by row, before anything is sent.

Every row of the file gets one status and a sentence saying why: a new plate,
a plate the user already has, a duplicate of an earlier row, a plate that
collides with another user's (the same plate, or one a camera could confuse
with it), a plate whose canonical form differs from what the file says (both
are shown), an invalid row, a cell a spreadsheet damaged, a user nobody on
SmartphoneKey has (whom the operator may choose to create), or a user who
could not be looked up because the server could not be reached.

Collisions can only be checked against plates the app knows: the roster's,
and those of the users read from the server for this file (the API cannot
say which user has a given plate). ``ImportPreview.collision_scope`` says so
in a sentence.

Classifying is plain Python over the sheet, the roster's plate index and a
:class:`Directory` of who each e-mail, phone and user id in the file belongs
to. Building that directory means asking the server about contacts the roster
does not know; ``contacts.py`` does that, and nothing here sends anything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import Any

from spkey_desktop.bulk.cells import phone_damage, plate_damage, text_damage
from spkey_desktop.bulk.mapping import ColumnMapping, Field
from spkey_desktop.bulk.sheets import Sheet, SheetRow
from spkey_desktop.plates import (
    CanonicalPlate,
    Collision,
    CollisionKind,
    PlateIndex,
    canonicalize,
)
from spkey_desktop.services.contacts import Contact, ContactKind, contact_problem
from spkey_desktop.store.roster import PlateState, RosterPlate, RosterUser


class RowStatus(Enum):
    NEW = "new plate"
    CHANGED = "new plate, written differently"
    UNCHANGED = "already registered"
    USER_ONLY = "user only, no plate"
    DUPLICATE = "duplicate in the file"
    CONFUSABLE = "collides with another plate"
    NOT_FOUND = "user not found"
    UNREACHABLE = "user not looked up"
    DAMAGED = "damaged by a spreadsheet"
    INVALID = "invalid"


#: Rows that need the operator: held back, and listed in the rejected rows.
NEEDS_ATTENTION = frozenset(
    {
        RowStatus.CONFUSABLE,
        RowStatus.NOT_FOUND,
        RowStatus.UNREACHABLE,
        RowStatus.DAMAGED,
        RowStatus.INVALID,
    }
)


@dataclass(frozen=True, slots=True)
class NewUser:
    """Who "create" would create for a row whose user nobody has."""

    email: str = ""
    phone: str = ""
    first_name: str = ""
    last_name: str = ""


@dataclass(frozen=True, slots=True)
class PreviewRow:
    """One row of the file and what importing it would do.

    ``typed`` is the plate as the file has it, ``plate`` its canonical form
    (what would be sent). ``user_id`` is None when the user was not found;
    ``new_user`` then says who "create" would make.
    """

    number: int
    status: RowStatus
    reason: str
    typed: str = ""
    plate: str = ""
    label: str = ""
    contact: str = ""
    user_id: str | None = None
    user_name: str = ""
    new_user: NewUser | None = None
    cells: tuple[str, ...] = ()


@dataclass(frozen=True)
class Directory:
    """Who each contact in the file belongs to.

    ``users`` maps contacts to users (from the roster or found on the
    server); ``read`` are the users read from the server for this preview,
    by id, and ``joining`` those of them not yet in the roster; ``missing``
    nobody has; ``failed`` the server answered with an error, with the
    reason; ``unreachable`` could not be looked up because the server could
    not be reached, with what the connection said.
    """

    users: Mapping[Contact, RosterUser] = field(default_factory=dict)
    joining: Mapping[str, RosterUser] = field(default_factory=dict)
    missing: frozenset[Contact] = frozenset()
    failed: Mapping[Contact, str] = field(default_factory=dict)
    unreachable: Mapping[Contact, str] = field(default_factory=dict)
    read: Mapping[str, RosterUser] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportPreview:
    """Every row classified; ``roster_size`` is how many roster users the
    collision check covered (besides the users read for this file)."""

    sheet: Sheet
    mapping: ColumnMapping
    rows: tuple[PreviewRow, ...]
    directory: Directory
    roster_size: int = 0

    def counts(self) -> Counter[RowStatus]:
        return Counter(row.status for row in self.rows)

    def collision_scope(self) -> str:
        """What the collision check covered, as a sentence."""
        directory = self.directory
        checked = (
            f"{_many(self.roster_size, 'roster user')} and "
            f"{_many(len(directory.read), 'user')} read from the server for this file"
        )
        unread = len(directory.unreachable) + len(directory.failed)
        if unread:
            checked += (
                f" ({_many(unread, 'contact')} in the file could not be looked up)"
            )
        return (
            f"Collisions were checked against the plates of {checked}. Plates of "
            "other users are not checked: the server cannot say who has a plate."
        )

    def summary(self) -> list[str]:
        """One line per status present, in the order of ``RowStatus``."""
        counts = self.counts()
        return [
            f"{counts[status]:>7}  {status.value}"
            for status in RowStatus
            if counts[status]
        ]


Check = Callable[[str, str], tuple[Collision, ...]]


def build_preview(
    sheet: Sheet,
    mapping: ColumnMapping,
    directory: Directory,
    roster_check: Check,
) -> ImportPreview:
    """Classify every row of ``sheet``; ``roster_check(plate, user_id)`` is
    the roster's collision check (``PlateIndex.collisions``)."""
    classifier = RowClassifier(sheet, mapping, directory, roster_check)
    rows = tuple(classifier.classify(row) for row in sheet.rows)
    return ImportPreview(sheet, mapping, rows, directory)


@dataclass(frozen=True, slots=True)
class _Unfound:
    """Why a row has no user: its status and the sentence."""

    status: RowStatus
    reason: str


def row_contacts(row: SheetRow, columns: Mapping[Field, int]) -> list[Contact]:
    """The contacts a row names, strongest first: user id, e-mail, phone."""
    found = []
    for kind, which in (
        (ContactKind.USER_ID, Field.USER_ID),
        (ContactKind.EMAIL, Field.EMAIL),
        (ContactKind.PHONE, Field.PHONE),
    ):
        text = row.cell(columns.get(which)).text.strip()
        if text:
            found.append(Contact.of(kind, text))
    return found


def sheet_contacts(sheet: Sheet, mapping: ColumnMapping) -> set[Contact]:
    """Every well-formed contact in the file: what the directory must cover."""
    columns = mapping.indices(sheet.headers)
    return {
        contact
        for row in sheet.rows
        for contact in row_contacts(row, columns)
        if contact_problem(contact) is None
    }


class RowClassifier:
    def __init__(
        self,
        sheet: Sheet,
        mapping: ColumnMapping,
        directory: Directory,
        roster_check: Check,
    ) -> None:
        self._columns = mapping.indices(sheet.headers)
        self._directory = directory
        self._roster_check = roster_check
        # Plates earlier rows put on users, to find duplicates and
        # collisions inside the file; plus the plates of every user read from
        # the server for this file: those who join the roster, and roster
        # users found under a contact the roster lacks (their plates as the
        # server has them now, in place of the roster's copy).
        self._in_file = PlateIndex()
        self._row_of: dict[tuple[str, str], int] = {}
        self._read = directory.read
        for user in self._read.values():
            for plate in user.plates:
                self._in_file.add(user.user_id, user.display_name, plate.plate)

    def classify(self, row: SheetRow) -> PreviewRow:
        cell = row.cell
        typed = cell(self._columns.get(Field.PLATE)).text.strip()
        contacts = row_contacts(row, self._columns)
        shown: dict[str, Any] = {
            "typed": typed,
            "label": cell(self._columns.get(Field.LABEL)).text.strip(),
            "contact": contacts[0].text if contacts else "",
            "cells": tuple(c.text for c in row.cells + row.extra),
        }
        problem = self._damage(row) or self._ragged(row)
        if problem is not None:
            return PreviewRow(row.number, *problem, **shown)

        found = self._user(contacts)
        if isinstance(found, _Unfound):
            return PreviewRow(row.number, found.status, found.reason, **shown)
        user, new_user = found
        if user is not None:
            shown.update(user_id=user.user_id, user_name=user.display_name)
        elif new_user is not None:
            name = cell(self._columns.get(Field.NAME)).text.strip()
            shown.update(new_user=_named(new_user, name), user_name=name)

        if not typed:
            if user is None:
                status = RowStatus.NOT_FOUND
                reason = _not_found(contacts[0], _NO_PLATE_TO_CREATE)
            else:
                status, reason = RowStatus.USER_ONLY, _user_only(user, self._directory)
            return PreviewRow(row.number, status, reason, **shown)
        canonical = canonicalize(typed)
        if not canonical.valid:
            reason = canonical.error or "Invalid plate."
            return PreviewRow(row.number, RowStatus.INVALID, reason, **shown)
        shown["plate"] = canonical.plate
        status, reason = self._plate_status(
            row.number, canonical, user, contacts[0], new_user, str(shown["label"])
        )
        return PreviewRow(row.number, status, reason, **shown)

    def _plate_status(
        self,
        number: int,
        canonical: CanonicalPlate,
        user: RosterUser | None,
        contact: Contact,
        new_user: NewUser | None,
        label: str,
    ) -> tuple[RowStatus, str]:
        plate = canonical.plate
        holder = user.user_id if user is not None else f"new:{contact.key}"
        earlier = self._row_of.get((holder, plate))
        if earlier is not None:
            return RowStatus.DUPLICATE, f"Row {earlier} has the same plate and user."
        self._row_of[(holder, plate)] = number

        if user is not None and _registered(user, plate) is not None:
            return RowStatus.UNCHANGED, _unchanged(user, plate, label)

        collisions = [
            c
            for c in self._roster_check(plate, holder)
            if c.kind is not CollisionKind.ALREADY_ON_THIS_USER
            # A user read for this file is checked as the server has them.
            and c.user_id not in self._read
        ]
        collisions += self._in_file_collisions(plate, holder)
        name = user.display_name if user is not None else contact.text
        self._in_file.add(holder, name, plate)
        if collisions:
            return RowStatus.CONFUSABLE, " ".join(_messages(collisions))
        if user is None:
            then = _CREATE if new_user is not None else _NO_ID_TO_CREATE
            return RowStatus.NOT_FOUND, _not_found(contact, then)
        if changed_beyond_server(canonical):
            said = "; ".join(canonical.changes)
            return RowStatus.CHANGED, f"{canonical.input!r} is sent as {plate}: {said}."
        return RowStatus.NEW, "Will be added."

    def _in_file_collisions(self, plate: str, holder: str) -> list[Collision]:
        return [
            c
            for c in self._in_file.collisions(plate, holder)
            if c.kind is not CollisionKind.ALREADY_ON_THIS_USER
        ]

    def _damage(self, row: SheetRow) -> tuple[RowStatus, str] | None:
        checks = (
            (Field.PLATE, plate_damage),
            (Field.PHONE, phone_damage),
            (Field.EMAIL, lambda cell: text_damage(cell, "e-mail")),
            (Field.USER_ID, lambda cell: text_damage(cell, "user id")),
            (Field.LABEL, lambda cell: text_damage(cell, "label")),
        )
        for which, check in checks:
            cell = row.cell(self._columns.get(which))
            problem = None if cell.empty else check(cell)
            if problem is not None:
                return RowStatus.DAMAGED, problem
        return None

    def _ragged(self, row: SheetRow) -> tuple[RowStatus, str] | None:
        if not row.extra:
            return None
        count = len(row.extra)
        return RowStatus.INVALID, (
            f"The row has {count} more cell{'s' if count > 1 else ''} than the "
            "header: a delimiter inside a value may have split it. Check the row."
        )

    def _user(
        self, contacts: list[Contact]
    ) -> tuple[RosterUser | None, NewUser | None] | _Unfound:
        """The row's user, or who to create, or why neither can be said.

        A row whose user is known (from the roster, or found on the server)
        goes to that user even when another of its contacts could not be
        looked up: that one cannot be checked, and the row is not lost to it.
        """
        if not contacts:
            return _invalid(
                "No e-mail address, phone number or user id to find the user."
            )
        for contact in contacts:
            problem = contact_problem(contact)
            if problem is not None:
                return _invalid(problem)
        directory = self._directory
        users = {c: directory.users[c] for c in contacts if c in directory.users}
        ids = {u.user_id for u in users.values()}
        if len(ids) > 1:
            said = " and ".join(
                f"{c.text} is {u.display_name}" for c, u in users.items()
            )
            return _invalid(f"The row names two different users: {said}.")
        if users:
            return next(iter(users.values())), None
        for contact in contacts:
            if contact in directory.unreachable:
                detail = directory.unreachable[contact]
                return _Unfound(RowStatus.UNREACHABLE, _unreachable(contact, detail))
        for contact in contacts:
            if contact in directory.failed:
                return _invalid(directory.failed[contact])
        return None, _new_user(contacts)


def changed_beyond_server(canonical: CanonicalPlate) -> bool:
    """True when the app's canonical form is not what the server itself would
    make of the text (upper case, ASCII spaces and hyphens removed)."""
    text = canonical.input
    return canonical.plate != text.upper().replace(" ", "").replace("-", "")


def _messages(collisions: Iterable[Collision]) -> list[str]:
    return list(dict.fromkeys(c.message for c in collisions))


_NO_PLATE_TO_CREATE = "The row has no plate, so nobody is created."
_NO_ID_TO_CREATE = "A user cannot be created from an id alone."
_CREATE = (
    'Choose "Create missing users" (--create-missing-users on the command line) '
    "to create them."
)


def _many(count: int, thing: str) -> str:
    return f"{count} {thing}{'' if count == 1 else 's'}"


def _invalid(reason: str) -> _Unfound:
    return _Unfound(RowStatus.INVALID, reason)


def _unreachable(contact: Contact, detail: str) -> str:
    return (
        f"The server could not be reached to look up {contact.text}, so this "
        f"row is not sent: run the import again once it answers. ({detail})"
    )


def _not_found(contact: Contact, then: str) -> str:
    return (
        f"Nobody on SmartphoneKey has the {contact.kind.value} {contact.text}. {then}"
    )


def _user_only(user: RosterUser, directory: Directory) -> str:
    if user.user_id in directory.joining:
        return f"No plate: {user.display_name} joins the roster."
    return f"No plate: {user.display_name} is in the roster already."


# Plates that are on the server, or will be once the outbox has sent what
# waits: an add the server refused, or a removal on its way, does not count.
_REGISTERED = frozenset({PlateState.SAVED, PlateState.ADDING, PlateState.REMOVE_FAILED})


def _registered(user: RosterUser, plate: str) -> RosterPlate | None:
    """``user``'s copy of ``plate`` (canonical), if it is or will be on the
    server."""
    return next(
        (
            p
            for p in user.plates
            if p.state in _REGISTERED and canonicalize(p.plate).plate == plate
        ),
        None,
    )


def _unchanged(user: RosterUser, plate: str, label: str) -> str:
    stored = _registered(user, plate)
    said = f"{user.display_name} has {plate} already: nothing to send."
    if stored is not None and stored.state is PlateState.ADDING:
        said = (
            f"{plate} waits in the outbox for {user.display_name} already, from "
            "an earlier import or the window: nothing more to send."
        )
    if stored is not None and label and stored.label != label:
        said += f" Its label stays {stored.label!r} (labels cannot be changed)."
    return said


def _new_user(contacts: list[Contact]) -> NewUser | None:
    email = next((c.key for c in contacts if c.kind is ContactKind.EMAIL), "")
    phone = next((c.key for c in contacts if c.kind is ContactKind.PHONE), "")
    return NewUser(email=email, phone=phone) if email or phone else None


def _named(user: NewUser, name: str) -> NewUser:
    """``user`` with a first and last name from "Anna Maria Kowalska"."""
    first, _, last = name.strip().rpartition(" ")
    if not first:
        first, last = last, ""
    return replace(user, first_name=first, last_name=last)
