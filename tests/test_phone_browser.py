"""The phone view (/m) in headless Chromium as a phone: 390 × 844 CSS px, mobile viewport, touch.

A visitor takes the wall along: the city at a glance, a tap on a district and its detail, the
language, a share link, on a screen 360 to 430 px wide with nothing cut, nothing too small to read
or to tap, nothing to scroll sideways. One page load serves several checks.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.actions import interaction
from selenium.webdriver.common.actions.action_builder import ActionBuilder
from selenium.webdriver.common.actions.pointer_input import PointerInput
from selenium.webdriver.common.by import By

from feeds.districts import BY_CODE
from layouts import summary
from layouts.i18n import district_name, t
from layouts.spec import OVERVIEW_FEEDS
from tests.browser import console_errors, emulate_phone, wait_for
from tests.conftest import DEMO_MOMENT

pytestmark = pytest.mark.browser

MAPO, GANGNAM = "11440", "11680"
CLOCK = r"\d\d:\d\d:\d\d"  # the city's time, as wall.js ticks it
HEADINGS = ("phone_districts", "phone_detail", "phone_incidents", "phone_status")
AGE = {
    "ko": r"\d\d:\d\d 기준 · (방금|\d+분 전|\d+시간 \d+분 전)",
    "en": r"as of \d\d:\d\d · (just now|\d+ min ago|\d+ h \d+ min ago)",
}

# Every visible element whose box reaches past the viewport's sides (the page must not scroll
# sideways, and html's overflow-x: hidden would only hide what is cut).
BEYOND_THE_SCREEN = """
const width = window.innerWidth, found = [];
for (const el of document.querySelectorAll("body *")) {
  const box = el.getBoundingClientRect(), style = getComputedStyle(el);
  if ((box.width === 0 && box.height === 0) || style.visibility === "hidden") { continue; }
  if (box.right > width + 0.5 || box.left < -0.5) {
    found.push(`${el.tagName}.${el.className} "${el.textContent.slice(0, 30)}" ${box.left}..${box.right}`);
  }
}
return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, beyond: found.slice(0, 10)};
"""

# Every visible text smaller than 16 px, and every link, button or field less than 44 px tall or wide.
TOO_SMALL = """
const visible = (el) => {
  const box = el.getBoundingClientRect(), style = getComputedStyle(el);
  return box.width > 0 && box.height > 0 && style.visibility !== "hidden" && style.opacity !== "0";
};
const named = (el) => `${el.tagName}.${el.className} "${el.textContent.trim().slice(0, 30)}"`;
const small = [], cramped = [];
let texts = 0, targets = 0;
for (const el of document.querySelectorAll("body *")) {
  const own = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
  if (own && visible(el)) {
    texts += 1;
    const size = parseFloat(getComputedStyle(el).fontSize);
    if (size < 16) { small.push(`${named(el)} ${size}px`); }
  }
}
for (const el of document.querySelectorAll("a, button, input, select, textarea, [role=button]")) {
  if (!visible(el)) { continue; }
  targets += 1;
  const box = el.getBoundingClientRect();
  if (box.height < 44 || box.width < 44) {
    cramped.push(`${named(el)} ${box.width}x${box.height}`);
  }
}
return {texts, targets, small: small.slice(0, 10), cramped: cramped.slice(0, 10)};
"""


READ_CLIPBOARD = """
const done = arguments[arguments.length - 1];
navigator.clipboard.readText().then(done, (error) => done(`no clipboard: ${error}`));
"""


def allow(driver, origin: str, permission: str, setting: str) -> None:
    """Grant or deny the page a permission (the clipboard's), as a visitor's browser settings would."""
    driver.execute_cdp_cmd(
        "Browser.setPermission", {"permission": {"name": permission}, "setting": setting, "origin": origin}
    )


def tap(driver, element) -> None:
    """A finger on an element: a touch pointer down and up at its centre, brought into view first."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    finger = ActionBuilder(driver, mouse=PointerInput(interaction.POINTER_TOUCH, "finger"))
    finger.pointer_action.move_to(element).pointer_down().pause(0.05).pointer_up()
    finger.perform()


def tile(driver, code: str, lang: str):
    """A district's tile in the list of 25."""
    name = district_name(code, lang)
    return next(
        el
        for el in driver.find_elements(By.CSS_SELECTOR, ".part-districts a.tile-link")
        if el.find_element(By.CSS_SELECTOR, ".tile-name").text == name
    )


def text(driver, selector: str) -> str:
    found = driver.find_elements(By.CSS_SELECTOR, selector)
    return found[0].text if found else ""


def address(driver) -> str:
    """The page's address less its origin: /m?district=11440."""
    parts = urlsplit(driver.current_url)
    return parts.path + ("?" + parts.query if parts.query else "")


def detail_shows(driver, code: str, lang: str, auto: bool) -> bool:
    return text(driver, ".part-district-detail .detail-name") == district_name(code, lang) and text(
        driver, ".part-district-detail .detail-hint"
    ) == t("auto_selected" if auto else "touched", lang)


def headings(driver) -> list[str]:
    return [el.text for el in driver.find_elements(By.CSS_SELECTOR, "#phone h1, #phone h2")]


def wait_for_ages(driver, lang: str) -> None:
    """wall.js has written every feed's age (it does so once a second)."""
    wait_for(
        driver,
        lambda d: all(
            re.fullmatch(AGE[lang], el.text)
            for el in d.find_elements(By.CSS_SELECTOR, ".part-status .status .age")
        ),
        message=f"the statuses never said their ages in {lang}",
    )


def fits_the_screen(driver, width: int, lang: str) -> None:
    """At ``width`` CSS px: nothing sideways, every text 16 px or more, every target 44 px or more."""
    emulate_phone(driver, width, 844)
    wait_for(driver, lambda d: d.execute_script("return window.innerWidth") == width)
    found = driver.execute_script(BEYOND_THE_SCREEN)
    assert found["scrollWidth"] <= found["innerWidth"] == width, (width, lang, found)
    assert found["beyond"] == [], (width, lang, found["beyond"])
    sizes = driver.execute_script(TOO_SMALL)
    assert sizes["texts"] > 100 and sizes["targets"] >= 27, sizes  # 25 tiles, language, share
    assert sizes["small"] == [], (width, lang, sizes["small"])
    assert sizes["cramped"] == [], (width, lang, sizes["cramped"])


def screenshot(driver, artifacts, name: str, selector: str | None = None) -> None:
    """A viewport's picture, scrolled to an element's section (the top bar stays over it)."""
    if selector is None:
        driver.execute_script("window.scrollTo(0, 0)")
    else:
        driver.execute_script(
            "const el = document.querySelector(arguments[0]);"
            "window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 70)",
            selector,
        )
    driver.save_screenshot(str(artifacts / name))


@pytest.fixture
def fire(live_wall):
    """The pinned evening, ten minutes into the Mapo fire: an incident at a handling stage (the
    demo city's ordinary incidents name none), smoke over Mapo."""
    live_wall.wall.read.ttl = 0
    live_wall.source.play("mapo-fire", start=DEMO_MOMENT - 600)
    for feed in ("air", "traffic", "incidents"):
        live_wall.wall.poller.poll(feed)
    return live_wall


def test_the_phone_shows_the_city_a_tap_shows_a_district_and_the_language_switches(
    fire, phone_factory, artifacts
):
    driver = phone_factory()
    view = fire.wall.read.view("ko", None, None)
    worst = summary.worst_district(view.frame("air"))
    driver.get(fire.url + "/m")
    wait_for(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".part-districts a.tile-link")) == 25)
    wait_for_ages(driver, "ko")

    # (a) The city at a glance: the headline figures with numbers, the 25 districts worded by
    # grade, the worst air in detail, every open incident with its stages, every feed's age.
    figures = [el.text for el in driver.find_elements(By.CSS_SELECTOR, ".part-headlines .tile-value")]
    assert len(figures) == 6 and all(re.search(r"\d", f) for f in figures[1:]), figures
    assert figures[0] == district_name(worst, "ko")
    grades = [el.text for el in driver.find_elements(By.CSS_SELECTOR, ".part-districts .tile-grade")]
    assert len(grades) == 25 and all(grades), grades
    assert detail_shows(driver, worst, "ko", auto=True)
    rows = driver.find_elements(By.CSS_SELECTOR, ".part-incident-list .incident")
    assert len(rows) == len(view.frame("incidents"))
    chips = [el.text for el in driver.find_elements(By.CSS_SELECTOR, ".part-incident-list .stage-now")]
    assert chips == ["진압 중"], chips  # the fire, eight minutes past its first engine's arrival
    assert len(driver.find_elements(By.CSS_SELECTOR, ".part-status .status")) == len(OVERVIEW_FEEDS)
    assert re.fullmatch(r"\d+°C · .+", text(driver, ".part-weather")), text(driver, ".part-weather")
    assert re.fullmatch(CLOCK, text(driver, "#wall-clock"))
    screenshot(driver, artifacts, "phone_city.png")
    screenshot(driver, artifacts, "phone_city_incidents.png", "#phone-incidents")

    # (e, f) On this phone and on a narrower one: nothing sideways, nothing too small.
    fits_the_screen(driver, 360, "ko")
    screenshot(driver, artifacts, "phone_city_360.png", "#phone-districts")
    fits_the_screen(driver, 390, "ko")

    # (b) A tap on a district shows it, and its address says so; a tap again is the city again.
    tap(driver, tile(driver, GANGNAM, "ko"))
    wait_for(driver, lambda d: detail_shows(d, GANGNAM, "ko", auto=False), message="no Gangnam detail")
    assert address(driver) == f"/m?district={GANGNAM}"
    assert "chosen" in tile(driver, GANGNAM, "ko").get_attribute("class")
    screenshot(driver, artifacts, "phone_district.png", "#phone-detail")
    tap(driver, tile(driver, GANGNAM, "ko"))
    wait_for(driver, lambda d: detail_shows(d, worst, "ko", auto=True), message="no city view again")
    assert address(driver) == "/m"

    # (c) The language link: every heading in English, the address says lang=en; and back.
    korean = [t("wall_title", "ko"), *(t(key, "ko") for key in HEADINGS)]
    assert headings(driver) == korean
    tap(driver, driver.find_element(By.CSS_SELECTOR, "a.lang-link"))
    english = [t("wall_title", "en"), *(t(key, "en") for key in HEADINGS)]
    wait_for(driver, lambda d: headings(d) == english, message="the headings stayed Korean")
    assert address(driver) == "/m?lang=en"
    wait_for(driver, lambda d: detail_shows(d, worst, "en", auto=True))
    wait_for_ages(driver, "en")
    assert driver.find_element(By.ID, "phone").get_attribute("lang") == "en"
    assert text(driver, "a.lang-link") == "한국어"
    tap(driver, driver.find_element(By.CSS_SELECTOR, "a.lang-link"))
    wait_for(driver, lambda d: headings(d) == korean, message="the headings stayed English")
    assert address(driver) == "/m"

    # (g) Nothing went wrong in the page.
    assert console_errors(driver) == []
    assert fire.errors.records == []


def test_an_address_opens_the_phone_on_its_district_and_language_and_shares_it(
    live_wall, phone_factory, artifacts
):
    live_wall.wall.read.ttl = 0
    driver = phone_factory()
    worst = summary.worst_district(live_wall.wall.read.view("ko", None, None).frame("air"))
    assert worst != MAPO  # so Mapo's detail can only come from the address

    # (d) Straight in English on Mapo-gu.
    driver.get(live_wall.url + "/m?district=11440&lang=en")
    wait_for(driver, lambda d: detail_shows(d, MAPO, "en", auto=False), message="not on Mapo-gu in English")
    english = [t("wall_title", "en"), *(t(key, "en") for key in HEADINGS)]
    wait_for(driver, lambda d: headings(d) == english)
    wait_for_ages(driver, "en")
    assert tile(driver, MAPO, "en").get_attribute("href").endswith("/m?lang=en")  # back to the city
    assert text(driver, ".part-district-detail .detail-name-other") == BY_CODE[MAPO].name
    screenshot(driver, artifacts, "phone_district_en.png", "#phone-detail")

    # (e, f) English words are longer: still nothing sideways or too small, at 360 and at 390.
    fits_the_screen(driver, 360, "en")
    screenshot(driver, artifacts, "phone_district_en_360.png")
    screenshot(driver, artifacts, "phone_districts_en_360.png", "#phone-districts")
    fits_the_screen(driver, 390, "en")

    # (h) Share. Headless Chromium has no share sheet; 127.0.0.1 is a secure context, so the
    # address is copied; where no clipboard may be written, it is shown in a field, selected.
    assert driver.execute_script("return typeof navigator.share") == "undefined"
    shared = f"{live_wall.url}/m?district={MAPO}"
    allow(driver, live_wall.url, "clipboard-read", "granted")
    tap(driver, driver.find_element(By.CSS_SELECTOR, "a.share"))
    wait_for(driver, lambda d: text(d, ".share-note") == t("share_copied", "en"), message="not copied")
    assert driver.execute_async_script(READ_CLIPBOARD) == shared
    allow(driver, live_wall.url, "clipboard-write", "denied")
    tap(driver, driver.find_element(By.CSS_SELECTOR, "a.share"))
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".share-note input.share-address"))
    field = driver.find_element(By.CSS_SELECTOR, ".share-note input.share-address")
    assert field.get_attribute("value") == shared
    assert driver.execute_script(
        "const f = arguments[0];"
        "return document.activeElement === f && f.selectionStart === 0 && f.selectionEnd === f.value.length",
        field,
    )
    assert t("share_copy_failed", "en") in text(driver, ".share-note")
    assert address(driver) == "/m?district=11440&lang=en"  # the link did not navigate
    screenshot(driver, artifacts, "phone_share_en.png", "#phone-detail .share-row")
    fits_the_screen(driver, 360, "en")

    # (i) A district the city has not: said on the page, and the city view shown.
    driver.get(live_wall.url + "/m?district=zzz")
    notice = t("bad_district", "ko", value="zzz")
    wait_for(driver, lambda d: text(d, "#url-notice") == notice, message="no notice of district=zzz")
    wait_for(driver, lambda d: detail_shows(d, worst, "ko", auto=True), message="no city view")
    wait_for(driver, lambda d: re.fullmatch(CLOCK, text(d, "#wall-clock")), message="no clock")
    screenshot(driver, artifacts, "phone_bad_address.png")

    # (g) Nothing went wrong in the page.
    assert console_errors(driver) == []
    assert live_wall.errors.records == []
