"""The poller: the only part of the wall that talks to a source.

One APScheduler job per upstream call (feeds/registry.py), at the shortest interval of the feeds
that read it: the call is made once and each of its feeds parses the answer into its own frame
(citydata's round of places feeds traffic, and more). A job never overlaps itself, a failure
leaves the last good frame in place with the reason, and a failure, a change of its reason and
its recovery are each logged once. With a history, every successful poll is also kept there, a daily
job prunes it, and a start begins from it (``restore``): the last frames with their true age,
and the last day of trends.

A permanent failure (a bad key) is asked again after a hold-off that starts at a minute and
doubles to PERMANENT_RETRY, so a key that starts working is noticed soon. Rows of a feed with
``ends_after_two`` (incidents) end only when two successive good polls lack them.

The frame store may go away (Redis down or restarted): polling goes on, the outage is logged
once, and when the store answers again (or is found empty) the frames come back at once, from
history or from this process's last polls, and every feed is polled soon after.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

import pandas as pd
from apscheduler.schedulers.background import BackgroundScheduler

from dashboard.history import History
from dashboard.store import FrameMeta, FrameStore, StoreUnavailable, digest
from feeds.base import FeedError, Series, Source
from feeds.reasons import Reason
from feeds.registry import Feed, calls
from feeds.values import TIME_ZONE

log = logging.getLogger(__name__)

SERIES_WINDOW = 24 * 3600  # source seconds of trend kept in the store
FIRST_HOLD_OFF = 60  # seconds before asking again after a first permanent failure (a bad key)
PERMANENT_RETRY = 600  # the longest hold-off: it doubles from FIRST_HOLD_OFF up to this
NO_NEWS = Reason("poll.no_news")
NO_DATA_YET = Reason("poll.no_data_yet")
# This many rows, and at least half of those open, vanishing in one poll is warned of: a glitch
# upstream, or a city suddenly quiet. Ordinary turnover (a fast demo clock ends many) is not.
MANY_GONE = 5


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
        self.calls = calls(feeds)  # call name -> the feeds that read it
        # A call is made as often as the most frequent of its feeds asks.
        self.call_intervals = {call: min(intervals[n] for n in names) for call, names in self.calls.items()}
        self.history = history
        self._unrecorded: set[str] = set()  # feeds whose last history write failed
        self._scheduler: BackgroundScheduler | None = None
        self._lock = threading.Lock()
        self._failing: dict[str, str] = {}  # feed -> the reason last logged
        self._held_off: dict[str, int] = {}  # call -> permanent failures in a row
        # feed -> (data, times) of its last successful poll, to put back into a store that lost it
        self._last: dict[str, tuple] = {}
        self._missing: dict[str, set] = {}  # feed -> keys carried once past a poll that lacked them
        self._store_down: str | None = None  # the reason, while the store does not answer
        self._series_lock = threading.Lock()
        # A call made on demand (a scenario started) must not overlap its scheduled one.
        self._poll_locks = {call: threading.Lock() for call in self.calls}
        self._tasks: list[tuple[str, float, Callable[[], None]]] = []
        self._after_poll: list[Callable[[], None]] = []
        self._after_failing: set[Callable[[], None]] = set()  # tasks whose last run raised

    def poll(self, name: str) -> FrameMeta:
        """Poll one feed now: make its call, and parse and store every feed that reads it; the
        feed's own outcome."""
        return self.poll_call(self.feeds[name].call.name)[name]

    def poll_call(self, call: str) -> dict[str, FrameMeta]:
        """Make one upstream call now; each feed that reads it parses and stores its frame."""
        with self._poll_locks[call]:
            return self._poll(call)

    def every(self, seconds: float, task: Callable[[], None], task_id: str) -> None:
        """Run another small task of the polling process on the scheduler, from its start."""
        self._tasks.append((task_id, seconds, task))

    def after_each_poll(self, task: Callable[[], None]) -> None:
        """Run a small task after every call's poll, on the poll's thread (the alerts' watch): it
        must not wait on anything slow. A task that raises is logged once, and the poll stands."""
        self._after_poll.append(task)

    def poll_soon(self, but: str | None = None) -> None:
        """Make every call (but ``but`` feed's) at once, on the scheduler's threads (after a
        scenario starts)."""
        skipped = self.feeds[but].call.name if but is not None else None
        names = [call for call in self.calls if call != skipped]
        if self._scheduler is None:
            if but is None:  # in-line only when asked from outside a poll
                for call in names:
                    self.poll_call(call)
            return
        now = datetime.now(self._scheduler.timezone)
        for call in names:
            if self._scheduler.get_job(call) is not None:
                self._scheduler.modify_job(call, next_run_time=now)

    def _poll(self, call: str) -> dict[str, FrameMeta]:
        started = time.monotonic()
        metas, answered = self._poll_once(call, started)
        with contextlib.suppress(StoreUnavailable):  # the figures wait for the store, as frames do
            self.store.tally(
                call, time.monotonic() - started, answered, {n: m.error is None for n, m in metas.items()}
            )
        for task in self._after_poll:
            try:
                task()
            except Exception:
                if task not in self._after_failing:
                    self._after_failing.add(task)
                    log.exception("a task after the %s poll failed (polling goes on)", call)
                continue
            self._after_failing.discard(task)
        return metas

    def _poll_once(self, call: str, started: float) -> tuple[dict[str, FrameMeta], bool]:
        """The feeds' metas after one call, and whether upstream answered."""
        names = self.calls[call]
        try:
            source_now = self.source.now()
            answer = self.feeds[names[0]].call.fetch(self.source)
        except FeedError as exc:
            self._hold_off(call, permanent=not exc.transient)
            return self._failed_together(names, exc.reason), False
        except Exception as exc:  # a source bug must not stop the poller or blank the wall
            log.exception("%s call crashed", call)
            return self._failed_together(names, Reason("poll.crashed", error=type(exc).__name__)), False
        metas, permanent = {}, False
        for name in names:
            feed = self.feeds[name]
            try:
                data = feed.parse(answer)
            except FeedError as exc:  # the answer says so (a bad key, an upstream error code)
                permanent = permanent or not exc.transient
                metas[name] = self._failed(name, exc.reason)
                continue
            except Exception as exc:  # a parser bug must not stop the poller or blank the wall
                log.exception("%s poll crashed", name)
                metas[name] = self._failed(name, Reason("poll.crashed", error=type(exc).__name__))
                continue
            metas[name] = self._keep(name, feed, data, source_now, started)
        self._hold_off(call, permanent=permanent)
        return metas, True

    def _keep(self, name: str, feed: Feed, data, source_now: float, started: float) -> FrameMeta:
        """Put a good poll's frame into the store and history; refill a store that lost its frames.

        Without a store the poll still counts: it is kept in history and in this process, and
        goes into the store when the store answers again.
        """
        try:
            held = self.store.meta(name).version > 0
            if self._store_down is not None or (not held and name in self._last):
                self._refill(name)
                held = self.store.meta(name).version > 0
        except StoreUnavailable as exc:
            self._lost_store(exc)
            held = name in self._last
        if data.empty and not feed.empty_is_data:
            # INFO-200 for air or traffic means "nothing published right now", not "no air":
            # the last frame stays, stale with the reason, rather than the map going blank; and
            # a wall with no frame yet says why it has none, never "live" over an empty map.
            log.info("%s answered no data; %s", name, "keeping the last frame" if held else "no frame yet")
            try:
                return self.store.quiet(name, NO_NEWS if held else NO_DATA_YET)
            except StoreUnavailable:
                return self._meta_now(name)
        upstream = data  # history keeps what upstream said, and applies the two-poll rule itself
        if feed.ends_after_two:
            data = self._settle(name, feed.ends_after_two, data)
        measured = feed.measured_at(data)
        times = {
            "source": self.source.name,
            "measured_at": measured.timestamp() if measured is not None else None,
            "source_now": source_now,
            "speed": self.source.speed,
        }
        try:
            meta = self.store.put(name, data, **times)
            if not data.empty:
                self._extend_live(feed, data)
        except StoreUnavailable as exc:
            self._lost_store(exc)
            meta = FrameMeta(name, fetched_at=time.time(), rows=len(data), digest=digest(data), **times)
            meta = replace(meta, error=exc.reason)
        self._last[name] = (data, {**times, "fetched_at": meta.fetched_at})
        if self.history is not None:
            self._remember(name, data, meta, upstream)
        if meta.error is None and self._failing.pop(name, None) is not None:
            log.info("%s recovered (version %d)", name, meta.version)
        log.debug(
            "%s polled in %.0f ms: version %d, %d rows",
            name,
            (time.monotonic() - started) * 1000,
            meta.version,
            meta.rows,
        )
        return meta

    def _meta_now(self, name: str) -> FrameMeta:
        try:
            return self.store.meta(name)
        except StoreUnavailable as exc:
            return FrameMeta(name, source=self.source.name, error=exc.reason)

    def _settle(self, name: str, key: str, data):
        """Rows the last frame had and this poll lacks stay for one poll more (see ends_after_two)."""
        last = self._last.get(name)
        if last is None or last[0].empty:
            self._missing[name] = set()
            return data
        previous = last[0]
        gone = set(previous[key]) - set(data[key]) if not data.empty else set(previous[key])
        carried = gone - self._missing.get(name, set())
        self._missing[name] = carried
        if len(carried) >= MANY_GONE and 2 * len(carried) >= len(previous):
            log.warning(
                "%s: %d of %d open rows vanished in one poll; they stay until the next poll confirms it",
                name,
                len(carried),
                len(previous),
            )
        if len(gone) - len(carried) >= MANY_GONE:
            log.info("%s: %d rows ended (absent from two polls in a row)", name, len(gone) - len(carried))
        if not carried:
            return data
        kept = previous[previous[key].isin(carried)]
        joined = kept if data.empty else pd.concat([data, kept], ignore_index=True)
        order = [c for c in ("occurred_at",) if c in joined.columns]
        if order:
            joined = joined.sort_values(order, ascending=False)
        return joined.reset_index(drop=True)

    def _lost_store(self, exc: StoreUnavailable) -> None:
        if self._store_down is None:
            log.warning("%s; polling goes on and the frames come back when it answers", exc.reason)
        self._store_down = exc.reason

    def _refill(self, name: str) -> None:
        """The store answers again (or answers empty): put back the frames it lost, then poll soon."""
        was_down, self._store_down = self._store_down, None
        log.warning(
            "the frame store %s; putting back the last frames%s",
            "answers again" if was_down else "has lost its frames (restarted empty?)",
            " from history" if self.history is not None else "",
        )
        if self.history is not None:
            self.restore()
        for feed, (data, times) in list(self._last.items()):
            if feed != name:
                self.store.restore(feed, data, **times)
        self.poll_soon(but=name)

    def _remember(self, name: str, data, meta: FrameMeta, upstream=None) -> None:
        """Keep a poll in history; failing to write is logged once, and never fails the poll."""
        try:
            self.history.record(name, data, meta, upstream)
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
            for series in self._live_series():
                rows = self.history.series(series.name, now - SERIES_WINDOW, now)
                if not rows.empty:
                    self._extend_series(series, rows)
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

    def _live_series(self) -> list[Series]:
        """The series the store keeps the last day of (a wall's trends before history has any)."""
        return [series for feed in self.feeds.values() for series in feed.series if series.live]

    def _extend_live(self, feed: Feed, data: pd.DataFrame) -> None:
        for series in feed.series:
            if series.live:
                self._extend_series(series, series.read(data))

    def _extend_series(self, series: Series, rows: pd.DataFrame) -> None:
        with self._series_lock:
            self.store.extend_series(series.name, rows, series.keys, SERIES_WINDOW)

    def warm_up(self) -> int:
        """Fill trends with the last day from a source that can rewind; returns frames read."""
        past = getattr(self.source, "past", None)
        if past is None:
            return 0
        now, read = self.source.now(), 0
        for call, names in self.calls.items():
            trended = [name for name in names if any(series.live for series in self.feeds[name].series)]
            if not trended:
                continue
            for hours_back in range(int(SERIES_WINDOW // 3600), 0, -1):
                try:
                    answer = self.feeds[trended[0]].call.fetch(past(now - hours_back * 3600))
                except FeedError as exc:
                    log.info("%s warm-up skipped an hour: %s", call, exc)
                    continue
                for name in trended:
                    feed = self.feeds[name]
                    try:
                        data = feed.parse(answer)
                    except FeedError as exc:
                        log.info("%s warm-up skipped an hour: %s", name, exc)
                        continue
                    if not data.empty:
                        self._extend_live(feed, data)
                        read += 1
        log.info("trends warmed up from %d earlier frames", read)
        return read

    def _hold_off(self, call: str, permanent: bool) -> None:
        """A permanent failure (a bad key, a bad request) will not mend itself within seconds:
        ask upstream again after a minute, then after twice as long each time, up to
        PERMANENT_RETRY; never sooner than the call's interval. Any other outcome ends it."""
        if not permanent:
            self._held_off.pop(call, None)
            return
        count = self._held_off[call] = self._held_off.get(call, 0) + 1
        if self._scheduler is None or self._scheduler.get_job(call) is None:
            return
        wait = max(self.call_intervals[call], min(PERMANENT_RETRY, FIRST_HOLD_OFF * 2 ** (count - 1)))
        self._scheduler.modify_job(
            call, next_run_time=datetime.now(self._scheduler.timezone) + timedelta(seconds=wait)
        )

    def _failed(self, name: str, reason: str) -> FrameMeta:
        return self._failed_together((name,), reason)[name]

    def _failed_together(self, names: tuple[str, ...], reason: str) -> dict[str, FrameMeta]:
        """Feeds that failed the same way (every feed of a call that failed): each keeps its last
        good frame with the reason, and the log says it once, naming them all."""
        # "...; next try in 12 s" moves every poll: it is the same failure.
        said = reason.split("; next try in ")[0]
        changed = [name for name in names if self._failing.get(name) != said]
        if changed:
            first = all(name not in self._failing for name in changed)
            for name in changed:
                self._failing[name] = said
            try:
                kept = self.store.meta(changed[0]).version > 0
            except StoreUnavailable:
                kept = changed[0] in self._last
            log.warning(
                "%s poll %s: %s (%s)",
                ", ".join(changed),
                "failed" if first else "still failing, now",
                reason,
                "keeping the last good frame" if kept else "no frame to show yet",
            )
        metas = {}
        for name in names:
            try:
                metas[name] = self.store.fail(name, reason, source=self.source.name)
            except StoreUnavailable as exc:
                self._lost_store(exc)
                metas[name] = FrameMeta(name, source=self.source.name, error=reason)
        return metas

    @property
    def running(self) -> bool:
        return self._scheduler is not None and self._scheduler.running

    def start(self) -> bool:
        """Start polling; a second call does nothing. Returns whether this call started it."""
        with self._lock:
            if self._scheduler is not None:
                return False
            self.restore()
            scheduler = BackgroundScheduler(timezone=TIME_ZONE, daemon=True)
            now = datetime.now(scheduler.timezone)
            for index, call in enumerate(self.calls):
                scheduler.add_job(
                    self.poll_call,
                    "interval",
                    args=[call],
                    id=call,
                    name=f"call {call} for {', '.join(self.calls[call])}",
                    seconds=self.call_intervals[call],
                    # Staggered first runs so calls do not hit upstream in the same second.
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
            if any(self.store.series(series.name) is None for series in self._live_series()):
                threading.Thread(target=self.warm_up, name="warm-up", daemon=True).start()
            atexit.register(self.stop)
            log.info(
                "poller started: %s",
                ", ".join(
                    f"{call} ({', '.join(names)}) every {self.call_intervals[call]:g} s"
                    for call, names in self.calls.items()
                ),
            )
            return True

    def stop(self) -> None:
        with self._lock:
            if self._scheduler is not None and self._scheduler.running:
                self._scheduler.shutdown(wait=False)
                log.info("poller stopped")
            self._scheduler = None
