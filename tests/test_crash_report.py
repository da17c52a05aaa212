"""Crash hooks without a window: what is reported, what is left alone, and that
uninstalling puts back what was there."""

from __future__ import annotations

import asyncio
import logging
import sys
import threading

import pytest

from spkey_desktop.api.redaction import RedactSecretsFilter
from spkey_desktop.crash_report import CrashHooks, CrashReport, ExcInfo, build_report

JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLXZhbHVl"


def raised(error: Exception) -> ExcInfo:
    try:
        raise error
    except Exception as caught:
        return type(caught), caught, caught.__traceback__


def test_a_report_redacts_credential_shapes_it_was_never_told_about() -> None:
    exc_info = raised(PermissionError(f"Authorization: Bearer {JWT}"))
    report = build_report(exc_info, "somewhere", RedactSecretsFilter())
    assert JWT not in report.text
    assert "PermissionError: Authorization: Bearer [redacted]" in report.text
    assert report.error_type == "PermissionError"
    assert report.where == "somewhere"


async def test_install_and_uninstall_put_back_the_previous_hooks() -> None:
    loop = asyncio.get_running_loop()
    before = (sys.excepthook, threading.excepthook, loop.get_exception_handler())
    hooks = CrashHooks(RedactSecretsFilter(), lambda report: None)

    hooks.install(loop)
    assert sys.excepthook != before[0]
    assert threading.excepthook != before[1]
    assert loop.get_exception_handler() is not None
    hooks.uninstall()

    assert (sys.excepthook, threading.excepthook, loop.get_exception_handler()) == (
        before
    )


async def test_what_reaches_the_operator_and_what_does_not(
    caplog: pytest.LogCaptureFixture,
) -> None:
    loop = asyncio.get_running_loop()
    reports: list[CrashReport] = []
    delivered = asyncio.Event()

    def on_crash(report: CrashReport) -> None:
        reports.append(report)
        delivered.set()

    hooks = CrashHooks(RedactSecretsFilter(), on_crash)
    hooks.install(loop)
    try:
        with caplog.at_level(logging.ERROR):
            # A message without an exception stays in the log.
            loop.call_exception_handler({"message": "Unclosed connection"})
            # A thread ending with SystemExit is no problem.
            thread = threading.Thread(target=sys.exit)
            thread.start()
            thread.join()
            # An exception in a plain callback is.
            loop.call_soon(int, "not a number")
            async with asyncio.timeout(5):
                await delivered.wait()
    finally:
        hooks.uninstall()

    assert [r.error_type for r in reports] == ["ValueError"]
    assert "Unclosed connection" in caplog.text
    assert "Unexpected error in Exception in callback" in caplog.text
