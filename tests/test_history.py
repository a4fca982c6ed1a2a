"""History: a simulated day survives a restart, frames never double-count, the past can be replayed."""

from __future__ import annotations

import logging
import math
import sqlite3
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import pytest

import app as wall_app
from dashboard import history as history_module
from dashboard.core import Wall
from dashboard.history import History
from dashboard.settings import Settings, SettingsError, load
from dashboard.store import FrameMeta, digest
from feeds import air as air_feed
from feeds import demo
from feeds.base import FeedError, Series
from feeds.registry import FEEDS as REGISTRY
from layouts import summary
from tests.conftest import DEMO_MOMENT, ControlledSource

STEP = 600  # simulated seconds between polls of air and incidents
TRAFFIC_STEP = 1800
HOUR, DAY = 3600, 86_400
KILL_AFTER = 12 * HOUR  # the wall is killed half way through the day ...
DOWNTIME = 2 * HOUR  # ... and comes back two hours later
SNAPSHOT_EVERY = 3 * HOUR
FEEDS = tuple(REGISTRY)


def make_wall(path: Path | str, source: ControlledSource) -> Wall:
    return wall_app.create_wall(Settings(wall_poller=False, history_path=str(path)), source=source)


@dataclass
class Day:
    """What happened during a simulated day with a kill and a restart, as the test saw it."""

    history: History  # the restarted wall's
    wall: Wall
    start: float
    end: float  # the last poll
    last_poll_before_kill: float
    first_poll_after_restart: float
    air_hours: set[pd.Timestamp]  # measurement hours the polls brought
    snapshots: list[tuple[str, float, pd.DataFrame]]  # (feed, poll time, frame the store held)
    metas_before_kill: dict[str, FrameMeta]
    incidents_at_kill: pd.DataFrame
    events_at_kill: pd.DataFrame
    restored: dict[str, FrameMeta]  # the restarted wall's metas before its first poll
    restored_frames: dict[str, pd.DataFrame]
    series_after_restore: pd.DataFrame


def live_through(wall: Wall, source: ControlledSource, until: float, start: float, day: dict) -> None:
    """Poll like the scheduler would, on the simulated clock, until ``until`` (not included)."""
    while source.now() < until:
        t = source.now()
        polled = ["air", "incidents"] + (["traffic"] if (t - start) % TRAFFIC_STEP == 0 else [])
        for feed in polled:
            assert wall.poller.poll(feed).status == "ok"
        air = wall.store.frame("air").data
        day["air_hours"].update(air["measured_at"])
        if (t - start) % SNAPSHOT_EVERY == 0:
            day["snapshots"] += [(feed, t, wall.store.frame(feed).data.copy()) for feed in FEEDS]
        day["last_poll"] = t
        source.advance(STEP)


# The simulated day is built once: its tests run in one pytest worker.
ONE_DAY = pytest.mark.xdist_group("history-day")


@pytest.fixture(scope="module")
def day(tmp_path_factory) -> Day:
    path = tmp_path_factory.mktemp("history") / "history.sqlite"
    source = ControlledSource(start=DEMO_MOMENT)
    start = source.now()
    seen = {"air_hours": set(), "snapshots": []}

    first = make_wall(path, source)
    live_through(first, source, start + KILL_AFTER, start, seen)
    last_before_kill = seen["last_poll"]
    metas_before_kill = {feed: first.store.meta(feed) for feed in FEEDS}
    incidents_at_kill, events_at_kill = first.history.incidents(), first.history.incident_events()
    first.history.close()  # the kill: nothing of the first wall is used again

    source.advance(DOWNTIME - STEP)
    second = make_wall(path, source)
    assert second.poller.restore() == len(FEEDS)
    restored = {feed: second.store.meta(feed) for feed in FEEDS}
    restored_frames = {feed: second.store.frame(feed).data for feed in FEEDS}
    series_after_restore = second.store.series("air")
    first_after_restart = source.now()
    live_through(second, source, start + DAY + 1, start, seen)
    return Day(
        second.history,
        second,
        start,
        seen["last_poll"],
        last_before_kill,
        first_after_restart,
        seen["air_hours"],
        seen["snapshots"],
        metas_before_kill,
        incidents_at_kill,
        events_at_kill,
        restored,
        restored_frames,
        series_after_restore,
    )


# --- the simulated day --------------------------------------------------------------------------


@ONE_DAY
def test_air_keeps_one_row_per_district_and_hour_across_the_restart(day):
    assert day.first_poll_after_restart - day.last_poll_before_kill == DOWNTIME
    kept = day.history.series("air", day.start - DAY, day.end)
    assert len(kept) == 25 * len(day.air_hours) == day.history.count("air")
    assert not kept.duplicated(["district_code", "measured_at"]).any()
    assert set(kept["measured_at"]) == day.air_hours
    # 18:00 to 18:00 the next day, but for 07:00: published and replaced while the wall was down.
    assert len(day.air_hours) == 25 - 1
    assert pd.Timestamp("2026-11-20 07:00", tz="Asia/Seoul") not in day.air_hours


@ONE_DAY
def test_air_rows_hold_the_values_the_polls_brought(day):
    kept = day.history.series("air", day.start - DAY, day.end).set_index(["district_code", "measured_at"])
    for feed, _, frame in day.snapshots:
        if feed == "air":
            polled = frame.set_index(["district_code", "measured_at"])[list(air_feed.SERIES.columns)]
            pd.testing.assert_frame_equal(kept.loc[polled.index], polled)


@ONE_DAY
def test_incidents_keep_their_lifecycle_across_the_restart(day):
    incidents = day.history.incidents().set_index("incident_id")
    events = day.history.incident_events()
    assert incidents.index.is_unique
    before = day.incidents_at_kill.set_index("incident_id")
    assert (incidents.loc[before.index, "first_seen"] == before["first_seen"]).all()
    # Every event written before the kill is still there, unchanged.
    merged = day.events_at_kill.merge(events, how="left", on=["incident_id", "at"], suffixes=("", "_now"))
    assert (merged["status"] == merged["status_now"]).all()
    # Nobody is reported twice (nothing re-opened, nothing duplicated) or cleared twice.
    reported = events[events["status"] == "reported"].groupby("incident_id").size()
    assert reported.max() == 1 and set(reported.index) == set(incidents.index)
    assert events[events["status"] == "cleared"].groupby("incident_id").size().max() == 1
    assert set(incidents.index[incidents["status"] == "cleared"]) == set(
        events.loc[events["status"] == "cleared", "incident_id"]
    )


@ONE_DAY
def test_an_incident_that_cleared_while_the_wall_was_down_gets_the_honest_range(day):
    kill = pd.Timestamp(day.last_poll_before_kill, unit="s", tz="Asia/Seoul")
    back = pd.Timestamp(day.first_poll_after_restart, unit="s", tz="Asia/Seoul")
    open_at_kill = day.incidents_at_kill[day.incidents_at_kill["status"] != "cleared"]
    now = day.history.incidents().set_index("incident_id").loc[open_at_kill["incident_id"]]
    still_open = {i.incident_id for i in demo.open_incidents(7, day.first_poll_after_restart)}
    gone = now[~now.index.isin(still_open)]
    assert len(gone) >= 1, "the downtime should clear at least one incident of the demo day"
    assert (gone["cleared_after"] == kill).all() and (gone["cleared_at"] == back).all()
    assert (gone["last_seen"] == kill).all()
    # ... and each one really did leave the feed in that range.
    ids_at_kill = {i.incident_id for i in demo.open_incidents(7, day.last_poll_before_kill)}
    assert set(gone.index) <= ids_at_kill


@ONE_DAY
def test_every_clearance_range_holds_the_moment_the_incident_left(day):
    cleared = day.history.incidents().query("status == 'cleared'")
    assert len(cleared) > 20
    for incident in cleared.itertuples():
        after, at = incident.cleared_after.timestamp(), incident.cleared_at.timestamp()
        assert incident.incident_id in {i.incident_id for i in demo.open_incidents(7, after)}
        assert incident.incident_id not in {i.incident_id for i in demo.open_incidents(7, at)}


@ONE_DAY
def test_trends_continue_across_the_restart(day):
    before_kill = {h for h in day.air_hours if h.timestamp() <= day.last_poll_before_kill}
    assert set(day.series_after_restore["measured_at"]) == before_kill
    assert day.series_after_restore["district_code"].nunique() == 25
    series = day.wall.store.series("air")
    newest = max(day.air_hours)
    expected = {h for h in day.air_hours if h > newest - pd.Timedelta(days=1)}
    assert set(series["measured_at"]) == expected
    assert len(series) == 25 * len(expected)
    traffic = day.history.series("traffic_district", day.start, day.end)
    assert not traffic.duplicated(["district_code", "measured_at"]).any()
    kill = pd.Timestamp(day.last_poll_before_kill, unit="s", tz="Asia/Seoul")
    assert (traffic["measured_at"] < kill).any() and (traffic["measured_at"] > kill).any()


@ONE_DAY
def test_warm_start_shows_the_last_frames_with_their_true_age_as_stale(day):
    for feed in FEEDS:
        restored, before = day.restored[feed], day.metas_before_kill[feed]
        assert restored.status == "stale" and "history" in restored.stale_reason
        assert restored.version > 0 and restored.restored
        assert (restored.fetched_at, restored.measured_at) == (before.fetched_at, before.measured_at)
        assert restored.age(before.fetched_at) == before.age(before.fetched_at)
        assert restored.rows == before.rows and restored.digest == before.digest
    last_air = [frame for feed, _, frame in day.snapshots if feed == "air"][-1]
    assert set(day.restored_frames["air"]["measured_at"]) <= set(day.air_hours)
    assert list(day.restored_frames["air"].columns) == list(last_air.columns)
    # The first poll after the restart confirms the feed.
    assert day.wall.store.meta("air").status == "ok" and not day.wall.store.meta("air").restored


@ONE_DAY
def test_time_machine_returns_what_the_poll_at_that_moment_stored(day):
    assert len(day.snapshots) == len(FEEDS) * 8  # every 3 hours but at 12 h, when the wall was down
    for feed, t, frame in day.snapshots:
        for moment in (t, t + STEP / 2):  # at the poll, and between it and the next one
            data, meta = day.history.frame_at(feed, moment)
            pd.testing.assert_frame_equal(data, frame, check_exact=True)
            assert meta["seen_at"] <= t <= meta["last_seen"] and meta["feed"] == feed
            assert meta["source"] == "demo"
        if feed == "incidents":
            then = day.history.incidents_open_at(t)
            # What was open upstream then; the frame shown may hold an incident one poll longer.
            assert set(then["incident_id"]) == {i.incident_id for i in demo.open_incidents(7, t)}
            assert set(then["incident_id"]) <= set(frame["incident_id"])
            assert list(then.columns[: len(frame.columns)]) == list(frame.columns)
    assert day.history.frame_at("air", day.start - 1) is None


@ONE_DAY
def test_incident_timeline_and_handling_times_add_up(day):
    since = pd.Timestamp(day.start, unit="s", tz="Asia/Seoul")
    until = pd.Timestamp(day.end, unit="s", tz="Asia/Seoul")
    incidents = day.history.incidents()
    timeline = day.history.incident_timeline(since, until)
    assert (timeline["hour"] == timeline["hour"].dt.floor("h")).all()
    opened_at = incidents["occurred_at"].fillna(incidents["first_seen"])
    assert timeline["opened"].sum() == opened_at.between(since, until).sum()
    assert timeline["cleared"].sum() == incidents["cleared_at"].between(since, until).sum()
    handling = day.history.handling_times(since, until).set_index("type_code")
    accidents = incidents.query("status == 'cleared' and type_code == 'A01'")
    assert handling.loc["A01", "count"] == len(accidents)
    assert 15 < handling.loc["A01", "median_minutes"] < 120  # the demo's accidents last 20-90 min


# --- duplicates and order -----------------------------------------------------------------------


@pytest.fixture
def wall() -> Wall:
    return make_wall(":memory:", ControlledSource())


def kept(wall: Wall, feed: str) -> tuple[pd.DataFrame, FrameMeta]:
    frame = wall.store.frame(feed)
    return frame.data.copy(), frame.meta


def test_the_same_frame_twice_counts_once(wall):
    for feed in FEEDS:
        wall.poller.poll(feed)
    counts = {table: wall.history.count(table) for table in wall.history.tables}
    for feed in FEEDS:
        wall.history.record(feed, *kept(wall, feed))
        wall.poller.poll(feed)  # the same city again: same content, a later poll
    assert {table: wall.history.count(table) for table in wall.history.tables} == counts
    assert wall.history.count("frames") == len(FEEDS)


def test_an_older_frame_after_a_newer_one_changes_nothing(wall):
    wall.poller.poll("air")
    wall.poller.poll("incidents")
    old = {feed: kept(wall, feed) for feed in ("air", "incidents")}
    wall.source.advance(3 * HOUR)
    wall.poller.poll("air")
    wall.poller.poll("incidents")
    wall.source.advance(60)
    wall.poller.poll("incidents")  # the second poll that lacks them clears them
    air = wall.history.series("air", 0, 2e9)
    incidents, events = wall.history.incidents(), wall.history.incident_events()
    assert (incidents["status"] == "cleared").any()  # three hours clear some
    for feed in ("air", "incidents"):
        wall.history.record(feed, *old[feed])
    pd.testing.assert_frame_equal(wall.history.series("air", 0, 2e9), air)
    pd.testing.assert_frame_equal(wall.history.incidents(), incidents)
    pd.testing.assert_frame_equal(wall.history.incident_events(), events)
    # air twice, incidents three times (the last poll ended the incidents the one before kept)
    assert wall.history.count("air") == 50 and wall.history.count("frames") == 5


def test_a_revised_row_is_replaced_by_the_newer_poll_only(wall):
    wall.poller.poll("air")
    data, meta = kept(wall, "air")
    revised = data.assign(pm25=data["pm25"] + 1)
    later = FrameMeta(
        "air",
        version=2,
        source="demo",
        measured_at=meta.measured_at,
        digest=digest(revised),
        fetched_at=meta.fetched_at + 60,
        source_now=meta.source_now + 60,
    )
    wall.history.record("air", revised, later)
    wall.history.record("air", data, meta)  # the original, arriving late
    kept_rows = wall.history.series("air", 0, 2e9)
    assert kept_rows["pm25"].tolist() == revised["pm25"].tolist() and len(kept_rows) == 25


def incidents_meta(data: pd.DataFrame, t: float) -> FrameMeta:
    return FrameMeta("incidents", version=1, source="demo", fetched_at=t, source_now=t, digest=digest(data))


def test_an_incident_truly_back_in_the_feed_is_reopened_once(wall):
    wall.poller.poll("incidents")
    data, meta = kept(wall, "incidents")
    t = meta.source_now
    one = data["incident_id"].iloc[0]
    without = data[data["incident_id"] != one].reset_index(drop=True)
    wall.history.record("incidents", without, incidents_meta(without, t + 60))
    wall.history.record("incidents", without, incidents_meta(without, t + 120))
    wall.history.record("incidents", data, incidents_meta(data, t + 180))
    row = wall.history.incidents().set_index("incident_id").loc[one]
    assert row["status"] == "reported" and pd.isna(row["cleared_at"]) and pd.isna(row["cleared_after"])
    assert row["first_seen"].timestamp() == t
    events = wall.history.incident_events(one)
    assert events["status"].tolist() == ["reported", "cleared", "reported"]
    # Cleared by the first poll that lacked it, once the second confirmed it.
    assert [at.timestamp() - t for at in events["at"]] == [0, 60, 180]
    assert len(wall.history.incidents_open_at(t + 90)) == len(data) - 1
    assert len(wall.history.incidents_open_at(t + 180)) == len(data)


def test_one_poll_that_lacks_incidents_closes_none(wall):
    wall.poller.poll("incidents")
    data, meta = kept(wall, "incidents")
    t = meta.source_now
    empty = data.iloc[0:0]
    wall.history.record("incidents", empty, incidents_meta(empty, t + 60))  # a glitch: INFO-200
    wall.history.record("incidents", data, incidents_meta(data, t + 120))
    incidents = wall.history.incidents()
    assert (incidents["status"] == "in_progress").all() and incidents["cleared_at"].isna().all()
    events = wall.history.incident_events()
    assert not (events["status"] == "cleared").any()
    assert len(wall.history.incidents_open_at(t + 60)) == len(data)
    # Two polls in a row without them: now they are cleared, at the first of the two.
    wall.history.record("incidents", empty, incidents_meta(empty, t + 180))
    wall.history.record("incidents", empty, incidents_meta(empty, t + 240))
    incidents = wall.history.incidents()
    assert (incidents["status"] == "cleared").all()
    assert {at.timestamp() - t for at in incidents["cleared_at"]} == {180}
    assert {at.timestamp() - t for at in incidents["cleared_after"]} == {120}


def test_feeds_written_from_several_threads_while_others_read_lose_nothing(tmp_path):
    source = ControlledSource()
    reference = make_wall(":memory:", source)
    polls = []
    for _ in range(18):  # three hours, polled one feed after another
        for feed in FEEDS:
            upstream = REGISTRY[feed].parse(REGISTRY[feed].fetch(source))  # what the poll hears
            reference.poller.poll(feed)
            polls.append((feed, *kept(reference, feed), upstream))
        source.advance(STEP)
    # The same polls again, one thread per feed as the scheduler's pool runs them, and readers.
    history = History(str(tmp_path / "h.sqlite"))
    writing, errors = True, []

    def guarded(work):
        def run():
            try:
                work()
            except Exception as exc:  # reported by the assertion below
                errors.append(exc)

        return threading.Thread(target=run)

    def write(feed):
        for name, data, meta, upstream in polls:
            if name == feed:
                history.record(name, data, meta, upstream)

    def read():
        while writing:
            history.series("air", 0, 2e9)
            history.frame_at("traffic", 2e9)
            history.incidents_open_at(2e9)

    writers = [guarded(lambda feed=feed: write(feed)) for feed in FEEDS]
    readers = [guarded(read) for _ in range(3)]
    for thread in writers + readers:
        thread.start()
    for thread in writers:
        thread.join()
    writing = False
    for thread in readers:
        thread.join()
    assert errors == []
    for table in history.tables:
        assert history.count(table) == reference.history.count(table), table
    pd.testing.assert_frame_equal(history.incidents(), reference.history.incidents())
    pd.testing.assert_frame_equal(history.incident_events(), reference.history.incident_events())


# --- the wall around it -------------------------------------------------------------------------


def test_a_frame_survives_the_trip_through_the_file_exactly(wall):
    for feed in FEEDS:
        wall.poller.poll(feed)
        data, meta = wall.history.frame_at(feed, wall.source.now())
        live = wall.store.frame(feed).data
        pd.testing.assert_frame_equal(data, live, check_exact=True)
        assert digest(data) == digest(live) == meta["digest"]
        assert meta["version"] == wall.store.meta(feed).version
    path = wall.history.frame_at("traffic", wall.source.now())[0]["path"].iloc[0]
    assert isinstance(path, list) and isinstance(path[0], tuple)


def test_an_unchanged_city_after_a_restart_keeps_version_one(tmp_path):
    source = ControlledSource()
    first = make_wall(tmp_path / "h.sqlite", source)
    first.poller.poll("air")
    first.history.close()
    second = make_wall(tmp_path / "h.sqlite", source)
    second.poller.restore()
    restored = second.store.meta("air").version
    assert restored > 0
    assert second.poller.poll("air").version == restored


def test_history_ahead_of_the_source_clock_is_not_restored(tmp_path, caplog):
    later = ControlledSource(start=DEMO_MOMENT + HOUR)  # a fast demo ran ahead, then restarted
    first = make_wall(tmp_path / "h.sqlite", later)
    first.poller.poll("air")
    first.history.close()
    second = make_wall(tmp_path / "h.sqlite", ControlledSource())
    with caplog.at_level(logging.WARNING, logger="dashboard.poller"):
        assert second.poller.restore() == 0
    assert second.store.frame("air") is None and "ahead of the source's clock" in caplog.text


def test_a_wall_started_on_history_shows_frames_even_when_its_polls_fail(tmp_path):
    source = ControlledSource()
    first = make_wall(tmp_path / "h.sqlite", source)
    for feed in FEEDS:
        first.poller.poll(feed)
    first.history.close()
    source.failure = FeedError("the network is down")
    settings = Settings(intervals=dict.fromkeys(FEEDS, 1), history_path=str(tmp_path / "h.sqlite"))
    wall = wall_app.create_wall(settings, source=source)
    try:
        assert wall.start_polling()
        assert all(wall.store.frame(feed) is not None for feed in FEEDS)  # at once, from history
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(m.error for m in wall.store.metas().values()):
            time.sleep(0.05)
        for feed in FEEDS:
            frame = wall.store.frame(feed)
            assert frame is not None and frame.meta.status == "error" and frame.meta.restored
        jobs = {job.id for job in wall.poller._scheduler.get_jobs()}
        assert "prune-history" in jobs
    finally:
        wall.poller.stop()


def test_a_history_that_cannot_be_written_never_fails_a_poll(wall, monkeypatch, caplog):
    def broken(*args):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(wall.history, "record", broken)
    with caplog.at_level(logging.INFO, logger="dashboard.poller"):
        for _ in range(3):
            assert wall.poller.poll("air").status == "ok"
        monkeypatch.undo()
        assert wall.poller.poll("air").status == "ok"
    assert wall.store.frame("air") is not None
    messages = [r.getMessage() for r in caplog.records]
    assert sum("could not be kept in history" in m for m in messages) == 1
    assert sum("kept in history again" in m for m in messages) == 1
    assert wall.history.count("air") == 25


def test_history_off_keeps_nothing_and_the_wall_still_polls():
    wall = wall_app.create_wall(Settings(wall_poller=False, history_path="off"), source=ControlledSource())
    assert wall.history is None and wall.poller.history is None
    assert wall.poller.poll("air").status == "ok" and wall.poller.restore() == 0


def test_a_relative_history_path_is_under_the_repo_root(tmp_path):
    wall = wall_app.create_wall(Settings(wall_poller=False), source=ControlledSource())
    wall.poller.poll("air")
    assert wall.history.path == str(tmp_path / "var" / "history.sqlite")  # ROOT is tmp_path in tests
    assert (tmp_path / "var" / "history.sqlite").is_file()


def test_history_settings_are_read_and_checked():
    assert (Settings().history_path, Settings().history_retention_days) == ("var/history.sqlite", 30)
    settings = load({"HISTORY_PATH": "/data/wall.sqlite", "HISTORY_RETENTION_DAYS": "90"})
    assert (settings.history_path, settings.history_retention_days) == ("/data/wall.sqlite", 90)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("HISTORY_RETENTION_DAYS", "0"),
        ("HISTORY_RETENTION_DAYS", "3651"),
        ("HISTORY_RETENTION_DAYS", "a month"),
        ("HISTORY_PATH", "   "),
    ],
)
def test_bad_history_settings_are_refused_naming_them(name, value):
    with pytest.raises(SettingsError, match=rf"^{name}="):
        load({name: value})


def test_a_history_file_that_is_not_sqlite_is_refused_naming_the_setting(tmp_path):
    path = tmp_path / "history.sqlite"
    path.write_text("not a database, " * 100)
    with pytest.raises(SettingsError, match="^HISTORY_PATH="):
        make_wall(path, ControlledSource())


# --- retention ----------------------------------------------------------------------------------


def test_retention_prunes_old_rows_and_the_file_shrinks(tmp_path):
    path = tmp_path / "h.sqlite"
    source = ControlledSource()
    wall = make_wall(path, source)
    for _ in range(4 * 10):  # ten days, every six hours
        for feed in FEEDS:
            wall.poller.poll(feed)
        source.advance(6 * HOUR)
    now, cutoff = source.now(), source.now() - 2 * DAY
    wall.history.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA auto_vacuum").fetchone()[0] == 2  # incremental
    history = History(str(path))
    open_before = history.incidents().query("status != 'cleared'")
    air_before = history.series("air", 0, 2e9)
    size_before = path.stat().st_size

    removed = history.prune(retention_days=2, now=now)
    assert removed["air"] == (air_before["measured_at"].map(pd.Timestamp.timestamp) < cutoff).sum() > 0
    assert history.series("air", 0, 2e9)["measured_at"].min().timestamp() >= cutoff
    assert removed["frames"] > 0
    for feed in FEEDS:
        assert history.frame_at(feed, now - 48 * HOUR - 1) is None  # older frames are gone
        assert history.frame_at(feed, now) is not None
    incidents = history.incidents()
    cleared = incidents.query("status == 'cleared'")
    assert (cleared["cleared_at"] >= pd.Timestamp(cutoff, unit="s", tz="Asia/Seoul")).all()
    assert set(open_before["incident_id"]) <= set(incidents["incident_id"])  # open ones stay
    events = history.incident_events()
    assert set(events["incident_id"]) == set(incidents["incident_id"])
    assert path.stat().st_size < 0.7 * size_before
    assert not any(history.prune(retention_days=2, now=now).values())  # nothing left to prune
    history.close()


def test_each_feeds_newest_frame_outlives_the_frame_retention(wall):
    wall.poller.poll("air")
    removed = wall.history.prune(now=wall.source.now() + 10 * DAY)  # ten days without a poll
    assert removed["frames"] == 0 and removed["air"] == 0  # the rows are within 30 days
    assert set(wall.history.latest_frames()) == {"air"}  # a warm start still has it


def test_a_fast_demo_city_resumes_where_its_history_ends(tmp_path):
    """DEMO_SPEED runs the city ahead of the wall clock; a restart must not go back behind it."""
    path = str(tmp_path / "fast.sqlite")
    first = wall_app.create_wall(Settings(history_path=path, demo_speed=600, wall_poller=False))
    first.source.now()  # the city's clock, running at 600x
    time.sleep(0.2)  # two real tenths: two simulated minutes
    first.poller.poll("air")
    ahead = first.history.newest_poll()
    first.history.close()
    second = wall_app.create_wall(Settings(history_path=path, demo_speed=600, wall_poller=False))
    assert second.source.now() >= ahead


# --- what a feed's spec says history keeps -------------------------------------------------------


def test_every_series_a_feed_declares_is_kept_by_the_one_writer(wall):
    for feed in FEEDS:
        wall.poller.poll(feed)
    declared = [(spec.name, series) for spec in REGISTRY.values() for series in spec.series]
    assert {series.name for _, series in declared} == {
        "air",
        "traffic_district",
        "traffic_hotspot",
        "crowds",
        "weather",
    }
    for feed, series in declared:
        expected = series.read(wall.store.frame(feed).data).set_index(series.keys).sort_index()
        kept = wall.history.series(series.name, 0, 2e9).set_index(series.keys).sort_index()
        assert len(kept) == len(expected) > 0, series.name
        assert list(kept.columns) == list(series.columns)
        pd.testing.assert_frame_equal(kept, expected, check_dtype=False, check_index_type=False)


def test_a_new_feeds_series_is_kept_without_history_knowing_the_feed(tmp_path):
    noise = Series("noise", "district_code", {"decibels": "REAL", "loudest": "TEXT", "sensors": "INTEGER"})
    feeds = {**REGISTRY, "noise": replace(REGISTRY["air"], name="noise", series=(noise,))}
    history = History(str(tmp_path / "h.sqlite"), feeds=feeds)
    at = pd.Timestamp("2026-11-20 09:00", tz="Asia/Seoul")
    frame = pd.DataFrame(
        {
            "district_code": ["11110", "11140", "11170"],
            "measured_at": [at, at, pd.NaT],  # a row with no time is no measurement
            "decibels": [61.5, math.nan, 70.0],
            "loudest": ["공사", None, "도로"],
            "sensors": [3, 2, 1],
            "unkept": ["a", "b", "c"],
        }
    )

    def meta(t: float) -> FrameMeta:
        return FrameMeta("noise", version=1, source="demo", fetched_at=t, source_now=t, digest=str(t))

    poll = at.timestamp() + 60
    history.record("noise", frame, meta(poll))
    history.record("noise", frame.assign(decibels=[40.0, 41.0, 42.0]), meta(poll - 30))  # late, older
    kept = history.series("noise", 0, 2e9)
    assert kept["district_code"].tolist() == ["11110", "11140"]
    assert kept["decibels"].tolist()[0] == 61.5 and math.isnan(kept["decibels"].tolist()[1])
    assert kept["loudest"].tolist() == ["공사", None] and kept["sensors"].tolist() == [3, 2]
    history.record("noise", frame.assign(decibels=[62.0, 63.0, 64.0]), meta(poll + 60))  # a revision
    assert history.series("noise", 0, 2e9)["decibels"].tolist() == [62.0, 63.0]
    assert history.prune(retention_days=1, now=poll + 2 * DAY)["noise"] == 2
    history.close()


def test_a_series_name_that_is_not_plain_is_refused():
    with pytest.raises(ValueError, match="plain lower-case name"):
        Series("air; DROP TABLE frames", "district_code", {"pm25": "REAL"})
    with pytest.raises(ValueError, match="BLOB"):
        Series("dust", "district_code", {"pm25": "BLOB"})


OLD_TRAFFIC = (  # the district series as schema 2 kept it: no length_m
    "CREATE TABLE traffic_district (district_code TEXT NOT NULL, measured_at REAL NOT NULL, "
    "speed_kmh REAL, links INTEGER NOT NULL, jammed INTEGER NOT NULL, seen_at REAL NOT NULL, "
    "PRIMARY KEY (district_code, measured_at)) WITHOUT ROWID"
)


def test_an_older_history_file_is_brought_up_to_date_and_keeps_its_rows(tmp_path, caplog):
    path = tmp_path / "old.sqlite"
    at = pd.Timestamp("2026-11-20 08:00", tz="Asia/Seoul").timestamp()
    with sqlite3.connect(path) as db:
        db.execute(OLD_TRAFFIC)
        db.execute("INSERT INTO traffic_district VALUES ('11110', ?, 20.0, 4, 1, ?)", (at, at))
        db.execute("PRAGMA user_version = 2")
    db.close()
    with caplog.at_level(logging.INFO, logger="dashboard.history"):
        history = History(str(path))
    assert "schema 2 brought up to 4" in caplog.text
    kept = history.series("traffic_district", 0, 2e9)
    assert kept[["district_code", "speed_kmh", "links", "jammed"]].values.tolist() == [["11110", 20.0, 4, 1]]
    assert math.isnan(kept["length_m"].iloc[0])  # not known then
    assert history.count("crowds") == 0 and history.count("weather") == 0  # the tables now exist
    history.close()
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == history_module.SCHEMA_VERSION
    db.close()
    # The trend still reads the old rows (weighted by their links, as they were then).
    today, _, _ = summary.speed_by_hour(kept, pd.Timestamp(at, unit="s", tz="Asia/Seoul"))
    assert today["speed_kmh"].tolist() == [20.0]


def test_a_history_file_from_a_newer_wall_is_refused_and_left_alone(tmp_path):
    path = tmp_path / "newer.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE future (x)")
        db.execute(f"PRAGMA user_version = {history_module.SCHEMA_VERSION + 1}")
    db.close()
    before = path.read_bytes()
    with pytest.raises(
        SettingsError, match=r"HISTORY_PATH=.*newer wall \(schema 5; this one reads up to 4\)"
    ):
        history_module.open_history(str(path))
    assert path.read_bytes() == before
