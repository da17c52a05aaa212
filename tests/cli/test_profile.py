"""``spkey-desktop profile``, end to end: real processes, real keychain, --home.

Run through .ci/test. What reached the keychain is read with secret-tool; what
reached the disk is searched in every file under the --home folder.
"""

from __future__ import annotations

import argparse
import json
import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from spkey_desktop.cli import build_parser
from spkey_desktop.credentials import PART_SIZE
from spkey_desktop.paths import AppPaths
from spkey_desktop.store.outbox import AddPlate, Outbox, RemovePlate
from spkey_desktop.store.profile_data import files_of, local_data
from spkey_desktop.store.roster import RosterStore, RosterUser
from tests.helpers.api_fixtures import TlsFiles
from tests.helpers.keychain_fixtures import (
    lookup,
    make_secret,
    secret_tool,
    stored_entries,
)

pytestmark = pytest.mark.keychain

API_KEY = "Ak9" * 13 + "Z"  # 40 characters, like an organization's key
OTHER_KEY = "Bq7" * 13 + "Y"
LOCAL = "http://127.0.0.1:8787"
FAIL_BACKEND = {"PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}


def _env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SPKEY_DESKTOP_HOME"}
    env.update(extra or {})
    return env


def cli(
    home: Path | None,
    *args: str,
    stdin: str = "",
    env: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "spkey_desktop"]
    if home is not None:
        command += ["--home", str(home)]
    return subprocess.run(
        [*command, "profile", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=_env(env),
        timeout=60,
        check=False,
    )


def add_profile(
    home: Path | None, name: str, url: str, auth: str, *, stdin: str = ""
) -> subprocess.CompletedProcess[str]:
    """``profile add NAME --url URL --auth AUTH``, the secrets on stdin."""
    return cli(home, "add", name, "--url", url, "--auth", auth, stdin=stdin)


def files_containing(root: Path, needle: str) -> list[Path]:
    return [
        path
        for path in root.rglob("*")
        if path.is_file() and needle.encode() in path.read_bytes()
    ]


def assert_nowhere_on_disk(home: Path, secret: str) -> None:
    assert any(home.rglob("*")), "nothing was written: the check would prove nothing"
    pieces = [secret, secret[:12], secret[-12:]]
    pieces += [secret[i : i + PART_SIZE] for i in range(0, len(secret), PART_SIZE)]
    for piece in pieces:
        assert files_containing(home, piece) == []


def settings_json(home: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads(
        (home / "config" / "settings.json").read_text(encoding="utf-8")
    )
    return data


def listed(home: Path, env: dict[str, str] | None = None) -> dict[str, list[str]]:
    """``profile list`` as {name: [active, url, auth, api key, jwt]}."""
    result = cli(home, "list", env=env)
    assert result.returncode == 0, result.stderr
    rows: dict[str, list[str]] = {}
    for line in result.stdout.splitlines()[1:]:
        active = line[:1].strip()
        cells = line[1:].split()
        # Test profile names are "test <hex>": two words.
        rows[" ".join(cells[:2])] = [active, *cells[2:]]
    return rows


# --- add -----------------------------------------------------------------------


def test_add_stores_the_key_in_the_keychain_only(
    tmp_path: Path, profile_name: str
) -> None:
    result = add_profile(tmp_path, profile_name, LOCAL, "api_key", stdin=f"{API_KEY}\n")

    assert result.returncode == 0, result.stderr
    assert "API key is in the keychain" in result.stdout
    assert lookup(f"{profile_name}:api_key") == API_KEY
    assert settings_json(tmp_path)["profiles"] == [
        {"name": profile_name, "base_url": LOCAL, "auth": "api_key", "ca_bundle": None}
    ]
    assert settings_json(tmp_path)["active_profile"] == profile_name
    assert listed(tmp_path) == {profile_name: ["*", LOCAL, "api_key", "stored", "-"]}
    assert_nowhere_on_disk(tmp_path, API_KEY)
    assert API_KEY not in result.stdout + result.stderr


def test_add_with_both_secrets_and_a_long_token(
    tmp_path: Path, profile_name: str
) -> None:
    token = make_secret(3100, seed=1)

    result = add_profile(
        tmp_path,
        profile_name,
        "https://staging.example.com",
        "both",
        stdin=f"{API_KEY}\r\n{token}\n",
    )

    assert result.returncode == 0, result.stderr
    entries = stored_entries(prefix=f"{profile_name}:")
    assert set(entries) == {
        f"{profile_name}:api_key",
        f"{profile_name}:jwt",
        *(f"{profile_name}:jwt:part-{n}" for n in range(1, 5)),
    }
    assert all(len(value) <= PART_SIZE for value in entries.values())
    assert entries[f"{profile_name}:api_key"] == API_KEY
    assert (
        "".join(entries[f"{profile_name}:jwt:part-{n}"] for n in range(1, 5)) == token
    )
    assert listed(tmp_path)[profile_name][3:] == ["stored", "stored"]
    assert_nowhere_on_disk(tmp_path, API_KEY)
    assert_nowhere_on_disk(tmp_path, token)


def test_secrets_are_asked_for_at_a_terminal(tmp_path: Path, profile_name: str) -> None:
    token = make_secret(1500, seed=2)
    args = ["--home", str(tmp_path), "profile", "add", profile_name]
    args += ["--url", LOCAL, "--auth", "both"]

    pid, terminal = pty.fork()
    if pid == 0:  # the child, on the new terminal
        os.execve(
            sys.executable, [sys.executable, "-m", "spkey_desktop", *args], _env()
        )

    screen = b""
    try:
        screen += _read_until(terminal, b"API key for")
        os.write(terminal, API_KEY.encode() + b"\n")
        screen += _read_until(terminal, b"Token (JWT) for")
        os.write(terminal, token.encode() + b"\n")
        screen += _read_until(terminal, b"in the keychain.")
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(terminal)

    assert os.waitstatus_to_exitcode(status) == 0, screen
    assert lookup(f"{profile_name}:api_key") == API_KEY
    assert stored_entries(prefix=f"{profile_name}:jwt:part-")  # stored in parts
    assert listed(tmp_path)[profile_name][3:] == ["stored", "stored"]
    assert API_KEY.encode() not in screen  # not echoed
    assert token[:40].encode() not in screen


def _read_until(terminal: int, expected: bytes, seconds: float = 30) -> bytes:
    seen = b""
    deadline = time.monotonic() + seconds
    while expected not in seen:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"waited for {expected!r}, saw {seen!r}"
        ready, _, _ = select.select([terminal], [], [], remaining)
        if ready:
            try:
                chunk = os.read(terminal, 4096)
            except OSError:  # the child closed the terminal
                chunk = b""
            assert chunk, f"the program ended before {expected!r}; saw {seen!r}"
            seen += chunk
    return seen


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("http://api.spkey.co", ["http://", "api.spkey.co", "unencrypted"]),
        ("http://192.168.1.20:8787", ["http://", "192.168.1.20"]),
        ("https://user:pw@api.spkey.co", ["password"]),
        ("api.spkey.co", ["https://"]),
        # Addresses the client would refuse at start-up, or misroute: the same
        # rule refuses them here.
        ("http://localhost./", ["final dot"]),
        ("https://_bad_.example", ["valid host name"]),
        ("https://exa mple.com", ["valid host name"]),
        ("http://127.0.0.1:8787/#", ["'#'"]),
        ("http://127.0.0.1:8787/?", ["'?'"]),
        ("http://127.0.0.1:99999", ["port 99999"]),
    ],
)
def test_add_refuses_an_unsafe_address_before_asking_for_secrets(
    tmp_path: Path, profile_name: str, url: str, words: list[str]
) -> None:
    result = cli(
        tmp_path, "add", profile_name, "--url", url, "--auth", "api_key", stdin=API_KEY
    )

    assert result.returncode == 2
    for word in words:
        assert word in result.stderr
    assert not (tmp_path / "config" / "settings.json").exists()
    assert stored_entries(prefix=f"{profile_name}:") == {}


def test_add_stores_a_key_without_the_byte_order_mark_and_line_break(
    tmp_path: Path, profile_name: str
) -> None:
    # A key saved by Notepad starts with a byte-order mark; Windows ends lines
    # with CR LF.
    result = add_profile(
        tmp_path, profile_name, LOCAL, "api_key", stdin=f"\ufeff{API_KEY}\r\n"
    )

    assert result.returncode == 0, result.stderr
    assert lookup(f"{profile_name}:api_key") == API_KEY


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        ("abc def\n", "The API key contains a space or a line break"),
        ("x\n", "The API key is only 1 character long"),
        (f"{API_KEY[:20]}\x07{API_KEY[20:]}\n", "a character that cannot be sent"),
        (f"{API_KEY[:20]}é{API_KEY[20:]}\n", "a character that cannot be sent"),
    ],
)
def test_add_refuses_a_key_that_can_never_be_sent(
    tmp_path: Path, profile_name: str, stdin: str, message: str
) -> None:
    result = cli(
        tmp_path, "add", profile_name, "--url", LOCAL, "--auth", "api_key", stdin=stdin
    )

    assert result.returncode == 2
    assert message in result.stderr
    assert API_KEY[:12] not in result.stderr
    assert stored_entries(prefix=f"{profile_name}:") == {}
    assert not (tmp_path / "config" / "settings.json").exists()


@pytest.mark.parametrize(
    ("stdin", "message"),
    [
        ("", "Expected the API key on line 1"),
        (f"{API_KEY}\n", "Expected the token (JWT) on line 2"),
        (f"{API_KEY}\n   \n", "The token (JWT) is empty"),
        ("\n", "The API key is empty"),
    ],
)
def test_add_needs_every_secret(
    tmp_path: Path, profile_name: str, stdin: str, message: str
) -> None:
    result = cli(
        tmp_path, "add", profile_name, "--url", LOCAL, "--auth", "both", stdin=stdin
    )

    assert result.returncode == 2
    assert message in result.stderr
    assert stored_entries(prefix=f"{profile_name}:") == {}
    assert profile_name not in listed(tmp_path)


def test_add_refuses_an_existing_name(tmp_path: Path, profile_name: str) -> None:
    first = add_profile(tmp_path, profile_name, LOCAL, "api_key", stdin=API_KEY)
    assert first.returncode == 0, first.stderr

    again = add_profile(tmp_path, profile_name, LOCAL, "api_key", stdin="other")

    assert again.returncode == 1
    assert "already exists" in again.stderr
    assert lookup(f"{profile_name}:api_key") == API_KEY


def test_add_clears_secrets_left_by_an_earlier_profile_of_that_name(
    tmp_path: Path, profile_name: str
) -> None:
    # A JWT from some earlier life of this name, the new profile sends a key only.
    stale = cli(
        tmp_path / "old",
        "add",
        profile_name,
        "--url",
        LOCAL,
        "--auth",
        "jwt",
        stdin="stale.jwt.value",
    )
    assert stale.returncode == 0, stale.stderr

    result = add_profile(tmp_path, profile_name, LOCAL, "api_key", stdin=API_KEY)

    assert result.returncode == 0, result.stderr
    assert set(stored_entries(prefix=f"{profile_name}:")) == {f"{profile_name}:api_key"}


def test_ca_bundle_is_stored_as_an_absolute_path(
    tmp_path: Path, profile_name: str, tls_files: TlsFiles
) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_bytes(tls_files.ca_pem)
    not_pem = tmp_path / "ca.der"
    not_pem.write_text("-----BEGIN CERTIFICATE-----\n")
    home = tmp_path / "home"
    base = ["add", profile_name, "--url", "https://a.example", "--auth", "api_key"]

    missing = cli(home, *base, "--ca-bundle", str(tmp_path / "nope.pem"), stdin=API_KEY)
    broken = cli(home, *base, "--ca-bundle", str(not_pem), stdin=API_KEY)
    added = cli(home, *base, "--ca-bundle", str(bundle), stdin=API_KEY)

    assert missing.returncode == 2
    assert "nope.pem is not a file" in missing.stderr
    assert broken.returncode == 2
    assert "holds no certificate in PEM form" in broken.stderr
    assert added.returncode == 0, added.stderr
    profiles = settings_json(home)["profiles"]
    assert isinstance(profiles, list)
    assert profiles[0]["ca_bundle"] == str(bundle)


def test_no_option_takes_a_secret() -> None:
    profile = _subcommands(build_parser())["profile"]
    commands = _subcommands(profile)

    options = {
        name: sorted(s for a in parser._actions for s in a.option_strings)
        for name, parser in commands.items()
    }

    assert options == {
        "add": ["--auth", "--ca-bundle", "--help", "--url", "-h"],
        "credentials": ["--help", "-h"],
        "list": ["--help", "-h"],
        "remove": ["--discard-pending", "--help", "-h"],
    }


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    raise AssertionError("no subcommands")


# --- list ----------------------------------------------------------------------


def test_list_without_profiles(tmp_path: Path) -> None:
    result = cli(tmp_path, "list")

    assert result.returncode == 0
    assert "No connection profiles" in result.stdout
    assert not tmp_path.joinpath("config").exists()  # listing writes nothing


def test_list_shows_what_is_stored_never_the_secret(
    tmp_path: Path, new_profile_name: Callable[[], str]
) -> None:
    first, second = new_profile_name(), new_profile_name()
    token = make_secret(2200, seed=3)
    cli(tmp_path, "add", first, "--url", LOCAL, "--auth", "api_key", stdin=API_KEY)
    add_profile(tmp_path, second, "https://b.example", "jwt", stdin=token)
    secret_tool("clear", "service", "spkey-desktop", "username", f"{first}:api_key")

    result = cli(tmp_path, "list")

    assert listed(tmp_path) == {
        first: ["*", LOCAL, "api_key", "missing", "-"],
        second: ["", "https://b.example", "jwt", "-", "stored"],
    }
    assert token[:12] not in result.stdout
    assert API_KEY not in result.stdout


def test_list_reports_an_incomplete_token(tmp_path: Path, profile_name: str) -> None:
    add_profile(tmp_path, profile_name, LOCAL, "jwt", stdin=make_secret(2500))
    secret_tool(
        "clear", "service", "spkey-desktop", "username", f"{profile_name}:jwt:part-2"
    )

    assert listed(tmp_path)[profile_name][4] == "incomplete"


# --- remove --------------------------------------------------------------------


def test_remove_deletes_settings_and_keychain_entries(
    tmp_path: Path, new_profile_name: Callable[[], str]
) -> None:
    active, other = new_profile_name(), new_profile_name()
    add_profile(
        tmp_path, active, LOCAL, "both", stdin=f"{API_KEY}\n{make_secret(4000)}\n"
    )
    cli(tmp_path, "add", other, "--url", LOCAL, "--auth", "api_key", stdin=OTHER_KEY)

    result = cli(tmp_path, "remove", active)

    assert result.returncode == 0, result.stderr
    assert stored_entries(prefix=f"{active}:") == {}
    assert lookup(f"{other}:api_key") == OTHER_KEY
    assert listed(tmp_path) == {other: ["", LOCAL, "api_key", "stored", "-"]}
    assert settings_json(tmp_path)["active_profile"] is None

    again = cli(tmp_path, "remove", active)
    assert again.returncode == 1
    assert f"There is no profile named {active!r}" in again.stderr


def fill_roster_file(home: Path, name: str, *, unsent: int = 0) -> Path:
    """Give profile ``name`` a roster of one user and a refused change, plus
    ``unsent`` changes still queued (an add, then a removal, ...)."""
    database = AppPaths.under(home).roster_file(name)
    store = RosterStore(database)
    store.save_many([RosterUser("u-anna")])
    store.close()
    outbox = Outbox(database)
    refused = outbox.enqueue(AddPlate("u-anna", "XX1"))
    outbox.mark_failed(refused.entry_id, "The plate is not valid.")
    changes = [AddPlate("u-anna", "WX12345"), RemovePlate("u-anna", "KR5S100")]
    outbox.enqueue_many((changes * unsent)[:unsent])
    outbox.close()
    return database


def test_remove_deletes_the_roster_file_so_a_new_profile_starts_empty(
    tmp_path: Path, profile_name: str
) -> None:
    add_profile(tmp_path, profile_name, LOCAL, "api_key", stdin=API_KEY)
    database = fill_roster_file(tmp_path, profile_name)

    result = cli(tmp_path, "remove", profile_name)

    assert result.returncode == 0, result.stderr
    assert "its credentials and its roster file" in result.stdout
    assert files_of(database) == ()
    assert stored_entries(prefix=f"{profile_name}:") == {}
    assert profile_name not in listed(tmp_path)

    again = add_profile(tmp_path, profile_name, LOCAL, "api_key", stdin=OTHER_KEY)
    assert again.returncode == 0, again.stderr
    assert "earlier profile" not in again.stdout
    assert not local_data(AppPaths.under(tmp_path), profile_name).exists


def test_credentials_are_replaced_and_the_roster_and_queue_kept(
    tmp_path: Path, profile_name: str
) -> None:
    add_profile(tmp_path, profile_name, LOCAL, "api_key", stdin=API_KEY)
    fill_roster_file(tmp_path, profile_name, unsent=2)

    result = cli(tmp_path, "credentials", profile_name, stdin=f"{OTHER_KEY}\n")

    assert result.returncode == 0, result.stderr
    assert "roster and queued changes are kept" in result.stdout
    assert lookup(f"{profile_name}:api_key") == OTHER_KEY
    assert OTHER_KEY not in result.stdout + result.stderr
    assert_nowhere_on_disk(tmp_path, OTHER_KEY)
    kept = local_data(AppPaths.under(tmp_path), profile_name)
    assert len(kept.unsent) == 2
    missing = cli(tmp_path, "credentials", "nobody", stdin=f"{OTHER_KEY}\n")
    assert missing.returncode == 1
    assert "There is no profile named 'nobody'" in missing.stderr


def test_remove_refuses_while_changes_are_unsent_and_says_what_to_do(
    tmp_path: Path, profile_name: str
) -> None:
    add_profile(tmp_path, profile_name, LOCAL, "api_key", stdin=API_KEY)
    database = fill_roster_file(tmp_path, profile_name, unsent=2)

    refused = cli(tmp_path, "remove", profile_name)

    assert refused.returncode == 1
    assert (
        f"Profile {profile_name!r} has 2 changes not yet sent to the server "
        "(add WX12345 and remove KR5S100). Nothing was removed."
    ) in refused.stderr
    assert "View → Pending changes" in refused.stderr
    discard = f"profile remove '{profile_name}' --discard-pending"
    assert discard in refused.stderr
    assert f"--home {tmp_path}" in refused.stderr
    assert lookup(f"{profile_name}:api_key") == API_KEY
    assert profile_name in listed(tmp_path)
    kept = local_data(AppPaths.under(tmp_path), profile_name)
    assert [e.change for e in kept.unsent] == [
        AddPlate("u-anna", "WX12345"),
        RemovePlate("u-anna", "KR5S100"),
    ]

    removed = cli(tmp_path, "remove", profile_name, "--discard-pending")

    assert removed.returncode == 0, removed.stderr
    assert "It had 2 changes not yet sent" in removed.stdout
    assert "they were discarded" in removed.stdout
    assert files_of(database) == ()
    assert stored_entries(prefix=f"{profile_name}:") == {}
    assert profile_name not in listed(tmp_path)


def test_remove_refuses_while_the_roster_file_is_open(
    tmp_path: Path, profile_name: str
) -> None:
    add_profile(tmp_path, profile_name, LOCAL, "api_key", stdin=API_KEY)
    database = fill_roster_file(tmp_path, profile_name)
    window = Outbox(database)  # this test process holds it, as the window would
    try:
        refused = cli(tmp_path, "remove", profile_name, "--discard-pending")
    finally:
        window.close()

    assert refused.returncode == 1
    assert "is in use: the window has this profile open" in refused.stderr
    assert "Nothing was removed." in refused.stderr
    assert lookup(f"{profile_name}:api_key") == API_KEY
    assert profile_name in listed(tmp_path)
    assert database.exists()

    assert cli(tmp_path, "remove", profile_name).returncode == 0
    assert files_of(database) == ()


def test_a_file_left_under_the_name_is_cleared_or_first_discarded(
    tmp_path: Path, profile_name: str
) -> None:
    database = fill_roster_file(tmp_path, profile_name, unsent=1)

    refused = add_profile(tmp_path, profile_name, LOCAL, "api_key", stdin=API_KEY)

    assert refused.returncode == 1
    assert (
        f"An earlier profile named {profile_name!r} left 1 change not yet sent "
        "to the server (add WX12345)"
    ) in refused.stderr
    assert "Nothing was added." in refused.stderr
    assert profile_name not in listed(tmp_path)
    assert lookup(f"{profile_name}:api_key") is None

    cleared = cli(tmp_path, "remove", profile_name, "--discard-pending")
    assert cleared.returncode == 0, cleared.stderr
    assert f"There was no profile named {profile_name!r}" in cleared.stdout
    assert files_of(database) == ()

    # Without unsent changes, a file left behind goes when the name is taken.
    fill_roster_file(tmp_path, profile_name)
    added = add_profile(tmp_path, profile_name, LOCAL, "api_key", stdin=API_KEY)
    assert added.returncode == 0, added.stderr
    assert "left on this computer was deleted" in added.stdout
    assert files_of(database) == ()
    assert lookup(f"{profile_name}:api_key") == API_KEY


# --- no keychain ---------------------------------------------------------------


def test_without_a_keychain_nothing_is_added_or_removed(
    tmp_path: Path, profile_name: str
) -> None:
    refused = cli(
        tmp_path,
        "add",
        profile_name,
        "--url",
        LOCAL,
        "--auth",
        "api_key",
        stdin=API_KEY,
        env=FAIL_BACKEND,
    )

    assert refused.returncode == 1
    assert "No keychain is available on this computer" in refused.stderr
    assert "The profile was not added." in refused.stderr
    assert API_KEY not in refused.stdout + refused.stderr
    assert profile_name not in listed(tmp_path)
    assert_nowhere_on_disk(tmp_path, API_KEY)

    added = add_profile(tmp_path, profile_name, LOCAL, "api_key", stdin=API_KEY)
    assert added.returncode == 0, added.stderr
    shown = cli(tmp_path, "list", env=FAIL_BACKEND)
    assert shown.returncode == 0
    assert "unknown" in shown.stdout
    assert "Whether the secrets are stored is unknown" in shown.stderr

    kept = cli(tmp_path, "remove", profile_name, env=FAIL_BACKEND)
    assert kept.returncode == 1
    assert "Nothing was removed" in kept.stderr
    assert profile_name in listed(tmp_path)
    assert lookup(f"{profile_name}:api_key") == API_KEY


# --- where the files go --------------------------------------------------------


def test_home_option_wins_over_the_environment(
    tmp_path: Path, new_profile_name: Callable[[], str]
) -> None:
    from_env, explicit = tmp_path / "env", tmp_path / "explicit"
    env = {"SPKEY_DESKTOP_HOME": str(from_env)}
    first, second = new_profile_name(), new_profile_name()

    cli(None, "add", first, "--url", LOCAL, "--auth", "api_key", stdin=API_KEY, env=env)
    cli(
        explicit,
        "add",
        second,
        "--url",
        LOCAL,
        "--auth",
        "api_key",
        stdin=OTHER_KEY,
        env=env,
    )

    assert list(listed(from_env)) == [first]
    assert list(listed(explicit)) == [second]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["env", "explicit"]


def test_a_broken_settings_file_is_reported_and_kept(
    tmp_path: Path, profile_name: str
) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "settings.json").write_text("{ not json")

    result = add_profile(tmp_path, profile_name, LOCAL, "api_key", stdin=API_KEY)

    assert result.returncode == 0, result.stderr
    assert "could not be read" in result.stderr
    kept = [p for p in config.iterdir() if ".broken-" in p.name]
    assert [p.read_text() for p in kept] == ["{ not json"]
    assert profile_name in listed(tmp_path)
