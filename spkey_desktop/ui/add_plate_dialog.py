"""The add-plate dialog: live canonical preview, collision warnings, async submit.

While the operator types, the preview shows exactly what will be stored, what was
changed in what they typed, and every warning from the plate rules and the roster,
all computed locally on each keystroke (no network). Add sends the canonical
plate; the dialog stays responsive, can cancel the request, and on failure keeps
the input and shows the error sentence.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Awaitable, Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from spkey_desktop.api.errors import ApiError, ForbiddenError, UnauthorizedError
from spkey_desktop.plates import CanonicalPlate, Collision, CollisionKind, canonicalize
from spkey_desktop.services.roster_service import PlateChange
from spkey_desktop.store.roster import RosterUser

log = logging.getLogger(__name__)

SubmitPlate = Callable[[RosterUser, str, str], Awaitable[PlateChange]]
CheckPlate = Callable[[str, str], tuple[Collision, ...]]


class AddPlateDialog(QDialog):
    """Ask for a plate and label for one user, and add it."""

    #: The server answered 401/403: the window asks for new credentials; the
    #: dialog stays open so the operator can press Add again afterwards.
    credentials_rejected = Signal(object)
    #: The operator stopped a request that may already have reached the server.
    cancelled_while_sending = Signal(object)

    def __init__(
        self,
        user: RosterUser,
        check_plate: CheckPlate,
        submit: SubmitPlate,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._user = user
        self._check_plate = check_plate
        self._submit = submit
        self._canonical: CanonicalPlate = canonicalize("")
        self._task: asyncio.Task[PlateChange] | None = None
        self.result_change: PlateChange | None = None

        self.setWindowTitle(f"Add plate for {user.display_name}")
        self.setObjectName("addPlateDialog")
        self._build()
        self._update_preview()
        self.plate_edit.setFocus()

    # -- layout --------------------------------------------------------------

    def _build(self) -> None:
        self.plate_edit = QLineEdit(self)
        self.plate_edit.setObjectName("plateEdit")
        self.plate_edit.setPlaceholderText("as written on the plate, e.g. WX 12345")
        self.plate_edit.setAccessibleName("Plate")
        self.label_edit = QLineEdit(self)
        self.label_edit.setObjectName("labelEdit")
        self.label_edit.setPlaceholderText("optional, e.g. Company car")
        self.label_edit.setAccessibleName("Label")

        self.preview_label = QLabel(self)
        self.preview_label.setObjectName("previewLabel")
        self.preview_label.setAccessibleName("Plate that will be stored")
        font = QFont("monospace")
        font.setStyleHint(QFont.StyleHint.Monospace)
        font.setPointSize(font.pointSize() + 6)
        font.setBold(True)
        self.preview_label.setFont(font)
        self.preview_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
        )
        self.changes_label = QLabel(self)
        self.changes_label.setObjectName("changesLabel")
        self.changes_label.setAccessibleName("Changes made to what was typed")
        self.changes_label.setWordWrap(True)
        self.warnings_label = QLabel(self)
        self.warnings_label.setObjectName("warningsLabel")
        self.warnings_label.setAccessibleName("Warnings")
        self.warnings_label.setWordWrap(True)
        self.warnings_label.setStyleSheet("color: #9a4d00;")
        self.error_label = QLabel(self)
        # Error sentences may quote the server: never interpret them as HTML.
        self.error_label.setTextFormat(Qt.TextFormat.PlainText)
        self.error_label.setObjectName("errorLabel")
        self.error_label.setAccessibleName("Error")
        self.error_label.setWordWrap(True)
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.hide()
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName("Adding plate")
        self.progress.hide()

        form = QFormLayout()
        form.addRow("&Plate:", self.plate_edit)
        form.addRow("&Label:", self.label_edit)
        form.addRow("Will be stored as:", self.preview_label)

        self.buttons = QDialogButtonBox(self)
        self.add_button = QPushButton("&Add", self)
        self.add_button.setObjectName("addButton")
        self.add_button.setDefault(True)
        self.add_button.setAutoDefault(True)
        self.buttons.addButton(self.add_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(
            QDialogButtonBox.StandardButton.Cancel
        )
        self.cancel_button.setObjectName("cancelButton")

        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(f"User: <b>{html.escape(self._user.display_name)}</b>"))
        layout.addLayout(form)
        layout.addWidget(self.changes_label)
        layout.addWidget(self.warnings_label)
        layout.addWidget(self.error_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)

        self.plate_edit.textChanged.connect(self._update_preview)
        self.add_button.clicked.connect(self.submit)
        self.cancel_button.clicked.connect(self.reject)

    # -- preview -------------------------------------------------------------

    @property
    def canonical(self) -> CanonicalPlate:
        return self._canonical

    def _update_preview(self) -> None:
        self._canonical = canonical = canonicalize(self.plate_edit.text())
        self.error_label.hide()
        collisions = (
            self._check_plate(canonical.plate, self._user.user_id)
            if canonical.valid
            else ()
        )
        self.preview_label.setText(canonical.plate or "—")
        self.changes_label.setText(_bullets("Changed", canonical.changes))
        warnings = list(canonical.warnings) + [c.message for c in collisions]
        if not canonical.valid and self.plate_edit.text():
            warnings.insert(0, canonical.error or "This is not a plate.")
        self.warnings_label.setText(_bullets("Check", warnings))
        # Blocked only by the very same stored form: a plate stored in a form
        # cameras cannot read must stay fixable by adding the canonical one.
        already_here = any(
            c.kind is CollisionKind.ALREADY_ON_THIS_USER and c.plate == canonical.plate
            for c in collisions
        )
        self.add_button.setEnabled(
            canonical.valid and not already_here and self._task is None
        )

    # -- submit --------------------------------------------------------------

    def submit(self) -> None:
        """Send the canonical plate (Enter or the Add button)."""
        if self._task is not None or not self.add_button.isEnabled():
            return
        self._task = asyncio.ensure_future(
            self._submit(self._user, self._canonical.plate, self.label_edit.text())
        )
        self._set_working(True)
        self._task.add_done_callback(self._on_submitted)

    def _on_submitted(self, task: asyncio.Task[PlateChange]) -> None:
        self._task = None
        self._set_working(False)
        if task.cancelled():
            self._show_error(
                "Stopped waiting for the server. If the request had already reached "
                "it, the plate may have been added: the user's plates are reloaded."
            )
            self.cancelled_while_sending.emit(self._user)
            return
        error = task.exception()
        if error is None:
            self.result_change = task.result()
            self.accept()
            return
        if isinstance(error, ApiError):
            self._show_error(error.user_message)
            if isinstance(error, UnauthorizedError | ForbiddenError):
                self.credentials_rejected.emit(error)
            return
        log.error("Adding a plate failed unexpectedly", exc_info=error)
        self._show_error(
            "Something unexpected went wrong; the plate may not have been added. "
            "Check the user's plates, and see the log (Help menu) for details."
        )

    def _set_working(self, working: bool) -> None:
        self.progress.setVisible(working)
        self.plate_edit.setReadOnly(working)
        self.label_edit.setReadOnly(working)
        self.add_button.setEnabled(not working and self._canonical.valid)
        self.cancel_button.setText("Stop" if working else "Cancel")
        if working:
            self.error_label.hide()
        else:
            self._update_preview()

    def _show_error(self, message: str) -> None:
        self.error_label.setText(message)
        self.error_label.show()
        self.plate_edit.setFocus()

    def reject(self) -> None:
        """Cancel stops a running request first; a second Cancel closes."""
        if self._task is not None:
            self._task.cancel()
            return
        super().reject()

    def is_working(self) -> bool:
        return self._task is not None


def _bullets(title: str, lines: list[str] | tuple[str, ...]) -> str:
    if not lines:
        return ""
    items = "".join(f"<li>{html.escape(line)}</li>" for line in lines)
    return f"{title}:<ul style='margin:0'>{items}</ul>"
