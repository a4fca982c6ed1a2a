"""Soak: a simulated day of the wall on the fast demo clock, sampled every real minute.

    python benchmarks/soak.py                    # 30 real minutes at DEMO_SPEED 48: 24 simulated hours
    python benchmarks/soak.py --quick            # 3 minutes, a sample every 10 s: checks the script
    python benchmarks/soak.py --minutes 35 --speed 41 --every 60

It starts the wall as `make run` does (`python -m dashboard run`: gunicorn, one worker that also
polls) on the demo city with a fast clock (DEMO_SPEED, by default whatever makes --minutes real
minutes one simulated day), short poll intervals (air and traffic every 10 s, incidents every 5 s,
real seconds) and a fresh HISTORY_PATH in a temp dir, then one headless Chromium showing the
whole wall (5760x2160) and ticking every WALL_TICK (1 s: 30 minutes are 1,800 ticks, six hours of
ticks at the default 5 s). Each sample (every --every real seconds) reads:

- the server, all its processes (/proc): RSS, open file descriptors, threads, CPU;
- the history file and its write-ahead log (-wal);
- the browser, after a forced garbage collection (CDP HeapProfiler.collectGarbage): the JS heap
  used, the renderer's DOM nodes (Performance.getMetrics "Nodes", detached ones included), the
  elements in the document and the event listeners; the browser's own RSS; and the ticks it
  sent since the last sample (answered 200 with changes, 204 with nothing new, or failed).

Verdicts: the first 10 % of samples (at least one) are the warm-up; the median of the three
samples after it is compared with the median of the last three; flat = under 10 % growth.
History is data, not a leak: in one simulated day nothing reaches the 48 h frame retention, so it
grows with the day; its growth per simulated hour is printed, early and late. It asserts
nothing; samples and the server log go to var/bench/soak-<timestamp>/.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import time
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.scale import (  # noqa: E402
    REPO,
    STOP_SIGNALS,
    Procs,
    SetFailed,
    _interrupt,
    count_graphs,
    cpu_seconds,
    feeds_of,
    free_port,
    get_json,
    proc_tree,
    rss_mb,
    servers,
    stop,
    wait_until,
    wall_command,
)

DAY_S = 86_400
WIDTH, HEIGHT = 5760, 2160
INTERVALS = {"AIR_INTERVAL": "10", "TRAFFIC_INTERVAL": "10", "INCIDENTS_INTERVAL": "5"}
SYNC_PATH = "/_dash-update-component"
WARM_UP = 0.10  # share of the samples left out before the baseline
WINDOW = 3  # samples in the baseline median and in the end median
FLAT = 0.10  # growth under which a measure is flat
PRAGMAS = ("page_count", "freelist_count", "page_size")
LABEL = 40  # width of a verdict's label


def say(*parts: object) -> None:
    print("[soak]", *parts, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the server
def start_wall(procs: Procs, a: argparse.Namespace, history: Path) -> tuple[str, int]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "DASH_DEBUG"}
    env.update(
        WALL_SOURCE="demo",
        DEMO_SPEED=f"{a.speed:g}",
        WALL_TICK=f"{a.tick:g}",
        HISTORY_PATH=str(history),
        HOST="127.0.0.1",
        PORT=str(port),
        CACHE_TYPE="SimpleCache",
        WEB_WORKERS="1",
        WALL_POLLER="on",
        LOG_LEVEL="INFO",
        **INTERVALS,
    )
    say("wall:", shlex.join(a.wall_cmd), f"(DEMO_SPEED={a.speed:g}, WALL_TICK={a.tick:g})")
    proc = procs.spawn("wall", a.wall_cmd, env)
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        feeds = feeds_of(get_json(url + "/healthz")[1])
        return bool(feeds) and all((f.get("version") or 0) > 0 for f in feeds)

    wait_until(f"data at {url}/healthz", ready, procs)
    return url, proc.pid


def server_figures(pid: int) -> dict[str, Any]:
    fds = threads = 0
    for p in proc_tree(pid):
        try:
            fds += len(os.listdir(f"/proc/{p}/fd"))
            status = Path(f"/proc/{p}/status").read_text()
            threads += int(status.split("Threads:", 1)[1].split()[0])
        except (OSError, IndexError, ValueError):
            continue  # a process that ended between the listing and the read
    return {"rss_mb": rss_mb(pid), "fds": fds, "threads": threads, "cpu_s": cpu_seconds(pid)}


def history_figures(path: Path) -> dict[str, float | None]:
    """The history file and its write-ahead log on disk, and the data in them (pages in use, as
    a reader sees them: the log's pages are counted once, however often they were rewritten)."""

    def mb(p: Path) -> float:
        return round(p.stat().st_size / 2**20, 2) if p.exists() else 0.0

    data = None
    if path.exists():
        try:
            with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)) as db:
                pages, free, size = (db.execute(f"PRAGMA {name}").fetchone()[0] for name in PRAGMAS)
            data = round((pages - free) * size / 2**20, 2)
        except sqlite3.Error:
            pass  # busy past the timeout: this sample has the sizes on disk only
    return {"history_mb": data, "file_mb": mb(path), "wal_mb": mb(path.with_name(path.name + "-wal"))}


def health_figures(url: str) -> dict[str, Any]:
    _, health = get_json(url + "/healthz")
    feeds = {f["feed"]: f for f in feeds_of(health)}
    air_at = (feeds.get("air") or {}).get("measured_at")
    return {
        "feeds": " ".join(str(feeds[name].get("status")) for name in sorted(feeds)),
        "air_as_of": datetime.fromisoformat(air_at).strftime("%d %H:%M") if air_at else "-",
    }


# ---------------------------------------------------------------- the browser
@dataclass
class Browser:
    """One headless Chromium on the wall, through chromedriver in a session of its own."""

    driver: Any
    service: Any
    profile: str | None
    pending: dict[str, float] = field(default_factory=dict)  # sync requests sent, not yet answered: when

    @classmethod
    def open(cls, url: str) -> Browser:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        from tests.conftest import chromium_options  # the browser tests' flags, one place

        options = chromium_options(WIDTH, HEIGHT)
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
        options.add_experimental_option("perfLoggingPrefs", {"enableNetwork": True, "enablePage": False})
        profile = next(
            (arg.split("=", 1)[1] for arg in options.arguments if arg.startswith("--user-data-dir=")), None
        )
        # A session of its own: whatever chromedriver leaves behind is stopped with its group.
        service = Service(shutil.which("chromedriver"), popen_kw={"start_new_session": True})
        try:
            driver = webdriver.Chrome(service=service, options=options)
        except Exception:
            if service.process is not None:
                stop(service.process)
            if profile:
                shutil.rmtree(profile, ignore_errors=True)
            raise
        browser = cls(driver, service, profile)
        try:
            driver.execute_cdp_cmd(
                "Emulation.setDeviceMetricsOverride",
                {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
            )
            driver.execute_cdp_cmd("Performance.enable", {})
            driver.set_page_load_timeout(60)
            driver.get(url + "/")
        except Exception:
            browser.close()
            raise
        return browser

    @property
    def pid(self) -> int:
        return self.service.process.pid

    def wait_drawn(self, plots: int, procs: Procs) -> None:
        script = "return document.querySelectorAll('.js-plotly-plot .main-svg').length"
        wait_until(f"{plots} plots drawn", lambda: self.driver.execute_script(script) >= plots, procs)

    def figures(self) -> dict[str, Any]:
        self.driver.execute_cdp_cmd("HeapProfiler.collectGarbage", {})
        metrics = self.driver.execute_cdp_cmd("Performance.getMetrics", {})["metrics"]
        metric = {m["name"]: m["value"] for m in metrics}
        elements = self.driver.execute_script("return document.getElementsByTagName('*').length")
        return {
            "heap_mb": round(metric.get("JSHeapUsedSize", 0) / 2**20, 2),
            "nodes": int(metric.get("Nodes", 0)),
            "elements": int(elements),
            "listeners": int(metric.get("JSEventListeners", 0)),
            "browser_rss_mb": rss_mb(self.pid),
            **self.ticks(),
        }

    def ticks(self) -> dict[str, Any]:
        """The sync requests the page sent since the last call, by answer, and how long the answers
        took (from chromedriver's log of the page's network events)."""
        counts: dict[str, Any] = {"ticks": 0, "changed": 0, "unchanged": 0, "failed": 0}
        waits = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            params, method = message.get("params", {}), message.get("method")
            request_id = params.get("requestId")
            if method == "Network.requestWillBeSent" and urlsplit(params["request"]["url"]).path == SYNC_PATH:
                counts["ticks"] += 1
                self.pending[request_id] = params["timestamp"]
            elif method == "Network.responseReceived" and request_id in self.pending:
                # Chromium then reports a 204's empty body as aborted: the answer is what counts.
                waits.append(params["timestamp"] - self.pending.pop(request_id))
                status = params["response"]["status"]
                key = "unchanged" if status == 204 else "changed" if status == 200 else "failed"
                counts[key] += 1
            elif method == "Network.loadingFailed" and request_id in self.pending:
                del self.pending[request_id]
                counts["failed"] += 1
        if waits:
            counts["tick_ms_p50"] = round(statistics.median(waits) * 1000)
            counts["tick_ms_max"] = round(max(waits) * 1000)
        return counts

    def close(self) -> None:
        try:
            self.driver.quit()
        except Exception as exc:  # a browser that already died: its group is stopped below
            say(f"browser quit: {type(exc).__name__}")
        finally:
            if self.service.process is not None:
                stop(self.service.process)
            if self.profile:
                shutil.rmtree(self.profile, ignore_errors=True)


# ---------------------------------------------------------------- the table
COLUMNS = [  # (key, heading, width, format)
    ("minute", "min", 5, "{:.1f}"),
    ("sim_h", "sim h", 6, "{:.1f}"),
    ("air_as_of", "air as of", 9, "{}"),
    ("feeds", "air/inc/traffic", 15, "{}"),
    ("rss_mb", "RSS MB", 7, "{:.1f}"),
    ("fds", "fds", 4, "{}"),
    ("threads", "thr", 4, "{}"),
    ("cpu", "CPU", 5, "{:.0%}"),
    ("history_mb", "hist MB", 8, "{:.2f}"),
    ("file_mb", "file MB", 8, "{:.2f}"),
    ("wal_mb", "wal MB", 7, "{:.2f}"),
    ("heap_mb", "heap MB", 8, "{:.2f}"),
    ("nodes", "nodes", 6, "{}"),
    ("elements", "elems", 6, "{}"),
    ("listeners", "lstnr", 6, "{}"),
    ("browser_rss_mb", "br MB", 7, "{:.0f}"),
    ("ticks", "ticks", 5, "{}"),
    ("changed", "200", 4, "{}"),
    ("unchanged", "204", 4, "{}"),
    ("failed", "fail", 4, "{}"),
    ("tick_ms_p50", "p50 ms", 6, "{}"),
    ("tick_ms_max", "max ms", 6, "{}"),
]
# (key, what it is): the measures that must stay flat.
FLAT_MEASURES = [
    ("rss_mb", "server RSS (MB, all processes)"),
    ("fds", "server open file descriptors"),
    ("threads", "server threads"),
    ("heap_mb", "browser JS heap used (MB, after GC)"),
    ("nodes", "browser DOM nodes (renderer, after GC)"),
    ("elements", "browser elements in the document"),
    ("listeners", "browser JS event listeners"),
    ("browser_rss_mb", "browser RSS (MB, all processes)"),
]


def header() -> str:
    return " ".join(f"{title:>{width}}" for _, title, width, _ in COLUMNS)


def row(sample: dict[str, Any]) -> str:
    cells = []
    for key, _, width, fmt in COLUMNS:
        value = sample.get(key)
        cells.append(f"{'-' if value is None else fmt.format(value):>{width}}")
    return " ".join(cells)


def windows(samples: list[dict], key: str) -> tuple[list[float], list[float]] | None:
    """(baseline, end): the samples just after the warm-up, and the last ones, that have the key."""
    values = [s[key] for s in samples if s.get(key) is not None]
    warm = max(1, math.ceil(WARM_UP * len(values)))
    if len(values) < warm + 2 * WINDOW:
        return None
    return values[warm : warm + WINDOW], values[-WINDOW:]


def verdicts(samples: list[dict]) -> list[str]:
    lines = []
    for key, label in FLAT_MEASURES:
        if not any(key in s for s in samples):
            continue  # not measured (--no-browser)
        found = windows(samples, key)
        if found is None:
            lines.append(f"  {label:<{LABEL}} too few samples for a verdict")
            continue
        base, end = statistics.median(found[0]), statistics.median(found[1])
        growth = (end - base) / base if base else 0.0
        verdict = "flat" if growth < FLAT else "GROWS"
        lines.append(f"  {label:<{LABEL}} {base:>9,.1f} -> {end:>9,.1f}  {growth:+6.1%}  {verdict}")
    return lines


def history_growth(samples: list[dict]) -> list[str]:
    """History data per simulated hour, in the first and the second half after the warm-up."""
    kept = [s for s in samples if s.get("history_mb") is not None]
    warm = max(1, math.ceil(WARM_UP * len(kept)))
    kept = kept[warm - 1 :]
    if len(kept) < 3 or kept[-1]["sim_h"] <= kept[0]["sim_h"]:
        return [f"  {'history data (MB)':<{LABEL}} too few samples"]

    def rate(a: dict, b: dict) -> float:
        return (b["history_mb"] - a["history_mb"]) * 1024 / (b["sim_h"] - a["sim_h"])

    first, middle, last = kept[0], kept[len(kept) // 2], kept[-1]
    return [
        f"  {'history data (MB, pages in use)':<{LABEL}} {first['history_mb']:>9,.2f} -> "
        f"{last['history_mb']:>9,.2f}  grows with the day (data): {rate(first, middle):,.0f} kB per "
        f"simulated hour early, {rate(middle, last):,.0f} late",
        f"  {'history on disk (MB, file + wal)':<{LABEL}} {first['file_mb'] + first['wal_mb']:>9,.2f} -> "
        f"{last['file_mb'] + last['wal_mb']:>9,.2f}  wal at most {max(s['wal_mb'] for s in kept):.2f} MB",
    ]


# ---------------------------------------------------------------- the soak
def soak(a: argparse.Namespace, procs: Procs, tmp: Path, samples: list[dict]) -> None:
    history = tmp / "history.sqlite"
    url, pid = start_wall(procs, a, history)
    plots = count_graphs(url)
    browser = None if a.no_browser else Browser.open(url)
    try:
        if browser is not None:
            browser.wait_drawn(plots, procs)
            browser.ticks()  # the page load's own requests are not ticks of the soak
        simulated = a.minutes * 60 * a.speed / 3600
        say(f"sampling every {a.every:g} s for {a.minutes:g} min: {simulated:.1f} simulated hours")
        print(header(), flush=True)
        started = time.monotonic()
        previous_cpu, previous_at = None, started
        for index in range(int(a.minutes * 60 // a.every) + 1):
            time.sleep(max(0.0, started + index * a.every - time.monotonic()))
            procs.check("the soak")
            now = time.monotonic()
            elapsed = now - started
            sample: dict[str, Any] = {"minute": elapsed / 60, "sim_h": elapsed * a.speed / 3600}
            try:
                sample.update(health_figures(url))
            except (OSError, ValueError) as exc:  # a server that stopped answering, or answered garbage
                procs.check("the soak")
                raise SetFailed(f"/healthz: {type(exc).__name__}: {exc}") from None
            sample.update(server_figures(pid))
            sample.update(history_figures(history))
            if previous_cpu is not None:
                sample["cpu"] = (sample["cpu_s"] - previous_cpu) / (now - previous_at)
            previous_cpu, previous_at = sample["cpu_s"], now
            if browser is not None:
                sample.update(browser_figures(browser))
            samples.append(sample)
            print(row(sample), flush=True)
    finally:
        if browser is not None:
            browser.close()


def browser_figures(browser: Browser) -> dict[str, Any]:
    from selenium.common.exceptions import WebDriverException

    try:
        return browser.figures()
    except WebDriverException as exc:  # the browser crashed or hung: the soak ends with what it has
        raise SetFailed(f"the browser stopped answering: {exc.msg or type(exc).__name__}") from None


def server_log_lines(out: Path) -> list[str]:
    path = out / "wall.log"
    text = path.read_text(errors="replace") if path.exists() else ""
    marks = (" WARNING ", " ERROR ", " CRITICAL ", "Traceback")
    return [line for line in text.splitlines() if any(mark in line for mark in marks)]


def report(a: argparse.Namespace, samples: list[dict], out: Path) -> None:
    (out / "samples.json").write_text(json.dumps(samples, indent=1, ensure_ascii=False))
    if not samples:
        print("no samples taken")
        return
    last = samples[-1]
    polls = ", ".join(f"{name.split('_')[0].lower()} {seconds} s" for name, seconds in INTERVALS.items())
    print(
        f"\n== soak: {last['minute']:.1f} real min, {last['sim_h']:.1f} simulated h "
        f"(DEMO_SPEED={a.speed:g}), {len(samples)} samples every {a.every:g} s; polls every {polls}; "
        f"browser ticks every {a.tick:g} s"
    )
    warm = max(1, math.ceil(WARM_UP * len(samples)))
    print(
        f"   warm-up: the first {warm} samples ({samples[warm - 1]['minute']:.1f} min); baseline = median of "
        f"the next {WINDOW}, end = median of the last {WINDOW}; flat = under {FLAT:.0%} growth"
    )
    for line in verdicts(samples):
        print(line)
    for line in history_growth(samples):
        print(line)
    if any("ticks" in s for s in samples):
        total = {k: sum(s.get(k, 0) for s in samples) for k in ("ticks", "changed", "unchanged", "failed")}
        print(
            f"  {'browser ticks':<{LABEL}} {total['ticks']:,} sent: {total['changed']:,} with changes (200), "
            f"{total['unchanged']:,} nothing new (204), {total['failed']:,} failed"
        )
    problems = server_log_lines(out)
    print(f"  server log: {len(problems)} warning/error lines" + (":" if problems else ""))
    for line in problems[:10]:
        print("    " + line[:200])
    print(f"\nsamples and server log: {out}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, help="real minutes sampled (default 30; --quick: 3)")
    ap.add_argument("--speed", type=float, help="DEMO_SPEED (default: one simulated day in --minutes)")
    ap.add_argument("--every", type=float, help="real seconds between samples (default 60; --quick: 10)")
    ap.add_argument("--tick", type=float, default=1.0, help="WALL_TICK, the browser's tick in s (default 1)")
    ap.add_argument("--quick", action="store_true", help="3 minutes, a sample every 10 s")
    ap.add_argument("--no-browser", action="store_true", help="the server's figures only")
    ap.add_argument("--wall-cmd", help="serves the wall (default: python -m dashboard run)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (the history file)")
    a = ap.parse_args(argv)
    a.minutes = a.minutes or (3.0 if a.quick else 30.0)
    a.every = a.every or (10.0 if a.quick else 60.0)
    a.speed = a.speed or round(DAY_S / (a.minutes * 60), 2)
    if not (a.minutes > 0 and a.every > 0 and 0.01 <= a.speed <= 100_000 and 0.5 <= a.tick <= 3600):
        ap.error("--minutes and --every must be positive, --speed 0.01 to 100000, --tick 0.5 to 3600")
    a.wall_cmd = wall_command(a.wall_cmd)
    return a


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    for sig in STOP_SIGNALS:  # Ctrl-C, SIGTERM and SIGHUP go through every finally
        signal.signal(sig, _interrupt)
    out = REPO / "var" / "bench" / f"soak-{time.strftime('%Y%m%d-%H%M%S')}"
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="soak-"))
    samples: list[dict] = []
    code = 0
    try:
        with servers(out) as procs:
            soak(a, procs, tmp, samples)
    except KeyboardInterrupt:
        print("interrupted: everything it started is stopped; figures so far follow", file=sys.stderr)
        code = 130
    except SetFailed as exc:
        print(f"soak failed: {exc}", file=sys.stderr)
        code = 1
    finally:
        if a.keep:
            print(f"temp dir kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    report(a, samples, out)
    return code


if __name__ == "__main__":
    sys.exit(main())
