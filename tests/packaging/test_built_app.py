"""The PyInstaller application folder, run as a user would, from its executable.

Run through .ci/test: a D-Bus session with an unlocked GNOME Keyring (the
Secret Service) and an Xvfb display. A frozen build that lost keyring's entry
points would pick keyring's fail backend there, where a source install picks
the Secret Service.
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

import buildlib
import pytest

from tests.packaging.running import (
    PACKAGING,
    check_roster_screenshot,
    run,
    take_screenshot,
)

SECRET_SERVICE = "keyring.backends.SecretService.Keyring"
FAIL = "keyring.backends.fail.Keyring"
BACKEND = ["diagnose", "--keyring-backend"]


@pytest.fixture(scope="module")
def version(bundle: Path) -> str:
    (wheel,) = (bundle / "wheels").glob("spkey_desktop-*.whl")
    return buildlib.wheel_version(wheel)


def test_the_frozen_app_has_the_wheels_version(app_folder: Path, version: str) -> None:
    result = run([app_folder / "spkey-desktop", "--version"])

    assert (result.returncode, result.stdout.strip()) == (0, version)


def test_the_frozen_app_finds_the_same_keyring_backend_as_a_source_install(
    app_folder: Path,
) -> None:
    source = run([sys.executable, "-m", "spkey_desktop", *BACKEND])
    frozen = run([app_folder / "spkey-desktop", *BACKEND])

    assert frozen.stdout.strip() != FAIL, frozen.stderr
    assert (frozen.returncode, frozen.stdout) == (0, source.stdout)
    assert source.stdout.strip() == SECRET_SERVICE


def test_without_keyrings_metadata_the_frozen_app_would_have_no_keychain(
    app_folder: Path, tmp_path: Path
) -> None:
    # What the check above guards against, shown on a copy of the build: keyring
    # finds its backends through the entry points in its metadata only.
    copy = tmp_path / "spkey-desktop"
    shutil.copytree(app_folder, copy, symlinks=True)
    (metadata,) = (copy / "_internal").glob("keyring-*.dist-info")
    shutil.rmtree(metadata)

    result = run([copy / "spkey-desktop", *BACKEND])

    assert (result.returncode, result.stdout.strip()) == (1, FAIL)


def test_the_frozen_app_finds_its_resources_and_libraries(app_folder: Path) -> None:
    result = run([app_folder / "spkey-desktop", "diagnose"])

    assert result.returncode == 0, result.stdout + result.stderr
    assert "(frozen: yes)" in result.stdout
    assert "Resource spkey-desktop.svg: found" in result.stdout
    assert "Resource spkey-desktop.desktop: found" in result.stdout


@pytest.mark.parametrize("on_screen", [True, False], ids=["xvfb", "offscreen"])
def test_the_frozen_app_shows_the_roster(
    app_folder: Path, tmp_path: Path, on_screen: bool
) -> None:
    target = tmp_path / "frozen.png"

    result = take_screenshot(
        [app_folder / "spkey-desktop"], tmp_path / "home", target, on_screen=on_screen
    )

    assert result.returncode == 0, result.stderr
    check_roster_screenshot(target)


def test_the_folder_ships_the_desktop_entry_icon_and_installer(
    app_folder: Path,
) -> None:
    share = app_folder / "share"

    assert (app_folder / "install.sh").stat().st_mode & 0o111
    for name in [
        "spkey-desktop.desktop",
        "spkey-desktop.svg",
        "spkey-desktop.png",
        "install-common.sh",
    ]:
        assert (share / name).is_file(), name
    assert (
        run(["desktop-file-validate", share / "spkey-desktop.desktop"]).returncode == 0
    )


def test_the_folder_does_not_ship_the_build_machines_gtk(app_folder: Path) -> None:
    # packaging/pyinstaller-hooks leaves out Qt's GTK 3 theme and with it GTK.
    shipped = [
        p.name for p in app_folder.rglob("*") if re.match(r"lib(gtk|gdk)-3", p.name)
    ]

    assert shipped == []


def test_install_sh_installs_a_working_copy_and_uninstalls(
    app_folder: Path, version: str, tmp_path: Path
) -> None:
    prefix, bin_dir, data = tmp_path / "app", tmp_path / "bin", tmp_path / "share"
    places: list[str | Path] = ["--prefix", prefix, "--bin-dir", bin_dir]
    places += ["--data-dir", data]

    installed = run([app_folder / "install.sh", *places])

    assert installed.returncode == 0, installed.stdout + installed.stderr
    entry = data / "applications" / "spkey-desktop.desktop"
    assert f'Exec="{prefix / "spkey-desktop"}"' in entry.read_text()
    assert run([bin_dir / "spkey-desktop", "--version"]).stdout.strip() == version

    removed = run([prefix / "install.sh", "--uninstall", *places])

    assert removed.returncode == 0, removed.stderr
    assert not prefix.exists()
    assert not entry.exists()


def test_the_windows_installer_takes_files_this_build_has(app_folder: Path) -> None:
    # The same folder layout on Windows, with .exe names (packaging/README.md).
    lines = (PACKAGING / "windows" / "spkey-desktop.iss").read_text().splitlines()
    iss = "\n".join(line for line in lines if not line.startswith(";"))
    executables = set(re.findall(r"\\([\w.-]+)\.exe", iss))

    assert executables == {"spkey-desktop"}
    assert (app_folder / "spkey-desktop").is_file()
    assert (app_folder / "_internal").is_dir()
    assert (buildlib.BUILD / "icons" / "spkey-desktop.ico").is_file()


def test_the_frozen_app_needs_no_newer_glibc_than_debian_12(app_folder: Path) -> None:
    # The README promises the folder runs with glibc 2.36 (Debian 12) or newer;
    # a build machine with a newer glibc would quietly raise that floor.
    binaries = [path for path in app_folder.rglob("*") if _is_elf(path)]
    versions: set[int] = set()
    for path in binaries:
        symbols = run(["objdump", "-T", path])
        assert symbols.returncode == 0, symbols.stderr
        versions.update(
            int(minor) for minor in re.findall(r"GLIBC_2\.(\d+)", symbols.stdout)
        )

    assert len(binaries) > 50
    assert max(versions) <= 36


def _is_elf(path: Path) -> bool:
    if not path.is_file() or path.is_symlink():
        return False
    with path.open("rb") as file:
        return file.read(4) == b"\x7fELF"
