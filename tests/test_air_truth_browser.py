"""A station under maintenance on the live path, as a person in front of the wall sees it."""

from __future__ import annotations

import json
import time

import pytest
from selenium.webdriver.common.by import By

import app as wall_app
from dashboard.settings import Settings
from feeds import air
from tests.browser import console_errors, open_wall, text_of, wait_for
from tests.conftest import serve
from tests.fake_seoul import FakeSeoul

pytestmark = pytest.mark.browser

YONGSAN = "11170"


class MaintenanceSeoul(FakeSeoul):
    """The fake Seoul API whose air answer (2026 field names) has 용산구 under maintenance as the
    issue saw it: PM "-", FPM "", CAI_IDX "-", CAI_GRD "점검중", the ozone still there."""

    def body(self, fmt: str, service: str, start: str, end: str, *filters: str, generation=None) -> str:
        if service != air.SERVICE or fmt != "json":
            return super().body(fmt, service, start, end, *filters, generation=generation)
        document = json.loads(super().body(fmt, service, start, end, *filters, generation="new_generation"))
        for row in document[air.SERVICE]["row"]:
            if row["MSRSTN_NM"] == "용산구":
                row.update(PM="-", FPM="", CAI_IDX="-", CAI_GRD="점검중")
                assert float(row["OZON"]) > 0  # enough for a made-up CAI, were one computed
        return json.dumps(document, ensure_ascii=False)


LABELS = (
    "return [...document.querySelectorAll('.part-' + arguments[0] + ' text')]"
    ".map(t => t.textContent).filter(t => t.includes(arguments[1]))"
)


def test_a_station_under_maintenance_reads_under_maintenance_and_no_grade(browser_factory, artifacts):
    fake = MaintenanceSeoul(clock=time.time)
    settings = Settings(
        wall_source="seoul",
        seoul_api_key=fake.key,
        seoul_api_base_url=fake.url,
        wall_tick=1.0,
        wall_poller=False,
    )
    wall = wall_app.create_wall(settings)
    for feed in ("air", "traffic", "incidents"):
        wall.poller.poll(feed)
    # 용산구, and at some hours of the demo day one more station of the demo's own.
    down = int((wall.store.frame("air").data["note"] == "점검중").sum())
    assert down >= 1
    url, shutdown = serve(wall)
    try:
        driver = browser_factory(5760, 2160)
        open_wall(driver, f"{url}/?district={YONGSAN}")
        wait_for(driver, lambda d: "용산구" in text_of(d, "district-detail"))

        # The map: 용산구 is labelled 점검중, grey, never a grade.
        assert driver.execute_script(LABELS, "air-map", "용산구") == ["용산구점검중"]
        fill = driver.execute_script(
            "const gd = document.querySelector('.part-air-map .js-plotly-plot');"
            "return gd.data.find(t => t.uid === 'geo-district-' + arguments[0]).fillcolor;",
            YONGSAN,
        )
        assert fill == "#4a5568"  # theme.NO_DATA, opaque
        # The ranking: no bar, the word instead of a number and a grade.
        bar = driver.execute_script(
            "const gd = document.querySelector('.part-air-ranking .js-plotly-plot');"
            "const t = gd.data[0]; const i = t.customdata.indexOf(arguments[0]);"
            "return [t.x[i], t.text[i]];",
            YONGSAN,
        )
        assert bar == [0, "점검중"]
        assert "점검중" in driver.execute_script(LABELS, "air-ranking", "점검중")
        # The legend and panel 1's grade bar count it apart from the grades.
        legend = text_of(driver, "air-legend")
        assert f"점검중\n{down}개 구" in legend
        assert f"점검중 {down}" in text_of(driver, "overview-headlines")
        # Panel 6 says so, and has no CAI.
        detail = driver.find_element(By.CSS_SELECTOR, ".part-district-detail .detail-grade").text
        assert detail.split("\n") == ["점검중", "측정값 없음"]
        assert "CAI" not in text_of(driver, "district-detail")
        time.sleep(0.5)
        driver.save_screenshot(str(artifacts / "wall_station_maintenance.png"))

        driver.find_element(By.ID, "lang-toggle").click()
        wait_for(
            driver,
            lambda d: d.execute_script(LABELS, "air-map", "Yongsan") == ["YongsanMaintenance"],
            message="the English map does not say the station is under maintenance",
        )
        wait_for(
            driver,
            lambda d: (
                d.find_element(By.CSS_SELECTOR, ".part-district-detail .detail-grade").text.split("\n")
                == ["Under maintenance", "No measurements"]
            ),
        )
        assert f"Under maintenance {down}" in text_of(driver, "overview-headlines")
        # The legend's chip is on the panel, not wrapped off it.
        chip = driver.find_elements(By.CSS_SELECTOR, ".part-air-legend .legend-ungraded")[-1]
        assert chip.text.split("\n") == ["Maintenance", str(down)]
        panel = driver.find_element(By.ID, "panel-2").rect
        assert chip.rect["y"] + chip.rect["height"] <= panel["y"] + panel["height"]
        time.sleep(0.5)
        driver.save_screenshot(str(artifacts / "wall_station_maintenance_en.png"))
        assert console_errors(driver) == []
    finally:
        shutdown()
        fake.stop()
