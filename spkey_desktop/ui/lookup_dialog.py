"""Find a user by e-mail or phone and add them to the roster.

A lookup never creates anyone: if nobody matches, the dialog says so and offers
"Create user…" as a separate, explicit action with its own confirmation.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from spkey_desktop.api.errors import ApiError, NotFoundError
from spkey_desktop.services.roster_service import RosterService, looks_like_email
from spkey_desktop.store.roster import RosterUser

log = logging.getLogger(__name__)


class LookupDialog(QDialog):
    def __init__(self, service: RosterService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._service = service
        self._task: asyncio.Task[None] | None = None
        self.added_user: RosterUser | None = None
        self.setWindowTitle("Look up user")
        self.setObjectName("lookupDialog")

        self.query_edit = QLineEdit(self)
        self.query_edit.setObjectName("queryEdit")
        self.query_edit.setAccessibleName("E-mail or phone number")
        self.query_edit.setPlaceholderText("name@example.com or +48 123 456 789")
        self.first_name_edit = QLineEdit(self)
        self.first_name_edit.setAccessibleName("First name for a new user")
        self.last_name_edit = QLineEdit(self)
        self.last_name_edit.setAccessibleName("Last name for a new user")
        self.message_label = QLabel(self)
        self.message_label.setObjectName("lookupMessage")
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)

        self.find_button = QPushButton("&Find", self)
        self.find_button.setObjectName("findButton")
        self.find_button.setDefault(True)
        self.create_button = QPushButton("&Create user…", self)
        self.create_button.setObjectName("createUserButton")
        self.create_button.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.addButton(self.find_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.create_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("&E-mail or phone:", self.query_edit)
        self.new_user_form = QWidget(self)
        new_user_layout = QFormLayout(self.new_user_form)
        new_user_layout.setContentsMargins(0, 0, 0, 0)
        new_user_layout.addRow("&First name:", self.first_name_edit)
        new_user_layout.addRow("La&st name:", self.last_name_edit)
        self.new_user_form.hide()

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message_label)
        layout.addWidget(self.new_user_form)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)

        self.find_button.clicked.connect(lambda: self._start(self._find()))
        self.create_button.clicked.connect(self._on_create_clicked)
        self.query_edit.textChanged.connect(self._on_query_changed)
        self._on_query_changed()

    def _on_query_changed(self) -> None:
        self.find_button.setEnabled(bool(self.query_edit.text().strip()))
        self.create_button.hide()
        self.new_user_form.hide()

    def _start(self, coro: Coroutine[Any, Any, None]) -> None:
        if self._task is not None:
            return
        self._set_busy(True)
        self._task = asyncio.ensure_future(coro)
        self._task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._task = None
        self._set_busy(False)
        if not task.cancelled() and task.exception() is not None:
            error = task.exception()
            if isinstance(error, ApiError):
                self.message_label.setText(error.user_message)
            else:
                log.error("Lookup failed unexpectedly", exc_info=error)
                self.message_label.setText(
                    "Something unexpected went wrong; see the log (Help menu)."
                )

    def _set_busy(self, busy: bool) -> None:
        self.find_button.setEnabled(not busy and bool(self.query_edit.text().strip()))
        self.create_button.setEnabled(not busy)
        self.query_edit.setReadOnly(busy)
        if busy:
            self.message_label.setText("Looking up…")

    async def _find(self) -> None:
        query = self.query_edit.text().strip()
        try:
            found = await self._service.find_user(query)
        except NotFoundError:
            kind = "e-mail address" if looks_like_email(query) else "phone number"
            self.message_label.setText(
                f"Nobody in your organization has the {kind} {query}. Check it, or "
                "create a new user with it."
            )
            self.create_button.show()
            return
        self.added_user = await self._service.add_to_roster(found.uuid)
        self.accept()

    def _on_create_clicked(self) -> None:
        if self.new_user_form.isHidden():
            # First press shows the name fields; the second press creates.
            self.new_user_form.show()
            self.create_button.setText("C&onfirm: create user")
            self.first_name_edit.setFocus()
            return
        self._start(self._create())

    async def _create(self) -> None:
        query = self.query_edit.text().strip()
        is_email = looks_like_email(query)
        self.added_user = await self._service.create_user(
            email=query if is_email else "",
            phone="" if is_email else query,
            first_name=self.first_name_edit.text().strip(),
            last_name=self.last_name_edit.text().strip(),
        )
        self.accept()

    def reject(self) -> None:
        """Close, stopping a lookup in progress; its outcome is no longer shown
        (the dialog may be deleted by the time the cancelled task finishes)."""
        if self._task is not None:
            self._task.remove_done_callback(self._finished)
            self._task.cancel()
            self._task = None
        super().reject()
