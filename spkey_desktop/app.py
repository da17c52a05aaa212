"""Entry point: parses the command line, builds the object graph, starts the loop."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)

    # Commands that run without a window go to the CLI; everything else opens it.
    from spkey_desktop.cli import COMMAND_NAMES, run

    if any(arg in COMMAND_NAMES for arg in args if not arg.startswith("-")):
        return run(args)
    raise SystemExit("the window is not available yet")


if __name__ == "__main__":
    sys.exit(main())
