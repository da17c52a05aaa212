"""Typed, versioned settings kept as JSON in the config folder.

Two files, written atomically and read tolerantly:

- ``settings.json``: connection profiles, the active profile, preferences.
- ``ui-state.json``: window geometry, splitter and column sizes. Losing it costs a
  layout, never a choice the operator made, so it is kept apart.

Secrets have no place here: no dataclass below has a field that could hold an API
key or a JWT (they live in the keychain, see ``credentials.py``), and a base URL
with a user name or password in it is refused.

Every file carries ``schema_version``. A file from an older version is upgraded
on load by the steps in ``SETTINGS_MIGRATIONS``; a file that cannot be read is
set aside as ``<name>.broken-<timestamp>`` (never deleted) and the defaults are
used, with a sentence the app can show.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar, get_args

from spkey_desktop.api.errors import InsecureUrlError
from spkey_desktop.api.urls import check_base_url

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
UI_STATE_SCHEMA_VERSION = 1
SETTINGS_FILE_NAME = "settings.json"
UI_STATE_FILE_NAME = "ui-state.json"
FILE_MODE = 0o600

AuthMethod = Literal["api_key", "jwt", "both"]
AUTH_METHODS: tuple[AuthMethod, ...] = get_args(AuthMethod)
CredentialKind = Literal["api_key", "jwt"]

MAX_PROFILE_NAME_LENGTH = 64

# A migration turns the JSON object of version N into one of version N + 1;
# SETTINGS_MIGRATIONS[N] is that step. Version 1 is the first: nothing to do yet.
Migration = Callable[[dict[str, Any]], dict[str, Any]]
SETTINGS_MIGRATIONS: Mapping[int, Migration] = {}
UI_STATE_MIGRATIONS: Mapping[int, Migration] = {}


class SettingsFormatError(ValueError):
    """A settings document does not have the expected shape; the text says where."""


def base_url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a server's base URL, as a sentence; None when it can.

    This is the API client's own check (``check_base_url``), so an address
    accepted here is one the client will talk to, and the other way round.
    """
    try:
        check_base_url(url)
    except InsecureUrlError as error:
        return error.user_message
    return None


def profile_name_problem(name: str) -> str | None:
    """Why ``name`` cannot name a profile, as a sentence; None when it can."""
    if not name.strip():
        return "A profile name must not be empty."
    if name != name.strip():
        return "A profile name must not start or end with spaces."
    if len(name) > MAX_PROFILE_NAME_LENGTH:
        return f"A profile name must be at most {MAX_PROFILE_NAME_LENGTH} characters."
    if not name.isprintable():
        return "A profile name must not contain control characters."
    return None


@dataclass(frozen=True)
class ConnectionProfile:
    """A server the app can connect to. Its credentials are in the keychain."""

    name: str
    base_url: str
    auth: AuthMethod
    ca_bundle: str | None = None

    def __post_init__(self) -> None:
        problem = profile_name_problem(self.name) or base_url_problem(self.base_url)
        if problem is None and self.auth not in AUTH_METHODS:
            problem = f"auth must be one of {', '.join(AUTH_METHODS)}."
        if problem is None and self.ca_bundle is not None and not self.ca_bundle:
            problem = "ca_bundle must be a file path or absent."
        if problem is not None:
            raise ValueError(problem)

    @property
    def credential_kinds(self) -> tuple[CredentialKind, ...]:
        """The secrets this profile needs, in the order they are asked for."""
        if self.auth == "both":
            return ("api_key", "jwt")
        return (self.auth,)


PRODUCTION = ConnectionProfile("Production", "https://api.spkey.co", "api_key")
LOCAL_SERVER = ConnectionProfile("Local server", "http://127.0.0.1:8787", "api_key")
PRESETS: tuple[ConnectionProfile, ...] = (PRODUCTION, LOCAL_SERVER)


@dataclass(frozen=True)
class Preferences:
    confirm_before_removing: bool = True
    request_timeout_seconds: float = 20.0

    def __post_init__(self) -> None:
        if not 0 < self.request_timeout_seconds <= 600:
            raise ValueError("request_timeout_seconds must be between 0 and 600.")


@dataclass(frozen=True)
class Settings:
    profiles: tuple[ConnectionProfile, ...] = ()
    active_profile: str | None = None
    preferences: Preferences = field(default_factory=Preferences)
    schema_version: int = field(default=SCHEMA_VERSION, init=False)

    def __post_init__(self) -> None:
        names = [profile.name for profile in self.profiles]
        duplicates = sorted({name for name in names if names.count(name) > 1})
        if duplicates:
            raise ValueError(f"Two profiles are named {duplicates[0]!r}.")
        if self.active_profile is not None and self.active_profile not in names:
            raise ValueError(f"The active profile {self.active_profile!r} is missing.")

    def profile(self, name: str) -> ConnectionProfile | None:
        return next((p for p in self.profiles if p.name == name), None)

    def with_profile(self, profile: ConnectionProfile) -> Settings:
        """Add ``profile``, or replace the one with its name in place."""
        if self.profile(profile.name) is None:
            profiles = (*self.profiles, profile)
        else:
            profiles = tuple(
                profile if p.name == profile.name else p for p in self.profiles
            )
        return dataclasses.replace(self, profiles=profiles)

    def without_profile(self, name: str) -> Settings:
        """Remove the profile ``name``; the active profile is cleared if it was it."""
        return dataclasses.replace(
            self,
            profiles=tuple(p for p in self.profiles if p.name != name),
            active_profile=None if self.active_profile == name else self.active_profile,
        )

    def with_active(self, name: str | None) -> Settings:
        return dataclasses.replace(self, active_profile=name)


@dataclass(frozen=True)
class UiState:
    """Where the main window was, its splitter and its table columns: UI layout,
    kept apart from preferences.

    ``main_window`` maps a part of the window ("geometry", "splitter", a table's
    header, ...) to the base64 text of Qt's ``saveGeometry()`` or ``saveState()``
    for it: Qt's own format carries sizes, column widths and order, and this
    module stays free of Qt. The window chooses the keys.
    """

    main_window: Mapping[str, str] = field(default_factory=dict)
    schema_version: int = field(default=UI_STATE_SCHEMA_VERSION, init=False)


# --- JSON shape ----------------------------------------------------------------


def settings_to_json(settings: Settings) -> dict[str, Any]:
    return {
        "schema_version": settings.schema_version,
        "profiles": [
            {
                "name": p.name,
                "base_url": p.base_url,
                "auth": p.auth,
                "ca_bundle": p.ca_bundle,
            }
            for p in settings.profiles
        ],
        "active_profile": settings.active_profile,
        "preferences": dataclasses.asdict(settings.preferences),
    }


def settings_from_json(data: dict[str, Any]) -> Settings:
    """Build settings from a migrated JSON object; unknown keys are errors, so
    nothing in the file is dropped silently when it is saved again."""
    _only_keys(
        data,
        "settings",
        {"schema_version", "profiles", "active_profile", "preferences"},
    )
    profiles = []
    for index, item in enumerate(_typed(data.get("profiles", []), list, "profiles")):
        where = f"profiles[{index}]"
        item = _typed(item, dict, where)
        _only_keys(item, where, {"name", "base_url", "auth", "ca_bundle"})
        profiles.append(
            _build(
                ConnectionProfile,
                where,
                name=_typed(item.get("name"), str, f"{where}.name"),
                base_url=_typed(item.get("base_url"), str, f"{where}.base_url"),
                auth=_typed(item.get("auth"), str, f"{where}.auth"),
                ca_bundle=_optional(item.get("ca_bundle"), str, f"{where}.ca_bundle"),
            )
        )

    prefs = _typed(data.get("preferences", {}), dict, "preferences")
    _only_keys(prefs, "preferences", {f.name for f in dataclasses.fields(Preferences)})
    defaults = Preferences()
    preferences = _build(
        Preferences,
        "preferences",
        confirm_before_removing=_typed(
            prefs.get("confirm_before_removing", defaults.confirm_before_removing),
            bool,
            "preferences.confirm_before_removing",
        ),
        request_timeout_seconds=_number(
            prefs.get("request_timeout_seconds", defaults.request_timeout_seconds),
            "preferences.request_timeout_seconds",
        ),
    )
    return _build(
        Settings,
        "settings",
        profiles=tuple(profiles),
        active_profile=_optional(data.get("active_profile"), str, "active_profile"),
        preferences=preferences,
    )


def ui_state_to_json(state: UiState) -> dict[str, Any]:
    return {
        "schema_version": state.schema_version,
        "main_window": dict(state.main_window),
    }


def ui_state_from_json(data: dict[str, Any]) -> UiState:
    _only_keys(data, "UI state", {"schema_version", "main_window"})
    parts = _typed(data.get("main_window", {}), dict, "main_window")
    return UiState(
        main_window={
            key: _typed(value, str, f"main_window.{key}")
            for key, value in parts.items()
        }
    )


T = TypeVar("T")


def _typed(value: Any, kind: type[T], where: str) -> T:
    # bool is an int in Python but not in the file's meaning.
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise SettingsFormatError(f"{where} must be a {_JSON_NAMES[kind]}")
    return value


def _optional(value: Any, kind: type[T], where: str) -> T | None:
    return None if value is None else _typed(value, kind, where)


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SettingsFormatError(f"{where} must be a number")
    return float(value)


def _only_keys(data: dict[str, Any], where: str, allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise SettingsFormatError(f"{where} has an unknown entry {unknown[0]!r}")


def _build(kind: Callable[..., T], where: str, **values: Any) -> T:
    try:
        return kind(**values)
    except ValueError as error:
        raise SettingsFormatError(f"{where}: {error}") from error


_JSON_NAMES = {
    str: "text",
    bool: "true or false",
    int: "whole number",
    list: "list",
    dict: "JSON object",
}


def migrate(
    data: dict[str, Any], *, target: int, steps: Mapping[int, Migration]
) -> dict[str, Any]:
    """Upgrade a JSON document to schema ``target``, one step at a time."""
    version = data.get("schema_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise SettingsFormatError("schema_version is missing or not a version number")
    if version > target:
        raise SettingsFormatError(
            f"it was written by a newer spkey-desktop (schema {version}; "
            f"this version reads up to {target})"
        )
    while version < target:
        if version not in steps:
            raise SettingsFormatError(f"no upgrade from schema {version} is known")
        data = {**steps[version](dict(data)), "schema_version": version + 1}
        version += 1
    return data


# --- files ---------------------------------------------------------------------


def write_atomically(path: Path, data: bytes, mode: int = FILE_MODE) -> None:
    """Replace ``path`` with ``data`` so that a reader, or a crash, sees either the
    old content or the new, never a mix: temp file, fsync, rename, fsync folder."""
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.chmod(temp_name, mode)
        # TODO(#3): on Windows, retry briefly when an indexer or antivirus holds
        # the old file open (PermissionError); untested there so far.
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)


def _fsync_folder(folder: Path) -> None:
    # Makes the rename itself durable; Windows cannot open a folder this way.
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@dataclass(frozen=True)
class Loaded(Generic[T]):
    """What a load produced; ``warning`` is a sentence to show the operator when
    the file could not be used, ``kept_as`` where the unusable file now is."""

    value: T
    warning: str | None = None
    kept_as: Path | None = None


@dataclass(frozen=True)
class _Document(Generic[T]):
    path: Path
    what: str
    target: int
    steps: Mapping[int, Migration]
    decode: Callable[[dict[str, Any]], T]
    encode: Callable[[T], dict[str, Any]]
    default: Callable[[], T]

    def load(self) -> Loaded[T]:
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return Loaded(self.default())
        except OSError as error:
            return self._unusable(f"{error.strerror or error}", set_aside=False)

        try:
            data = _typed(json.loads(raw.decode("utf-8")), dict, "the file")
            return Loaded(
                self.decode(migrate(data, target=self.target, steps=self.steps))
            )
        except UnicodeDecodeError:
            reason = "it is not UTF-8 text"
        except json.JSONDecodeError as error:
            reason = f"it is not valid JSON: {error.msg} at line {error.lineno}"
        except SettingsFormatError as error:
            reason = str(error)
        return self._unusable(reason, set_aside=True)

    def save(self, value: T) -> None:
        text = json.dumps(self.encode(value), indent=2, ensure_ascii=False) + "\n"
        write_atomically(self.path, text.encode("utf-8"))

    def _unusable(self, reason: str, *, set_aside: bool) -> Loaded[T]:
        kept_as = None
        outcome = "it was left in place"
        if set_aside:
            try:
                kept_as = _set_aside(self.path)
                outcome = f"the unreadable file was kept as {kept_as}"
            except OSError as error:
                outcome = f"it could not be set aside ({error.strerror or error})"
        warning = (
            f"The {self.what} file {self.path} could not be read ({reason}). "
            f"spkey-desktop is using the default {self.what}; {outcome}."
        )
        log.warning("%s", warning)
        return Loaded(self.default(), warning=warning, kept_as=kept_as)


def _set_aside(path: Path) -> Path:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    for attempt in range(1, 1000):
        suffix = "" if attempt == 1 else f"-{attempt}"
        target = path.with_name(f"{path.name}.broken-{stamp}{suffix}")
        if not target.exists():
            path.rename(target)
            return target
    raise FileExistsError(f"too many set-aside copies of {path}")


class SettingsStore:
    """Loads and saves ``settings.json`` and ``ui-state.json`` in ``config_dir``.

    Synchronous and fast (small files); the folder must exist (``AppPaths.ensure``).
    """

    def __init__(self, config_dir: Path) -> None:
        self._settings = _Document(
            path=config_dir / SETTINGS_FILE_NAME,
            what="settings",
            target=SCHEMA_VERSION,
            steps=SETTINGS_MIGRATIONS,
            decode=settings_from_json,
            encode=settings_to_json,
            default=Settings,
        )
        self._ui_state = _Document(
            path=config_dir / UI_STATE_FILE_NAME,
            what="window layout",
            target=UI_STATE_SCHEMA_VERSION,
            steps=UI_STATE_MIGRATIONS,
            decode=ui_state_from_json,
            encode=ui_state_to_json,
            default=UiState,
        )

    @property
    def settings_path(self) -> Path:
        return self._settings.path

    @property
    def ui_state_path(self) -> Path:
        return self._ui_state.path

    def load(self) -> Loaded[Settings]:
        return self._settings.load()

    def save(self, settings: Settings) -> None:
        self._settings.save(settings)

    def load_ui_state(self) -> Loaded[UiState]:
        return self._ui_state.load()

    def save_ui_state(self, state: UiState) -> None:
        self._ui_state.save(state)
