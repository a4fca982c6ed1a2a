"""The poller: the only part of the wall that talks to a source.

One APScheduler job per feed at its own interval; a job never overlaps itself, a failure leaves
the last good frame in place with the reason, and a failure and its recovery are each logged once.
With a history, every successful poll is also kept there, a daily job prunes it, and a start
begins from it (``restore``): the last frames with their true age, and the last day of trends.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from dashboard.history import History
from dashboard.store import FrameMeta, FrameStore
from feeds.base import FeedError, Source
from feeds.registry import Feed

log = logging.getLogger(__name__)

SERIES_WINDOW = 24 * 3600  # source seconds of trend kept in the store
PERMANENT_RETRY = 600  # seconds before asking again after a permanent failure (a bad key)


class Poller:
    def __init__(
        self,
        store: FrameStore,
        source: Source,
        feeds: dict[str, Feed],
        intervals: dict[str, float],
        history: History | None = None,
    ):
        self.store = store
        self.source = source
        self.feeds = feeds
        self.intervals = intervals
        self.history = history
        self._unrecorded: set[str] = set()  # feeds whose last history write failed
        self._scheduler: BackgroundScheduler | None = None
        self._lock = threading.Lock()
        self._failing: set[str] = set()
        self._series_lock = threading.Lock()
        # A feed polled on demand (a scenario started) must not overlap its scheduled poll.
        self._poll_locks = {name: threading.Lock() for name in feeds}
        self._tasks: list[tuple[str, float, Callable[[], None]]] = []

    def poll(self, name: str) -> FrameMeta:
        """Fetch, parse and store one feed now."""
        with self._poll_locks[name]:
            return self._poll(name)

    def every(self, seconds: float, task: Callable[[], None], task_id: str) -> None:
        """Run another small task of the polling process on the scheduler, from its start."""
        self._tasks.append((task_id, seconds, task))

    def poll_soon(self) -> None:
        """Poll every feed at once, on the scheduler's threads (after a scenario starts, say)."""
        if self._scheduler is None:
            for name in self.feeds:
                self.poll(name)
            return
        now = datetime.now(self._scheduler.timezone)
        for name in self.feeds:
            self._scheduler.modify_job(name, next_run_time=now)

    def _poll(self, name: str) -> FrameMeta:
        feed = self.feeds[name]
        started = time.monotonic()
        try:
            source_now = self.source.now()
            data = feed.parse(feed.fetch(self.source))
        except FeedError as exc:
            if not exc.transient:
                self._hold_off(name)
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
        if self.history is not None:
            self._remember(name, data, meta)
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

    def _remember(self, name: str, data, meta: FrameMeta) -> None:
        """Keep a poll in history; failing to write is logged once, and never fails the poll."""
        try:
            self.history.record(name, data, meta)
        except Exception:
            if name not in self._unrecorded:
                self._unrecorded.add(name)
                log.exception("%s could not be kept in history (the wall goes on without it)", name)
            return
        if name in self._unrecorded:
            self._unrecorded.discard(name)
            log.info("%s is kept in history again", name)

    def restore(self) -> int:
        """Warm start from history, before the first polls; returns the frames restored.

        Each feed's newest kept frame (from this source) goes into the store with the times it
        really had, so the wall shows it at once with its true age, stale until a poll confirms
        it; the trends get the last day of history.
        """
        if self.history is None:
            return 0
        restored = 0
        try:
            now = self.source.now()
            for name, (data, kept) in self.history.latest_frames().items():
                if name not in self.feeds or kept["source"] != self.source.name:
                    continue
                if kept["last_seen"] > now:
                    # The source's clock is behind what history holds (a fast demo restarted at
                    # today's time, a replay that looped): that frame is not the source's past.
                    log.warning(
                        "%s: history is %.0f s ahead of the source's clock; not restored",
                        name,
                        kept["last_seen"] - now,
                    )
                    continue
                meta = self.store.restore(
                    name,
                    data,
                    source=kept["source"],
                    measured_at=kept["measured_at"],
                    fetched_at=kept["fetched_at"],
                    source_now=kept["last_seen"],
                    speed=kept["speed"],
                )
                restored += meta is not None
            for name in self.feeds:
                rows = self.history.series(name, now - SERIES_WINDOW, now)
                if rows is not None and not rows.empty:
                    self._extend_series(name, rows)
        except Exception:
            log.exception("warm start from history failed; the wall starts from its first polls")
        log.info("warm start: %d frames restored from history", restored)
        return restored

    def prune_history(self) -> None:
        """The daily job: drop what is older than the retention and keep the file compact."""
        try:
            removed = self.history.prune(now=self.source.now())
        except Exception:
            log.exception("history could not be pruned")
            return
        removed = ", ".join(f"{n} {table}" for table, n in removed.items() if n)
        log.info("history pruned: %s", removed or "nothing was old enough")

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

    def _hold_off(self, name: str) -> None:
        """A permanent failure (a bad key, a bad request) will not mend itself within seconds:
        ask upstream again only after PERMANENT_RETRY, not at every interval."""
        if self._scheduler is None or self._scheduler.get_job(name) is None:
            return
        wait = max(self.intervals[name], PERMANENT_RETRY)
        self._scheduler.modify_job(
            name, next_run_time=datetime.now(self._scheduler.timezone) + timedelta(seconds=wait)
        )

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
            self.restore()
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
            if self.history is not None:
                scheduler.add_job(
                    self.prune_history,
                    "interval",
                    id="prune-history",
                    name="prune history",
                    hours=24,
                    next_run_time=now + timedelta(minutes=1),
                    max_instances=1,
                    coalesce=True,
                    misfire_grace_time=None,
                )
            for task_id, seconds, task in self._tasks:
                scheduler.add_job(
                    task,
                    "interval",
                    id=task_id,
                    name=task_id,
                    seconds=seconds,
                    next_run_time=now,
                    max_instances=1,
                    coalesce=True,
                    misfire_grace_time=None,
                )
            scheduler.start()
            self._scheduler = scheduler
            # Trends history could not fill are warmed up from the source, when it can rewind.
            if any(feed.series and self.store.series(name) is None for name, feed in self.feeds.items()):
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
