"""Cheap ticks: a tick with nothing new sends nothing; panels rebuild only on a new version."""

from __future__ import annotations

import pytest

import app as wall_app
from benchmarks.dash_client import call, find_output
from dashboard.settings import Settings
from tests.conftest import ControlledSource


@pytest.fixture
def wall():
    source = ControlledSource()
    wall = wall_app.create_wall(Settings(wall_poller=False), source=source)
    for feed in ("air", "traffic", "incidents"):
        wall.poller.poll(feed)
    return wall


def tick(wall, client, held: dict) -> tuple[int, dict]:
    answer = call(client, wall.app, find_output(wall.app, "meta-air.data"), held, ["tick.n_intervals"])
    if answer.status == 200:
        for component, props in answer.body["response"].items():
            for prop, value in props.items():
                held[f"{component}.{prop}"] = value
    return answer.status, held


def test_first_tick_sends_versions_then_nothing_until_data_changes(wall):
    client = wall.server.test_client()
    status, held = tick(wall, client, {"tick.n_intervals": 1})
    assert status == 200
    assert held["ver-air.data"] == 1 and held["meta-air.data"]["status"] == "ok"
    assert "digest" not in held["meta-air.data"]  # only what the page needs

    status, _ = tick(wall, client, held)
    assert status == 204  # nothing new: no body at all

    wall.poller.source.advance(3600)
    wall.poller.poll("air")
    status, held = tick(wall, client, held)
    assert status == 200 and held["ver-air.data"] == 2


def test_panel_is_built_once_per_version_and_shared_between_viewers(wall):
    client = wall.server.test_client()
    output = find_output(wall.app, "air-map.figure")
    values = {"ver-air.data": 1, "selection.data": None, "lang.data": "ko"}
    before = wall.memo.builds
    first = call(client, wall.app, output, values, ["ver-air.data"])
    # The first viewer builds the map and the pick of the worst district it centres on ...
    assert wall.memo.builds == before + 2
    second = call(client, wall.app, output, values, ["ver-air.data"])
    assert first.status == second.status == 200 and first.body == second.body
    assert wall.memo.builds == before + 2  # ... and the next viewer gets the same build


def test_callbacks_never_call_the_source(wall):
    client = wall.server.test_client()
    calls = wall.poller.source.calls
    for graph in (
        "air-map.figure",
        "air-ranking.figure",
        "traffic-map.figure",
        "incident-map.figure",
        "district-detail.children",
        "overview-headlines.children",
    ):
        values = {"ver-air.data": 1, "ver-traffic.data": 1, "ver-incidents.data": 1, "lang.data": "en"}
        assert call(client, wall.app, find_output(wall.app, graph), values, ["lang.data"]).status == 200
    tick(wall, client, {"tick.n_intervals": 1})
    assert wall.poller.source.calls == calls


def test_web_worker_reads_the_pollers_frames_through_redis(redis_url):
    """Scale-out: one process polls and writes to Redis; a web worker with its poller off serves
    the same versions and panels and never calls a source."""
    shared = {"cache_type": "RedisCache", "cache_redis_url": redis_url}
    poller_source, worker_source = ControlledSource(), ControlledSource()
    poller = wall_app.create_wall(Settings(wall_poller=True, **shared), source=poller_source)
    worker = wall_app.create_wall(Settings(wall_poller=False, **shared), source=worker_source)
    poller.cache.clear()
    for feed in ("air", "traffic", "incidents"):
        poller.poller.poll(feed)
    client = worker.server.test_client()
    status, held = tick(worker, client, {"tick.n_intervals": 1})
    assert status == 200 and held["ver-air.data"] == poller.store.meta("air").version
    answer = call(
        client,
        worker.app,
        find_output(worker.app, "air-map.figure"),
        {"ver-air.data": held["ver-air.data"], "lang.data": "ko"},
        ["ver-air.data"],
    )
    assert answer.status == 200 and len(answer.body["response"]["air-map"]["figure"]["data"]) >= 25
    assert worker_source.calls == 0 and worker.poller.running is False


def test_a_viewer_of_an_already_built_panel_reads_no_frame_data(wall, monkeypatch):
    client = wall.server.test_client()
    output = find_output(wall.app, "traffic-map.figure")
    values = {"ver-traffic.data": 1, "ver-air.data": 1, "selection.data": None, "lang.data": "ko"}
    assert call(client, wall.app, output, values, ["ver-traffic.data"]).status == 200
    reads = []
    original = wall.store.data
    monkeypatch.setattr(wall.store, "data", lambda *args: reads.append(args) or original(*args))
    assert call(client, wall.app, output, values, ["ver-traffic.data"]).status == 200
    assert reads == []  # versions were enough: the build was already made
