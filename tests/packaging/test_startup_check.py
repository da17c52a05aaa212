"""The start-up check names a missing xcb library and its package, before Qt aborts.

The end-to-end case makes libxcb-cursor.so.0 unloadable the way the dynamic
loader itself sees it: a folder on LD_LIBRARY_PATH (searched before the system's
folders, for ctypes and for Qt's own plugin alike) holds a file of that name
that is no library. The loader stops at it ("file too short"), exactly as for a
damaged installation; nothing on the system is touched. A control run shows Qt
aborting in that same environment when nothing checks first.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from spkey_desktop import startup_check
from spkey_desktop.startup_check import (
    XCB_LIBRARIES,
    missing_libraries,
    missing_system_libraries,
)

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="xcb is Qt's platform on Linux only"
)

BROKEN = "libxcb-cursor.so.0"


@pytest.fixture
def broken_library_env(tmp_path: Path) -> dict[str, str]:
    """An environment for an X session in which libxcb-cursor.so.0 cannot load."""
    folder = tmp_path / "libs"
    folder.mkdir()
    (folder / BROKEN).write_bytes(b"not a shared library")
    env = {k: v for k, v in os.environ.items() if k != "SPKEY_DESKTOP_HOME"}
    env.update(
        LD_LIBRARY_PATH=str(folder),
        QT_QPA_PLATFORM="xcb",
        # Never reached: the check, or Qt's plugin loading, stops first.
        DISPLAY=":99",
    )
    env.pop("WAYLAND_DISPLAY", None)
    return env


def test_the_app_names_the_library_and_its_package(
    broken_library_env: dict[str, str], tmp_path: Path
) -> None:
    target = tmp_path / "never.png"

    result = subprocess.run(
        [
            *(sys.executable, "-m", "spkey_desktop", "--home", str(tmp_path / "home")),
            *("--demo", "--screenshot", str(target)),
        ],
        env=broken_library_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode == 2, result.stderr
    assert f"these system libraries are missing: {BROKEN}" in result.stderr
    assert "sudo apt-get install libxcb-cursor0" in result.stderr
    assert "Qt platform plugin" not in result.stderr
    assert not target.exists()


def test_without_the_check_qt_aborts_in_that_environment(
    broken_library_env: dict[str, str],
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", "from PySide6.QtGui import QGuiApplication as A; A([])"],
        env=broken_library_env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert result.returncode != 0
    assert 'Qt platform plugin "xcb"' in result.stderr, result.stderr


def test_a_library_that_does_not_exist_is_missing() -> None:
    names = {"libspkey-no-such-library.so.7": "spkey-no-such-package", BROKEN: "x"}

    missing = missing_libraries(names)

    assert missing == {"libspkey-no-such-library.so.7": "spkey-no-such-package"}


def test_the_message_names_each_library_and_every_package_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    absent = {
        "libspkey-absent-b.so.1": "spkey-pkg-b",
        "libspkey-absent-a.so.2": "spkey-pkg-a",
        "libspkey-absent-c.so.3": "spkey-pkg-a",
    }
    monkeypatch.setattr(startup_check, "XCB_LIBRARIES", absent)
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")

    message = missing_system_libraries()

    assert message is not None
    assert (
        "missing: libspkey-absent-a.so.2, libspkey-absent-b.so.1, "
        "libspkey-absent-c.so.3." in message
    )
    assert message.endswith("sudo apt-get install spkey-pkg-a spkey-pkg-b")


def test_nothing_is_checked_off_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        startup_check, "XCB_LIBRARIES", {"libspkey-absent.so.1": "spkey-pkg"}
    )
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")

    assert missing_system_libraries() is None


def test_every_listed_library_loads_on_this_machine() -> None:
    # The machine .ci/run prepares has each one (its ldd check of Qt's xcb
    # plugin fails otherwise): a misspelt name in the table would show here.
    assert missing_libraries(XCB_LIBRARIES) == {}
