"""Name missing system libraries before Qt aborts on them.

On Linux, Qt's xcb platform plugin links against X libraries that the PySide6
wheel does not ship. Without one of them Qt prints "could not load the Qt
platform plugin" and aborts, which tells IT nothing; this check names each
missing library and the Debian/Ubuntu package that provides it.
"""

from __future__ import annotations

import ctypes
import os
import sys

#: Libraries the xcb plugin needs that minimal installations often lack, with
#: the Debian/Ubuntu package providing each (checked against Debian 12).
XCB_LIBRARIES: dict[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3",
}


def _uses_xcb() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if platform:
        return platform.startswith("xcb")
    return bool(os.environ.get("DISPLAY")) and not os.environ.get("WAYLAND_DISPLAY")


def no_display_problem() -> str | None:
    """A message when a window cannot be shown because there is no screen."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return (
        "spkey-desktop cannot open its window: this session has no screen "
        "(neither DISPLAY nor WAYLAND_DISPLAY is set). Start it from a desktop "
        "session, or render the window to a file with --screenshot FILE."
    )


def missing_libraries(names: dict[str, str]) -> dict[str, str]:
    """The libraries of ``names`` the dynamic loader cannot load."""
    missing = {}
    for library, package in names.items():
        try:
            ctypes.CDLL(library)
        except OSError:
            missing[library] = package
    return missing


def missing_system_libraries() -> str | None:
    """A message naming what to install, or None when nothing is missing."""
    if not _uses_xcb():
        return None
    missing = missing_libraries(XCB_LIBRARIES)
    if not missing:
        return None
    packages = " ".join(sorted(set(missing.values())))
    return (
        "spkey-desktop cannot open its window: these system libraries are missing: "
        f"{', '.join(sorted(missing))}.\n"
        f"On Debian or Ubuntu, install them with:  sudo apt-get install {packages}"
    )


def startup_problem() -> str | None:
    """Why the window cannot start on this machine, or None when it can."""
    return no_display_problem() or missing_system_libraries()
