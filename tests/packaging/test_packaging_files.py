"""The packaging sources agree with each other, checked without building.

What can be checked on Linux of the Windows and macOS pieces is checked here:
the Inno Setup script names the folder, executable and icon that build-app and
the spec produce, and the macOS settings are a valid property list. Whether
they work on those systems is for a build there (packaging/README.md).
"""

from __future__ import annotations

import configparser
import plistlib
import re
import subprocess
import sys
from importlib import metadata
from pathlib import Path, PureWindowsPath

import build_app
import build_bundle
import pytest
import spec_support

from tests.packaging.running import PACKAGING, REPO

ISS = PACKAGING / "windows" / "spkey-desktop.iss"
SPEC = PACKAGING / "spkey-desktop.spec"
VERSION = metadata.version("spkey-desktop")


def iss_defines() -> dict[str, str]:
    """The ISPP ``#define NAME expression`` lines, SourcePath resolved."""
    defines = {}
    for match in re.finditer(r"^#define (\w+) (.+)$", ISS.read_text(), re.MULTILINE):
        defines[match[1]] = match[2]
    return defines


def iss_path(expression: str) -> Path:
    """A path expression of the form SourcePath + "..\\x" (+ "\\y") as a Path."""
    parts = re.fullmatch(r'SourcePath \+ "([^"]+)"', expression)
    assert parts, expression
    return (ISS.parent / Path(*PureWindowsPath(parts[1]).parts)).resolve()


def iss_setup() -> dict[str, str]:
    text = ISS.read_text().split("[Setup]", 1)[1].split("\n[", 1)[0]
    pairs = (line.split("=", 1) for line in text.splitlines() if "=" in line)
    return {key.strip(): value.strip() for key, value in pairs if key[:1] != ";"}


def spec_names(kind: str) -> list[str]:
    """The name= of each EXE(...) or COLLECT(...) call in the spec."""
    calls = re.findall(rf"{kind}\((.*?)\n\s*\)", SPEC.read_text(), re.DOTALL)
    return [re.search(r'name="([^"]+)"', call)[1] for call in calls]  # type: ignore[index]


def test_the_installer_takes_the_folder_build_app_makes() -> None:
    defines = iss_defines()

    assert iss_path(defines["AppDir"]) == build_app.APP
    assert spec_names("COLLECT") == [build_app.APP.name]
    assert (
        iss_path(defines["AppIcon"]) == build_app.BUILD / "icons" / "spkey-desktop.ico"
    )


def test_the_installer_names_the_window_executable_of_the_spec() -> None:
    text = ISS.read_text()
    executables = set(re.findall(r"\{app\}\\([\w.-]+\.exe)", text))
    exe = re.search(r'AppExe AppDir \+ "\\([^"]+)"', text)

    assert exe is not None
    assert executables == {exe[1]}
    # The first EXE of the spec is the window app; the second its console twin.
    assert spec_names("EXE") == ["spkey-desktop", "spkey-desktop-cli"]
    assert exe[1] == spec_names("EXE")[0] + ".exe"


def test_the_installer_is_64_bit_and_writes_to_dist() -> None:
    setup = iss_setup()

    assert setup["ArchitecturesAllowed"] == "x64compatible"
    assert setup["ArchitecturesInstallIn64BitMode"] == "x64compatible"
    assert (ISS.parent / setup["OutputDir"].replace("\\", "/")).resolve() == (
        build_app.DIST
    )
    assert re.fullmatch(r"\{\{[0-9A-F-]{36}\}", setup["AppId"])


def test_the_version_is_written_down_in_pyproject_only() -> None:
    # The installer reads it from the executable, the spec from the metadata,
    # the bundle from the wheel: no packaging file may hold it.
    files = [
        p for p in PACKAGING.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    ]

    pattern = re.compile(rf"(?<![\w.]){re.escape(VERSION)}(?![\w.])")
    holding = [p for p in files if pattern.search(p.read_text(errors="replace"))]

    assert files
    assert holding == []
    assert "#define AppVersion GetFileProductVersionString(AppExe)" in ISS.read_text()


def test_the_macos_settings_are_a_plist_the_version_is_added_to() -> None:
    with (PACKAGING / "macos" / "Info.plist").open("rb") as file:
        static = plistlib.load(file)

    settings = spec_support.macos_info_plist("2.5.1rc2")

    assert static["LSMinimumSystemVersion"] == "13.0"
    assert not {"CFBundleIdentifier", "CFBundleVersion"} & static.keys()
    assert settings["CFBundleShortVersionString"] == "2.5.1"
    assert settings["CFBundleVersion"] == "2.5.1rc2"
    assert plistlib.loads(plistlib.dumps(settings)) == settings


@pytest.mark.parametrize(
    ("version", "numbers"),
    [
        ("0.1.0", (0, 1, 0, 0)),
        ("3", (3, 0, 0, 0)),
        ("1.2.3.4.5", (1, 2, 3, 4)),
        ("2.0rc1", (2, 0, 0, 0)),
        ("1.10.0.post2", (1, 10, 0, 0)),
    ],
)
def test_windows_version_numbers(version: str, numbers: tuple[int, ...]) -> None:
    assert spec_support.version_numbers(version) == numbers


def test_a_version_without_numbers_is_refused() -> None:
    with pytest.raises(ValueError, match="does not start with a version number"):
        spec_support.version_numbers("dev")


def test_the_desktop_entry() -> None:
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(REPO / "resources" / "spkey-desktop.desktop", encoding="utf-8")

    main = entry["Desktop Entry"]
    assert main["Type"] == "Application"
    assert main["Exec"] == "spkey-desktop"  # the installers put the full path
    assert main["Icon"] == "spkey-desktop"
    assert main["Terminal"] == "false"
    assert main["Categories"].endswith(";")


def test_the_bundle_templates_are_filled_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for platform, scripts in [
        ("linux", {"install.sh"}),
        ("win32", build_bundle.INSTALLERS["win32"]),
    ]:
        monkeypatch.setattr(sys, "platform", platform)
        bundle = tmp_path / platform
        bundle.mkdir()

        build_bundle._copy_installers(bundle, "9.8.7")

        written = {p.name for p in bundle.iterdir() if p.is_file()}
        assert written == {*scripts, "README.txt"}
        for path in bundle.rglob("*"):
            if path.is_file():
                text = path.read_text(encoding="utf-8")
                assert not re.search(r"@[A-Z_]+@", text), path
        assert "9.8.7" in (bundle / "README.txt").read_text()


@pytest.mark.parametrize(
    "script",
    ["bundle/install.sh", "linux/install-app.sh", "linux/install-common.sh"],
)
def test_shell_scripts_parse(script: str) -> None:
    result = subprocess.run(
        ["bash", "-n", str(PACKAGING / script)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
