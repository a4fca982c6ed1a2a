"""Inputs at the edge: what a client posts to the callbacks, and what an address asks for.

Anything a browser of this wall would not send answers 400 with one short log line, before a
build, a cache key or a callback; an address the wall cannot use is said on the wall, cut short.
tests/test_security.py sends the same bodies to a running server over HTTP.
"""

from __future__ import annotations

import copy
import json
import logging

import pytest

from benchmarks.dash_client import ASK, Viewer
from callbacks import edge
from callbacks.controls import NOTICE_CHARS, url_problems
from feeds.districts import DISTRICTS

MAPO = "11440"
SYNC = ASK


def with_value(body: dict, component: str, prop: str, value) -> dict:
    changed = copy.deepcopy(body)
    for item in (*changed["inputs"], *changed["state"]):
        if item["id"] == component and item["property"] == prop:
            item["value"] = value
    return changed


def notice_body(pathname, search, lang) -> dict:
    return {
        "output": "url-notice.children",
        "outputs": {"id": "url-notice", "property": "children"},
        "inputs": [
            {"id": "url", "property": "pathname", "value": pathname},
            {"id": "url", "property": "search", "value": search},
            {"id": "lang", "property": "data", "value": lang},
        ],
        "changedPropIds": ["url.pathname"],
    }


def travel_body(minutes_back, clicks=0) -> dict:
    return {
        "output": "..when.data...when-slider.value..",
        "outputs": [{"id": "when", "property": "data"}, {"id": "when-slider", "property": "value"}],
        "inputs": [
            {"id": "when-slider", "property": "value", "value": minutes_back},
            {"id": "back-to-live", "property": "n_clicks", "value": clicks},
        ],
        "changedPropIds": ["when-slider.value"],
    }


def post(client, body: dict | str):
    data = body if isinstance(body, str) else json.dumps(body)
    return client.post("/_dash-update-component", data=data, content_type="application/json")


def bad_bodies(good: dict, moment: float) -> dict[str, str]:
    """Callback bodies no page of this wall sends, from a real sync body ``good`` (JSON text each).

    ``moment`` is now on the wall's clock: the made-up moments lie around it.
    """
    sync = lambda *change: json.dumps(with_value(good, *change))  # noqa: E731
    figures_only = copy.deepcopy(good)
    figures_only["outputs"][0] = figures_only["outputs"][0] * 2  # every figure twice
    unknown_part = copy.deepcopy(good)
    unknown_part["outputs"][0][0]["id"] = {**unknown_part["outputs"][0][0]["id"], "part": "made-up"}
    return {
        "null": "null",
        "not JSON": "{'output': ",
        "a list": json.dumps([good]),
        "a string": json.dumps("tick"),
        "10 000 levels deep": "[" * 10_000 + "]" * 10_000,
        "10 000 objects deep": '{"a":' * 10_000 + "1" + "}" * 10_000,
        "no output": json.dumps({key: value for key, value in good.items() if key != "output"}),
        "an unknown output": json.dumps({**good, "output": "made-up.children"}),
        "a clientside output": json.dumps({**good, "output": "lang.data"}),
        "outputs not a list": json.dumps({**good, "outputs": {"id": "held", "property": "data"}}),
        "an output twice": json.dumps(figures_only),
        "an unknown part": json.dumps(unknown_part),
        "an unknown input": json.dumps(
            {**good, "inputs": [*good["inputs"], {"id": "made-up", "property": "value", "value": 1}]}
        ),
        "no inputs": json.dumps({key: value for key, value in good.items() if key != "inputs"}),
        "inputs an object": json.dumps({**good, "inputs": {"tick": 1}}),
        "state renamed": json.dumps({**good, "state": [{**item, "id": "made-up"} for item in good["state"]]}),
        "changed not an input": json.dumps({**good, "changedPropIds": ["held.data"]}),
        "changed an object": json.dumps({**good, "changedPropIds": [{"id": "tick"}]}),
        "selection a dict": sync("selection", "data", {"code": MAPO}),
        "selection a list": sync("selection", "data", [MAPO]),
        "selection a number": sync("selection", "data", int(MAPO)),
        "selection made up": sync("selection", "data", "99999"),
        "selection 60 kB": sync("selection", "data", "9" * 60_000),
        "moment text": sync("when", "data", "abc"),
        "moment NaN": sync("when", "data", float("nan")),
        "moment huge": sync("when", "data", 1e308),
        "moment true": sync("when", "data", True),
        "moment off the minute": sync("when", "data", moment // 60 * 60 - 3600 + 7),
        "moment in the future": sync("when", "data", moment // 60 * 60 + 3600),
        "moment 2 days back": sync("when", "data", moment // 60 * 60 - 2 * 86400),
        "language a dict": sync("lang", "data", {"ko": True}),
        "language made up": sync("lang", "data", "fr"),
        "held a list": sync("held", "data", ["token"]),
        "held of numbers": sync("held", "data", {"2:air-map": 7}),
        "held too many": sync("held", "data", {f"{n}:part": "token" for n in range(500)}),
        "held a long token": sync("held", "data", {"2:air-map": "t" * 10_000}),
        "control text": sync("control", "data", "next"),
        "control nested": sync("control", "data", {"seq": {"a": [1]}}),
        "ask text": sync("ask", "n_intervals", "abc"),
        "ask negative": sync("ask", "n_intervals", -1),
        "address a dict": json.dumps(notice_body({"path": "/"}, "", "ko")),
        "address search a list": json.dumps(notice_body("/", ["?lang=en"], "ko")),
        "notice language made up": json.dumps(notice_body("/", "", "fr")),
        "slider text": json.dumps(travel_body("abc")),
        "slider 10 days back": json.dumps(travel_body(-14_400)),
        "back-to-live text": json.dumps(travel_body(-30, "x")),
    }


@pytest.fixture
def wall(live_wall):
    live_wall.wall.read.ttl = 0
    return live_wall.wall


def values_read(app, callbacks: int) -> set[tuple[str, str]]:
    """Every (id, property) the server-side callbacks of a Dash app read, of which it has ``callbacks``."""
    served = [callback for callback in app.callback_map.values() if "callback" in callback]
    assert len(served) == callbacks
    return {(item["id"], item["property"]) for cb in served for item in cb["inputs"] + cb["state"]}


def test_every_value_a_server_callback_reads_is_checked_at_the_edge(wall):
    read = values_read(wall.app, 3)  # the sync, the time machine, the address notice
    assert read == set(edge.VALUES)
    # The phone view (/m): its sync and its address notice, checked by the same table.
    assert values_read(wall.phone, 2) <= set(edge.VALUES)


def test_a_body_no_page_sends_answers_400_with_one_short_line_and_builds_nothing(wall, caplog):
    client = wall.server.test_client()
    viewer = Viewer(client)
    assert viewer.sync().status in (200, 204)
    good = viewer.body(SYNC)
    builds, views = wall.builds.builds, wall.builds._views._items.copy()
    past = wall.read._past._items.copy()
    for name, body in bad_bodies(good, wall.read.source_now()).items():
        caplog.clear()
        with caplog.at_level(logging.INFO):
            answer = post(client, body)
        assert answer.status_code == 400, (name, answer.status_code, answer.get_data()[:200])
        assert set(answer.get_json()) == {"error"}, name
        lines = caplog.records
        assert len(lines) == 1 and lines[0].exc_info is None, (name, lines)
        assert len(lines[0].getMessage()) < 120 and "99999" not in lines[0].getMessage(), name
    assert wall.builds.builds == builds  # no build, no new view, no frame looked up in history
    assert wall.builds._views._items == views and wall.read._past._items == past
    assert viewer.sync().status in (200, 204)  # and the real viewer goes on


def test_the_pages_own_requests_pass_the_edge(wall, caplog):
    client = wall.server.test_client()
    viewer = Viewer(client)
    moment = wall.read.moment(-60)
    with caplog.at_level(logging.WARNING, logger="callbacks"):
        assert viewer.sync().status in (200, 204)
        assert viewer.sync(selection=MAPO).status == 200
        assert viewer.sync(lang="en").status == 200
        assert viewer.sync(when=moment).status == 200
        assert viewer.sync(selection=None, when=None).status == 200
        pages = (notice_body("/panel/3", "?lang=x", "en"), notice_body(None, None, "ko"), travel_body(-60))
        for body in pages:
            answer = post(client, body)
            assert answer.status_code == 200, answer.get_data()[:200]
    assert caplog.records == []


def test_a_made_up_selection_or_moment_never_becomes_a_build(wall):
    client = wall.server.test_client()
    viewer = Viewer(client)
    viewer.sync()
    builds = wall.builds.builds
    for selection in ("99999", "11440 ", "seoul", *(f"1{n:04d}" for n in range(100))):
        if selection not in {d.code for d in DISTRICTS}:
            assert viewer.sync(selection=selection).status == 400
    now = wall.read.source_now() // 60 * 60
    for when in (now + 7, now - 3 * 86400, now + 86400, now - 59.5):
        assert viewer.sync(selection=None, when=when).status == 400
    assert wall.builds.builds == builds


def test_long_address_values_are_cut_in_the_notice():
    long_district, long_lang, long_panel = "x" * 60_000, "y" * 41, "/panel/" + "9" * 100
    problems = dict(url_problems(long_panel, f"?district={long_district}&lang={long_lang}"))
    assert problems == {
        "bad_district": "x" * (NOTICE_CHARS - 1) + "…",
        "bad_lang": "y" * (NOTICE_CHARS - 1) + "…",
        "bad_panel": long_panel[: NOTICE_CHARS - 1] + "…",
    }
    # A value of just the limit is shown whole.
    assert url_problems("/", "?lang=" + "z" * NOTICE_CHARS) == [("bad_lang", "z" * NOTICE_CHARS)]


def test_the_notice_on_the_wall_shows_a_60_kB_value_cut(wall):
    client = wall.server.test_client()
    answer = post(client, notice_body("/panel/7" + "7" * 100, "?district=" + "x" * 60_000, "en"))
    assert answer.status_code == 200
    shown = json.dumps(answer.get_json(), ensure_ascii=False)
    assert "x" * (NOTICE_CHARS - 1) + "…" in shown and "x" * NOTICE_CHARS not in shown
    assert "7" * NOTICE_CHARS not in shown and len(answer.get_data()) < 1000
