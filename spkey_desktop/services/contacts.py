"""Who the e-mail addresses, phone numbers and user ids of a file belong to.

The roster answers for the users it has. The others are looked up on the
server, by exact e-mail or phone and always with ``searchOnly``, so a preview
never creates anyone; a user found there is read (profile and plates) but
joins the roster only when the operator confirms the import. Lookups run a
few at a time; one that fails says why and does not stop the others. A lookup
the server could not be reached for (no connection, a timeout, 502/503/504,
429: what the outbox waits out) is kept apart from one the server answered
with an error, since running the import again later is what fixes it.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum

from spkey_desktop.api.errors import (
    ApiError,
    ForbiddenError,
    NotFoundError,
    UnauthorizedError,
)
from spkey_desktop.services.delivery import UNREACHABLE_ERRORS
from spkey_desktop.services.roster_service import RosterService
from spkey_desktop.store.roster import RosterUser

log = logging.getLogger(__name__)

#: Users looked up at once; each lookup is one request, then two together.
LOOKUP_CONCURRENCY = 8

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE_DIGITS = re.compile(r"[1-9][0-9]{5,14}")
_PHONE_SEPARATORS = str.maketrans("", "", " -./()\u00a0")


class ContactKind(Enum):
    EMAIL = "e-mail address"
    PHONE = "phone number"
    USER_ID = "user id"


@dataclass(frozen=True, slots=True)
class Contact:
    """A way to find a user: ``key`` is compared, ``text`` as in the file."""

    kind: ContactKind
    text: str = field(compare=False)
    key: str

    @classmethod
    def of(cls, kind: ContactKind, text: str) -> Contact:
        text = text.strip()
        if kind is ContactKind.EMAIL:
            return cls(kind, text, text.casefold())
        if kind is ContactKind.PHONE:
            return cls(kind, text, phone_key(text))
        return cls(kind, text, text.lower())


def phone_key(text: str) -> str:
    """ "+48 600-100-200" and "0048600100200" as one key: "+48600100200"."""
    compact = text.translate(_PHONE_SEPARATORS)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    return compact


def contact_problem(contact: Contact) -> str | None:
    """Why the server would refuse this contact, as a sentence; None if fine."""
    if contact.kind is ContactKind.EMAIL and not _EMAIL.fullmatch(contact.key):
        return f"{contact.text} is not an e-mail address."
    if contact.kind is ContactKind.PHONE:
        digits = contact.key.removeprefix("+")
        if not contact.key.startswith("+"):
            return (
                f"{contact.text} is not an international phone number: write it "
                "with its country code, like +48 600 100 200."
            )
        if not (digits.isascii() and _PHONE_DIGITS.fullmatch(digits)):
            return f"{contact.text} is not a phone number."
    return None


def roster_contacts(users: Iterable[RosterUser]) -> dict[Contact, RosterUser]:
    """Every contact the roster knows, to the user it belongs to."""
    known: dict[Contact, RosterUser] = {}
    for user in users:
        known[Contact.of(ContactKind.USER_ID, user.user_id)] = user
        if user.email:
            known[Contact.of(ContactKind.EMAIL, user.email)] = user
        if user.phone:
            known[Contact.of(ContactKind.PHONE, user.phone)] = user
    return known


@dataclass
class Lookups:
    """What the server said about the contacts the roster does not know.

    ``failed`` the server answered with an error; ``unreachable`` it could
    not be asked at all. Both map a contact to a sentence saying why.
    """

    found: dict[Contact, RosterUser]
    missing: set[Contact]
    failed: dict[Contact, str]
    unreachable: dict[Contact, str] = field(default_factory=dict)


Progress = Callable[[int, int], None]


async def look_up(
    service: RosterService,
    contacts: Iterable[Contact],
    *,
    concurrency: int = LOOKUP_CONCURRENCY,
    on_progress: Progress | None = None,
) -> Lookups:
    """Find each contact's user on the server and read them (not saved).

    A lookup that fails is reported for its contact; refused credentials
    (401, 403) stop them all and are raised.
    """
    pending = list(dict.fromkeys(contacts))
    result = Lookups({}, set(), {})
    read: dict[str, asyncio.Task[RosterUser]] = {}
    limit = asyncio.Semaphore(max(1, concurrency))
    refused: list[ApiError] = []
    done = 0

    async def one(contact: Contact) -> None:
        nonlocal done
        async with limit:
            if refused:
                return  # the credentials were refused: no use asking again
            try:
                user_id = await _find(service, contact)
                # Two contacts of one user read the user once.
                if user_id not in read:
                    read[user_id] = asyncio.ensure_future(service.read_user(user_id))
                result.found[contact] = await read[user_id]
            except NotFoundError:
                result.missing.add(contact)
            except (UnauthorizedError, ForbiddenError) as error:
                refused.append(error)
                return
            except UNREACHABLE_ERRORS as error:
                log.debug("Could not reach the server for %s: %r", contact.text, error)
                result.unreachable[contact] = error.user_message
            except ApiError as error:
                log.debug("Looking up %s failed: %r", contact.text, error)
                result.failed[contact] = (
                    f"Could not look up {contact.text}: {error.user_message}"
                )
        done += 1
        if on_progress is not None:
            on_progress(done, len(pending))

    async with asyncio.TaskGroup() as group:
        for contact in pending:
            group.create_task(one(contact))
    if refused:
        raise refused[0]
    return result


async def _find(service: RosterService, contact: Contact) -> str:
    if contact.kind is ContactKind.USER_ID:
        return contact.text
    query = contact.text if contact.kind is ContactKind.EMAIL else contact.key
    return (await service.find_user(query)).uuid
