"""The offline bundle, installed as IT would: no network, then the app runs.

pip gets nothing but the bundle: --no-index, every configuration file and PIP_*
variable dropped, and it runs in a network namespace with no interface up, so
a wheel missing from the bundle fails the install instead of being fetched.
"""

from __future__ import annotations

import configparser
import subprocess
import sys
from pathlib import Path

import buildlib
import pytest

from tests.packaging.running import (
    check_roster_screenshot,
    offline_pip_env,
    run,
    take_screenshot,
    without_network,
)

SECRET_SERVICE = "keyring.backends.SecretService.Keyring"


@pytest.fixture(scope="module")
def venv(bundle: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtual environment with the app installed from the bundle alone."""
    folder = tmp_path_factory.mktemp("bundle") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True)
    install = without_network(
        [
            buildlib.venv_python(folder),
            *("-m", "pip", "install", "--no-index"),
            *("--find-links", bundle / "wheels", "spkey-desktop"),
        ]
    )

    result = run(install, env=offline_pip_env(), timeout=600)

    assert result.returncode == 0, result.stdout + result.stderr
    return folder


def bundle_version(bundle: Path) -> str:
    (wheel,) = (bundle / "wheels").glob("spkey_desktop-*.whl")
    return buildlib.wheel_version(wheel)


def test_the_bundle_holds_wheels_pinned_by_hash(bundle: Path) -> None:
    wheels = sorted(p.name for p in (bundle / "wheels").iterdir())
    pinned = (bundle / "requirements.txt").read_text().splitlines()[1:]

    assert wheels
    assert all(name.endswith(".whl") for name in wheels)
    assert len(pinned) == len(wheels)
    assert all(" --hash=sha256:" in line for line in pinned)
    assert bundle.name == f"spkey-desktop-{bundle_version(bundle)}-" + (
        f"{buildlib.target_name()}-bundle"
    )


def test_the_installed_app_has_the_bundles_version(venv: Path, bundle: Path) -> None:
    result = run([venv / "bin" / "spkey-desktop", "--version"])

    assert result.stdout.strip() == bundle_version(bundle)


def test_the_installed_app_shows_the_roster_in_an_x_window(
    venv: Path, tmp_path: Path
) -> None:
    target = tmp_path / "bundle-xvfb.png"

    result = take_screenshot(
        [venv / "bin" / "spkey-desktop"], tmp_path / "home", target, on_screen=True
    )

    assert result.returncode == 0, result.stderr
    check_roster_screenshot(target)


def test_the_installed_app_finds_the_secret_service(venv: Path) -> None:
    result = run([venv / "bin" / "spkey-desktop", "diagnose", "--keyring-backend"])

    assert (result.returncode, result.stdout.strip()) == (0, SECRET_SERVICE)


def test_install_sh_installs_the_menu_entry_and_uninstalls(
    bundle: Path, tmp_path: Path
) -> None:
    prefix, bin_dir, data = tmp_path / "app", tmp_path / "bin", tmp_path / "share"
    places: list[str | Path] = ["--prefix", prefix, "--bin-dir", bin_dir]
    places += ["--data-dir", data]

    installed = run(without_network([bundle / "install.sh", *places]), timeout=600)

    assert installed.returncode == 0, installed.stdout + installed.stderr
    entry = data / "applications" / "spkey-desktop.desktop"
    executable = prefix / "bin" / "spkey-desktop"
    assert _exec_line(entry) == f'"{executable}"'
    assert run(["desktop-file-validate", entry]).returncode == 0
    assert (bin_dir / "spkey-desktop").resolve() == executable.resolve()
    assert (data / "icons/hicolor/scalable/apps/spkey-desktop.svg").is_file()
    assert (data / "icons/hicolor/256x256/apps/spkey-desktop.png").is_file()
    version = run([bin_dir / "spkey-desktop", "--version"]).stdout.strip()
    assert version == bundle_version(bundle)

    removed = run([bundle / "install.sh", "--uninstall", *places])

    assert removed.returncode == 0, removed.stderr
    assert not prefix.exists()
    assert not entry.exists()
    assert not (bin_dir / "spkey-desktop").exists()


def test_install_sh_refuses_a_folder_that_is_not_an_installation(
    bundle: Path, tmp_path: Path
) -> None:
    prefix = tmp_path / "precious"
    prefix.mkdir()
    (prefix / "notes.txt").write_text("keep me")

    result = run([bundle / "install.sh", "--prefix", prefix, "--no-menu"])

    assert result.returncode == 1
    assert "is not an spkey-desktop installation" in result.stderr
    assert (prefix / "notes.txt").read_text() == "keep me"


def _exec_line(entry: Path) -> str:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(entry, encoding="utf-8")
    return parser["Desktop Entry"]["Exec"]
