"""Shared fixtures: a wall on a pinned demo city, served over real HTTP on loopback, and a browser."""

from __future__ import annotations

import logging
import os
import shutil
import socket
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


# Each pytest worker serves its walls from the first free port of its own few, below the kernel's
# ephemeral range: a wall is at the same address test after test, so the worker's browsers keep
# the page's scripts compiled and cached as a screen's browser would.
PORTS_PER_WORKER = 20


def _ports() -> range:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    first = 23000 + PORTS_PER_WORKER * (int(worker) if worker.isdigit() else 0)
    return range(first, first + PORTS_PER_WORKER)


def _listen() -> socket.socket:
    """A socket listening on the first free port of this worker's (werkzeug exits on a taken one)."""
    for port in (*_ports(), 0):
        listening = socket.socket()
        listening.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            listening.bind(("127.0.0.1", port))
        except OSError:
            listening.close()
            continue
        listening.listen(128)
        return listening
    raise OSError("no loopback port to serve on")


def serve(wall: Wall) -> tuple[str, callable]:
    """The wall over real HTTP on loopback; the function returned stops it and frees its port."""
    listening = _listen()
    host, port = listening.getsockname()
    server = make_server(
        host, port, wall.server, threaded=True, request_handler=QuietRequestHandler, fd=listening.fileno()
    )
    listening.close()  # the server holds its own copy of the socket
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()

    def stop() -> None:
        server.shutdown()
        server.server_close()
        thread.join(10)

    return f"http://{host}:{port}", stop


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


@pytest.fixture(scope="session")
def browsers():
    """The worker's headless Chromium windows (tests/browser.py), lent to one test at a time."""
    if not shutil.which("chromedriver"):
        pytest.fail("chromedriver is missing: run `make test`, which installs Debian's chromium-driver")
    from tests.browser import Browsers

    pool = Browsers()
    yield pool
    pool.close()


@pytest.fixture
def browser_factory(browsers):
    """Opens a headless Chromium window whose viewport is exactly the size asked for."""
    lent = []

    def open_browser(width: int = 5760, height: int = 2160):
        driver = browsers.lend(width, height)
        lent.append((driver, width, height))
        return driver

    yield open_browser
    for driver, width, height in lent:
        browsers.give_back(driver, width, height)


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
    deadline = time.monotonic() + 60
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
    state still has a test that fails when it breaks. Browser tests run in both workers, one
    Chromium each: every wait in them is for the page's state, with a bound far above a loaded
    machine's times."""
    if not config.getoption("--full"):
        cut = [item for item in items if item.get_closest_marker("full")]
        if cut:
            config.hook.pytest_deselected(items=cut)
            items[:] = [item for item in items if not item.get_closest_marker("full")]
    # The browser tests are the longest: they go first, so that the two workers share them
    # (xdist hands out the first quarter of the tests in turn) and the short ones fill the end.
    items.sort(key=lambda item: "browser_factory" not in getattr(item, "fixturenames", ()))
