"""Fixtures for tests that use the real keychain (marker ``keychain``).

They need a Secret Service on the session bus, which ``.ci/test`` provides: a
private D-Bus session with an unlocked, throwaway GNOME Keyring. Run outside it,
a ``keychain`` test fails and says so; it is never skipped.

What the app stored is read back with ``secret-tool`` (libsecret-tools), from
outside the app's own code.
"""

from __future__ import annotations

import random
import re
import string
import subprocess
import uuid
from collections.abc import Callable, Iterator

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import SecretService

from spkey_desktop.credentials import SERVICE_NAME, CredentialStore

HOW_TO_RUN = (
    "Run them through .ci/test (e.g. `.ci/test tests/test_credentials.py`), which "
    "starts a private D-Bus session with an unlocked GNOME Keyring and Xvfb."
)

_JWT_ALPHABET = string.ascii_letters + string.digits + "-_."
_LABEL = re.compile(r"^label = Password for '(?P<user>.*)' on '(?P<service>.*)'$")


@pytest.fixture(scope="session")
def keychain_backend() -> KeyringBackend:
    """keyring's backend, checked to be a working Secret Service."""
    backend = keyring.get_keyring()
    if not isinstance(backend, SecretService.Keyring):
        pytest.fail(
            f"Tests marked 'keychain' need a real Secret Service, but keyring chose "
            f"{type(backend).__module__}.{type(backend).__name__}. {HOW_TO_RUN}",
            pytrace=False,
        )

    probe = f"probe-{uuid.uuid4().hex}"
    try:
        backend.set_password(SERVICE_NAME, probe, "probe")
        backend.delete_password(SERVICE_NAME, probe)
    except Exception as error:
        pytest.fail(
            f"The Secret Service refused a test entry ({error!r}); it may be locked. "
            + HOW_TO_RUN,
            pytrace=False,
        )
    return backend


@pytest.fixture(autouse=True)
def _keychain_marker_needs_a_keychain(request: pytest.FixtureRequest) -> None:
    if request.node.get_closest_marker("keychain") is not None:
        request.getfixturevalue("keychain_backend")


@pytest.fixture
def credential_store(keychain_backend: KeyringBackend) -> CredentialStore:
    return CredentialStore(keychain_backend)


@pytest.fixture
def new_profile_name(keychain_backend: KeyringBackend) -> Iterator[Callable[[], str]]:
    """Makes profile names no other test uses; their keychain entries are removed
    after the test, with secret-tool, whatever the code under test left behind."""
    names: list[str] = []

    def make() -> str:
        names.append(f"test {uuid.uuid4().hex[:10]}")
        return names[-1]

    yield make
    for name in names:
        for user in stored_entries(prefix=f"{name}:"):
            secret_tool("clear", "service", SERVICE_NAME, "username", user)


@pytest.fixture
def profile_name(new_profile_name: Callable[[], str]) -> str:
    """One profile name no other test uses (see ``new_profile_name``)."""
    return new_profile_name()


def make_secret(length: int, seed: int = 0) -> str:
    """A JWT-like secret of ``length`` characters, the same for the same seed.
    Its characters vary, so a misplaced or repeated part cannot go unnoticed."""
    rng = random.Random(length * 1000 + seed)
    return "".join(rng.choice(_JWT_ALPHABET) for _ in range(length))


def secret_tool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["secret-tool", *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def store_entry(user: str, secret: str) -> None:
    """Write an entry under the app's service from outside the app."""
    subprocess.run(
        [
            "secret-tool",
            "store",
            "--label=test",
            "service",
            SERVICE_NAME,
            "username",
            user,
        ],
        input=secret,
        text=True,
        check=True,
        timeout=30,
    )


def stored_entries(prefix: str = "") -> dict[str, str]:
    """User name -> secret of every spkey-desktop keychain entry starting with
    ``prefix``, as ``secret-tool search`` shows them."""
    result = secret_tool("search", "--all", "service", SERVICE_NAME)
    entries: dict[str, str] = {}
    user: str | None = None
    for line in result.stdout.splitlines():
        label = _LABEL.match(line)
        if label:
            same_service = label["service"] == SERVICE_NAME
            user = label["user"] if same_service else None
        elif line.startswith("secret = ") and user is not None:
            if user.startswith(prefix):
                entries[user] = line.removeprefix("secret = ")
            user = None
    return entries


def lookup(user: str) -> str | None:
    """The secret stored for ``user`` under the app's service, by attributes."""
    result = secret_tool("lookup", "service", SERVICE_NAME, "username", user)
    return result.stdout if result.returncode == 0 else None
