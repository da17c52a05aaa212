"""Where the app's log goes: a rotating file under the platform's log folder.

Routine steps are logged at debug, what an operator did at info, and only what
needs attention at warning. Every record passes a redaction filter on the
handlers themselves, so a secret cannot reach a log file from any logger, even
one that is not the API client's.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from spkey_desktop.api.redaction import RedactSecretsFilter

LOG_FILE_NAME = "spkey-desktop.log"
MAX_LOG_BYTES = 1_000_000
KEPT_LOG_FILES = 5


def configure_logging(log_dir: Path, redactor: RedactSecretsFilter) -> Path:
    """Send records to a rotating log file and warnings to standard error."""
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / LOG_FILE_NAME
    # Logs name users and plates: readable by the operator only.
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    file_handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=MAX_LOG_BYTES, backupCount=KEPT_LOG_FILES, encoding="utf-8"
    )
    file_handler.setLevel(logging.DEBUG)
    file_handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    )
    console = logging.StreamHandler()
    console.setLevel(logging.WARNING)
    console.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    for handler in (file_handler, console):
        handler.addFilter(redactor)

    root = logging.getLogger()
    root.setLevel(logging.INFO)
    root.addHandler(file_handler)
    root.addHandler(console)
    # The app's own debug records help later; other libraries' do not, and some
    # (qasync logs every executor result) would carry a secret read from the
    # keychain before the redactor has learnt it.
    logging.getLogger("spkey_desktop").setLevel(logging.DEBUG)
    for noisy in ("qasync", "httpcore", "keyring"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return path
