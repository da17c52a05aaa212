"""Settings: typed, versioned, written atomically, read tolerantly, free of secrets."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
import stat
import subprocess
import sys
import textwrap
import time
import typing
from pathlib import Path
from typing import Any

import pytest

from spkey_desktop.api import InsecureUrlError
from spkey_desktop.api.urls import check_base_url
from spkey_desktop.settings import (
    LOCAL_SERVER,
    PRESETS,
    PRODUCTION,
    SCHEMA_VERSION,
    SETTINGS_MIGRATIONS,
    UI_STATE_SCHEMA_VERSION,
    ConnectionProfile,
    Preferences,
    Settings,
    SettingsFormatError,
    SettingsStore,
    UiState,
    base_url_problem,
    migrate,
    write_atomically,
)

BROKEN_NAME = re.compile(r"^settings\.json\.broken-\d{8}T\d{6}Z(-\d+)?$")


@pytest.fixture
def store(tmp_path: Path) -> SettingsStore:
    return SettingsStore(tmp_path)


def _sample() -> Settings:
    return Settings(
        profiles=(
            LOCAL_SERVER,
            ConnectionProfile(
                "Staging", "https://staging.example.com/api", "both", "/etc/ca.pem"
            ),
        ),
        active_profile="Staging",
        preferences=Preferences(
            confirm_before_removing=False, request_timeout_seconds=7.5
        ),
    )


# --- the model -----------------------------------------------------------------


def test_schema_version_starts_at_one_with_no_migrations_yet() -> None:
    assert SCHEMA_VERSION == 1
    assert UI_STATE_SCHEMA_VERSION == 1
    assert SETTINGS_MIGRATIONS == {}
    assert Settings().schema_version == 1
    assert UiState().schema_version == 1


def test_presets() -> None:
    assert PRESETS == (PRODUCTION, LOCAL_SERVER)
    assert (PRODUCTION.name, PRODUCTION.base_url) == (
        "Production",
        "https://api.spkey.co",
    )
    assert (LOCAL_SERVER.name, LOCAL_SERVER.base_url) == (
        "Local server",
        "http://127.0.0.1:8787",
    )


def _field_names(kind: type) -> set[str]:
    """Every field name of a settings dataclass and of those it contains."""
    names = set()
    hints = typing.get_type_hints(kind)
    for item in dataclasses.fields(kind):
        names.add(item.name)
        for inner in typing.get_args(hints[item.name]) or (hints[item.name],):
            if dataclasses.is_dataclass(inner) and isinstance(inner, type):
                names |= _field_names(inner)
    return names


@pytest.mark.parametrize("kind", [Settings, ConnectionProfile, Preferences, UiState])
def test_no_field_can_hold_a_secret(kind: type) -> None:
    for name in _field_names(kind):
        assert not re.search(r"key|secret|token|jwt|password|credential", name), name


# --- the base URL: one rule with the API client ----------------------------------

USABLE_BASE_URLS = [
    "https://api.spkey.co",
    "https://api.spkey.co/",
    "https://staging.example.com:8443/v1",
    "https://xn--bcher-kva.example",
    "http://127.0.0.1:8787",
    "http://localhost:8787",
    "http://[::1]:8787",
    "https://127.0.0.1:65535",
    "  https://api.spkey.co  ",
]

REFUSED_BASE_URLS = [
    ("http://api.spkey.co", ["http://", "api.spkey.co", "https://", "unencrypted"]),
    ("http://192.168.1.10:8787", ["192.168.1.10", "unencrypted"]),
    ("ftp://api.spkey.co", ["https://"]),
    ("api.spkey.co", ["https://"]),
    ("https://user:pw@api.spkey.co", ["password", "keychain"]),
    ("https://api.spkey.co/?key=1", ["query"]),
    ("https://api.spkey.co/#x", ["fragment"]),
    # httpx drops an empty query or fragment: every path would go to "/".
    ("http://127.0.0.1:8787/#", ["'#'", "fragment"]),
    ("http://127.0.0.1:8787/?", ["'?'", "query"]),
    ("https://api.spkey.co?", ["'?'"]),
    ("http://localhost./", ['"localhost."', "final dot"]),
    ("https://api.spkey.co./", ["final dot"]),
    ("https://_bad_.example", ["valid host name"]),
    ("https://exa mple.com", ["valid host name"]),
    ("https://api.spkey.co:99999", ["port 99999", "1 to 65535"]),
    ("http://127.0.0.1:99999", ["port 99999", "1 to 65535"]),
    ("http://[::1]:0", ["port 0", "1 to 65535"]),
    ("https://api.spkey.co:https", ["port after the colon", "1 to 65535"]),
]


@pytest.mark.parametrize("url", USABLE_BASE_URLS)
def test_usable_base_urls(url: str) -> None:
    assert base_url_problem(url) is None
    assert ConnectionProfile("X", url, "api_key").base_url == url


@pytest.mark.parametrize(("url", "words"), REFUSED_BASE_URLS)
def test_refused_base_urls_say_why(url: str, words: list[str]) -> None:
    problem = base_url_problem(url)
    assert problem is not None
    assert problem.endswith(".")
    for word in words:
        assert word in problem
    with pytest.raises(ValueError, match=re.escape(problem)):
        ConnectionProfile("X", url, "api_key")


@pytest.mark.parametrize(
    "url", [*USABLE_BASE_URLS, *(url for url, _ in REFUSED_BASE_URLS)]
)
def test_settings_and_the_client_apply_the_same_rule(url: str) -> None:
    assert base_url_problem(url) == _client_verdict(url)


def _client_verdict(url: str) -> str | None:
    try:
        check_base_url(url)
    except InsecureUrlError as error:
        return error.user_message
    return None


def test_refusal_never_repeats_a_password_from_the_address() -> None:
    for url in (
        "https://operator:hunter2-secret@api.spkey.co",
        "https://operator:hunter2-secret",
        "https://operator:hunter2-secret@api.spkey.co:99999",
    ):
        problem = base_url_problem(url)
        assert problem is not None
        assert "hunter2" not in problem


def test_profile_refuses_a_password_in_its_address() -> None:
    with pytest.raises(ValueError, match="password"):
        ConnectionProfile("X", "https://user:pw@api.spkey.co", "api_key")


@pytest.mark.parametrize(
    ("name", "url", "auth", "message"),
    [
        ("", "https://a.example", "api_key", "empty"),
        (" X", "https://a.example", "api_key", "spaces"),
        ("X" * 65, "https://a.example", "api_key", "64"),
        ("a\nb", "https://a.example", "api_key", "control"),
        ("X", "http://a.example", "api_key", "http://"),
        ("X", "https://a.example", "password", "auth"),
    ],
)
def test_profile_validation(name: str, url: str, auth: Any, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        ConnectionProfile(name, url, auth)


def test_credential_kinds_follow_auth() -> None:
    url = "https://a.example"
    assert ConnectionProfile("a", url, "api_key").credential_kinds == ("api_key",)
    assert ConnectionProfile("a", url, "jwt").credential_kinds == ("jwt",)
    assert ConnectionProfile("a", url, "both").credential_kinds == ("api_key", "jwt")


def test_profile_names_are_unique_and_active_must_exist() -> None:
    with pytest.raises(ValueError, match="Two profiles"):
        Settings(profiles=(LOCAL_SERVER, LOCAL_SERVER))
    with pytest.raises(ValueError, match="missing"):
        Settings(profiles=(LOCAL_SERVER,), active_profile="Production")


def test_editing_profiles() -> None:
    moved = dataclasses.replace(LOCAL_SERVER, base_url="http://127.0.0.1:9000")

    settings = Settings().with_profile(PRODUCTION).with_profile(LOCAL_SERVER)
    settings = settings.with_active("Local server").with_profile(moved)

    assert settings.profiles == (PRODUCTION, moved)
    assert settings.profile("Local server") == moved
    assert settings.profile("Nope") is None
    assert settings.without_profile("Local server").active_profile is None
    assert settings.without_profile("Production").active_profile == "Local server"


def test_preferences_validate_the_timeout() -> None:
    with pytest.raises(ValueError, match="request_timeout_seconds"):
        Preferences(request_timeout_seconds=0)


# --- load and save -------------------------------------------------------------


def test_missing_file_gives_defaults_without_warning(store: SettingsStore) -> None:
    loaded = store.load()

    assert loaded.value == Settings()
    assert loaded.warning is None
    assert not store.settings_path.exists()


def test_round_trip(store: SettingsStore) -> None:
    store.save(_sample())

    loaded = store.load()

    assert loaded.value == _sample()
    assert loaded.warning is None


def test_saved_file_has_exactly_the_declared_entries(store: SettingsStore) -> None:
    store.save(_sample())

    data = json.loads(store.settings_path.read_text(encoding="utf-8"))

    assert list(data) == ["schema_version", "profiles", "active_profile", "preferences"]
    assert data["schema_version"] == 1
    assert [set(p) for p in data["profiles"]] == [
        {"name", "base_url", "auth", "ca_bundle"}
    ] * 2
    assert set(data["preferences"]) == {
        "confirm_before_removing",
        "request_timeout_seconds",
    }


def test_saved_file_is_private_and_no_temporary_file_remains(
    store: SettingsStore, tmp_path: Path
) -> None:
    store.save(_sample())
    store.save(Settings())

    assert stat.S_IMODE(store.settings_path.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["settings.json"]


def test_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "settings.json"
    target.mkdir()  # os.replace cannot put a file over a folder

    with pytest.raises(IsADirectoryError):
        write_atomically(target, b"{}")

    assert [p.name for p in tmp_path.iterdir()] == ["settings.json"]


def test_readers_never_see_a_half_written_file(tmp_path: Path) -> None:
    # A writer process saves two large settings in turn while this process
    # reads: with a plain open-and-write, some reads catch a truncated file.
    writer = textwrap.dedent(
        """
        import sys
        from pathlib import Path
        from spkey_desktop.settings import ConnectionProfile, Settings, SettingsStore

        def many(prefix, count):
            return Settings(profiles=tuple(
                ConnectionProfile(f"{prefix}{i}", f"https://{prefix}.example", "jwt")
                for i in range(count)
            ))

        store = SettingsStore(Path(sys.argv[1]))
        big, small = many("a", 3000), many("b", 1000)
        store.save(big)
        print("ready", flush=True)
        for i in range(60):
            store.save(small if i % 2 else big)
        """
    )
    process = subprocess.Popen(
        [sys.executable, "-c", writer, str(tmp_path)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    assert process.stdout.readline() == "ready\n"

    reads = 0
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline:
        text = (tmp_path / "settings.json").read_text(encoding="utf-8")
        count = len(json.loads(text)["profiles"])
        assert count in (3000, 1000)
        reads += 1
    assert process.wait(timeout=10) == 0
    assert reads > 10, "the reader hardly overlapped the writer"


# --- broken files --------------------------------------------------------------


def _valid(**changes: Any) -> bytes:
    data: dict[str, Any] = {
        "schema_version": 1,
        "profiles": [
            {"name": "A", "base_url": "https://a.example", "auth": "jwt"},
        ],
        "active_profile": "A",
        "preferences": {},
    }
    data.update(changes)
    return json.dumps(data).encode()


BROKEN_FILES = {
    "not JSON": b'{"schema_version": 1, "profiles": [',
    "not UTF-8": b"\xff\xfe\x00{",
    "empty": b"",
    "a list": b"[]",
    "no version": json.dumps({"profiles": []}).encode(),
    "version is text": _valid(schema_version="1"),
    "newer version": _valid(schema_version=99),
    "unknown top entry": _valid(theme="dark"),
    "secret planted in a profile": _valid(
        profiles=[
            {
                "name": "A",
                "base_url": "https://a.example",
                "auth": "jwt",
                "api_key": "PLANTED-SECRET-0123456789",
            }
        ]
    ),
    "wrong type": _valid(active_profile=3),
    "bool as number": _valid(preferences={"request_timeout_seconds": True}),
    "unknown auth": _valid(
        profiles=[{"name": "A", "base_url": "https://a.example", "auth": "basic"}]
    ),
    "http to another computer": _valid(
        profiles=[{"name": "A", "base_url": "http://a.example", "auth": "jwt"}]
    ),
    "active profile missing": _valid(active_profile="B"),
}


@pytest.mark.parametrize("content", BROKEN_FILES.values(), ids=BROKEN_FILES.keys())
def test_broken_file_gives_defaults_and_is_kept_aside(
    store: SettingsStore, content: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    store.settings_path.write_bytes(content)

    with caplog.at_level(logging.WARNING, logger="spkey_desktop.settings"):
        loaded = store.load()

    assert loaded.value == Settings()
    assert loaded.kept_as is not None
    assert BROKEN_NAME.match(loaded.kept_as.name)
    assert loaded.kept_as.read_bytes() == content
    assert not store.settings_path.exists()

    assert loaded.warning is not None
    assert str(store.settings_path) in loaded.warning
    assert str(loaded.kept_as) in loaded.warning
    assert "default settings" in loaded.warning
    assert "PLANTED-SECRET" not in loaded.warning
    assert [r.getMessage() for r in caplog.records] == [loaded.warning]


def test_the_warning_names_what_is_wrong(store: SettingsStore) -> None:
    store.settings_path.write_bytes(BROKEN_FILES["unknown auth"])
    assert "profiles[0]" in (store.load().warning or "")

    store.settings_path.write_bytes(BROKEN_FILES["newer version"])
    assert "newer spkey-desktop" in (store.load().warning or "")


def test_every_broken_file_is_kept(store: SettingsStore, tmp_path: Path) -> None:
    for content in (b"{", b"[", b"nope"):
        store.settings_path.write_bytes(content)
        store.load()

    kept = sorted(p for p in tmp_path.iterdir() if BROKEN_NAME.match(p.name))
    assert sorted(p.read_bytes() for p in kept) == sorted([b"{", b"[", b"nope"])


def test_saving_after_recovery_keeps_the_broken_copy(
    store: SettingsStore, tmp_path: Path
) -> None:
    store.settings_path.write_bytes(b"{")
    kept = store.load().kept_as

    store.save(_sample())

    assert store.load().value == _sample()
    assert kept is not None
    assert kept.read_bytes() == b"{"


def test_unreadable_file_is_left_in_place(store: SettingsStore) -> None:
    store.settings_path.mkdir()

    loaded = store.load()

    assert loaded.value == Settings()
    assert loaded.kept_as is None
    assert "left in place" in (loaded.warning or "")
    assert store.settings_path.is_dir()


# --- migrations ----------------------------------------------------------------


def test_migration_steps_run_in_order() -> None:
    steps = {
        1: lambda d: {**d, "profiles": [], "added_in_2": True},
        2: lambda d: {"renamed": d["added_in_2"], "profiles": d["profiles"]},
    }

    data = migrate({"schema_version": 1}, target=3, steps=steps)

    assert data == {"schema_version": 3, "profiles": [], "renamed": True}


def test_current_version_needs_no_step() -> None:
    assert migrate({"schema_version": 2, "x": 1}, target=2, steps={}) == {
        "schema_version": 2,
        "x": 1,
    }


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"schema_version": 1}, "no upgrade from schema 1"),
        ({"schema_version": 4}, "newer"),
        ({"schema_version": 0}, "schema_version"),
        ({"schema_version": True}, "schema_version"),
        ({}, "schema_version"),
    ],
)
def test_migration_refusals(data: dict[str, Any], message: str) -> None:
    with pytest.raises(SettingsFormatError, match=message):
        migrate(data, target=3, steps={})


# --- UI state ------------------------------------------------------------------


def test_ui_state_lives_in_its_own_file(store: SettingsStore) -> None:
    state = UiState(main_window={"geometry": "AdnQywADAAA=", "splitter": "AAAA/w=="})

    store.save_ui_state(state)
    store.save(_sample())

    assert store.load_ui_state().value == state
    assert store.ui_state_path != store.settings_path
    assert "geometry" not in store.settings_path.read_text(encoding="utf-8")
    assert json.loads(store.ui_state_path.read_text(encoding="utf-8")) == {
        "schema_version": 1,
        "main_window": {"geometry": "AdnQywADAAA=", "splitter": "AAAA/w=="},
    }


def test_broken_ui_state_leaves_settings_alone(store: SettingsStore) -> None:
    store.save(_sample())
    store.ui_state_path.write_text('{"schema_version": 1, "main_window": [1]}')

    layout = store.load_ui_state()

    assert layout.value == UiState()
    assert "window layout" in (layout.warning or "")
    assert layout.kept_as is not None
    assert store.load() == store.load()
    assert store.load().value == _sample()
