"""The frame store: versions move only on change; failures keep the last good frame."""

from __future__ import annotations

import pandas as pd
import pytest
from flask import Flask
from flask_caching import Cache

from dashboard.store import ERROR, OK, STALE, FrameStore, Freshness


class Clock:
    def __init__(self, now: float = 1_700_000_000.0):
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(clock) -> FrameStore:
    cache = Cache(Flask(__name__), config={"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 0})
    return FrameStore(cache, {"air": Freshness(interval=60, max_age=3600)}, clock=clock)


def frame(pm25: float) -> pd.DataFrame:
    return pd.DataFrame({"district_code": ["11110", "11140"], "pm25": [pm25, 20.0]})


def put(store: FrameStore, clock: Clock, data: pd.DataFrame):
    return store.put("air", data, source="demo", measured_at=clock.now - 600, source_now=clock.now)


def test_no_frame_before_the_first_poll(store):
    assert store.frame("air") is None
    meta = store.meta("air")
    assert meta.version == 0 and meta.status == ERROR


def test_first_frame_is_versioned_by_the_clock_and_ok(store, clock):
    meta = put(store, clock, frame(10))
    # The clock in milliseconds: a store that restarts empty never gives an old number again.
    assert meta.version == int(clock.now * 1000) and meta.status == OK and meta.rows == 2
    assert store.frame("air").data["pm25"].tolist() == [10, 20]


def test_identical_frame_does_not_bump_the_version(store, clock):
    first = put(store, clock, frame(10)).version
    clock.now += 60
    meta = put(store, clock, frame(10).copy())
    assert meta.version == first
    assert meta.fetched_at == clock.now  # but the poll is recorded as fresh


def test_changed_frame_bumps_the_version(store, clock):
    first = put(store, clock, frame(10)).version
    meta = put(store, clock, frame(11))
    assert meta.version == first + 1 and meta.older == first
    assert store.frame("air").data["pm25"].iloc[0] == 11


def test_failure_keeps_last_good_frame_with_reason(store, clock):
    put(store, clock, frame(10))
    clock.now += 60
    meta = store.fail("air", "ERROR-500: the provider's server failed", source="demo")
    assert meta.status == ERROR and "ERROR-500" in meta.error
    kept = store.frame("air")
    assert kept is not None and kept.data["pm25"].iloc[0] == 10
    assert kept.meta.status == ERROR
    clock.now += 60
    assert put(store, clock, frame(10)).status == OK  # recovery clears the error


def test_frame_goes_stale_when_polls_stop(store, clock):
    put(store, clock, frame(10))
    clock.now += 3 * 60 + 11
    meta = store.meta("air")
    assert meta.status == STALE and "no update" in meta.stale_reason


def test_frame_goes_stale_when_data_is_old_upstream(store, clock):
    store.put("air", frame(10), source="demo", measured_at=clock.now - 2 * 3600, source_now=clock.now)
    meta = store.meta("air")
    assert meta.status == STALE and "old" in meta.stale_reason


def test_age_follows_the_source_clock(store, clock):
    store.put("air", frame(10), source="demo", measured_at=clock.now - 600, source_now=clock.now, speed=60)
    clock.now += 10  # ten wall seconds at 60x are ten source minutes
    assert store.meta("air").age(clock.now) == pytest.approx(600 + 600)


def test_series_keeps_one_row_per_district_and_hour(store):
    hour = pd.Timestamp("2026-11-23 10:00", tz="Asia/Seoul")
    rows = pd.DataFrame(
        {"district_code": ["11110", "11140"], "measured_at": [hour, hour], "pm25": [1.0, 2.0]}
    )
    store.extend_series("air", rows, ["district_code", "measured_at"], window=86_400)
    store.extend_series("air", rows.assign(pm25=[3.0, 4.0]), ["district_code", "measured_at"], window=86_400)
    later = rows.assign(measured_at=hour + pd.Timedelta(hours=25))
    store.extend_series("air", later, ["district_code", "measured_at"], window=86_400)
    series = store.series("air")
    assert len(series) == 2 and set(series["measured_at"]) == {hour + pd.Timedelta(hours=25)}


def test_a_stale_reason_names_the_limit_and_stays_the_same_while_the_data_ages():
    """The age ticks in the browser; the reason must not change every minute (it is sent to every viewer)."""
    now = [1_000_000.0]
    cache = Cache(Flask(__name__), config={"CACHE_TYPE": "SimpleCache"})
    store = FrameStore(cache, {"air": Freshness(300, 3600)}, clock=lambda: now[0])
    store.put("air", pd.DataFrame({"x": [1]}), source="demo", measured_at=now[0] - 4000, source_now=now[0])
    first = store.meta("air")
    now[0] += 600
    later = store.meta("air")
    assert first.status == later.status == STALE
    assert first.stale_reason == later.stale_reason == "data is more than 60 min old"
