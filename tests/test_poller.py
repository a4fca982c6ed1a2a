"""The poller: only it calls sources, it starts once, and failure never blanks the wall."""

from __future__ import annotations

import logging
import time

import pytest

import app as wall_app
from dashboard.settings import Settings
from feeds.envelope import result_error
from feeds.registry import AIR, FEEDS, calls
from tests.conftest import ControlledSource

NO_DATA = '{"RESULT": {"CODE": "INFO-200", "MESSAGE": "해당하는 데이터가 없습니다."}}'


@pytest.fixture
def source() -> ControlledSource:
    return ControlledSource()


@pytest.fixture
def wall(source):
    return wall_app.create_wall(Settings(wall_poller=False), source=source)


def test_poll_stores_a_frame_per_feed(wall):
    for feed in ("air", "traffic", "incidents"):
        meta = wall.poller.poll(feed)
        assert meta.status == "ok" and meta.version > 0 and meta.rows > 0, meta
    assert len(wall.store.frame("air").data) == 25


def test_version_moves_only_when_the_city_changes(wall, source):
    first = wall.poller.poll("air").version
    source.advance(60)  # same measurement hour: same payload, same frame
    assert wall.poller.poll("air").version == first
    source.advance(3600)
    assert wall.poller.poll("air").version == first + 1


def test_failing_source_keeps_last_good_frame_with_reason(wall, source, caplog):
    wall.poller.poll("air")
    good = wall.store.frame("air").data
    source.failure = result_error("ERROR-500")
    with caplog.at_level(logging.INFO, logger="dashboard.poller"):
        for _ in range(3):
            meta = wall.poller.poll("air")
        assert meta.status == "error" and meta.error == "ERROR-500: the provider's server failed"
        kept = wall.store.frame("air")
        assert kept is not None and kept.data.equals(good) and kept.meta.status == "error"
        source.failure = None
        assert wall.poller.poll("air").status == "ok"
    failures = [r for r in caplog.records if "poll failed" in r.getMessage()]
    recoveries = [r for r in caplog.records if "recovered" in r.getMessage()]
    assert len(failures) == 1 and len(recoveries) == 1  # logged once each, not per poll


def test_a_parser_crash_is_an_error_status_not_a_dead_poller(wall, source):
    wall.poller.poll("incidents")
    source.failure = RuntimeError("boom")
    meta = wall.poller.poll("incidents")
    assert meta.status == "error" and "unexpected error" in meta.error
    assert wall.store.frame("incidents") is not None


def test_first_failure_before_any_data_is_an_error_without_a_frame(wall, source):
    source.failure = result_error("INFO-100")
    meta = wall.poller.poll("air")
    assert meta.status == "error" and meta.version == 0
    assert wall.store.frame("air") is None


def test_warm_up_fills_a_day_of_air_trend(wall):
    assert wall.poller.warm_up() == 24
    series = wall.store.series("air")
    assert series["measured_at"].nunique() == 24 and series["district_code"].nunique() == 25


def test_scheduler_starts_once_and_polls_every_feed(source):
    settings = Settings(intervals={feed: 1 for feed in FEEDS})
    wall = wall_app.create_wall(settings, source=source)
    try:
        assert wall.start_polling() is True
        assert wall.start_polling() is False  # a second start in the same process does nothing
        jobs = wall.poller._scheduler.get_jobs()
        made = [job for job in jobs if job.id in calls(FEEDS)]  # one job per upstream call
        assert len(made) == len(calls(FEEDS)) and all(job.max_instances == 1 for job in made)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(m.version for m in wall.store.metas().values()):
            time.sleep(0.1)
        assert all(m.version > 0 and m.status == "ok" for m in wall.store.metas().values())
    finally:
        wall.poller.stop()
    assert not wall.poller.running


def test_reloader_parent_does_not_poll(source, monkeypatch):
    wall = wall_app.create_wall(Settings(), source=source)
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    assert wall.start_polling(reloader=True) is False
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")
    try:
        assert wall.start_polling(reloader=True) is True
    finally:
        wall.poller.stop()


def test_web_worker_with_poller_off_never_calls_the_source(source):
    wall = wall_app.create_wall(Settings(wall_poller=False), source=source)
    client = wall.server.test_client()
    assert client.get("/").status_code == 200
    assert wall.poller.running is False and source.calls == 0


def test_air_answering_no_data_keeps_the_last_map(wall, source):
    first = wall.poller.poll("air").version
    source.failure = None
    original = source.fetch

    def no_data(fmt, service, start, end, *filters):
        if service == "RealtimeCityAir":
            return NO_DATA
        return original(fmt, service, start, end, *filters)

    source.fetch = no_data
    meta = wall.poller.poll("air")
    assert meta.version == first and len(wall.store.frame("air").data) == 25
    # ... but not as live: the upstream published nothing, and the wall says so.
    assert meta.status == "stale" and "INFO-200" in meta.stale_reason
    source.fetch = original
    assert wall.poller.poll("air").status == "ok"


def test_no_incident_open_is_news_not_a_gap(wall, source):
    first = wall.poller.poll("incidents")
    source.fetch = lambda *request: NO_DATA
    # One empty answer is not trusted with closing every incident: they stay one poll more.
    assert wall.poller.poll("incidents").rows == first.rows
    meta = wall.poller.poll("incidents")
    assert meta.version == first.version + 1 and meta.rows == 0 and meta.status == "ok"


def test_a_permanent_failure_holds_the_feed_off_instead_of_asking_every_interval(source):
    source.failure = result_error("INFO-100")
    wall = wall_app.create_wall(Settings(intervals={**Settings().intervals, "air": 5}), source=source)
    try:
        wall.start_polling()
        deadline = time.monotonic() + 60
        job = wall.poller._scheduler.get_job(AIR.name)

        def held_off() -> bool:  # the first failure moves the feed's next poll a minute on
            return (
                wall.store.meta("air").attempted_at is not None
                and job.next_run_time.timestamp() - time.time() > 30
            )

        while time.monotonic() < deadline and not held_off():
            time.sleep(0.05)
            job = wall.poller._scheduler.get_job(AIR.name)
        assert held_off()
        wait = job.next_run_time.timestamp() - time.time()
        assert 50 < wait <= 60  # a minute first, not the five-second interval
        wall.poller._hold_off(AIR.name, permanent=True)  # a second failure in a row: twice as long
        wait = job.next_run_time.timestamp() - time.time()
        assert 110 < wait <= 120
        for _ in range(5):
            wall.poller._hold_off(AIR.name, permanent=True)
        wait = wall.poller._scheduler.get_job(AIR.name).next_run_time.timestamp() - time.time()
        assert 590 < wait <= 600  # at most ten minutes
    finally:
        wall.poller.stop()
