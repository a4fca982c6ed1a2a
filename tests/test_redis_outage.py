"""A real redis-server stopped and restarted empty under a running wall (CACHE_TYPE=RedisCache).

Two walls share the Redis, as a poller process and a web worker do: the poller's wall polls and
writes, the web worker's only reads and serves viewers over real HTTP on loopback.
"""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time

import pytest

import app as wall_app
from benchmarks.dash_client import HttpClient, Viewer
from dashboard.settings import Settings
from tests.conftest import ControlledSource, serve

FEEDS = ("air", "traffic", "incidents")


class Redis:
    """One redis-server on a fixed free port that keeps nothing on disk: a restart is empty."""

    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is missing: run `make test`, which installs Debian's redis-server")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        pytest.fail("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None


@pytest.fixture
def redis():
    server = Redis()
    server.start()
    yield server
    server.stop()


def statuses(viewer: Viewer) -> str:
    return " ".join(str(viewer.part(panel, "status")) for panel in range(1, 7))


def test_a_redis_outage_keeps_the_wall_answering_and_the_frames_come_back(redis, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    settings = {"cache_type": "RedisCache", "cache_redis_url": redis.url, "wall_poller": False}
    source = ControlledSource()
    poller = wall_app.create_wall(
        Settings(**settings, history_path=str(tmp_path / "history.sqlite")), source=source
    )
    web = wall_app.create_wall(Settings(**settings, history_path="off", wall_tick=1.0), source=source)
    web.read.ttl = 0  # read the store at every tick: the outage is seen at once
    for feed in FEEDS:
        poller.poller.poll(feed)
    before = {feed: poller.store.meta(feed) for feed in FEEDS}
    url, shutdown = serve(web)
    try:
        client = HttpClient(url)
        viewer = Viewer(client)
        assert viewer.sync().status in (200, 204)
        assert "정상" in statuses(viewer)
        assert client.get("/healthz").status_code == 200
        drawn = viewer.part(2, "air-map")

        redis.stop()
        caplog.clear()
        # The web worker answers every tick with the frames it has, marked, never a 500.
        answer = viewer.sync()
        assert answer.status == 200
        shown = statuses(viewer)
        assert "자료 저장소에 연결할 수 없습니다" in shown and "정상" not in shown
        assert viewer.part(2, "air-map") == drawn  # the map it had stays
        assert "자료 저장소" not in str(viewer.part(2, "air-map"))
        health = client.get("/healthz")
        assert health.status_code == 503 and health.get_json()["status"] == "store unavailable"
        assert "frame store is unavailable" in health.get_json()["reason"]
        # A viewer who opens the wall now still gets a page.
        assert client.get("/").status_code == 200
        # The poller polls on, and says so once.
        for _ in range(3):
            for feed in FEEDS:
                source.advance(60)
                poller.poller.poll(feed)
        outage = [r for r in caplog.records if "frame store is unavailable" in r.getMessage()]
        for side in ("dashboard.poller", "dashboard.readmodel"):
            lines = [r.getMessage() for r in outage if r.name == side]
            assert len(lines) == 1, (side, lines)  # each process says it once
        assert not [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
        assert len(caplog.records) < 40, [r.getMessage() for r in caplog.records]  # not a line per request

        redis.start()  # back, and empty
        caplog.clear()
        poller.poller.poll("incidents")  # the first poll that finds the store answering refills it
        assert "answers again" in caplog.text
        after = {feed: poller.store.meta(feed) for feed in FEEDS}
        for feed in FEEDS:
            assert after[feed].version > before[feed].version, feed  # never an old number again
            assert poller.store.frame(feed) is not None, feed
        for feed in FEEDS:
            poller.poller.poll(feed)  # the polls the refill asked for
        viewer.sync()
        assert "정상" in statuses(viewer)
        # What the viewer holds is what a viewer opening the wall now is sent: nothing from before.
        fresh = Viewer(client)
        fresh.sync()
        for panel, name in ((2, "air-map"), (1, "headlines"), (5, "incident-list"), (6, "district-detail")):
            assert viewer.part(panel, name) == fresh.part(panel, name), name
        assert client.get("/healthz").status_code == 200
    finally:
        shutdown()
