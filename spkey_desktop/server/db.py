"""The SQLite database behind the local server: one connection, one lock.

Request threads share a single connection; every read and write holds the lock,
which keeps SQLite's own threading rules out of the picture. A file database
runs in WAL mode so that another process (a test, sqlite3 on the command line)
can read it while the server writes.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager

SCHEMA = """
CREATE TABLE IF NOT EXISTS organizations (
    org_id TEXT PRIMARY KEY,
    name TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS events (
    aggregate_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    type TEXT NOT NULL,
    data TEXT NOT NULL,
    timestamp INTEGER NOT NULL,
    PRIMARY KEY (aggregate_id, version)
);
CREATE TABLE IF NOT EXISTS users (
    user_id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (org_id),
    email TEXT,
    phone TEXT,
    first_name TEXT,
    last_name TEXT,
    status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    version INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS users_by_email ON users (org_id, email)
    WHERE email IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS users_by_phone ON users (org_id, phone)
    WHERE phone IS NOT NULL;
CREATE TABLE IF NOT EXISTS plates (
    user_id TEXT NOT NULL REFERENCES users (user_id),
    plate TEXT NOT NULL,
    label TEXT NOT NULL,
    added_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, plate)
);
CREATE TABLE IF NOT EXISTS cameras (
    camera_id TEXT PRIMARY KEY,
    org_id TEXT NOT NULL REFERENCES organizations (org_id),
    three_deye_id TEXT NOT NULL,
    name TEXT NOT NULL,
    type TEXT NOT NULL,
    status TEXT NOT NULL,
    http_url TEXT NOT NULL,
    rtsp_url TEXT NOT NULL,
    lock_id TEXT,
    permissions TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS lpr_events (
    event_id TEXT PRIMARY KEY,
    camera_id TEXT NOT NULL REFERENCES cameras (camera_id),
    lock_id TEXT,
    plate TEXT NOT NULL,
    confidence REAL NOT NULL,
    matched INTEGER NOT NULL,
    matched_user_id TEXT,
    action_taken TEXT NOT NULL,
    timestamp INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS lpr_events_by_time ON lpr_events (camera_id, timestamp);
"""


class Database:
    """A SQLite connection usable from any thread, one statement group at a time."""

    def __init__(self, path: str = ":memory:") -> None:
        self.path = path
        self._lock = threading.RLock()
        # Autocommit mode: transactions are opened explicitly in transaction().
        self._conn = sqlite3.connect(
            path, check_same_thread=False, isolation_level=None
        )
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA foreign_keys = ON")
        if path != ":memory:":
            self._conn.execute("PRAGMA journal_mode = WAL")
            self._conn.execute("PRAGMA synchronous = NORMAL")
        self._conn.executescript(SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock and one write transaction; roll back on any error."""
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    @contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock for a group of reads that must see one state."""
        with self._lock:
            yield self._conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()
