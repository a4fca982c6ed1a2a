"""The phone view (/m): its builders, and its page and sync over HTTP on a served wall.

The phone is a second table of parts over the wall's own builders; a tile or the language button
is a link to the next address. Its page runs under the wall's page policy, draws no plot, and
ticks as cheaply as the wall: nothing new answers 204 with no body.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re

import pytest
from dash import dcc, html
from dash.development.base_component import Component

import app as wall_app
from benchmarks.dash_client import ASK, HttpClient, Viewer, walk
from dashboard.settings import Settings
from feeds import air
from feeds.demo import body_at
from feeds.districts import BY_CODE, DISTRICTS
from layouts import panels, summary, theme
from layouts.i18n import district_name, grade_name, t
from layouts.patches import plain
from layouts.phone import PHONE, PHONE_PARTS, address, district_tiles, share
from layouts.spec import FIGURE, HTML, OVERVIEW_FEEDS, PARTS
from tests.conftest import DEMO_MOMENT, ControlledSource
from tests.test_security import directives, page_scripts, raw_get

MAPO, GANGNAM = "11440", "11680"
# A CAI in each grade's band, and one past the top: every grade and its colour appears.
CAI_BY_GRADE = {"좋음": 40.0, "보통": 80.0, "나쁨": 150.0, "매우나쁨": 300.0}


def components(node):
    """Every Dash component in a tree of children."""
    if isinstance(node, Component):
        yield node
        yield from components(getattr(node, "children", None))
    elif isinstance(node, (list, tuple)):
        for child in node:
            yield from components(child)


def texts(node) -> list[str]:
    """The texts of a tree, in order."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, Component):
        return texts(getattr(node, "children", None))
    if isinstance(node, (list, tuple)):
        return [text for child in node for text in texts(child)]
    return []


@pytest.fixture(scope="module")
def air_frame():
    """The demo city's air at the pinned moment, with a CAI of every grade in turn and Gangnam's
    row missing (a district the frame has no row for)."""
    frame = air.parse(body_at(7, DEMO_MOMENT, "json", "RealtimeCityAir", 1, 25))
    cais = list(CAI_BY_GRADE.values())
    frame = frame.assign(cai=[cais[n % len(cais)] for n in range(len(frame))])
    return frame[frame["district_code"] != GANGNAM].reset_index(drop=True)


# --- the address, the tiles, the share link -------------------------------------------------------


def test_the_address_says_the_district_and_only_a_language_other_than_korean():
    assert address(None, "ko") == "/m"
    assert address(None, "en") == "/m?lang=en"
    assert address(MAPO, "ko") == "/m?district=11440"
    assert address(MAPO, "en") == "/m?district=11440&lang=en"
    assert address(MAPO, None) == "/m?district=11440"


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_district_is_a_link_worded_and_coloured_by_its_grade(air_frame, lang):
    tiles = district_tiles(air_frame, None, MAPO, lang)
    assert len(tiles) == 25 and all(isinstance(tile, dcc.Link) for tile in tiles)
    cai = air_frame.set_index("district_code")["cai"]
    for district, tile in zip(DISTRICTS, tiles, strict=True):
        name, word, value = texts(tile.children)
        assert name == district_name(district.code, lang)
        assert tile.href == address(district.code, lang)
        if district.code == GANGNAM:  # no row: said, in the no-data colour
            assert (word, value) == (t("no_data", lang), "")
            assert tile.style["--grade"] == theme.NO_DATA
            continue
        grade = summary.grade("cai", cai[district.code])
        assert word == grade_name(grade, lang)  # the grade in words, not in colour alone
        assert value == f"CAI {cai[district.code]:.0f}"
        assert tile.style["--grade"] == theme.GRADE_COLORS[grade]
    words = {texts(tile.children)[1] for tile in tiles}
    assert {grade_name(grade, lang) for grade in CAI_BY_GRADE} <= words
    chosen = [tile for tile in tiles if "chosen" in tile.className.split()]
    assert [tile.href for tile in chosen] == [address(MAPO, lang)]


def test_the_selected_district_links_back_to_the_city_view(air_frame):
    tiles = {tile.href: tile for tile in district_tiles(air_frame, MAPO, MAPO, "en")}
    assert address(MAPO, "en") not in tiles
    back = tiles[address(None, "en")]
    assert texts(back.children)[0] == "Mapo-gu" and "chosen" in back.className
    assert len(tiles) == 25  # every other tile still leads to its own district


def test_no_air_frame_still_lists_every_district_as_no_data():
    tiles = district_tiles(None, None, None, "ko")
    assert len(tiles) == 25
    assert {texts(tile.children)[1] for tile in tiles} == {t("no_data", "ko")}


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_share_link_is_the_districts_phone_address_in_no_language(lang):
    link, note = share(MAPO, lang)
    assert isinstance(link, html.A) and link.href == "/m?district=11440"
    assert link.children == t("share", lang)
    assert link.title == t("share_title", lang, district=district_name(MAPO, lang))
    assert getattr(link, "data-copied") == t("share_copied", lang)
    assert getattr(link, "data-failed") == t("share_copy_failed", lang)
    assert note.role == "status"
    assert share(None, lang) == []  # nothing to share without a district


# --- the parts: HTML only, the wall's own builders ----------------------------------------------


@pytest.fixture
def wall():
    wall = wall_app.create_wall(Settings(wall_poller=False), source=ControlledSource())
    wall.read.ttl = 0  # the polls below are read at once, not after the read model's second
    for feed in ("air", "traffic", "incidents"):
        wall.poller.poll(feed)
    return wall


# The wall's parts the phone shows as they are: the same builder, the same inputs.
REUSED = {"status": "1:status", "headlines": "1:headlines", "alerts": "1:alerts"}
REUSED["district-detail"] = "6:district-detail"


def test_the_phone_reuses_the_walls_builders_for_what_both_show():
    for name, slot in REUSED.items():
        phone, wall = PHONE_PARTS[f"{PHONE}:{name}"], PARTS[slot]
        assert phone.build is wall.build, name
        for field in ("kind", "feeds", "selection", "moment", "status", "clock"):
            assert getattr(phone, field) == getattr(wall, field), (name, field)
    assert PHONE_PARTS[f"{PHONE}:incident-list"].clock is PARTS["5:incident-list"].clock


@pytest.mark.parametrize(("lang", "selection"), [("ko", None), ("en", MAPO)])
def test_every_phone_part_is_html_and_draws_no_figure(wall, lang, selection):
    view = wall.read.view(lang, selection, None)
    for part in PHONE_PARTS.values():
        assert part.kind == HTML and part.panel == PHONE, part.slot
        built = part.build(view)
        graphs = [c for c in components(built) if isinstance(c, dcc.Graph)]
        assert graphs == [], part.slot
        assert '"figure"' not in json.dumps(wall.phone_builds.get(part, view).value), part.slot
    # The wall's figures have no place on the phone.
    assert not {slot.split(":")[1] for slot, p in PARTS.items() if p.kind == FIGURE} & {
        p.name for p in PHONE_PARTS.values()
    }


def test_the_phone_lists_every_open_incident_where_the_wall_has_room_for_five(wall):
    view = wall.read.view("ko", None, None)
    incidents = view.frame("incidents")
    assert len(incidents) > 5  # the pinned evening has more open than the wall shows
    on_phone = PHONE_PARTS[f"{PHONE}:incident-list"].build(view)
    assert len(on_phone) == len(incidents)
    assert plain(on_phone[:5]) == plain(PARTS["5:incident-list"].build(view))  # the wall's, then the rest
    assert plain(on_phone) == plain(
        panels.incident_list(incidents, view.chosen, "ko", view.moment, limit=None)
    )


def test_the_detail_and_the_share_link_follow_the_chosen_district(wall):
    city = wall.read.view("en", None, None)
    worst = summary.worst_district(city.frame("air"))
    detail = PHONE_PARTS[f"{PHONE}:district-detail"].build(city)
    assert district_name(worst, "en") in texts(detail)
    assert PHONE_PARTS[f"{PHONE}:share"].build(city)[0].href == f"/m?district={worst}"
    mapo = wall.read.view("en", MAPO, None)
    assert "Mapo-gu" in texts(PHONE_PARTS[f"{PHONE}:district-detail"].build(mapo))
    assert PHONE_PARTS[f"{PHONE}:share"].build(mapo)[0].href == "/m?district=11440"
    language = PHONE_PARTS[f"{PHONE}:language"].build(mapo)
    assert language.href == "/m?district=11440" and language.children == "한국어"


# --- over HTTP: the page, its layout, its sync --------------------------------------------------


class PhoneViewer(Viewer):
    """One phone over HTTP: what its page holds and the sync its renderer posts, as the wall's
    viewer does; the phone's sync has its own outputs (read from the phone app's callbacks)."""

    def __init__(self, base: str, phone_app):
        self.client = HttpClient(base + "/m")
        self.props = walk(self.client.get("/_dash-layout").get_json(), {})
        output = next(name for name, cb in phone_app.callback_map.items() if "held.data" in name)
        callback = phone_app.callback_map[output]
        self.spec = {"output": output, "inputs": callback["inputs"], "state": callback["state"]}
        self.ticks = 0


def sent_slots(answer) -> set[str]:
    found = set()
    for component in answer.body["response"]:
        if component.startswith("{"):
            key = json.loads(component)
            found.add(f"{key['panel']}:{key['part']}")
    return found


@pytest.fixture
def served(live_wall):
    """A served wall whose read model sees every poll at once (not after its one-second sharing)."""
    live_wall.wall.read.ttl = 0
    return live_wall


def test_the_phone_page_answers_at_m_and_m_slash_under_the_page_policy(served):
    wall_page = HttpClient(served.url).get("/")
    for path in ("/m", "/m/"):
        page = HttpClient(served.url).get(path)
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html"), path
        policy = page.headers["Content-Security-Policy"]
        assert policy == wall_page.headers["Content-Security-Policy"], path  # the one page policy
        script_src = directives(policy)["script-src"]
        assert script_src[0] == "'self'" and "'unsafe-inline'" not in script_src
        body = page.get_data().decode()
        scripts = page_scripts(body)
        assert scripts.inline, path
        for script in scripts.inline:  # each inline script the phone page runs is allowed by hash
            digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
            assert f"'sha256-{digest}'" in script_src, (path, script[:80])
        files = scripts.sources + re.findall(r'<link[^>]+href="([^"]+)"', body)
        assert not [f for f in files if "plotly" in f.lower()], path  # the phone draws no plot
        assert any("/m/assets/phone.css" in f for f in files) and any(
            "/m/assets/phone.js" in f for f in files
        )
        assert not any("wall.css" in f for f in files), path
        assert any("/m/assets/wall.js" in f for f in files) and any("connection.js" in f for f in files)


def test_the_phone_layout_carries_the_city_and_the_tokens_of_what_it_holds(served):
    layout = HttpClient(served.url + "/m").get("/_dash-layout")
    assert layout.status_code == 200
    props = walk(layout.get_json(), {})

    def part(name: str):
        return props[json.dumps({"kind": "html", "panel": PHONE, "part": name}, separators=(",", ":"))]

    tiles = part("districts")["children"]
    assert len(tiles) == 25 and {tile["props"]["href"] for tile in tiles} == {
        address(code, "ko") for code in BY_CODE
    }
    numbers = json.dumps(part("headlines")["children"], ensure_ascii=False)
    assert re.search(r'"\d+"', numbers) and t("avg_speed", "ko") in numbers
    statuses = part("status")["children"]
    assert len(statuses) == len(OVERVIEW_FEEDS)
    assert all("status-ok" in s["props"]["className"] for s in statuses)
    incidents = part("incident-list")["children"]
    assert len(incidents) == len(served.wall.read.view("ko", None, None).frame("incidents"))
    assert set(props["held"]["data"]) == set(PHONE_PARTS)  # a token for every part the page holds


def test_a_phone_tick_with_nothing_new_answers_204_and_a_tap_sends_only_what_follows(served):
    phone = PhoneViewer(served.url, served.wall.phone)
    tick = phone.sync()
    assert tick.status == 204 and tick.raw == b""  # the page came with everything: no body at all
    assert phone.sync().status == 204
    tap = phone.sync(selection=MAPO)
    assert tap.status == 200
    followers = {slot for slot, p in PHONE_PARTS.items() if p.selection}
    assert f"{PHONE}:district-detail" in sent_slots(tap) <= followers
    assert "Mapo" in json.dumps(phone.part(PHONE, "district-detail"))
    assert phone.sync().status == 204  # and then nothing until the next change
    english = phone.sync(lang="en")
    assert english.status == 200 and english.body["response"]["phone"] == {"lang": "en"}
    assert t("phone_detail", "en") in json.dumps(phone.part(PHONE, "detail-title"))


def test_a_phone_sync_posted_to_the_wall_is_refused(served):
    phone = PhoneViewer(served.url, served.wall.phone)
    answer = HttpClient(served.url).post("/_dash-update-component", json=phone.body(ASK))
    assert answer.status_code == 400 and set(answer.get_json()) == {"error"}


def phone_bad_bodies(good: dict) -> dict[str, str]:
    """Sync bodies no phone sends, from a real one (JSON text each)."""

    def changed(name: str, value) -> str:
        body = json.loads(json.dumps(good))
        for item in (*body["inputs"], *body["state"]):
            if f"{item['id']}.{item['property']}" == name:
                item["value"] = value
        return json.dumps(body)

    return {
        "null": "null",
        "not JSON": "{'output': ",
        "10 000 levels deep": "[" * 10_000 + "]" * 10_000,
        "the phone's clientside output": json.dumps({**good, "output": "..selection.data...lang.data.."}),
        "an unknown output": json.dumps({**good, "output": "made-up.children"}),
        "a moment, which phones have not": json.dumps(
            {**good, "state": [*good["state"], {"id": "when", "property": "data", "value": None}]}
        ),
        "selection made up": changed("selection.data", "99999"),
        "selection a list": changed("selection.data", [MAPO]),
        "language made up": changed("lang.data", "fr"),
        "held a list": changed("held.data", ["token"]),
        "ask text": changed(ASK, "abc"),
    }


def test_a_bad_body_to_the_phone_answers_400_with_one_short_line(served, caplog):
    phone = PhoneViewer(served.url, served.wall.phone)
    client = HttpClient(served.url + "/m")
    builds = served.wall.phone_builds.builds
    for name, body in phone_bad_bodies(phone.body(ASK)).items():
        caplog.clear()
        with caplog.at_level(logging.INFO):
            answer = client.post("/_dash-update-component", data=body, content_type="application/json")
        assert answer.status_code == 400, (name, answer.status_code, answer.get_data()[:200])
        assert set(answer.get_json()) == {"error"}, name
        lines = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(lines) == 1 and lines[0].exc_info is None, (name, lines)
        assert len(lines[0].getMessage()) < 120 and "99999" not in lines[0].getMessage(), name
    assert served.wall.phone_builds.builds == builds  # nothing was built for any of them
    assert phone.sync().status == 204  # and the real phone goes on
    assert served.errors.records == []


@pytest.mark.parametrize(
    "path",
    [
        "/m/_dash-component-suites/../x",
        "/m/_dash-component-suites/dash/../../../etc/passwd",
        "/m/_dash-component-suites/dash/%2e%2e/%2e%2e/dash.py",
        "/m/_dash-component-suites/dash/missing.js",
        "/m/assets/../app.py",
        "/m/assets/missing.css",
    ],
)
def test_paths_under_the_phones_file_folders_that_name_no_file_answer_404(served, path):
    HttpClient(served.url).get("/m")  # Dash knows its bundles once it has served a page
    status, body, _ = raw_get(served.url, path)
    assert status == 404, (path, status, body[:200])
    assert "Traceback" not in body and "registered" not in body
    assert served.errors.records == []


def test_the_phones_own_files_are_served(served):
    client = HttpClient(served.url)
    for name in ("phone.css", "phone.js", "wall.js", "connection.js"):
        assert client.get(f"/m/assets/{name}").status_code == 200, name
