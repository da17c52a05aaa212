"""The API client stands on the ground floor: no Qt, no server, no upper floors."""

from __future__ import annotations

import subprocess
import sys

FORBIDDEN = (
    "PySide6",
    "qasync",
    "spkey_desktop.server",
    "spkey_desktop.ui",
    "spkey_desktop.services",
    "spkey_desktop.store",
)


def test_importing_the_client_pulls_in_nothing_above_it() -> None:
    probe = (
        "import sys, spkey_desktop.api; "
        f"print('\\n'.join(m for m in sys.modules if m.startswith({FORBIDDEN!r})))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == []
