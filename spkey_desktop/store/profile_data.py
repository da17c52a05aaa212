"""What a connection profile keeps on this computer: its SQLite file.

Besides its settings and its secrets in the keychain, a profile has one SQLite
file (``AppPaths.roster_file``) holding its roster and its outbox, with
SQLite's companions beside it while it is in use (``-wal``, ``-shm``, rarely a
``-journal``). The file belongs to the profile's name: a profile added later
under the same name would open it, show the old roster and send the old
queued changes. So when a profile is removed its file goes too, and when one
is renamed the file follows it. Both ``spkey-desktop profile remove`` and the
window's File → Connections… go through here.

What the operator must decide first, this module reports rather than decides:
the changes in the outbox that have not reached the server yet, which removing
the file discards, and whether another program (the window, an import) has
the file open, in which case nothing is touched.

Public API::

    data = local_data(paths, "Production")
    data.unsent, data.refused      # queued changes not yet sent, refused ones
    data.in_use, data.problem      # open elsewhere; unreadable (why)
    unsent_summary(data)           # "2 changes not yet sent to the server (...)"
    delete_local_data(paths, "Production")   # ProfileDataInUseError, ...Error
    move_local_data(paths, "Production", "Production (HQ)")
    apply_file_changes(paths, clear=["Old"], rename=("A", "B"))  # problems
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from spkey_desktop.paths import AppPaths
from spkey_desktop.store.outbox import EntryState, Outbox, OutboxEntry, describe

#: What SQLite may keep beside a database file, by suffix of its name.
COMPANION_SUFFIXES = ("-wal", "-shm", "-journal", ".sender-lock")
#: Changes named in a summary; the rest are counted.
_NAMED = 3


class ProfileDataError(Exception):
    """A profile's file could not be deleted or moved; the text says which file,
    why, and that the profile's settings were left as they were."""


class ProfileDataInUseError(ProfileDataError):
    """Another connection (the window, an import) has the file open."""

    @classmethod
    def of(cls, profile: str, database: Path) -> ProfileDataInUseError:
        return cls(
            f"The roster file {database} of profile {profile!r} is in use: the "
            "window has this profile open, or an import is running. Switch the "
            "window to another connection (File → Connections…) or close it, or "
            "wait for the import to finish, then try again."
        )


@dataclass(frozen=True)
class ProfileData:
    """A profile's file on this computer and what its outbox still holds."""

    profile: str
    database: Path
    files: tuple[Path, ...] = ()  # those that exist: the database, its companions
    unsent: tuple[OutboxEntry, ...] = ()  # waiting or being sent, in sending order
    refused: int = 0  # refused by the server, not yet discarded by the operator
    in_use: bool = False
    problem: str | None = None  # the file could not be read: why

    @property
    def exists(self) -> bool:
        return bool(self.files)

    @property
    def at_stake(self) -> bool:
        """Deleting the file may discard changes the operator has not seen go:
        some are unsent, or the file could not be read to tell."""
        return bool(self.unsent) or self.problem is not None


def files_of(database: Path) -> tuple[Path, ...]:
    """The database and its companions, those that exist."""
    candidates = [database, *(_companion(database, s) for s in COMPANION_SUFFIXES)]
    return tuple(path for path in candidates if path.exists())


def local_data(paths: AppPaths, profile: str) -> ProfileData:
    """What ``profile`` keeps on this computer; creates nothing when it has no
    file. Reading waits for a writer in another process (at most the outbox's
    busy timeout) and never blocks one for longer than a read."""
    database = paths.roster_file(profile)
    files = files_of(database)
    if not database.exists():
        return ProfileData(profile, database, files)
    in_use = _in_use(database)
    try:
        outbox = Outbox(database)
        try:
            entries = outbox.entries()
        finally:
            outbox.close()
    except (sqlite3.Error, OSError, ValueError, KeyError, TypeError) as error:
        # A damaged file, or one written by a later version of the app.
        problem = f"{database} could not be read ({error})"
        return ProfileData(profile, database, files, in_use=in_use, problem=problem)
    unsent = tuple(e for e in entries if e.state is not EntryState.FAILED)
    return ProfileData(
        profile,
        database,
        files_of(database),
        unsent=unsent,
        refused=len(entries) - len(unsent),
        in_use=in_use,
    )


def unsent_summary(data: ProfileData) -> str:
    """The unsent changes in a phrase: "3 changes not yet sent to the server
    (add WX12345, remove KR5S100, add PO1234 and 1 more)"; for a file that
    could not be read, says so instead."""
    if data.problem is not None and not data.unsent:
        return (
            f"a roster file that could not be read, so whether it holds changes "
            f"not yet sent to the server is unknown ({data.problem})"
        )
    count = len(data.unsent)
    named = [describe(entry.change) for entry in data.unsent[:_NAMED]]
    if count > _NAMED:
        named[-1] += f" and {count - _NAMED} more"
    elif count > 1:
        named[-2:] = [f"{named[-2]} and {named[-1]}"]
    noun = "change" if count == 1 else "changes"
    return f"{count} {noun} not yet sent to the server ({', '.join(named)})"


def delete_local_data(paths: AppPaths, profile: str) -> tuple[Path, ...]:
    """Delete the profile's file and its companions; returns what was deleted.

    Raises ProfileDataInUseError, deleting nothing, while another connection
    has the file open, and ProfileDataError when a file cannot be deleted.
    Whether unsent changes may go is the caller's question (``local_data``).
    """
    database = paths.roster_file(profile)
    _check_not_in_use(profile, database)
    deleted = []
    for path in files_of(database):
        try:
            path.unlink(missing_ok=True)
        except OSError as error:
            raise ProfileDataError(
                f"The roster file {path} of profile {profile!r} could not be "
                f"deleted ({error.strerror or error})."
            ) from None
        deleted.append(path)
    return tuple(deleted)


def move_local_data(paths: AppPaths, old: str, new: str) -> tuple[Path, ...]:
    """Give profile ``new`` the file of ``old`` (a rename): its roster and its
    queued changes follow. Returns the files moved (none if ``old`` has no
    file). Raises ProfileDataInUseError while the file is open, and
    ProfileDataError when ``new`` has a file already or a move fails."""
    source = paths.roster_file(old)
    target = paths.roster_file(new)
    if not files_of(source):
        return ()
    if files_of(target):
        raise ProfileDataError(
            f"The roster of profile {old!r} was not moved to {new!r}: a roster "
            f"file for {new!r} exists already ({target})."
        )
    _check_not_in_use(old, source)
    present = files_of(source)
    # The database last: a companion is only ever read beside its database,
    # so one moved ahead of it is never opened on its own.
    order = [path for path in present if path != source]
    order += [source] if source in present else []
    moved = []
    for path in order:
        destination = _companion(target, path.name.removeprefix(source.name))
        try:
            os.replace(path, destination)
        except OSError as error:
            raise ProfileDataError(
                f"The roster file {path} of profile {old!r} could not be moved "
                f"to {destination} ({error.strerror or error})."
            ) from None
        moved.append(destination)
    return tuple(moved)


def apply_file_changes(
    paths: AppPaths, clear: Sequence[str], rename: tuple[str, str] | None = None
) -> list[str]:
    """Delete the files of the profiles named in ``clear`` (removed ones, and
    the names new profiles take, which an earlier profile may have left
    files under), then move the files of a renamed profile to its new name.
    Returns what could not be done, as sentences for the operator; the
    questions about unsent changes were asked before (``local_data``)."""
    problems = []
    for name in dict.fromkeys(clear):
        try:
            delete_local_data(paths, name)
        except ProfileDataError as error:
            problems.append(f"{error} The file was left as it is.")
    if rename is not None:
        try:
            move_local_data(paths, *rename)
        except ProfileDataError as error:
            problems.append(f"{error} {rename[1]!r} starts without that roster.")
    return problems


def _companion(database: Path, suffix: str) -> Path:
    return database.with_name(database.name + suffix)


def _in_use(database: Path) -> bool:
    """True when another connection, in this process or another, has the
    database open: an exclusive lock cannot be had at once. In WAL mode every
    open connection holds a shared lock on the file for as long as it is open,
    so an idle window counts too."""
    try:
        probe = sqlite3.connect(database, timeout=0, isolation_level=None)
    except sqlite3.Error:
        return False
    try:
        probe.execute("PRAGMA locking_mode = EXCLUSIVE")
        probe.execute("BEGIN EXCLUSIVE")
        probe.execute("ROLLBACK")
    except sqlite3.OperationalError as error:
        return _is_busy(error)
    except sqlite3.DatabaseError:
        return False  # not a database: nothing can be using it as one
    finally:
        probe.close()
    return False


def _is_busy(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(error) or "busy" in str(error)


def _check_not_in_use(profile: str, database: Path) -> None:
    if database.exists() and _in_use(database):
        raise ProfileDataInUseError.of(profile, database)
