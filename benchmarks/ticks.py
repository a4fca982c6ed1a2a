"""What a refresh tick costs, for K simulated viewers, with unchanged and with changed data.

Prints, per K: response bytes and server time per tick (all viewers together), panel builds and
upstream source calls. Callbacks are called through Flask's test client, exactly as the browser's
renderer posts them, so the figures are the server's own cost without network noise.

    python benchmarks/ticks.py [K ...]        (default: 1 10 100 500)
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import app as wall_app  # noqa: E402
from benchmarks.dash_client import call, find_output  # noqa: E402
from dashboard.settings import Settings  # noqa: E402
from feeds.demo import DemoSource  # noqa: E402

FEEDS = ("air", "traffic", "incidents")
# Panel callbacks, by one of their outputs, with the frame versions they listen to.
PANELS = {
    "overview-headlines.children": ("air", "traffic", "incidents"),
    "air-map.figure": ("air",),
    "air-ranking.figure": ("air",),
    "traffic-map.figure": ("traffic", "air"),
    "incident-map.figure": ("incidents", "air"),
    "district-detail.children": ("air", "traffic", "incidents"),
}


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


def run(viewers: int) -> dict[str, float]:
    source = CountingSource(start=1_795_000_000.0)
    wall = wall_app.create_wall(Settings(wall_poller=False), source=source)
    for feed in FEEDS:
        wall.poller.poll(feed)
    client = wall.server.test_client()
    tick_output = find_output(wall.app, "meta-air.data")
    held = [{"tick.n_intervals": 0, "lang.data": "ko", "selection.data": None} for _ in range(viewers)]

    def tick_all() -> tuple[int, float, list[set[str]]]:
        size, started, changed = 0, time.perf_counter(), []
        for state in held:
            state["tick.n_intervals"] += 1
            answer = call(client, wall.app, tick_output, state, ["tick.n_intervals"])
            size += answer.size
            moved = set()
            if answer.status == 200:
                for component, props in answer.body["response"].items():
                    for prop, value in props.items():
                        if component.startswith("ver-") and state.get(f"{component}.{prop}") != value:
                            moved.add(component.removeprefix("ver-"))
                        state[f"{component}.{prop}"] = value
            # The renderer then runs every panel callback whose version input moved.
            for output, feeds in PANELS.items():
                if moved & set(feeds):
                    answer = call(
                        client,
                        wall.app,
                        find_output(wall.app, output),
                        state,
                        [f"ver-{f}.data" for f in moved],
                    )
                    size += answer.size
            changed.append(moved)
        return size, time.perf_counter() - started, changed

    tick_all()  # first load: every viewer catches up
    calls_before, builds_before = source.calls, wall.memo.builds
    same_bytes, same_time, _ = tick_all()
    same_calls = source.calls - calls_before

    source.t += 3600  # an hour later: every feed has new data
    for feed in FEEDS:
        wall.poller.poll(feed)
    poll_calls = source.calls - calls_before - same_calls
    calls_before = source.calls
    new_bytes, new_time, _ = tick_all()
    return {
        "viewers": viewers,
        "unchanged_bytes": same_bytes,
        "unchanged_ms": same_time * 1000,
        "changed_bytes": new_bytes,
        "changed_ms": new_time * 1000,
        "builds": wall.memo.builds - builds_before,
        "viewer_source_calls": same_calls + source.calls - calls_before,
        "poller_source_calls": poll_calls,
    }


def main(argv: list[str]) -> int:
    counts = [int(a) for a in argv] or [1, 10, 100, 500]
    print("per tick, all viewers together (server time in-process, no network)")
    print(
        f"{'viewers':>8} {'unchanged: bytes':>17} {'ms':>8} {'changed: bytes':>15} {'ms':>9} "
        f"{'builds':>7} {'source calls: viewers':>22} {'poller':>7}"
    )
    for k in counts:
        r = run(k)
        print(
            f"{r['viewers']:>8} {r['unchanged_bytes']:>17,} {r['unchanged_ms']:>8.1f} "
            f"{r['changed_bytes']:>15,} {r['changed_ms']:>9.1f} {r['builds']:>7} "
            f"{r['viewer_source_calls']:>22} {r['poller_source_calls']:>7}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
