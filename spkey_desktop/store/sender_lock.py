"""Which process sends a profile's outbox: one at a time.

The outbox file may be open in several processes at once (the window, and a
nightly ``spkey-desktop import`` of the same profile), and SQLite keeps each
write safe. Sending is another matter: a sender marks a change "sending"
before its request and, when it starts, hands back to the queue whatever an
earlier run left "sending" without an answer. Two senders on one outbox
would take each other's in-flight changes back, send them twice and out of
order. So a sender first takes this lock, an operating-system lock on a
small file beside the database (``<database>.sender-lock``), which the
system releases when the process ends, however it ends.

Public API::

    lock = SenderLock(database_path)
    lock.acquire()   # True: this process sends; False: another one does
    lock.release()
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import IO

if sys.platform == "win32":
    import msvcrt
else:
    import fcntl


def lock_path(database: Path | str) -> Path:
    return Path(f"{database}.sender-lock")


class SenderLock:
    """An exclusive, non-blocking lock on ``<database>.sender-lock``."""

    def __init__(self, database: Path | str) -> None:
        self._path = lock_path(database)
        self._file: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        return self._file is not None

    def acquire(self) -> bool:
        """True once this process holds the lock; False while another does.
        Raises :class:`SenderLockError` when the lock file cannot be used."""
        if self._file is not None:
            return True
        for _ in range(3):
            try:
                self._path.parent.mkdir(parents=True, exist_ok=True)
                handle = open(self._path, "a+b")  # noqa: SIM115 (kept while held)
            except OSError as error:
                raise SenderLockError(
                    f"The lock file {self._path} cannot be used "
                    f"({error.strerror or error}). Delete whatever is at that "
                    "place (the app makes a new one) and try again."
                ) from None
            if not _lock(handle):
                handle.close()
                return False
            # Deleted and made anew meanwhile: this lock guards nothing.
            if _same_file(handle, self._path):
                self._file = handle
                return True
            _unlock(handle)
            handle.close()
        return False

    def release(self) -> None:
        handle, self._file = self._file, None
        if handle is None:
            return
        try:
            _unlock(handle)
        finally:
            handle.close()


class SenderLockError(Exception):
    """The lock file cannot be opened (a folder or a broken link in its place,
    no permission); the message says which file."""


def _lock(handle: IO[bytes]) -> bool:
    try:
        if sys.platform == "win32":
            handle.seek(0)
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def _unlock(handle: IO[bytes]) -> None:
    if sys.platform == "win32":
        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_UNLCK, 1)
    else:
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _same_file(handle: IO[bytes], path: Path) -> bool:
    """Whether the open file is still the one at ``path`` (a lock holds the
    file, not its name: one deleted and made anew is another lock)."""
    try:
        here = path.stat()
    except OSError:
        return False
    mine = os.fstat(handle.fileno())
    return (mine.st_dev, mine.st_ino) == (here.st_dev, here.st_ino)
