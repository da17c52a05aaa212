"""``spkey-desktop profile add|list|credentials|remove``: connection profiles
without a window.

Secrets never come from the command line (it ends up in shell history and in the
process list): ``add`` reads them from standard input, one line each, API key
first, or asks for them at the terminal. They go to the keychain only.
``credentials`` replaces a profile's secrets the same way (a key rotated in the
partner portal, a new token), keeping its roster and the changes it has queued.

``remove`` deletes the profile's roster file (roster and outbox) with it, so
that a profile added later under the same name starts empty. It refuses while
the outbox holds changes not yet sent to the server, naming how many and what
to do, unless ``--discard-pending`` is given, and while the window or an
import has the file open (see ``store/profile_data.py``).

Exit status: 0 done; 1 refused or failed (the profile exists, is missing, the
keychain could not be used, changes are not yet sent, the file is in use); 2
wrong input (name, address, CA file, secrets, a home folder that cannot be
one).
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import shlex
import sys
from pathlib import Path
from typing import Any

from spkey_desktop.api.tls import CaBundleError, trust_context
from spkey_desktop.credentials import (
    CREDENTIAL_KINDS,
    CredentialError,
    CredentialIncompleteError,
    CredentialKind,
    CredentialStore,
    KeychainUnavailableError,
    clean_secret,
    secret_problem,
)
from spkey_desktop.paths import AppPaths, HomeFolderError
from spkey_desktop.settings import (
    AUTH_METHODS,
    ConnectionProfile,
    Settings,
    SettingsStore,
    base_url_problem,
    profile_name_problem,
)
from spkey_desktop.store.profile_data import (
    ProfileData,
    ProfileDataError,
    ProfileDataInUseError,
    delete_local_data,
    local_data,
    unsent_summary,
)

EXIT_FAILED = 1
EXIT_USAGE = 2

_LABELS: dict[CredentialKind, str] = {"api_key": "API key", "jwt": "token (JWT)"}


class _Refused(Exception):
    def __init__(self, message: str, status: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.status = status


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "profile",
        help="add, list or remove connection profiles",
        description="Manage the servers the app connects to. "
        "Credentials are kept in the operating system's keychain.",
    )
    commands = parser.add_subparsers(dest="profile_command", required=True)

    add = commands.add_parser(
        "add",
        help="add a connection profile and store its credentials",
        description="Add a connection profile. The secrets are read from standard "
        "input, one line each (the API key first, then the token), or asked for "
        "at the terminal; no option takes a secret.",
    )
    add.add_argument("name", help="the profile's name, e.g. 'Production'")
    add.add_argument("--url", required=True, help="the server's base address")
    add.add_argument(
        "--auth",
        required=True,
        choices=AUTH_METHODS,
        help="which credentials the server gets: an API key, a JWT or both",
    )
    add.add_argument(
        "--ca-bundle",
        metavar="FILE",
        help="PEM file of the certificate authorities to trust for this server",
    )
    add.set_defaults(func=_guarded(_add))

    show = commands.add_parser(
        "list",
        help="list the profiles and whether their credentials are stored",
        description="List the profiles (* marks the active one) and whether each "
        "secret is in the keychain. Secrets are never shown.",
    )
    show.set_defaults(func=_guarded(_list))

    renew = commands.add_parser(
        "credentials",
        help="replace a profile's credentials (a rotated key, a new token)",
        description="Replace the secrets of a profile in the keychain, read as "
        "for 'add' (standard input, one line each, the API key first, or asked "
        "at the terminal). The profile's roster and its queued changes stay; "
        "the changes go out with the new credentials at the next import or in "
        "the window.",
    )
    renew.add_argument("name")
    renew.set_defaults(func=_guarded(_credentials))

    remove = commands.add_parser(
        "remove",
        help="remove a profile, its credentials and its roster file",
        description="Remove a profile from the settings, its secrets from the "
        "keychain and its roster file (the users looked up and the changes "
        "queued for the server) from this computer. Refuses while changes are "
        "not yet sent, unless --discard-pending is given, and while the window "
        "or an import has the profile open.",
    )
    remove.add_argument("name")
    remove.add_argument(
        "--discard-pending",
        action="store_true",
        help="remove the profile even though changes queued for its server "
        "have not been sent yet; they are lost",
    )
    remove.set_defaults(func=_guarded(_remove))


def _guarded(command: Any) -> Any:
    def run(args: argparse.Namespace) -> int:
        try:
            status: int = command(args)
        except _Refused as refusal:
            print(f"spkey-desktop profile: {refusal}", file=sys.stderr)
            return refusal.status
        except HomeFolderError as error:
            print(f"spkey-desktop profile: {error}", file=sys.stderr)
            return EXIT_USAGE
        return status

    return run


def _add(args: argparse.Namespace) -> int:
    # Check everything that can be checked before asking for a secret.
    problem = profile_name_problem(args.name) or base_url_problem(args.url)
    if problem:
        raise _Refused(problem, EXIT_USAGE)
    ca_bundle = _ca_bundle(args.ca_bundle)

    paths = AppPaths.resolve(args.home).ensure()
    store = SettingsStore(paths.config_dir)
    settings = _load(store)
    if settings.profile(args.name) is not None:
        raise _Refused(
            f"A profile named {args.name!r} already exists; remove it first with "
            f"'spkey-desktop profile remove {args.name}'."
        )
    profile = ConnectionProfile(args.name, args.url.strip(), args.auth, ca_bundle)
    # A file left under this name (by an older version, or a failed removal)
    # would give the new profile the old roster and queued changes.
    leftover = local_data(paths, profile.name)
    if leftover.exists:
        _check_may_delete(args, leftover, listed=False, action="added")
    secrets = _ask_all(profile)

    keychain = CredentialStore()
    try:
        # Secrets left by an earlier profile of this name must not linger.
        _replace_secrets(keychain, profile, secrets)
    except CredentialError as error:
        _forget(keychain, profile.name)
        raise _Refused(
            f"{_keychain_problem(error)} The profile was not added."
        ) from None

    if leftover.exists:
        try:
            delete_local_data(paths, profile.name)
        except ProfileDataError as error:
            _forget(keychain, profile.name)
            raise _Refused(f"{error} The profile was not added.") from None

    updated = settings.with_profile(profile)
    if updated.active_profile is None:
        updated = updated.with_active(profile.name)
    try:
        store.save(updated)
    except OSError as error:
        _forget(keychain, profile.name)
        raise _Refused(
            f"Could not write {store.settings_path} ({error.strerror or error}); "
            "the profile was not added."
        ) from None

    print(
        f"Added profile {profile.name!r} ({profile.base_url}); its "
        f"{_stored(secrets)} in the keychain."
    )
    if leftover.exists:
        print(
            f"The roster file an earlier profile named {profile.name!r} left on "
            f"this computer was deleted ({leftover.database})."
        )
    return 0


def _credentials(args: argparse.Namespace) -> int:
    paths = AppPaths.resolve(args.home).ensure()
    settings = _load(SettingsStore(paths.config_dir))
    profile = settings.profile(args.name)
    if profile is None:
        raise _Refused(
            f"There is no profile named {args.name!r}; add one with "
            "'spkey-desktop profile add'."
        )
    secrets = _ask_all(profile)
    try:
        _replace_secrets(CredentialStore(), profile, secrets)
    except CredentialError as error:
        raise _Refused(
            f"{_keychain_problem(error)} The new credentials could not be stored; "
            "run the command again."
        ) from None
    print(
        f"The new {_stored(secrets)} of profile {profile.name!r} in the keychain; "
        "its roster and queued changes are kept."
    )
    return 0


def _ask_all(profile: ConnectionProfile) -> dict[CredentialKind, str]:
    """Every secret the profile's authentication needs, in order."""
    kinds = profile.credential_kinds
    return {kind: _ask(kind, profile.name, n) for n, kind in enumerate(kinds, 1)}


def _replace_secrets(
    keychain: CredentialStore,
    profile: ConnectionProfile,
    secrets: dict[CredentialKind, str],
) -> None:
    """The profile's secrets in the keychain are ``secrets`` and nothing else:
    the old ones go first, so no mix of old and new can remain."""
    keychain.delete(profile.name)
    for kind, secret in secrets.items():
        keychain.save(profile.name, kind, secret)


def _stored(secrets: dict[CredentialKind, str]) -> str:
    """ "API key is", "API key and JWT are" """
    verb = "are" if len(secrets) > 1 else "is"
    return f"{' and '.join(_LABELS[kind] for kind in secrets)} {verb}"


def _list(args: argparse.Namespace) -> int:
    paths = AppPaths.resolve(args.home).check()
    settings = _load(SettingsStore(paths.config_dir))
    if not settings.profiles:
        print(
            "No connection profiles. Add one with: spkey-desktop profile add NAME "
            "--url URL --auth api_key"
        )
        return 0

    keychain = CredentialStore()
    unavailable: list[str] = []
    rows: list[tuple[str, ...]] = [("", "NAME", "URL", "AUTH", "API KEY", "JWT")]
    for profile in settings.profiles:
        marks = [
            _status(keychain, profile, kind, unavailable) for kind in CREDENTIAL_KINDS
        ]
        active = "*" if profile.name == settings.active_profile else ""
        rows.append((active, profile.name, profile.base_url, profile.auth, *marks))

    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print(
            "  ".join(
                cell.ljust(width) for cell, width in zip(row, widths, strict=True)
            ).rstrip()
        )
    if unavailable:
        print(
            f"spkey-desktop profile: {unavailable[0]} Whether the secrets are "
            "stored is unknown.",
            file=sys.stderr,
        )
    return 0


def _remove(args: argparse.Namespace) -> int:
    paths = AppPaths.resolve(args.home).check()
    store = SettingsStore(paths.config_dir)
    settings = _load(store)
    listed = settings.profile(args.name) is not None
    data = local_data(paths, args.name)
    if not listed and not data.exists:
        names = ", ".join(repr(p.name) for p in settings.profiles) or "none"
        raise _Refused(f"There is no profile named {args.name!r} (profiles: {names}).")
    # Everything that can refuse is asked before anything is deleted.
    _check_may_delete(args, data, listed=listed, action="removed")

    # The keychain first: if it refuses, nothing has changed and a retry works.
    try:
        CredentialStore().delete(args.name)
    except CredentialError as error:
        raise _Refused(f"{_keychain_problem(error)} Nothing was removed.") from None
    # Then the file, while the profile is still listed: if it cannot go, the
    # profile stays, and removing it again finishes the job.
    try:
        delete_local_data(paths, args.name)
    except ProfileDataError as error:
        raise _Refused(
            f"Its credentials were deleted, but: {error} The profile is still "
            "listed; remove it again once the file can be deleted."
        ) from None
    if listed:
        try:
            store.save(settings.without_profile(args.name))
        except OSError as error:
            raise _Refused(
                "Its credentials and roster file were deleted, but "
                f"{store.settings_path} could not be written "
                f"({error.strerror or error}); the profile is still listed."
            ) from None

    discarded = ""
    if data.unsent:
        discarded = f" It had {unsent_summary(data)}; they were discarded."
    if listed:
        print(
            f"Removed profile {args.name!r}, its credentials and its roster file."
            + discarded
        )
    else:
        print(
            f"There was no profile named {args.name!r}; the roster file an earlier "
            f"profile of that name left on this computer was deleted "
            f"({data.database})." + discarded
        )
    return 0


def _check_may_delete(
    args: argparse.Namespace, data: ProfileData, *, listed: bool, action: str
) -> None:
    """Refuse (nothing is changed yet) while the file is open elsewhere, or
    holds changes the operator has not let go of."""
    nothing = f"Nothing was {action}."
    if data.in_use:
        in_use = ProfileDataInUseError.of(data.profile, data.database)
        raise _Refused(f"{in_use} {nothing}")
    if not data.at_stake or getattr(args, "discard_pending", False):
        return
    discard = _command(args, "remove", data.profile, "--discard-pending")
    if listed and not data.unsent:
        raise _Refused(
            f"Profile {data.profile!r} has {unsent_summary(data)}. {nothing} To "
            f"remove the profile with that file, run: {discard}"
        )
    if listed:
        raise _Refused(
            f"Profile {data.profile!r} has {unsent_summary(data)}. {nothing} To "
            "send them, open it in the window "
            f"({_command(args, '--profile', data.profile, window=True)}) and "
            "wait until none is pending, or cancel them under View → Pending "
            f"changes…. To remove the profile and discard them, run: {discard}"
        )
    raise _Refused(
        f"An earlier profile named {data.profile!r} left {unsent_summary(data)} "
        f"on this computer ({data.database}), which a new profile of that name "
        f"would send. {nothing} To discard them, run: {discard}"
    )


def _command(args: argparse.Namespace, *words: str, window: bool = False) -> str:
    """A command line to run, with this run's --home, quoted for a shell."""
    line = ["spkey-desktop"]
    if args.home:
        line += ["--home", args.home]
    line += list(words) if window else ["profile", *words]
    return shlex.join(line)


def _load(store: SettingsStore) -> Settings:
    loaded = store.load()
    if loaded.warning:
        print(f"spkey-desktop profile: {loaded.warning}", file=sys.stderr)
    return loaded.value


def _ca_bundle(value: str | None) -> str | None:
    if value is None:
        return None
    path = Path(value).expanduser().absolute()
    if not path.is_file():
        raise _Refused(f"The CA bundle {path} is not a file.", EXIT_USAGE)
    try:
        # Read now, so a wrong file is refused here and not at the first connection.
        trust_context(path)
    except CaBundleError as error:
        raise _Refused(str(error), EXIT_USAGE) from None
    return str(path)


def _ask(kind: CredentialKind, profile: str, line: int) -> str:
    label = _LABELS[kind]
    if sys.stdin is not None and sys.stdin.isatty():
        secret = getpass.getpass(f"{label[0].upper()}{label[1:]} for {profile!r}: ")
    else:
        text = sys.stdin.readline() if sys.stdin is not None else ""
        if not text:
            raise _Refused(
                f"Expected the {label} on line {line} of standard input "
                "(one secret per line: the API key first, then the token).",
                EXIT_USAGE,
            )
        secret = text
    problem = secret_problem(kind, secret)
    if problem is not None:
        raise _Refused(problem, EXIT_USAGE)
    return clean_secret(secret)


def _status(
    keychain: CredentialStore,
    profile: ConnectionProfile,
    kind: CredentialKind,
    unavailable: list[str],
) -> str:
    if kind not in profile.credential_kinds:
        return "-"
    if unavailable:
        return "unknown"
    try:
        return "stored" if keychain.has(profile.name, kind) else "missing"
    except CredentialIncompleteError:
        return "incomplete"
    except KeychainUnavailableError as error:
        unavailable.append(error.summary)
        return "unknown"


def _keychain_problem(error: CredentialError) -> str:
    if isinstance(error, KeychainUnavailableError):
        # The app's sentence offers a session-only choice a command cannot make.
        return error.summary
    return str(error)


def _forget(keychain: CredentialStore, profile: str) -> None:
    """Undo a half-done add; the keychain may be the very thing that failed."""
    with contextlib.suppress(CredentialError):
        keychain.delete(profile)
