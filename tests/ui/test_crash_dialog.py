"""Unexpected exceptions in a Qt slot, a window action and a thread reach the
problem dialog, and the report it copies is redacted."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterator

import pytest
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QPushButton
from pytestqt.qtbot import QtBot

from spkey_desktop import __version__
from spkey_desktop.api.redaction import RedactSecretsFilter
from spkey_desktop.crash_report import CrashHooks
from spkey_desktop.ui.crash_dialog import CrashDialog, CrashReporter
from tests.helpers.window_fixtures import WindowEnv, find_top_level

#: Distinctive, and shaped like no credential: only the redactor's list of
#: secrets can catch it.
SECRET = "fake-secret-Quokka-71c9e4d2"


@pytest.fixture
def crash_hooks(window_env: WindowEnv) -> Iterator[CrashReporter]:
    """The hooks as the session installs them, on the window's qasync loop."""
    redactor = RedactSecretsFilter()
    redactor.add_secrets(SECRET)
    reporter = CrashReporter()
    hooks = CrashHooks(redactor, reporter.show, extra={"Qt": "test"})
    hooks.install(asyncio.get_event_loop())
    yield reporter
    hooks.uninstall()
    if reporter.dialog is not None:
        reporter.dialog.close()


def open_dialog(qtbot: QtBot) -> CrashDialog:
    dialog: CrashDialog | None = None

    def shown() -> bool:
        nonlocal dialog
        dialog = find_top_level(CrashDialog)
        return dialog is not None

    qtbot.waitUntil(shown)
    assert dialog is not None
    return dialog


def copied_report(dialog: CrashDialog) -> str:
    QGuiApplication.clipboard().clear()
    dialog.copy_button.click()
    return QGuiApplication.clipboard().text()


def test_an_exception_in_a_slot_shows_the_dialog_and_copies_a_redacted_report(
    qtbot: QtBot,
    crash_hooks: CrashReporter,
    window_env: WindowEnv,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def save_settings() -> None:
        raise RuntimeError(f"could not save the key {SECRET}")

    button = QPushButton("Save", window_env.window)
    button.clicked.connect(save_settings)
    button.show()
    with caplog.at_level(logging.ERROR):
        button.click()
        dialog = open_dialog(qtbot)

    assert "RuntimeError" in dialog.sentence.text()
    assert "IT support" in dialog.sentence.text()
    report = copied_report(dialog)
    assert "Traceback (most recent call last)" in report
    assert "in save_settings" in report
    assert "RuntimeError: could not save the key [redacted]" in report
    assert f"spkey-desktop {__version__}" in report
    assert "Platform: " in report
    assert "Qt: test" in report
    assert SECRET not in report
    assert dialog.copy_button.text() == "Copied"
    # Logged with its context, redacted there too.
    assert "Unexpected error in the window (a Qt callback)" in caplog.text
    assert "in save_settings" in caplog.text
    assert SECRET not in caplog.text


def test_an_exception_in_a_window_action_shows_the_dialog(
    qtbot: QtBot, crash_hooks: CrashReporter, window_env: WindowEnv
) -> None:
    async def look_up() -> None:
        raise KeyError(f"user {SECRET}")

    window_env.window.run_task(look_up())
    dialog = open_dialog(qtbot)

    assert "KeyError in a window action" in dialog.sentence.text()
    report = copied_report(dialog)
    assert "in look_up" in report
    assert SECRET not in report
    assert "went wrong" in window_env.window.statusBar().currentMessage()


def test_an_exception_in_a_thread_shows_the_dialog(
    qtbot: QtBot, crash_hooks: CrashReporter, window_env: WindowEnv
) -> None:
    def work() -> None:
        raise OSError(f"disk full while writing {SECRET}")

    thread = threading.Thread(target=work, name="exporter")
    thread.start()
    thread.join()
    dialog = open_dialog(qtbot)

    assert "the background thread 'exporter'" in dialog.sentence.text()
    assert SECRET not in copied_report(dialog)


def test_repeated_problems_share_one_dialog(
    qtbot: QtBot, crash_hooks: CrashReporter, window_env: WindowEnv
) -> None:
    async def fail(n: int) -> None:
        raise ValueError(f"failure {n}")

    window_env.window.run_task(fail(1))
    dialog = open_dialog(qtbot)
    window_env.window.run_task(fail(2))
    qtbot.waitUntil(lambda: "2 times" in dialog.sentence.text())

    dialogs = [w for w in QGuiApplication.topLevelWindows() if w.isVisible()]
    assert len([d for d in dialogs if d.title() == dialog.windowTitle()]) == 1
    report = copied_report(dialog)
    assert "failure 1" in report
    assert "failure 2" in report

    dialog.reject()
    qtbot.waitUntil(lambda: crash_hooks.dialog is None)
    window_env.window.run_task(fail(3))
    again = open_dialog(qtbot)
    assert "failure 1" not in copied_report(again)
