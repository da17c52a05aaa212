"""Qt fixtures: the qasync event loop on pytest-qt's QApplication.

The app runs asyncio on the Qt event loop through qasync. In tests the loop is
created as "already running" on pytest-qt's QApplication, so coroutines the
widgets start make progress whenever ``qtbot.waitUntil`` or ``waitSignal``
spins Qt's event loop, exactly as they do under ``app.exec()``.
"""

from __future__ import annotations

import asyncio
import gc
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
import qasync
from PySide6.QtWidgets import QApplication

# Widget tests render off-screen; the test that needs a real X window (Xvfb)
# starts the app in a subprocess with its own QT_QPA_PLATFORM and DISPLAY.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def qasync_loop(qapp: QApplication) -> Iterator[asyncio.AbstractEventLoop]:
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.set_event_loop(loop)
    # A plain thread pool the test can shut down: the loop stays "running" for
    # the whole test, so loop.close() (which would stop qasync's own executor
    # threads) cannot be called, and a QThread left running aborts at exit.
    executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="test-executor")
    loop.set_default_executor(executor)
    try:
        yield loop
    finally:
        pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
        for task in pending:
            task.cancel()
        for _ in range(20):
            if all(t.done() for t in pending):
                break
            qapp.processEvents()
        executor.shutdown(wait=True)
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(None)


@pytest.fixture(autouse=True)
def _hand_back_a_frozen_heap() -> Iterator[None]:
    """A test that runs the whole window session freezes the heap as the app
    does once it is up (``spkey_desktop/heap.py``); the suite goes on with
    the collector seeing everything again."""
    yield
    if gc.get_freeze_count():
        gc.unfreeze()
