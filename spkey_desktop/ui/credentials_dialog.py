"""Enter or replace a connection profile's API key and token.

Opened when the server answers 401/403 (with the server's reason) or from the
Connection menu. Secrets go to the OS keychain through an executor; when there is
no keychain, the dialog says so and offers to keep them for this session only.
They are never written anywhere else.
"""

from __future__ import annotations

import asyncio
import logging

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

from spkey_desktop.credentials import (
    CredentialError,
    CredentialKind,
    KeychainUnavailableError,
    SecretStore,
    clean_secret,
    secret_problem,
)
from spkey_desktop.services.active_credentials import ActiveCredentials

log = logging.getLogger(__name__)

_FIELD_NAMES: dict[CredentialKind, str] = {"api_key": "API key", "jwt": "Token (JWT)"}


class CredentialsDialog(QDialog):
    """Asks for the secrets a profile sends, and saves them."""

    def __init__(
        self,
        profile_name: str,
        kinds: tuple[CredentialKind, ...],
        keychain: SecretStore,
        session_store: SecretStore,
        active: ActiveCredentials,
        reason: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._profile = profile_name
        self._keychain = keychain
        self._session_store = session_store
        self._active = active
        self._task: asyncio.Task[None] | None = None
        self.saved = False
        self.setWindowTitle(f"Credentials for {profile_name}")
        self.setObjectName("credentialsDialog")

        self.reason_label = QLabel(reason, self)
        self.reason_label.setObjectName("reasonLabel")
        self.reason_label.setWordWrap(True)
        self.reason_label.setTextFormat(Qt.TextFormat.PlainText)
        self.reason_label.setVisible(bool(reason))
        self.message_label = QLabel(self)
        self.message_label.setObjectName("credentialsMessage")
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)

        form = QFormLayout()
        self.edits: dict[CredentialKind, QLineEdit] = {}
        for kind in kinds:
            edit = QLineEdit(self)
            edit.setObjectName(f"{kind}Edit")
            edit.setEchoMode(QLineEdit.EchoMode.Password)
            edit.setAccessibleName(_FIELD_NAMES[kind])
            edit.textChanged.connect(self._update_buttons)
            form.addRow(f"&{_FIELD_NAMES[kind]}:", edit)
            self.edits[kind] = edit

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save
            | QDialogButtonBox.StandardButton.Cancel,
            self,
        )
        self.save_button = self.buttons.button(QDialogButtonBox.StandardButton.Save)
        self.save_button.setObjectName("saveCredentialsButton")
        self.session_button = QPushButton("Keep for this &session only", self)
        self.session_button.setObjectName("sessionOnlyButton")
        self.buttons.addButton(
            self.session_button, QDialogButtonBox.ButtonRole.ActionRole
        )
        self.session_button.hide()  # after addButton, which shows it
        self.buttons.accepted.connect(lambda: self._start(self._keychain))
        self.buttons.rejected.connect(self.reject)
        self.session_button.clicked.connect(lambda: self._start(self._session_store))

        layout = QVBoxLayout(self)
        layout.addWidget(self.reason_label)
        layout.addLayout(form)
        layout.addWidget(self.message_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)
        self._update_buttons()

    def _secrets(self) -> dict[CredentialKind, str]:
        # A key pasted from a file may carry a byte-order mark or a line break.
        return {kind: clean_secret(edit.text()) for kind, edit in self.edits.items()}

    def _update_buttons(self) -> None:
        complete = all(self._secrets().values())
        self.save_button.setEnabled(complete and self._task is None)
        self.session_button.setEnabled(complete and self._task is None)

    def _start(self, store: SecretStore) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(self._save(store))
            self._update_buttons()

    async def _save(self, store: SecretStore) -> None:
        self.message_label.setText("Saving…")
        try:
            problems = [secret_problem(k, v) for k, v in self._secrets().items()]
            problem = next((p for p in problems if p), None)
            if problem is not None:
                self.message_label.setText(problem)
                return
            await self._active.save(store, self._profile, self._secrets())
        except KeychainUnavailableError as error:
            self.message_label.setText(str(error))
            self.session_button.show()
            return
        except CredentialError as error:
            self.message_label.setText(str(error))
            return
        finally:
            self._task = None
            self._update_buttons()
        self.saved = True
        where = "in the keychain" if store is self._keychain else "for this session"
        log.info("Saved credentials for profile %s %s", self._profile, where)
        self.accept()

    def reject(self) -> None:
        """Cancel and Escape do nothing while saving: a keychain write cannot be
        taken back halfway, and the dialog must not claim "not saved" after it."""
        if self._task is not None:
            self.message_label.setText("Saving… one moment.")
            return
        super().reject()
