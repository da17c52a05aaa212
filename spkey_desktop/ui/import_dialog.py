"""File > Import…: choose a file, map its columns, preview every row, confirm,
follow the sending, save the rows that were not sent.

Every step that waits (reading the file, looking users up, sending) runs as
a task on the qasync loop with its control disabled, a busy bar and a Cancel
button, restored in ``finally``; the file is read in an executor, so a large
or broken file never freezes the window. Nothing is sent until the operator
presses the send button, whose text says how many plates will go.

Closing the dialog while plates are being sent leaves them to the outbox,
which keeps sending in the background; the window shows them as pending.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from spkey_desktop.api.errors import ApiError
from spkey_desktop.bulk.encoding import ENCODING_NAMES, encoding_name
from spkey_desktop.bulk.mapping import ColumnMapping, Field
from spkey_desktop.bulk.sheets import Sheet, SheetError
from spkey_desktop.plates import Collision
from spkey_desktop.services.bulk_import import (
    ImportService,
    rejected_path,
    write_rejected,
)
from spkey_desktop.services.import_preview import ImportPreview, RowStatus
from spkey_desktop.services.import_run import (
    ImportOptions,
    ImportReport,
    ImportRun,
    Progress,
    to_send,
)
from spkey_desktop.store.roster import RosterUser
from spkey_desktop.ui.async_dialogs import run_dialog
from spkey_desktop.ui.import_models import PreviewTableModel, RowFilter

log = logging.getLogger(__name__)

_NOT_IN_FILE = "(not in the file)"
_FIELDS = (
    Field.PLATE,
    Field.EMAIL,
    Field.PHONE,
    Field.USER_ID,
    Field.LABEL,
    Field.NAME,
)
_FILE_FILTER = "Spreadsheets (*.csv *.xlsx *.txt *.tsv);;All files (*)"

Check = Callable[[str, str], tuple[Collision, ...]]


class ImportDialog(QDialog):
    """See the module text. ``roster()`` gives the users shown in the window,
    ``check`` is the window's plate index check."""

    #: Users whose shown state changed (joined the roster, plates sent).
    users_changed = Signal(list)

    def __init__(
        self,
        importer: ImportService,
        roster: Callable[[], Sequence[RosterUser]],
        check: Check,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._importer = importer
        self._roster = roster
        self._check = check
        self._sheet: Sheet | None = None
        self._preview: ImportPreview | None = None
        self._report: ImportReport | None = None
        self._run: ImportRun | None = None
        self._task: asyncio.Task[Any] | None = None
        self.setObjectName("importDialog")
        self.setWindowTitle("Import users and plates")
        self.resize(1000, 640)

        self.pages = QStackedWidget(self)
        self.pages.addWidget(self._build_file_page())
        self.pages.addWidget(self._build_preview_page())
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        layout.addLayout(self._build_busy_row())
        self._set_busy(None)

    # -- layout ----------------------------------------------------------------

    def _build_file_page(self) -> QWidget:
        page = QWidget(self)
        self.choose_button = QPushButton("&Choose file…", page)
        self.choose_button.setObjectName("chooseFileButton")
        self.choose_button.clicked.connect(self.choose_file)
        self.file_label = _label(
            page, "fileLabel", "Choose a CSV file or an Excel workbook (.xlsx)."
        )
        self.encoding_combo = QComboBox(page)
        self.encoding_combo.setObjectName("encodingCombo")
        self.encoding_combo.setAccessibleName("Text encoding of the file")
        for encoding, name in ENCODING_NAMES.items():
            self.encoding_combo.addItem(name, encoding)
        self.encoding_combo.activated.connect(lambda _i: self._reread())
        self.notes_label = _label(page, "notesLabel")

        self.column_combos: dict[Field, QComboBox] = {}
        columns = QFormLayout()
        for field in _FIELDS:
            combo = QComboBox(page)
            combo.setObjectName(f"{field.name.lower()}Column")
            combo.setAccessibleName(f"Column with the {field.value}")
            self.column_combos[field] = combo
            columns.addRow(f"{field.value.capitalize()}:", combo)
        self.mapping_label = _label(page, "mappingLabel")

        self.preview_button = QPushButton("&Preview", page)
        self.preview_button.setObjectName("previewButton")
        self.preview_button.setDefault(True)
        self.preview_button.clicked.connect(self.start_preview)
        close = QPushButton("Close", page)
        close.clicked.connect(self.reject)

        top = QHBoxLayout()
        top.addWidget(self.choose_button)
        top.addWidget(self.file_label, 1)
        encoding_row = QHBoxLayout()
        encoding_row.addWidget(QLabel("Text encoding:", page))
        encoding_row.addWidget(self.encoding_combo, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(close)
        buttons.addWidget(self.preview_button)
        layout = QVBoxLayout(page)
        layout.addLayout(top)
        layout.addLayout(encoding_row)
        layout.addWidget(self.notes_label)
        layout.addLayout(columns)
        layout.addWidget(self.mapping_label)
        layout.addStretch(1)
        layout.addLayout(buttons)
        return page

    def _build_preview_page(self) -> QWidget:
        page = QWidget(self)
        self.summary_label = _label(page, "summaryLabel")
        self.filter_combo = QComboBox(page)
        self.filter_combo.setObjectName("filterCombo")
        self.filter_combo.setAccessibleName("Rows shown")
        for which in RowFilter:
            self.filter_combo.addItem(which.value, which)
        self.model = PreviewTableModel(self)
        self.filter_combo.activated.connect(
            lambda _i: self.model.set_filter(self.filter_combo.currentData())
        )
        self.table = QTableView(page)
        self.table.setObjectName("previewTable")
        self.table.setAccessibleName("Rows of the file and what importing does")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.Interactive
        )
        self.table.horizontalHeader().setStretchLastSection(True)
        for column, width in enumerate((50, 170, 170, 110, 100, 110, 90)):
            self.table.setColumnWidth(column, width)

        self.create_check = QCheckBox("Create the users nobody has yet", page)
        self.create_check.setObjectName("createMissingCheck")
        self.collisions_check = QCheckBox(
            "Also send plates that collide with another user's", page
        )
        self.collisions_check.setObjectName("sendCollisionsCheck")
        for box in (self.create_check, self.collisions_check):
            box.toggled.connect(lambda _on: self._update_send_button())

        self.back_button = QPushButton("&Back", page)
        self.back_button.clicked.connect(lambda: self.pages.setCurrentIndex(0))
        self.send_button = QPushButton(page)
        self.send_button.setObjectName("sendButton")
        self.send_button.clicked.connect(self.confirm)
        self.save_rejected_button = QPushButton("&Save rejected rows…", page)
        self.save_rejected_button.setObjectName("saveRejectedButton")
        self.save_rejected_button.clicked.connect(self.choose_rejected_file)
        self.save_rejected_button.hide()
        self.close_button = QPushButton("Close", page)
        self.close_button.setObjectName("closeButton")
        self.close_button.clicked.connect(self.reject)

        options = QHBoxLayout()
        options.addWidget(self.create_check)
        options.addWidget(self.collisions_check)
        options.addStretch(1)
        options.addWidget(QLabel("Show:", page))
        options.addWidget(self.filter_combo)
        buttons = QHBoxLayout()
        buttons.addWidget(self.back_button)
        buttons.addStretch(1)
        buttons.addWidget(self.save_rejected_button)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.send_button)
        layout = QVBoxLayout(page)
        layout.addWidget(self.summary_label)
        layout.addLayout(options)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        return page

    def _build_busy_row(self) -> QHBoxLayout:
        self.status_label = _label(self, "statusLabel")
        self.busy_bar = QProgressBar(self)
        self.busy_bar.setObjectName("busyBar")
        self.busy_bar.setAccessibleName("Progress")
        self.busy_bar.setMaximumWidth(240)
        self.cancel_button = QPushButton("Cancel", self)
        self.cancel_button.setObjectName("cancelButton")
        self.cancel_button.clicked.connect(self.cancel)
        self.later_button = QPushButton("Close, send the rest later", self)
        self.later_button.setObjectName("sendLaterButton")
        self.later_button.clicked.connect(self._send_later)
        self.later_button.hide()
        row = QHBoxLayout()
        row.addWidget(self.status_label, 1)
        row.addWidget(self.busy_bar)
        row.addWidget(self.later_button)
        row.addWidget(self.cancel_button)
        return row

    # -- the steps -------------------------------------------------------------

    def choose_file(self) -> None:
        self._start(self._choose_file())

    async def _choose_file(self) -> None:
        chooser = QFileDialog(self, "Import users and plates", "", _FILE_FILTER)
        chooser.setFileMode(QFileDialog.FileMode.ExistingFile)
        if await run_dialog(chooser) and chooser.selectedFiles():
            await self._load(Path(chooser.selectedFiles()[0]), None)
        chooser.deleteLater()

    def load_file(self, path: Path) -> asyncio.Task[Any]:
        """Read ``path`` (a task; the dialog shows the outcome)."""
        return self._start(self._load(path, None))

    def _reread(self) -> None:
        if self._sheet is not None:
            self._start(self._load(self._sheet.path, self.encoding_combo.currentData()))

    async def _load(self, path: Path, encoding: str | None) -> None:
        self._set_busy(f"Reading {path.name}…")
        self.preview_button.setEnabled(False)
        try:
            sheet = await self._importer.read(path, encoding=encoding)
        except SheetError as error:
            self._sheet = None
            self.file_label.setText(str(error))
            self.notes_label.clear()
            self._fill_columns(None)
            return
        finally:
            self._set_busy(None)
        self._sheet = sheet
        self.file_label.setText(f"{path.name}: {sheet.describe()}")
        self.notes_label.setText("\n".join(sheet.notes))
        self._show_encoding(sheet)
        mapping, source = self._importer.mapping_for(sheet)
        self._fill_columns(sheet, mapping)
        self.mapping_label.setText(f"Columns chosen from {source}; check them.")
        self.preview_button.setEnabled(True)

    def _show_encoding(self, sheet: Sheet) -> None:
        guess = sheet.encoding
        self.encoding_combo.setEnabled(guess is not None)
        if guess is None:
            return
        at = self.encoding_combo.findData(guess.encoding)
        if at < 0:
            self.encoding_combo.addItem(encoding_name(guess.encoding), guess.encoding)
            at = self.encoding_combo.count() - 1
        self.encoding_combo.setCurrentIndex(at)

    def _fill_columns(
        self, sheet: Sheet | None, mapping: ColumnMapping | None = None
    ) -> None:
        for field, combo in self.column_combos.items():
            combo.clear()
            combo.addItem(_NOT_IN_FILE, None)
            for header in sheet.headers if sheet else ():
                combo.addItem(header or "(no name)", header)
            chosen = mapping.column_of(field) if mapping else None
            combo.setCurrentIndex(max(0, combo.findData(chosen)) if chosen else 0)

    def mapping(self) -> ColumnMapping:
        """The columns as chosen in the dialog."""
        mapping = ColumnMapping()
        for field, combo in self.column_combos.items():
            mapping = mapping.with_column(field, combo.currentData())
        return mapping

    def start_preview(self) -> asyncio.Task[Any] | None:
        sheet, mapping = self._sheet, self.mapping()
        problem = mapping.problem()
        if sheet is None or problem is not None:
            self.mapping_label.setText(problem or "Choose a file first.")
            return None
        return self._start(self._make_preview(sheet, mapping))

    async def _make_preview(self, sheet: Sheet, mapping: ColumnMapping) -> None:
        self.model.clear()
        self.pages.setCurrentIndex(1)
        self.send_button.setEnabled(False)
        self.summary_label.setText(f"Checking {len(sheet.rows)} rows…")
        self._set_busy("Checking rows…")
        try:
            preview = await self._importer.preview(
                sheet,
                mapping,
                self._roster(),
                self._check,
                on_progress=self._show_step,
                on_rows=self.model.append_rows,
            )
        except ApiError as error:
            self.summary_label.setText(f"The preview stopped: {error.user_message}")
            return
        finally:
            self._set_busy(None)
        self._importer.remember(sheet, mapping)
        self._preview = preview
        counts = preview.counts()
        self.summary_label.setText(
            f"{len(preview.rows)} rows: "
            + ", ".join(f"{counts[s]} {s.value}" for s in RowStatus if counts[s])
            + ". Nothing has been sent yet. "
            + preview.collision_scope()
        )
        self.create_check.setText(
            f"Create the users nobody has yet ({counts[RowStatus.NOT_FOUND]} rows)"
        )
        self.collisions_check.setText(
            "Also send plates that collide with another user's "
            f"({counts[RowStatus.CONFUSABLE]} rows)"
        )
        self._update_send_button()

    def options(self) -> ImportOptions:
        return ImportOptions(
            create_missing_users=self.create_check.isChecked(),
            send_collisions=self.collisions_check.isChecked(),
        )

    def _update_send_button(self) -> None:
        preview = self._preview
        count = (
            0
            if preview is None
            else sum(1 for row in preview.rows if to_send(row, self.options()))
        )
        self.send_button.setText(f"&Send {count} plate{'' if count == 1 else 's'}")
        self.send_button.setEnabled(
            count > 0 and self._report is None and self._run is None
        )

    def confirm(self) -> asyncio.Task[Any] | None:
        """Send the rows the preview marked (the operator's confirmation)."""
        if self._preview is None or self._run is not None:
            return None
        return self._start(self._send(self._preview, self.options()))

    async def _send(self, preview: ImportPreview, options: ImportOptions) -> None:
        run = self._run = ImportRun(
            self._importer.roster,
            preview,
            options,
            on_progress=self._show_progress,
            on_users=self.users_changed.emit,
        )
        for widget in (
            self.send_button,
            self.back_button,
            self.create_check,
            self.collisions_check,
        ):
            widget.setEnabled(False)
        self._set_busy("Sending…")
        try:
            report = await run.run()
        finally:
            self._set_busy(None)
            self.later_button.hide()
        self._report = report
        self.model.set_results(report.results)
        self.summary_label.setText(f"Import finished: {report.summary()}")
        self.save_rejected_button.setVisible(bool(report.rejected()))
        self.close_button.setText("Close")

    def _show_step(self, step: str, done: int, total: int) -> None:
        self.status_label.setText(f"{step}: {done} of {total}")
        self.busy_bar.setRange(0, max(1, total))
        self.busy_bar.setValue(done)

    def _show_progress(self, progress: Progress) -> None:
        text = (
            f"Sent {progress.sent}, refused {progress.failed}, "
            f"{progress.remaining} remaining, {progress.rate:.1f} per second"
        )
        if progress.not_sent:
            text += f", {progress.not_sent} not sent"
        if progress.waiting:
            text += f". Waiting for the server: {progress.waiting}"
        self.status_label.setText(text)
        self.busy_bar.setRange(0, max(1, progress.total))
        self.busy_bar.setValue(progress.done)
        self.later_button.setVisible(bool(progress.waiting))
        if self._run is not None:
            self.model.set_results(self._run.results())

    # -- rejected rows -----------------------------------------------------------

    def choose_rejected_file(self) -> None:
        self._start(self._choose_rejected_file())

    async def _choose_rejected_file(self) -> None:
        if self._sheet is None:
            return
        suggested = rejected_path(self._sheet.path)
        chooser = QFileDialog(self, "Save the rows not sent", str(suggested))
        chooser.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        chooser.setNameFilters(["CSV (*.csv)", "Excel workbook (*.xlsx)"])
        if await run_dialog(chooser) and chooser.selectedFiles():
            await self.save_rejected(Path(chooser.selectedFiles()[0]))
        chooser.deleteLater()

    async def save_rejected(self, path: Path) -> None:
        """Write the rows not sent, with the reason, to ``path``."""
        preview, report = self._preview, self._report
        if preview is None or report is None:
            return
        loop = asyncio.get_running_loop()
        try:
            count = await loop.run_in_executor(
                None, write_rejected, path, preview, report
            )
        except OSError as error:
            self.status_label.setText(
                f"{path.name} could not be written ({error.strerror or error})."
            )
            return
        self.status_label.setText(f"Saved {count} rows to {path}.")

    # -- cancelling and closing -----------------------------------------------------

    def cancel(self) -> None:
        """Stop what is running: reading and checking stop at once; sending
        withdraws what has not left yet."""
        if self._run is not None and self._report is None:
            self._run.cancel()
        elif self._task is not None and not self._task.done():
            self._task.cancel()

    def _send_later(self) -> None:
        if self._run is not None:
            self._run.detach()

    def done(self, result: int) -> None:
        # Sending goes on in the outbox; the dialog only stops following it.
        if self._run is not None and self._report is None:
            self._run.detach()
        elif self._task is not None and not self._task.done():
            self._task.cancel()
        super().done(result)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.done(QDialog.DialogCode.Rejected)
        event.accept()

    # -- running tasks -----------------------------------------------------------

    def _start(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(work)
        self._task = task
        task.add_done_callback(self._finished)
        return task

    def _finished(self, task: asyncio.Task[Any]) -> None:
        if task.cancelled():
            self.status_label.setText("Stopped.")
            return
        error = task.exception()
        if error is not None:
            log.error("The import failed unexpectedly", exc_info=error)
            self.status_label.setText(
                "Something unexpected went wrong; see the log file (Help menu)."
            )

    def _set_busy(self, text: str | None) -> None:
        busy = text is not None
        self.busy_bar.setVisible(busy)
        self.cancel_button.setVisible(busy)
        self.busy_bar.setRange(0, 0)
        self.choose_button.setEnabled(not busy)
        self.preview_button.setEnabled(not busy and self._sheet is not None)
        if text is not None:
            self.status_label.setText(text)


def _label(parent: QWidget, name: str, text: str = "") -> QLabel:
    label = QLabel(text, parent)
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setTextFormat(Qt.TextFormat.PlainText)
    return label
