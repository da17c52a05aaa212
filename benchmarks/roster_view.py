"""The roster window at scale: first rows shown, one search keystroke, memory.

``app``: the app's own path. The saved roster is read in batches off the UI
thread (``RosterLoader``) into the roster panel's model and its search and
sort proxy; first rows = from the start until the view has painted rows;
a keystroke = from setting the search text until the view has repainted.

``standard``: the baseline, the same data the textbook way: read it all,
put it in a ``QStandardItemModel`` (one item per cell) behind a
``QSortFilterProxyModel`` sorted by name, filtering on every column.

Run by the driver in a process of its own:
``python -m benchmarks.roster_view app|standard ROSTER_FILE``.
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

from benchmarks.common import LoopLag, Result, emit, median, offscreen, rss_mb

# What an operator types: a name, then clears it; a plate with a space; an
# e-mail fragment. Each prefix is one keystroke.
TYPED = ("kowal", "", "wx 1234", "", "@tenants.ex", "")


def keystrokes() -> list[str]:
    texts: list[str] = []
    for word in TYPED:
        texts += [word[:n] for n in range(1, len(word) + 1)] if word else [""]
    return texts


def run_app(path: Path) -> list[Result]:
    import qasync
    from PySide6.QtWidgets import QApplication

    from spkey_desktop.services.roster_loading import RosterLoader
    from spkey_desktop.ui.roster_loading import load_roster_into
    from spkey_desktop.ui.roster_panel import RosterPanel

    app = QApplication.instance() or QApplication([])
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    before = rss_mb()
    panel = RosterPanel()
    panel.resize(1100, 650)
    panel.show()
    view = panel.users_view
    app.processEvents()
    first_rows: list[float] = []

    async def load() -> tuple[float, float, int]:
        lag = LoopLag().start()
        started = time.perf_counter()

        def shown(_count: int) -> None:
            if not first_rows:
                view.viewport().repaint()
                first_rows.append(time.perf_counter() - started)

        count = await load_roster_into(panel, RosterLoader(path), shown)
        return time.perf_counter() - started, lag.stop(), count

    with loop:
        total, worst_lag, count = loop.run_until_complete(load())
    app.processEvents()
    memory = rss_mb()

    times = []
    for text in keystrokes():
        started = time.perf_counter()
        panel.search_edit.setText(text)
        view.viewport().repaint()
        times.append(time.perf_counter() - started)
    assert panel.proxy.rowCount() == count

    return [
        Result("roster.first_rows", first_rows[0], "s", target=1.0),
        Result("roster.all_rows_and_index", total, "s", note=f"{count} users"),
        Result("roster.load_loop_lag_max", worst_lag, "s"),
        Result("roster.keystroke_median", median(times), "s", target=0.05),
        Result("roster.keystroke_max", max(times), "s", target=0.05),
        Result("roster.rss", memory, "MB", target=400, note=f"{before:.0f} MB before"),
    ]


def run_standard(path: Path) -> list[Result]:
    from PySide6.QtCore import QSortFilterProxyModel, Qt
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QApplication, QTableView

    from spkey_desktop.store.roster import RosterStore

    app = QApplication.instance() or QApplication([])
    view = QTableView()
    view.resize(1100, 650)
    view.show()
    app.processEvents()

    started = time.perf_counter()
    store = RosterStore(path)
    users = store.load_all()
    store.close()
    model = QStandardItemModel(0, 6)
    model.setHorizontalHeaderLabels(
        ["Name", "E-mail", "Phone", "Status", "Plates", "Refreshed"]
    )
    for user in users:
        plates = " ".join(p.plate for p in user.plates)
        cells = (
            user.display_name,
            user.email,
            user.phone,
            user.status,
            str(len(user.plates)),
            plates,
        )
        model.appendRow([QStandardItem(text) for text in cells])
    proxy = QSortFilterProxyModel()
    proxy.setSourceModel(model)
    proxy.setFilterKeyColumn(-1)
    proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
    view.setModel(proxy)
    view.setSortingEnabled(True)
    view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
    view.viewport().repaint()
    first_rows = time.perf_counter() - started
    memory = rss_mb()

    times = []
    for text in keystrokes():
        started = time.perf_counter()
        proxy.setFilterFixedString(text)
        view.viewport().repaint()
        times.append(time.perf_counter() - started)

    return [
        Result("roster.first_rows", first_rows, "s"),
        Result("roster.keystroke_median", median(times), "s"),
        Result("roster.keystroke_max", max(times), "s"),
        Result("roster.rss", memory, "MB"),
    ]


def main(argv: list[str]) -> int:
    offscreen()
    mode, path = argv[0], Path(argv[1])
    emit(run_app(path) if mode == "app" else run_standard(path))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
