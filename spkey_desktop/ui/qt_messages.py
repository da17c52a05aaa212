"""Qt's own messages go to the app's log instead of the terminal.

Qt prints warnings of its own (an off-screen render: "This plugin does not
support propagateSizeHints()"), which mean nothing to an operator. They go to the
log file at info level, and only Qt's critical messages reach the terminal.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QMessageLogContext, QtMsgType, qInstallMessageHandler

log = logging.getLogger("spkey_desktop.qt")

_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.DEBUG,
    QtMsgType.QtWarningMsg: logging.INFO,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}


def _forward(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    log.log(_LEVELS.get(kind, logging.INFO), "%s", message)


def route_qt_messages_to_log() -> None:
    qInstallMessageHandler(_forward)
