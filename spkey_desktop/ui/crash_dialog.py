"""The dialog for an unexpected problem: a plain sentence, the redacted report,
and a button that copies the report for IT.

One dialog at a time: problems that happen while it is open are added to it,
so a fault repeating in a loop does not bury the window under dialogs. It is
shown with ``open()``, never ``exec()``, so no nested event loop starts under
the running asyncio loop.
"""

from __future__ import annotations

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from spkey_desktop.crash_report import CrashReport

#: Reports kept in one dialog; older ones are still in the log file.
MAX_REPORTS = 20


class CrashDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("crashDialog")
        self.setWindowTitle("spkey-desktop: something went wrong")
        self.resize(640, 420)
        self._reports: list[CrashReport] = []

        self.sentence = QLabel(self)
        self.sentence.setObjectName("crashSentence")
        self.sentence.setWordWrap(True)
        self.details = QPlainTextEdit(self)
        self.details.setObjectName("crashDetails")
        self.details.setReadOnly(True)
        self.details.setAccessibleName("Problem report")
        self.copy_button = QPushButton("&Copy report", self)
        self.copy_button.setObjectName("copyReportButton")
        self.copy_button.setAccessibleName("Copy the problem report")
        self.copy_button.clicked.connect(self.copy_report)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.sentence)
        layout.addWidget(self.details, 1)
        layout.addWidget(buttons)

    def add(self, report: CrashReport) -> None:
        """Show ``report`` (and any earlier ones still open)."""
        self._reports = [*self._reports, report][-MAX_REPORTS:]
        count = len(self._reports)
        again = f" It has happened {count} times now." if count > 1 else ""
        self.sentence.setText(
            "spkey-desktop ran into a problem it did not expect "
            f"({report.error_type} in {report.where}).{again} What you were "
            "doing may not have finished: check it before trying again; what was "
            "already saved stays saved. If it keeps happening, copy the report "
            "and send it to your IT support; keys and tokens are left out of it."
        )
        self.details.setPlainText(self.report_text())
        self.copy_button.setText("&Copy report")

    def report_text(self) -> str:
        return "\n".join(report.text for report in self._reports)

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report_text())
        self.copy_button.setText("Copied")


class CrashReporter:
    """Shows each report in the one crash dialog, opening it when needed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        self._parent = parent
        self.dialog: CrashDialog | None = None

    def show(self, report: CrashReport) -> None:
        if self.dialog is None:
            self.dialog = CrashDialog(self._parent)
            self.dialog.finished.connect(self._closed)
        self.dialog.add(report)
        if not self.dialog.isVisible():
            self.dialog.open()

    def _closed(self, _result: int) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
            self.dialog = None
