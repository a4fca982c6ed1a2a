"""Shared fixtures: a wall on a pinned demo city, served over real HTTP on loopback, and a browser."""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from werkzeug.serving import make_server

import app as wall_app
from dashboard import history
from dashboard.core import Wall
from dashboard.security import QuietRequestHandler
from dashboard.settings import Settings
from feeds.demo import DemoSource

ARTIFACTS = Path(__file__).parent / "artifacts"
# A weekday evening rush in late autumn: hazy air, slow roads, incidents open. Seed 7 is pinned.
DEMO_MOMENT = datetime(2026, 11, 19, 18, 30, tzinfo=ZoneInfo("Asia/Seoul")).timestamp()


class ErrorLog(logging.Handler):
    """Collects every error the server logs, so a test can say none reached the page."""

    def __init__(self) -> None:
        super().__init__(level=logging.ERROR)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


class ControlledSource:
    """The demo city, with a switch that makes every call fail and a count of calls."""

    name = "demo"

    def __init__(self, start: float = DEMO_MOMENT):
        self.demo = DemoSource(seed=7, speed=0.0, start=start)
        self.failure: Exception | None = None
        self.calls = 0

    @property
    def speed(self) -> float:
        return 1.0

    def now(self) -> float:
        return self.demo.now()

    def advance(self, seconds: float) -> None:
        self.demo = self.demo.past(self.demo.now() + seconds)  # a playing scenario carries on

    def past(self, t: float) -> DemoSource:
        return self.demo.past(t)

    def play(self, scenario, start: float | None = None) -> dict:
        return self.demo.play(scenario, start=start)

    def stop(self) -> None:
        self.demo.stop()

    def scenario_status(self, t: float | None = None) -> dict | None:
        return self.demo.scenario_status(t)

    def fetch(self, fmt, service, start, end, *filters):
        self.calls += 1
        if self.failure is not None:
            raise self.failure
        return self.demo.fetch(fmt, service, start, end, *filters)


@dataclass
class LiveWall:
    wall: Wall
    url: str
    errors: ErrorLog
    source: ControlledSource


@pytest.fixture(autouse=True)
def history_in_tmp(tmp_path, monkeypatch) -> None:
    """A wall a test builds keeps its history (HISTORY_PATH, relative) in the test's own folder,
    never in the repo's var/: a test never starts from another test's history."""
    monkeypatch.setattr(history, "ROOT", tmp_path)


def serve(wall: Wall) -> tuple[str, callable]:
    server = make_server("127.0.0.1", 0, wall.server, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return f"http://127.0.0.1:{server.server_port}", server.shutdown


@pytest.fixture
def live_wall_factory() -> Iterator[callable]:
    """Walls on demo seed 7 at DEMO_MOMENT, polled once before the first page load, served on
    loopback. Keyword arguments override settings."""
    started = []

    def start(**overrides) -> LiveWall:
        # The test drives polls itself; no background poller races it.
        settings = Settings(**{"wall_tick": 1.0, "wall_poller": False, **overrides})
        source = ControlledSource()
        wall = wall_app.create_wall(settings, source=source)
        errors = ErrorLog()
        logging.getLogger().addHandler(errors)
        wall.server.logger.addHandler(errors)
        wall.poller.warm_up()
        for feed in ("air", "traffic", "incidents"):
            wall.poller.poll(feed)
        url, shutdown = serve(wall)
        started.append((shutdown, errors))
        return LiveWall(wall, url, errors, source)

    yield start
    for shutdown, errors in started:
        shutdown()
        logging.getLogger().removeHandler(errors)


@pytest.fixture
def live_wall(live_wall_factory) -> LiveWall:
    return live_wall_factory()


@pytest.fixture
def browser_factory():
    """Opens headless Chromium windows whose viewport is exactly the size asked for (tests/browser.py)."""
    if not shutil.which("chromedriver"):
        pytest.fail("chromedriver is missing: run `make test`, which installs Debian's chromium-driver")
    from tests.browser import Browsers

    browsers = Browsers()
    yield browsers.open
    browsers.close()


@pytest.fixture
def phone_factory(browser_factory):
    """Opens headless Chromium as a phone (390 × 844 unless told: a common phone in portrait)."""

    from tests.browser import emulate_phone

    def open_phone(width: int = 390, height: int = 844):
        driver = browser_factory(width, height)
        emulate_phone(driver, width, height)
        return driver

    return open_phone


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """A real Redis server on a free loopback port, for walls that share one store."""
    import socket
    import subprocess
    import time

    binary = shutil.which("redis-server")
    if binary is None:
        pytest.fail("redis-server is missing: run `make test`, which installs Debian's redis-server")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


def pytest_addoption(parser):
    parser.addoption(
        "--full",
        action="store_true",
        help="also run the exhaustive walks marked `full` (make test-full)",
    )


def pytest_collection_modifyitems(config, items):
    """The exhaustive walks (every state combination, every stage of every scenario in both
    languages) run with --full only; the suite keeps a sample of each, so that any one part or
    state still has a test that fails when it breaks."""
    if config.getoption("--full"):
        return
    cut = [item for item in items if item.get_closest_marker("full")]
    if cut:
        config.hook.pytest_deselected(items=cut)
        items[:] = [item for item in items if not item.get_closest_marker("full")]
