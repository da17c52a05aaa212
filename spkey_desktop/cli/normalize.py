"""The `spkey-desktop normalize` command (being written)."""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(subparsers: Any) -> None:
    parser = subparsers.add_parser("normalize", help="(not available yet)")
    parser.set_defaults(func=_run)


def _run(args: argparse.Namespace) -> int:
    raise SystemExit("spkey-desktop normalize is not available yet")
