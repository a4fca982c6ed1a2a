"""The wall in headless Chromium when its server goes away, comes back, or comes back new."""

from __future__ import annotations

import re
import threading
import time

import pytest
from selenium.webdriver.common.by import By
from werkzeug.serving import make_server

from dashboard import core
from tests.browser import (
    console_errors,
    detail_name,
    open_wall,
    page_state,
    shoot,
    sync_requests,
    touch_district,
    wait_for,
)

pytestmark = pytest.mark.browser


class Server:
    """The wall served on one fixed loopback port that can be stopped and started again."""

    def __init__(self, wall):
        self.wall = wall
        self.port = 0
        self._server = None

    def start(self) -> str:
        self._server = make_server("127.0.0.1", self.port, self.wall.server, threaded=True)
        self.port = self._server.server_port
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()  # connections are refused now, as from a dead server
            self._server = None


def lost(driver) -> bool:
    return driver.execute_script("return document.documentElement.classList.contains('connection-lost')")


def visible_banners(driver) -> list[str]:
    return [b.text for b in driver.find_elements(By.CSS_SELECTOR, ".lost-banner") if b.is_displayed()]


def visible_live_words(driver) -> list[str]:
    words = driver.find_elements(By.CSS_SELECTOR, ".status-word")
    return [w.text for w in words if w.is_displayed() and w.text.strip()]


# What each panel holds: its text (without what moves with the clock), and each figure's data
# and layout as plotly holds them (without the axis domains plotly writes back after a redraw).
PANELS_HELD = """
return [...document.querySelectorAll('.panel')].map(panel => {
  const copy = panel.cloneNode(true);
  copy.querySelectorAll('.age, #wall-clock, #wall-date, .js-plotly-plot').forEach(el => el.remove());
  const figures = [...panel.querySelectorAll('.js-plotly-plot')].map(g => JSON.stringify(
    [g.data, g.layout], (key, value) => key === 'domain' ? undefined : value));
  return [copy.textContent.replace(/\\s+/g, ' ').trim(), figures];
});
"""


def settled(driver) -> bool:
    """The page holds what its server has: its last sync was answered "nothing new" (204), and
    it does not call its link lost."""
    requests = sync_requests(driver)
    return bool(requests) and requests[-1][2] == 204 and not lost(driver)


def same_as_a_fresh_page(driver, url: str) -> None:
    """What the page shows equals what a fresh page of ``url`` shows, once both are settled."""
    wait_for(driver, settled, message=lambda: "the page never settled: " + page_state(driver))
    held = driver.execute_script(PANELS_HELD)
    driver.switch_to.new_window("tab")
    open_wall(driver, url)
    wait_for(driver, settled, message=lambda: "the fresh page never settled: " + page_state(driver))
    fresh = driver.execute_script(PANELS_HELD)
    for panel, (was, now) in enumerate(zip(held, fresh, strict=True), 1):
        assert was[0] == now[0], f"panel {panel}'s text differs from a fresh page's"
        for figure, (a, b) in enumerate(zip(was[1], now[1], strict=True)):
            assert a == b, f"figure {figure} of panel {panel} differs from a fresh page's: {difference(a, b)}"


def difference(held: str, fresh: str) -> str:
    """Where two figures' JSON first part, with a little of each around it."""
    at = next(
        (i for i, (x, y) in enumerate(zip(held, fresh, strict=False)) if x != y), min(len(held), len(fresh))
    )
    return f"held …{held[max(0, at - 150) : at + 150]}… fresh …{fresh[max(0, at - 150) : at + 150]}…"


def test_a_dead_server_is_called_so_on_every_panel_and_the_next_answer_restores_it(
    live_wall, browser_factory, artifacts
):
    server = Server(live_wall.wall)
    url = server.start()
    try:
        driver = browser_factory(5760, 2160)
        open_wall(driver, url + "/")
        assert not lost(driver) and visible_banners(driver) == []
        assert "정상" in " ".join(visible_live_words(driver))

        server.stop()
        # Ticks every second: three missed ones, and the wall says so.
        wait_for(driver, lost, message="the wall never noticed its server was gone")
        banners = visible_banners(driver)
        assert len(banners) == 6, banners
        # "연결 끊김 · 마지막 연결 18:30": the time of the last answer, on the wall's own clock
        assert all(re.fullmatch(r"연결 끊김 · 마지막 연결 \d\d:\d\d", b) for b in banners), banners
        assert visible_live_words(driver) == []  # no "정상" anywhere
        assert "정상" not in driver.find_element(By.ID, "wall").text
        dots = driver.execute_script(
            "return Array.from(document.querySelectorAll('.status .dot'))"
            ".map(d => getComputedStyle(d).backgroundColor)"
        )
        assert dots and len(set(dots)) == 1, dots  # all one grey, none green
        driver.save_screenshot(str(artifacts / "wall_connection_lost.png"))

        server.start()
        wait_for(driver, lambda d: not lost(d), message="the wall never saw its server back")
        assert visible_banners(driver) == []
        assert "정상" in " ".join(visible_live_words(driver))
        # Nothing of the lost spell is left in the page: it reads as a page opened now.
        same_as_a_fresh_page(driver, url + "/")
    finally:
        server.stop()


def test_english_wall_says_connection_lost_in_english(live_wall_factory, browser_factory):
    live = live_wall_factory()
    server = Server(live.wall)
    url = server.start()
    try:
        driver = browser_factory(1920, 1080)
        driver.get(url + "/panel/2?lang=en")
        wait_for(driver, lambda d: "as of" in d.find_element(By.CSS_SELECTOR, "#panel-2 .part-status").text)
        server.stop()
        wait_for(driver, lost, message="the wall never noticed its server was gone")
        banners = visible_banners(driver)
        assert banners and all(b.startswith("Connection lost · last contact ") for b in banners), banners
    finally:
        server.stop()


def test_a_new_build_of_the_server_makes_open_walls_reload(live_wall, browser_factory, monkeypatch):
    server = Server(live_wall.wall)
    url = server.start()
    try:
        driver = browser_factory(1920, 1080)
        open_wall(driver, url + "/")
        driver.execute_script("window.__sameDocument = true;")
        first = driver.execute_script("return window.wallConnection().build")
        assert first == core.BUILD
        monkeypatch.setattr(core, "BUILD", "0123456789ab")  # the next answer comes from a new build
        wait_for(
            driver,
            lambda d: d.execute_script("return window.__sameDocument !== true"),
            message="the wall kept the old page after the server's build changed",
        )
        wait_for(driver, lambda d: d.execute_script("return window.wallConnection().build") == "0123456789ab")
    finally:
        server.stop()


class SlowLink:
    """Every callback answer ``delay`` seconds late, as on a crowded Wi-Fi: longer than the tick."""

    def __init__(self, wall, delay: float):
        self.inner, self.delay = wall.server.wsgi_app, delay

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").endswith("_dash-update-component"):
            time.sleep(self.delay)
        return self.inner(environ, start_response)


def test_on_a_link_slower_than_the_tick_one_sync_is_out_at_a_time_and_the_wall_ends_as_drawn_fresh(
    live_wall_factory, browser_factory, artifacts
):
    """Answers 1.4 s late, a 1 s tick, touches and new data meanwhile: a second request built on the
    same held tokens as one still out would land over a state it was not built for."""
    live = live_wall_factory(wall_attract_idle=3600)
    driver = browser_factory(5760, 2160)
    open_wall(driver, live.url + "/")
    live.wall.server.wsgi_app = SlowLink(live.wall, 1.4)
    for name in ("강서구", "마포구"):
        time.sleep(0.5)
        touch_district(driver, name)
        live.source.advance(3600)  # new data for every feed while the touch's answer is out
        for feed in ("air", "traffic", "incidents"):
            live.wall.poller.poll(feed)
    wait_for(driver, lambda d: detail_name(d) == "마포구", message="the last touch never landed")
    wait_for(driver, settled, message=lambda: "the page never settled: " + page_state(driver))
    requests = sync_requests(driver)
    overlaps = [(a, b) for a, b in zip(requests, requests[1:], strict=False) if b[0] < a[1] - 5]
    assert not overlaps, overlaps
    assert console_errors(driver) == []
    shoot(driver, artifacts / "wall_slow_link.png")
    live.wall.server.wsgi_app = live.wall.server.wsgi_app.inner
    same_as_a_fresh_page(driver, live.url + "/?district=11440")


class HeldLink:
    """Every callback answer held until released, as on a link that stalls: the page calls its
    link lost, then gets every held answer at once."""

    def __init__(self, wall):
        self.inner, self.open = wall.server.wsgi_app, threading.Event()

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO", "").endswith("_dash-update-component"):
            self.open.wait(timeout=120)
        return self.inner(environ, start_response)


def test_a_stalled_link_is_called_lost_and_once_it_moves_the_wall_reads_as_a_fresh_page(
    live_wall_factory, browser_factory
):
    live = live_wall_factory(wall_attract_idle=3600)
    driver = browser_factory(5760, 2160)
    open_wall(driver, live.url + "/")
    link = HeldLink(live.wall)
    live.wall.server.wsgi_app = link
    wait_for(driver, lost, message="the wall never called a stalled link lost")
    assert len(visible_banners(driver)) == 6
    live.source.advance(3600)  # the city moves on while the wall hears nothing
    for feed in ("air", "traffic", "incidents"):
        live.wall.poller.poll(feed)
    link.open.set()
    wait_for(driver, lambda d: not lost(d), message="the wall never saw its link come back")
    assert visible_banners(driver) == []
    live.wall.server.wsgi_app = link.inner
    same_as_a_fresh_page(driver, live.url + "/")
    assert console_errors(driver) == []
