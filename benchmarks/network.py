"""Refresh and import against the local server with 20 ms added latency.

Both run through the real window on a qasync loop, as the operator runs
them: F5 (``MainWindow.refresh_now``) for the refresh; a confirmed
``ImportRun`` through the outbox, its users shown in the roster panel as
the import dialog does, for the import. Compared with:

- the same requests sent one after another (measured on a sample of users
  and scaled to all of them: sent one by one they would take minutes);
- the ideal, latency × requests ÷ requests in flight at most (the refresh
  reads 8 users at a time, each with two requests; the outbox sends to 16
  users at a time, each an add and then the user's plates read back, one
  request after the other).

The event loop's worst stall during each is measured with a 5 ms timer.
Run by the driver: ``python -m benchmarks.network USERS SAMPLE``.
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.common import LoopLag, Result, emit, offscreen
from benchmarks.server_process import ServerProcess

if TYPE_CHECKING:
    from spkey_desktop.api import SpkeyClient
    from spkey_desktop.services.roster_service import RosterService
    from spkey_desktop.ui.main_window import MainWindow

LATENCY_MS = 20


def main(argv: list[str]) -> int:
    offscreen()
    users, sample = int(argv[0]), int(argv[1])
    with ServerProcess(users) as server, tempfile.TemporaryDirectory() as folder:
        emit(_run(server, Path(folder), users, sample))
    return 0


def _run(server: ServerProcess, folder: Path, users: int, sample: int) -> list[Result]:
    import qasync
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    app.setQuitOnLastWindowClosed(False)
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    with loop:
        return loop.run_until_complete(_measure(server, folder, users, sample))


async def _measure(
    server: ServerProcess, folder: Path, users: int, sample: int
) -> list[Result]:
    from spkey_desktop import heap
    from spkey_desktop.api import Credentials, SpkeyClient
    from spkey_desktop.services.delivery import SendPolicy
    from spkey_desktop.services.roster_service import (
        DEFAULT_REFRESH_CONCURRENCY,
        RosterService,
    )
    from spkey_desktop.store.outbox import Outbox
    from spkey_desktop.store.roster import RosterStore, RosterUser
    from spkey_desktop.ui.main_window import ConnectionInfo, MainWindow

    credentials = Credentials(api_key=server.api_key)
    client = SpkeyClient(server.base_url, lambda: credentials)
    path = folder / "roster.sqlite3"
    store, outbox = RosterStore(path), Outbox(path)
    service = RosterService(client, store, outbox)
    service.start()

    async def never(_error: object) -> bool:
        return False

    window = MainWindow(service, ConnectionInfo("Benchmark", server.base_url), never)
    window.resize(1100, 650)
    window.show()
    stubs = [RosterUser(u.user_id, u.email) for u in server.users]
    store.save_many(stubs)
    window.show_roster(stubs)
    heap.settle()  # as the app does once the window and saved roster are up
    server.set_latency(LATENCY_MS)
    results: list[Result] = []

    # -- refresh -----------------------------------------------------------------
    ids = [u.user_id for u in server.users]
    started = time.perf_counter()
    for user_id in ids[:sample]:
        await client.get_profile(user_id)
        await client.list_plates(user_id)
    sequential = (time.perf_counter() - started) / sample * users

    before = server.requests()
    lag = LoopLag().start()
    cpu = _cpu_seconds()
    started = time.perf_counter()
    await window.refresh_now()
    elapsed = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu
    worst = lag.stop()
    requests = server.requests() - before
    in_flight = 2 * DEFAULT_REFRESH_CONCURRENCY
    results += _compare("refresh", elapsed, sequential, requests, in_flight, worst)
    results.append(_cpu("refresh", cpu, elapsed, requests))

    # -- import ------------------------------------------------------------------
    lanes = SendPolicy().concurrency
    results += await _import(server, window, service, client, folder, sample, lanes)

    await window.shutdown()
    window.close()
    await service.aclose()
    await client.aclose()
    outbox.close()
    store.close()
    return results


async def _import(
    server: ServerProcess,
    window: MainWindow,
    service: RosterService,
    client: SpkeyClient,
    folder: Path,
    sample: int,
    lanes: int,
) -> list[Result]:
    from spkey_desktop.bulk.mapping import MappingMemory
    from spkey_desktop.services.bulk_import import ImportService
    from spkey_desktop.services.import_run import ImportOptions, ImportRun, Outcome
    from spkey_desktop.ui.bulk_actions import show_users

    users = server.users

    # The same requests one after another: the add, then the plates read back.
    started = time.perf_counter()
    for user in users[:sample]:
        await client.add_plate(user.user_id, f"SQ{user.plate[2:]}")
        await client.list_plates(user.user_id)
    sequential = (time.perf_counter() - started) / sample * len(users)

    file = folder / "tenants.csv"
    lines = ["E-mail,Plate,Label"] + [
        f"{u.email},IM {u.plate[2:]},Bench" for u in users
    ]
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    importer = ImportService(service, MappingMemory(folder))
    sheet = await importer.read(file)
    mapping, _ = importer.mapping_for(sheet)
    panel = window.panel
    started = time.perf_counter()
    preview = await importer.preview(
        sheet, mapping, panel.roster_model.users(), panel.plate_index.check
    )
    previewed = time.perf_counter() - started

    before = server.requests()
    run = ImportRun(
        service, preview, ImportOptions(), on_users=lambda u: show_users(panel, u)
    )
    lag = LoopLag().start()
    cpu = _cpu_seconds()
    started = time.perf_counter()
    report = await run.run()
    elapsed = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu
    worst = lag.stop()
    requests = server.requests() - before
    sent = report.count(Outcome.SENT)
    assert sent == len(users), report.summary()
    results = [Result("import.preview", previewed, "s", note=f"{len(users)} rows")]
    results += _compare("import", elapsed, sequential, requests, lanes, worst)
    results.append(_cpu("import", cpu, elapsed, requests))
    return results


def _cpu_seconds() -> float:
    """CPU time of this process (the client side) so far."""
    times = os.times()
    return times.user + times.system


def _cpu(name: str, cpu: float, elapsed: float, requests: int) -> Result:
    return Result(
        f"{name}.client_cpu",
        cpu,
        "s",
        note=f"{cpu / elapsed:.0%} of the time, "
        f"{cpu / requests * 1000:.2f} ms a request",
    )


def _compare(
    name: str,
    elapsed: float,
    sequential: float,
    requests: int,
    in_flight: int,
    worst_lag: float,
) -> list[Result]:
    ideal = LATENCY_MS / 1000 * requests / in_flight
    note = f"{requests} requests, at most {in_flight} in flight"
    return [
        Result(
            f"{name}.time",
            elapsed,
            "s",
            baseline=sequential,
            baseline_name="one request after another",
            note=note,
        ),
        Result(
            f"{name}.speedup",
            sequential / elapsed,
            "x",
            target=10,
            higher_is_better=True,
            note="vs one request after another",
        ),
        Result(
            f"{name}.vs_ideal",
            elapsed / ideal,
            "x",
            target=2,
            note=f"ideal {ideal:.2f} s = latency x requests / in flight",
        ),
        Result(f"{name}.loop_lag_max", worst_lag, "s", target=0.05),
    ]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
