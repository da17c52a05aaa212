"""Keeping credentials out of log records and error text.

The client never logs a header, but other code might log an exception, a
request or a dictionary that holds one, and httpx/httpcore have debug logs of
their own. RedactSecretsFilter is the net under all of that: installed on a
logger it rewrites every record passing through, replacing the secret values it
has been told about, and anything shaped like a credential, with "[redacted]".
"""

from __future__ import annotations

import logging
import re
import threading
import traceback
from collections.abc import Iterable

REDACTED = "[redacted]"

#: Shorter values are not treated as secrets to scrub (see add_secrets).
MIN_SECRET_LENGTH = 6

LOGGER_NAME = "spkey_desktop.api"

# The loggers of the HTTP stack underneath the client. A filter on a logger only
# sees records created on that very logger, not those of its children, so each
# one is named.
HTTP_STACK_LOGGERS = (
    "httpx",
    "httpcore",
    "httpcore.connection",
    "httpcore.http11",
    "httpcore.http2",
    "httpcore.proxy",
    "httpcore.socks",
)

_PATTERNS = (
    # X-API-Key: value / 'x-api-key': 'value' / (b'x-api-key', b'value')
    re.compile(r"""(x-api-key['"]?\s*[:=,]\s*b?['"]?)([^\s'",)}\]]+)""", re.IGNORECASE),
    # Authorization: Bearer <token>
    re.compile(r"(bearer\s+)([A-Za-z0-9\-._~+/]+=*)", re.IGNORECASE),
    # Anything JWT-shaped, wherever it appears.
    re.compile(
        r"()(eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*)",
    ),
    # A 40-character key soon after the word "key" (api_key=…, "key": "…").
    re.compile(
        r"""(key[\s'"]{0,3}[:=]?[\s'"]{0,3}b?['"]?)([A-Za-z0-9]{40})(?![A-Za-z0-9])""",
        re.IGNORECASE,
    ),
)


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with the given secret values and credential-shaped strings
    replaced by "[redacted]"."""
    # Longest first, so a secret containing another is removed whole.
    for secret in sorted((s for s in secrets if s), key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


class RedactSecretsFilter(logging.Filter):
    """A logging filter that scrubs credentials from messages, arguments,
    exception text and stack text. It never drops a record.

    Secret values are added with ``add_secrets`` (the client does so with each
    credential it is handed); credential-shaped strings are caught without it.
    """

    def __init__(self, name: str = "") -> None:
        super().__init__(name)
        self._lock = threading.Lock()
        self._secrets: frozenset[str] = frozenset()

    def add_secrets(self, *values: str | None) -> None:
        # A value this short cannot be a working key or token, and replacing it
        # everywhere would make every log line unreadable.
        new = {v for v in values if v and len(v) >= MIN_SECRET_LENGTH}
        if new <= self._secrets:
            return
        with self._lock:
            self._secrets = self._secrets | new

    def redact(self, text: str) -> str:
        return redact_text(text, self._secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self._message(record)
        record.args = None

        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = "".join(traceback.format_exception(*record.exc_info))
            # The raw exception object would let a handler format it again
            # unredacted; the text above is what every formatter prints.
            record.exc_info = None
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text).rstrip("\n")
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True

    def _message(self, record: logging.LogRecord) -> str:
        try:
            return self.redact(record.getMessage())
        except Exception:
            # The arguments do not fit the format: keep each part, redacted.
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            parts = [str(record.msg), *(repr(a) for a in args)]
            return self.redact(" ".join(parts))


def install(
    redactor: RedactSecretsFilter, names: Iterable[str] = (LOGGER_NAME,)
) -> None:
    """Add ``redactor`` to the named loggers (once each)."""
    for name in names:
        logger = logging.getLogger(name)
        if redactor not in logger.filters:
            logger.addFilter(redactor)


def uninstall(
    redactor: RedactSecretsFilter, names: Iterable[str] = (LOGGER_NAME,)
) -> None:
    for name in names:
        logging.getLogger(name).removeFilter(redactor)
