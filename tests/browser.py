"""Headless Chromium for the tests, and what a person reads off the wall in it.

Every wait is for a condition on the page, with a generous bound: a loaded machine makes a page
slower, never wrong. Nothing here sleeps for a fixed time to let something happen.
"""

from __future__ import annotations

import base64
import contextlib
import json
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.chromium import CHROMIUM_FLAGS

WAIT_S = 60.0  # the bound of every wait: a page on a machine twice loaded still gets there


def chromium_options(width: int, height: int, profile: str):
    from selenium import webdriver

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in (
        *CHROMIUM_FLAGS,
        "--hide-scrollbars",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--window-size={width},{height}",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return options


class Browsers:
    """Headless Chromium windows for the tests of one pytest worker, lent to a test and given back
    after it: starting Chromium and compiling the page's scripts anew was about half of a browser
    test's CPU. A window given back is reset to what a new one is (one new tab, no cookies, no
    permissions granted, its console read); one that cannot be reset is closed."""

    def __init__(self) -> None:
        self.idle: dict[tuple[int, int], list] = {}
        self.every: list[tuple[object, str]] = []

    def lend(self, width: int = 5760, height: int = 2160):
        waiting = self.idle.get((width, height))
        driver = waiting.pop() if waiting else self._start(width, height)
        driver.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )
        return driver

    def give_back(self, driver, width: int, height: int) -> None:
        try:
            old = driver.window_handles
            driver.switch_to.new_window("tab")
            fresh = driver.current_window_handle
            for handle in old:
                driver.switch_to.window(handle)
                driver.close()
            driver.switch_to.window(fresh)
            driver.execute_cdp_cmd("Network.clearBrowserCookies", {})
            driver.execute_cdp_cmd("Browser.resetPermissions", {})
            driver.get_log("browser")
        except Exception:  # a browser the test broke: not lent again
            self._quit(driver)
            return
        self.idle.setdefault((width, height), []).append(driver)

    def close(self) -> None:
        for driver, profile in self.every:
            with contextlib.suppress(Exception):
                driver.quit()
            shutil.rmtree(profile, ignore_errors=True)
        self.every.clear()
        self.idle.clear()

    def _start(self, width: int, height: int):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        profile = tempfile.mkdtemp(prefix="wall-chromium-")
        driver = webdriver.Chrome(
            service=Service(shutil.which("chromedriver")), options=chromium_options(width, height, profile)
        )
        driver.set_page_load_timeout(WAIT_S)
        self.every.append((driver, profile))
        return driver

    def _quit(self, driver) -> None:
        for started, profile in list(self.every):
            if started is driver:
                with contextlib.suppress(Exception):
                    driver.quit()
                shutil.rmtree(profile, ignore_errors=True)
                self.every.remove((started, profile))


def emulate_phone(driver, width: int, height: int) -> None:
    """A phone's screen in portrait: a mobile viewport (the page's viewport meta tag rules) of
    ``width`` × ``height`` CSS px at two device pixels each, and a touch screen."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 2, "mobile": True},
    )
    driver.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True, "maxTouchPoints": 5})


def shoot(driver, path: Path) -> None:
    """A screenshot of the page as shown, saved as PNG: Chromium's fast encoder (a 5760 x 2160
    wall in half the time of Selenium's default; the file is a little larger)."""
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "optimizeForSpeed": True})
    Path(path).write_bytes(base64.b64decode(shot["data"]))


def wait_for(driver, condition, timeout: float = WAIT_S, message: str | Callable[[], str] = ""):
    """Until ``condition(driver)`` holds. ``message`` says what never happened; a callable one is
    asked at the timeout, to tell what the page was like then."""
    # Dash re-renders replace elements: one found a moment ago may be gone; look again.
    wait = WebDriverWait(
        driver, timeout, poll_frequency=0.2, ignored_exceptions=(StaleElementReferenceException,)
    )
    try:
        return wait.until(lambda d: condition(d))
    except TimeoutException as timeout_error:
        raise TimeoutException(message() if callable(message) else message) from timeout_error


# Old names of parts the tests read; every part is known by its class "part-<name>" in its panel.
RENAMED = {"overview-alerts": "alerts", "overview-headlines": "headlines"}


def part_selector(name: str) -> str:
    """A CSS selector for an element of the wall: "panel-2-status" is panel 2's status part."""
    panel = re.fullmatch(r"panel-(\d)-(\w+)", name)
    if panel:
        return f"#panel-{panel[1]} .part-{panel[2]}"
    return f"#{name}, .part-{RENAMED.get(name, name)}"


def text_of(driver, element_id: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, part_selector(element_id)).text


def console_errors(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def shapes_drawn(driver, graph_id: str) -> int:
    """Filled district shapes plotly actually drew in a graph."""
    return driver.execute_script(
        "return document.querySelectorAll('.part-' + arguments[0] + ' .scatterlayer path.js-fill').length",
        graph_id,
    )


def touch_district(driver, name: str) -> None:
    """A finger on a district's label on the air map."""
    label = next(
        el
        for el in driver.find_elements(By.CSS_SELECTOR, ".part-air-map .textpoint text")
        if el.text.startswith(name)
    )
    ActionChains(driver).move_to_element(label).pause(0.3).click().perform()


def open_wall(driver, url: str) -> None:
    driver.get(url)
    wait_for(driver, lambda d: shapes_drawn(d, "air-map") >= 25, message="air map never drew districts")
    wait_for(
        driver,
        lambda d: d.find_elements(By.CSS_SELECTOR, ".part-district-detail .detail-name"),
        message="district detail never filled",
    )
    wait_for(driver, lambda d: "기준" in text_of(d, "panel-2-status"), message="no age on the air panel")


def detail_name(driver) -> str:
    """The district panel 6 shows, read in one step (a re-render between finding the element and
    reading it cannot lose the read); "" while Dash is replacing it."""
    return driver.execute_script(
        "const name = document.querySelector('.part-district-detail .detail-name');"
        "return name ? name.innerText.trim() : '';"
    )


def sync_requests(driver) -> list[tuple[float, float, int]]:
    """(start, end, status) of every callback request the page made, in ms since it loaded."""
    return driver.execute_script(
        "return performance.getEntriesByType('resource')"
        ".filter(e => e.name.includes('_dash-update-component'))"
        ".map(e => [e.startTime, e.responseEnd, e.responseStatus]);"
    )


def answered(driver) -> int:
    """How many callback answers the page has had so far (its own count: the browser's resource
    timings stop at 250 entries)."""
    return driver.execute_script("return window.wallConnection().answers")


def wait_for_answers(driver, more: int = 2, message: str = "") -> None:
    """Until the page has had ``more`` callback answers beyond those it has now: a tick or two
    has come and gone (and with it a second of the clock and the ages)."""
    wanted = answered(driver) + more
    wait_for(driver, lambda d: answered(d) >= wanted, message=message or f"no {more} answers came")


def page_state(driver) -> str:
    """What a page shows of its link, for a failure message: its sync's state, the last callback
    answers and the console."""
    state = driver.execute_script(
        "return {sync: window.wallSync && window.wallSync.state(),"
        " connection: window.wallConnection && window.wallConnection()};"
    )
    answers = [[round(start), round(end), status] for start, end, status in sync_requests(driver)[-8:]]
    return json.dumps({**state, "answers": answers, "console": console_errors(driver)}, ensure_ascii=False)


def settles(driver, read, wanted, timeout: float = WAIT_S):
    """What ``read(driver)`` gives once it is ``wanted``; if it never becomes that within the bound,
    the assertion shows what it was instead."""
    with contextlib.suppress(TimeoutException):
        wait_for(driver, lambda d: read(d) == wanted, timeout=timeout)
    value = read(driver)
    assert value == wanted
    return value
