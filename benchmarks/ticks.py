"""What a refresh tick and a touch cost, for K simulated viewers, in-process (no network noise).

Prints, per K: response bytes (raw and gzip) and server time per tick with unchanged and with
changed data, the builds made, and upstream source calls; then what one district touch costs
the first viewer and the next. Viewers are ``benchmarks.dash_client.Viewer``: they post the one
sync request exactly as the browser's renderer does and hold what they were sent.

    python benchmarks/ticks.py [K ...]        (default: 1 10 100 500)
"""

from __future__ import annotations

import gzip
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import app as wall_app  # noqa: E402
from benchmarks.dash_client import Viewer  # noqa: E402
from dashboard.settings import Settings  # noqa: E402
from feeds.demo import DemoSource  # noqa: E402


class CountingSource:
    """The demo city, counting every upstream call, with a clock the benchmark moves."""

    name = "demo"
    speed = 1.0

    def __init__(self, start: float):
        self.t = start
        self.calls = 0

    def now(self) -> float:
        return self.t

    def fetch(self, *request):
        self.calls += 1
        return DemoSource(seed=7, speed=0.0, start=self.t).fetch(*request)


def _wall(source: CountingSource):
    wall = wall_app.create_wall(Settings(wall_poller=False, history_path="off"), source=source)
    wall.read.ttl = 0  # the benchmark moves the clock itself
    for call in wall.poller.calls:  # each upstream call once, for every feed that reads it
        wall.poller.poll_call(call)
    return wall


def _tick_all(viewers: list[Viewer], **inputs) -> tuple[int, int, float, int]:
    """(raw bytes, gzip bytes, seconds, requests) for every viewer's one request."""
    raw = wire = 0
    spent = 0.0
    for viewer in viewers:
        started = time.perf_counter()
        answer = viewer.sync(**inputs)
        spent += time.perf_counter() - started
        raw += answer.size
        wire += len(gzip.compress(answer.raw, 6)) if answer.raw else 0
    return raw, wire, spent, len(viewers)


def run(count: int) -> dict[str, float]:
    source = CountingSource(start=1_795_000_000.0)
    wall = _wall(source)
    client = wall.server.test_client()
    viewers = [Viewer(client) for _ in range(count)]
    calls_before, builds_before = source.calls, wall.builds.builds
    same_raw, same_wire, same_time, requests = _tick_all(viewers)
    same_calls = source.calls - calls_before

    source.t += 3600  # an hour later: every feed has new data
    for call in wall.poller.calls:  # each upstream call once, for every feed that reads it
        wall.poller.poll_call(call)
    poll_calls = source.calls - calls_before - same_calls
    calls_before = source.calls
    new_raw, new_wire, new_time, _ = _tick_all(viewers)
    return {
        "viewers": count,
        "requests": requests,
        "unchanged_bytes": same_raw,
        "unchanged_ms": same_time * 1000,
        "changed_bytes": new_raw,
        "changed_wire": new_wire,
        "changed_ms": new_time * 1000,
        "builds": wall.builds.builds - builds_before,
        "viewer_source_calls": same_calls + source.calls - calls_before,
        "poller_source_calls": poll_calls,
    }


def touch() -> dict[str, float]:
    """One district touched by a first viewer (parts built) and by a second (builds shared)."""
    wall = _wall(CountingSource(start=1_795_000_000.0))
    client = wall.server.test_client()
    found = {}
    for who in ("first", "next"):
        viewer = Viewer(client)
        started = time.perf_counter()
        answer = viewer.sync(selection="11440")
        found[f"{who}_ms"] = (time.perf_counter() - started) * 1000
        found[f"{who}_bytes"] = answer.size
        found[f"{who}_wire"] = len(gzip.compress(answer.raw, 6))
    return found


def main(argv: list[str]) -> int:
    counts = [int(a) for a in argv] or [1, 10, 100, 500]
    print("per tick, all viewers together (server time in-process, no network); one request each")
    print(
        f"{'viewers':>8} {'unchanged: bytes':>17} {'ms':>8} {'changed: bytes':>15} {'gzip':>9} {'ms':>9} "
        f"{'builds':>7} {'source calls: viewers':>22} {'poller':>7}"
    )
    for k in counts:
        r = run(k)
        print(
            f"{r['viewers']:>8} {r['unchanged_bytes']:>17,} {r['unchanged_ms']:>8.1f} "
            f"{r['changed_bytes']:>15,} {r['changed_wire']:>9,} {r['changed_ms']:>9.1f} {r['builds']:>7} "
            f"{r['viewer_source_calls']:>22} {r['poller_source_calls']:>7}"
        )
    t = touch()
    print(
        f"a district touch: first viewer {t['first_bytes']:,} B ({t['first_wire']:,} B gzip) in "
        f"{t['first_ms']:.1f} ms; next viewer {t['next_bytes']:,} B ({t['next_wire']:,} B gzip) "
        f"in {t['next_ms']:.1f} ms"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
