"""The wall beside a naive Dash wall at 500 viewers, measured with the instruments in shared/peers.

    python benchmarks/scale.py --quick                      # smoke run: 50 viewers, 30 s per regime
    python benchmarks/scale.py                              # steady 10 min + stress 2 min, 500 viewers
    python benchmarks/scale.py --regime stress --sets wall,scaleout
    python benchmarks/scale.py --phones                     # 500 phones on /m beside the naive wall

For each regime (steady: data unchanged; stress: every feed changes every 10 s) and each set
(naive: shared/peers/naive_wall.py; wall: this project in one process; scale-out: Redis, one
poller and a two-worker web server), it starts a fresh upstream mock and the server, records a
real headless-Chromium session with dashload, measures one cold page load, replays the recorded
ticks for K viewers and prints the figures side by side with the issue's targets. With
--phones (sets naive-phones and phones) the viewers are phones: a session recorded at 390x844
on the wall's /m, replayed for K phones while the wall's six screens stay open in six Chromium
windows (benchmarks/phone.py hold), beside K phones opening the naive wall; a phone's first
load is measured cold with mobile emulation (benchmarks/phone.py firstload). The
instruments run as subprocesses from their own venv (created once under var/peers-venv); raw
JSON and server logs go to var/bench/<timestamp>/. It prints figures and asserts nothing.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from tests.chromium import CHROMIUM_FLAGS  # noqa: E402  (run as a script: the repository first)

PEERS = Path(os.environ.get("PEERS_DIR") or Path(__file__).resolve().parents[2] / "shared" / "peers")
FIXTURES = PEERS.parent / "fixtures" / "seoul"
PEERS_VENV = REPO / "var" / "peers-venv"
MOCK_KEY = "MOCKKEY"
WALL_SETS = ("naive", "wall", "scaleout")
# Phones: K phones on the wall's /m with its six screens open, beside K phones opening the naive wall.
PHONE_SETS = ("naivephones", "phones")
SETS = (*WALL_SETS, *PHONE_SETS)
COLUMN = {
    "naive": "naive",
    "wall": "wall",
    "scaleout": "scale-out",
    "naivephones": "naive, phones",
    "phones": "/m + 6 screens",
}
# Plots drawn on the canvas once the page has settled; checked against the served layout.
EXPECTED_PLOTS = {"naive": 6, "wall": 8, "scaleout": 8, "naivephones": 6, "phones": 0}
SET_NAMES = {
    "naive": "naive",
    "wall": "wall",
    "scaleout": "scaleout",
    "naivephones": "naive-phones",
    "phones": "phones",
}
WALL_WINDOW = "5760x2160"
PHONE_WINDOW = "390x844"  # dashload records in a window this size (it has no mobile emulation)
PHONE_PATH = "/m"
# When a phone's first load shows data: a headline with a number on /m; the naive wall's six plots.
PHONE_SHOWN = {
    "phones": "Array.prototype.some.call(document.querySelectorAll('#phone .part-headlines .tile-value'), "
    "function (e) { return /\\d/.test(e.textContent); })",
    "naivephones": "Array.prototype.filter.call(document.querySelectorAll('.js-plotly-plot'), "
    "function (g) { return g.data && g.data.length > 0 && g.querySelector('.main-svg'); }).length >= 6",
}
PHONES_MEANING = (
    "   phones: K replayed phones (recorded at 390x844) on the wall's /m while its six screens stay open\n"
    "   (/panel/1-6, six headless Chromium windows of 1920x1080, on the same 2 cores), beside K phones\n"
    "   opening the naive wall (what a phone gets today; it has no screens of its own to open). First\n"
    "   loads: cold, mobile emulation 390x844 at device scale 3 with touch, median of 3."
)
SCREENS_GRACE_S = 60.0  # six browsers quit one after another, on a busy machine
SCREENS_LAST_S = 300.0  # for the screens' sample after the replay (six screenshots, busy pages)
WITNESS_EVERY_S = 1.0
TICK_S = 5.0  # both walls' browser tick (WALL_TICK default, naive_wall --interval-ms 5000)
READY_S = 120.0
STOP_GRACE_S = 10.0


@dataclass(frozen=True)
class Regime:
    name: str
    mock_period: float
    intervals: dict[str, str]
    record_s: float
    meaning: str


REGIMES = {
    "steady": Regime(
        "steady",
        3600.0,
        {"AIR_INTERVAL": "300", "TRAFFIC_INTERVAL": "300", "INCIDENTS_INTERVAL": "60"},
        21.0,
        "steady = default wall intervals, mock --period 3600: upstream data do not change during the "
        "run, so every replayed tick is an unchanged tick",
    ),
    "stress": Regime(
        "stress",
        10.0,
        {"AIR_INTERVAL": "10", "TRAFFIC_INTERVAL": "10", "INCIDENTS_INTERVAL": "10"},
        35.0,
        "stress = mock --period 10 and wall intervals 10 s: every feed changes every 10 s; the browser "
        "was recorded while data changed, so replayed ticks carry changes",
    ),
}


class SetFailed(RuntimeError):
    """One set could not be measured; the others still run."""


def say(*parts: object) -> None:
    print("[scale]", *parts, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- processes
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM and SIGHUP too go through every finally, which stops the servers


@contextmanager
def shielded() -> Iterator[None]:
    """A second Ctrl-C while servers are being stopped waits until they are."""
    caught: list[int] = []
    previous = {sig: signal.signal(sig, lambda signum, frame: caught.append(signum)) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        if caught:
            raise KeyboardInterrupt


def stop(proc: subprocess.Popen, first: int = signal.SIGTERM, grace: float = STOP_GRACE_S) -> None:
    """Stop one process we started (first signal, then SIGKILL), then anything left in its session."""
    with shielded():
        _stop(proc, first, grace)


def _stop(proc: subprocess.Popen, first: int, grace: float) -> None:
    if proc.poll() is None:
        proc.send_signal(first)
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
    # Each child runs in its own session (pgid == its pid): what is left there it started
    # (Chromium under dashload, gunicorn workers), and would otherwise outlive the benchmark.
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if not _group_alive(proc.pid):
            return
        os.killpg(proc.pid, sig)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and _group_alive(proc.pid):
            time.sleep(0.1)


@dataclass
class Procs:
    """The servers of one measured set, stopped in reverse order however the set ends."""

    logs: Path
    started: list[tuple[str, subprocess.Popen]] = field(default_factory=list)
    graces: dict[int, float] = field(default_factory=dict)

    def spawn(
        self, name: str, cmd: list[str], env: dict[str, str] | None = None, grace: float = STOP_GRACE_S
    ) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("wb")
        # A session of its own: Ctrl-C reaches only the benchmark, which then stops servers in order.
        proc = subprocess.Popen(
            cmd, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        log.close()
        self.started.append((name, proc))
        self.graces[proc.pid] = grace
        return proc

    def tail(self, name: str, lines: int = 15) -> str:
        path = self.logs / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def check(self, during: str) -> None:
        """A server that died makes the set fail with its last log lines, not with a later odd figure."""
        for name, proc in self.started:
            if proc.poll() is not None:
                raise SetFailed(f"{name} exited with {proc.returncode} during {during}:\n" + self.tail(name))

    def stop_all(self) -> None:
        while self.started:
            _, proc = self.started.pop()
            stop(proc, grace=self.graces.get(proc.pid, STOP_GRACE_S))


@contextmanager
def servers(logs: Path) -> Iterator[Procs]:
    procs = Procs(logs)
    try:
        yield procs
    finally:
        procs.stop_all()


def proc_tree(pid: int) -> list[int]:
    """pid and its descendants, from /proc (the benchmark needs no psutil of its own)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            parents.setdefault(ppid, []).append(int(entry.name))
    tree, todo = [], [pid]
    while todo:
        p = todo.pop()
        tree.append(p)
        todo.extend(parents.get(p, []))
    return tree


def cpu_seconds(pid: int) -> float:
    total = 0.0
    for p in proc_tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rpartition(")")[2].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            continue
    return total


def rss_mb(pid: int) -> float | None:
    total = 0
    for p in proc_tree(pid):
        try:
            total += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except (OSError, IndexError, ValueError):
            continue
    return round(total / 2**20, 1) if total else None


# ---------------------------------------------------------------- HTTP
def get_json(url: str, timeout: float = 5.0) -> tuple[int, Any]:
    """(status, JSON body); a 503 from /healthz still carries the report."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read() or b"null")
        except ValueError:
            return exc.code, None


def feeds_of(health: Any) -> list[dict]:
    feeds = health.get("feeds") if isinstance(health, dict) else None
    if isinstance(feeds, dict):
        return [{"feed": name, **(meta or {})} for name, meta in feeds.items()]
    return feeds if isinstance(feeds, list) else []


def wait_until(what: str, check: Callable[[], Any], procs: Procs, timeout: float = READY_S) -> Any:
    """Poll check() until it returns something truthy; fail early if one of our servers died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        procs.check(f"the wait for {what}")
        try:
            result = check()
        except (OSError, ValueError):
            result = None
        if result:
            return result
        time.sleep(0.5)
    raise SetFailed(f"timed out after {timeout:.0f} s waiting for {what}")


def wait_for_data(url: str, procs: Procs) -> dict:
    """Wait until /healthz answers and every feed has a first version (stale counts: it has data)."""

    def ready() -> dict | None:
        _, health = get_json(url + "/healthz")
        feeds = feeds_of(health)
        return health if feeds and all((f.get("version") or 0) > 0 for f in feeds) else None

    health = wait_until(f"data at {url}/healthz", ready, procs)
    say("  feeds:", ", ".join(f"{f['feed']} v{f.get('version')} {f.get('status')}" for f in feeds_of(health)))
    return health


def mock_total(mock_url: str) -> int:
    _, stats = get_json(mock_url + "/_mock/stats")
    return int((stats or {}).get("total") or 0)


def count_graphs(url: str) -> int:
    _, layout = get_json(url + "/_dash-layout", timeout=30)
    stack, count = [layout], 0
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            count += node.get("type") == "Graph"
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return count


# ---------------------------------------------------------------- instruments
def peers_python() -> str:
    """The instruments' venv (psutil, selenium, websocket-client...), created once and reused."""
    requirements = PEERS / "requirements.txt"
    digest = hashlib.sha256(requirements.read_bytes()).hexdigest()
    stamp = PEERS_VENV / ".requirements-sha256"
    python = PEERS_VENV / "bin" / "python"
    if python.exists() and stamp.exists() and stamp.read_text().strip() == digest:
        return str(python)
    say(f"creating the instruments' venv {PEERS_VENV} (once)")
    subprocess.run(["python3", "-m", "venv", str(PEERS_VENV)], check=True, timeout=300)
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "-r", str(requirements)], check=True, timeout=1800
    )
    stamp.write_text(digest)
    return str(python)


def run_tool(py: str, args: list[str], out_dir: Path, name: str, timeout: float) -> dict:
    """Run one dashload subcommand; return the JSON line it prints (stderr kept beside it)."""
    return run_json([py, str(PEERS / "dashload.py"), *args], out_dir, name, timeout, f"dashload {args[0]}")


def run_json(
    cmd: list[str], out_dir: Path, name: str, timeout: float, what: str, cwd: Path | None = None
) -> dict:
    """Run one measuring tool in a session of its own; return the JSON line it prints."""
    say("  $", shlex.join(cmd[1:]))
    with (out_dir / f"{name}.stdout").open("wb") as out, (out_dir / f"{name}.stderr").open("wb") as err:
        proc = subprocess.Popen(cmd, cwd=cwd or out_dir, stdout=out, stderr=err, start_new_session=True)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            say(f"  {name}: no answer after {timeout:.0f} s, stopping it")
        finally:
            # SIGINT first: dashload's finally then quits Chromium cleanly.
            stop(proc, first=signal.SIGINT)
    lines = (out_dir / f"{name}.stdout").read_text(errors="replace").strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, ValueError):
        tail = (out_dir / f"{name}.stderr").read_text(errors="replace").strip().splitlines()[-10:]
        raise SetFailed(f"{what} printed nothing (exit {proc.returncode}):\n" + "\n".join(tail)) from None


def record(py: str, url: str, seconds: float, out_dir: Path, window: str = WALL_WINDOW) -> dict:
    args = ["record", url, "-T", str(seconds), "-o", "rec.json", "--window", window]
    shot = "wall.png" if window == WALL_WINDOW else "phone.png"
    return run_tool(py, [*args, "--screenshot", shot], out_dir, "record", seconds + 240)


def pageload(py: str, url: str, plots: int, pid: int, out_dir: Path) -> dict:
    args = ["pageload", url, "--runs", "3", "--expect-plots", str(plots), "--server-pid", str(pid)]
    return run_tool(py, [*args, "-o", "pageload.json"], out_dir, "pageload", 3 * 120 + 60)


def replay(py: str, url: str, k: int, seconds: float, pid: int, mock_url: str, out_dir: Path) -> dict:
    # Bounded for a saturated server too: 30 s per request, at most 30 s of drain after D.
    args = ["replay", "rec.json", "--url", url, "-K", str(k), "-I", str(TICK_S), "-D", str(seconds)]
    args += ["--server-pid", str(pid), "--header", "Accept-Encoding: gzip", "--upstream-stats", mock_url]
    args += ["--timeout", "30", "--drain", "30", "-o", "replay.json"]
    # dashload first waits up to 120 s for the server to go idle.
    return run_tool(py, args, out_dir, "replay", seconds + 30 + 30 + 120 + 120)


# ---------------------------------------------------------------- servers
@dataclass
class Server:
    url: str
    pid: int  # what dashload watches (children included)
    plots: int
    poller_pid: int | None = None


def start_mock(procs: Procs, py: str, regime: Regime, max_runtime: float) -> str:
    port = free_port()
    cmd = [py, str(PEERS / "upstream_mock.py"), "--port", str(port), "--keys", MOCK_KEY]
    # --samples-dir: the mock's default looks for fixtures beside itself and would miss citydata.
    cmd += ["--period", str(regime.mock_period), "--samples-dir", str(FIXTURES)]
    procs.spawn("mock", [*cmd, "--max-runtime", str(int(max_runtime))])
    url = f"http://127.0.0.1:{port}"
    wait_until("the upstream mock", lambda: get_json(url + "/_mock/stats")[0] == 200, procs, 30)
    return url


def wall_env(regime: Regime, mock_url: str, port: int, tmp: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DASH_DEBUG"}
    env.update(
        WALL_SOURCE="seoul",
        SEOUL_API_KEY=MOCK_KEY,
        SEOUL_API_BASE_URL=mock_url,
        PORT=str(port),
        HOST="127.0.0.1",
        HISTORY_PATH=str(tmp / "h.sqlite"),
        LOG_LEVEL="WARNING",
        WALL_TICK=f"{TICK_S:g}",
        **regime.intervals,
        **extra,
    )
    return env


def wall_python() -> str:
    venv = REPO / ".venv" / "bin" / "python"
    return str(venv) if venv.exists() else sys.executable


def has_cli() -> bool:
    return (REPO / "dashboard" / "__main__.py").exists()


def wall_command(override: str | None) -> list[str]:
    if override:
        return shlex.split(override)
    return [wall_python(), "-m", "dashboard", "run"] if has_cli() else [wall_python(), "app.py"]


def start_wall(procs: Procs, regime: Regime, mock_url: str, tmp: Path, cmd: list[str]) -> Server:
    port = free_port()
    say("  wall:", shlex.join(cmd))
    env = wall_env(regime, mock_url, port, tmp, WALL_POLLER="on", CACHE_TYPE="SimpleCache", WEB_WORKERS="1")
    proc = procs.spawn("wall", cmd, env)
    url = f"http://127.0.0.1:{port}"
    wait_for_data(url, procs)
    return Server(url, proc.pid, EXPECTED_PLOTS["wall"])


def start_naive(procs: Procs, py: str, mock_url: str) -> Server:
    port = free_port()
    cmd = [py, str(PEERS / "naive_wall.py"), "--port", str(port), "--upstream", mock_url]
    proc = procs.spawn("naive", [*cmd, "--api-key", MOCK_KEY])
    url = f"http://127.0.0.1:{port}"
    wait_until("the naive wall", lambda: get_json(url + "/_dash-layout")[0] == 200, procs, 60)
    return Server(url, proc.pid, EXPECTED_PLOTS["naive"])


def start_redis(procs: Procs) -> str:
    port = free_port()
    cmd = ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    procs.spawn("redis", cmd)

    def pong() -> bool:
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")

    wait_until("redis-server", pong, procs, 30)
    return f"redis://127.0.0.1:{port}/0"


def start_scaleout(procs: Procs, regime: Regime, mock_url: str, tmp: Path) -> Server:
    redis_url = start_redis(procs)
    cache = {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": redis_url}
    py = wall_python()
    poller_env = wall_env(regime, mock_url, free_port(), tmp, WALL_POLLER="on", **cache)
    poller = procs.spawn("poller", [py, "-m", "dashboard", "poll"], poller_env)
    port = free_port()
    web_env = wall_env(regime, mock_url, port, tmp, WALL_POLLER="off", WEB_WORKERS="2", **cache)
    web = procs.spawn("web", [py, "-m", "dashboard", "run"], web_env)
    url = f"http://127.0.0.1:{port}"
    wait_for_data(url, procs)
    return Server(url, web.pid, EXPECTED_PLOTS["scaleout"], poller_pid=poller.pid)


# ---------------------------------------------------------------- one measured set
@dataclass
class Run:
    k: int
    duration: float
    wall_cmd: list[str]
    out: Path
    tmp: Path
    with_pageload: bool


def measure(py: str, regime: Regime, name: str, run: Run) -> dict:
    out = run.out / regime.name / name
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"{regime.name}-{name}-", dir=run.tmp))
    result: dict[str, Any] = {"set": name, "regime": regime.name, "viewers": run.k, "seconds": run.duration}
    with servers(out) as procs:  # server logs beside the figures they explain
        try:
            measure_set(py, regime, name, run, procs, tmp, out, result)
        except (OSError, ValueError) as exc:  # a server that stopped answering, or answered garbage
            procs.check("the measurement")
            raise SetFailed(f"{type(exc).__name__}: {exc}") from None
    (out / "summary.json").write_text(json.dumps(result, indent=1, ensure_ascii=False))
    return result


def measure_set(
    py: str, regime: Regime, name: str, run: Run, procs: Procs, tmp: Path, out: Path, result: dict
) -> None:
    mock_url = start_mock(procs, py, regime, run.duration + 3600)
    if name in ("naive", "naivephones"):
        server = start_naive(procs, py, mock_url)
    elif name in ("wall", "phones"):
        server = start_wall(procs, regime, mock_url, tmp, run.wall_cmd)
    else:
        server = start_scaleout(procs, regime, mock_url, tmp)
    phones = name in PHONE_SETS
    # The phones share the server with the wall's six screens, open from before the recording to the end.
    screens = open_screens(procs, server.url, out, run.duration + 3600) if name == "phones" else None
    page = server.url + (PHONE_PATH if name == "phones" else "")
    # One viewer's upstream rate (the browser recording), to see whether K viewers raise it.
    t0, calls0 = time.monotonic(), mock_total(mock_url)
    result["record"] = record(py, page, regime.record_s, out, PHONE_WINDOW if phones else WALL_WINDOW)
    procs.check("the recording")
    result["upstream_one_viewer_per_s"] = round((mock_total(mock_url) - calls0) / (time.monotonic() - t0), 3)
    if run.with_pageload and phones:
        result["phone_load"] = phone_first_load(name, page, out)
        procs.check("the phone's first loads")
    elif run.with_pageload:
        result["pageload"] = pageload(py, server.url, plots_to_expect(name, server), server.pid, out)
        result["own_page_bytes"] = own_page_bytes(server.url)
        procs.check("the page loads")
    if name in ("wall", "scaleout"):
        result["touch"] = touches(server.url, server.pid)
    result["rss_start_mb"] = rss_mb(server.pid)
    poller_cpu0, t1 = cpu_seconds(server.poller_pid) if server.poller_pid else 0.0, time.monotonic()
    screens_cpu0, since = cpu_seconds(screens.proc.pid) if screens else 0.0, time.time()
    with Witness(server.url, out / "rec.json") as witness:
        result["replay"] = replay(py, server.url, run.k, run.duration, server.pid, mock_url, out)
    result["witness"] = witness.result()
    procs.check("the replay")
    result["rss_end_mb"] = rss_mb(server.pid)
    if server.poller_pid:
        busy = cpu_seconds(server.poller_pid) - poller_cpu0
        result["poller_cpu_cores"] = round(busy / (time.monotonic() - t1), 3)
    if screens:
        busy = cpu_seconds(screens.proc.pid) - screens_cpu0
        result["screens_cpu_cores"] = round(busy / (time.time() - since), 3)
        result["screens"] = screens_after(screens, since)


def own_page_bytes(url: str) -> int | None:
    """Bytes on the wire (as sent, compressed) of a cold first load from the app's own origin.

    dashload's page figure also counts what Chromium's own new-tab page loads (chrome://, about
    600 kB): this is the part the server sends.
    """
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        return None
    profile = tempfile.mkdtemp(prefix="scale-chrome-")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in [*CHROMIUM_FLAGS, "--window-size=5760,2160", f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        driver.get(url + "/")
        time.sleep(8)  # every chunk, the layout and the first callbacks have arrived by then
        origin, sizes = {}, {}
        for entry in driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            params = message.get("params", {})
            if message["method"] == "Network.responseReceived":
                origin[params["requestId"]] = params["response"]["url"].startswith(url)
            elif message["method"] == "Network.loadingFinished":
                sizes[params["requestId"]] = params["encodedDataLength"]
        return sum(size for request, size in sizes.items() if origin.get(request))
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def touches(url: str, pid: int, districts: tuple[str, ...] = ("11440", "11680", "11110")) -> dict:
    """A district touched by a fresh viewer, over HTTP with gzip: bytes on the wire and the server
    CPU it cost. The first touch of a district builds its parts; later viewers share them."""
    from benchmarks.dash_client import HttpClient, Viewer

    client = HttpClient(url, keep=True, headers={"Accept-Encoding": "gzip"})
    found = []
    for code in districts:
        for who in ("first", "next"):
            viewer = Viewer(client)
            cpu0 = cpu_seconds(pid)
            answer = viewer.sync(selection=code)
            spent = cpu_seconds(pid) - cpu0
            found.append(
                {"district": code, "who": who, "wire": answer.wire, "cpu_ms": round(spent * 1000, 1)}
            )
    first = [t for t in found if t["who"] == "first"]
    return {
        "touches": found,
        "first_wire_max": max(t["wire"] for t in first),
        "first_cpu_ms_max": max(t["cpu_ms"] for t in first),
    }


def plots_to_expect(name: str, server: Server) -> int:
    # pageload waits for >= N drawn plots; asking for more than the page has never settles.
    served = count_graphs(server.url)
    if served and served != server.plots:
        expect = min(served, server.plots)
        say(f"  note: {COLUMN[name]} serves {served} plots, EXPECTED_PLOTS {server.plots}: expect {expect}")
        return expect
    return server.plots


# ---------------------------------------------------------------- phones
def phone_module(*args: str) -> list[str]:
    """benchmarks/phone.py, the browser side, run from the repository (it imports CHROMIUM_FLAGS)."""
    return [wall_python(), "-m", "benchmarks.phone", *args]


def phone_first_load(name: str, url: str, out: Path) -> dict:
    """Three cold first loads on an emulated 390 x 844 phone (benchmarks/phone.py firstload)."""
    cmd = phone_module("firstload", url, "--shown", PHONE_SHOWN[name], "--runs", "3")
    cmd += ["--screenshot", str(out / "phone-load.png"), "-o", str(out / "phone-load.json")]
    return run_json(cmd, out, "phone-load", 3 * 200 + 60, "benchmarks.phone firstload", cwd=REPO)


@dataclass
class Screens:
    """The wall's six screens, open in six Chromium windows for the whole set."""

    status: Path
    proc: subprocess.Popen

    def samples(self) -> list[dict]:
        if not self.status.exists():
            return []
        found = []
        for line in self.status.read_text(errors="replace").splitlines():
            try:
                found.append(json.loads(line))
            except ValueError:  # the line being written as we read
                continue
        return found


def open_screens(procs: Procs, url: str, out: Path, max_runtime: float) -> Screens:
    status = out / "screens.jsonl"
    cmd = phone_module("hold", url, "--status", str(status), "--every", f"{TICK_S:g}")
    proc = procs.spawn("screens", [*cmd, "--max-runtime", str(int(max_runtime))], grace=SCREENS_GRACE_S)
    screens = Screens(status, proc)
    # Six pages, then every screen's first tick answered (benchmarks/phone.py waits up to 120 s).
    wait_until("the wall's six screens", screens.samples, procs, 6 * 60 + 120)
    first = screens.samples()[0]
    if not first["ready"]:
        states = "; ".join(json.dumps(screen) for screen in first["screens"])
        raise SetFailed(f"not every screen of the wall had a tick answered within 120 s: {states}")
    say("  six screens open, every first tick answered")
    return screens


def screens_after(screens: Screens, since: float) -> dict:
    """The six screens over the replay and at its end: alive (the browser is there), answering (its
    page runs a line of script within 30 s), ticking (answering, not 'connection lost', an answer
    within three ticks, and ticks answered since the replay began). Figures, not a verdict: a
    sample that does not come is said, and the set's other figures stand."""
    asked = time.time()
    if screens.proc.poll() is None:
        screens.proc.send_signal(signal.SIGUSR1)  # screenshots with the next sample, the last one read
    deadline = time.monotonic() + SCREENS_LAST_S
    while time.monotonic() < deadline and screens.proc.poll() is None:
        if any(s.get("screenshots") and s["t"] >= asked for s in screens.samples()):
            break
        time.sleep(0.5)
    samples = [s for s in screens.samples() if s["t"] >= since] or screens.samples()[-1:]
    first, last = samples[0], samples[-1]
    final = last["t"] >= asked and screens.proc.poll() is None
    if not final:
        say(f"  the screens wrote no sample after the replay (last {asked - last['t']:.0f} s before)")
    before = {screen["panel"]: screen for screen in first["screens"]}
    panels = []
    for screen in last["screens"]:
        start = before.get(screen["panel"], {})
        moved = {
            key: (screen.get(key) or 0) - (start.get(key) or 0) for key in ("answered", "empty", "failed")
        }
        ticking = bool(
            final
            and screen.get("answering")
            and not screen.get("lost")
            and (screen.get("contact_age_s") or 0) < 3 * TICK_S
            and sum(moved.values()) > 0
        )
        panels.append({**screen, "during": moved, "ticking": ticking})
    seen = [screen for sample in samples for screen in sample["screens"]]
    return {
        "final_sample": final,
        "alive": sum(bool(final and p["alive"]) for p in panels),
        "ticking": sum(p["ticking"] for p in panels),
        "of": len(panels),
        "ticks": {key: sum(p["during"][key] for p in panels) for key in ("answered", "empty", "failed")},
        "ever_lost": sum(1 for screen in seen if screen.get("lost")),
        "not_answering": sum(1 for screen in seen if not screen.get("answering")),
        "longest_silence_s": max((screen.get("contact_age_s") or 0 for screen in seen), default=None),
        "slowest_answer_s": max((screen.get("answer_s") or 0 for screen in seen), default=None),
        "samples": len(samples),
        "screenshots": last.get("screenshots"),
        "panels": panels,
    }


class Witness:
    """One more viewer that sends the recorded tick once a second during the replay and counts how
    it is answered: dashload's replay reports bytes, not statuses, and a 204 is the cheap tick."""

    def __init__(self, url: str, recording: Path):
        rec = json.loads(recording.read_text())
        by_seq = {r["seq"]: r for r in rec["requests"]}
        ticks = [t for t in rec["ticks"] if t["reqs"] and all(by_seq[s].get("body") for s in t["reqs"])]
        self.requests = [by_seq[s] for s in ticks[-1]["reqs"]] if ticks else []
        self.url = url
        self.counts = {"no_content": 0, "answered": 0, "failed": 0}
        self.moved: dict[str, int] = {}  # part slot -> answers that sent it (held tokens that moved)
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> Witness:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        self.thread.join(35)

    def _run(self) -> None:
        while self.requests and not self.done.wait(WITNESS_EVERY_S):
            for r in self.requests:
                self.counts[self._send(r)] += 1

    def _send(self, r: dict) -> str:
        path = r["path"] + ("?" + r["query"] if r.get("query") else "")
        headers = {**r.get("headers", {}), "Content-Type": "application/json", "Accept-Encoding": "gzip"}
        body = json.dumps(r["body"]).encode()
        try:
            with urllib.request.urlopen(
                urllib.request.Request(self.url + path, body, headers), timeout=30
            ) as resp:
                answer = resp.read()
                if resp.status == 204:
                    return "no_content"
                self._count_moved(answer, resp.headers.get("Content-Encoding"), _held_sent(r["body"]))
                return "answered"
        except (OSError, ValueError):  # an HTTP error status, a refused or timed-out connection
            return "failed"

    def _count_moved(self, answer: bytes, encoding: str | None, sent: dict) -> None:
        """Which parts an answer sent: the slots of the ``held`` tokens it set (a patch of the few
        that moved, or all of them, compared with those it was sent)."""
        try:
            body = json.loads(gzip.decompress(answer) if encoding == "gzip" else answer)
            held = body["response"]["held"]["data"]
        except (ValueError, KeyError, TypeError, OSError):
            return
        if isinstance(held, dict) and "operations" in held:
            slots = [op["location"][0] for op in held["operations"] if op.get("location")]
        elif isinstance(held, dict):
            slots = [slot for slot, token in held.items() if sent.get(slot) != token]
        else:
            slots = []
        for slot in slots:
            self.moved[str(slot)] = self.moved.get(str(slot), 0) + 1

    def result(self) -> dict:
        answered = self.counts["no_content"] + self.counts["answered"]
        share = round(100 * self.counts["no_content"] / answered, 1) if answered else None
        return {**self.counts, "every_s": WITNESS_EVERY_S, "share_204_pct": share, "moved": self.moved}


def _held_sent(body: dict) -> dict:
    """The ``held`` tokens a recorded tick's body sends."""
    for item in body.get("state") or []:
        if isinstance(item, dict) and item.get("id") == "held":
            return item.get("value") or {}
    return {}


# ---------------------------------------------------------------- table
def dig(data: Any, *path: str) -> Any:
    for key in path:
        data = data.get(key) if isinstance(data, dict) else None
    return data


def errors(r: dict) -> int | None:
    rep = r.get("replay")
    return None if rep is None else rep["errors"] + dig(rep, "ticks", "unfinished_after_drain")


def requests_per_tick(r: dict) -> float | None:
    started = dig(r, "replay", "ticks", "started")
    return round(r["replay"]["requests_sent"] / started, 2) if started else None


def recorded(r: dict) -> str | None:
    """What the browser sent per tick while recorded: requests and response kB, min-max."""
    reqs, sizes = dig(r, "record", "tick_requests"), dig(r, "record", "tick_resp_body_bytes")
    if not reqs:
        return None
    kb = [round(b / 1000) for b in sizes or [0]]
    return f"{len(reqs)}x {min(reqs)}-{max(reqs)} req {min(kb)}-{max(kb)} kB"


@dataclass(frozen=True)
class Row:
    label: str
    value: Callable[[dict], Any]
    target: str = ""
    met: Callable[[Any, dict], bool] | None = None


def _ms(q: str) -> Callable[[dict], Any]:
    return lambda r: dig(r, "replay", "tick_latency_ms", q)


def _kb(v: Any) -> Any:
    return None if v is None else round(v / 1000, 1)


def upstream_flat(v: Any, r: dict) -> bool:
    # Upstream traffic must not grow with viewers: K viewers cost what one viewer did (+ slack).
    base = r.get("upstream_one_viewer_per_s") or 0.0
    return v <= max(1.5 * base, base + 0.5)


def memory_flat(v: Any, r: dict) -> bool:
    start, end = r.get("rss_start_mb"), r.get("rss_end_mb")
    return start is not None and end is not None and end - start <= max(20.0, 0.1 * start)


COMMON_ROWS = [
    Row("viewers (K)", lambda r: r["viewers"]),
    Row("recorded ticks", recorded),
    Row("tick latency p50 (ms)", _ms("p50")),
]


def replay_rows(regime: str) -> list[Row]:
    """What K viewers cost and got: the same rows for wall screens and for phones."""
    steady = regime == "steady"
    p95 = 100 if steady else 1000
    return [
        *COMMON_ROWS,
        Row("tick latency p95 (ms)", _ms("p95"), f"< {p95}", lambda v, r: v < p95),
        Row("tick latency p99 (ms)", _ms("p99")),
        Row("errors (incl. unfinished)", errors, "0", lambda v, r: v == 0),
        Row("ticks skipped (inflight cap)", lambda r: dig(r, "replay", "ticks", "skipped_inflight_cap")),
        Row("requests per tick", requests_per_tick, *(("", None) if steady else ("1", lambda v, r: v <= 1))),
        Row("ticks answered 204 (%, witness)", lambda r: dig(r, "witness", "share_204_pct")),
        Row(
            "wire B/tick/viewer",
            lambda r: dig(r, "replay", "wire_bytes_per_tick_per_client"),
            "<= 200" if steady else "<= 6500",
            lambda v, r: v <= (200 if steady else 6500),
        ),
        Row("response B/tick/viewer", lambda r: dig(r, "replay", "resp_bytes_per_tick_per_client")),
        Row("server CPU (cores)", lambda r: dig(r, "replay", "server_cpu_util_cores")),
        Row("poller CPU (cores)", lambda r: r.get("poller_cpu_cores")),
        Row("driver CPU (s, same cores)", lambda r: dig(r, "replay", "driver_cpu_s")),
        Row("server RSS start (MB)", lambda r: r.get("rss_start_mb")),
        Row("server RSS peak (MB)", lambda r: dig(r, "replay", "server", "peak_rss_mb")),
        Row("server RSS end (MB)", lambda r: r.get("rss_end_mb"), *(("flat", memory_flat) if steady else ())),
        Row("upstream req/s, 1 viewer", lambda r: r.get("upstream_one_viewer_per_s")),
        Row("upstream req/s", lambda r: dig(r, "replay", "upstream", "per_s"), "~ 1 viewer", upstream_flat),
        Row("upstream req/client tick", lambda r: dig(r, "replay", "upstream", "per_client_tick")),
    ]


WALL_PAGE_ROWS = [
    Row("page load kB (all, encoded)", lambda r: _kb(dig(r, "pageload", "median", "page_encoded_bytes"))),
    Row(
        "page load kB (this origin)",
        lambda r: _kb(r.get("own_page_bytes")),
        "<= 2048",
        lambda v, r: v <= 2048,
    ),
    Row("page load callbacks kB", lambda r: _kb(dig(r, "pageload", "median", "callback_resp_bytes"))),
    Row(
        "page settle (ms, median)",
        lambda r: dig(r, "pageload", "median", "nav_to_settled_ms"),
        "< 2000",
        lambda v, r: v < 2000,
    ),
    Row(
        "touch wire B (first viewer)",
        lambda r: dig(r, "touch", "first_wire_max"),
        "<= 20000",
        lambda v, r: v <= 20000,
    ),
    Row(
        "touch server CPU ms (first)",
        lambda r: dig(r, "touch", "first_cpu_ms_max"),
        "<= 50",
        lambda v, r: v <= 50,
    ),
    Row("page settled all runs", lambda r: dig(r, "pageload", "all_settled")),
]


def _load(key: str) -> Callable[[dict], Any]:
    return lambda r: dig(r, "phone_load", "median", key)


def _screens(r: dict) -> str | None:
    seen = r.get("screens")
    return None if seen is None else f"{seen['alive']}/{seen['of']}, {seen['ticking']}/{seen['of']}"


def _screen_ticks(r: dict) -> str | None:
    ticks = dig(r, "screens", "ticks")
    return None if ticks is None else f"{ticks['answered']} / {ticks['empty']} / {ticks['failed']}"


# A phone's cold first load (390 x 844, mobile emulation, the median of three) and the wall's
# six screens, open beside the phones.
PHONE_PAGE_ROWS = [
    Row(
        "first load kB (this origin, compressed)",
        lambda r: _kb(_load("own_bytes")(r)),
        "<= 1024",
        lambda v, r: v <= 1024,
    ),
    Row("first contentful paint (ms)", _load("first_contentful_paint_ms"), "< 2000", lambda v, r: v < 2000),
    Row(
        "first contentful paint, slowest of 3",
        lambda r: dig(r, "phone_load", "slowest_first_contentful_paint_ms"),
    ),
    Row("data shown (ms)", _load("shown_ms")),
    Row("data shown all runs", lambda r: dig(r, "phone_load", "all_shown")),
    Row("plotly fetched", lambda r: dig(r, "phone_load", "plotly_fetched"), "no", lambda v, r: not v),
    Row(
        "wider than the screen", lambda r: dig(r, "phone_load", "wider_than_screen"), "no", lambda v, r: not v
    ),
]
SCREEN_ROWS = [
    Row("6 screens alive, ticking at end", _screens, "6/6, 6/6", lambda v, r: v == "6/6, 6/6"),
    Row("screens' ticks 200 / 204 / failed", _screen_ticks),
    Row(
        "screens' samples 'connection lost'",
        lambda r: dig(r, "screens", "ever_lost"),
        "0",
        lambda v, r: v == 0,
    ),
    Row("screens' samples not answering", lambda r: dig(r, "screens", "not_answering")),
    Row("screens' longest silence (s)", lambda r: dig(r, "screens", "longest_silence_s")),
    Row("screens' slowest answer to a script (s)", lambda r: dig(r, "screens", "slowest_answer_s")),
    Row("screens' CPU (cores, same cores)", lambda r: r.get("screens_cpu_cores")),
]


def rows_for(regime: str, sets: tuple[str, ...] = WALL_SETS) -> list[Row]:
    if sets == PHONE_SETS:
        return [*replay_rows(regime), *PHONE_PAGE_ROWS, *SCREEN_ROWS]
    return [*replay_rows(regime), *WALL_PAGE_ROWS]


def cell(row: Row, r: dict | None) -> str:
    if r is None:
        return "-"
    if "failed" in r:
        return "failed"
    value = row.value(r)
    if value is None:
        return "-"
    text = f"{value:,}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)
    if row.met is not None:
        text += " ok" if row.met(value, r) else " MISS"
    return text


def table(regime: str, results: dict[str, dict], sets: tuple[str, ...] = WALL_SETS) -> str:
    cols = [COLUMN[s] for s in sets]
    rows = rows_for(regime, sets)
    body = [[row.label, *(cell(row, results.get(s)) for s in sets), row.target] for row in rows]
    head = ["", *cols, "target"]
    widths = [max(len(line[i]) for line in [head, *body]) for i in range(len(head))]
    fmt = "  ".join(f"{{:<{widths[0]}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    lines = [fmt.format(*head), fmt.format(*("-" * w for w in widths))]
    lines += [fmt.format(*line) for line in body]
    return "\n".join(lines)


# ---------------------------------------------------------------- main
def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--regime", choices=["steady", "stress", "both"], default="both")
    ap.add_argument("-K", type=int, help="viewers (default 500; --quick: 50)")
    ap.add_argument("--naive-k", type=int, help="viewers for the naive wall (default: -K); it saturates")
    ap.add_argument("--steady-duration", type=float, help="seconds (default 600; --quick: 30)")
    ap.add_argument("--stress-duration", type=float, help="seconds (default 120; --quick: 30)")
    ap.add_argument(
        "--sets",
        help="comma-separated: naive,wall,scaleout,naive-phones,phones (default: naive,wall,scaleout)",
    )
    ap.add_argument(
        "--phones",
        action="store_true",
        help="K phones on /m with the wall's six screens open, beside K phones opening the naive wall "
        "(adds --sets naive-phones,phones; alone, only those)",
    )
    ap.add_argument("--quick", action="store_true", help="smoke run: K=50, 30 s per regime")
    ap.add_argument("--wall-cmd", help="serves the wall set (default: python -m dashboard run, else app.py)")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (the walls' history files)")
    a = ap.parse_args(argv)
    quick = a.quick
    a.K = a.K or (50 if quick else 500)
    a.naive_k = a.naive_k or a.K
    a.steady_duration = a.steady_duration or (30.0 if quick else 600.0)
    a.stress_duration = a.stress_duration or (30.0 if quick else 120.0)
    wanted = a.sets.split(",") if a.sets else ([] if a.phones else list(WALL_SETS))
    a.sets = [s.strip().replace("-", "") for s in wanted if s.strip()] + (
        list(PHONE_SETS) if a.phones else []
    )
    unknown = set(a.sets) - set(SETS)
    if unknown:
        names = ", ".join(SET_NAMES[s] for s in SETS)
        ap.error(f"--sets: unknown {', '.join(sorted(unknown))} (choose from {names})")
    return a


def runnable_sets(wanted: list[str]) -> list[str]:
    sets = [s for s in SETS if s in wanted]
    if "scaleout" in sets and not has_cli():
        print("scale-out: skipped, no dashboard/__main__.py yet (`python -m dashboard poll|run`)")
        sets.remove("scaleout")
    if "scaleout" in sets and not shutil.which("redis-server"):
        print("scale-out: skipped, redis-server is not installed")
        sets.remove("scaleout")
    return sets


def share_pageloads(results: dict[str, dict[str, dict]]) -> None:
    """Show each set's one page load in every regime's table."""
    for name in SETS:
        for key in ("pageload", "own_page_bytes", "phone_load"):
            loads = [r[name][key] for r in results.values() if key in r.get(name, {})]
            for per_set in results.values():
                if loads and name in per_set and "failed" not in per_set[name]:
                    per_set[name].setdefault(key, loads[0])


def run_all(a: argparse.Namespace, sets: list[str], regimes: list[str], out: Path, tmp: Path) -> dict:
    """Measure every set in every regime, one after another; a failed set does not stop the rest."""
    py = peers_python()
    results: dict[str, dict[str, dict]] = {r: {} for r in regimes}
    loaded: set[str] = set()  # the page load is measured once per set, in the first regime
    for regime_name in regimes:
        duration = a.steady_duration if regime_name == "steady" else a.stress_duration
        for name in sets:
            say(f"{regime_name} / {COLUMN[name]}")
            k = a.naive_k if name in ("naive", "naivephones") else a.K
            run = Run(k, duration, a.wall_cmd, out, tmp, with_pageload=name not in loaded)
            try:
                results[regime_name][name] = measure(py, REGIMES[regime_name], name, run)
                loaded.add(name)
            except SetFailed as exc:
                print(f"{regime_name} / {COLUMN[name]}: failed: {exc}")
                results[regime_name][name] = {"failed": str(exc)}
    return results


def report(results: dict[str, dict[str, dict]], sets: list[str], wall_cmd: list[str], out: Path) -> None:
    (out / "results.json").write_text(json.dumps(results, indent=1, ensure_ascii=False))
    share_pageloads(results)
    for regime_name, per_set in results.items():
        print(f"\n== {regime_name}: {REGIMES[regime_name].meaning}")
        print(f"   {TICK_S:g} s ticks; sets run one after another, each beside its load driver on 2 cores")
        if "wall" in sets or "phones" in sets:
            print(f"   wall: {shlex.join(wall_cmd)}")
        if "scaleout" in sets:
            print("   scale-out: redis-server + python -m dashboard poll + run (WEB_WORKERS=2)")
        if any(s in sets for s in WALL_SETS):
            print()
            print(table(regime_name, per_set))
        if any(s in sets for s in PHONE_SETS):
            print()
            print(PHONES_MEANING)
            print()
            print(table(regime_name, per_set, PHONE_SETS))
        for name, r in per_set.items():
            moved = dig(r, "witness", "moved")
            if moved:
                said = ", ".join(f"{slot} {n}x" for slot, n in sorted(moved.items(), key=lambda kv: -kv[1]))
                print(f"   {COLUMN[name]}: the witness was sent {said}")
    print(f"\nraw JSON (recordings, replay, pageload, summaries): {out}")


def main(argv: list[str] | None = None) -> int:
    a = parse_args(argv)
    # Also when started with SIGINT ignored (a background job): the servers inherit the default.
    for sig in STOP_SIGNALS:
        signal.signal(sig, _interrupt)
    if not (PEERS / "dashload.py").exists():
        print(f"no instruments at {PEERS} (set PEERS_DIR)", file=sys.stderr)
        return 2
    sets = runnable_sets(a.sets)
    regimes = ["steady", "stress"] if a.regime == "both" else [a.regime]
    a.wall_cmd = wall_command(a.wall_cmd)
    out = REPO / "var" / "bench" / time.strftime("%Y%m%d-%H%M%S")
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="scale-bench-"))
    results: dict[str, dict[str, dict]] = {}
    try:
        results = run_all(a, sets, regimes, out, tmp)
    except KeyboardInterrupt:
        print("interrupted: every server it started is stopped", file=sys.stderr)
        return 130
    finally:
        if a.keep:
            print(f"temp dir kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    report(results, sets, a.wall_cmd, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
