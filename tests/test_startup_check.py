"""The window refuses to start with a sentence, not a Qt abort, when it cannot."""

from __future__ import annotations

import os
import subprocess
import sys

from spkey_desktop.startup_check import missing_libraries


def test_without_a_screen_the_window_explains_itself(tmp_path) -> None:
    env = {
        k: v for k, v in os.environ.items() if k not in ("DISPLAY", "QT_QPA_PLATFORM")
    }
    env.pop("WAYLAND_DISPLAY", None)
    done = subprocess.run(
        [sys.executable, "-m", "spkey_desktop", "--home", str(tmp_path), "--demo"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "no screen" in done.stderr
    assert "--screenshot" in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_libraries_names_what_cannot_be_loaded() -> None:
    missing = missing_libraries(
        {"libc.so.6": "libc6", "libspkey-no-such-library.so.9": "spkey-missing"}
    )
    assert missing == {"libspkey-no-such-library.so.9": "spkey-missing"}


def test_an_unknown_profile_is_refused_with_the_known_ones(tmp_path) -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    shot = tmp_path / "x.png"
    args = ["--home", str(tmp_path), "--profile", "Nope", "--screenshot", str(shot)]
    done = subprocess.run(
        [sys.executable, "-m", "spkey_desktop", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "no connection profile named 'Nope'" in done.stderr
    assert not shot.exists()


def test_a_home_that_is_a_file_is_refused_with_a_sentence(tmp_path) -> None:
    not_a_folder = tmp_path / "somefile"
    not_a_folder.write_text("x")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    args = ["--home", str(not_a_folder), "--demo", "--screenshot", "x.png"]
    done = subprocess.run(
        [sys.executable, "-m", "spkey_desktop", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert str(not_a_folder) in done.stderr
