"""Awaitable dialogs for coroutines running on the qasync loop.

``QDialog.exec()`` inside a coroutine would start a nested Qt event loop under
the running asyncio loop and break it; these helpers show the dialog with
``open()`` (window-modal, non-blocking) and await its ``finished`` signal.
"""

from __future__ import annotations

import asyncio
import contextlib

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget


async def run_dialog(dialog: QDialog) -> int:
    """Open ``dialog`` and wait until it closes; returns its result code."""
    future: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def finished(result: int) -> None:
        if not future.done():
            future.set_result(result)

    dialog.finished.connect(finished)
    dialog.open()
    try:
        return await future
    finally:
        # The dialog may be gone already when its parent window closed first.
        with contextlib.suppress(RuntimeError):
            dialog.finished.disconnect(finished)


async def ask_yes_no(parent: QWidget, title: str, question: str) -> bool:
    """A Yes/No question whose default answer is No."""
    box = QMessageBox(
        QMessageBox.Icon.Question,
        title,
        question,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        parent,
    )
    box.setObjectName("confirmBox")
    # Questions name users and plates from the server: plain text, never HTML.
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setDefaultButton(QMessageBox.StandardButton.No)
    await run_dialog(box)
    answer = box.standardButton(box.clickedButton())
    box.deleteLater()
    return answer == QMessageBox.StandardButton.Yes


async def tell(parent: QWidget, title: str, text: str) -> None:
    """An information box, awaited until the operator closes it."""
    box = QMessageBox(QMessageBox.Icon.Information, title, text, parent=parent)
    box.setTextFormat(Qt.TextFormat.PlainText)
    await run_dialog(box)
    box.deleteLater()
