"""Unexpected exceptions: logged with their context and turned into a report.

Whatever escapes the app's own handling ends up in one of three places: a Qt
slot or a Python callback on the main thread (``sys.excepthook``), another
thread (``threading.excepthook``), or the asyncio loop (its exception handler,
which also receives the failures of window actions). ``CrashHooks`` takes over
all three: it logs the exception with where it happened, and hands a
``CrashReport`` to a callback on the event loop, which shows it.

The report is what the operator may copy and send to IT: version, platform and
the traceback, passed through the redactor, so no credential the app has seen
(nor anything shaped like one) can be in it. No Qt in here; the dialog is in
``ui/crash_dialog.py``.
"""

from __future__ import annotations

import asyncio
import logging
import platform
import sys
import threading
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from spkey_desktop import __version__
from spkey_desktop.api.redaction import RedactSecretsFilter

log = logging.getLogger(__name__)

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


@dataclass(frozen=True, slots=True)
class CrashReport:
    """One unexpected exception: where, what kind, and the redacted report."""

    where: str
    error_type: str
    text: str


def build_report(
    exc_info: ExcInfo,
    where: str,
    redactor: RedactSecretsFilter,
    extra: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> CrashReport:
    """The redacted report for ``exc_info``, raised in ``where``."""
    moment = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M:%S UTC")
    facts = {
        "Version": f"spkey-desktop {__version__}",
        "When": moment,
        "Where": where,
        "Platform": platform.platform(),
        "Python": f"{platform.python_version()} ({platform.python_implementation()})",
        **(extra or {}),
    }
    head = "\n".join(f"{name}: {value}" for name, value in facts.items())
    trace = "".join(traceback.format_exception(*exc_info))
    text = f"spkey-desktop problem report\n{head}\n\n{trace}"
    return CrashReport(
        where=redactor.redact(where),
        error_type=exc_info[0].__name__,
        text=redactor.redact(text).rstrip("\n") + "\n",
    )


class CrashHooks:
    """Installs the three hooks; ``on_crash`` is called on the event loop."""

    def __init__(
        self,
        redactor: RedactSecretsFilter,
        on_crash: Callable[[CrashReport], None],
        extra: Mapping[str, str] | None = None,
    ) -> None:
        self._redactor = redactor
        self._on_crash = on_crash
        self._extra = dict(extra or {})
        self._loop: asyncio.AbstractEventLoop | None = None
        self._previous_sys_hook: Any = None
        self._previous_thread_hook: Any = None
        self._previous_loop_handler: Any = None

    def install(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._previous_sys_hook = sys.excepthook
        self._previous_thread_hook = threading.excepthook
        self._previous_loop_handler = loop.get_exception_handler()
        sys.excepthook = self._sys_hook
        threading.excepthook = self._thread_hook
        loop.set_exception_handler(self._loop_handler)

    def uninstall(self) -> None:
        """Put back what was there before ``install``."""
        if self._loop is None:
            return
        if sys.excepthook == self._sys_hook:
            sys.excepthook = self._previous_sys_hook
        if threading.excepthook == self._thread_hook:
            threading.excepthook = self._previous_thread_hook
        if not self._loop.is_closed():
            self._loop.set_exception_handler(self._previous_loop_handler)
        self._loop = None

    def report(self, exc_info: ExcInfo, where: str) -> None:
        """Log the exception and pass its report to ``on_crash`` on the loop."""
        report = build_report(exc_info, where, self._redactor, self._extra)
        # The redacted text, not the exception: every handler, even one without
        # the redaction filter, gets nothing secret.
        log.error("Unexpected error in %s\n%s", report.where, report.text)
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        loop.call_soon_threadsafe(self._deliver, report)

    def _deliver(self, report: CrashReport) -> None:
        try:
            self._on_crash(report)
        except Exception:
            # Reporting must not report itself: a failing dialog is only logged.
            log.exception("Could not show the problem report")

    # -- the hooks --------------------------------------------------------------

    def _sys_hook(
        self,
        exc_type: type[BaseException],
        exc: BaseException,
        tb: TracebackType | None,
    ) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            self._previous_sys_hook(exc_type, exc, tb)
            return
        self.report((exc_type, exc, tb), "the window (a Qt callback)")

    def _thread_hook(self, args: threading.ExceptHookArgs) -> None:
        if args.exc_type is SystemExit or args.exc_value is None:
            return
        name = args.thread.name if args.thread is not None else "a worker"
        exc_info = (args.exc_type, args.exc_value, args.exc_traceback)
        self.report(exc_info, f"the background thread {name!r}")

    def _loop_handler(
        self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]
    ) -> None:
        error = context.get("exception")
        if not isinstance(error, Exception):
            # A message without an exception (an unclosed resource and the
            # like) is for the log, not for the operator.
            loop.default_exception_handler(context)
            return
        self.report((type(error), error, error.__traceback__), _where(context))


def _where(context: Mapping[str, Any]) -> str:
    """ "an asyncio task (MainWindow._add_plate)" and the like."""
    task = context.get("task") or context.get("future")
    coroutine = getattr(task, "get_coro", lambda: None)()
    name = getattr(coroutine, "__qualname__", None)
    message = str(context.get("message") or "the event loop")
    return f"{message} ({name})" if name else message
