"""Commands that run without a window: ``spkey-desktop normalize|profile|...``.

Each command lives in its own module exposing ``add_parser(subparsers)``, which
registers an ``argparse`` sub-parser whose ``func`` default takes the parsed
arguments and returns the exit status.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from spkey_desktop.cli import diagnose, importing, normalize, profile
from spkey_desktop.cli.output import EXIT_OUTPUT_CLOSED, discard_stdout

COMMAND_MODULES = (normalize, profile, diagnose, importing)
COMMAND_NAMES = frozenset({"normalize", "profile", "diagnose", "import"})


def build_parser() -> argparse.ArgumentParser:
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
    for module in COMMAND_MODULES:
        module.add_parser(subparsers)
    return parser


def run(argv: Sequence[str]) -> int:
    """Run one command line; returns the process exit status."""
    args = build_parser().parse_args(list(argv))
    try:
        status: int = args.func(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader has gone (head -1 has its line): stop quietly.
        discard_stdout()
        return EXIT_OUTPUT_CLOSED
    return status
