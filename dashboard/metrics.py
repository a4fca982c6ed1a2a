"""GET /metrics: the wall's figures in Prometheus' text format, the same whichever worker answers.

What the poller knows is read from the frame store at each scrape, and every worker shares the
store: per feed, its status, rows, last success and data age (the frame's metadata) and its polls
by outcome; per upstream call, its durations and outcomes (``FrameStore.tally``). What a worker
serves itself (ticks and their latency, viewers seen) is counted with prometheus-client in each
process; under gunicorn (``PROMETHEUS_MULTIPROC_DIR``, set by ``python -m dashboard run``) the
scrape sums every worker's files, so the figures are the wall's, not one worker's.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version

from flask import Flask, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    values,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

from dashboard.store import CALL_BUCKETS, ERROR, OK, STALE, FrameStore, StoreUnavailable

STATUSES = (OK, STALE, ERROR)
VIEWER_WINDOW = 60.0  # seconds a viewer counts as seen after its last tick
MULTIPROCESS = "PROMETHEUS_MULTIPROC_DIR"

# Counted in each process; summed over the workers' files when the scrape is multiprocess (chosen
# here, not when prometheus-client was first imported: the directory is set before workers start).
values.ValueClass = values.get_value_class()
TICKS = Counter("wall_ticks_total", "Ticks answered, by answer (changes or 204 nothing new)", ["answer"])
TICK_SECONDS = Histogram(
    "wall_tick_seconds", "Server time of a tick", buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5)
)
VIEWERS = Gauge(
    "wall_viewers",
    "Viewers (browser connections) that ticked in the last minute",
    multiprocess_mode="livesum",
)


def wall_version() -> str:
    try:
        return package_version("city-wall")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "unknown"


class Viewers:
    """Who ticked in the last minute, in this process: a key per viewer, its last tick's time."""

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self.clock = clock
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def saw(self, key: str) -> None:
        now = self.clock()
        with self._lock:
            self._seen[key] = now
            if len(self._seen) > 64 and len(self._seen) % 64 == 0:  # now and then, not every tick
                self._forget(now)
        VIEWERS.set(self.count())

    def count(self) -> int:
        with self._lock:
            self._forget(self.clock())
            return len(self._seen)

    def _forget(self, now: float) -> None:
        for key in [key for key, at in self._seen.items() if now - at > VIEWER_WINDOW]:
            del self._seen[key]


class WallCollector:
    """The poller's figures, read from the shared store at scrape time."""

    def __init__(
        self, store: FrameStore, call_names: Iterable[str], build: str, source: str, clock=time.time
    ):
        self.store = store
        self.call_names = tuple(call_names)
        self.build = build
        self.source = source
        self.clock = clock

    def collect(self):
        info = GaugeMetricFamily("wall_build_info", "The running wall", labels=["version", "build", "source"])
        info.add_metric([wall_version(), self.build, self.source], 1)
        yield info
        up = GaugeMetricFamily("wall_store_up", "1 when the frame store answered this scrape")
        try:
            metas, tallies = self.store.metas(), self.store.tallies(self.call_names)
        except StoreUnavailable:
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from self._feeds(metas)
        yield from self._calls(tallies)

    def _feeds(self, metas):
        now = self.clock()
        status = GaugeMetricFamily(
            "wall_feed_status", "1 for the feed's status now", labels=["feed", "status"]
        )
        rows = GaugeMetricFamily("wall_feed_rows", "Rows in the feed's frame", labels=["feed"])
        success = GaugeMetricFamily(
            "wall_feed_last_success_timestamp_seconds", "Wall clock of the last good poll", labels=["feed"]
        )
        age = GaugeMetricFamily(
            "wall_feed_data_age_seconds", "Source seconds since the frame was measured", labels=["feed"]
        )
        for feed, meta in metas.items():
            for name in STATUSES:
                status.add_metric([feed, name], float(meta.status == name))
            if meta.version:
                rows.add_metric([feed], meta.rows)
            if meta.fetched_at is not None:
                success.add_metric([feed], meta.fetched_at)
            seconds = meta.age(now) if meta.version else None
            if seconds is not None:
                age.add_metric([feed], seconds)
        yield from (status, rows, success, age)

    def _calls(self, tallies):
        polls = CounterMetricFamily(
            "wall_feed_polls", "Polls of the feed, by outcome", labels=["feed", "outcome"]
        )
        calls = CounterMetricFamily(
            "wall_upstream_calls",
            "Upstream calls, by outcome (failed: no answer)",
            labels=["call", "outcome"],
        )
        seconds = HistogramMetricFamily(
            "wall_upstream_call_seconds",
            "Duration of an upstream call (citydata: a round of places)",
            labels=["call"],
        )
        for name, tally in tallies.items():
            calls.add_metric([name, "ok"], tally.ok)
            calls.add_metric([name, "failed"], tally.failed)
            buckets = [(repr(bound), count) for bound, count in zip(CALL_BUCKETS, tally.buckets, strict=True)]
            seconds.add_metric([name], [*buckets, ("+Inf", tally.ok + tally.failed)], tally.seconds)
            for feed, good, bad in tally.polls:
                polls.add_metric([feed, "ok"], good)
                polls.add_metric([feed, "failed"], bad)
        yield from (polls, calls, seconds)


def register(server: Flask, collector: WallCollector) -> None:
    @server.get("/metrics")
    def metrics():
        registry = CollectorRegistry()
        registry.register(collector)
        if os.environ.get(MULTIPROCESS):
            MultiProcessCollector(registry)
        else:  # one process: its own counters are the wall's
            registry.register(_Local())
        response = Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)
        response.headers["Cache-Control"] = "no-store"
        return response


class _Local:
    """This process's own ticks and viewers, when no multiprocess directory is kept."""

    def collect(self):
        for metric in (TICKS, TICK_SECONDS, VIEWERS):
            yield from metric.collect()
