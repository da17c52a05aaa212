"""Build the offline installation bundle: the app's wheel and every dependency's.

    python packaging/build_bundle.py [--output-dir DIR] [--no-archive]

(``packaging/build-bundle`` runs it on Linux and macOS.) Writes
``dist/spkey-desktop-<version>-py<X.Y>-<platform>-bundle/`` and, beside it, the
same folder as a .tar.gz (a .zip on Windows) to copy to the target machines.

The bundle is for the Python and the operating system that run this script:
pip picks each wheel, and evaluates each dependency's conditions (keyring needs
SecretStorage on Linux and pywin32-ctypes on Windows), for the running
interpreter only. Build a Windows bundle on Windows, with Python 3.11.

Before it is called done, the bundle is installed into a new virtual environment
with pip allowed nothing but the bundle, and the installed app's version is
checked against the wheel's. That environment also draws the icons the
installers need, with the bundle's own Qt.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import sys
import tempfile
from pathlib import Path

import buildlib
from buildlib import DIST, PACKAGING, ROOT, log, run, step

INSTALLERS = {
    "win32": ("install.ps1", "install.bat"),
}
POSIX_INSTALLERS = ("install.sh",)

_WHEEL_NAME = re.compile(
    r"^(?P<name>[^-]+)-(?P<version>[^-]+)(-\d[^-]*)?-[^-]+-[^-]+-[^-]+\.whl$"
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", type=Path, default=DIST)
    parser.add_argument(
        "--no-archive", action="store_true", help="leave the folder, make no archive"
    )
    args = parser.parse_args(argv)
    bundle = build_bundle(args.output_dir.resolve(), archive=not args.no_archive)
    print(bundle)
    return 0


def build_bundle(output_dir: Path, *, archive: bool = True) -> Path:
    """Build the bundle folder in ``output_dir`` and return its path."""
    with tempfile.TemporaryDirectory(prefix="spkey-bundle-") as scratch:
        with step("Building the spkey-desktop wheel"):
            wheel = buildlib.build_wheel(Path(scratch))
        version = buildlib.wheel_version(wheel)
        bundle = output_dir / f"spkey-desktop-{version}-{buildlib.target_name()}-bundle"
        if bundle.exists():
            shutil.rmtree(bundle)
        wheels = bundle / "wheels"
        wheels.mkdir(parents=True)
        shutil.copy2(wheel, wheels)

        with step("Collecting every dependency as a wheel"):
            # pip wheel takes wheels from the index as they are and builds one
            # for any dependency published only as source, so that the target
            # machine never has to build anything.
            run([sys.executable, "-m", "pip", "wheel", "-q", "-w", wheels, wheel])

    _check_only_wheels(wheels)
    _write_requirements(bundle)
    _copy_installers(bundle, version)
    with step("Installing the bundle offline into a new virtual environment"):
        _check_and_draw_icons(bundle, version)
    size = buildlib.folder_size(bundle)
    log(f"Bundle: {bundle} ({buildlib.megabytes(size)})")

    if archive:
        with step("Packing the bundle into one file"):
            packed = _archive(bundle)
        log(f"Archive: {packed} ({buildlib.megabytes(packed.stat().st_size)})")
    return bundle


def _check_only_wheels(wheels: Path) -> None:
    others = [p.name for p in wheels.iterdir() if p.suffix != ".whl"]
    if others:
        raise SystemExit(f"The bundle holds files that are not wheels: {others}")


def _write_requirements(bundle: Path) -> None:
    """requirements.txt: every wheel pinned to its version and SHA-256."""
    lines = []
    for wheel in sorted((bundle / "wheels").glob("*.whl")):
        match = _WHEEL_NAME.match(wheel.name)
        if match is None:
            raise SystemExit(f"Not a wheel file name: {wheel.name}")
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        name = match["name"].replace("_", "-").lower()
        lines.append(f"{name}=={match['version']} --hash=sha256:{digest}")
    header = "# Every wheel in wheels/, pinned; written by packaging/build_bundle.py.\n"
    (bundle / "requirements.txt").write_text(header + "\n".join(lines) + "\n")


def _copy_installers(bundle: Path, version: str) -> None:
    """The install scripts and README, with the version and Python filled in."""
    values = {
        "@VERSION@": version,
        "@PYTHON_VERSION@": f"{sys.version_info.major}.{sys.version_info.minor}",
        "@PLATFORM@": buildlib.target_name().split("-", 1)[1],
    }
    names = (*INSTALLERS.get(sys.platform, POSIX_INSTALLERS), "README.txt")
    for name in names:
        text = (PACKAGING / "bundle" / name).read_text(encoding="utf-8")
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        target = bundle / name
        target.write_text(text, encoding="utf-8", newline=_newline(name))
        if name.endswith(".sh"):
            target.chmod(0o755)

    share = bundle / "share"
    share.mkdir()
    shutil.copy2(PACKAGING / "linux" / "install-common.sh", share)
    for name in ("spkey-desktop.desktop", "spkey-desktop.svg"):
        shutil.copy2(ROOT / "resources" / name, share)


def _newline(name: str) -> str:
    # Windows' own tools read CRLF; sh would choke on it.
    return "\r\n" if name.endswith((".ps1", ".bat")) else "\n"


def _check_and_draw_icons(bundle: Path, version: str) -> None:
    with tempfile.TemporaryDirectory(prefix="spkey-bundle-check-") as scratch:
        python = buildlib.create_venv(Path(scratch) / "venv")
        buildlib.install_from_bundle(python, bundle)
        installed = buildlib.output([python, "-m", "spkey_desktop", "--version"])
        if installed != version:
            raise SystemExit(f"The installed app says {installed!r}, not {version!r}")

        icons = Path(scratch) / "icons"
        run([python, PACKAGING / "make_icons.py", icons])
        shutil.copy2(
            icons / "spkey-desktop-256.png", bundle / "share" / "spkey-desktop.png"
        )
        shutil.copy2(icons / "spkey-desktop.ico", bundle / "share")


def _archive(bundle: Path) -> Path:
    # A .zip is what Windows opens by itself; elsewhere tar is everywhere.
    if sys.platform == "win32":
        return Path(shutil.make_archive(str(bundle), "zip", bundle.parent, bundle.name))
    return buildlib.tar_gz(bundle, bundle)


if __name__ == "__main__":
    sys.exit(main())
