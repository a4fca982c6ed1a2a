"""The poller: the only part of the wall that talks to a source.

One APScheduler job per feed at its own interval; a job never overlaps itself, a failure leaves
the last good frame in place with the reason, and a failure and its recovery are each logged once.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from dashboard.store import FrameMeta, FrameStore
from feeds.base import FeedError, Source
from feeds.registry import Feed

log = logging.getLogger(__name__)

SERIES_WINDOW = 24 * 3600  # source seconds of trend kept in the store


class Poller:
    def __init__(
        self, store: FrameStore, source: Source, feeds: dict[str, Feed], intervals: dict[str, float]
    ):
        self.store = store
        self.source = source
        self.feeds = feeds
        self.intervals = intervals
        self._scheduler: BackgroundScheduler | None = None
        self._lock = threading.Lock()
        self._failing: set[str] = set()
        self._series_lock = threading.Lock()

    def poll(self, name: str) -> FrameMeta:
        """Fetch, parse and store one feed now."""
        feed = self.feeds[name]
        started = time.monotonic()
        try:
            source_now = self.source.now()
            data = feed.parse(feed.fetch(self.source))
        except FeedError as exc:
            return self._failed(name, exc.reason if not exc.code else str(exc))
        except Exception as exc:  # a parser bug must not stop the poller or blank the wall
            log.exception("%s poll crashed", name)
            return self._failed(name, f"unexpected error: {type(exc).__name__}")
        if data.empty and not feed.empty_is_data and self.store.frame(name) is not None:
            # INFO-200 for air or traffic means "nothing published right now", not "no air":
            # the last frame stays and ages into stale, rather than the map going blank.
            log.info("%s answered no data; keeping the last frame", name)
            return self.store.meta(name)
        measured = feed.measured_at(data)
        meta = self.store.put(
            name,
            data,
            source=self.source.name,
            measured_at=measured.timestamp() if measured is not None else None,
            source_now=source_now,
            speed=self.source.speed,
        )
        if feed.series is not None and not data.empty:
            self._extend_series(name, feed.series(data))
        if name in self._failing:
            self._failing.discard(name)
            log.info("%s recovered (version %d)", name, meta.version)
        log.debug(
            "%s polled in %.0f ms: version %d, %d rows",
            name,
            (time.monotonic() - started) * 1000,
            meta.version,
            meta.rows,
        )
        return meta

    def _extend_series(self, name: str, rows) -> None:
        with self._series_lock:
            self.store.extend_series(name, rows, ["district_code", "measured_at"], SERIES_WINDOW)

    def warm_up(self) -> int:
        """Fill trends with the last day from a source that can rewind; returns frames read."""
        past = getattr(self.source, "past", None)
        if past is None:
            return 0
        now, read = self.source.now(), 0
        for name, feed in self.feeds.items():
            if feed.series is None:
                continue
            for hours_back in range(int(SERIES_WINDOW // 3600), 0, -1):
                try:
                    data = feed.parse(feed.fetch(past(now - hours_back * 3600)))
                except FeedError as exc:
                    log.info("%s warm-up skipped an hour: %s", name, exc)
                    continue
                if not data.empty:
                    self._extend_series(name, feed.series(data))
                    read += 1
        log.info("trends warmed up from %d earlier frames", read)
        return read

    def _failed(self, name: str, reason: str) -> FrameMeta:
        if name not in self._failing:
            self._failing.add(name)
            log.warning("%s poll failed: %s (keeping the last good frame)", name, reason)
        return self.store.fail(name, reason, source=self.source.name)

    @property
    def running(self) -> bool:
        return self._scheduler is not None and self._scheduler.running

    def start(self) -> bool:
        """Start polling; a second call does nothing. Returns whether this call started it."""
        with self._lock:
            if self._scheduler is not None:
                return False
            scheduler = BackgroundScheduler(timezone="Asia/Seoul", daemon=True)
            now = datetime.now(scheduler.timezone)
            for index, name in enumerate(self.feeds):
                scheduler.add_job(
                    self.poll,
                    "interval",
                    args=[name],
                    id=name,
                    name=f"poll {name}",
                    seconds=self.intervals[name],
                    # Staggered first runs so feeds do not hit upstream in the same second.
                    next_run_time=now + timedelta(seconds=0.1 + 0.2 * index),
                    max_instances=1,
                    coalesce=True,
                    misfire_grace_time=None,
                )
            scheduler.start()
            self._scheduler = scheduler
            threading.Thread(target=self.warm_up, name="warm-up", daemon=True).start()
            atexit.register(self.stop)
            log.info(
                "poller started: %s", ", ".join(f"{n} every {self.intervals[n]:g} s" for n in self.feeds)
            )
            return True

    def stop(self) -> None:
        with self._lock:
            if self._scheduler is not None and self._scheduler.running:
                self._scheduler.shutdown(wait=False)
                log.info("poller stopped")
            self._scheduler = None
