"""``spkey-desktop --home FILE profile ...``: a sentence and exit status 2, not a
traceback or a misleading "no profiles". Real processes; no keychain is reached."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _profile(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "SPKEY_DESKTOP_HOME"}
    # Nothing here may reach a keychain; if it did, this one fails loudly.
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    return subprocess.run(
        [sys.executable, "-m", "spkey_desktop", "--home", str(home), "profile", *args],
        input="Ak9" * 13 + "Z\n",
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    "args",
    [
        ("list",),
        ("remove", "Site"),
        ("add", "Site", "--url", "http://127.0.0.1:8787", "--auth", "api_key"),
    ],
    ids=["list", "remove", "add"],
)
def test_a_home_that_is_a_file_is_refused_with_a_sentence(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    home = tmp_path / "home.txt"
    home.write_text("a file, not a folder")

    result = _profile(home, *args)

    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert f"{home} is a file, not a folder" in result.stderr
    assert result.stdout == ""
    assert home.read_text() == "a file, not a folder"
