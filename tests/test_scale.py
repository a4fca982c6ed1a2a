"""Past one core: a poller process and two gunicorn workers sharing a real Redis, over real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from benchmarks.dash_client import HttpClient, Viewer

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "scale-out-token-123"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start(command: str, env: dict, log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "dashboard", command],
        cwd=ROOT,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def workers_of(master: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(master)], capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in found]


def wait_for_data(base: str, processes: list, log: Path, ready=lambda: True, timeout: float = 60) -> None:
    """Until every feed has a frame (and ``ready``), failing with the log if a process ends first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            feeds = requests.get(base + "/healthz", timeout=2).json()["feeds"]
            if all(feed["version"] for feed in feeds.values()) and ready():
                return
        except (requests.RequestException, ValueError):
            pass
        assert all(p.poll() is None for p in processes), log.read_text()
        time.sleep(0.3)
    pytest.fail("the wall never served data:\n" + log.read_text())


@pytest.fixture
def scaled(redis_url, tmp_path):
    port = free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "CACHE_TYPE": "RedisCache",
        "CACHE_REDIS_URL": redis_url,
        "HISTORY_PATH": str(tmp_path / "history.sqlite"),
        "WALL_CONTROL_TOKEN": TOKEN,
        "LOG_LEVEL": "WARNING",
    }
    poller = start("poll", {**env, "WALL_POLLER": "on"}, tmp_path / "poller.log")
    web = start("run", {**env, "WALL_POLLER": "off", "WEB_WORKERS": "2"}, tmp_path / "web.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_data(base, [poller, web], tmp_path / "web.log", ready=lambda: len(workers_of(web.pid)) == 2)
        yield base, web, tmp_path
    finally:
        stop(web)
        stop(poller)


def test_every_worker_serves_the_same_versions_and_the_remotes_state(scaled):
    base, web, logs = scaled
    workers = workers_of(web.pid)
    before = {pid: cpu_ticks(pid) for pid in workers}

    # The poller's first rounds (start, warm-up) settle within seconds; then versions hold.
    previous, deadline = None, time.monotonic() + 30
    while time.monotonic() < deadline:
        current = tuple(
            f["version"] for f in requests.get(base + "/healthz", timeout=5).json()["feeds"].values()
        )
        if current == previous:
            break
        previous = current
        time.sleep(3)

    # Fresh connections land on either worker; every one serves the same frames and builds.
    versions, pages = set(), set()
    for _ in range(30):
        feeds = requests.get(base + "/healthz", timeout=5).json()["feeds"]
        versions.add(tuple(feed["version"] for feed in feeds.values()))
        held = Viewer(HttpClient(base)).value("held", "data")
        pages.add(tuple(sorted(held.items())))
    assert len(versions) == 1 and len(pages) == 1

    # The presenter's remote, answered by one worker, reaches viewers served by both.
    remote = requests.Session()
    remote.get(base + f"/control?token={TOKEN}", timeout=5)
    changed = remote.post(base + "/control/state", json={"selection": "11440", "lang": "en"}, timeout=5)
    assert changed.status_code == 200
    seq = changed.json()["seq"]
    seen = set()
    for _ in range(20):
        viewer = Viewer(HttpClient(base))
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:  # the read model shares reads for up to a second
            answer = viewer.sync()
            command = (answer.body or {}).get("response", {}).get("control", {}).get("data")
            if command:
                break
            time.sleep(0.3)
        assert command and command["seq"] == seq and command["selection"] == "11440"
        seen.add(command["seq"])
    assert seen == {seq}
    busy = [pid for pid in workers if cpu_ticks(pid) > before[pid]]
    assert len(busy) == 2, "both workers should have answered"
    assert "Traceback" not in (logs / "web.log").read_text()


def test_more_than_one_worker_without_redis_is_refused(tmp_path):
    env = {**os.environ, "WEB_WORKERS": "3", "CACHE_TYPE": "SimpleCache", "PORT": str(free_port())}
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", "run"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "WEB_WORKERS=3 needs CACHE_TYPE=RedisCache" in done.stderr
    assert "polls upstream on its own" in done.stderr


def descendants(pid: int) -> list[int]:
    found = []
    for child in workers_of(pid):
        found += [child, *descendants(child)]
    return found


def test_the_cluster_command_starts_redis_a_poller_and_two_workers_and_stops_them_together(tmp_path):
    port, redis_port = free_port(), free_port()
    env = {
        **os.environ,
        "PORT": str(port),
        "CACHE_REDIS_URL": f"redis://127.0.0.1:{redis_port}/0",
        "HISTORY_PATH": str(tmp_path / "history.sqlite"),
        "WEB_WORKERS": "2",
        "LOG_LEVEL": "WARNING",
    }
    cluster = start("cluster", env, tmp_path / "cluster.log")
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for_data(base, [cluster], tmp_path / "cluster.log")
        family = descendants(cluster.pid)
        commands = [Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode() for pid in family]
        assert sum("redis-server" in c for c in commands) == 1
        assert sum(c.endswith("-m dashboard poll ") for c in commands) == 1
        assert sum(c.endswith("-m dashboard run ") for c in commands) == 3  # the master and 2 workers
        assert Viewer(HttpClient(base)).part(2, "air-map")["data"]
    finally:
        stop(cluster)
    assert cluster.returncode == 0
    assert [pid for pid in family if Path(f"/proc/{pid}").exists()] == []


def scrape(base: str) -> dict[tuple[str, tuple], float]:
    """One fresh connection's /metrics, as {(sample name, sorted labels): value}."""
    from prometheus_client.parser import text_string_to_metric_families

    answer = requests.get(base + "/metrics", timeout=5)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
    }


def test_metrics_are_the_walls_whichever_worker_answers(scaled):
    base, web, _ = scaled
    for _ in range(12):  # fresh connections: the ticks land on both workers
        Viewer(HttpClient(base)).sync()
    scrapes = [scrape(base) for _ in range(8)]
    ticks = {sum(v for (name, _), v in one.items() if name == "wall_ticks_total") for one in scrapes}
    assert len(ticks) == 1 and ticks.pop() >= 12  # summed over both workers, the same from each
    for one in scrapes:
        # The poller's figures (another process) through the shared store.
        for feed in ("air", "traffic", "crowds", "weather", "incidents"):
            assert one[("wall_feed_polls_total", (("feed", feed), ("outcome", "ok")))] >= 1
            assert one[("wall_feed_status", (("feed", feed), ("status", "ok")))] == 1
            assert one[("wall_feed_rows", (("feed", feed),))] > 0
        for call in ("RealtimeCityAir", "citydata", "AccInfo"):
            assert one[("wall_upstream_calls_total", (("call", call), ("outcome", "ok")))] >= 1
            assert one[("wall_upstream_call_seconds_count", (("call", call),))] >= 1
        assert one[("wall_viewers", ())] >= 1 and one[("wall_store_up", ())] == 1
    assert requests.get(base + "/metrics/nope", timeout=5).status_code == 404
