"""GET /healthz: what an operator's monitor reads."""

from __future__ import annotations

import pytest

import app as wall_app
from dashboard.settings import Settings
from feeds.envelope import result_error
from tests.conftest import ControlledSource


def test_health_is_503_before_the_first_poll():
    wall = wall_app.create_wall(Settings(wall_poller=False), source=ControlledSource())
    response = wall.server.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["feeds"]["air"]["status"] == "error"


def test_health_is_200_with_every_feed_ok_and_reports_provenance():
    source = ControlledSource()
    wall = wall_app.create_wall(Settings(wall_poller=False), source=source)
    for feed in ("air", "traffic", "incidents"):
        wall.poller.poll(feed)
    response = wall.server.test_client().get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    air = body["feeds"]["air"]
    assert air["source"] == "demo" and air["version"] == wall.store.meta("air").version > 0
    assert air["last_error"] is None
    assert air["measured_at"].startswith("2026-11-19T18:00:00+09:00")
    assert air["age_seconds"] == pytest.approx(1800, abs=30) and air["fetched_at"]
    assert response.headers["Cache-Control"] == "no-store"


def test_health_is_503_and_names_the_reason_when_a_feed_fails():
    source = ControlledSource()
    wall = wall_app.create_wall(Settings(wall_poller=False), source=source)
    for feed in ("air", "traffic", "incidents"):
        wall.poller.poll(feed)
    good = wall.store.meta("traffic").version
    source.failure = result_error("ERROR-600")
    wall.poller.poll("traffic")
    response = wall.server.test_client().get("/healthz")
    assert response.status_code == 503
    traffic = response.get_json()["feeds"]["traffic"]
    assert (
        traffic["status"] == "error" and traffic["last_error"] == "ERROR-600: the provider's database failed"
    )
    assert traffic["version"] == good  # the last good frame is still there


def test_health_names_the_running_wall_and_when_the_poller_last_polled():
    source = ControlledSource()
    wall = wall_app.create_wall(Settings(wall_poller=False), source=source)
    before = wall.server.test_client().get("/healthz").get_json()
    assert before["poller"] == {
        "in_this_process": False,
        "last_poll_at": None,
        "since_last_poll_seconds": None,
    }
    assert before["version"] and before["build"] and before["uptime_seconds"] >= 0
    wall.poller.poll("air")
    after = wall.server.test_client().get("/healthz").get_json()
    poller = after["poller"]
    assert poller["last_poll_at"] is not None and 0 <= poller["since_last_poll_seconds"] < 60
