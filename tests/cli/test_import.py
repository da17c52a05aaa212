"""``spkey-desktop import``, end to end: real processes, the real keychain,
a profile added with ``spkey-desktop profile add``, the local server on
loopback. Run through .ci/test."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import Workbook

from spkey_desktop.bulk.sheets import read_sheet
from spkey_desktop.paths import AppPaths
from spkey_desktop.server import LocalServer
from spkey_desktop.store.sender_lock import SenderLock

pytestmark = pytest.mark.keychain


def spkey(home: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SPKEY_DESKTOP_HOME"}
    return subprocess.run(
        [sys.executable, "-m", "spkey_desktop", "--home", str(home), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.fixture
def profile(tmp_path: Path, local_server: LocalServer, profile_name: str) -> str:
    key = local_server.organizations[0].api_key
    added = spkey(
        tmp_path / "home",
        "profile",
        "add",
        profile_name,
        "--url",
        local_server.base_url,
        "--auth",
        "api_key",
        stdin=key + "\n",
    )
    assert added.returncode == 0, added.stderr
    return profile_name


@pytest.fixture
def tenants(local_server: LocalServer) -> dict[str, str]:
    org = local_server.organizations[0].org_id
    return {
        "anna": local_server.create_user(org, email="anna@example.com"),
        "bob": local_server.create_user(org, phone="+48600100200"),
    }


def write(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_dry_run_prints_the_preview_and_sends_nothing(
    tmp_path: Path, local_server: LocalServer, profile: str, tenants: dict[str, str]
) -> None:
    path = write(
        tmp_path,
        "tenants.csv",
        "E-mail;Phone;Plate",
        "anna@example.com;;WX 123",
        ";+48 600 100 200;KR.55",
        "nobody@example.com;;ZZ1",
    )

    result = spkey(
        tmp_path / "home", "import", str(path), "--profile", profile, "--dry-run"
    )

    assert result.returncode == 1, result.stderr
    assert "      1  new plate\n" in result.stdout
    assert "      1  new plate, written differently\n" in result.stdout
    assert "      1  user not found\n" in result.stdout
    assert "row 4: user not found: Nobody on SmartphoneKey" in result.stdout
    assert (
        "Collisions were checked against the plates of 0 roster users and 2 users "
        "read from the server for this file. Plates of other users are not "
        "checked: the server cannot say who has a plate.\n"
    ) in result.stdout
    assert "semicolons" in result.stderr
    assert local_server.plates_of(tenants["anna"]) == []
    assert local_server.plates_of(tenants["bob"]) == []
    assert list(tmp_path.glob("*rejected*")) == []


def test_import_sends_reports_progress_and_writes_the_rejected_rows(
    tmp_path: Path, local_server: LocalServer, profile: str, tenants: dict[str, str]
) -> None:
    path = write(
        tmp_path,
        "tenants.csv",
        "E-mail,Phone,Plate,Label",
        "anna@example.com,,WX 123,Company car",
        ",+48 600 100 200,KR.55,",
        "nobody@example.com,,ZZ1,",
        "anna@example.com,,1.00E+05,",
    )

    result = spkey(tmp_path / "home", "import", str(path), "--profile", profile)

    assert result.returncode == 1, result.stderr
    assert local_server.plates_of(tenants["anna"]) == ["WX123"]
    assert local_server.plates_of(tenants["bob"]) == ["KR55"]
    assert "Sending: 2 sent, 0 refused, 0 remaining" in result.stderr
    assert "Import: 2 sent, 2 held back." in result.stdout
    rejected = read_sheet(tmp_path / "tenants.csv-rejected.csv")
    assert [row.cells[0].text for row in rejected.rows] == ["4", "5"]
    assert rejected.rows[1].cells[1].text.startswith("Damaged by a spreadsheet")

    # Run again: everything is there already, nothing to send.
    again = spkey(tmp_path / "home", "import", str(path), "--profile", profile)
    assert "      2  already registered\n" in again.stdout
    assert "Import: 0 sent, 2 held back." in again.stdout


def test_explicit_columns_are_used_and_remembered(
    tmp_path: Path, local_server: LocalServer, profile: str, tenants: dict[str, str]
) -> None:
    path = write(tmp_path, "odd.csv", "Kol1,Kol2", "anna@example.com,AB1")
    home = tmp_path / "home"

    first = spkey(
        home, "import", str(path), "--profile", profile,
        "--email-column", "Kol1", "--plate-column", "2",
    )  # fmt: skip
    assert first.returncode == 0, first.stderr
    assert "Columns (the options): e-mail = 'Kol1', plate = 'Kol2'." in first.stderr
    assert local_server.plates_of(tenants["anna"]) == ["AB1"]

    write(tmp_path, "odd.csv", "Kol1,Kol2", "anna@example.com,AB2")
    second = spkey(home, "import", str(path), "--profile", profile)
    assert second.returncode == 0, second.stderr
    assert "Columns (the mapping used for this layout)" in second.stderr
    assert sorted(local_server.plates_of(tenants["anna"])) == ["AB1", "AB2"]


@pytest.mark.parametrize(
    ("args", "status", "words"),
    [
        (("--profile", "nobody-here"), 1, "There is no profile named 'nobody-here'"),
        (("--plate-column", "Nope"), 2, "There is no column 'Nope'"),
    ],
)
def test_wrong_input_is_refused_with_a_sentence(
    tmp_path: Path, profile: str, args: tuple[str, ...], status: int, words: str
) -> None:
    path = write(tmp_path, "t.csv", "email,plate", "a@example.com,AB1")
    full = ("--profile", profile, *args) if args[0] != "--profile" else args
    result = spkey(tmp_path / "home", "import", str(path), *full)
    assert result.returncode == status
    assert words in result.stderr


def test_a_file_that_cannot_be_read_exits_with_2(tmp_path: Path, profile: str) -> None:
    path = tmp_path / "picture.csv"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00")
    result = spkey(tmp_path / "home", "import", str(path), "--profile", profile)
    assert result.returncode == 2
    assert "is not a text file" in result.stderr


def problems(path: Path) -> dict[str, str]:
    """Row number to problem, from a rejected-rows file."""
    return {row.cells[0].text: row.cells[1].text for row in read_sheet(path).rows}


def test_an_unreachable_server_queues_what_it_can_and_loses_no_row(
    tmp_path: Path, local_server: LocalServer, profile: str, tenants: dict[str, str]
) -> None:
    home = tmp_path / "home"
    carol = local_server.create_user(
        local_server.organizations[0].org_id, email="carol@example.com"
    )
    path = write(tmp_path, "tenants.csv", "E-mail,Phone,Plate", "anna@example.com,,AN1")
    joined = spkey(home, "import", str(path), "--profile", profile)
    assert joined.returncode == 0, joined.stderr  # Anna is in the roster now
    write(
        tmp_path,
        "tenants.csv",
        "E-mail,Phone,Plate",
        "anna@example.com,,AN2",
        "anna@example.com,+48 111 222 333,AN3",
        "carol@example.com,,CA1",
    )
    local_server.stop()

    dry = spkey(home, "import", str(path), "--profile", profile, "--dry-run")
    result = spkey(home, "import", str(path), "--profile", profile, "--wait", "1")

    assert dry.returncode == 3, dry.stderr
    assert result.returncode == 3, result.stderr
    assert "      2  new plate\n" in result.stdout
    assert "      1  user not looked up\n" in result.stdout
    assert (
        "row 4: user not looked up: The server could not be reached to look up "
        "carol@example.com, so this row is not sent: run the import again once it "
        "answers. (Could not connect to 127.0.0.1."
    ) in result.stdout
    assert (
        "Import: 0 sent, 2 queued, 1 not looked up (server unreachable).\n"
    ) in result.stdout
    assert (
        "1 row was not sent because the server could not be reached to look up "
        "whose plate it is; run the import again once it answers.\n"
    ) in result.stdout
    said = problems(tmp_path / "tenants.csv-rejected.csv")
    assert set(said) == {"2", "3", "4"}  # nothing typed in the file is lost
    assert said["2"] == "Queued: it is sent when the server can be reached."
    assert said["4"].startswith("User not looked up: The server could not be")
    assert not any("refused" in problem.lower() for problem in said.values())

    # A run with nothing new to send, the server still away: what the
    # earlier run queued is still queued, and the exit status says so.
    other = write(tmp_path, "other.csv", "E-mail,Plate", "anna@example.com,AN2")
    still = spkey(home, "import", str(other), "--profile", profile, "--wait", "1")
    assert still.returncode == 3, still.stderr
    assert "      1  already registered\n" in still.stdout
    assert (
        "2 changes queued earlier still wait for the server; the next run or the "
        "window sends them.\n"
    ) in still.stdout

    # The server is back. The same run sends what the earlier one queued
    # before it ends.
    local_server.start()
    nothing_new = spkey(home, "import", str(other), "--profile", profile)
    assert nothing_new.returncode == 0, nothing_new.stdout + nothing_new.stderr
    assert sorted(local_server.plates_of(tenants["anna"])) == ["AN1", "AN2", "AN3"]
    assert "Sending changes queued earlier: 2 left" in nothing_new.stderr

    # The same file again: Carol is looked up and her row sent, and the
    # rejected rows of the night before are gone.
    again = spkey(home, "import", str(path), "--profile", profile)

    assert again.returncode == 0, again.stdout + again.stderr
    assert local_server.plates_of(carol) == ["CA1"]
    assert list(tmp_path.glob("*rejected*")) == []
    assert (
        f"No row was left unsent: removed {tmp_path / 'tenants.csv-rejected.csv'}, "
        "left by an earlier run.\n"
    ) in again.stdout


def test_rejected_rows_of_each_file_stay_apart_and_never_go_stale(
    tmp_path: Path, local_server: LocalServer, profile: str, tenants: dict[str, str]
) -> None:
    home = tmp_path / "home"
    csv_path = write(
        tmp_path,
        "tenants.csv",
        "E-mail,Plate",
        "anna@example.com,CS1",
        "nobody@example.com,ZZ1",
    )
    book = Workbook()
    sheet = book.active
    for row in (
        ("E-mail", "Plate"),
        ("anna@example.com", "XL1"),
        ("nobody@example.com", "ZZ2"),
    ):
        sheet.append(row)
    xlsx_path = tmp_path / "tenants.xlsx"
    book.save(xlsx_path)
    chosen = tmp_path / "chosen.xlsx"

    for path in (csv_path, xlsx_path):
        result = spkey(home, "import", str(path), "--profile", profile)
        assert result.returncode == 1, result.stderr
    chose = spkey(
        home, "import", str(csv_path), "--profile", profile, "--rejected", str(chosen)
    )
    assert chose.returncode == 1, chose.stderr

    from_csv = read_sheet(tmp_path / "tenants.csv-rejected.csv")
    from_xlsx = read_sheet(tmp_path / "tenants.xlsx-rejected.csv")
    assert [r.cells[3].text for r in from_csv.rows] == ["ZZ1"]
    assert [r.cells[3].text for r in from_xlsx.rows] == ["ZZ2"]
    assert [r.cells[3].text for r in read_sheet(chosen).rows] == ["ZZ1"]
    assert not (tmp_path / "tenants-rejected.csv").exists()

    # The next night nobody's row is gone: nothing is rejected, and what the
    # earlier runs left for this file goes; the Excel file's rows stay.
    write(tmp_path, "tenants.csv", "E-mail,Plate", "anna@example.com,CS1")
    clean = spkey(home, "import", str(csv_path), "--profile", profile)
    chose_clean = spkey(
        home, "import", str(csv_path), "--profile", profile, "--rejected", str(chosen)
    )

    assert clean.returncode == 0, clean.stderr
    assert chose_clean.returncode == 0, chose_clean.stderr
    assert "removed" in clean.stdout
    assert "left by an earlier run" in chose_clean.stdout
    assert not (tmp_path / "tenants.csv-rejected.csv").exists()
    assert not chosen.exists()
    assert (tmp_path / "tenants.xlsx-rejected.csv").exists()


def test_an_import_while_another_copy_sends_the_profile_is_refused_unsent(
    tmp_path: Path, local_server: LocalServer, profile: str, tenants: dict[str, str]
) -> None:
    home = tmp_path / "home"
    path = write(tmp_path, "tenants.csv", "E-mail,Plate", "anna@example.com,AN9")
    # The window has the profile open: it holds the profile's sender lock.
    window = SenderLock(AppPaths.resolve(home).roster_file(profile))
    assert window.acquire()
    try:
        result = spkey(home, "import", str(path), "--profile", profile)
    finally:
        window.release()

    assert result.returncode == 2, result.stdout + result.stderr
    assert "Another copy of spkey-desktop" in result.stderr
    assert "Import from the window" in result.stderr
    assert local_server.plates_of(tenants["anna"]) == []


def test_a_stopped_import_still_writes_its_summary_and_rejected_rows(
    tmp_path: Path, local_server: LocalServer, profile: str, tenants: dict[str, str]
) -> None:
    home = tmp_path / "home"
    first = write(tmp_path, "first.csv", "E-mail,Plate", "anna@example.com,AN1")
    assert spkey(home, "import", str(first), "--profile", profile).returncode == 0
    path = write(tmp_path, "tenants.csv", "E-mail,Plate", "anna@example.com,AN2")
    local_server.faults.set_rate(1.0, [503])  # answers nothing useful
    env = {k: v for k, v in os.environ.items() if k != "SPKEY_DESKTOP_HOME"}
    command = [sys.executable, "-m", "spkey_desktop", "--home", str(home)]
    running = subprocess.Popen(
        [*command, "import", str(path), "--profile", profile, "--wait", "300"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert running.stderr is not None
        seen = ""
        while "waiting for the server" not in seen:
            line = running.stderr.readline()
            assert line, seen
            seen += line
        running.send_signal(signal.SIGTERM)  # what cron and systemd send
        out, _ = running.communicate(timeout=30)
    finally:
        running.kill()
    local_server.faults.clear()

    assert running.returncode == 3
    assert "Import: 0 sent, 1 queued." in out
    said = problems(tmp_path / "tenants.csv-rejected.csv")
    assert said["2"].startswith("Queued: the import was stopped")


def test_columns_left_unused_are_named_with_the_option_that_would_use_them(
    tmp_path: Path, local_server: LocalServer, profile: str, tenants: dict[str, str]
) -> None:
    path = write(
        tmp_path, "tenants.csv", "E-mail,Plate,Bemerkung", "anna@example.com,AN5,Van"
    )
    result = spkey(
        tmp_path / "home", "import", str(path), "--profile", profile, "--dry-run"
    )

    assert result.returncode == 0, result.stderr
    assert "Not used: 'Bemerkung' (to use one, name it with" in result.stderr
    assert "--label-column" in result.stderr
