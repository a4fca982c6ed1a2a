"""What the wall says in headless Chromium: English without a history, failing feeds in panel 1,
old and overdue incidents in panel 5."""

from __future__ import annotations

import time

import pandas as pd
import pytest
from selenium.webdriver.common.by import By

from feeds.base import FeedError
from feeds.envelope import result_error
from feeds.reasons import Reason
from tests.browser import console_errors, open_wall, shapes_drawn, text_of, wait_for

pytestmark = pytest.mark.browser

TITLES_EN = {
    1: "Seoul at a glance",
    2: "Air quality by district",
    3: "Air ranking and trend",
    4: "Road traffic",
    5: "Incidents",
    6: "Selected district",
}


def shoot(driver, number: int, path) -> None:
    """A screenshot of one panel, as one screen of the wall shows it."""
    driver.find_element(By.CSS_SELECTOR, f"#panel-{number}").screenshot(str(path))


def slider_labels(driver) -> list[str]:
    return [el.text for el in driver.find_elements(By.CSS_SELECTOR, "#when-slider .dash-slider-mark")]


def test_english_with_history_off_names_every_panel_in_english(live_wall_factory, browser_factory, artifacts):
    live = live_wall_factory(history_path="off")
    assert live.wall.history is None
    driver = browser_factory(5760, 2160)
    driver.get(live.url + "/?lang=en")
    wait_for(driver, lambda d: shapes_drawn(d, "air-map") >= 25, message="air map never drew")
    for number, title in TITLES_EN.items():
        wait_for(driver, lambda d, n=number, t=title: text_of(d, f"panel-{n}-title") == t)
    assert driver.find_element(By.ID, "lang-toggle").text == "한국어"
    assert driver.find_element(By.ID, "wall").get_attribute("lang") == "en"
    wait_for(driver, lambda d: "as of" in text_of(d, "panel-2-status"))
    assert "Worst air" in text_of(driver, "overview-headlines")
    # No history, no time machine: it is not on the wall at all.
    assert not driver.find_element(By.ID, "time-machine").is_displayed()
    shoot(driver, 1, artifacts / "panel_1_english_no_history.png")
    driver.find_element(By.ID, "lang-toggle").click()
    wait_for(driver, lambda d: text_of(d, "panel-5-title") == "사고·돌발 상황")
    assert driver.find_element(By.ID, "wall").get_attribute("lang") == "ko"
    assert console_errors(driver) == []
    assert live.errors.records == []


def test_the_time_machine_says_live_in_the_walls_language(live_wall, browser_factory):
    driver = browser_factory(5760, 2160)
    driver.get(live_wall.url + "/?lang=en")
    wait_for(driver, lambda d: "Live" in slider_labels(d), message="the slider never said Live")
    assert "실시간" not in slider_labels(driver)
    assert text_of(driver, "back-to-live") == "Back to live"
    driver.find_element(By.ID, "lang-toggle").click()
    wait_for(driver, lambda d: "실시간" in slider_labels(d), message="the slider never said 실시간")
    assert console_errors(driver) == []


def inside(driver, selector: str, box_selector: str) -> list[bool]:
    """Whether each element is drawn wholly inside the box (not clipped by its overflow)."""
    return driver.execute_script(
        """
        const box = document.querySelector(arguments[1]).getBoundingClientRect();
        return [...document.querySelectorAll(arguments[0])].map(el => {
            const r = el.getBoundingClientRect();
            return r.height > 0 && r.top >= box.top - 1 && r.bottom <= box.bottom + 1;
        });
        """,
        selector,
        box_selector,
    )


def fail_every_feed(live) -> None:
    """One poll of each feed fails, each its own way: an upstream code, a proxy's page, garbage."""
    for feed, failure in (
        ("air", result_error("ERROR-500")),
        ("traffic", FeedError(Reason("body.html", service="citydata"))),
        ("incidents", FeedError(Reason("body.unknown", service="AccInfo"))),
    ):
        live.source.failure = failure
        live.wall.poller.poll(feed)
    live.source.failure = None


def test_three_failing_feeds_each_have_a_visible_row_first_in_panel_1(live_wall, browser_factory, artifacts):
    driver = browser_factory(5760, 2160)
    open_wall(driver, live_wall.url + "/")
    fail_every_feed(live_wall)

    strip = ".part-alerts"
    wait_for(
        driver,
        lambda d: len(d.find_elements(By.CSS_SELECTOR, f"{strip} .alert-feed")) == 3,
        message="panel 1 never showed three failing feeds",
    )
    time.sleep(0.5)  # let the strip settle before it is photographed
    shoot(driver, 1, artifacts / "panel_1_failing_feeds.png")
    rows = driver.find_elements(By.CSS_SELECTOR, f"{strip} .alert")
    assert [("alert-feed" in row.get_attribute("class")) for row in rows[:3]] == [True] * 3
    said = [row.text for row in rows[:3]]
    assert said[0].startswith("대기 데이터 오류") and "ERROR-500: 서울 열린데이터광장 서버 오류" in said[0]
    # citydata's round feeds traffic, crowds and weather: one failure, one row naming all three.
    assert said[1].startswith("교통 · 인구 · 날씨 데이터 오류") and "웹 페이지" in said[1]
    assert said[2].startswith("사고 데이터 오류") and "JSON도 XML도 아닙니다" in said[2]
    assert inside(driver, f"{strip} .alert-feed", strip) == [True] * 3, "a failing feed is cut off"
    assert all(inside(driver, f"{strip} .alert", strip)), "an alert is cut off"

    driver.find_element(By.ID, "lang-toggle").click()
    wait_for(driver, lambda d: "Air data: Error" in text_of(d, "overview-alerts"))
    assert "neither JSON nor XML" in text_of(driver, "overview-alerts")
    assert console_errors(driver) == []


def test_an_old_incident_shows_its_date_and_an_overdue_clearance(live_wall, browser_factory, artifacts):
    wall = live_wall.wall
    frame = wall.store.frame("incidents").data.copy()
    now = pd.Timestamp(live_wall.source.now(), unit="s", tz="Asia/Seoul")
    week_ago = now - pd.Timedelta(days=8)
    # The newest incident is eight days old, due to clear two hours after it began.
    frame.loc[0, "occurred_at"] = now.replace(hour=9, minute=15) - pd.Timedelta(days=8)
    frame.loc[0, "expected_clear_at"] = week_ago.replace(hour=11, minute=30)
    frame.loc[0, "severe"] = True  # first in the list
    meta = wall.store.meta("incidents")
    wall.store.put(
        "incidents", frame, source=meta.source, measured_at=None, source_now=live_wall.source.now()
    )
    driver = browser_factory(5760, 2160)
    open_wall(driver, live_wall.url + "/")
    first = ".part-incident-list .incident"
    wait_for(driver, lambda d: "지남" in d.find_element(By.CSS_SELECTOR, first).text)
    row = driver.find_element(By.CSS_SELECTOR, first)
    day = week_ago.strftime("%m/%d")
    assert row.find_element(By.CSS_SELECTOR, ".incident-time").text.split() == [day, "09:15"]
    assert f"해제 예정 {day} 11:30 지남" in row.find_element(By.CSS_SELECTOR, ".incident-overdue").text
    assert "incident-late" in row.get_attribute("class")
    shoot(driver, 5, artifacts / "panel_5_overdue.png")
    assert console_errors(driver) == []
