"""The browser side of phones in the scale benchmark: a phone's cold first load, and the wall's six
screens held open in real browsers while the phones tick.

    python -m benchmarks.phone firstload http://127.0.0.1:8050/m --shown '<JS expression>' -o load.json
    python -m benchmarks.phone hold http://127.0.0.1:8050 --status browsers.jsonl   # until stopped

benchmarks/scale.py runs both as subprocesses, each in a session of its own, so stopping one stops
its Chromium too. ``firstload`` opens the page in fresh headless Chromium profiles (cold cache)
emulating a 390 x 844 phone (mobile, device scale 3, touch) and prints one JSON line: bytes on the
wire from the page's own origin, first contentful paint, when the data is shown, whether any
plotly file was fetched, whether the page is wider than the screen. ``hold`` opens /panel/1 to
/panel/6 in six Chromium windows of 1920 x 1080 and, every few seconds until it is stopped,
appends one JSON line per sample: for each screen, whether its browser still answers, what its
``window.wallConnection()`` says, and how many ticks it has had answered (200), answered with
nothing new (204) or failed. SIGUSR1 asks for a screenshot of each screen at the next sample.
It measures and prints; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager, suppress
from functools import partial
from pathlib import Path
from typing import Any

from tests.chromium import CHROMIUM_FLAGS

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PHONE_SCREEN = {"width": 390, "height": 844, "deviceScaleFactor": 3, "mobile": True}
WALL_SCREEN = (1920, 1080)
WALL_METRICS = {"width": WALL_SCREEN[0], "height": WALL_SCREEN[1], "deviceScaleFactor": 1, "mobile": False}
PANELS = range(1, 7)
ANSWER_S = 30.0  # a screen's page that cannot run a one-line script in this long is not answering
READY_S = 120.0  # every screen's first tick answered, at most this long after the six were opened
SHOWN_S = 30.0  # a phone's data on screen, at most this long after navigation
QUIET_S = 1.0  # no request in flight for this long after the data is shown: the first load is over
QUIET_MAX_S = 15.0

# When the data is first on screen: checked at every animation frame from the document's start.
SHOWN_WATCH = """
(function () {
  var started = performance.now();
  function shown() { try { return !!(%s); } catch (e) { return false; } }
  function look() {
    if (shown()) { window.__benchShownAt = performance.now(); return; }
    if (performance.now() - started < %d) { requestAnimationFrame(look); }
  }
  requestAnimationFrame(look);
})();
"""

# Every Dash request a screen makes, counted by its answer; installed before the page's scripts,
# so the wall's own fetch wrapper (connection.js) wraps this one.
TICK_COUNTER = """
(function () {
  var seen = {answered: 0, empty: 0, failed: 0};
  window.__benchTicks = seen;
  var realFetch = window.fetch;
  window.fetch = function (input) {
    var url = typeof input === "string" ? input : (input && input.url) || "";
    var pending = realFetch.apply(this, arguments);
    if (url.indexOf("_dash-update-component") === -1) { return pending; }
    return pending.then(function (response) {
      if (response.status === 204) { seen.empty += 1; }
      else if (response.status < 300) { seen.answered += 1; }
      else { seen.failed += 1; }
      return response;
    }, function (error) { seen.failed += 1; throw error; });
  };
})();
"""

SCREEN_STATE = """
var c = window.wallConnection ? window.wallConnection() : null;
return {connection: c, ticks: window.__benchTicks || null, now: Date.now()};
"""

LOAD_FIGURES = """
var nav = performance.getEntriesByType('navigation')[0];
var fcp = performance.getEntriesByName('first-contentful-paint')[0];
var root = document.documentElement;
return {
  ttfb_ms: nav ? nav.responseStart : null,
  dom_content_loaded_ms: nav ? nav.domContentLoadedEventEnd : null,
  load_event_ms: nav ? nav.loadEventEnd : null,
  first_contentful_paint_ms: fcp ? fcp.startTime : null,
  shown_ms: window.__benchShownAt === undefined ? null : window.__benchShownAt,
  page_width_px: root.scrollWidth,
  screen_width_px: window.innerWidth
};
"""


class Stop(BaseException):
    """SIGTERM, SIGINT or SIGHUP: quit every browser, then exit (like KeyboardInterrupt, no
    ``except Exception`` around a browser call swallows it)."""


def _stopped(signum: int, frame: object) -> None:
    raise Stop


@contextmanager
def chromium(width: int, height: int, perf_log: bool = False) -> Iterator[Any]:
    """One headless Chromium with the benchmark's flags and a fresh profile (a cold cache)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="phone-bench-chrome-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*CHROMIUM_FLAGS, f"--window-size={width},{height}", f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    if perf_log:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = None
    try:
        driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        driver.set_page_load_timeout(120)
        driver.set_script_timeout(30)
        yield driver
    finally:
        if driver is not None:
            driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


# ---------------------------------------------------------------- a phone's first load
class Network:
    """What the page fetched, read from chromedriver's performance log."""

    def __init__(self, driver: Any, origin: str):
        self.driver, self.origin = driver, origin
        self.urls: dict[str, str] = {}
        self.bytes: dict[str, int] = {}
        self.open: set[str] = set()
        self.last_event = time.monotonic()

    def poll(self) -> None:
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            method, params = message.get("method", ""), message.get("params", {})
            request = params.get("requestId")
            if method == "Network.requestWillBeSent":
                self.urls.setdefault(request, params["request"]["url"])
                self.open.add(request)
            elif method == "Network.loadingFinished":
                self.bytes[request] = int(params.get("encodedDataLength") or 0)
                self.open.discard(request)
            elif method == "Network.loadingFailed":
                self.open.discard(request)
            else:
                continue
            self.last_event = time.monotonic()

    def quiet(self) -> bool:
        return not self.open and time.monotonic() - self.last_event >= QUIET_S

    def own_bytes(self) -> int:
        return sum(size for request, size in self.bytes.items() if self._own(request))

    def own_requests(self) -> int:
        return sum(1 for request in self.urls if self._own(request))

    def plotly_files(self) -> list[str]:
        return sorted({url for url in self.urls.values() if "plotly" in url.rsplit("/", 1)[-1].lower()})

    def _own(self, request: str) -> bool:
        return self.urls.get(request, "").startswith(self.origin)


def wait_for(check, seconds: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(step)
    return False


def phone_load(url: str, shown: str, screenshot: Path | None) -> dict:
    """One cold first load on an emulated phone: what came over the wire and when it showed."""
    origin = "/".join(url.split("/", 3)[:3])
    with chromium(PHONE_SCREEN["width"], PHONE_SCREEN["height"], perf_log=True) as driver:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", PHONE_SCREEN)
        driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})
        watch = SHOWN_WATCH % (shown, int(SHOWN_S * 1000))
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": watch})
        network = Network(driver, origin)
        driver.get(url)
        shown_in_time = wait_for(
            lambda: driver.execute_script("return window.__benchShownAt !== undefined"), SHOWN_S
        )

        def settled() -> bool:
            network.poll()
            return network.quiet()

        wait_for(settled, QUIET_MAX_S, step=0.2)
        figures = driver.execute_script(LOAD_FIGURES)
        if screenshot is not None:
            driver.save_screenshot(str(screenshot))
    load = {key: (round(value, 1) if isinstance(value, float) else value) for key, value in figures.items()}
    load.update(
        shown=shown_in_time,
        own_bytes=network.own_bytes(),
        own_requests=network.own_requests(),
        plotly_files=network.plotly_files(),
        wider_than_screen=figures["page_width_px"] > figures["screen_width_px"],
    )
    return load


def median(runs: list[dict], key: str) -> float | None:
    values = [
        run[key] for run in runs if isinstance(run.get(key), (int, float)) and not isinstance(run[key], bool)
    ]
    return round(statistics.median(values), 1) if values else None


def first_load(a: argparse.Namespace) -> dict:
    runs = []
    for i in range(a.runs):
        shot = Path(a.screenshot) if a.screenshot and i == 0 else None
        runs.append(phone_load(a.url, a.shown, shot))
        say(f"first load {i + 1}/{a.runs}: {json.dumps(runs[-1], ensure_ascii=False)}")
    keys = ("own_bytes", "own_requests", "first_contentful_paint_ms", "shown_ms", "load_event_ms", "ttfb_ms")
    return {
        "tool": "benchmarks.phone.firstload",
        "url": a.url,
        "screen": PHONE_SCREEN,
        "runs": len(runs),
        "median": {key: median(runs, key) for key in keys},
        "slowest_first_contentful_paint_ms": max(
            (r["first_contentful_paint_ms"] for r in runs if r["first_contentful_paint_ms"] is not None),
            default=None,
        ),
        "all_shown": all(r["shown"] for r in runs),
        "plotly_fetched": any(r["plotly_files"] for r in runs),
        "wider_than_screen": any(r["wider_than_screen"] for r in runs),
        "per_run": runs,
    }


# ---------------------------------------------------------------- the wall's six screens
def open_screen(stack: ExitStack, base: str, panel: int) -> Any:
    driver = stack.enter_context(chromium(*WALL_SCREEN))
    # The window's own frame takes part of --window-size: the page gets the screen's exact pixels.
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", WALL_METRICS)
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": TICK_COUNTER})
    started = time.monotonic()
    driver.get(f"{base}/panel/{panel}")
    say(f"screen {panel} loaded in {time.monotonic() - started:.1f} s")
    driver.set_script_timeout(ANSWER_S)
    return driver


def screen_state(panel: int, driver: Any) -> dict:
    """What one screen's page says now. A page busy past ANSWER_S does not answer; its browser is
    alive while it still knows its window (a question to the browser, not to the busy page)."""
    asked = time.monotonic()
    try:
        state = driver.execute_script(SCREEN_STATE)
    except Exception as exc:  # selenium's errors: a script timeout, a crashed tab, a closed window
        error = f"{type(exc).__name__}: {exc}".splitlines()[0]
        return {"panel": panel, "alive": browser_alive(driver), "answering": False, "error": error}
    connection, ticks = state.get("connection") or {}, state.get("ticks") or {}
    return {
        "panel": panel,
        "alive": True,
        "answering": True,
        "answer_s": round(time.monotonic() - asked, 2),  # how busy the page's main thread is
        "lost": connection.get("lost"),
        # A page that failed to load ("Error loading layout") has no tick: a tick answered is a screen.
        "ticked": (ticks.get("answered") or 0) + (ticks.get("empty") or 0) > 0,
        "contact_age_s": round((state["now"] - connection["lastContact"]) / 1000, 1)
        if connection.get("lastContact")
        else None,
        **{key: ticks.get(key) for key in ("answered", "empty", "failed")},
    }


def browser_alive(driver: Any) -> bool:
    try:
        return bool(driver.window_handles)
    except Exception:  # chromedriver or Chromium gone
        return False


def each_screen(pool: ThreadPoolExecutor, screens: dict[int, Any], ask: Callable[[int, Any], Any]) -> list:
    """Ask every screen at once: one busy page delays a sample by ANSWER_S, not six times that."""
    return [future.result() for future in [pool.submit(ask, p, d) for p, d in screens.items()]]


def hold(a: argparse.Namespace) -> dict:
    """Six screens open until stopped, one status line per sample."""
    shots = {"wanted": False}
    signal.signal(signal.SIGUSR1, lambda signum, frame: shots.update(wanted=True))
    status = Path(a.status)
    deadline = time.monotonic() + a.max_runtime
    pool = ThreadPoolExecutor(len(PANELS))
    with ExitStack() as stack:
        stack.callback(pool.shutdown, wait=False, cancel_futures=True)
        screens = {panel: open_screen(stack, a.url.rstrip("/"), panel) for panel in PANELS}
        ready = wait_for(
            lambda: all(state.get("ticked") for state in each_screen(pool, screens, screen_state)),
            READY_S,
            step=0.5,
        )
        say(f"six screens open, every first tick answered: {ready}")
        while time.monotonic() < deadline:
            sample: dict[str, Any] = {"t": round(time.time(), 2), "ready": ready}
            sample["screens"] = each_screen(pool, screens, screen_state)
            if shots["wanted"]:
                shots["wanted"] = False
                shoot = partial(screenshot, status.parent)
                sample["screenshots"] = [str(path) for path in each_screen(pool, screens, shoot)]
            with status.open("a") as out:
                out.write(json.dumps(sample) + "\n")
            wait_for(lambda: shots["wanted"], a.every, step=0.2)
    return {"tool": "benchmarks.phone.hold", "ended": "max runtime"}


def screenshot(folder: Path, panel: int, driver: Any) -> Path:
    path = folder / f"screen-{panel}.png"
    with suppress(Exception):  # a browser that stopped answering: its sample says so already
        driver.save_screenshot(str(path))
    return path


# ---------------------------------------------------------------- main
def say(*parts: object) -> None:
    print("[phone]", *parts, file=sys.stderr, flush=True)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    load = sub.add_parser("firstload", help="a phone's cold first load (mobile emulation 390x844)")
    load.add_argument("url", help="the page, e.g. http://127.0.0.1:8050/m")
    load.add_argument("--shown", required=True, help="JS expression, truthy once the data is on screen")
    load.add_argument("--runs", type=int, default=3)
    load.add_argument("--screenshot", help="PNG of the first run")
    load.add_argument("-o", "--out")
    keep = sub.add_parser("hold", help="the wall's six screens open until stopped")
    keep.add_argument("url", help="the wall, e.g. http://127.0.0.1:8050")
    keep.add_argument("--status", required=True, help="JSON lines, one per sample")
    keep.add_argument("--every", type=float, default=5.0, help="seconds between samples")
    keep.add_argument("--max-runtime", type=float, default=3600.0)
    a = ap.parse_args(argv)
    if a.command == "firstload" and not 1 <= a.runs <= 20:
        ap.error("--runs: 1 to 20")
    if a.command == "hold" and not (0.5 <= a.every <= 60 and 0 < a.max_runtime <= 6 * 3600):
        ap.error("--every: 0.5 to 60 s; --max-runtime: up to 6 hours")
    return a


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, _stopped)
    try:
        result = first_load(a) if a.command == "firstload" else hold(a)
    except Stop:
        say("stopped: every browser is closed")
        return 0
    line = json.dumps(result, ensure_ascii=False)
    if getattr(a, "out", None):
        Path(a.out).write_text(line + "\n")
    print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
