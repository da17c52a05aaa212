"""Standard output for commands whose reader may go away (``... | head -1``)."""

from __future__ import annotations

import contextlib
import io
import os
import sys

#: The status of a process whose output pipe was closed (128 + SIGPIPE).
EXIT_OUTPUT_CLOSED = 141


def discard_stdout() -> None:
    """Point standard output at the null device, so that what is still in its
    buffer does not fail again, with a traceback, when Python exits."""
    with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, sys.stdout.fileno())
        os.close(null)
