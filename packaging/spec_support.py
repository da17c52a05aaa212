"""What spkey-desktop.spec computes, kept here where it can be linted and tested.

The spec runs inside PyInstaller, in the build environment where the app is
installed; this module is imported from there, and from the tests. Every value
that names the version reads it from the installed package's metadata: the one
version number (pyproject's [project].version) flows into the executable, the
macOS bundle and, through the executable, the Windows installer.
"""

from __future__ import annotations

import plistlib
import re
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGING = Path(__file__).resolve().parent

NAME = "spkey-desktop"
DISPLAY_NAME = "SmartphoneKey Plates"
DESCRIPTION = "Manage the licence plates registered on SmartphoneKey users"
# Reverse-DNS form of the product's domain (api.spkey.co), as Apple asks.
BUNDLE_IDENTIFIER = "co.spkey.desktop"
COMPANY = "SmartphoneKey"


def app_version() -> str:
    return metadata.version(NAME)


def version_numbers(version: str) -> tuple[int, int, int, int]:
    """The four numbers Windows keeps for a version: "1.2.3rc1" → (1, 2, 3, 0)."""
    match = re.match(r"\d+(\.\d+)*", version)
    if match is None:
        raise ValueError(f"{version!r} does not start with a version number")
    numbers = [int(part) for part in match.group().split(".")][:4]
    first, second, third, fourth = numbers + [0] * (4 - len(numbers))
    return (first, second, third, fourth)


def macos_info_plist(version: str) -> dict[str, Any]:
    """packaging/macos/Info.plist with the version keys filled in."""
    with (PACKAGING / "macos" / "Info.plist").open("rb") as file:
        settings: dict[str, Any] = plistlib.load(file)
    short = ".".join(str(n) for n in version_numbers(version)[:3])
    settings["CFBundleShortVersionString"] = short
    settings["CFBundleVersion"] = version
    return settings


def windows_version_info(version: str) -> Any:
    """The executable's version resource; what the installer reads its version from.

    Only on Windows: PyInstaller's version-resource classes need pefile, which
    it installs there alone.
    """
    from PyInstaller.utils.win32 import versioninfo as vi

    numbers = version_numbers(version)
    strings = [
        vi.StringStruct("CompanyName", COMPANY),
        vi.StringStruct("FileDescription", DISPLAY_NAME),
        vi.StringStruct("FileVersion", version),
        vi.StringStruct("InternalName", NAME),
        vi.StringStruct("OriginalFilename", f"{NAME}.exe"),
        vi.StringStruct("ProductName", DISPLAY_NAME),
        vi.StringStruct("ProductVersion", version),
    ]
    return vi.VSVersionInfo(
        ffi=vi.FixedFileInfo(filevers=numbers, prodvers=numbers),
        kids=[
            vi.StringFileInfo([vi.StringTable("040904B0", strings)]),
            vi.VarFileInfo([vi.VarStruct("Translation", [0x0409, 1200])]),
        ],
    )
