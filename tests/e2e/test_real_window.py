"""The real app in a real X window: a front-desk registration, end to end.

The app runs as its own process on Xvfb, with its credentials in the real
Secret Service, against the local server on loopback. Keys are real X events
(xdotool): Ctrl+L, an e-mail, Enter; Ctrl+N, a plate typed with a space and a
dash, Enter. The server must then hold the canonical plate.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from tests.helpers.xvfb import (
    grab_screen,
    require_display,
    type_into,
    wait_for_window,
    xdotool,
)

pytestmark = [pytest.mark.xvfb, pytest.mark.keychain]

#: Screenshots land here (ignored by git) so a person can look at them after CI.
SCREENSHOT_DIR = Path(__file__).resolve().parents[2] / "artifacts"


def wait_until(condition, timeout: float = 30, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_front_desk_registers_a_plate_with_real_keys(
    local_server, tmp_path, profile_name
) -> None:
    require_display()
    org = local_server.organizations[0]
    visitor = local_server.create_user(
        org.org_id, email="visitor@example.com", first_name="Vera", last_name="Visit"
    )
    home = tmp_path / "home"
    cli = [sys.executable, "-m", "spkey_desktop", "--home", str(home)]
    add_profile = ["profile", "add", profile_name, "--auth", "api_key"]
    subprocess.run(
        [*cli, *add_profile, "--url", local_server.base_url],
        input=org.api_key + "\n",
        text=True,
        check=True,
        timeout=60,
    )

    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    app = subprocess.Popen(
        [*cli, "--profile", profile_name],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        window = wait_for_window("SmartphoneKey plates")

        # Look the visitor up by e-mail: Ctrl+L, type, Enter.
        type_into(window, "ctrl+l")
        lookup = wait_for_window("Look up user")
        type_into(lookup, "Return", text="visitor@example.com")
        wait_until(lambda: not _visible("Look up user"), what="the lookup to close")

        # Register the plate: Ctrl+N, type it as written, Enter.
        type_into(window, "ctrl+n")
        dialog = wait_for_window("Add plate for Vera Visit")
        type_into(dialog, "Return", text="wx 12-34")
        wait_until(
            lambda: local_server.plates_of(visitor) == ["WX1234"],
            what="the server to store WX1234",
        )

        shot = grab_screen(SCREENSHOT_DIR / "real-window.png")
        image = QImage(str(shot))
        assert image.width() >= 800
        assert image.height() >= 600

        type_into(window, "ctrl+q")
        assert app.wait(timeout=30) == 0
    finally:
        if app.poll() is None:
            app.kill()
        output = app.communicate(timeout=30)[0]
        print(output)
    assert org.api_key not in output
    for log_file in (home / "logs").glob("*.log*"):
        assert org.api_key not in log_file.read_text(encoding="utf-8"), log_file
        assert log_file.stat().st_mode & 0o077 == 0, "the log is private"


def _visible(name: str) -> bool:
    found = subprocess.run(
        ["xdotool", "search", "--onlyvisible", "--name", name],
        capture_output=True,
        text=True,
        check=False,
    )
    return bool(found.stdout.split())


def test_xdotool_is_usable(tmp_path) -> None:
    """The X server answers; a failure here explains the one above."""
    require_display()
    assert xdotool("getdisplaygeometry")
