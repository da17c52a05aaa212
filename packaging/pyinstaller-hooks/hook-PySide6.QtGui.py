"""Replaces PyInstaller's hook for PySide6.QtGui: the same, less the GTK 3 theme.

Qt's GTK 3 platform theme plugin links GTK 3, and with it PyInstaller would
ship the build machine's GTK, GDK, cairo and their own dependencies (about
15 MB) and load them beside the target desktop's GLib modules, built for
another version. Without the plugin Qt draws its own dialogs and style.
"""

from pathlib import Path

from PyInstaller.utils.hooks.qt import add_qt6_dependencies

hiddenimports, binaries, datas = add_qt6_dependencies(__file__)
binaries = [
    (source, target)
    for source, target in binaries
    if not Path(source).name.startswith(("libqgtk3", "qgtk3"))
]
