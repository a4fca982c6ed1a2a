"""/metrics in Prometheus' text format: the feeds, the upstream calls and the ticks, counted right."""

from __future__ import annotations

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

import app as wall_app
from benchmarks.dash_client import HttpClient, Viewer
from dashboard.settings import Settings
from dashboard.store import CALL_BUCKETS, Tally
from feeds.base import FeedError
from tests.conftest import ControlledSource


def samples(text: str) -> dict[tuple[str, tuple], float]:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


class Flaky(ControlledSource):
    """The demo city, whose AccInfo fails while ``down``."""

    down = False

    def fetch(self, fmt, service, *rest):
        if self.down and service == "AccInfo":
            raise FeedError("upstream did not answer")
        return super().fetch(fmt, service, *rest)


@pytest.fixture
def wall():
    source = Flaky()
    wall = wall_app.create_wall(Settings(wall_poller=False, history_path="off"), source=source)
    return wall, source


def test_a_tally_counts_buckets_as_prometheus_does():
    tally = Tally().add(0.3, True, {"air": True}).add(7.0, False, {"air": False})
    assert tally.buckets == tuple(int(b >= 0.3) + int(b >= 7.0) for b in CALL_BUCKETS)
    assert (tally.ok, tally.failed, tally.seconds) == (1, 1, pytest.approx(7.3))
    assert tally.polls == (("air", 1, 1),)


def test_metrics_count_polls_calls_and_ticks_and_say_each_feeds_status(wall):
    wall, source = wall
    for call in wall.poller.calls:
        wall.poller.poll_call(call)
    source.down = True
    wall.poller.poll_call("AccInfo")
    client = wall.app.server.test_client()
    answer = client.get("/metrics")
    assert answer.status_code == 200 and answer.mimetype == "text/plain"
    found = samples(answer.get_data(as_text=True))
    assert found[("wall_feed_polls_total", (("feed", "incidents"), ("outcome", "ok")))] == 1
    assert found[("wall_feed_polls_total", (("feed", "incidents"), ("outcome", "failed")))] == 1
    assert found[("wall_upstream_calls_total", (("call", "AccInfo"), ("outcome", "failed")))] == 1
    assert found[("wall_upstream_calls_total", (("call", "citydata"), ("outcome", "ok")))] == 1
    # One citydata round reads three feeds: one call, a poll of each.
    for feed in ("traffic", "crowds", "weather"):
        assert found[("wall_feed_polls_total", (("feed", feed), ("outcome", "ok")))] == 1
    assert found[("wall_upstream_call_seconds_count", (("call", "AccInfo"),))] == 2
    assert found[("wall_feed_rows", (("feed", "air"),))] == 25
    assert found[("wall_feed_status", (("feed", "air"), ("status", "ok")))] == 1
    assert found[("wall_feed_data_age_seconds", (("feed", "air"),))] >= 0
    labels = [labels for name, labels in found if name == "wall_build_info"]
    assert dict(labels[0])["source"] == "demo" and dict(labels[0])["version"]


def test_unknown_paths_are_not_the_wall(wall):
    client = wall[0].app.server.test_client()
    for path in ("/metricz", "/admin", "/panel/3/x/y", "/m/nothing", "/wp-login.php"):
        answer = client.get(path)
        assert answer.status_code == 404 and "text/html" not in answer.content_type, path
    for path in ("/", "/panel/3", "/panel/9", "/m", "/m/"):  # /panel/9 is the wall, with its notice
        assert client.get(path).status_code == 200, path


def test_a_served_wall_counts_its_ticks(live_wall):
    base = live_wall.url

    before = samples(requests.get(base + "/metrics", timeout=5).text)
    viewer = Viewer(HttpClient(base))
    for _ in range(3):
        viewer.sync()
    after = samples(requests.get(base + "/metrics", timeout=5).text)

    def ticks(found):
        return sum(v for (name, _), v in found.items() if name == "wall_ticks_total")

    assert ticks(after) - ticks(before) == 3
    assert after[("wall_viewers", ())] >= 1
    assert after[("wall_tick_seconds_count", ())] - before.get(("wall_tick_seconds_count", ()), 0) == 3
