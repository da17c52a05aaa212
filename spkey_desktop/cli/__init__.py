"""Commands that run without a window: ``spkey-desktop normalize|profile|...``.

Each command lives in its own module exposing ``add_parser(subparsers)``, which
registers an ``argparse`` sub-parser whose ``func`` default takes the parsed
arguments and returns the exit status.

The registry below names the commands and their one-line help without
importing their modules: a module is imported only when its command runs (or
its own ``--help`` is asked for). ``spkey-desktop normalize`` thus never pays
for httpx, keyring or openpyxl, which the other commands import.
``tests/cli/test_registry.py`` checks that each line of help here is the one
its module registers.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from spkey_desktop.cli.output import EXIT_OUTPUT_CLOSED, discard_stdout


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    module: str  # imported when the command runs
    help: str  # the line shown by 'spkey-desktop --help'


COMMANDS = (
    Command(
        "normalize",
        "spkey_desktop.cli.normalize",
        "show the canonical form the app would store for each plate",
    ),
    Command(
        "profile",
        "spkey_desktop.cli.profile",
        "add, list or remove connection profiles",
    ),
    Command(
        "diagnose",
        "spkey_desktop.cli.diagnose",
        "show what this installation finds: keychain, resources, libraries",
    ),
    Command(
        "import",
        "spkey_desktop.cli.importing",
        "import users and plates from a CSV or Excel file",
    ),
)
COMMAND_NAMES = frozenset(command.name for command in COMMANDS)


def build_parser(loaded: Iterable[str] = COMMAND_NAMES) -> argparse.ArgumentParser:
    """The command line's parser. The commands named in ``loaded`` get their
    module's full sub-parser; the others only their name and line of help,
    enough for ``spkey-desktop --help`` and for finding the command to run."""
    wanted = set(loaded)
    parser = argparse.ArgumentParser(
        prog="spkey-desktop",
        description="Manage licence plates on SmartphoneKey users.",
    )
    parser.add_argument(
        "--home",
        metavar="DIR",
        help="keep every file the app writes under DIR "
        "(default: $SPKEY_DESKTOP_HOME, else the platform's folders)",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for command in COMMANDS:
        if command.name in wanted:
            importlib.import_module(command.module).add_parser(subparsers)
        else:
            # Takes no arguments of its own: what follows the command is left
            # for the full parser, which parses the command line again.
            subparsers.add_parser(command.name, help=command.help, add_help=False)
    return parser


def run(argv: Sequence[str]) -> int:
    """Run one command line; returns the process exit status."""
    arguments = list(argv)
    # First find the command with argparse itself (so that '--home normalize'
    # is a folder, as in the full parse), then load that command's module only.
    found, _rest = build_parser(loaded=()).parse_known_args(arguments)
    args = build_parser(loaded=(found.command,)).parse_args(arguments)
    try:
        status: int = args.func(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader has gone (head -1 has its line): stop quietly.
        discard_stdout()
        return EXIT_OUTPUT_CLOSED
    return status
