"""What build_bundle.py and build_app.py share: paths, the wheel, pip, timing.

Standard library only: it runs on the build machine's Python before any
virtual environment exists, on Linux, Windows and macOS alike.
"""

from __future__ import annotations

import contextlib
import email.parser
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

PACKAGING = Path(__file__).resolve().parent
ROOT = PACKAGING.parent
DIST = ROOT / "dist"
BUILD = ROOT / "build"

PROJECT = "spkey-desktop"

# What a wheel of the project is built from; everything else in the clone
# (tests, caches, virtual environments, earlier builds) stays out of it.
_SOURCE_PARTS = ("pyproject.toml", "README.md", "spkey_desktop", "resources")
_NOT_SOURCE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


@contextlib.contextmanager
def step(title: str) -> Iterator[None]:
    """Log a build step and how long it took."""
    log(f"{title} ...")
    started = time.monotonic()
    yield
    log(f"{title}: done in {time.monotonic() - started:.0f} s")


def run(
    command: Sequence[str | Path],
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> None:
    """Run a command, showing it first; a failure ends the build."""
    shown = " ".join(str(part) for part in command)
    print(f"  $ {shown}", flush=True)
    subprocess.run([str(part) for part in command], check=True, env=env, cwd=cwd)


def output(command: Sequence[str | Path], *, check: bool = True) -> str:
    """The stripped standard output of a command (which must succeed if ``check``)."""
    result = subprocess.run(
        [str(part) for part in command], check=check, capture_output=True, text=True
    )
    return result.stdout.strip()


def offline_pip_env() -> dict[str, str]:
    """The environment for a pip that must use nothing but the given folder.

    pip adds find-links and index settings from its configuration files and
    PIP_* variables to those on the command line, so an install that worked
    could have been fed from somewhere else. This drops all of them.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_")}
    env["PIP_CONFIG_FILE"] = os.devnull
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    env["PIP_NO_INPUT"] = "1"
    return env


def venv_python(venv: Path) -> Path:
    if sys.platform == "win32":
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def create_venv(venv: Path, python: str = sys.executable) -> Path:
    """A new, empty virtual environment at ``venv`` (an old one is removed)."""
    if venv.exists():
        shutil.rmtree(venv)
    run([python, "-m", "venv", venv])
    return venv_python(venv)


def install_from_bundle(python: Path, bundle: Path) -> None:
    """Install the bundle's pinned wheels into ``python``'s venv, offline."""
    run(
        [
            python,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--find-links",
            bundle / "wheels",
            "--require-hashes",
            "--requirement",
            bundle / "requirements.txt",
        ],
        env=offline_pip_env(),
    )


def build_wheel(out_dir: Path) -> Path:
    """Build the project's wheel into ``out_dir`` from a clean copy of the source.

    setuptools reuses its build/ folder between builds, so a module deleted from
    the source could live on in a wheel built in place; a fresh copy cannot.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="spkey-wheel-") as scratch:
        source = Path(scratch) / "source"
        source.mkdir()
        for part in _SOURCE_PARTS:
            path = ROOT / part
            if path.is_dir():
                shutil.copytree(path, source / part, ignore=_NOT_SOURCE)
            elif path.exists():
                shutil.copy2(path, source / part)
        built = Path(scratch) / "wheel"
        run(
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", built, source],
        )
        (wheel,) = built.glob("*.whl")
        return Path(shutil.copy2(wheel, out_dir))


def wheel_version(wheel: Path) -> str:
    """The version in a wheel's METADATA: pyproject's [project].version, built in."""
    with zipfile.ZipFile(wheel) as archive:
        (name,) = (n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = email.parser.HeaderParser().parsestr(archive.read(name).decode())
    return metadata["Version"]


def target_name() -> str:
    """The Python and platform the builds are for, e.g. ``py3.11-linux-x86_64``."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    return f"py{version}-{sysconfig.get_platform()}"


def tar_gz(folder: Path, base: Path) -> Path:
    """``folder`` packed as ``base``.tar.gz, holding the folder by its name.

    A moderate compression level: the ninth, Python's default, takes twice as
    long on Qt's libraries for a file a few per cent smaller.
    """
    packed = base.with_name(base.name + ".tar.gz")
    with tarfile.open(packed, "w:gz", compresslevel=6) as archive:
        archive.add(folder, arcname=folder.name)
    return packed


def folder_size(path: Path) -> int:
    # Symbolic links (PyInstaller makes some) would count their target twice.
    files = (f for f in path.rglob("*") if f.is_file() and not f.is_symlink())
    return sum(f.stat().st_size for f in files)


def megabytes(size: int) -> str:
    return f"{size / 1_000_000:.0f} MB"
