"""Every panel renders for the combinations of feed states, in both languages, with history and
without: each feed missing, empty, stale, in error with its last frame, or in error with none.
The suite walks the 25 combinations that meet every pair of states of any two feeds (a Latin
square); `make test-full` walks all 125 with history.

Each combination is put into the store as the poller would leave it, and a viewer opens the wall
through the real Dash endpoints (layout, then the sync callback): no callback fails, every panel
has something to read, and no feed that is not live is called live.
"""

from __future__ import annotations

import itertools
import logging
import math
from collections.abc import Iterator

import pytest

import app as wall_app
from benchmarks.dash_client import Viewer
from dashboard.settings import Settings
from feeds.reasons import Reason
from feeds.registry import FEEDS as REGISTRY
from layouts.i18n import t
from layouts.spec import FIGURE, PARTS
from tests.conftest import ControlledSource

FEEDS = ("air", "traffic", "incidents")
STATES = ("missing", "empty", "stale", "error", "error-without-frame")
NO_DATA = '{"RESULT": {"CODE": "INFO-200", "MESSAGE": "해당하는 데이터가 없습니다."}}'
HTTP_500 = Reason("seoul.http_status", status=500, url="http://127.0.0.1/***/json/x/1/5")
FEED_FOR_PANEL = {2: ("air",), 3: ("air",), 4: ("traffic",), 5: ("incidents",)}


def strings(node) -> Iterator[str]:
    """Every text a Dash component tree (as JSON) shows."""
    if isinstance(node, str):
        yield node
    elif isinstance(node, (int, float)) and not isinstance(node, bool):
        yield str(node)
    elif isinstance(node, list):
        for item in node:
            yield from strings(item)
    elif isinstance(node, dict):
        if "props" in node:
            yield from strings(node["props"].get("children"))
        else:
            yield from strings(node.get("children"))


def put_state(wall, good: dict, feed: str, state: str) -> None:
    store = wall.store
    if state == "missing":
        return
    if state == "error-without-frame":
        store.fail(feed, HTTP_500, source="seoul")
        return
    data = REGISTRY[feed].parse(NO_DATA) if state == "empty" else good[feed]
    now = store.clock()
    measured = now - 10 * 3600 if state == "stale" else now - 60
    store.put(feed, data, source="demo", measured_at=measured, source_now=now)
    if state == "error":
        store.fail(feed, HTTP_500, source="seoul")


@pytest.fixture(
    scope="module", params=["history", "no-history", pytest.param("history-every", marks=pytest.mark.full)]
)
def setup(request, tmp_path_factory):
    source = ControlledSource()
    path = str(tmp_path_factory.mktemp("h") / "h.sqlite") if request.param != "no-history" else "off"
    wall = wall_app.create_wall(Settings(wall_poller=False, history_path=path), source=source)
    wall.read.ttl = 0
    wall.poller.warm_up()
    for feed in FEEDS:
        wall.poller.poll(feed)
    good = {feed: wall.store.frame(feed).data for feed in FEEDS}
    return wall, good, combinations(request.param == "history-every")


def combinations(every: bool) -> list[tuple[str, ...]]:
    """Every combination of the feeds' states; or the 25 that still meet every pair of states of
    any two feeds (a Latin square)."""
    if every:
        return list(itertools.product(STATES, repeat=len(FEEDS)))
    n = len(STATES)
    return [(STATES[a], STATES[b], STATES[(a + b) % n]) for a in range(n) for b in range(n)]


def test_the_fewer_combinations_still_meet_every_pair_of_states():
    chosen = combinations(every=False)
    for i, j in itertools.combinations(range(len(FEEDS)), 2):
        assert {(c[i], c[j]) for c in chosen} == set(itertools.product(STATES, STATES))


def test_every_panel_renders_for_every_combination_of_feed_states(setup, caplog):
    wall, good, chosen = setup
    client = wall.server.test_client()
    walked = 0
    for states in chosen:
        wall.cache.clear()
        for feed, state in zip(FEEDS, states, strict=True):
            put_state(wall, good, feed, state)
        for lang in ("ko", "en"):
            caplog.clear()
            with caplog.at_level(logging.WARNING):
                viewer = Viewer(client, lang=lang)
                answer = viewer.sync(lang=lang) if lang == "en" else viewer.sync()
            case = f"{dict(zip(FEEDS, states, strict=True))} {lang}"
            assert answer.status in (200, 204), (case, answer.status, answer.raw[:300])
            problems = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
            assert problems == [], (case, problems)
            check_panels(viewer, dict(zip(FEEDS, states, strict=True)), lang, case)
            walked += 1
    assert walked == len(chosen) * 2


def check_panels(viewer: Viewer, states: dict[str, str], lang: str, case: str) -> None:
    live_word = t("status_ok", lang)
    for panel in range(1, 7):
        texts = []
        for part in (p for p in PARTS.values() if p.panel == panel and p.target is None):
            try:
                value = viewer.part(panel, part.name)
            except KeyError:  # not on this wall (the time machine without history)
                continue
            if part.kind == FIGURE:
                assert isinstance(value, dict) and isinstance(value.get("data"), list), (case, part.slot)
                assert "layout" in value, (case, part.slot)
                for trace in value["data"]:
                    for key in ("x", "y", "z", "lat", "lon"):
                        numbers = trace.get(key)
                        if isinstance(numbers, list):
                            infinite = [n for n in numbers if isinstance(n, float) and math.isinf(n)]
                            assert not infinite, (case, part.slot)
            else:
                texts.extend(strings(value))
        shown = " ".join(s for s in texts if s.strip())
        assert shown.strip(), (case, panel, "nothing to read")
        for junk in ("None", "nan", "NaN", "undefined", "Traceback", "KeyError"):
            assert junk not in shown.split(), (case, panel, junk, shown[:400])
        status = " ".join(strings(viewer.part(panel, "status")))
        feeds = FEED_FOR_PANEL.get(panel, FEEDS)
        if all(states[feed] != "empty" for feed in feeds):
            # No feed of this panel is live: nothing on its status line may say so.
            assert live_word not in status.split(), (case, panel, status)
