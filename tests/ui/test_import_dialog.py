"""File > Import… and File > Export… through the real dialog, the real main
window and the local server, with real files of each format written by the
tests, the nasty ones included."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from PySide6.QtCore import Qt

from spkey_desktop.bulk.mapping import Field
from spkey_desktop.bulk.sheets import read_sheet
from spkey_desktop.services.import_preview import RowStatus
from spkey_desktop.ui.bulk_actions import (
    BulkActions,
    export_target,
    export_to,
    install_bulk_actions,
)
from spkey_desktop.ui.import_dialog import ImportDialog
from spkey_desktop.ui.import_models import PreviewColumn, PreviewTableModel, RowFilter
from spkey_desktop.ui.models import RECORD_ROLE
from tests.helpers.window_fixtures import WindowEnv

SLOW_MS = 30_000


@dataclass
class Bulk:
    env: WindowEnv
    actions: BulkActions
    tmp: Path

    def open_dialog(self, qtbot) -> ImportDialog:
        self.actions.import_action.trigger()
        dialog = self.actions.dialog
        assert dialog is not None
        qtbot.waitUntil(dialog.isVisible)
        return dialog


@pytest.fixture
def bulk(window_env: WindowEnv, tmp_path: Path) -> Bulk:
    actions = install_bulk_actions(
        window_env.window, window_env.service, tmp_path / "config"
    )
    return Bulk(window_env, actions, tmp_path)


def run(qtbot, task: asyncio.Task | None, timeout: int = SLOW_MS) -> None:
    assert task is not None
    qtbot.waitUntil(task.done, timeout=timeout)
    assert task.exception() is None


def statuses(model: PreviewTableModel) -> dict[int, RowStatus]:
    return {row.number: row.status for row in model.all_rows()}


def write_csv(tmp: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp / name
    path.write_bytes(text.encode(encoding))
    return path


TENANTS = (
    "E-mail;Plate;Label\n"
    "anna@example.com;WX 12345;\n"  # Anna has it already
    "anna@example.com;GD 777;Van\n"  # new
    "bob@example.com;PO.0A.124;\n"  # new, written with dots
    "zoe@example.com;P00A123;\n"  # a lookalike of Bob's PO0A123
    "nobody@example.com;NB1;\n"  # nobody has this address
)


def test_the_file_menu_offers_import_and_export(bulk: Bulk) -> None:
    texts = [a.text() for a in bulk.env.window.file_menu.actions()]
    assert texts[:4] == [
        "&Look up user…",
        "&Refresh",
        "&Import users and plates…",
        "&Export roster…",
    ]


def test_a_csv_file_goes_from_preview_to_the_server(qtbot, bulk: Bulk) -> None:
    env, window = bulk.env, bulk.env.window
    dialog = bulk.open_dialog(qtbot)
    run(qtbot, dialog.load_file(write_csv(bulk.tmp, "t.csv", TENANTS)))

    assert dialog.mapping().column_of(Field.EMAIL) == "E-mail"
    assert dialog.mapping().column_of(Field.PLATE) == "Plate"
    run(qtbot, dialog.start_preview())
    assert statuses(dialog.model) == {
        2: RowStatus.UNCHANGED,
        3: RowStatus.NEW,
        4: RowStatus.CHANGED,
        5: RowStatus.CONFUSABLE,
        6: RowStatus.NOT_FOUND,
    }
    changed = dialog.model.index(2, PreviewColumn.REASON).data()
    assert "'PO.0A.124' is sent as PO0A124" in changed
    assert "Nothing has been sent yet." in dialog.summary_label.text()
    assert "Collisions were checked against the plates of" in (
        dialog.summary_label.text()
    )
    assert dialog.send_button.text() == "&Send 2 plates"
    assert env.server.plates_of(env.users["anna"]) == ["WX12345"]

    qtbot.mouseClick(dialog.send_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: "Import finished" in dialog.summary_label.text(), timeout=SLOW_MS
    )

    assert sorted(env.server.plates_of(env.users["anna"])) == ["GD777", "WX12345"]
    assert sorted(env.server.plates_of(env.users["bob"])) == [
        "KR5S100",
        "PO0A123",
        "PO0A124",
    ]
    assert env.server.plates_of(env.users["zoe"]) == []
    assert dialog.model.index(1, PreviewColumn.RESULT).data() == "sent"
    assert dialog.save_rejected_button.isVisible()
    # The window shows the new plate on Anna.
    qtbot.waitUntil(
        lambda: (
            "GD777"
            in {
                p.plate
                for p in window.panel.roster_model.user(env.users["anna"]).plates
            }
        )
    )

    rejected = bulk.tmp / "rejected.xlsx"
    run(qtbot, asyncio.ensure_future(dialog.save_rejected(rejected)))
    back = read_sheet(rejected)
    assert [row.cells[0].text for row in back.rows] == ["5", "6"]


def test_create_missing_users_is_an_explicit_choice(qtbot, bulk: Bulk) -> None:
    env = bulk.env
    dialog = bulk.open_dialog(qtbot)
    run(qtbot, dialog.load_file(write_csv(bulk.tmp, "t.csv", TENANTS)))
    run(qtbot, dialog.start_preview())
    users_before = env.server.users.count()

    dialog.create_check.setChecked(True)
    assert dialog.send_button.text() == "&Send 3 plates"
    run(qtbot, dialog.confirm())

    assert env.server.users.count() == users_before + 1
    created = env.server.users.find(env.org.org_id, email="nobody@example.com")
    assert created is not None
    assert env.server.plates_of(created.user_id) == ["NB1"]
    qtbot.waitUntil(
        lambda: env.window.panel.roster_model.row_of(created.user_id) is not None
    )


def test_cancel_keeps_what_was_sent_and_shows_the_rest_unsent(
    qtbot, bulk: Bulk
) -> None:
    env = bulk.env
    rows = [f"bob@example.com;CN{n:03d};" for n in range(40)]
    path = write_csv(bulk.tmp, "many.csv", "E-mail;Plate;Label\n" + "\n".join(rows))
    dialog = bulk.open_dialog(qtbot)
    run(qtbot, dialog.load_file(path))
    run(qtbot, dialog.start_preview())
    env.server.set_latency(40)

    task = dialog.confirm()
    qtbot.waitUntil(
        lambda: re.match(r"Sent [1-9]", dialog.status_label.text()) is not None,
        timeout=SLOW_MS,
    )
    qtbot.mouseClick(dialog.cancel_button, Qt.MouseButton.LeftButton)
    run(qtbot, task)
    env.server.set_latency(0)

    results = {
        dialog.model.index(r, PreviewColumn.PLATE).data(): dialog.model.index(
            r, PreviewColumn.RESULT
        ).data()
        for r in range(dialog.model.rowCount())
    }
    sent = {plate for plate, result in results.items() if result == "sent"}
    unsent = {plate for plate, result in results.items() if result == "not sent"}
    assert sent
    assert unsent
    assert len(sent) + len(unsent) == 40
    on_server = set(env.server.plates_of(env.users["bob"])) - {"PO0A123", "KR5S100"}
    assert on_server == sent
    assert "(cancelled)" in dialog.summary_label.text()
    assert env.service.sender.outbox.entries() == []


@pytest.mark.parametrize(
    ("name", "data", "words"),
    [
        ("empty.csv", b"", "is empty"),
        ("header.csv", b"email;plate\n", "no data rows"),
        (
            "picture.csv",
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00",
            "not a text file",
        ),
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64), "Excel 97-2003"),
    ],
)
def test_a_broken_file_gets_a_sentence_not_a_crash(
    qtbot, bulk: Bulk, name: str, data: bytes, words: str
) -> None:
    dialog = bulk.open_dialog(qtbot)
    path = bulk.tmp / name
    path.write_bytes(data)
    run(qtbot, dialog.load_file(path))
    assert words in dialog.file_label.text()
    assert not dialog.preview_button.isEnabled()
    assert dialog.start_preview() is None


def test_a_50_mb_file_is_refused_and_the_window_keeps_working(
    qtbot, bulk: Bulk
) -> None:
    path = bulk.tmp / "huge.csv"
    with path.open("wb") as file:
        file.truncate(50 * 1024 * 1024)
    dialog = bulk.open_dialog(qtbot)
    run(qtbot, dialog.load_file(path))
    assert "50.0 MB" in dialog.file_label.text()
    assert bulk.env.window.isEnabled()


def test_nasty_encodings_and_layouts_read_right(qtbot, bulk: Bulk) -> None:
    dialog = bulk.open_dialog(qtbot)
    polish = "E-mail;Plate;Name\nanna@example.com;ŁDZ 123;Łucja Wąs\n"

    run(qtbot, dialog.load_file(write_csv(bulk.tmp, "bom.csv", "\ufeff" + polish)))
    assert "UTF-8 with byte order mark" in dialog.file_label.text()
    assert dialog.encoding_combo.currentData() == "utf-8-sig"

    run(qtbot, dialog.load_file(write_csv(bulk.tmp, "pl.csv", polish, "cp1250")))
    assert dialog.encoding_combo.currentData() == "cp1250"
    assert "encoding is uncertain" in dialog.notes_label.text()
    run(qtbot, dialog.start_preview())
    assert dialog.model.index(0, PreviewColumn.PLATE).data() == "ŁDZ123"

    # The operator tries another encoding: the file is read again with it.
    dialog.pages.setCurrentIndex(0)
    dialog.encoding_combo.setCurrentIndex(dialog.encoding_combo.findData("cp1252"))
    dialog.encoding_combo.activated.emit(dialog.encoding_combo.currentIndex())
    qtbot.waitUntil(lambda: "Windows-1252" in dialog.file_label.text())

    western = "email,plate,label\nanna@example.com,M AB 12,Jürgen's Café\n"
    run(qtbot, dialog.load_file(write_csv(bulk.tmp, "west.csv", western, "cp1252")))
    assert "Windows-1252" in dialog.file_label.text()
    run(qtbot, dialog.start_preview())
    assert dialog.model.index(0, PreviewColumn.LABEL).data() == "Jürgen's Café"
    dialog.pages.setCurrentIndex(0)

    sep = 'sep=,\nemail,plate,label\nanna@example.com,GD 1,"Van; red"\n'
    run(qtbot, dialog.load_file(write_csv(bulk.tmp, "sep.csv", sep)))
    assert "commas" in dialog.file_label.text()
    assert "names the delimiter" in dialog.notes_label.text()

    ragged = "email,plate,label\nanna@example.com,GD 2,Van,red\n"
    run(qtbot, dialog.load_file(write_csv(bulk.tmp, "ragged.csv", ragged)))
    run(qtbot, dialog.start_preview())
    assert statuses(dialog.model) == {2: RowStatus.INVALID}
    assert "more cell" in dialog.model.index(0, PreviewColumn.REASON).data()


def test_cells_excel_changed_are_flagged_never_sent(qtbot, bulk: Bulk) -> None:
    book = Workbook()
    sheet = book.active
    for row in (
        ["E-mail", "Plate"],
        ["anna@example.com", datetime(2026, 3, 1)],  # MAR1, as Excel keeps it
        ["anna@example.com", 100000],  # 1E5
        ["anna@example.com", 123],  # 0123 without its zero
        ["anna@example.com", "AB 12"],
    ):
        sheet.append(row)
    path = bulk.tmp / "damaged.xlsx"
    book.save(path)
    dialog = bulk.open_dialog(qtbot)
    run(qtbot, dialog.load_file(path))
    run(qtbot, dialog.start_preview())

    assert statuses(dialog.model) == {
        2: RowStatus.DAMAGED,
        3: RowStatus.DAMAGED,
        4: RowStatus.DAMAGED,
        5: RowStatus.NEW,
    }
    assert "date 2026-03-01" in dialog.model.index(0, PreviewColumn.REASON).data()
    assert dialog.model.index(0, PreviewColumn.PLATE).data() == ""
    assert dialog.send_button.text() == "&Send 1 plate"


def test_a_big_file_reaches_the_table_in_batches(qtbot, bulk: Bulk) -> None:
    rows = "\n".join(f"bob@example.com,BIG{n:05d}" for n in range(9000))
    path = write_csv(bulk.tmp, "big.csv", "email,plate\n" + rows)
    dialog = bulk.open_dialog(qtbot)
    run(qtbot, dialog.load_file(path))
    inserts: list[int] = []
    dialog.model.rowsInserted.connect(
        lambda _p, first, last: inserts.append(last - first + 1)
    )

    run(qtbot, dialog.start_preview())

    assert inserts == [2000, 2000, 2000, 2000, 1000]
    assert dialog.send_button.text() == "&Send 9000 plates"
    dialog.filter_combo.setCurrentIndex(
        dialog.filter_combo.findData(RowFilter.ATTENTION)
    )
    dialog.filter_combo.activated.emit(dialog.filter_combo.currentIndex())
    assert dialog.model.rowCount() == 0


def test_export_then_import_changes_nothing(qtbot, bulk: Bulk) -> None:
    window = bulk.env.window
    for suffix in (".csv", ".xlsx"):
        path = bulk.tmp / f"roster{suffix}"
        task = asyncio.ensure_future(export_to(window, path))
        run(qtbot, task)
        assert task.result() == 4  # Anna 1 plate, Bob 2, Zoë none
        assert "Exported 3 users (4 rows)" in window.statusBar().currentMessage()

        dialog = bulk.open_dialog(qtbot)
        run(qtbot, dialog.load_file(path))
        run(qtbot, dialog.start_preview())
        assert set(statuses(dialog.model).values()) == {
            RowStatus.UNCHANGED,
            RowStatus.USER_ONLY,
        }
        assert not dialog.send_button.isEnabled()
        dialog.close()


def test_the_preview_model_passes_modeltester(qtmodeltester, qtbot, bulk: Bulk) -> None:
    dialog = bulk.open_dialog(qtbot)
    run(qtbot, dialog.load_file(write_csv(bulk.tmp, "t.csv", TENANTS)))
    run(qtbot, dialog.start_preview())
    rows = list(dialog.model.all_rows())

    model = PreviewTableModel()
    model.append_rows(rows[:3])
    qtmodeltester.check(model, force_py=True)
    model.append_rows(rows[3:])
    model.set_filter(RowFilter.ATTENTION)
    model.append_rows(rows[:2])
    model.set_filter(RowFilter.ALL)
    qtmodeltester.check(model, force_py=True)
    assert model.rowCount() == len(rows) + 2
    assert model.index(0, 0).data(RECORD_ROLE).number == 2


@pytest.mark.parametrize(
    ("typed", "chosen", "expected", "delimiter"),
    [
        ("export.csv", 0, "export.csv", ","),  # typed .csv wins over the workbook
        ("export.CSV", 2, "export.CSV", ";"),  # the chosen CSV flavour is kept
        ("export.xlsx", 1, "export.xlsx", None),
        ("export", 0, "export.xlsx", None),  # no known suffix: the chosen type's
        ("export.txt", 1, "export.txt.csv", ","),
    ],
)
def test_the_export_file_type_follows_the_name_typed(
    typed: str, chosen: int, expected: str, delimiter: str | None
) -> None:
    path, used = export_target(Path("/tmp") / typed, chosen)
    assert path.name == expected
    assert used == delimiter
