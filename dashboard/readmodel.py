"""The one read model of the core: frames, trends and the source clock, as of a moment.

Callbacks read the wall only through here. What a viewer sends (language, district, moment) is
checked before it reaches a build, a cache key or a log line: ``BadInput`` says what was wrong.
Reads are shared by every viewer of the process: the feeds' metadata is read from the store at
most once a ``ttl`` (on Redis that is one round trip a second, not one per viewer tick), and a
past moment's frames are looked up in history once.

When the store does not answer (Redis down), the wall goes on with what this process read last:
every feed is then stale with the reason STORE_DOWN (an error when nothing was ever read), a
frame this process holds is still shown, and a frame it does not hold shows as missing under a
key of its own, so nothing built in the outage is mistaken for a build of the real frame.
"""

from __future__ import annotations

import contextlib
import logging
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any

import pandas as pd

from dashboard.history import History
from dashboard.store import STALE, FrameMeta, FrameStore, StoreUnavailable
from feeds.air import worst_district
from feeds.districts import BY_CODE
from feeds.reasons import Reason

log = logging.getLogger(__name__)

LANGUAGES = ("ko", "en")
STORE_DOWN = Reason("store.down")  # the stale reason while the store does not answer
DAY = 24 * 3600
MOMENT_STEP = 60  # the time machine shows whole minutes: a moment is a multiple of this
# Meta fields a browser needs to show a feed's status and live age; the rest stays on the server.
PUBLIC = ("feed", "version", "source", "measured_at", "fetched_at", "source_now", "speed", "status", "error")


class BadInput(ValueError):
    """A viewer sent a value the wall does not take (a made-up district, moment or language)."""


def public_meta(meta: FrameMeta) -> dict[str, Any]:
    found = {key: getattr(meta, key) for key in PUBLIC}
    found["stale_reason"] = meta.stale_reason
    return found


def status_key(meta: FrameMeta) -> tuple:
    """What a feed's status line shows, without what only moves its clock.

    The browser runs the age forward itself from the source clock at one poll; polls that bring
    nothing new move ``fetched_at`` and ``source_now`` together, so only a jump of that clock's
    offset (a minute or more, e.g. a demo resumed) is news worth sending.
    """
    offset = None
    if meta.source_now is not None and meta.fetched_at is not None:
        offset = round((meta.source_now - meta.fetched_at * meta.speed) / 60)
    return (meta.version, meta.status, meta.error, meta.stale_reason, meta.measured_at, meta.speed, offset)


class _Making:
    """A value one thread is making for a key; others asking for it wait for it."""

    def __init__(self) -> None:
        self.maker = threading.get_ident()
        self.done = threading.Event()
        self.made = False
        self.value: Any = None


class Lru:
    """A small thread-safe LRU; a build is shared by every viewer asking the same thing.

    A value is made once however many ask at once: the first asker makes it and the rest wait for
    it. Two makings of one key could differ (a trend's axis ends at the moment it was built), and
    two viewers told the same token must hold the same value."""

    def __init__(self, size: int):
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()
        self._making: dict[Any, _Making] = {}
        self._lock = threading.Lock()

    def peek(self, key: Any) -> Any:
        """The value kept for ``key``, or None; a miss stores nothing."""
        with self._lock:
            return self._items.get(key)

    def get(self, key: Any, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            making = self._making.get(key)
            mine = making is None
            if mine:
                making = self._making[key] = _Making()
        if not mine:
            if making.maker == threading.get_ident():  # asked again while making it: no waiting
                return make()
            making.done.wait()
            return making.value if making.made else self.get(key, make)  # its maker failed: try
        try:
            making.value = make()
            making.made = True
        finally:
            with self._lock:
                if making.made:
                    self._items[key] = making.value
                    while len(self._items) > self.size:
                        self._items.popitem(last=False)
                del self._making[key]
            making.done.set()
        return making.value


@dataclass(frozen=True)
class Shown:
    """A feed's frame as of a moment: what names it (for build keys) and how to load it."""

    key: tuple
    load: Callable[[], pd.DataFrame | None]


class ReadModel:
    def __init__(
        self,
        store: FrameStore,
        history: History | None,
        source: str,
        control: Callable[[], Any] | None = None,
        ttl: float = 1.0,
        clock: Callable[[], float] = time.time,
        public_url: str = "",
    ):
        self.store = store
        self.public_url = public_url  # the address phones reach the wall at (WALL_PUBLIC_URL), or ""
        self._control = control
        self._control_read: tuple[float, Any] = (-math.inf, None)
        self.history = history
        self.source = source
        self.ttl = ttl
        self.clock = clock
        self._metas: tuple[float, dict[str, FrameMeta]] = (-math.inf, {})
        self._shown_metas: tuple = ()
        self.generation = 0  # moves whenever a feed's version or status does
        self._lock = threading.Lock()
        self._past = Lru(256)
        self._data = Lru(16)
        self._series: dict[str, pd.DataFrame | None] = {}  # the last live series read, per feed
        self._read: dict[str, FrameMeta] = {}  # the last metas the store gave
        self._down = False  # whether the store did not answer the last read
        self.worst = Lru(64)

    def metas(self) -> dict[str, FrameMeta]:
        """Every feed's metadata, judged now; read from the store at most once a ``ttl``."""
        now = self.clock()
        read_at, metas = self._metas
        if now - read_at < self.ttl:
            return metas
        try:
            metas = self.store.metas()
        except StoreUnavailable as exc:
            if not self._down:
                log.warning("%s; the wall shows what it holds, marked so", exc.reason)
            self._down = True
            metas = self._unavailable()
        else:
            if self._down:
                log.info("the frame store answers again")
            self._down, self._read = False, metas
        shown = tuple(status_key(meta) for meta in metas.values())
        with self._lock:
            if shown != self._shown_metas:
                # What the wall shows moved: every view from before is a view of another wall.
                self._shown_metas = shown
                self.generation += 1
            self._metas = (now, metas)
        return metas

    def live_series(self, feed: str) -> pd.DataFrame | None:
        """The store's rolling series of a feed; the last one read while the store does not answer."""
        try:
            series = self.store.series(feed)
        except StoreUnavailable:
            return self._series.get(feed)
        self._series[feed] = series
        return series

    def _unavailable(self) -> dict[str, FrameMeta]:
        """What the wall knows while the store does not answer: the last metas it gave, stale."""
        found = {}
        for feed in self.store.freshness:
            meta = self._read.get(feed)
            if meta is None or not meta.version:
                found[feed] = FrameMeta(feed, error=STORE_DOWN)
            else:
                found[feed] = replace(meta, status=STALE, stale_reason=STORE_DOWN)
        return found

    def control(self) -> Any:
        """The presenter remote's state (shared through the store's cache), read at most once a ``ttl``."""
        now = self.clock()
        read_at, state = self._control_read
        if self._control is None or now - read_at < self.ttl:
            return state
        with contextlib.suppress(StoreUnavailable):  # the last state stays until the store answers
            state = self._control()
        self._control_read = (now, state)
        return state

    def source_now(self, metas: dict[str, FrameMeta] | None = None) -> float:
        """Now on the source's clock (the demo's may run fast), which history is kept on too."""
        now = self.clock()
        clocks = [meta.source_clock(now) for meta in (metas or self.metas()).values()]
        known = [clock for clock in clocks if clock is not None]
        return max(known) if known else now

    def moment(self, minutes_back: float) -> float | None:
        """The past moment the time machine's slider asks for, on whole minutes; None for live."""
        if not minutes_back or self.history is None:
            return None
        return (self.source_now() + float(minutes_back) * 60) // MOMENT_STEP * MOMENT_STEP

    def shown(self, feed: str, when: float | None, metas: dict[str, FrameMeta]) -> Shown:
        """Live frames from the store, or the frame kept in history for a past moment."""
        if when is None:
            # Known by content as well as version: a store that restarted empty counts versions
            # from 1 again, and an old build must never pass for the new frame of the same number.
            meta = metas[feed]
            named = ("live", feed, meta.version, meta.digest)
            if not meta.version:
                return Shown(named, lambda: None)
            try:
                data = self._data.get(named, lambda: self.store.data(feed, meta.version))
            except StoreUnavailable:
                return Shown(("unavailable", feed, meta.version), lambda: None)
            return Shown(named, lambda: data)
        kept = self._past.get(
            (feed, when), lambda: self.history.frame_at(feed, when) if self.history else None
        )
        # A kept frame is known by when it was first seen; versions restart with a process.
        return Shown(("past", feed, kept[1]["seen_at"] if kept else 0), lambda: kept[0] if kept else None)

    def view(self, lang: Any, selection: Any, when: Any) -> WallView:
        """The wall for one viewer; raises BadInput for a value no browser of this wall sends."""
        if lang not in LANGUAGES:
            raise BadInput("language must be ko or en")
        if selection is not None and (not isinstance(selection, str) or selection not in BY_CODE):
            raise BadInput("selection must be one of the 25 district codes or none")
        metas = self.metas()
        if when is not None:
            when = self._check_moment(when, metas)
        return WallView(self, metas, lang, selection, when, self.generation)

    def _check_moment(self, when: Any, metas: dict[str, FrameMeta]) -> float:
        if isinstance(when, bool) or not isinstance(when, (int, float)) or not math.isfinite(when):
            raise BadInput("moment must be a number of seconds")
        if self.history is None:
            raise BadInput("this wall keeps no history")
        now = self.source_now(metas)
        # A slider set a moment ago may lie a step behind the window by now.
        if not now - DAY - 2 * MOMENT_STEP <= when <= now or when % MOMENT_STEP:
            raise BadInput("moment must be a whole minute within the last 24 hours")
        return float(when)


class WallView:
    """One moment of the wall for one language and selection (the ``View`` builders read)."""

    def __init__(
        self, model: ReadModel, metas: dict[str, FrameMeta], lang: str, selection, when, generation: int = 0
    ):
        self.model = model
        self.generation = generation
        self.metas = metas
        self.lang = lang
        self.selection = selection
        self.when = when
        self.source = model.source
        self.public_url = model.public_url
        self.history = model.history is not None
        self._shown: dict[str, Shown] = {}
        self._frames: dict[str, pd.DataFrame | None] = {}

    @property
    def signature(self) -> tuple:
        """Views with the same signature show the same wall: what one viewer's parts are, all are."""
        # Live, the wall moves on with the clock too: trends hourly (TREND_STEP), an incident's
        # clearance turning overdue on the minute. Only the parts whose keys name the clock rebuild.
        live = int(self.moment // 60) if self.when is None else None
        return (self.generation, self.lang, self.selection, self.when, live)

    def shown(self, feed: str) -> Shown:
        if feed not in self._shown:
            self._shown[feed] = self.model.shown(feed, self.when, self.metas)
        return self._shown[feed]

    def frame(self, feed: str) -> pd.DataFrame | None:
        if feed not in self._frames:
            self._frames[feed] = self.shown(feed).load()
        return self._frames[feed]

    def meta(self, feed: str) -> dict[str, Any] | None:
        meta = self.metas.get(feed)
        return public_meta(meta) if meta is not None else None

    def status_key(self, feed: str) -> tuple:
        return status_key(self.metas[feed])

    @cached_property
    def moment(self) -> float:
        return self.when if self.when is not None else self.model.source_now(self.metas)

    @cached_property
    def chosen(self) -> str | None:
        """The touched district, or the worst air when nobody chose (picked once per air frame)."""
        if self.selection:
            return self.selection
        return self.model.worst.get(self.shown("air").key, lambda: worst_district(self.frame("air")))

    def live_series(self, feed: str) -> pd.DataFrame | None:
        """The store's rolling series of a feed (it holds the warm-up of a fresh wall); None when past."""
        return self.model.live_series(feed) if self.when is None else None

    def series(
        self, name: str, since: float | pd.Timestamp, until: float | pd.Timestamp
    ) -> pd.DataFrame | None:
        """A series' rows kept in history between the two moments; None without history."""
        return self.model.history.series(name, since, until) if self.model.history else None

    def incident_timeline(self, since: float, until: float) -> pd.DataFrame:
        return self.model.history.incident_timeline(since, until) if self.model.history else pd.DataFrame()

    def handling_times(self, since: float, until: float) -> pd.DataFrame | None:
        return self.model.history.handling_times(since, until) if self.model.history else None
