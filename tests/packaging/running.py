"""Running an installed or frozen app as IT would, and judging its screenshot.

A screenshot "shows the roster" when it is the main window's size, is not blank,
and its roster half holds many separate lines of dark text: a loaded roster of
the demo's 300 users fills the visible table with them (about 25 lines), while
a window with one user, or none, has a handful (menu, header, status bar).
tests/packaging/test_screenshot_check.py shows the check telling the two apart.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import buildlib  # packaging/, put on the path by conftest.py

REPO = Path(__file__).resolve().parents[2]
PACKAGING = REPO / "packaging"

# The main window opens at 1100 × 650; anything much smaller is not it.
MIN_WIDTH, MIN_HEIGHT = 800, 500
MIN_COLOURS = 16
MIN_TEXT_LINES = 15
# The roster table's share of the window's width, from the left.
ROSTER_SHARE = 0.55
# A pixel darker than this (sum of R, G and B) counts as text.
INK = 300


@dataclass(frozen=True)
class ScreenshotFacts:
    width: int
    height: int
    colours: int
    text_lines: int


def screenshot_facts(path: Path) -> ScreenshotFacts:
    from PySide6.QtGui import QImage

    image = QImage(str(path))
    if image.isNull():
        raise AssertionError(f"{path} is not an image Qt can read")
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    bits = bytes(image.constBits())
    roster_bytes = int(width * ROSTER_SHARE) * 4

    colours: set[bytes] = set()
    inked: list[bool] = []
    for y in range(height):
        row = bits[y * stride : y * stride + width * 4]
        colours.update(row[x : x + 3] for x in range(0, len(row), 4))
        roster = row[:roster_bytes]
        inked.append(
            any(
                roster[x] + roster[x + 1] + roster[x + 2] < INK
                for x in range(0, len(roster), 4)
            )
        )
    lines = sum(1 for y in range(height) if inked[y] and (y == 0 or not inked[y - 1]))
    return ScreenshotFacts(width, height, len(colours), lines)


def check_roster_screenshot(path: Path) -> ScreenshotFacts:
    """Fail unless ``path`` is a PNG of the main window showing a loaded roster."""
    assert path.is_file(), f"no screenshot at {path}"
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    facts = screenshot_facts(path)
    assert facts.width >= MIN_WIDTH, f"not the main window: {facts}"
    assert facts.height >= MIN_HEIGHT, f"not the main window: {facts}"
    assert facts.colours >= MIN_COLOURS, f"the screenshot is blank: {facts}"
    assert facts.text_lines >= MIN_TEXT_LINES, f"no roster in the screenshot: {facts}"
    return facts


def app_env(*, on_screen: bool, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment to run the app in: the X display of .ci/test (Xvfb) when
    ``on_screen``, else Qt's off-screen platform; nothing from the test process's
    own Qt set-up or the developer's app home."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("QT_QPA_PLATFORM", "SPKEY_DESKTOP_HOME")
    }
    if on_screen:
        if not env.get("DISPLAY"):
            raise AssertionError("no DISPLAY: run the packaging tests through .ci/test")
        env["QT_QPA_PLATFORM"] = "xcb"
    else:
        env["QT_QPA_PLATFORM"] = "offscreen"
    env.update(extra or {})
    return env


def run(
    command: Sequence[str | Path],
    env: dict[str, str] | None = None,
    timeout: float = 180,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )


def take_screenshot(
    executable: Sequence[str | Path],
    home: Path,
    target: Path,
    *,
    on_screen: bool,
    extra_args: Sequence[str] = (),
) -> subprocess.CompletedProcess[str]:
    """Run ``spkey-desktop --demo --screenshot`` with a home folder of its own."""
    command = [*executable, "--home", home, "--demo", "--screenshot", target]
    return run([*command, *extra_args], env=app_env(on_screen=on_screen))


def offline_pip_env() -> dict[str, str]:
    return buildlib.offline_pip_env()


def without_network(command: Sequence[str | Path]) -> list[str | Path]:
    """``command`` in a network namespace of its own with no interface up, so
    that it cannot reach anything; as root, or in a user namespace otherwise."""
    if os.geteuid() == 0:
        return ["unshare", "--net", "--", *command]
    return ["unshare", "--map-root-user", "--net", "--", *command]
