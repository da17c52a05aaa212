"""The credential store against the real Secret Service (run through .ci/test).

What the store wrote is read back with secret-tool, not with the store itself.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from keyring.backend import KeyringBackend

from spkey_desktop.api import Credentials
from spkey_desktop.api.auth import auth_headers
from spkey_desktop.credentials import (
    PART_SIZE,
    SERVICE_NAME,
    CredentialError,
    CredentialIncompleteError,
    CredentialKind,
    CredentialStore,
    KeychainUnavailableError,
    SessionCredentialStore,
    UnusableSecretError,
    clean_secret,
    entry_name,
    part_entry_name,
    secret_problem,
)
from tests.helpers.keychain_fixtures import (
    lookup,
    make_secret,
    secret_tool,
    store_entry,
    stored_entries,
)

# --- the threshold -------------------------------------------------------------


def test_part_size_is_pinned_below_the_smallest_keychain_limit() -> None:
    # Windows Credential Manager holds about 1,280 characters through keyring.
    assert PART_SIZE == 1000


# --- round trips and what the keychain holds -----------------------------------


@pytest.mark.keychain
@pytest.mark.parametrize(
    ("length", "parts"),
    [(1, 0), (40, 0), (1000, 0), (1001, 2), (1279, 2), (1280, 2), (5000, 5)],
)
def test_round_trip_and_every_stored_entry_fits(
    credential_store: CredentialStore, profile_name: str, length: int, parts: int
) -> None:
    secret = make_secret(length)

    credential_store.save(profile_name, "jwt", secret)

    assert credential_store.load(profile_name, "jwt") == secret
    entries = stored_entries(prefix=f"{profile_name}:")
    assert all(len(value) <= PART_SIZE for value in entries.values())
    main = entry_name(profile_name, "jwt")
    expected = {main} | {
        part_entry_name(profile_name, "jwt", n) for n in range(1, parts + 1)
    }
    assert set(entries) == expected

    if parts == 0:
        assert lookup(main) == secret
    else:
        pieces = [
            lookup(part_entry_name(profile_name, "jwt", n)) for n in range(1, parts + 1)
        ]
        assert "".join(p or "" for p in pieces) == secret
        assert lookup(main) != secret


@pytest.mark.keychain
def test_entries_are_found_by_service_and_user_name(
    credential_store: CredentialStore, profile_name: str
) -> None:
    credential_store.save(profile_name, "api_key", "A" * 40)

    found = secret_tool(
        "lookup", "service", "spkey-desktop", "username", f"{profile_name}:api_key"
    )

    assert found.returncode == 0
    assert found.stdout == "A" * 40


@pytest.mark.keychain
@pytest.mark.parametrize(
    "lengths",
    [(5000, 1500), (5000, 40), (3500, 2500, 1000), (40, 5000), (1500, 5000, 999)],
)
def test_rewriting_leaves_no_stale_part(
    credential_store: CredentialStore, profile_name: str, lengths: tuple[int, ...]
) -> None:
    for seed, length in enumerate(lengths):
        credential_store.save(profile_name, "jwt", make_secret(length, seed))

    final = make_secret(lengths[-1], len(lengths) - 1)
    assert credential_store.load(profile_name, "jwt") == final
    parts = -(-lengths[-1] // PART_SIZE) if lengths[-1] > PART_SIZE else 0
    assert len(stored_entries(prefix=f"{profile_name}:")) == 1 + parts


@pytest.mark.keychain
def test_stray_parts_from_an_interrupted_write_are_cleared(
    credential_store: CredentialStore, profile_name: str
) -> None:
    # Parts 4 and 5 left behind, with no manifest that knows of them.
    for number in (4, 5):
        store_entry(part_entry_name(profile_name, "jwt", number), "stray")

    credential_store.save(profile_name, "jwt", make_secret(2500))

    assert set(stored_entries(prefix=f"{profile_name}:")) == {
        entry_name(profile_name, "jwt"),
        *(part_entry_name(profile_name, "jwt", n) for n in (1, 2, 3)),
    }


@pytest.mark.keychain
def test_kinds_and_profiles_are_kept_apart(
    credential_store: CredentialStore, profile_name: str
) -> None:
    other = f"{profile_name}:jwt"  # a name built to collide with an entry name
    try:
        credential_store.save(profile_name, "api_key", "key-one-" + "1" * 32)
        credential_store.save(profile_name, "jwt", make_secret(2100))
        credential_store.save(other, "api_key", "key-two-" + "2" * 32)

        assert credential_store.load(profile_name, "api_key") == "key-one-" + "1" * 32
        assert credential_store.load(profile_name, "jwt") == make_secret(2100)
        assert credential_store.load(other, "api_key") == "key-two-" + "2" * 32
        assert credential_store.load(other, "jwt") is None
    finally:
        credential_store.delete(other)


@pytest.mark.keychain
def test_a_manifest_lookalike_secret_round_trips(
    credential_store: CredentialStore, profile_name: str
) -> None:
    secret = "spkey-desktop:parts:v1:3:10:abc"
    credential_store.save(profile_name, "api_key", secret)
    assert credential_store.load(profile_name, "api_key") == secret


@pytest.mark.keychain
def test_the_keychain_gets_the_clean_secret_or_nothing(
    credential_store: CredentialStore, profile_name: str
) -> None:
    key = "Ak9" * 13 + "Z"
    credential_store.save(profile_name, "api_key", f"\ufeff{key}\r\n")
    assert lookup(entry_name(profile_name, "api_key")) == key

    for unusable in ("klucz-zażółć-鍵-0123456789", "x", f"{key[:20]} {key[20:]}"):
        with pytest.raises(UnusableSecretError):
            credential_store.save(profile_name, "api_key", unusable)
    assert lookup(entry_name(profile_name, "api_key")) == key


@pytest.mark.keychain
def test_missing_secret(credential_store: CredentialStore, profile_name: str) -> None:
    assert credential_store.load(profile_name, "api_key") is None
    assert not credential_store.has(profile_name, "api_key")
    credential_store.delete(profile_name)  # nothing there: no error


# --- delete --------------------------------------------------------------------


@pytest.mark.keychain
def test_delete_one_kind_or_all(
    credential_store: CredentialStore, profile_name: str
) -> None:
    credential_store.save(profile_name, "api_key", "K" * 40)
    credential_store.save(profile_name, "jwt", make_secret(3200))

    credential_store.delete(profile_name, "jwt")

    assert set(stored_entries(prefix=f"{profile_name}:")) == {f"{profile_name}:api_key"}
    assert credential_store.has(profile_name, "api_key")

    credential_store.save(profile_name, "jwt", make_secret(3200))
    credential_store.delete(profile_name)

    assert stored_entries(prefix=f"{profile_name}:") == {}


# --- damage is reported, never a truncated secret ------------------------------


@pytest.mark.keychain
def test_missing_part_is_reported(
    credential_store: CredentialStore, profile_name: str
) -> None:
    secret = make_secret(3000)
    credential_store.save(profile_name, "jwt", secret)
    part = part_entry_name(profile_name, "jwt", 2)
    secret_tool("clear", "service", SERVICE_NAME, "username", part)

    with pytest.raises(
        CredentialIncompleteError, match="part 2 of 3 is missing"
    ) as info:
        credential_store.load(profile_name, "jwt")

    assert profile_name in str(info.value)
    assert secret[:PART_SIZE] not in str(info.value)
    with pytest.raises(CredentialIncompleteError):
        credential_store.has(profile_name, "jwt")

    credential_store.delete(profile_name)
    assert stored_entries(prefix=f"{profile_name}:") == {}


@pytest.mark.keychain
def test_replaced_part_is_reported(
    credential_store: CredentialStore, profile_name: str
) -> None:
    credential_store.save(profile_name, "jwt", make_secret(2500))
    store_entry(part_entry_name(profile_name, "jwt", 3), make_secret(500, seed=9))

    with pytest.raises(CredentialIncompleteError, match="do not fit together"):
        credential_store.load(profile_name, "jwt")


# --- threads -------------------------------------------------------------------


@pytest.mark.keychain
def test_concurrent_saves_and_loads_see_whole_secrets(
    credential_store: CredentialStore, profile_name: str
) -> None:
    secrets = {make_secret(4200, seed) for seed in range(3)}
    seen: list[str | None] = []
    failures: list[BaseException] = []

    def work(secret: str) -> None:
        try:
            for _ in range(4):
                credential_store.save(profile_name, "jwt", secret)
                seen.append(credential_store.load(profile_name, "jwt"))
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=work, args=(s,)) for s in secrets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert failures == []
    assert len(seen) == 12
    assert set(seen) <= secrets


# --- no keychain ---------------------------------------------------------------

_NO_KEYCHAIN_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from spkey_desktop.credentials import CredentialStore, KeychainUnavailableError

    store = CredentialStore()
    secret = sys.stdin.read()
    calls = {
        "check_available": lambda: store.check_available(),
        "save": lambda: store.save("Prod", "jwt", secret),
        "load": lambda: store.load("Prod", "jwt"),
        "has": lambda: store.has("Prod", "api_key"),
        "delete": lambda: store.delete("Prod"),
    }
    results = {}
    for name, call in calls.items():
        try:
            call()
            results[name] = None
        except KeychainUnavailableError as error:
            results[name] = [str(error), error.summary, error.reason]
    print(json.dumps(results))
    """
)


def test_missing_keychain_raises_a_plain_sentence(tmp_path: Path) -> None:
    secret = make_secret(2500, seed=5)
    env = {**os.environ, "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}

    result = subprocess.run(
        [sys.executable, "-c", _NO_KEYCHAIN_SCRIPT],
        input=secret,
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=True,
    )

    results = json.loads(result.stdout)
    assert set(results) == {"check_available", "save", "load", "has", "delete"}
    for message, summary, reason in results.values():
        assert message.startswith("No keychain is available on this computer (")
        assert message.endswith(
            "You can keep the credentials for this session only; "
            "they will be forgotten when the app closes."
        )
        assert summary == f"No keychain is available on this computer ({reason})."
    assert secret[:PART_SIZE] not in result.stdout + result.stderr


_LOCKED_KEYCHAIN_SCRIPT = textwrap.dedent(
    """
    set -eu
    printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null
    for _ in $(seq 100); do
        if dbus-send --session --print-reply --dest=org.freedesktop.DBus \\
            /org/freedesktop/DBus org.freedesktop.DBus.NameHasOwner \\
            string:org.freedesktop.secrets | grep -q true; then break; fi
        sleep 0.1
    done
    "$PYTHON" - <<'PY'
    import secretstorage
    from spkey_desktop.credentials import CredentialStore, KeychainUnavailableError

    CredentialStore().save("Prod", "api_key", "before-locking-" + "0" * 26)
    secretstorage.get_default_collection(secretstorage.dbus_init()).lock()
    try:
        CredentialStore().save("Prod", "jwt", "SECRET-" + "x" * 3000)
    except KeychainUnavailableError as error:
        print("refused:", error)
    try:
        CredentialStore().load("Prod", "api_key")
    except KeychainUnavailableError as error:
        print("refused:", error)
    PY
    """
)


@pytest.mark.keychain
def test_locked_keychain_raises_a_plain_sentence(tmp_path: Path) -> None:
    # A private bus and keyring, so that the suite's keyring stays unlocked;
    # no DISPLAY, so that the unlock prompt fails at once instead of waiting.
    env = {
        k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")
    }
    for name in ("XDG_DATA_HOME", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME"):
        folder = tmp_path / name
        folder.mkdir(mode=0o700)
        env[name] = str(folder)
    env["PYTHON"] = sys.executable
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)

    result = subprocess.run(
        ["dbus-run-session", "--", "bash", "-c", _LOCKED_KEYCHAIN_SCRIPT],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )

    refusals = [
        line for line in result.stdout.splitlines() if line.startswith("refused:")
    ]
    assert len(refusals) == 2, result.stdout + result.stderr
    for line in refusals:
        assert "The keychain could not be used (" in line
        assert "this session only" in line
    assert "SECRET-" not in result.stdout + result.stderr
    assert "before-locking" not in result.stdout + result.stderr


# --- arguments -----------------------------------------------------------------


@pytest.mark.parametrize(
    "store", [CredentialStore(), SessionCredentialStore()], ids=["keychain", "session"]
)
def test_arguments_are_checked_before_any_keychain_call(
    store: CredentialStore | SessionCredentialStore,
) -> None:
    with pytest.raises(ValueError, match="empty"):
        store.save("Prod", "jwt", "")
    with pytest.raises(ValueError, match="profile name"):
        store.save("", "jwt", "s3cret-value")
    with pytest.raises(ValueError, match="kind") as info:
        store.save("Prod", "password", "s3cret-value")  # type: ignore[arg-type]
    assert "s3cret-value" not in str(info.value)


# --- secrets that can never be sent --------------------------------------------

KEY = "Ak9" * 13 + "Z"  # 40 letters and digits, like an organization's key
TOKEN = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvcGVyYXRvciJ9.c2lnbmF0dXJl"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        (KEY, KEY),
        (f"\ufeff{KEY}\n", KEY),  # Notepad's byte-order mark
        (f"  {KEY}\r\n", KEY),
        (f"\ufeff \ufeff{KEY}\u00a0\t", KEY),
        ("\ufeff\n", ""),
    ],
)
def test_clean_secret_strips_blanks_and_byte_order_marks(raw: str, clean: str) -> None:
    assert clean_secret(raw) == clean


@pytest.mark.parametrize(
    ("kind", "secret", "words"),
    [
        ("api_key", "", "The API key is empty."),
        ("api_key", "\ufeff \r\n", "The API key is empty."),
        ("jwt", " ", "The token (JWT) is empty."),
        ("api_key", "x", "only 1 character long"),
        ("api_key", "0123456789abcde", "only 15 characters long"),
        ("api_key", "abc def-0123456789-0123456789", "space or a line break"),
        ("api_key", KEY[:20] + "\n" + KEY[20:], "space or a line break"),
        ("api_key", KEY[:20] + "\x00" + KEY[20:], "cannot be sent"),
        ("api_key", KEY[:20] + "\x7f" + KEY[20:], "cannot be sent"),
        ("api_key", KEY[:20] + "\u200b" + KEY[20:], "invisible character"),
        ("api_key", KEY[:20] + "\ufeff" + KEY[20:], "cannot be sent"),
        ("api_key", "klucz-zażółć-0123456789", "accented letter"),
        ("jwt", "Bearer " + TOKEN, "without the word 'Bearer'"),
        ("jwt", TOKEN[:10] + " " + TOKEN[10:], "space or a line break"),
    ],
)
def test_secret_problem_refuses_what_cannot_be_sent(
    kind: CredentialKind, secret: str, words: str
) -> None:
    problem = secret_problem(kind, secret)
    assert problem is not None
    assert words in problem
    assert problem.endswith(".")
    if len(secret.strip()) > 3:
        assert secret.strip() not in problem
        assert secret.strip()[:12] not in problem


@pytest.mark.parametrize(
    ("kind", "secret"),
    [
        ("api_key", KEY),
        ("api_key", f"\ufeff{KEY}\r\n"),
        ("api_key", "0123456789abcdef"),
        ("jwt", TOKEN),
        ("jwt", f"{TOKEN}\n"),
    ],
)
def test_secret_problem_accepts_real_secrets(kind: CredentialKind, secret: str) -> None:
    assert secret_problem(kind, secret) is None


@given(st.text(), st.sampled_from(["api_key", "jwt"]))
def test_a_secret_that_passes_can_be_sent(secret: str, kind: CredentialKind) -> None:
    if secret_problem(kind, secret) is not None:
        return
    clean = clean_secret(secret)
    both = Credentials(api_key=clean) if kind == "api_key" else Credentials(token=clean)
    assert clean in "".join(auth_headers(both).values())


def test_the_session_store_keeps_the_clean_secret_or_refuses() -> None:
    store = SessionCredentialStore()
    store.save("Prod", "api_key", f"\ufeff{KEY}\r\n")
    assert store.load("Prod", "api_key") == KEY

    with pytest.raises(UnusableSecretError, match="only 1 character long") as info:
        store.save("Prod", "api_key", "x")
    assert isinstance(info.value, CredentialError)
    assert isinstance(info.value, ValueError)
    assert store.load("Prod", "api_key") == KEY


def test_keychain_errors_are_credential_errors() -> None:
    assert issubclass(KeychainUnavailableError, CredentialError)
    assert issubclass(CredentialIncompleteError, CredentialError)


# --- session only --------------------------------------------------------------


@pytest.mark.keychain
def test_session_store_keeps_secrets_in_memory_only(
    keychain_backend: KeyringBackend, profile_name: str
) -> None:
    store = SessionCredentialStore()
    long_secret = make_secret(5000)

    store.check_available()
    store.save(profile_name, "jwt", long_secret)
    store.save(profile_name, "api_key", "K" * 40)

    assert store.load(profile_name, "jwt") == long_secret
    assert store.has(profile_name, "api_key")
    assert stored_entries(prefix=f"{profile_name}:") == {}
    assert SessionCredentialStore().load(profile_name, "jwt") is None

    store.delete(profile_name, "jwt")
    assert store.load(profile_name, "jwt") is None
    assert store.has(profile_name, "api_key")
    store.delete(profile_name)
    assert not store.has(profile_name, "api_key")
