"""One running app per data folder: a second start brings the first window forward.

Two windows on one data folder would each send the same outbox and overwrite
each other's roster. So the first app to start on a folder holds a lock file
in it and listens on a local socket named after the folder; a later start on
the same folder finds the lock taken, asks the first app (through the socket)
to bring its window forward, and exits.

A crash leaves both behind. The lock is then taken over, because Qt's
QLockFile checks whether the process that wrote it is still running; the
socket is removed before listening anew. So a crash never blocks the next
start, while a lock held by a live app is never declared stale by age.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, Qt
from PySide6.QtNetwork import QLocalServer, QLocalSocket
from PySide6.QtWidgets import QApplication, QMainWindow

log = logging.getLogger(__name__)

LOCK_FILE = "spkey-desktop.lock"
ACTIVATE = b"activate\n"


def socket_name(data_dir: Path) -> str:
    """The local socket's name for a data folder: the same for every spelling
    of the same folder, short enough for any platform."""
    digest = hashlib.sha256(str(data_dir.resolve()).encode("utf-8")).hexdigest()
    return f"spkey-desktop-{digest[:24]}"


class SingleInstance(QObject):
    """The lock and the socket of one data folder."""

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = socket_name(data_dir)
        self._lock = QLockFile(str(data_dir / LOCK_FILE))
        # Stale only when its process is gone, never because it is old.
        self._lock.setStaleLockTime(0)
        self._server: QLocalServer | None = None
        self._on_activate: Callable[[], None] = lambda: None

    def acquire(self) -> bool:
        """True if this is the first app on the folder; it then listens for
        later starts (see :meth:`on_activate`)."""
        if not self._lock.tryLock(0):
            return False
        QLocalServer.removeServer(self.name)  # a socket left by a crash
        server = QLocalServer(self)
        server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        if not server.listen(self.name):
            # The app runs all the same; a second start just cannot reach it.
            log.warning(
                "Cannot listen on %s for later starts: %s",
                self.name,
                server.errorString(),
            )
        server.newConnection.connect(self._accept)
        self._server = server
        return True

    def on_activate(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` when a later start asks for the window."""
        self._on_activate = callback

    def activate_first(self, timeout_ms: int = 5000) -> bool:
        """Ask the app holding the folder to bring its window forward."""
        socket = QLocalSocket()  # ours alone: gone when this returns
        socket.connectToServer(self.name)
        if not socket.waitForConnected(timeout_ms):
            log.warning("No answer from the running app: %s", socket.errorString())
            return False
        socket.write(ACTIVATE)
        sent = socket.waitForBytesWritten(timeout_ms)
        socket.disconnectFromServer()
        return sent

    def release(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        self._lock.unlock()

    # Slots are methods, not lambdas holding ``self``: a lambda kept by a
    # child's signal makes a reference cycle, and the garbage collector may
    # then delete this object (and the sockets under it) while Qt is
    # delivering an event to one of them.

    def _accept(self) -> None:
        assert self._server is not None
        while (connection := self._server.nextPendingConnection()) is not None:
            connection.readyRead.connect(self._read)
            connection.disconnected.connect(connection.deleteLater)

    def _read(self) -> None:
        connection = self.sender()
        if not isinstance(connection, QLocalSocket):
            return
        if bytes(connection.readAll().data()).startswith(ACTIVATE.strip()):
            log.debug("Another start on this data folder: showing the window")
            self._on_activate()


def bring_forward(app: QApplication) -> None:
    """Show the app's main window on top: restored if minimized, activated."""
    for widget in app.topLevelWidgets():
        if isinstance(widget, QMainWindow) and widget.isVisible():
            if widget.windowState() & Qt.WindowState.WindowMinimized:
                widget.showNormal()
            widget.raise_()
            widget.activateWindow()
            return
