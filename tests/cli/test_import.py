"""``spkey-desktop import``, end to end: real processes, the real keychain,
a profile added with ``spkey-desktop profile add``, the local server on
loopback. Run through .ci/test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from spkey_desktop.bulk.sheets import read_sheet
from spkey_desktop.server import LocalServer

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
    assert "semicolons" in result.stderr
    assert local_server.plates_of(tenants["anna"]) == []
    assert local_server.plates_of(tenants["bob"]) == []
    assert not (tmp_path / "tenants-rejected.csv").exists()


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
    rejected = read_sheet(tmp_path / "tenants-rejected.csv")
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
