"""``spkey-desktop diagnose``: what this installation finds on this computer.

For IT after an installation, and for CI on every build (a frozen build can
lose what a source install has, keyring's backends first of all): the version,
the keychain backend keyring picked, the shipped resources and, on Linux, the
system libraries the window needs. The exit status is 1 when the keychain is
unusable or a library is missing, so a script can stop on it.

``--keyring-backend`` prints the backend's class name alone, e.g.
``keyring.backends.SecretService.Keyring``.
"""

from __future__ import annotations

import argparse
import platform
import sys
from typing import Any

import keyring
from keyring.backend import KeyringBackend
from keyring.backends import chainer, fail, null

from spkey_desktop import __version__
from spkey_desktop.credentials import SERVICE_NAME
from spkey_desktop.resource_files import read_resource
from spkey_desktop.startup_check import XCB_LIBRARIES, missing_libraries

RESOURCES = ("spkey-desktop.svg", "spkey-desktop.desktop")


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "diagnose",
        help="show what this installation finds: keychain, resources, libraries",
        description="Show the version, the keychain backend, the shipped resources "
        "and (on Linux) the system libraries the window needs. Exits with 1 when "
        "the keychain is unusable or a library is missing.",
    )
    parser.add_argument(
        "--keyring-backend",
        action="store_true",
        help="print only the class name of the keychain backend keyring picked",
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    backend = keyring.get_keyring()
    if args.keyring_backend:
        print(backend_name(backend))
        return 0 if keychain_usable(backend) else 1

    problems = 0
    frozen = "yes" if getattr(sys, "frozen", False) else "no"
    print(f"spkey-desktop {__version__}")
    print(f"Python {platform.python_version()} on {sys.platform} (frozen: {frozen})")

    refusal = keychain_refusal(backend)
    state = "usable" if refusal is None else f"NOT usable: {refusal}"
    print(f"Keychain backend: {backend_name(backend)} ({state})")
    if isinstance(backend, chainer.ChainerBackend):
        for member in backend.backends:
            print(f"  in the chain: {backend_name(member)}")
    problems += refusal is not None

    for name in RESOURCES:
        found = _resource_found(name)
        print(f"Resource {name}: {'found' if found else 'MISSING'}")
        problems += not found

    if sys.platform.startswith("linux"):
        missing = missing_libraries(XCB_LIBRARIES)
        if missing:
            packages = " ".join(sorted(set(missing.values())))
            print(f"Window system libraries MISSING: {', '.join(sorted(missing))}")
            print(f"  install them with: sudo apt-get install {packages}")
        else:
            print("Window system libraries: all found")
        problems += bool(missing)
    return 1 if problems else 0


def backend_name(backend: KeyringBackend) -> str:
    return f"{type(backend).__module__}.{type(backend).__qualname__}"


def keychain_usable(backend: KeyringBackend) -> bool:
    """False for the backends keyring falls back to when it found no keychain."""
    return not isinstance(backend, fail.Keyring | null.Keyring)


def keychain_refusal(backend: KeyringBackend) -> str | None:
    """Why the keychain cannot be used, or None when a read goes through.

    A found backend is not enough: a Secret Service whose collection stays
    locked refuses every read and write. Reading an entry that does not exist
    changes nothing and meets the same lock a save would.
    """
    if not keychain_usable(backend):
        return "no keychain was found"
    try:
        backend.get_password(SERVICE_NAME, "diagnose:probe")
    except Exception as error:  # keyring backends raise many kinds
        return f"the keychain refused a read ({type(error).__name__})"
    return None


def _resource_found(name: str) -> bool:
    try:
        return bool(read_resource(name))
    except (FileNotFoundError, ModuleNotFoundError):
        return False
