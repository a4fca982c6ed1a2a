"""The wall in headless Chromium, as a person in front of the six screens sees it."""

from __future__ import annotations

import json
import time

import pytest
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

import app as wall_app
from dashboard.settings import Settings
from feeds.districts import BY_CODE
from feeds.envelope import result_error
from layouts import summary
from tests.browser import (
    console_errors,
    detail_name,
    open_wall,
    page_state,
    settles,
    shapes_drawn,
    shoot,
    text_of,
    touch_district,
    wait_for,
)
from tests.conftest import serve
from tests.fake_seoul import FakeSeoul

pytestmark = pytest.mark.browser


def test_wall_shows_six_panels_with_data(live_wall, browser_factory, artifacts):
    driver = browser_factory(5760, 2160)
    open_wall(driver, live_wall.url + "/")
    # The clock and every panel's "as of 18:30 · 3 min ago", ticked by the page once a second.
    wait_for(
        driver,
        lambda d: all(
            ("전" in s or "방금" in s) for s in (text_of(d, f"panel-{n}-status") for n in range(1, 7))
        ),
        message="the panels' ages were never ticked",
    )

    panels = driver.find_elements(By.CSS_SELECTOR, ".panel")
    assert len(panels) == 6
    sizes = {(p.size["width"], p.size["height"]) for p in panels}
    assert sizes == {(1920, 1080)}, sizes

    # 1: clock, headline figures and the alert strip
    assert ":" in text_of(driver, "wall-clock")
    headlines = text_of(driver, "overview-headlines")
    assert "가장 나쁜 대기" in headlines and "km/h" in headlines and "진행 중인 사고" in headlines
    assert "—" not in driver.find_element(By.CSS_SELECTOR, ".tile-air .tile-value").text
    assert driver.find_elements(By.CSS_SELECTOR, ".part-alerts .alert")
    # 2: the 25 district shapes, coloured by grade, with the legend
    assert shapes_drawn(driver, "air-map") >= 25
    assert "좋음" in text_of(driver, "air-legend")
    # 3: a bar per district and a trend with more than one point
    assert (
        driver.execute_script("return document.querySelectorAll('.part-air-ranking .bars .point').length")
        == 25
    )
    trend_points = driver.execute_script(
        "return document.querySelectorAll('.part-air-trend .scatterlayer .points path').length"
    )
    assert trend_points > 10
    # 4: road links drawn and district averages
    assert (
        driver.execute_script(
            "return document.querySelectorAll('.part-traffic-map .scatterlayer .js-line').length"
        )
        > 25
    )
    assert "km/h" in text_of(driver, "traffic-summary")
    # As many districts as have a line of their own at the wall's smallest text (the slowest).
    assert (
        driver.execute_script(
            "return document.querySelectorAll('.part-traffic-districts .bars .point').length"
        )
        >= 7
    )
    # 4 and 5: trends from history: today's speed, and incidents opened per hour by type
    assert (
        driver.execute_script(
            "return document.querySelectorAll('.part-traffic-trend .scatterlayer .trace').length"
        )
        >= 1
    )
    assert (
        driver.execute_script(
            "return document.querySelectorAll('.part-incident-timeline .bars .point').length"
        )
        >= 1
    )
    # 5: incidents on the map and in the list, each with time, district and status
    rows = driver.find_elements(By.CSS_SELECTOR, ".part-incident-list .incident")
    assert rows, "no incident listed"
    assert "처리 중" in rows[0].text
    # 6: the selected district, defaulting to the worst air
    assert "자동 선택" in text_of(driver, "district-detail")

    # Every panel says how old its data is and that it is live.
    for n in range(1, 7):
        status = text_of(driver, f"panel-{n}-status")
        assert "정상" in status and "기준" in status and ("전" in status or "방금" in status), (n, status)

    # Drawn with plotly.js's basic bundle (deploy/fetch-plotly-basic.sh), never the full 4.8 MB one.
    loaded = driver.execute_script("return performance.getEntriesByType('resource').map(r => r.name)")
    assert any("/assets/vendor/plotly-basic.min.js" in name for name in loaded), loaded
    assert not any("package_data/plotly.min.js" in name for name in loaded)

    driver.save_screenshot(str(artifacts / "wall_canvas.png"))
    assert console_errors(driver) == []
    assert live_wall.errors.records == []


def test_clicking_a_district_selects_it_everywhere(live_wall, browser_factory, artifacts):
    driver = browser_factory(5760, 2160)
    open_wall(driver, live_wall.url + "/")
    target = BY_CODE["11440"]  # 마포구
    touch_district(driver, target.name)

    wait_for(
        driver,
        lambda d: d.find_element(By.CSS_SELECTOR, ".part-district-detail .detail-name").text == target.name,
        message="panel 6 did not follow the touch",
    )
    assert "다시 누르면" in text_of(driver, "district-detail")
    # The selected district is outlined in white on every map.
    for graph in ("air-map", "traffic-map", "incident-map"):
        wait_for(
            driver,
            lambda d, g=graph: d.execute_script(
                "const gd = document.querySelector('.part-' + arguments[0] + ' .js-plotly-plot');"
                "return gd && gd.data.some("
                "    t => t.uid === 'geo-district-' + arguments[1] && t.line.width > 5);",
                g,
                target.code,
            ),
            message=f"{graph} does not outline {target.name}",
        )
    driver.save_screenshot(str(artifacts / "wall_selected.png"))

    # Touching it again returns to the city view (the worst district, auto-selected).
    driver.find_element(By.ID, "city-view").click()
    wait_for(driver, lambda d: "자동 선택" in text_of(d, "district-detail"))
    assert console_errors(driver) == []


def test_wall_scales_to_a_laptop_window_without_scrollbars(live_wall, browser_factory, artifacts):
    driver = browser_factory(1440, 900)
    open_wall(driver, live_wall.url + "/")

    def canvas(d):
        return d.execute_script(
            "const r = document.getElementById('wall-canvas').getBoundingClientRect();"
            "return [r.left, r.top, r.width, r.height, document.documentElement.scrollWidth,"
            " document.documentElement.scrollHeight, innerWidth, innerHeight];"
        )

    wait_for(driver, lambda d: abs(canvas(d)[2] - canvas(d)[6]) <= 2, message="the wall was never fitted")
    box = canvas(driver)
    left, top, width, height, scroll_w, scroll_h, inner_w, inner_h = box
    assert scroll_w <= inner_w and scroll_h <= inner_h
    assert width == pytest.approx(inner_w, abs=2) and height == pytest.approx(inner_w * 2160 / 5760, abs=2)
    assert left >= 0 and top >= 0 and top + height <= inner_h + 1
    driver.save_screenshot(str(artifacts / "wall_laptop.png"))


def test_english_url_shows_english_labels(live_wall, browser_factory):
    driver = browser_factory(5760, 2160)
    driver.get(live_wall.url + "/?lang=en")
    wait_for(driver, lambda d: text_of(d, "panel-2-title") == "Air quality by district")
    wait_for(driver, lambda d: "as of" in text_of(d, "panel-2-status"))
    assert "Worst air" in text_of(driver, "overview-headlines")
    assert console_errors(driver) == []


def test_failing_air_feed_shows_error_and_keeps_last_data(live_wall, browser_factory, artifacts):
    driver = browser_factory(5760, 2160)
    open_wall(driver, live_wall.url + "/")
    live_wall.source.failure = result_error("ERROR-500")
    live_wall.wall.poller.poll("air")

    wait_for(
        driver, lambda d: "오류" in text_of(d, "panel-2-status"), message="air panel never showed the error"
    )
    assert "ERROR-500" in text_of(driver, "panel-2-status")
    wait_for(driver, lambda d: "ERROR-500" in text_of(d, "overview-alerts"))
    assert shapes_drawn(driver, "air-map") >= 25  # the last good map stays on the wall
    assert "나쁨" in text_of(driver, "air-legend")
    driver.save_screenshot(str(artifacts / "wall_air_error.png"))

    live_wall.source.failure = None
    live_wall.wall.poller.poll("air")
    wait_for(driver, lambda d: "정상" in text_of(d, "panel-2-status"), message="air panel never recovered")
    assert "ERROR-500" not in text_of(driver, "overview-alerts")
    assert console_errors(driver) == []


def attract_state(driver) -> str:
    """What a stuck tour leaves on the page, for the failure message: the drawn district, the hint,
    the idle time, and the page's link (its sync, the last answers, the console)."""
    page = driver.execute_script(
        "const drawn = document.querySelector('.part-district-detail [data-code]');"
        "return {drawn: drawn && drawn.dataset.code,"
        " hint: (document.getElementById('attract-hint') || {}).className,"
        " idle: window.wallIdleSeconds && window.wallIdleSeconds()};"
    )
    return json.dumps(page, ensure_ascii=False) + " " + page_state(driver)


def hint_shown(driver) -> bool:
    return "visible" in driver.find_element(By.ID, "attract-hint").get_attribute("class")


def test_attract_loop_tours_when_idle_and_stops_at_a_touch(live_wall_factory, browser_factory, artifacts):
    # Short times, waited on by the tour's state; the idle time is still longer than a touch takes
    # to be drawn on a loaded machine, which the tour must not overtake.
    idle = 6
    live = live_wall_factory(wall_attract_idle=idle, wall_attract_dwell=1.5)
    driver = browser_factory(5760, 2160)
    open_wall(driver, live.url + "/")
    tour = [
        BY_CODE[s["district_code"]].name
        for s in summary.tour(*(live.wall.store.frame(f).data for f in ("air", "traffic", "incidents")))
    ]
    assert len(tour) >= 3

    wait_for(driver, hint_shown, message="the attract loop never started")
    shown = set()

    def three_stops(d) -> bool:
        shown.add(detail_name(d))  # a name read mid-render is ""
        return len(shown & set(tour)) >= 3

    try:
        # A stop is left once drawn, or after three dwells more: on a loaded machine a render can lag.
        wait_for(driver, three_stops)
    except TimeoutException:
        shoot(driver, artifacts / "wall_attract_stuck.png")
        pytest.fail(f"the tour showed {shown} of {tour}; the page: {attract_state(driver)}")

    # A touch on a district hands control back at once and selects what was touched.
    target = BY_CODE["11500"]  # 강서구
    touch_district(driver, target.name)
    wait_for(driver, lambda d: detail_name(d) == target.name, message="the touch did not select")
    # The touched district stays until the wall has been left alone for the idle time again.
    held = []

    def resumed(d) -> bool:
        if hint_shown(d):
            return True
        held.append(detail_name(d))
        return False

    wait_for(driver, resumed, message="the tour never came back after the touch")
    assert driver.execute_script("return window.wallIdleSeconds()") >= idle
    assert {name for name in held if name} == {target.name}, held
    assert console_errors(driver) == []


def test_bezel_setting_keeps_panels_off_the_screen_edges(live_wall_factory, browser_factory):
    live = live_wall_factory(wall_bezel=40)
    driver = browser_factory(5760 + 80, 2160 + 40)
    open_wall(driver, live.url + "/")

    def panels(d):
        boxes = d.execute_script(
            "return [...document.querySelectorAll('.panel')].map(p => {"
            "const r = p.getBoundingClientRect(); return [r.left, r.top, r.width, r.height];});"
        )
        return (
            sorted({round(b[0]) for b in boxes}),
            sorted({round(b[1]) for b in boxes}),
            sorted({(round(b[2]), round(b[3])) for b in boxes}),
        )

    settles(driver, panels, ([0, 1960, 3920], [0, 1120], [(1920, 1080)]))


@pytest.mark.parametrize("key_is_valid", [True, False], ids=["valid-key", "invalid-key"])
def test_wall_on_the_seoul_api(key_is_valid, browser_factory, artifacts):
    """The wall on a fake Seoul API over loopback: data with a good key, a clear reason with a bad one."""
    fake = FakeSeoul(clock=time.time)
    key = fake.key if key_is_valid else "NOT-THE-RIGHT-KEY-42"
    settings = Settings(
        wall_source="seoul", seoul_api_key=key, seoul_api_base_url=fake.url, wall_tick=1.0, wall_poller=False
    )
    wall = wall_app.create_wall(settings)
    for feed in ("air", "traffic", "incidents"):
        wall.poller.poll(feed)
    url, shutdown = serve(wall)
    try:
        driver = browser_factory(5760, 2160)
        driver.get(url + "/")
        if key_is_valid:
            open_wall(driver, url + "/")
            assert "정상" in text_of(driver, "panel-4-status")
        else:
            wait_for(driver, lambda d: "오류" in text_of(d, "panel-2-status"), message="no error shown")
            for n in range(1, 7):
                assert "오류" in text_of(driver, f"panel-{n}-status")
            assert "INFO-100: 인증키가 유효하지 않습니다" in text_of(driver, "overview-alerts")
            assert "데이터를 기다리는 중입니다" in text_of(driver, "incident-list")
            driver.save_screenshot(str(artifacts / "wall_invalid_key.png"))
        assert key not in driver.page_source
        assert console_errors(driver) == []
    finally:
        shutdown()
        fake.stop()


def test_time_machine_shows_the_recorded_past_unmistakably(live_wall, browser_factory, artifacts):
    wall, source = live_wall.wall, live_wall.source
    before = wall.store.frame("air").data.set_index("district_code")
    source.advance(3600)  # an hour later the city has moved on
    for feed in ("air", "traffic", "incidents"):
        wall.poller.poll(feed)
    now = wall.store.frame("air").data.set_index("district_code")
    code = next(c for c in now.index if round(now.loc[c, "pm10"]) != round(before.loc[c, "pm10"]))
    name = BY_CODE[code].name

    driver = browser_factory(5760, 2160)
    driver.get(live_wall.url + f"/?district={code}")
    open_wall(driver, live_wall.url + f"/?district={code}")
    wait_for(
        driver, lambda d: d.find_element(By.CSS_SELECTOR, ".part-district-detail .detail-name").text == name
    )

    def pm10_shown(d) -> str:
        return d.find_element(By.CSS_SELECTOR, ".part-district-detail .pollutant-value").text

    assert pm10_shown(driver) == f"{now.loc[code, 'pm10']:.0f}"
    handle = driver.find_element(By.CSS_SELECTOR, "#when-slider [role=slider]")
    for _ in range(6):  # six steps of ten minutes: an hour back
        handle.send_keys(Keys.ARROW_LEFT)
    wait_for(
        driver,
        lambda d: "past" in d.find_element(By.ID, "wall").get_attribute("class"),
        message="the time machine did not go back",
    )
    for n in range(1, 7):
        wait_for(driver, lambda d, n=n: "과거 화면" in text_of(d, f"panel-{n}-past"))
        assert "기록" in text_of(driver, f"panel-{n}-status") and "정상" not in text_of(
            driver, f"panel-{n}-status"
        )
    wait_for(
        driver,
        lambda d: pm10_shown(d) == f"{before.loc[code, 'pm10']:.0f}",
        message="the past wall does not show the values recorded then",
    )
    driver.save_screenshot(str(artifacts / "wall_past.png"))

    driver.find_element(By.ID, "back-to-live").click()
    wait_for(driver, lambda d: "past" not in d.find_element(By.ID, "wall").get_attribute("class"))
    wait_for(driver, lambda d: pm10_shown(d) == f"{now.loc[code, 'pm10']:.0f}")
    assert text_of(driver, "panel-2-past") == "" and "정상" in text_of(driver, "panel-2-status")
    assert console_errors(driver) == []


@pytest.mark.parametrize("number", [2, 5])
def test_single_panel_url_fills_one_screen(live_wall, browser_factory, artifacts, number):
    driver = browser_factory(1920, 1080)
    driver.get(live_wall.url + f"/panel/{number}")
    wait_for(driver, lambda d: d.find_element(By.ID, f"panel-{number}").is_displayed())
    wait_for(driver, lambda d: "기준" in text_of(d, f"panel-{number}-status"))
    settles(
        driver,
        lambda d: [n for n in range(1, 7) if d.find_element(By.ID, f"panel-{n}").is_displayed()],
        [number],
    )

    def box(d):
        return [
            round(v)
            for v in d.execute_script(
                "const r = document.getElementById(arguments[0]).getBoundingClientRect();"
                "return [r.left, r.top, r.width, r.height, document.documentElement.scrollWidth,"
                " document.documentElement.scrollHeight];",
                f"panel-{number}",
            )
        ]

    settles(driver, box, [0, 0, 1920, 1080, 1920, 1080])
    driver.save_screenshot(str(artifacts / f"panel_{number}.png"))
    assert console_errors(driver) == []


def test_language_toggle_switches_the_whole_wall(live_wall, browser_factory):
    driver = browser_factory(5760, 2160)
    open_wall(driver, live_wall.url + "/")
    driver.find_element(By.ID, "lang-toggle").click()
    wait_for(driver, lambda d: text_of(d, "panel-5-title") == "Incidents")
    wait_for(driver, lambda d: "as of" in text_of(d, "panel-4-status"))
    assert "Worst air" in text_of(driver, "overview-headlines")
    assert "-gu" in text_of(driver, "district-detail")
    assert "In progress" in text_of(driver, "incident-list")
    labels = driver.execute_script(
        "return [...document.querySelectorAll('.part-air-map .textpoint text')]"
        ".map(t => t.textContent).join(' ')"
    )
    assert "Gangnam" in labels and "강남구" not in labels  # a map label drops "-gu"
    assert driver.find_element(By.ID, "wall").get_attribute("lang") == "en"
    driver.find_element(By.ID, "lang-toggle").click()
    wait_for(driver, lambda d: text_of(d, "panel-5-title") == "사고·돌발 상황")
    assert console_errors(driver) == []


def test_bad_address_parameters_are_said_on_the_wall(live_wall, browser_factory):
    driver = browser_factory(5760, 2160)
    open_wall(driver, live_wall.url + "/panel/9?district=99999&lang=fr")
    notice = text_of(driver, "url-notice")
    assert "district=99999" in notice and "lang=fr" in notice and "/panel/9" in notice
    assert "자동 선택" in text_of(driver, "district-detail")  # the wall carries on as the city view
    assert console_errors(driver) == []


# What plotly holds of each trace of a graph, as JSON.
DRAWN = """
const gd = document.querySelector('.part-' + arguments[0] + ' .js-plotly-plot');
const keys = ['uid', 'fillcolor', 'line', 'text', 'marker', 'x'];
return JSON.stringify(gd ? gd.data.map(t => keys.map(k => t[k] === undefined ? null : t[k])) : null);
"""


def test_maps_after_patches_equal_a_fresh_build_in_the_browser(live_wall, browser_factory):
    """The browser applies the patches itself: what plotly draws is what a fresh build says."""
    from layouts.spec import PARTS

    driver = browser_factory(5760, 2160)
    open_wall(driver, live_wall.url + "/")
    target = BY_CODE["11440"]
    touch_district(driver, target.name)
    wait_for(
        driver,
        lambda d: "Mapo" in text_of(d, "district-detail") or target.name in text_of(d, "district-detail"),
    )
    driver.find_element(By.ID, "lang-toggle").click()
    wait_for(driver, lambda d: "Mapo-gu" in text_of(d, "district-detail").split("\n")[0])
    live_wall.wall.read.ttl = 0  # the fresh build below must see the frames just polled
    live_wall.source.advance(3600)
    for feed in ("air", "traffic", "incidents"):
        live_wall.wall.poller.poll(feed)
    view = live_wall.wall.read.view("en", target.code, None)
    for name in ("air-map", "traffic-map", "incident-map", "air-ranking"):
        part = next(p for p in PARTS.values() if p.name == name)
        fresh = live_wall.wall.builds.get(part, view).value
        wanted = [
            [t.get("uid"), t.get("fillcolor"), t.get("line"), t.get("text"), t.get("marker"), t.get("x")]
            for t in fresh["data"]
        ]
        wait_for(
            driver,
            lambda d, n=name, w=wanted: json.loads(d.execute_script(DRAWN, n)) == w,
            message=f"{name} in the browser differs from a fresh build",
        )
    assert console_errors(driver) == []
