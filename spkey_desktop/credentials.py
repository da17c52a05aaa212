"""API keys and JWTs in the operating system's keychain, and nowhere else.

One keychain entry per (profile, kind), under the service name ``spkey-desktop``
and the user name ``<profile>:<kind>``. A secret longer than ``PART_SIZE``
characters (a JWT can be) is stored in parts, ``<profile>:<kind>:part-<n>``, and
the main entry then holds a small manifest: how many parts, the total length and
a SHA-256 of the whole, so a missing or stale part is noticed and a secret is
never returned truncated. Some keychains hold little: Windows Credential Manager
takes about 1,280 characters through keyring.

Every call is synchronous and may block (an unlock prompt stays open as long as
the operator lets it): from the UI, run it in an executor
(``loop.run_in_executor(None, store.load, profile, kind)``). A lock makes the
calls of one store safe from several threads.

No text raised from here contains a secret.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Iterable
from typing import Literal, Protocol, get_args

import keyring
import keyring.backends.fail
import keyring.backends.null
from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError

log = logging.getLogger(__name__)

SERVICE_NAME = "spkey-desktop"

# Pinned by a test: change it only together with the test and a migration plan.
PART_SIZE = 1000

CredentialKind = Literal["api_key", "jwt"]
CREDENTIAL_KINDS: tuple[CredentialKind, ...] = get_args(CredentialKind)

_LABELS: dict[CredentialKind, str] = {"api_key": "API key", "jwt": "token (JWT)"}
_MANIFEST_PREFIX = "spkey-desktop:parts:v1:"

SESSION_ONLY_OFFER = (
    "You can keep the credentials for this session only; "
    "they will be forgotten when the app closes."
)


class CredentialError(Exception):
    """A credential could not be saved or read; the text says why, in a sentence."""


class KeychainUnavailableError(CredentialError):
    """There is no keychain, or it refused: offer ``SessionCredentialStore``.

    ``summary`` is the first sentence alone (what went wrong, without the offer),
    ``reason`` the technical part in it; both for a command-line message.
    """

    def __init__(self, summary: str, reason: str) -> None:
        super().__init__(f"{summary} {SESSION_ONLY_OFFER}")
        self.summary = summary
        self.reason = reason

    @classmethod
    def missing(cls, reason: str) -> KeychainUnavailableError:
        return cls(f"No keychain is available on this computer ({reason}).", reason)

    @classmethod
    def failed(cls, reason: str) -> KeychainUnavailableError:
        return cls(f"The keychain could not be used ({reason}).", reason)


class CredentialIncompleteError(CredentialError):
    """A secret stored in parts lacks one, or its parts do not fit together."""


class UnusableSecretError(CredentialError, ValueError):
    """The secret can never be sent (see ``secret_problem``); the text says why."""


#: Shorter than any SmartphoneKey API key (they are 40 letters and digits), and
#: longer than anything typed by mistake.
MIN_API_KEY_LENGTH = 16

_BYTE_ORDER_MARK = "\ufeff"


def clean_secret(secret: str) -> str:
    """``secret`` without the whitespace and byte-order marks around it: what to
    store. A key copied from a file saved by Notepad starts with a byte-order
    mark, one pasted from a page often ends with a line break."""
    start, end = 0, len(secret)
    while start < end and _blank(secret[start]):
        start += 1
    while end > start and _blank(secret[end - 1]):
        end -= 1
    return secret[start:end]


def secret_problem(kind: CredentialKind, secret: str) -> str | None:
    """Why ``secret`` cannot be used as the profile's ``kind``, as a sentence
    that never repeats it; None when it can.

    The secret is judged as ``clean_secret`` leaves it, which is what should be
    stored. It travels in an HTTP header, so it must be printable ASCII without
    spaces; an API key must also be at least MIN_API_KEY_LENGTH characters.
    """
    label = _LABELS[kind]
    value = clean_secret(secret)
    if not value:
        return f"The {label} is empty."
    if kind == "jwt" and value[:7].lower() == "bearer " and " " not in value[7:]:
        return "Enter the token without the word 'Bearer' in front of it."
    if any(char.isspace() for char in value):
        return (
            f"The {label} contains a space or a line break, which it cannot have. "
            "Copy it again from the partner portal, exactly as shown."
        )
    if not all(33 <= ord(char) <= 126 for char in value):
        return (
            f"The {label} contains a character that cannot be sent (a control "
            "character, an accented letter or an invisible character). Copy it "
            "again from the partner portal, exactly as shown."
        )
    if kind == "api_key" and len(value) < MIN_API_KEY_LENGTH:
        length = f"{len(value)} character{'s' if len(value) != 1 else ''}"
        return (
            f"The API key is only {length} long; SmartphoneKey API keys are 40 "
            "letters and digits. Copy the whole key from the partner portal."
        )
    return None


def _blank(char: str) -> bool:
    return char.isspace() or char == _BYTE_ORDER_MARK


def _usable(kind: CredentialKind, secret: str) -> str:
    """The clean secret, or UnusableSecretError."""
    problem = secret_problem(kind, secret)
    if problem is not None:
        raise UnusableSecretError(problem)
    return clean_secret(secret)


class SecretStore(Protocol):
    """What ``CredentialStore`` and ``SessionCredentialStore`` both offer."""

    def save(self, profile: str, kind: CredentialKind, secret: str) -> None: ...

    def load(self, profile: str, kind: CredentialKind) -> str | None: ...

    def has(self, profile: str, kind: CredentialKind) -> bool: ...

    def delete(self, profile: str, kind: CredentialKind | None = None) -> None: ...


def entry_name(profile: str, kind: CredentialKind) -> str:
    """The keychain user name of a profile's secret (or of its manifest)."""
    return f"{profile}:{kind}"


def part_entry_name(profile: str, kind: CredentialKind, number: int) -> str:
    """The keychain user name of part ``number`` (1-based) of a long secret."""
    return f"{entry_name(profile, kind)}:part-{number}"


class CredentialStore:
    """The OS keychain through keyring (Secret Service, macOS Keychain, Windows
    Credential Manager). ``backend`` defaults to keyring's choice, made on the
    first call so that building the store never blocks."""

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._backend = backend
        self._lock = threading.Lock()

    def check_available(self) -> None:
        """Raise ``KeychainUnavailableError`` when there is no usable keychain."""
        with self._lock:
            self._keyring()

    def save(self, profile: str, kind: CredentialKind, secret: str) -> None:
        """Store ``clean_secret(secret)``; UnusableSecretError (a ValueError)
        when ``secret_problem`` finds it cannot be sent."""
        _check_names(profile, kind)
        secret = _usable(kind, secret)

        with self._lock:
            backend = self._keyring()
            parts = [
                secret[i : i + PART_SIZE] for i in range(0, len(secret), PART_SIZE)
            ]
            call = _Call(backend, sensitive=[secret, *parts])
            old_count = self._part_count(call, profile, kind)

            if len(parts) == 1 and not secret.startswith(_MANIFEST_PREFIX):
                call.set(entry_name(profile, kind), secret)
                new_count = 0
            else:
                # Parts first, manifest last: an interrupted write leaves the old
                # manifest, whose digest then no longer matches, never a wrong key.
                for number, part in enumerate(parts, start=1):
                    call.set(part_entry_name(profile, kind, number), part)
                call.set(entry_name(profile, kind), _manifest(secret, len(parts)))
                new_count = len(parts)
            self._delete_parts(call, profile, kind, after=new_count, known=old_count)

            if self._read(call, profile, kind) != secret:
                self._delete_kind(call, profile, kind)
                raise CredentialError(
                    f"The keychain did not keep the {_LABELS[kind]} of profile "
                    f"{profile!r} intact, so it was not saved."
                )
        log.debug("Saved the %s of profile %s in %d part(s)", kind, profile, len(parts))

    def load(self, profile: str, kind: CredentialKind) -> str | None:
        """The secret, or None when none is stored."""
        _check_names(profile, kind)
        with self._lock:
            return self._read(_Call(self._keyring()), profile, kind)

    def has(self, profile: str, kind: CredentialKind) -> bool:
        return self.load(profile, kind) is not None

    def delete(self, profile: str, kind: CredentialKind | None = None) -> None:
        """Delete one secret, or both of the profile's; what is absent is skipped."""
        kinds = CREDENTIAL_KINDS if kind is None else (kind,)
        for one in kinds:
            _check_names(profile, one)
        with self._lock:
            call = _Call(self._keyring())
            for one in kinds:
                self._delete_kind(call, profile, one)

    def _keyring(self) -> KeyringBackend:
        if self._backend is None:
            try:
                self._backend = keyring.get_keyring()
            except Exception as error:
                raise KeychainUnavailableError.missing(_describe(error)) from None
        if isinstance(self._backend, keyring.backends.fail.Keyring):
            raise KeychainUnavailableError.missing(
                "no keychain service was found; on Linux, GNOME Keyring or KWallet "
                "must be running in the desktop session"
            )
        if isinstance(self._backend, keyring.backends.null.Keyring):
            raise KeychainUnavailableError.missing("keyring is set to store nothing")
        return self._backend

    def _read(self, call: _Call, profile: str, kind: CredentialKind) -> str | None:
        stored = call.get(entry_name(profile, kind))
        if stored is None or not stored.startswith(_MANIFEST_PREFIX):
            return stored

        count, length, digest = _parse_manifest(stored, profile, kind)
        parts = []
        for number in range(1, count + 1):
            part = call.get(part_entry_name(profile, kind, number))
            if part is None:
                raise _incomplete(profile, kind, f"part {number} of {count} is missing")
            parts.append(part)
        secret = "".join(parts)
        if len(secret) != length or _digest(secret) != digest:
            raise _incomplete(profile, kind, "its parts do not fit together")
        return secret

    def _part_count(self, call: _Call, profile: str, kind: CredentialKind) -> int:
        stored = call.get(entry_name(profile, kind))
        if stored is None or not stored.startswith(_MANIFEST_PREFIX):
            return 0
        try:
            return _parse_manifest(stored, profile, kind)[0]
        except CredentialIncompleteError:
            return 0

    def _delete_kind(self, call: _Call, profile: str, kind: CredentialKind) -> None:
        known = self._part_count(call, profile, kind)
        # Parts first: if this stops half-way, the manifest still says a part is
        # missing instead of a stray part outliving its secret unnoticed.
        self._delete_parts(call, profile, kind, after=0, known=known)
        call.delete(entry_name(profile, kind))

    @staticmethod
    def _delete_parts(
        call: _Call, profile: str, kind: CredentialKind, *, after: int, known: int
    ) -> None:
        """Delete parts numbered above ``after``: all up to ``known``, then on
        while more are found (strays from an interrupted write)."""
        number = after + 1
        while call.delete(part_entry_name(profile, kind, number)) or number <= known:
            number += 1


class SessionCredentialStore:
    """Secrets kept in memory for this run only: the choice offered when there is
    no keychain. Same interface as ``CredentialStore``; nothing is written."""

    def __init__(self) -> None:
        self._secrets: dict[tuple[str, CredentialKind], str] = {}
        self._lock = threading.Lock()

    def check_available(self) -> None:
        """Always available."""

    def save(self, profile: str, kind: CredentialKind, secret: str) -> None:
        """As ``CredentialStore.save``: the clean secret, or UnusableSecretError."""
        _check_names(profile, kind)
        secret = _usable(kind, secret)
        with self._lock:
            self._secrets[profile, kind] = secret

    def load(self, profile: str, kind: CredentialKind) -> str | None:
        _check_names(profile, kind)
        with self._lock:
            return self._secrets.get((profile, kind))

    def has(self, profile: str, kind: CredentialKind) -> bool:
        return self.load(profile, kind) is not None

    def delete(self, profile: str, kind: CredentialKind | None = None) -> None:
        kinds = CREDENTIAL_KINDS if kind is None else (kind,)
        with self._lock:
            for one in kinds:
                _check_names(profile, one)
                self._secrets.pop((profile, one), None)


class _Call:
    """Backend calls whose failures become ``KeychainUnavailableError`` with the
    given secrets blanked out of the reason."""

    def __init__(self, backend: KeyringBackend, sensitive: Iterable[str] = ()) -> None:
        self._backend = backend
        self._sensitive = sorted((s for s in sensitive if s), key=len, reverse=True)

    def get(self, name: str) -> str | None:
        try:
            return self._backend.get_password(SERVICE_NAME, name)
        except Exception as error:
            raise self._failure(error) from None

    def set(self, name: str, value: str) -> None:
        try:
            self._backend.set_password(SERVICE_NAME, name, value)
        except Exception as error:
            raise self._failure(error) from None

    def delete(self, name: str) -> bool:
        """True when something was deleted, False when nothing was there."""
        try:
            self._backend.delete_password(SERVICE_NAME, name)
        except PasswordDeleteError:
            return False
        except Exception as error:
            raise self._failure(error) from None
        return True

    def _failure(self, error: Exception) -> KeychainUnavailableError:
        reason = _describe(error)
        for secret in self._sensitive:
            reason = reason.replace(secret, "***")
        log.debug("Keychain call failed: %s", reason)
        return KeychainUnavailableError.failed(reason)


def _describe(error: Exception) -> str:
    text = str(error).strip()
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _check_names(profile: str, kind: str) -> None:
    if not profile:
        raise ValueError("The profile name is empty.")
    if kind not in CREDENTIAL_KINDS:
        raise ValueError(f"Unknown credential kind {kind!r}.")


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _manifest(secret: str, count: int) -> str:
    return f"{_MANIFEST_PREFIX}{count}:{len(secret)}:{_digest(secret)}"


def _parse_manifest(
    stored: str, profile: str, kind: CredentialKind
) -> tuple[int, int, str]:
    try:
        count, length, digest = stored.removeprefix(_MANIFEST_PREFIX).split(":")
        return int(count), int(length), digest
    except ValueError:
        raise _incomplete(profile, kind, "its list of parts is damaged") from None


def _incomplete(
    profile: str, kind: CredentialKind, why: str
) -> CredentialIncompleteError:
    return CredentialIncompleteError(
        f"The {_LABELS[kind]} of profile {profile!r} in the keychain is incomplete "
        f"({why}); enter it again."
    )
