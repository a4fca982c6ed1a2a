"""The frame store: the latest frame of each feed with its provenance, on flask-caching.

A frame is a DataFrame plus metadata: source, measured-at, fetched-at, version, status and last
error. Only the poller writes; callbacks read. The backend is flask-caching's, so one process
uses SimpleCache and several share RedisCache with no change here.

The store can go away (Redis restarted, or down): every call that reaches the backend raises
``StoreUnavailable`` then, with one short reason, never the client's traceback; readers keep
what they last read. Versions never repeat for different content, even across a store that came
back empty: a feed's first version is the clock in milliseconds, not 1, and each change adds one.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import asdict, dataclass, replace
from typing import Any

import pandas as pd
from flask_caching import Cache

from feeds.reasons import Reason, Seconds

OK, STALE, ERROR = "ok", "stale", "error"


class StoreUnavailable(RuntimeError):
    """The frame store's backend did not answer (Redis down or restarting)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class FrameMeta:
    """What the wall knows about a feed's latest frame. Times are epoch seconds."""

    feed: str
    version: int = 0  # 0: no data yet
    older: int = 0  # the version before this one, kept for a reader that just read it
    source: str = ""
    measured_at: float | None = None  # source clock; when the data was measured upstream
    fetched_at: float | None = None  # wall clock; the last successful poll
    attempted_at: float | None = None  # wall clock; the last poll, successful or not
    source_now: float | None = None  # the source's clock at the last successful poll
    speed: float = 1.0  # source seconds per wall second (the demo can run fast)
    rows: int = 0
    digest: str = ""
    error: str | None = None  # the reason the last poll failed; None when it succeeded
    note: str | None = None  # the last poll answered, but brought nothing to show (INFO-200)
    status: str = ERROR  # ok / stale / error, as of the moment it was read
    stale_reason: str | None = None
    restored: bool = False  # kept from before a restart; no poll in this process has confirmed it

    def source_clock(self, now: float) -> float | None:
        """The source's clock now, extrapolated from the last poll."""
        if self.source_now is None or self.fetched_at is None:
            return None
        return self.source_now + (now - self.fetched_at) * self.speed

    def age(self, now: float) -> float | None:
        """Seconds since measurement, on the source's clock."""
        clock = self.source_clock(now)
        if clock is None:
            return None
        reference = self.measured_at if self.measured_at is not None else self.source_now
        return max(0.0, clock - reference)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Frame:
    meta: FrameMeta
    data: pd.DataFrame


@dataclass(frozen=True)
class Freshness:
    """How long a feed's frame stays fresh: polls may lag, and data may age upstream."""

    interval: float  # seconds between polls
    max_age: float  # source seconds after measurement


# Upper bounds (seconds) of the buckets upstream call durations are counted in: a citydata round
# is 30 requests, so its durations run to tens of seconds.
CALL_BUCKETS = (0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)


@dataclass(frozen=True)
class Tally:
    """One upstream call's counts: durations by bucket (each bound's count includes the smaller
    ones, as Prometheus counts them), their sum, outcomes, and its feeds' polls by outcome."""

    buckets: tuple[int, ...] = (0,) * len(CALL_BUCKETS)
    seconds: float = 0.0
    ok: int = 0
    failed: int = 0
    polls: tuple[tuple[str, int, int], ...] = ()  # (feed, ok, failed)

    def add(self, seconds: float, ok: bool, feeds: dict[str, bool]) -> Tally:
        buckets = tuple(n + (seconds <= bound) for n, bound in zip(self.buckets, CALL_BUCKETS, strict=True))
        polls = {feed: (good, bad) for feed, good, bad in self.polls}
        for feed, fine in feeds.items():
            good, bad = polls.get(feed, (0, 0))
            polls[feed] = (good + fine, bad + (not fine))
        return Tally(
            buckets,
            self.seconds + seconds,
            self.ok + ok,
            self.failed + (not ok),
            tuple((feed, good, bad) for feed, (good, bad) in sorted(polls.items())),
        )


def digest(data: pd.DataFrame) -> str:
    """A content hash: equal frames, equal digests, whatever their index or fetch time."""
    body = data.reset_index(drop=True).to_json(orient="split", date_format="iso", default_handler=str)
    return hashlib.sha256(body.encode()).hexdigest()[:16]


class FrameStore:
    def __init__(self, cache: Cache, freshness: dict[str, Freshness], clock=time.time):
        self.cache = cache
        self.freshness = freshness
        self.clock = clock

    def put(
        self,
        feed: str,
        data: pd.DataFrame,
        *,
        source: str,
        measured_at: float | None,
        source_now: float,
        speed: float = 1.0,
    ) -> FrameMeta:
        """Store a successful poll's frame; the version moves only when the content changed."""
        return self._put(
            feed,
            data,
            source=source,
            measured_at=measured_at,
            fetched_at=self.clock(),
            source_now=source_now,
            speed=speed,
            restored=False,
        )

    def restore(
        self,
        feed: str,
        data: pd.DataFrame,
        *,
        source: str,
        measured_at: float | None,
        fetched_at: float,
        source_now: float,
        speed: float = 1.0,
    ) -> FrameMeta | None:
        """Put a frame kept from before a restart (history's warm start) with the times it really had.

        It shows its true age, and counts as stale until a poll in this process brings a frame.
        A frame the store already holds from as late or later (a shared Redis) stays: returns None.
        """
        held = self._raw_meta(feed).fetched_at
        if held is not None and held >= fetched_at:
            return None
        return self._put(
            feed,
            data,
            source=source,
            measured_at=measured_at,
            fetched_at=fetched_at,
            source_now=source_now,
            speed=speed,
            restored=True,
        )

    def _put(self, feed: str, data: pd.DataFrame, *, source: str, fetched_at: float, **fields) -> FrameMeta:
        previous = self._raw_meta(feed)
        content = digest(data)
        changed = previous.digest != content or previous.source != source
        version = previous.version
        if changed:
            version = previous.version + 1 if previous.version else self._first_version()
        meta = replace(
            previous,
            version=version,
            older=previous.version if changed else previous.older,
            source=source,
            fetched_at=fetched_at,
            attempted_at=fetched_at,
            rows=len(data),
            digest=content,
            error=None,
            note=None,
            **fields,
        )
        if changed:
            call(self.cache.set, self._data_key(feed, meta.version), data)
            if previous.older:
                # Keep one older version for a reader that just read the previous meta.
                call(self.cache.delete, self._data_key(feed, previous.older))
        call(self.cache.set, self._meta_key(feed), meta)
        return self._judge(meta, self.clock())

    def _first_version(self) -> int:
        """A feed's first version in a store that holds none: later than any an earlier store gave."""
        return max(1, int(self.clock() * 1000))

    def fail(self, feed: str, reason: str, *, source: str) -> FrameMeta:
        """Record a failed poll: the last good frame stays, with the reason beside it."""
        now = self.clock()
        previous = self._raw_meta(feed)
        meta = replace(previous, attempted_at=now, error=reason, source=previous.source or source)
        call(self.cache.set, self._meta_key(feed), meta)
        return self._judge(meta, now)

    def quiet(self, feed: str, note: str) -> FrameMeta:
        """Record a poll that answered with nothing to show (air's INFO-200): the last frame stays,
        stale with ``note`` as the reason, until a poll brings a frame."""
        now = self.clock()
        meta = replace(self._raw_meta(feed), attempted_at=now, error=None, note=note)
        call(self.cache.set, self._meta_key(feed), meta)
        return self._judge(meta, now)

    def meta(self, feed: str) -> FrameMeta:
        """The feed's metadata with its status judged now."""
        return self._judge(self._raw_meta(feed), self.clock())

    def frame(self, feed: str) -> Frame | None:
        """The latest frame, or None before the first successful poll."""
        meta = self.meta(feed)
        data = self.data(feed, meta.version)
        return None if data is None else Frame(meta, data)

    def extend_series(self, feed: str, rows: pd.DataFrame, keys: list[str], window: float) -> None:
        """Append a frame's summary rows to the feed's rolling series, one row per key, newest wins."""
        old = self.series(feed)
        joined = rows if old is None or old.empty else pd.concat([old, rows], ignore_index=True)
        joined = joined.drop_duplicates(keys, keep="last")
        newest = joined["measured_at"].max()
        joined = joined[joined["measured_at"] > newest - pd.Timedelta(seconds=window)]
        call(self.cache.set, f"series:{feed}", joined.sort_values(keys).reset_index(drop=True))

    def series(self, feed: str) -> pd.DataFrame | None:
        """The rolling series of a feed's summaries (for trends), or None before the first."""
        return call(self.cache.get, f"series:{feed}")

    def data(self, feed: str, version: int) -> pd.DataFrame | None:
        """The data of one version of a feed's frame (None for version 0 or one long replaced)."""
        return call(self.cache.get, self._data_key(feed, version)) if version else None

    def tally(self, call_name: str, seconds: float, ok: bool, feeds: dict[str, bool]) -> None:
        """Count one upstream call (its duration and outcome) and its feeds' polls (ok or failed),
        for /metrics. Only the poller writes these, one call at a time per call name."""
        kept = call(self.cache.get, f"tally:{call_name}") or Tally()
        call(self.cache.set, f"tally:{call_name}", kept.add(seconds, ok, feeds))

    def tallies(self, call_names) -> dict[str, Tally]:
        """The calls' tallies since the store was filled (an empty one for a call not made yet)."""
        return {name: call(self.cache.get, f"tally:{name}") or Tally() for name in call_names}

    def metas(self) -> dict[str, FrameMeta]:
        return {feed: self.meta(feed) for feed in self.freshness}

    def _raw_meta(self, feed: str) -> FrameMeta:
        meta = call(self.cache.get, self._meta_key(feed))
        return meta if isinstance(meta, FrameMeta) else FrameMeta(feed=feed)

    def _judge(self, meta: FrameMeta, now: float) -> FrameMeta:
        if not meta.version and not meta.error and meta.note:
            return replace(meta, status=STALE, stale_reason=meta.note)  # answered, but nothing yet
        if meta.error or not meta.version:
            return replace(meta, status=ERROR, stale_reason=None)
        rule = self.freshness[meta.feed]
        # Three missed polls (and a little slack) before a frame counts as not being refreshed.
        # The reasons name the limit crossed, not the growing age: the wall shows the age itself,
        # ticking in the browser, and a reason that changed every minute would be news to send
        # every minute to every viewer.
        silent_limit = 3 * rule.interval + 10
        if now - (meta.fetched_at or 0) > silent_limit:
            limit = Seconds(max(silent_limit, 60))
            return replace(meta, status=STALE, stale_reason=Reason("stale.silent", limit=limit))
        age = meta.age(now)
        if age is not None and age > rule.max_age:
            limit = Seconds(max(rule.max_age, 60))
            return replace(meta, status=STALE, stale_reason=Reason("stale.old", limit=limit))
        if meta.restored:
            return replace(meta, status=STALE, stale_reason=Reason("stale.restored"))
        if meta.note:
            return replace(meta, status=STALE, stale_reason=meta.note)
        return replace(meta, status=OK, stale_reason=None)

    @staticmethod
    def _meta_key(feed: str) -> str:
        return f"meta:{feed}"

    @staticmethod
    def _data_key(feed: str, version: int) -> str:
        return f"data:{feed}:{version}"


def call(operation, *args):
    """One call to the store's backend; its failure is StoreUnavailable with a short reason."""
    try:
        return operation(*args)
    except Exception as exc:
        raise StoreUnavailable(Reason("store.failed", detail=_short(exc))) from None


def _short(exc: Exception) -> str:
    """An exception in a few words: its type and first line, never a traceback."""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {first[:120]}" if first else type(exc).__name__
