"""File > Import… and File > Export…, added to the main window in one call.

``install_bulk_actions(window, service, config_dir)`` adds both actions above the
connection entries of the File menu. Import opens the import dialog, whose
users go straight into the roster panel; export writes the roster shown in
the window to a CSV or Excel file chosen by the operator, in an executor.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog

from spkey_desktop.bulk.mapping import MappingMemory
from spkey_desktop.services.bulk_import import ImportService
from spkey_desktop.services.roster_export import EXPORT_FORMATS, export_roster
from spkey_desktop.services.roster_service import RosterService
from spkey_desktop.store.roster import RosterUser
from spkey_desktop.ui.async_dialogs import run_dialog
from spkey_desktop.ui.import_dialog import ImportDialog
from spkey_desktop.ui.main_window import MainWindow
from spkey_desktop.ui.roster_panel import RosterPanel

log = logging.getLogger(__name__)


@dataclass
class BulkActions:
    """The two actions, and the dialog they opened last (for tests)."""

    import_action: QAction
    export_action: QAction
    dialog: ImportDialog | None = None


def install_bulk_actions(
    window: MainWindow, service: RosterService, config_dir: Path
) -> BulkActions:
    """Add File > Import… and File > Export… to ``window``; the column
    mappings operators confirm are remembered in ``config_dir``."""
    importer = ImportService(service, MappingMemory(config_dir))
    actions = BulkActions(
        QAction("&Import users and plates…", window),
        QAction("&Export roster…", window),
    )
    actions.import_action.setShortcut(QKeySequence("Ctrl+I"))
    actions.export_action.setShortcut(QKeySequence("Ctrl+E"))
    actions.import_action.triggered.connect(
        lambda *_: _open_import(window, importer, actions)
    )
    actions.export_action.triggered.connect(
        lambda *_: window.run_task(choose_and_export(window))
    )
    menu = window.file_menu
    # After look-up and refresh, before the connection entries.
    separator = next(a for a in menu.actions() if a.isSeparator())
    menu.insertActions(separator, [actions.import_action, actions.export_action])
    return actions


def _open_import(
    window: MainWindow, importer: ImportService, actions: BulkActions
) -> None:
    panel = window.panel
    dialog = ImportDialog(
        importer, panel.roster_model.users, panel.plate_index.check, window
    )
    dialog.users_changed.connect(lambda users: show_users(panel, users))
    dialog.finished.connect(lambda _result: dialog.deleteLater())
    actions.dialog = dialog
    dialog.open()


def show_users(panel: RosterPanel, users: Sequence[RosterUser]) -> None:
    """New users in one batch insert, known ones updated in place."""
    panel.apply_users(users)


async def choose_and_export(window: MainWindow) -> None:
    chooser = QFileDialog(window, "Export the roster", "roster.xlsx")
    chooser.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
    filters = [f"{name} (*{suffix})" for name, suffix, _ in EXPORT_FORMATS]
    chooser.setNameFilters(filters)
    accepted = await run_dialog(chooser)
    files, chosen = chooser.selectedFiles(), chooser.selectedNameFilter()
    chooser.deleteLater()
    if not accepted or not files:
        return
    path, delimiter = export_target(Path(files[0]), filters.index(chosen))
    await export_to(window, path, delimiter or ",")


def export_target(typed: Path, chosen: int) -> tuple[Path, str | None]:
    """The file and CSV delimiter (None: a workbook) for the name the
    operator typed and the file type chosen in the dialog. A name ending in a
    known type's suffix wins over the chosen type ("roster.csv" is CSV even
    while the dialog still offers a workbook); any other name gets the chosen
    type's suffix added."""
    _, suffix, delimiter = EXPORT_FORMATS[chosen]
    typed_suffix = typed.suffix.lower()
    if typed_suffix == suffix:
        return typed, delimiter
    for _, known, known_delimiter in EXPORT_FORMATS:
        if typed_suffix == known:
            return typed, known_delimiter
    return typed.with_name(typed.name + suffix), delimiter


async def export_to(window: MainWindow, path: Path, delimiter: str = ",") -> int:
    """Write the roster shown in ``window`` to ``path``; the status bar says
    how it went. Returns the rows written."""
    users = list(window.panel.roster_model.users())
    window.statusBar().showMessage(f"Exporting {len(users)} users to {path.name}…")
    loop = asyncio.get_running_loop()
    try:
        rows = await loop.run_in_executor(
            None, lambda: export_roster(path, users, delimiter=delimiter)
        )
    except OSError as error:
        window.statusBar().showMessage(
            f"The roster could not be written to {path} ({error.strerror or error})."
        )
        return 0
    log.info("Exported %d users (%d rows) to %s", len(users), rows, path)
    window.statusBar().showMessage(
        f"Exported {len(users)} users ({rows} rows) to {path}.", 10000
    )
    return rows
