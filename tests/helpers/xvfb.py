"""Driving the real app in a real X window (Xvfb): keys through xdotool, and a
screenshot of the screen taken through Qt's xcb platform in a child process.

.ci/test starts Xvfb and sets DISPLAY; these helpers fail loudly without it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

_GRAB = """
import sys
from PySide6.QtGui import QGuiApplication
app = QGuiApplication(sys.argv[:1])
ok = app.primaryScreen().grabWindow(0).save(sys.argv[1], "PNG")
sys.exit(0 if ok else 1)
"""


def require_display() -> str:
    display = os.environ.get("DISPLAY", "")
    assert display, "no X display: run the tests through .ci/test, which starts Xvfb"
    assert shutil.which("xdotool"), "xdotool is missing: .ci/run installs it"
    return display


def xdotool(*args: str, timeout: float = 20) -> str:
    done = subprocess.run(
        ["xdotool", *args], capture_output=True, text=True, timeout=timeout, check=True
    )
    return done.stdout.strip()


def wait_for_window(name: str, timeout: float = 30) -> str:
    """The X id of the first visible window whose title contains ``name``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = subprocess.run(
            ["xdotool", "search", "--onlyvisible", "--name", name],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.split()
        if found:
            return found[-1]
        time.sleep(0.2)
    raise AssertionError(f"no window named {name!r} appeared within {timeout} s")


def type_into(window_id: str, *keys: str, text: str | None = None) -> None:
    """Focus the window, then send real key events (XTEST) to it."""
    xdotool("windowfocus", "--sync", window_id)
    if text is not None:
        xdotool("type", "--delay", "30", text)
    for key in keys:
        xdotool("key", "--clearmodifiers", key)


def grab_screen(target: Path) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb"}
    subprocess.run(
        [sys.executable, "-c", _GRAB, str(target)], env=env, check=True, timeout=60
    )
    return target
