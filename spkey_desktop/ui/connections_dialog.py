"""Choose, add, edit or remove connection profiles (File → Connections…).

A profile is a name, the server's base address, which credentials it gets and an
optional CA bundle; it is saved in the settings file. Its secrets are not: after
saving a profile whose secrets the keychain does not have yet, the window asks
for them in the credentials dialog.

A profile also has a roster file on this computer (store/profile_data.py). The
dialog only decides what happens to it; the window session does it once the
dialog has closed (and once the file is closed, if it is the open profile's):
``cleared`` names the profiles whose file and secrets go (removed ones, and the
name a new or renamed profile takes, which an earlier one may have left a file
under), ``renamed`` the profile whose file follows it to its new name. Before
the file of a profile goes with changes not yet sent to the server in it, the
dialog asks, saying how many and how to keep them.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from spkey_desktop.settings import (
    AUTH_METHODS,
    PRESETS,
    AuthMethod,
    ConnectionProfile,
    Settings,
)
from spkey_desktop.store.profile_data import ProfileData, unsent_summary

#: What a profile keeps on this computer, by name (``store.profile_data.local_data``
#: with the app's folders).
LocalData = Callable[[str], ProfileData]

NEW_PROFILE = "New connection…"
_AUTH_LABELS: dict[AuthMethod, str] = {
    "api_key": "Organization API key",
    "jwt": "Token (JWT)",
    "both": "API key and token",
}


class ConnectionsDialog(QDialog):
    """Edits the profiles of ``settings``; ``result_settings`` holds the outcome."""

    def __init__(
        self,
        settings: Settings,
        current: str | None,
        parent: QWidget | None = None,
        *,
        local_data: LocalData | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Connections")
        self.setObjectName("connectionsDialog")
        self._settings = settings
        self._local_data = local_data
        self.result_settings: Settings | None = None
        self.chosen: ConnectionProfile | None = None
        #: Profiles whose roster file and secrets are to be deleted.
        self.cleared: list[str] = []
        #: (old name, new name) of the profile renamed: its roster file follows.
        self.renamed: tuple[str, str] | None = None
        self.question: QMessageBox | None = None

        self.profile_combo = QComboBox(self)
        self.profile_combo.setObjectName("profileCombo")
        self.profile_combo.setAccessibleName("Connection profile")
        self.name_edit = QLineEdit(self)
        self.name_edit.setObjectName("profileNameEdit")
        self.name_edit.setAccessibleName("Profile name")
        self.url_combo = QComboBox(self)
        self.url_combo.setObjectName("urlCombo")
        self.url_combo.setEditable(True)
        self.url_combo.setAccessibleName("Server address")
        for preset in PRESETS:
            self.url_combo.addItem(preset.base_url)
        self.auth_combo = QComboBox(self)
        self.auth_combo.setObjectName("authCombo")
        self.auth_combo.setAccessibleName("Credentials sent")
        for method in AUTH_METHODS:
            self.auth_combo.addItem(_AUTH_LABELS[method], method)
        self.ca_edit = QLineEdit(self)
        self.ca_edit.setObjectName("caBundleEdit")
        self.ca_edit.setAccessibleName("CA bundle file")
        self.ca_edit.setPlaceholderText("optional: PEM file of extra trusted CAs")
        browse = QPushButton("&Browse…", self)
        browse.clicked.connect(self._browse_ca)
        ca_row = QHBoxLayout()
        ca_row.addWidget(self.ca_edit)
        ca_row.addWidget(browse)
        self.message_label = QLabel(self)
        self.message_label.setObjectName("connectionsMessage")
        self.message_label.setWordWrap(True)
        self.message_label.setTextFormat(Qt.TextFormat.PlainText)
        self.message_label.setStyleSheet("color: #b00020;")

        form = QFormLayout()
        form.addRow("&Profile:", self.profile_combo)
        form.addRow("&Name:", self.name_edit)
        form.addRow("&Server address:", self.url_combo)
        form.addRow("Cre&dentials:", self.auth_combo)
        form.addRow("&CA bundle:", ca_row)

        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel, self)
        self.connect_button = QPushButton("Save and c&onnect", self)
        self.connect_button.setObjectName("connectButton")
        self.connect_button.setDefault(True)
        self.remove_button = QPushButton("&Remove profile", self)
        self.remove_button.setObjectName("removeProfileButton")
        self.buttons.addButton(
            self.connect_button, QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.buttons.addButton(
            self.remove_button, QDialogButtonBox.ButtonRole.DestructiveRole
        )
        self.connect_button.clicked.connect(self._save_and_connect)
        self.remove_button.clicked.connect(self._remove)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message_label)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(520)

        self.profile_combo.currentIndexChanged.connect(self._show_selected)
        self._fill_profiles(current)

    def _fill_profiles(self, current: str | None) -> None:
        self.profile_combo.blockSignals(True)
        self.profile_combo.clear()
        for profile in self._settings.profiles:
            self.profile_combo.addItem(profile.name, profile.name)
        self.profile_combo.addItem(NEW_PROFILE, None)
        index = self.profile_combo.findData(current) if current else -1
        self.profile_combo.setCurrentIndex(max(index, 0))
        self.profile_combo.blockSignals(False)
        self._show_selected()

    def _show_selected(self) -> None:
        name = self.profile_combo.currentData()
        profile = self._settings.profile(name) if name else None
        self.remove_button.setEnabled(profile is not None)
        self.message_label.clear()
        if profile is None:
            preset = PRESETS[0]
            unused = not self._settings.profile(preset.name)
            self.name_edit.setText(preset.name if unused else "")
            self.url_combo.setEditText(preset.base_url)
            self.auth_combo.setCurrentIndex(self.auth_combo.findData(preset.auth))
            self.ca_edit.clear()
            self.name_edit.setFocus()
            return
        self.name_edit.setText(profile.name)
        self.url_combo.setEditText(profile.base_url)
        self.auth_combo.setCurrentIndex(self.auth_combo.findData(profile.auth))
        self.ca_edit.setText(profile.ca_bundle or "")

    def _browse_ca(self) -> None:
        path, _filter = QFileDialog.getOpenFileName(
            self, "CA bundle", "", "PEM certificates (*.pem *.crt);;All files (*)"
        )
        if path:
            self.ca_edit.setText(path)

    def _edited_profile(self) -> ConnectionProfile | None:
        try:
            return ConnectionProfile(
                name=self.name_edit.text().strip(),
                base_url=self.url_combo.currentText().strip(),
                auth=self.auth_combo.currentData(),
                ca_bundle=self.ca_edit.text().strip() or None,
            )
        except ValueError as error:
            self.message_label.setText(str(error))
            return None

    def _save_and_connect(self) -> None:
        profile = self._edited_profile()
        if profile is None:
            return
        previous = self.profile_combo.currentData()
        if profile.name != previous and self._settings.profile(profile.name):
            self.message_label.setText(
                f"A profile named {profile.name!r} exists already. Choose another "
                "name, or pick that profile in the list to change it."
            )
            return
        if profile.name == previous:
            self._save(profile, previous)
            return
        # A new name: an earlier profile may have left a roster file under it.
        data = self._data(profile.name)
        if data is None or not data.at_stake:
            self._save(profile, previous)
            return
        self._ask(
            f"An earlier profile named {profile.name!r} left "
            f"{unsent_summary(data)} on this computer.",
            "A new profile of this name starts without them: they are discarded, "
            "with the roster that profile left. To keep them, choose Cancel and "
            "give this profile another name.",
            "&Discard them and save",
            lambda: self._save(profile, previous),
        )

    def _save(self, profile: ConnectionProfile, previous: str | None) -> None:
        settings = self._settings
        if previous and previous != profile.name:
            settings = settings.without_profile(previous)
        try:
            settings = settings.with_profile(profile).with_active(profile.name)
        except ValueError as error:
            self.message_label.setText(str(error))
            return
        if profile.name != previous:
            self._clear(profile.name)
            if previous:
                self.renamed = (previous, profile.name)
        self.result_settings = settings
        self.chosen = profile
        self.accept()

    def _remove(self) -> None:
        name = self.profile_combo.currentData()
        if not name:
            return
        data = self._data(name)
        if data is None or not data.at_stake:
            self._drop(name)
            return
        if data.unsent:
            keep = (
                "To keep them, choose Keep the profile, connect to it and send them "
                "(F5 or Send now), or cancel them under View → Pending changes…."
            )
        else:
            keep = "To keep the file, choose Keep the profile."
        self._ask(
            f"Profile {name!r} has {unsent_summary(data)}.",
            "Removing the profile discards them, with its roster on this computer "
            f"and its credentials in the keychain. {keep}",
            "&Remove and discard",
            lambda: self._drop(name),
            keep_label="&Keep the profile",
        )

    def _drop(self, name: str) -> None:
        self._settings = self._settings.without_profile(name)
        self._clear(name)
        self.result_settings = self._settings
        self._fill_profiles(self._settings.active_profile)

    def _clear(self, name: str) -> None:
        if name not in self.cleared:
            self.cleared.append(name)

    def _data(self, name: str) -> ProfileData | None:
        return self._local_data(name) if self._local_data is not None else None

    def _ask(
        self,
        text: str,
        details: str,
        go_label: str,
        then: Callable[[], None],
        keep_label: str = "Cancel",
    ) -> None:
        """Ask, window-modal and without blocking, whether to discard changes
        not yet sent; ``then`` runs only when the operator says so."""
        box = QMessageBox(
            QMessageBox.Icon.Warning, "Changes not yet sent", "", parent=self
        )
        box.setObjectName("discardChangesBox")
        # Plates and profile names are the operator's text: never HTML.
        box.setTextFormat(Qt.TextFormat.PlainText)
        box.setText(text)
        box.setInformativeText(details)
        go = box.addButton(go_label, QMessageBox.ButtonRole.DestructiveRole)
        keep = box.addButton(keep_label, QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(keep)
        box.setEscapeButton(keep)

        def answered() -> None:
            self.question = None
            box.deleteLater()
            if box.clickedButton() is go:
                then()

        box.finished.connect(answered)
        self.question = box
        box.open()
