"""The app icon, loaded from the shipped resources (works when frozen too)."""

from __future__ import annotations

from PySide6.QtGui import QIcon, QPixmap

from spkey_desktop.resource_files import read_resource


def app_icon() -> QIcon:
    pixmap = QPixmap()
    pixmap.loadFromData(read_resource("spkey-desktop.svg"))
    return QIcon(pixmap)
