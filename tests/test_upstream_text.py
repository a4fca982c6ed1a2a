"""Upstream text is data everywhere: markup in a feed's words is shown as the words it is.

The wall's text comes from an upstream (or a mirror, or a recording) it does not control. Plotly
reads the texts it draws as its own markup (<a href>, <span style>, <br>, entities); Dash's HTML
components escape. A feed whose incident description holds a link, whose incident type is an
unknown code holding a styled span and whose station word holds markup must show them as inert
text in every figure and panel.
"""

from __future__ import annotations

import json
import logging
from xml.sax.saxutils import escape

import pytest
from pyproj import Transformer
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By

import app as wall_app
from dashboard.settings import Settings
from feeds import incidents
from feeds.districts import BY_CODE
from layouts import figures, panels
from layouts.spec import FIGURE, PARTS
from tests.browser import console_errors, open_wall, wait_for
from tests.conftest import DEMO_MOMENT, ControlledSource, serve
from tests.test_layouts import texts

LINK = '<a href="https://evil.example/x">x</a>'
HOSTILE_TYPE = '<span style="font-size:150px;fill:red">A99</span>'
HOSTILE_DESCRIPTION = f"{LINK} Tom &amp; Jerry<br>second line"
HOSTILE_WORD = '<a href="https://evil.example/w">점검</a><br>'
YONGSAN, MAPO = "11170", "11440"
RAW_MARKUP = ("<a ", "</a>", "<span", "</span>")  # <b> and <br> are the wall's own too: see the labels
TO_EPSG5181 = Transformer.from_crs("EPSG:4326", "EPSG:5181", always_xy=True)


def hostile_incident() -> str:
    """An AccInfo row in Mapo, opened a minute before the pinned moment, of an unknown type."""
    district = BY_CODE[MAPO]
    x, y = TO_EPSG5181.transform(district.lon, district.lat)
    fields = {
        "acc_id": "666000001",
        "occr_date": "20261119",
        "occr_time": "1829",
        "exp_clr_date": "",
        "exp_clr_time": "",
        "acc_type": HOSTILE_TYPE,
        "acc_dtype": "99B99",
        "link_id": "1000000000",
        "grs80tm_x": f"{x:.2f}",
        "grs80tm_y": f"{y:.2f}",
        "acc_info": HOSTILE_DESCRIPTION,
        "acc_road_code": "",
    }
    return "<row>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in fields.items()) + "</row>"


class HostileSource(ControlledSource):
    """The demo city with an upstream that writes markup: in an incident and a station's word."""

    def fetch(self, fmt, service, start, end, *filters):
        body = super().fetch(fmt, service, start, end, *filters)
        if service == "AccInfo":
            return body.replace("</AccInfo>", hostile_incident() + "</AccInfo>")
        if service == "RealtimeCityAir":
            document = json.loads(body)
            for row in document["RealtimeCityAir"]["row"]:
                if row["MSRSTN_NM"] == BY_CODE[YONGSAN].name:
                    row["CAI_GRD"] = HOSTILE_WORD
            return json.dumps(document, ensure_ascii=False)
        return body


@pytest.fixture
def hostile_wall():
    """A wall polled once from the hostile upstream (history on, so the timeline has the type)."""
    wall = wall_app.create_wall(Settings(wall_tick=1.0, wall_poller=False), source=HostileSource())
    wall.read.ttl = 0  # the test reads right after its polls, faster than the read model shares reads
    wall.poller.warm_up()
    for feed in ("air", "traffic", "incidents"):
        wall.poller.poll(feed)
    return wall


def strings(node) -> list[str]:
    """Every string in a figure's JSON: the texts plotly draws are among them."""
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for value in node.values() for s in strings(value)]
    if isinstance(node, (list, tuple)):
        return [s for value in node for s in strings(value)]
    return []


def test_plotly_markup_in_data_is_escaped_to_literal_text():
    assert figures.escaped(LINK) == '&lt;a href="https://evil.example/x"&gt;x&lt;/a&gt;'
    assert figures.escaped(HOSTILE_TYPE) == '&lt;span style="font-size:150px;fill:red"&gt;A99&lt;/span&gt;'
    assert figures.escaped("a<br>b") == "a&lt;br&gt;b"
    # Plotly turns entities into characters: an upstream "&amp;" must stay "&amp;" on screen.
    assert figures.escaped("Tom &amp; Jerry") == "Tom &amp;amp; Jerry"
    assert figures.escaped("종로구") == "종로구"


def test_an_unknown_incident_type_is_shown_as_its_code():
    frame = incidents.parse(
        '<?xml version="1.0" encoding="UTF-8"?><AccInfo><list_total_count>1</list_total_count>'
        "<RESULT><CODE>INFO-000</CODE><MESSAGE>ok</MESSAGE></RESULT>"
        + hostile_incident().replace(escape(HOSTILE_TYPE), "A99")
        + "</AccInfo>"
    )
    row = frame.iloc[0]
    assert (row["type_code"], row["type"], row["type_en"]) == ("A99", "A99", "A99")
    for lang in ("ko", "en"):
        listed = texts(panels.incident_list(frame, None, lang, DEMO_MOMENT))
        assert "A99" in listed


def test_every_figure_shows_upstream_markup_as_text(hostile_wall):
    shown = hostile_wall.read.view("en", None, None)
    # The upstream's text reached the frames as it was written: the test has something to catch.
    assert HOSTILE_DESCRIPTION in set(shown.frame("incidents")["description"])
    assert HOSTILE_TYPE in set(shown.frame("incidents")["type_code"])
    assert HOSTILE_WORD in set(shown.frame("air")["note"])
    figure_parts = [part for part in PARTS.values() if part.kind == FIGURE]
    for lang in ("ko", "en"):
        for selection in (None, YONGSAN, MAPO):
            view = hostile_wall.read.view(lang, selection, None)
            for part in figure_parts:
                figure = hostile_wall.builds.get(part, view).value
                for text in strings(figure):
                    assert not any(raw in text for raw in RAW_MARKUP), (part.slot, text)

        view = hostile_wall.read.view(lang, None, None)
        built = {part.slot: hostile_wall.builds.get(part, view).value for part in figure_parts}
        word = figures.escaped(HOSTILE_WORD)
        # The selected district's label is placed first: a long word may leave others out, not it.
        chosen = hostile_wall.builds.get(
            PARTS["2:air-map"], hostile_wall.read.view(lang, YONGSAN, None)
        ).value
        labels = next(t for t in chosen["data"] if t.get("uid") == "geo-labels")
        name = figures.map_name(YONGSAN, lang)
        assert labels["text"][list(BY_CODE).index(YONGSAN)] == f"<b>{name}</b><br>{word}"
        ranking = built["3:air-ranking"]["data"][0]["text"]
        assert any(word in text for text in ranking)
        legend = [trace.get("name") for trace in built["5:incident-timeline"]["data"]]
        assert figures.escaped(HOSTILE_TYPE) in legend
        # The incident map draws markers only: no text of an incident reaches it at all.
        markers = next(t for t in built["5:incident-map"]["data"] if t.get("uid") == "incidents")
        assert not {"text", "hovertext", "hovertemplate", "name"} & set(markers)
        assert markers["hoverinfo"] == "none"


def test_the_html_panels_show_upstream_markup_as_text(hostile_wall):
    for lang in ("ko", "en"):
        view = hostile_wall.read.view(lang, MAPO, None)
        for slot in ("5:incident-list", "6:district-detail"):
            shown = texts(PARTS[slot].build(view))
            assert HOSTILE_DESCRIPTION in shown and HOSTILE_TYPE in shown, slot


@pytest.mark.browser
def test_hostile_upstream_text_is_inert_in_the_browser(hostile_wall, browser_factory, artifacts):
    refused = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = lambda record: refused.append(record.getMessage())
    logging.getLogger("callbacks").addHandler(handler)
    url, shutdown = serve(hostile_wall)
    try:
        driver = browser_factory(5760, 2160)
        open_wall(driver, url + "/?district=" + MAPO)
        wait_for(
            driver,
            lambda d: "Tom &amp; Jerry" in d.find_element(By.CSS_SELECTOR, ".part-incident-list").text,
            message="the hostile incident never reached the list",
        )
        listed = driver.find_element(By.CSS_SELECTOR, ".part-incident-list").text
        assert LINK in listed and HOSTILE_TYPE in listed
        legend = wait_for(
            driver,
            lambda d: [
                el
                for el in d.find_elements(By.CSS_SELECTOR, ".part-incident-timeline .legendtext")
                if "A99" in el.get_attribute("textContent")
            ],
            message="the unknown type never reached the timeline's legend",
        )[0]
        assert legend.get_attribute("textContent") == HOSTILE_TYPE
        assert legend.size["height"] < 40  # the legend's own 18 px font, not a 150 px span
        # The ranking names 용산구's word as text: no link, no line break of the provider's.
        label = wait_for(
            driver,
            lambda d: [
                el.get_attribute("textContent")
                for el in d.find_elements(By.CSS_SELECTOR, ".part-air-ranking .bartext")
                if "evil.example" in el.get_attribute("textContent")
            ],
            message="the ranking never showed 용산구's word",
        )[0]
        assert label.endswith(HOSTILE_WORD)  # as text, after the wall's own words
        assert not driver.find_elements(By.CSS_SELECTOR, ".part-air-ranking a, .part-air-map a")
        # A finger over every incident marker: the map shows no hover label.
        for point in driver.find_elements(By.CSS_SELECTOR, ".part-incident-map .scatterlayer .point"):
            ActionChains(driver).move_to_element(point).pause(0.05).perform()
            assert driver.find_elements(By.CSS_SELECTOR, ".part-incident-map .hoverlayer .hovertext") == []
        driver.save_screenshot(str(artifacts / "upstream_text_inert.png"))
        driver.find_element(By.ID, "panel-5").screenshot(str(artifacts / "upstream_text_inert_panel_5.png"))
        links = driver.execute_script(
            """return Array.from(document.querySelectorAll('a')).map(a => (a.getAttribute('href') || '')
                + (a.getAttributeNS('http://www.w3.org/1999/xlink', 'href') || ''))"""
        )
        assert not [link for link in links if "evil.example" in link]
        styled = driver.execute_script(
            'return document.querySelectorAll(\'[style*="150px"], [style*="fill:red"]\').length'
        )
        assert styled == 0
        assert console_errors(driver) == []
        assert not [line for line in refused if "refused a callback" in line]
    finally:
        shutdown()
        logging.getLogger("callbacks").removeHandler(handler)
