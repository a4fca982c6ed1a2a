"""The city's memory: air, traffic, incidents and recent frames in one SQLite file.

The poller writes it after each successful poll (``record``); the wall reads it for trends, the
incident timeline, handling times, the time machine and a warm start. Nothing else writes it.

Times are epoch seconds, on the source's clock (the poll's ``source_now``: a demo running fast or
a replay keeps its own), except ``fetched_at``, the wall clock of a poll, which a warm start needs
to show a restored frame's real age.

Writes are idempotent: every table is keyed so that recording the same poll twice, or an older
poll after a newer one, neither double-counts nor rolls anything back.

Incident lifecycle (one row per incident id, one event per change of status or handling stage):

- reported: the first poll that sees an id (``first_seen``).
- in_progress: a later poll sees it again (``last_seen`` follows every poll that sees it).
- cleared: absent from two successive successful polls, so that one glitch (a single empty
  answer, a short list) cannot close what is still open. ``cleared_at`` is the first poll that
  no longer saw it (``missed_at`` while the second is awaited) and ``cleared_after`` the last
  poll that still saw it: the clearance happened in between. Seen again in the second poll, it
  simply continues. A failed poll changes nothing, and neither does a restart: the polls after
  one compare the open incidents kept here with the feed, so an incident still open simply
  continues, and one that left the feed while the wall was down is cleared with the range
  [last seen before, first poll after].
- An id that truly appears in the feed again after being cleared is re-opened on the same row:
  ``first_seen`` is kept, the clearance is forgotten, and a new "reported" event is written.
- A poll older than the newest incidents poll already kept (out of order) does not move the
  lifecycle: it can no longer say what is open now.
"""

from __future__ import annotations

import json
import logging
import math
import sqlite3
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from pandas.api.types import pandas_dtype

from dashboard.settings import SettingsError
from dashboard.store import FrameMeta, digest
from feeds import incidents as incidents_feed
from feeds import traffic as traffic_feed
from feeds.values import SEOUL

ROOT = Path(__file__).resolve().parent.parent  # a relative HISTORY_PATH is under the repo root
OFF = "off"
MEMORY = ":memory:"
DAY = 86_400
FRAME_RETENTION = 48 * 3600  # source seconds of whole frames kept for the time machine
# A clearance known only to within more than this (it happened while the wall was down) is not
# a handling time: its middle could be hours off.
CLEARANCE_PRECISION = 3 * 3600
REPORTED, IN_PROGRESS, CLEARED = "reported", "in_progress", "cleared"
JAMMED = traffic_feed.CONGESTION[-1]
AIR_VALUES = ("pm10", "pm25", "o3", "no2", "co", "so2", "cai")
# The incident columns kept besides the id (a column the feed lacks is kept empty).
INCIDENT_FIELDS = (
    "type_code",
    "type",
    "type_en",
    "detail_code",
    "detail",
    "detail_en",
    "description",
    "closure",
    "link_id",
    "district_code",
    "district",
    "lon",
    "lat",
    "severe",
    "occurred_at",
    "expected_clear_at",
    "stage",
)
INCIDENT_TIMES = (
    "occurred_at",
    "expected_clear_at",
    "first_seen",
    "last_seen",
    "cleared_after",
    "cleared_at",
)

SCHEMA = """
CREATE TABLE IF NOT EXISTS air (
    district_code TEXT NOT NULL,
    measured_at   REAL NOT NULL,
    pm10 REAL, pm25 REAL, o3 REAL, no2 REAL, co REAL, so2 REAL, cai REAL, cai_grade TEXT,
    seen_at       REAL NOT NULL,  -- the poll that wrote the row: a newer poll's revision wins
    PRIMARY KEY (district_code, measured_at)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS air_by_time ON air (measured_at);

CREATE TABLE IF NOT EXISTS traffic_district (
    district_code TEXT NOT NULL,
    measured_at   REAL NOT NULL,  -- the newest measurement among the area's links
    speed_kmh     REAL,           -- mean speed of the links, weighted by their length
    links         INTEGER NOT NULL,
    jammed        INTEGER NOT NULL,
    seen_at       REAL NOT NULL,
    PRIMARY KEY (district_code, measured_at)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS traffic_district_by_time ON traffic_district (measured_at);

CREATE TABLE IF NOT EXISTS traffic_hotspot (
    hotspot     TEXT NOT NULL,
    measured_at REAL NOT NULL,
    speed_kmh   REAL,
    links       INTEGER NOT NULL,
    jammed      INTEGER NOT NULL,
    seen_at     REAL NOT NULL,
    PRIMARY KEY (hotspot, measured_at)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS traffic_hotspot_by_time ON traffic_hotspot (measured_at);

CREATE TABLE IF NOT EXISTS incidents (
    incident_id TEXT PRIMARY KEY,
    type_code TEXT, type TEXT, type_en TEXT, detail_code TEXT, detail TEXT, detail_en TEXT,
    description TEXT, closure TEXT, link_id TEXT, district_code TEXT, district TEXT,
    lon REAL, lat REAL, severe INTEGER, occurred_at REAL, expected_clear_at REAL, stage TEXT,
    first_seen    REAL NOT NULL,
    last_seen     REAL NOT NULL,
    cleared_after REAL,  -- the last poll that still saw it (NULL while open)
    cleared_at    REAL,  -- the first poll that no longer saw it (NULL while open)
    missed_at     REAL,  -- open, but the last poll did not see it: one more absence clears it
    status TEXT NOT NULL CHECK (status IN ('reported', 'in_progress', 'cleared'))
);
CREATE INDEX IF NOT EXISTS incidents_by_status ON incidents (status, cleared_at);

CREATE TABLE IF NOT EXISTS incident_events (
    incident_id TEXT NOT NULL,
    at          REAL NOT NULL,
    status      TEXT NOT NULL,
    stage       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (incident_id, at)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS incident_events_by_time ON incident_events (at);

CREATE TABLE IF NOT EXISTS frames (
    feed        TEXT NOT NULL,
    seen_at     REAL NOT NULL,  -- the first poll that brought this content
    last_seen   REAL NOT NULL,  -- the last poll that brought it unchanged
    fetched_at  REAL NOT NULL,  -- wall clock of that last poll
    measured_at REAL,
    source      TEXT NOT NULL,
    speed       REAL NOT NULL,
    version     INTEGER NOT NULL,  -- the frame store's version then (versions restart with the process)
    digest      TEXT NOT NULL,
    rows        INTEGER NOT NULL,
    data        BLOB NOT NULL,     -- zlib-compressed JSON, see encode_frame
    PRIMARY KEY (feed, seen_at)
);

CREATE TABLE IF NOT EXISTS polls (
    feed    TEXT PRIMARY KEY,
    seen_at REAL NOT NULL  -- the newest successful poll kept, per feed
);
"""
SCHEMA_VERSION = 2
TABLES = ("air", "traffic_district", "traffic_hotspot", "incidents", "incident_events", "frames", "polls")
FRAME_META_COLUMNS = (
    "feed",
    "version",
    "source",
    "measured_at",
    "fetched_at",
    "seen_at",
    "last_seen",
    "speed",
    "digest",
)
FRAME_META = ", ".join(FRAME_META_COLUMNS)

log = logging.getLogger(__name__)

Moment = float | datetime  # epoch seconds, or a datetime / pandas Timestamp with its zone


class History:
    """One SQLite file (WAL) holding what the wall saw; safe to share between threads.

    One connection serves every thread behind a lock: the scheduler's jobs for different feeds
    write one at a time, and callbacks on Flask threads read between them. Other processes (web
    workers) may open the same file to read: WAL lets them read while the poller writes.
    """

    def __init__(self, path: str, retention_days: float = 30):
        self.path = path
        self.retention_days = retention_days
        if path != MEMORY:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        try:
            # auto_vacuum only takes on a new file, so it goes before the first table.
            self._db.execute("PRAGMA auto_vacuum = INCREMENTAL")
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
            with self._write() as db:
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        db.execute(statement)
                columns = {row[1] for row in db.execute("PRAGMA table_info(incidents)")}
                if "missed_at" not in columns:  # a file from before the two-poll rule
                    db.execute("ALTER TABLE incidents ADD COLUMN missed_at REAL")
                db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except sqlite3.Error:
            self._db.close()
            raise

    def close(self) -> None:
        """Fold the write-ahead log into the file and close it."""
        with self._lock:
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._db.close()

    # --- writing ---------------------------------------------------------------------------------

    def record(
        self, feed: str, data: pd.DataFrame, meta: FrameMeta, upstream: pd.DataFrame | None = None
    ) -> None:
        """Keep what a successful poll brought. Call it after every one: it stores only what is new.

        The frame goes to the time machine when its content changed (an unchanged one only moves
        the kept frame's last-seen time); air and traffic rows are upserted by area and
        measurement time; incidents move through their lifecycle by ``upstream``, what the source
        itself answered, when the frame shown holds more (rows kept past one poll that lacked them).
        """
        seen = meta.source_now if meta.source_now is not None else meta.fetched_at
        if seen is None:
            raise ValueError(f"{feed} frame has no poll time")
        with self._write() as db:
            previous = db.execute("SELECT seen_at FROM polls WHERE feed = ?", (feed,)).fetchone()
            newest = previous is None or seen > previous[0]
            if newest:
                db.execute(
                    "INSERT INTO polls VALUES (?, ?) ON CONFLICT (feed) DO UPDATE SET "
                    "seen_at = excluded.seen_at",
                    (feed, seen),
                )
            self._record_frame(db, feed, data, meta, seen)
            if feed == "air":
                self._record_air(db, data, seen)
            elif feed == "traffic":
                self._record_traffic(db, data, seen)
            elif feed == "incidents" and newest:
                self._record_incidents(db, data if upstream is None else upstream, seen)

    def _record_frame(
        self, db: sqlite3.Connection, feed: str, data: pd.DataFrame, meta: FrameMeta, seen: float
    ) -> None:
        content = meta.digest or digest(data)
        fetched = meta.fetched_at if meta.fetched_at is not None else seen
        before = db.execute(
            "SELECT seen_at, digest FROM frames WHERE feed = ? AND seen_at <= ? "
            "ORDER BY seen_at DESC LIMIT 1",
            (feed, seen),
        ).fetchone()
        if before is not None and before[1] == content:
            db.execute(
                "UPDATE frames SET last_seen = ?, fetched_at = ? "
                "WHERE feed = ? AND seen_at = ? AND last_seen <= ?",
                (seen, fetched, feed, before[0], seen),
            )
            return
        db.execute(
            "INSERT OR REPLACE INTO frames VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                feed,
                seen,
                seen,
                fetched,
                meta.measured_at,
                meta.source,
                meta.speed,
                meta.version,
                content,
                len(data),
                encode_frame(data),
            ),
        )

    def _record_air(self, db: sqlite3.Connection, data: pd.DataFrame, seen: float) -> None:
        rows = [
            (
                row["district_code"],
                _sql(row["measured_at"]),
                *(_sql(row.get(name)) for name in AIR_VALUES),
                _sql(row.get("cai_grade")) or None,
                seen,
            )
            for row in data.to_dict("records")
            if _sql(row["measured_at"]) is not None
        ]
        updates = ", ".join(f"{name} = excluded.{name}" for name in (*AIR_VALUES, "cai_grade", "seen_at"))
        db.executemany(
            f"INSERT INTO air VALUES ({', '.join('?' * 11)}) ON CONFLICT (district_code, "
            f"measured_at) DO UPDATE SET {updates} WHERE excluded.seen_at >= air.seen_at",
            rows,
        )

    def _record_traffic(self, db: sqlite3.Connection, data: pd.DataFrame, seen: float) -> None:
        for table, key in (("traffic_district", "district_code"), ("traffic_hotspot", "hotspot")):
            rows = [(*average, seen) for average in traffic_averages(data, key)]
            db.executemany(
                f"INSERT INTO {table} VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT ({key}, "
                "measured_at) DO UPDATE SET speed_kmh = excluded.speed_kmh, links = "
                "excluded.links, jammed = excluded.jammed, seen_at = excluded.seen_at "
                f"WHERE excluded.seen_at >= {table}.seen_at",
                rows,
            )

    def _record_incidents(self, db: sqlite3.Connection, data: pd.DataFrame, seen: float) -> None:
        open_now = {
            incident_id: (status, stage, missed_at)
            for incident_id, status, stage, missed_at in db.execute(
                "SELECT incident_id, status, stage, missed_at FROM incidents WHERE status != 'cleared'"
            )
        }
        rows = data.drop_duplicates("incident_id", keep="last").to_dict("records") if len(data) else []
        columns = ", ".join(INCIDENT_FIELDS)
        updates = ", ".join(f"{name} = excluded.{name}" for name in INCIDENT_FIELDS)
        for row in rows:
            incident_id = str(row["incident_id"])
            fields = [_sql(row.get(name)) for name in INCIDENT_FIELDS]
            stage = _sql(row.get("stage")) or ""
            if incident_id in open_now:
                status, old_stage, _ = open_now.pop(incident_id)
                db.execute(
                    f"UPDATE incidents SET ({columns}, last_seen, status, missed_at) = "
                    f"({', '.join('?' * len(INCIDENT_FIELDS))}, ?, ?, NULL) WHERE incident_id = ?",
                    (*fields, seen, IN_PROGRESS, incident_id),
                )
                if status != IN_PROGRESS or stage != (old_stage or ""):
                    self._event(db, incident_id, seen, IN_PROGRESS, stage)
                continue
            # New, or truly back in the feed after it was cleared: (re-)open it, first_seen kept.
            db.execute(
                f"INSERT INTO incidents (incident_id, {columns}, first_seen, last_seen, status) "
                f"VALUES ({', '.join('?' * (len(INCIDENT_FIELDS) + 4))}) ON CONFLICT (incident_id) "
                f"DO UPDATE SET {updates}, last_seen = excluded.last_seen, cleared_after = NULL, "
                "cleared_at = NULL, missed_at = NULL, status = excluded.status",
                (incident_id, *fields, seen, seen, REPORTED),
            )
            self._event(db, incident_id, seen, REPORTED, stage)
        # (The poller logs many incidents missing at once; the first absence closes nothing here.)
        for incident_id, (_, stage, missed_at) in open_now.items():
            if missed_at is None:  # the first poll without it: it may be a glitch
                db.execute("UPDATE incidents SET missed_at = ? WHERE incident_id = ?", (seen, incident_id))
                continue
            db.execute(
                "UPDATE incidents SET status = ?, cleared_at = missed_at, cleared_after = last_seen, "
                "missed_at = NULL WHERE incident_id = ?",
                (CLEARED, incident_id),
            )
            self._event(db, incident_id, missed_at, CLEARED, stage or "")

    @staticmethod
    def _event(db: sqlite3.Connection, incident_id: str, at: float, status: str, stage: str) -> None:
        db.execute(
            "INSERT OR REPLACE INTO incident_events VALUES (?, ?, ?, ?)", (incident_id, at, status, stage)
        )

    def prune(self, retention_days: float | None = None, now: float | None = None) -> dict[str, int]:
        """Delete what is older than the retention (frames: older than 48 h) and give the space back.

        ``now`` is on the source's clock; by default the newest poll kept. Open incidents are
        never pruned, nor is each feed's newest frame (a warm start after a long stop needs it).
        Returns the rows deleted per table.
        """
        days = self.retention_days if retention_days is None else retention_days
        with self._write() as db:
            if now is None:
                now = db.execute("SELECT MAX(seen_at) FROM polls").fetchone()[0]
                if now is None:
                    return {}
            cutoff, frames_cutoff = now - days * DAY, now - FRAME_RETENTION
            removed = {
                "air": db.execute("DELETE FROM air WHERE measured_at < ?", (cutoff,)).rowcount,
                "traffic_district": db.execute(
                    "DELETE FROM traffic_district WHERE measured_at < ?", (cutoff,)
                ).rowcount,
                "traffic_hotspot": db.execute(
                    "DELETE FROM traffic_hotspot WHERE measured_at < ?", (cutoff,)
                ).rowcount,
                "incident_events": db.execute(
                    "DELETE FROM incident_events WHERE incident_id IN (SELECT incident_id FROM "
                    "incidents WHERE status = 'cleared' AND cleared_at < ?)",
                    (cutoff,),
                ).rowcount,
                "incidents": db.execute(
                    "DELETE FROM incidents WHERE status = 'cleared' AND cleared_at < ?", (cutoff,)
                ).rowcount,
                "frames": db.execute(
                    "DELETE FROM frames WHERE seen_at < ? AND seen_at < "
                    "(SELECT MAX(seen_at) FROM frames AS newest WHERE newest.feed = frames.feed)",
                    (frames_cutoff,),
                ).rowcount,
            }
        with self._lock:
            # executescript steps the pragma to its end; execute would free a single page.
            self._db.executescript("PRAGMA incremental_vacuum;")
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the file shrinks at the checkpoint
        return removed

    # --- reading ---------------------------------------------------------------------------------

    def series(self, feed: str, since: Moment, until: Moment) -> pd.DataFrame | None:
        """What the store's trend series holds for a feed (``Feed.series`` rows), or None if not kept."""
        readers = {"air": self.air_series}
        return readers[feed](since, until) if feed in readers else None

    def air_series(self, since: Moment, until: Moment) -> pd.DataFrame:
        """Air per district and measurement hour: district_code, measured_at, pm10, pm25, cai.

        Both ends included; a station that reported nothing that hour has NaN values.
        """
        return self._frame(
            "SELECT district_code, measured_at, pm10, pm25, cai FROM air "
            "WHERE measured_at BETWEEN ? AND ? ORDER BY district_code, measured_at",
            (_epoch(since), _epoch(until)),
            times=("measured_at",),
            floats=("pm10", "pm25", "cai"),
        )

    def traffic_series(self, since: Moment, until: Moment, by: str = "district") -> pd.DataFrame:
        """Road speed per area and measurement: district_code (or hotspot, with by="hotspot"),
        measured_at, speed_kmh (length-weighted mean), links, jammed. Both ends included."""
        key, table = {
            "district": ("district_code", "traffic_district"),
            "hotspot": ("hotspot", "traffic_hotspot"),
        }[by]
        return self._frame(
            f"SELECT {key}, measured_at, speed_kmh, links, jammed FROM {table} "
            f"WHERE measured_at BETWEEN ? AND ? ORDER BY {key}, measured_at",
            (_epoch(since), _epoch(until)),
            times=("measured_at",),
            floats=("speed_kmh",),
            ints=("links", "jammed"),
        )

    def incident_timeline(self, since: Moment, until: Moment) -> pd.DataFrame:
        """Incidents opened and cleared per hour and type: hour, type_code, type, type_en, opened, cleared.

        An incident opens at its occurrence time (its first sighting when the feed gave none) and
        clears at ``cleared_at``; each counts once each way. Hours with neither are left out.
        """
        bounds = (_epoch(since), _epoch(until))
        columns = ["hour", "type_code", "type", "type_en", "opened", "cleared"]
        found = self._frame(
            "SELECT type_code, type, type_en, COALESCE(occurred_at, first_seen) AS opened_at, cleared_at "
            "FROM incidents WHERE COALESCE(occurred_at, first_seen) BETWEEN ? AND ? "
            "OR cleared_at BETWEEN ? AND ?",
            bounds * 2,
            times=("opened_at", "cleared_at"),
        )
        if found.empty:
            return pd.DataFrame(columns=columns)
        since_at, until_at = (pd.Timestamp(bound, unit="s", tz=SEOUL) for bound in bounds)
        counts = []
        for event, when in (("opened", "opened_at"), ("cleared", "cleared_at")):
            inside = found[found[when].between(since_at, until_at)]
            counts.append(
                inside.assign(hour=inside[when].dt.floor("h"))
                .groupby(["hour", "type_code", "type", "type_en"])
                .size()
                .rename(event)
            )
        timeline = pd.concat(counts, axis=1).fillna(0).astype(int).reset_index()
        return timeline.sort_values(["hour", "type_code"]).reset_index(drop=True)[columns]

    def handling_times(self, since: Moment, until: Moment) -> pd.DataFrame:
        """Minutes from occurrence to clearance per type, for incidents cleared in [since, until]:
        type_code, type, type_en, count, median_minutes, mean_minutes.

        An incident starts at its occurrence time (its first sighting when that is later or
        unknown) and clears in the middle of [cleared_after, cleared_at]; one whose clearance is
        known only to within more than CLEARANCE_PRECISION is left out.
        """
        found = self._frame(
            "SELECT type_code, type, type_en, (cleared_after + cleared_at) / 2 - "
            "COALESCE(MIN(occurred_at, first_seen), first_seen) AS seconds FROM incidents "
            "WHERE status = 'cleared' AND cleared_at BETWEEN ? AND ? AND cleared_at - cleared_after <= ?",
            (_epoch(since), _epoch(until), CLEARANCE_PRECISION),
            floats=("seconds",),
        )
        minutes = found.assign(minutes=found["seconds"] / 60)
        summary = minutes.groupby(["type_code", "type", "type_en"])["minutes"].agg(
            count="size", median_minutes="median", mean_minutes="mean"
        )
        return summary.reset_index().sort_values("type_code").reset_index(drop=True)

    def incidents_open_at(self, t: Moment) -> pd.DataFrame:
        """The incidents frame (feeds/incidents.py columns) as it was at ``t``, plus each one's
        lifecycle status then and first_seen. Descriptive fields are the latest seen."""
        found = self._frame(
            "SELECT incidents.*, at_t.status AS status_then, at_t.stage AS stage_then FROM incidents "
            "JOIN (SELECT incident_id, status, stage, MAX(at) FROM incident_events WHERE at <= ? "
            "GROUP BY incident_id) AS at_t USING (incident_id) WHERE at_t.status != 'cleared' "
            "ORDER BY occurred_at DESC, incident_id",
            (_epoch(t),),
            times=INCIDENT_TIMES,
            floats=("lon", "lat"),
        )
        found["severe"] = found["severe"].astype(bool)
        found["status"], found["stage"] = found.pop("status_then"), found.pop("stage_then")
        return found.reindex(columns=[*incidents_feed.COLUMNS, "status", "first_seen"])

    def incident_events(self, incident_id: str | None = None) -> pd.DataFrame:
        """Lifecycle events (incident_id, at, status, stage), oldest first; one incident's or all."""
        where, params = ("WHERE incident_id = ?", (incident_id,)) if incident_id else ("", ())
        return self._frame(
            f"SELECT * FROM incident_events {where} ORDER BY at, incident_id", params, times=("at",)
        )

    def incidents(self) -> pd.DataFrame:
        """Every incident kept, with its lifecycle columns (first_seen ... cleared_at, status)."""
        found = self._frame(
            "SELECT * FROM incidents ORDER BY first_seen, incident_id",
            (),
            times=INCIDENT_TIMES,
            floats=("lon", "lat"),
        )
        found["severe"] = found["severe"].astype(bool)
        return found

    def frame_at(self, feed: str, t: Moment) -> tuple[pd.DataFrame, dict[str, Any]] | None:
        """The frame the wall showed for a feed at ``t`` (the newest kept at or before it), or None.

        The meta dict holds feed, version, source, measured_at, fetched_at, seen_at (the first poll
        that brought it), last_seen (the last poll that brought it unchanged), speed and digest.
        Versions restart with the process: (feed, seen_at) or the digest names a kept frame.
        """
        with self._lock:
            row = self._db.execute(
                f"SELECT {FRAME_META}, data FROM frames WHERE feed = ? AND seen_at <= ? "
                "ORDER BY seen_at DESC LIMIT 1",
                (feed, _epoch(t)),
            ).fetchone()
        return _kept_frame(row) if row else None

    def newest_poll(self) -> float | None:
        """The newest poll kept, any feed (source clock), or None for an empty history."""
        with self._lock:
            row = self._db.execute("SELECT MAX(seen_at) FROM polls").fetchone()
        return row[0] if row and row[0] is not None else None

    def latest_frames(self) -> dict[str, tuple[pd.DataFrame, dict[str, Any]]]:
        """Each feed's newest kept frame and its meta (as ``frame_at``), for a warm start."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT {FRAME_META}, data FROM frames JOIN (SELECT feed, "
                "MAX(seen_at) AS seen_at FROM frames GROUP BY feed) "
                "USING (feed, seen_at)"
            ).fetchall()
        return {row[0]: _kept_frame(row) for row in rows}

    def count(self, table: str) -> int:
        """Rows in a table (for health and tests)."""
        if table not in TABLES:
            raise ValueError(f"no table {table}")
        with self._lock:
            return self._db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]

    # --- plumbing --------------------------------------------------------------------------------

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _frame(
        self,
        sql: str,
        params: tuple,
        times: tuple[str, ...] = (),
        floats: tuple[str, ...] = (),
        ints: tuple[str, ...] = (),
    ) -> pd.DataFrame:
        with self._lock:
            cursor = self._db.execute(sql, params)
            rows = cursor.fetchall()
        columns = [description[0] for description in cursor.description]
        frame = pd.DataFrame.from_records(rows, columns=columns)
        for name in columns:
            if name in times:
                stamps = pd.to_datetime(frame[name].astype("float64"), unit="s", utc=True)
                frame[name] = stamps.dt.tz_convert(SEOUL)
            elif name in floats:
                frame[name] = frame[name].astype("float64")
            elif name in ints:
                frame[name] = frame[name].astype("int64")
        return frame


def open_history(path: str, retention_days: float = 30) -> History | None:
    """The History a HISTORY_PATH setting names: None for "off"; a relative path is under ROOT."""
    if path.lower() == OFF:
        return None
    file = path if path == MEMORY or Path(path).is_absolute() else str(ROOT / path)
    try:
        return History(file, retention_days)
    except (OSError, sqlite3.Error) as exc:
        raise SettingsError(f"HISTORY_PATH={path!r} cannot be used: {exc}") from None


def traffic_averages(data: pd.DataFrame, key: str) -> list[tuple[str, float, float | None, int, int]]:
    """Per area (``key``: district_code or hotspot): (area, measured_at, length-weighted mean speed,
    links, jammed links). An area's time is the newest measurement among its links; links outside
    Seoul and places that gave no time are left out."""
    if data.empty:
        return []
    lengths = data["length_m"].where(data["length_m"] > 0)
    unknown = lengths.mean() if lengths.notna().any() else 1.0  # the weight of a link of unknown length
    areas: dict[str, list] = {}  # area -> [newest time, speed x length, length, links, jammed]
    for area, measured, speed, length, congestion in zip(
        data[key].tolist(),
        data["measured_at"].tolist(),
        data["speed_kmh"].tolist(),
        lengths.fillna(unknown).tolist(),
        data["congestion"].tolist(),
        strict=True,
    ):
        if not isinstance(area, str) or not area or pd.isna(measured):
            continue
        total = areas.setdefault(area, [measured, 0.0, 0.0, 0, 0])
        total[0] = max(total[0], measured)
        if not math.isnan(speed):
            total[1] += speed * length
            total[2] += length
        total[3] += 1
        total[4] += congestion == JAMMED
    return [
        (area, newest.timestamp(), weighted / length if length else None, links, jammed)
        for area, (newest, weighted, length, links, jammed) in sorted(areas.items())
    ]


def encode_frame(data: pd.DataFrame) -> bytes:
    """A frame as zlib-compressed JSON that ``decode_frame`` turns back into an equal frame.

    Column by column with its dtype, so zone-aware times, pandas' text dtype and None in object
    columns survive; a column of lists of tuples (traffic's ``path``) comes back as tuples.
    """
    payload: dict[str, list] = {"columns": [], "dtypes": [], "pairs": [], "values": []}
    for name in data.columns:
        column = data[name]
        if column.dtype.kind == "M":
            values = [None if pd.isna(value) else value.isoformat() for value in column]
        else:
            values = column.tolist()
            first = next((value for value in values if isinstance(value, list) and value), None)
            if first is not None and isinstance(first[0], tuple):
                payload["pairs"].append(str(name))
        payload["columns"].append(str(name))
        payload["dtypes"].append(str(column.dtype))
        payload["values"].append(values)
    return zlib.compress(json.dumps(payload, ensure_ascii=False, default=str).encode(), 6)


def decode_frame(blob: bytes) -> pd.DataFrame:
    payload = json.loads(zlib.decompress(blob))
    columns = {}
    for name, dtype, values in zip(payload["columns"], payload["dtypes"], payload["values"], strict=True):
        if name in payload["pairs"]:
            values = [
                [tuple(pair) for pair in value] if isinstance(value, list) else value for value in values
            ]
        columns[name] = _column(values, pandas_dtype(dtype))
    return pd.DataFrame(columns, columns=payload["columns"])


def _column(values: list, dtype: Any) -> pd.Series:
    if isinstance(dtype, pd.DatetimeTZDtype):
        stamps = pd.Series(pd.to_datetime(values, utc=True, format="ISO8601"))
        return stamps.dt.tz_convert(dtype.tz).astype(dtype)
    if dtype.kind == "M":
        return pd.Series(pd.to_datetime(values, format="ISO8601")).astype(dtype)
    return pd.Series(values, dtype=object).astype(dtype)


def _kept_frame(row: tuple) -> tuple[pd.DataFrame, dict[str, Any]]:
    return decode_frame(row[-1]), dict(zip(FRAME_META_COLUMNS, row[:-1], strict=True))


def _epoch(moment: Moment) -> float:
    return moment.timestamp() if isinstance(moment, datetime) else float(moment)


def _sql(value: Any) -> Any:
    """A frame value as SQLite keeps it: times as epoch seconds, missing as NULL, bools as 0/1."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, datetime):
        return value.timestamp()
    if hasattr(value, "item"):  # a numpy scalar
        value = value.item()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
