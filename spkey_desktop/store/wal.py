"""Write-ahead-log checkpoints of a profile's SQLite file, off the event loop.

In WAL mode SQLite appends each commit to the ``-wal`` file and, by default,
copies the log back into the database once it passes 1,000 pages, inside
whichever commit crosses that line, finishing with an fsync. In the window
that commit runs on the event loop, so a refresh or an import that saves a
user per answer would stall the window for tens of milliseconds every few
hundred users. The roster store and the outbox therefore turn the automatic
checkpoint off on their connections (``PRAGMA wal_autocheckpoint = 0``) and
hold a :class:`WalCheckpointer`: one thread per database file that runs a
PASSIVE checkpoint every second. A passive checkpoint neither waits for nor
blocks readers and writers; it copies what it can and leaves the rest for
the next round. Once the log has grown past about 16 MB, a round also empties
it (see ``WalCheckpointer._checkpoint``). When the last connection closes,
SQLite checkpoints what is left and removes the log, as it always does.

Public API::

    release = hold_checkpoints(path)   # shared by every holder of ``path``
    release()                          # the last one stops the thread
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

log = logging.getLogger(__name__)

CHECKPOINT_INTERVAL_S = 1.0
#: Pages in the log (4 KiB each) beyond which a round also empties it. Emptying
#: holds the loop's next commit for its final copy and sync (10-20 ms), so it
#: is kept for a log of 16 MB, which a steady stream of commits reaches every
#: few seconds at most.
RESTART_AFTER_PAGES = 4000
# How long an emptying checkpoint waits for a commit under way (ms).
_TRUNCATE_WAIT_MS = 100


class WalCheckpointer:
    """A thread checkpointing one database file until :meth:`stop`."""

    def __init__(self, path: str, interval_s: float | None = None) -> None:
        self._path = path
        self._interval = CHECKPOINT_INTERVAL_S if interval_s is None else interval_s
        self._stopping = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"wal-checkpoint {Path(path).name}", daemon=True
        )
        self.rounds = 0  # checkpoints run so far

    def start(self) -> WalCheckpointer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        try:
            db = sqlite3.connect(self._path, timeout=0, isolation_level=None)
        except sqlite3.Error as error:
            # The holders' own connections still work; the log just grows
            # until they close, when SQLite checkpoints it.
            log.warning("Cannot open %s for checkpoints: %s", self._path, error)
            return
        try:
            while not self._stopping.wait(self._interval):
                try:
                    self._checkpoint(db)
                    self.rounds += 1
                except sqlite3.Error as error:
                    # Busy with another process's checkpoint, or a full disk:
                    # the next round tries again.
                    log.debug("Checkpoint of %s skipped: %s", self._path, error)
        finally:
            db.close()

    @staticmethod
    def _checkpoint(db: sqlite3.Connection) -> None:
        """Copy the log into the database; restart it once it has grown.

        A passive checkpoint copies what it can, but the log only starts over
        from its beginning once everything in it has been copied while no
        commit came in between; under a steady stream of commits (a long
        import) that never happens and the log grows without end. So once it
        holds more than ``RESTART_AFTER_PAGES``, the round also asks for a
        TRUNCATE checkpoint: it waits at most ``_TRUNCATE_WAIT_MS`` for the
        commit under way to end (else the next round tries again), copies the
        little the passive one left, and empties the log, holding the loop's
        next commit for that moment only.
        """
        _busy, logged, _copied = db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        if logged > RESTART_AFTER_PAGES:
            db.execute(f"PRAGMA busy_timeout = {_TRUNCATE_WAIT_MS}")
            try:
                db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            finally:
                db.execute("PRAGMA busy_timeout = 0")


_lock = threading.Lock()
_running: dict[str, tuple[WalCheckpointer, int]] = {}


def nothing_to_release() -> None:
    """The release of a database nobody checkpoints (one in memory)."""


def hold_checkpoints(path: str) -> Callable[[], None]:
    """Make sure ``path`` is checkpointed in the background while held; the
    returned function releases the hold (once; later calls do nothing)."""
    key = str(Path(path).resolve())
    with _lock:
        checkpointer, holders = _running.get(key, (None, 0))
        if checkpointer is None:
            checkpointer = WalCheckpointer(key).start()
        _running[key] = (checkpointer, holders + 1)
    released = False

    def release() -> None:
        nonlocal released
        with _lock:
            if released:
                return
            released = True
            found, holders = _running[key]
            if holders > 1:
                _running[key] = (found, holders - 1)
                return
            del _running[key]
        found.stop()

    return release


def checkpointer_of(path: str) -> WalCheckpointer | None:
    """The running checkpointer of ``path``, if any (for tests and diagnostics)."""
    with _lock:
        found = _running.get(str(Path(path).resolve()))
    return found[0] if found else None
