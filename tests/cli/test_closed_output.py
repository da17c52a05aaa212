"""Every command stops quietly when its reader goes away (``| head -1``)."""

from __future__ import annotations

import subprocess
import sys


def test_diagnose_piped_into_a_reader_that_hangs_up_at_once(tmp_path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-m", "spkey_desktop", "--home", str(tmp_path), "diagnose"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None
    child.stdout.close()  # the reader is gone before the first line
    stderr = child.stderr.read() if child.stderr else b""
    status = child.wait(timeout=60)

    assert b"Traceback" not in stderr
    assert status == 141
