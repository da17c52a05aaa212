"""The command registry: a command's module is imported only when it runs.

``spkey-desktop normalize`` used to import every command module, and with them
httpx, keyring and openpyxl, for a plate rule that needs none of them. Each
check runs the command line in a fresh interpreter and reads its
``sys.modules`` at exit (``-X importtime`` would miss the modules the registry
loads through ``importlib.import_module``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from spkey_desktop.cli import COMMANDS, build_parser, run

# Packages the command line never needs for normalizing a plate or for --help.
HEAVY = ("httpx", "PySide6", "shiboken6", "qasync", "keyring", "openpyxl")
COMMAND_MODULES = {command.module for command in COMMANDS}
_MARK = "sys.modules at exit: "
# The app's entry point, as the spkey-desktop script calls it; whatever way it
# ends (a status, or argparse's SystemExit), the modules are written at exit.
_PROGRAM = f"""
import atexit, json, sys
atexit.register(lambda: print({_MARK!r} + json.dumps(sorted(sys.modules)),
                              file=sys.stderr))
from spkey_desktop.app import main
sys.exit(main(sys.argv[1:]))
"""


def imports_of(*args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """Run ``spkey-desktop ARGS`` and return it with every module it imported."""
    result = subprocess.run(
        [sys.executable, "-c", _PROGRAM, *args],
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=os.environ.copy(),
        timeout=60,
        check=False,
    )
    lines = [s for s in result.stderr.splitlines() if s.startswith(_MARK)]
    assert len(lines) == 1, result.stderr[-2000:]
    return result, set(json.loads(lines[0].removeprefix(_MARK)))


def heavy_among(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in HEAVY)


def test_normalize_imports_neither_httpx_nor_qt_nor_other_commands() -> None:
    result, modules = imports_of("normalize", "wx 12-34")

    assert result.returncode == 0, result.stderr[-2000:]
    assert "→ WX1234" in result.stdout
    # The record is read at all: the command's own module is in it.
    assert "spkey_desktop.cli.normalize" in modules
    assert heavy_among(modules) == []
    assert COMMAND_MODULES & modules == {"spkey_desktop.cli.normalize"}


def test_help_lists_every_command_with_its_help_without_loading_them() -> None:
    result, modules = imports_of("--help")

    assert result.returncode == 0, result.stderr[-2000:]
    for command in COMMANDS:
        line = next(
            (s for s in result.stdout.splitlines() if s.split()[:1] == [command.name]),
            None,
        )
        assert line is not None, f"{command.name} is not listed"
        assert line.split(None, 1)[1] == command.help
    assert "spkey_desktop.cli" in modules
    assert COMMAND_MODULES & modules == set()
    assert heavy_among(modules) == []


def test_the_other_commands_still_load_what_they_need() -> None:
    result, modules = imports_of("diagnose", "--help")

    assert result.returncode == 0, result.stderr[-2000:]
    assert "--keyring-backend" in result.stdout
    assert "spkey_desktop.cli.diagnose" in modules
    assert "keyring" in modules


def _help_lines(parser: argparse.ArgumentParser) -> dict[str, str | None]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return {a.dest: a.help for a in action._choices_actions}
    raise AssertionError("no subcommands")


def test_each_line_of_help_in_the_registry_is_the_one_its_module_registers() -> None:
    registered = _help_lines(build_parser())
    listed = _help_lines(build_parser(loaded=()))

    assert list(registered) == [command.name for command in COMMANDS]
    assert listed == registered


def test_a_home_folder_named_like_a_command_is_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = tmp_path / "normalize"

    status = run(["--home", str(home), "profile", "list"])

    assert status == 0
    assert "No connection profiles" in capsys.readouterr().out
