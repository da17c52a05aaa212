"""``spkey-desktop normalize PLATE...``: what the app would store, and why.

Shows, without opening the window, the canonical form the add-plate dialog
would send for each plate, with the same sentences. Operators use it to see
why a plate "looks right" but never opens the gate; scripts that prepare a
bulk import use ``--json``. The exit status is 1 when any plate has nothing
left to store, so a script can stop before sending a bad list, and 141 when
standard output is closed before everything is written (``| head -1``): what
a shell reports for a process ended by SIGPIPE, so that it is not mistaken for
"a plate is invalid".
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from typing import Any

from spkey_desktop.cli.output import EXIT_OUTPUT_CLOSED, discard_stdout
from spkey_desktop.plates import CanonicalPlate, canonicalize

_ARROW = "→"

#: 128 + SIGPIPE (13): the status of a process ended by a closed pipe.


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "normalize",
        help="show the canonical form the app would store for each plate",
        description="Show the canonical form the app would store for each plate, "
        "what was changed to get it, and anything to check. Exits with 1 when "
        "a plate has no letters or digits left, and with 141 when the output "
        "is closed before it is all written (as by '| head -1'), as a process "
        "ended by SIGPIPE does.",
    )
    parser.add_argument(
        "plates",
        nargs="+",
        metavar="PLATE",
        help="a plate as typed; quote it if it holds spaces, and put -- before "
        "the plates if one starts with a dash",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="print one JSON object per plate and line, with the keys input, "
        "plate, valid, changes and warnings",
    )
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    results = [canonicalize(text) for text in args.plates]

    _prepare_stdout(utf8=args.json)
    try:
        for result in results:
            print(_as_json(result) if args.json else _as_text(result))
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader has gone (head -1 has its line): stop quietly.
        discard_stdout()
        return EXIT_OUTPUT_CLOSED
    return 0 if all(result.valid for result in results) else 1


def _prepare_stdout(*, utf8: bool) -> None:
    """Make every plate printable, whatever the console's encoding.

    JSON is UTF-8 by definition, so ``--json`` always writes UTF-8. A console
    that cannot show a character (a Cyrillic letter on a Windows code page, a
    lone surrogate from an undecodable argument) gets an escape sequence
    instead of a crash; in JSON that escape still means the same character.
    """
    if isinstance(sys.stdout, io.TextIOWrapper):
        if utf8:
            sys.stdout.reconfigure(encoding="utf-8", errors="backslashreplace")
        else:
            sys.stdout.reconfigure(errors="backslashreplace")


def _as_json(result: CanonicalPlate) -> str:
    record = {
        "input": result.input,
        "plate": result.plate,
        "valid": result.valid,
        "changes": list(result.changes),
        "warnings": list(result.warnings),
    }
    return json.dumps(record, ensure_ascii=False)


def _as_text(result: CanonicalPlate) -> str:
    """The plate as a person reads it: input and result, then the sentences."""
    shown = result.plate if result.valid else "(nothing to store)"
    lines = [f'"{_visible(result.input)}" {_ARROW} {shown}']
    lines += [f"    {change}" for change in result.changes]
    lines += [f"    warning: {warning}" for warning in result.warnings]
    if result.error is not None:
        lines.append(f"    error: {result.error}")
    return "\n".join(lines)


def _visible(text: str) -> str:
    """``text`` with invisible and control characters shown as <U+200B>.

    Otherwise a zero-width space or a line break in the input would be
    invisible in, or break, the very line that explains its removal.
    """
    return "".join(
        char if char.isprintable() else f"<U+{ord(char):04X}>" for char in text
    )
