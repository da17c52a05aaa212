"""Cameras and their licence plate recognition (LPR) history."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from spkey_desktop.server.db import Database


@dataclass(frozen=True)
class Camera:
    camera_id: str
    org_id: str
    three_deye_id: str
    name: str
    type: str
    status: str
    http_url: str
    rtsp_url: str
    lock_id: str | None = None
    permissions: tuple[str, ...] = ("view", "lpr_events")


@dataclass(frozen=True)
class LprEvent:
    event_id: str
    camera_id: str
    lock_id: str | None
    plate: str
    confidence: float
    matched: bool
    matched_user_id: str | None
    action_taken: str
    timestamp_ms: int


@dataclass(frozen=True)
class LprPage:
    events: list[LprEvent]
    total: int


class CameraStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    def add(self, camera: Camera) -> None:
        with self._db.transaction() as conn:
            conn.execute(
                "INSERT INTO cameras (camera_id, org_id, three_deye_id, name, type,"
                " status, http_url, rtsp_url, lock_id, permissions)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    camera.camera_id,
                    camera.org_id,
                    camera.three_deye_id,
                    camera.name,
                    camera.type,
                    camera.status,
                    camera.http_url,
                    camera.rtsp_url,
                    camera.lock_id,
                    json.dumps(list(camera.permissions)),
                ),
            )

    def of_org(self, org_id: str) -> list[Camera]:
        with self._db.reading() as conn:
            rows = conn.execute(
                "SELECT * FROM cameras WHERE org_id = ? ORDER BY name, camera_id",
                (org_id,),
            ).fetchall()
        return [_camera(row) for row in rows]

    def get(self, camera_id: str, org_id: str | None = None) -> Camera | None:
        with self._db.reading() as conn:
            row = conn.execute(
                "SELECT * FROM cameras WHERE camera_id = ?", (camera_id,)
            ).fetchone()
        if row is None or (org_id is not None and row["org_id"] != org_id):
            return None
        return _camera(row)

    def add_events(self, events: Iterable[LprEvent]) -> None:
        rows = [
            (
                e.event_id,
                e.camera_id,
                e.lock_id,
                e.plate,
                e.confidence,
                int(e.matched),
                e.matched_user_id,
                e.action_taken,
                e.timestamp_ms,
            )
            for e in events
        ]
        with self._db.transaction() as conn:
            conn.executemany(
                "INSERT INTO lpr_events (event_id, camera_id, lock_id, plate,"
                " confidence, matched, matched_user_id, action_taken, timestamp)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )

    def events(
        self,
        camera_id: str,
        *,
        since_ms: int | None = None,
        until_ms: int | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> LprPage:
        """Newest first, both bounds inclusive."""
        # TODO(#2): newest-first is our guess; the spec does not give the order.
        where = ["camera_id = ?"]
        args: list[object] = [camera_id]
        if since_ms is not None:
            where.append("timestamp >= ?")
            args.append(since_ms)
        if until_ms is not None:
            where.append("timestamp <= ?")
            args.append(until_ms)
        condition = " AND ".join(where)
        with self._db.reading() as conn:
            total = conn.execute(
                f"SELECT COUNT(*) FROM lpr_events WHERE {condition}", args
            ).fetchone()[0]
            rows = conn.execute(
                f"SELECT * FROM lpr_events WHERE {condition}"
                " ORDER BY timestamp DESC, event_id DESC LIMIT ? OFFSET ?",
                [*args, limit, offset],
            ).fetchall()
        return LprPage([_lpr_event(row) for row in rows], int(total))

    def count_events(self, camera_id: str | None = None) -> int:
        where, args = ("WHERE camera_id = ?", (camera_id,)) if camera_id else ("", ())
        with self._db.reading() as conn:
            row = conn.execute(f"SELECT COUNT(*) FROM lpr_events {where}", args)
            return int(row.fetchone()[0])


def _camera(row: sqlite3.Row) -> Camera:
    return Camera(
        camera_id=row["camera_id"],
        org_id=row["org_id"],
        three_deye_id=row["three_deye_id"],
        name=row["name"],
        type=row["type"],
        status=row["status"],
        http_url=row["http_url"],
        rtsp_url=row["rtsp_url"],
        lock_id=row["lock_id"],
        permissions=tuple(json.loads(row["permissions"])),
    )


def _lpr_event(row: sqlite3.Row) -> LprEvent:
    return LprEvent(
        event_id=row["event_id"],
        camera_id=row["camera_id"],
        lock_id=row["lock_id"],
        plate=row["plate"],
        confidence=row["confidence"],
        matched=bool(row["matched"]),
        matched_user_id=row["matched_user_id"],
        action_taken=row["action_taken"],
        timestamp_ms=row["timestamp"],
    )
