"""Build the self-contained application folder with PyInstaller.

    python packaging/build_app.py [--bundle DIR] [--no-archive]

(``packaging/build-app`` runs it on Linux and macOS.) Writes
``dist/spkey-desktop/`` (with ``dist/spkey-desktop.app`` on macOS) and, on
Linux, ``dist/spkey-desktop-<version>-<platform>.tar.gz`` of that folder.

The app is frozen from the very wheels of the offline bundle (built first, or
given with ``--bundle``), installed into a build environment with pip allowed
nothing but the bundle; only PyInstaller itself (requirements-build.txt) comes
from the package index. The icons are drawn from the SVG with that
environment's Qt. The frozen app is run once before the build is called done.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import sysconfig
from pathlib import Path

import buildlib
from build_bundle import build_bundle
from buildlib import BUILD, DIST, PACKAGING, ROOT, log, run, step

APP = DIST / "spkey-desktop"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--bundle", type=Path, help="an offline bundle already built from this source"
    )
    parser.add_argument(
        "--no-archive", action="store_true", help="leave the folder, make no archive"
    )
    args = parser.parse_args(argv)

    bundle = args.bundle.resolve() if args.bundle else None
    if bundle is None:
        bundle = build_bundle(BUILD / "bundle", archive=False)
    build_app(bundle, archive=not args.no_archive)
    print(APP)
    return 0


def build_app(bundle: Path, *, archive: bool) -> None:
    with step("Installing the app and PyInstaller into a build environment"):
        python = _build_environment(bundle)
    version = buildlib.output([python, "-m", "spkey_desktop", "--version"])

    with step("Drawing the icons"):
        icons = BUILD / "icons"
        run([python, PACKAGING / "make_icons.py", icons])

    with step("Freezing the app with PyInstaller"):
        env = dict(os.environ, SPKEY_ICONS_DIR=str(icons))
        run(
            [
                python,
                "-m",
                "PyInstaller",
                "--noconfirm",
                "--clean",
                "--log-level=WARN",
                "--distpath",
                DIST,
                "--workpath",
                BUILD / "pyinstaller",
                PACKAGING / "spkey-desktop.spec",
            ],
            env=env,
            # Not the clone: `python -m` puts the working folder first on the
            # path, and the source tree's spkey_desktop (which lacks resources/)
            # would be frozen instead of the installed wheel.
            cwd=BUILD,
        )
    if not sys.platform.startswith(("win", "darwin")):
        _add_linux_files(version, icons)
    _check(version)
    log(f"Application folder: {APP} ({buildlib.megabytes(buildlib.folder_size(APP))})")

    if archive and sys.platform.startswith("linux"):
        with step("Packing the application folder into one file"):
            base = DIST / f"spkey-desktop-{version}-{sysconfig.get_platform()}"
            packed = buildlib.tar_gz(APP, base)
        log(f"Archive: {packed} ({buildlib.megabytes(packed.stat().st_size)})")


def _build_environment(bundle: Path) -> Path:
    python = buildlib.create_venv(BUILD / "app-venv")
    buildlib.install_from_bundle(python, bundle)
    run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--requirement",
            PACKAGING / "requirements-build.txt",
        ]
    )
    return python


def _add_linux_files(version: str, icons: Path) -> None:
    """The installer, the desktop entry and the icon, beside the executable."""
    text = (PACKAGING / "linux" / "install-app.sh").read_text(encoding="utf-8")
    install = APP / "install.sh"
    install.write_text(text.replace("@VERSION@", version), encoding="utf-8")
    install.chmod(0o755)
    share = APP / "share"
    share.mkdir(exist_ok=True)
    shutil.copy2(PACKAGING / "linux" / "install-common.sh", share)
    shutil.copy2(ROOT / "resources" / "spkey-desktop.desktop", share)
    shutil.copy2(ROOT / "resources" / "spkey-desktop.svg", share)
    shutil.copy2(icons / "spkey-desktop-256.png", share / "spkey-desktop.png")


def _check(version: str) -> None:
    """Run the frozen app: it must start and know its version."""
    name = "spkey-desktop-cli.exe" if sys.platform == "win32" else "spkey-desktop"
    frozen = buildlib.output([APP / name, "--version"])
    if frozen != version:
        raise SystemExit(f"The frozen app says {frozen!r}, not {version!r}")
    # What the frozen app finds. A missing keychain or library is this build
    # machine's matter (CI checks the keychain in a real session); a missing
    # resource is the build's.
    report = buildlib.output([APP / name, "diagnose"], check=False)
    print(report)
    if "MISSING" in "".join(line for line in report.splitlines() if "Resource" in line):
        raise SystemExit("The frozen app lacks some of its resources.")


if __name__ == "__main__":
    sys.exit(main())
