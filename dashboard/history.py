"""The city's memory: each feed's series, the incidents' lifecycle and recent frames in one SQLite file.

The poller writes it after each successful poll (``record``); the wall reads it for trends, the
incident timeline, handling times, the time machine and a warm start. Nothing else writes it.

What is kept of a feed is said by its spec (feeds.registry): every frame whose content changed
(the time machine, a warm start), a table per ``Series`` it declares, written alike by one
writer, and, for the incident feed, the lifecycle below, its one writer of its own. The file
carries its schema version: an older file is brought up to date when opened, a newer one refused.

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
import time
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
from feeds.base import Series
from feeds.registry import FEEDS, Feed, all_series
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

-- What the alerts (dashboard/alerts.py) said: an event per alarm, and its two messages.
CREATE TABLE IF NOT EXISTS alert_events (
    event_id   INTEGER PRIMARY KEY,
    kind       TEXT NOT NULL,  -- incident, air, feed
    key        TEXT NOT NULL,  -- the incident id, the district code, the feed
    opened_at  REAL NOT NULL,  -- wall clock
    cleared_at REAL,           -- wall clock, NULL while open
    fields     TEXT NOT NULL   -- JSON: what the open message said of it
);
CREATE UNIQUE INDEX IF NOT EXISTS alert_events_open ON alert_events (kind, key) WHERE cleared_at IS NULL;

CREATE TABLE IF NOT EXISTS alert_messages (
    event_id  INTEGER NOT NULL,
    state     TEXT NOT NULL CHECK (state IN ('open', 'cleared')),
    body      TEXT NOT NULL,  -- the JSON POSTed
    queued_at REAL NOT NULL,  -- wall clock
    sent_at   REAL,           -- wall clock: the receiver took it (NULL: in the outbox)
    dropped   TEXT,           -- why it was given up (refused by the receiver, the outbox full)
    PRIMARY KEY (event_id, state)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS alert_outbox ON alert_messages (queued_at)
    WHERE sent_at IS NULL AND dropped IS NULL;
"""
# 1: the first file; 2: incidents.missed_at (the two-poll rule); 3: series tables declared by the
# feeds (traffic's gained length_m, crowds and weather appeared); 4: the alerts' events and
# messages (their tables are new: CREATE IF NOT EXISTS adds them). Opening a file brings it to this.
SCHEMA_VERSION = 4
FIXED_TABLES = ("incidents", "incident_events", "frames", "polls", "alert_events", "alert_messages")
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

    def __init__(self, path: str, retention_days: float = 30, feeds: dict[str, Feed] = FEEDS):
        self.path = path
        self.retention_days = retention_days
        self.feeds = feeds
        self.kept = {series.name: series for series in all_series(feeds)}
        if path != MEMORY:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
        try:
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:  # before anything here touches the file
                raise NewerHistory(
                    f"it was written by a newer wall (schema {version}; this one reads up to "
                    f"{SCHEMA_VERSION}): give this wall another file, or run the newer one"
                )
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
                for series in self.kept.values():
                    _create_series(db, series)
                if version < SCHEMA_VERSION:
                    if version:
                        log.info("history %s: schema %d brought up to %d", path, version, SCHEMA_VERSION)
                    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except (sqlite3.Error, NewerHistory):
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
        the kept frame's last-seen time); each series of the feed is upserted by area and
        measurement time; incidents move through their lifecycle by ``upstream``, what the source
        itself answered, when the frame shown holds more (rows kept past one poll that lacked them).
        A feed the history was not told of keeps its frames only.
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
            spec = self.feeds.get(feed)
            if spec is None:
                return
            if not data.empty:
                for series in spec.series:
                    self._record_series(db, series, series.read(data), seen)
            if spec.lifecycle and newest:
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

    @staticmethod
    def _record_series(db: sqlite3.Connection, series: Series, rows: pd.DataFrame, seen: float) -> None:
        """Upsert a series' rows: a row measured again is replaced only by a poll as new or newer."""
        names = [*series.keys, *series.columns, "seen_at"]
        updates = ", ".join(f"{name} = excluded.{name}" for name in (*series.columns, "seen_at"))
        db.executemany(
            f"INSERT INTO {series.name} ({', '.join(names)}) VALUES ({', '.join('?' * len(names))}) "
            f"ON CONFLICT ({series.key}, measured_at) DO UPDATE SET {updates} "
            f"WHERE excluded.seen_at >= {series.name}.seen_at",
            [(*(_sql(value) for value in row), seen) for row in rows[names[:-1]].itertuples(index=False)],
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

    def prune(
        self, retention_days: float | None = None, now: float | None = None, wall_now: float | None = None
    ) -> dict[str, int]:
        """Delete what is older than the retention (frames: older than 48 h) and give the space back.

        ``now`` is on the source's clock; by default the newest poll kept. Open incidents are
        never pruned, nor is each feed's newest frame (a warm start after a long stop needs it),
        nor an open alarm or a message not yet delivered (alerts go by ``wall_now``, the wall
        clock). Returns the rows deleted per table.
        """
        days = self.retention_days if retention_days is None else retention_days
        with self._write() as db:
            if now is None:
                now = db.execute("SELECT MAX(seen_at) FROM polls").fetchone()[0]
                if now is None:
                    return {}
            cutoff, frames_cutoff = now - days * DAY, now - FRAME_RETENTION
            removed = {
                name: db.execute(f"DELETE FROM {name} WHERE measured_at < ?", (cutoff,)).rowcount
                for name in self.kept
            }
            removed |= {
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
            # Alerts keep the wall clock: an alarm over, and both its messages delivered or given up.
            over = (
                "SELECT event_id FROM alert_events WHERE cleared_at < ? AND event_id NOT IN "
                "(SELECT event_id FROM alert_messages WHERE sent_at IS NULL AND dropped IS NULL)"
            )
            alerts_cutoff = (time.time() if wall_now is None else wall_now) - days * DAY
            removed["alert_messages"] = db.execute(
                f"DELETE FROM alert_messages WHERE event_id IN ({over})", (alerts_cutoff,)
            ).rowcount
            removed["alert_events"] = db.execute(
                "DELETE FROM alert_events WHERE cleared_at < ? AND event_id NOT IN "
                "(SELECT event_id FROM alert_messages)",
                (alerts_cutoff,),
            ).rowcount
        with self._lock:
            # executescript steps the pragma to its end; execute would free a single page.
            self._db.executescript("PRAGMA incremental_vacuum;")
            self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # the file shrinks at the checkpoint
        return removed

    # --- alerts (dashboard/alerts.py) ------------------------------------------------------------

    def open_alert(self, kind: str, key: str, at: float, fields: str, body: str) -> int | None:
        """Keep an alarm that began and its open message, queued; None when one of this kind and
        key is open already (it was said: it is not said again)."""
        with self._write() as db:
            try:
                event_id = db.execute(
                    "INSERT INTO alert_events (kind, key, opened_at, fields) VALUES (?, ?, ?, ?)",
                    (kind, key, at, fields),
                ).lastrowid
            except sqlite3.IntegrityError:
                return None
            db.execute(
                "INSERT INTO alert_messages VALUES (?, 'open', ?, ?, NULL, NULL)", (event_id, body, at)
            )
        return event_id

    def clear_alert(self, event_id: int, at: float, body: str) -> bool:
        """Keep the end of an open alarm and its cleared message, queued; False if it had ended."""
        with self._write() as db:
            ended = db.execute(
                "UPDATE alert_events SET cleared_at = ? WHERE event_id = ? AND cleared_at IS NULL",
                (at, event_id),
            ).rowcount
            if ended:
                db.execute(
                    "INSERT OR IGNORE INTO alert_messages VALUES (?, 'cleared', ?, ?, NULL, NULL)",
                    (event_id, body, at),
                )
        return bool(ended)

    def open_alerts(self) -> list[tuple[int, str, str, float, str]]:
        """The alarms open now: (event_id, kind, key, opened_at, fields JSON), oldest first."""
        with self._lock:
            return self._db.execute(
                "SELECT event_id, kind, key, opened_at, fields FROM alert_events "
                "WHERE cleared_at IS NULL ORDER BY event_id"
            ).fetchall()

    def alert_outbox(self, limit: int = 1) -> list[tuple[int, str, str]]:
        """Messages not sent yet, oldest first: (event_id, state, body)."""
        with self._lock:
            return self._db.execute(
                "SELECT event_id, state, body FROM alert_messages WHERE sent_at IS NULL AND dropped IS NULL "
                "ORDER BY queued_at, event_id, state DESC LIMIT ?",
                (limit,),
            ).fetchall()

    def alert_sent(self, event_id: int, state: str, at: float) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE alert_messages SET sent_at = ? WHERE event_id = ? AND state = ?",
                (at, event_id, state),
            )

    def alert_dropped(self, event_id: int, state: str, why: str) -> None:
        with self._write() as db:
            db.execute(
                "UPDATE alert_messages SET dropped = ? WHERE event_id = ? AND state = ?",
                (why, event_id, state),
            )

    def alert_overflow(self, limit: int, why: str) -> int:
        """Give up the oldest messages waiting beyond ``limit``; how many were given up."""
        with self._write() as db:
            return db.execute(
                "UPDATE alert_messages SET dropped = ? WHERE sent_at IS NULL AND dropped IS NULL AND "
                "(event_id, state) NOT IN (SELECT event_id, state FROM alert_messages WHERE sent_at IS NULL "
                "AND dropped IS NULL ORDER BY queued_at DESC, event_id DESC, state LIMIT ?)",
                (why, limit),
            ).rowcount

    # --- reading ---------------------------------------------------------------------------------

    def series(self, name: str, since: Moment, until: Moment) -> pd.DataFrame:
        """A series' rows measured between ``since`` and ``until`` (both included), by area and
        time: its key, measured_at (Seoul time) and its columns; a value not measured is NaN."""
        series = self.kept[name]
        kinds = series.columns
        return self._frame(
            f"SELECT {', '.join([*series.keys, *kinds])} FROM {name} "
            f"WHERE measured_at BETWEEN ? AND ? ORDER BY {series.key}, measured_at",
            (_epoch(since), _epoch(until)),
            times=("measured_at",),
            floats=tuple(column for column, kind in kinds.items() if kind == "REAL"),
            ints=tuple(column for column, kind in kinds.items() if kind == "INTEGER"),
            texts=tuple(column for column, kind in kinds.items() if kind == "TEXT"),
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

    @property
    def tables(self) -> tuple[str, ...]:
        """The file's tables: one per series kept, then the lifecycle's, the frames, the polls and
        the alerts'."""
        return (*self.kept, *FIXED_TABLES)

    def count(self, table: str) -> int:
        """Rows in a table (for health and tests)."""
        if table not in self.tables:
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
        texts: tuple[str, ...] = (),
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
            elif name in ints:  # a count not kept (NULL) makes the column a float one, NaN there
                frame[name] = frame[name].astype("int64" if frame[name].notna().all() else "float64")
            elif name in texts:  # as frames hold text: objects, None where nothing was said
                frame[name] = frame[name].astype(object).where(frame[name].notna(), None)
        return frame


class NewerHistory(Exception):
    """The history file was written by a newer wall: this one cannot know what it holds."""


def _create_series(db: sqlite3.Connection, series: Series) -> None:
    """The series' table as its spec says; a column the spec gained since the file was written
    is added (its older rows have it NULL)."""
    values = ", ".join(f"{column} {kind}" for column, kind in series.columns.items())
    db.execute(
        f"CREATE TABLE IF NOT EXISTS {series.name} ({series.key} TEXT NOT NULL, measured_at REAL NOT NULL, "
        f"{values}, seen_at REAL NOT NULL, PRIMARY KEY ({series.key}, measured_at)) WITHOUT ROWID"
    )
    db.execute(f"CREATE INDEX IF NOT EXISTS {series.name}_by_time ON {series.name} (measured_at)")
    present = {row[1] for row in db.execute(f"PRAGMA table_info({series.name})")}
    for column, kind in series.columns.items():
        if column not in present:
            db.execute(f"ALTER TABLE {series.name} ADD COLUMN {column} {kind}")


def open_history(path: str, retention_days: float = 30) -> History | None:
    """The History a HISTORY_PATH setting names: None for "off"; a relative path is under ROOT."""
    if path.lower() == OFF:
        return None
    file = path if path == MEMORY or Path(path).is_absolute() else str(ROOT / path)
    try:
        return History(file, retention_days)
    except (OSError, sqlite3.Error, NewerHistory) as exc:
        raise SettingsError(f"HISTORY_PATH={path!r} cannot be used: {exc}") from None


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
