"""``spkey-desktop diagnose``, run as IT would, in .ci/test's keychain session."""

from __future__ import annotations

import os
import sys

import pytest

from tests.packaging.running import run

pytestmark = pytest.mark.keychain

APP = [sys.executable, "-m", "spkey_desktop"]
SECRET_SERVICE = "keyring.backends.SecretService.Keyring"
FAIL = "keyring.backends.fail.Keyring"


def test_the_report_names_the_secret_service_and_finds_everything() -> None:
    result = run([*APP, "diagnose"])

    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("spkey-desktop ")
    assert f"Keychain backend: {SECRET_SERVICE} (usable)" in lines
    assert "Resource spkey-desktop.svg: found" in lines
    assert "Resource spkey-desktop.desktop: found" in lines
    if sys.platform.startswith("linux"):
        assert "Window system libraries: all found" in lines


def test_keyring_backend_alone() -> None:
    result = run([*APP, "diagnose", "--keyring-backend"])

    assert (result.returncode, result.stdout) == (0, SECRET_SERVICE + "\n")


def test_no_keychain_is_reported_and_fails() -> None:
    env = {"PYTHON_KEYRING_BACKEND": FAIL}

    brief = run([*APP, "diagnose", "--keyring-backend"], env=_with(env))
    full = run([*APP, "diagnose"], env=_with(env))

    assert (brief.returncode, brief.stdout) == (1, FAIL + "\n")
    assert full.returncode == 1
    expected = f"Keychain backend: {FAIL} (NOT usable: no keychain was found)"
    assert expected in full.stdout


def _with(extra: dict[str, str]) -> dict[str, str]:
    return {**os.environ, **extra}
