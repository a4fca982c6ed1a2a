"""One request a tick: nothing new sends nothing; what moved arrives as patches, built once for all."""

from __future__ import annotations

import json
import logging

import pytest

import app as wall_app
from benchmarks.dash_client import ASK, Viewer
from dashboard.settings import Settings
from layouts.spec import FIGURE, PARTS
from tests.conftest import ControlledSource

FEEDS = ("air", "traffic", "incidents")


@pytest.fixture
def wall():
    source = ControlledSource()
    wall = wall_app.create_wall(Settings(wall_poller=False), source=source)
    wall.read.ttl = 0  # the tests move faster than the read model's one-second sharing of reads
    for feed in FEEDS:
        wall.poller.poll(feed)
    return wall


def new_data(wall, seconds: float = 3600) -> None:
    wall.poller.source.advance(seconds)
    for feed in FEEDS:
        wall.poller.poll(feed)


def sent_parts(answer) -> dict[str, object]:
    """What an answer carried, by part slot ("2:air-map"), whole or as a patch."""
    found = {}
    for component, props in answer.body["response"].items():
        if component.startswith("{"):
            key = json.loads(component)
            found[f"{key['panel']}:{key['part']}"] = next(iter(props.values()))
    return found


def is_patch(value) -> bool:
    return isinstance(value, dict) and "__dash_patch_update" in value


def test_a_tick_with_nothing_new_answers_204_then_new_data_arrives_in_one_answer(wall):
    viewer = Viewer(wall.server.test_client())
    assert viewer.sync().status == 204  # the page came with everything: no body at all
    assert viewer.sync().status == 204

    new_data(wall)
    answer = viewer.sync()
    assert answer.status == 200
    sent = sent_parts(answer)
    # The maps move as patches of colours and texts; their geometry stays in the browser.
    for slot in ("2:air-map", "4:traffic-map", "5:incident-map"):
        assert is_patch(sent[slot]), slot
        assert "[[" not in json.dumps(sent[slot])  # no coordinate lists
    assert "2:status" in sent and "1:headlines" in sent
    assert viewer.sync().status == 204  # and then nothing until the next change


def test_after_any_sequence_of_patches_every_figure_equals_a_fresh_build(wall):
    viewer = Viewer(wall.server.test_client())
    steps = [
        lambda: viewer.sync(selection="11440"),
        lambda: (new_data(wall, 1800), viewer.sync()),
        lambda: viewer.sync(lang="en"),
        lambda: viewer.sync(selection="11680"),
        lambda: (new_data(wall, 5400), viewer.sync()),
        lambda: viewer.sync(selection=None),
        lambda: viewer.sync(lang="ko"),
    ]
    for step in steps:
        step()
        view = wall.read.view(viewer.value("lang", "data"), viewer.value("selection", "data"), None)
        for part in PARTS.values():
            if part.kind == FIGURE:
                fresh = wall.builds.get(part, view).value
                assert viewer.part(part.panel, part.name) == fresh, part.slot


def test_a_touch_sends_only_what_follows_the_selection(wall):
    viewer = Viewer(wall.server.test_client())
    answer = viewer.sync(selection="11440")
    sent = set(sent_parts(answer))
    followers = {slot for slot, part in PARTS.items() if part.selection}
    assert sent <= followers and "6:district-detail" in sent and "2:air-map" in sent
    assert is_patch(sent_parts(answer)["2:air-map"])


def test_each_part_is_built_once_per_key_and_shared_between_viewers(wall):
    client = wall.server.test_client()
    first, second = Viewer(client), Viewer(client)
    new_data(wall)
    before = wall.builds.builds
    one = first.sync()
    built = wall.builds.builds - before
    assert built > 0
    two = second.sync()
    assert one.status == two.status == 200 and one.body == two.body
    assert wall.builds.builds - before == built  # the next viewer gets the same builds


def test_callbacks_never_call_the_source(wall):
    client = wall.server.test_client()
    calls = wall.poller.source.calls
    viewer = Viewer(client)
    viewer.sync(lang="en")
    viewer.sync(selection="11110")
    viewer.sync()
    assert wall.poller.source.calls == calls


def test_a_viewer_of_already_built_parts_reads_no_frame_data(wall, monkeypatch):
    client = wall.server.test_client()
    Viewer(client).sync(selection="11200")
    reads = []
    original = wall.store.data
    monkeypatch.setattr(wall.store, "data", lambda *args: reads.append(args) or original(*args))
    assert Viewer(client).sync(selection="11200").status == 200
    assert reads == []  # versions were enough: the builds were already made


@pytest.mark.parametrize(
    "inputs",
    [
        {"selection": "99999"},
        {"selection": {"code": "11440"}},
        {"lang": "jp"},
        {"when": "abc"},
        {"when": 12345.0},  # long before the history window
    ],
)
def test_a_made_up_input_answers_400_with_one_short_log_line(wall, inputs, caplog):
    viewer = Viewer(wall.server.test_client())
    before = wall.builds.builds
    with caplog.at_level(logging.WARNING):
        answer = viewer.sync(**inputs)
    assert answer.status == 400
    assert wall.builds.builds == before  # nothing was built for it, nothing evicted
    lines = [r for r in caplog.records if r.name.startswith(("callbacks", "dash", "flask", "werkzeug"))]
    assert len(lines) == 1 and lines[0].exc_info is None and len(lines[0].getMessage()) < 200


def test_an_unknown_part_answers_400(wall):
    viewer = Viewer(wall.server.test_client())
    body = viewer.body(ASK)
    body["outputs"][0].append({"id": {"kind": "figure", "panel": 2, "part": "made-up"}, "property": "figure"})
    response = viewer.client.post("/_dash-update-component", json=body)
    assert response.status_code == 400


def test_web_worker_reads_the_pollers_frames_through_redis(redis_url):
    """Scale-out: one process polls and writes to Redis; a web worker with its poller off serves
    the same versions and parts and never calls a source."""
    shared = {"cache_type": "RedisCache", "cache_redis_url": redis_url}
    poller_source, worker_source = ControlledSource(), ControlledSource()
    poller = wall_app.create_wall(Settings(wall_poller=True, **shared), source=poller_source)
    worker = wall_app.create_wall(Settings(wall_poller=False, **shared), source=worker_source)
    worker.read.ttl = 0
    poller.cache.clear()
    for feed in FEEDS:
        poller.poller.poll(feed)
    viewer = Viewer(worker.server.test_client())
    map_figure = viewer.part(2, "air-map")
    assert len(map_figure["data"]) >= 25
    assert worker.read.metas()["air"].version == poller.store.meta("air").version
    assert worker_source.calls == 0 and worker.poller.running is False


def test_answers_are_compressed_and_static_files_compressed_once(wall):
    client = wall.server.test_client()
    viewer = Viewer(client)
    new_data(wall)
    body = viewer.body(ASK)
    answer = client.post("/_dash-update-component", json=body, headers={"Accept-Encoding": "gzip"})
    assert answer.status_code == 200 and answer.headers["Content-Encoding"] == "gzip"

    bundle = next(
        path
        for path in (s.split('"')[1] for s in client.get("/").get_data(as_text=True).split("src=")[1:])
        if "dash_renderer" in path
    )
    compress = wall.server.extensions["compress"]
    first = client.get(bundle, headers={"Accept-Encoding": "br"})
    assert first.headers["Content-Encoding"] == "br"
    kept = compress.cache.get("br;" + bundle.split("?")[0])
    assert kept is not None and kept == first.get_data()
    second = client.get(bundle, headers={"Accept-Encoding": "br"})
    assert second.get_data() == kept  # the kept body, not a new compression
    asset = client.get("/assets/wall.js", headers={"Accept-Encoding": "gzip"})
    assert asset.headers["Content-Encoding"] == "gzip"
    assert compress.cache.get("gzip;/assets/wall.js") == asset.get_data()


def test_a_store_that_restarted_empty_never_lets_an_old_build_pass_for_a_new_frame(wall):
    viewer = Viewer(wall.server.test_client())
    before = wall.read.metas()["air"]
    wall.cache.clear()  # Redis restarted empty
    wall.poller.source.advance(3 * 3600)
    for feed in FEEDS:
        wall.poller.poll(feed)
    after = wall.read.metas()["air"]
    # Never the old number for the new content; and builds are known by content as well.
    assert after.version > before.version and after.digest != before.digest
    answer = viewer.sync()
    assert answer.status == 200 and "2:air-map" in sent_parts(answer)
    fresh = wall.builds.get(PARTS["2:air-map"], wall.read.view("ko", None, None)).value
    assert viewer.part(2, "air-map") == fresh
