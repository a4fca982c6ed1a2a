"""Readable from three metres: every visible text of every 1920 x 1080 panel, measured in Chromium.

In each state the wall can be in (normal, a district with a long name selected, an alarm, every
stage of every bundled scenario, failing feeds, the time machine) and in both languages, each panel's texts,
HTML and SVG alike, are measured: computed size at least 24 px, drawn inside the panel and not
cut by the box that holds it, not overlapping a sibling, no ellipsis where the whole text matters,
and no Hangul on the English wall outside upstream data. The screenshots looked at are saved.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from feeds.demo import bundled_scenarios, load_scenario
from layouts import theme
from tests.browser import console_errors, open_wall, shoot, wait_for
from tests.test_wall_browser_words import fail_every_feed, inside

pytestmark = pytest.mark.browser

LONGEST = "11560"  # 영등포구, Yeongdeungpo-gu: the longest district name in English
# Upstream data the English wall shows as it came (roads, descriptions), and the language button.
UPSTREAM_WORDS = (
    "incident-text",
    "road-name",
    "road-span",
    "detail-name-other",
    "incident-district",
    "part-language",  # the language button says the other language in its own words
    "stage",  # only when upstream names a stage the wall does not know
    "upstream-text",  # an incident's description, as the provider wrote it
)
# Texts an ellipsis may end: long upstream descriptions, whose start says what they are.
MAY_BE_CUT = ("incident-text", "road-span", "upstream-text", "alarm-detail")

MEASURE = """
const lang = document.getElementById("wall").getAttribute("lang");
const HANGUL = /[\\uac00-\\ud7a3]/;
const classes = (el) => (el.getAttribute("class") || "") + " " + el.tagName.toLowerCase();
function shown(el) {
  for (let e = el; e && e.nodeType === 1; e = e.parentElement) {
    const s = getComputedStyle(e);
    if (s.display === "none" || s.visibility === "hidden" || parseFloat(s.opacity) === 0) return false;
  }
  return true;
}
function inked(node, el) {  // where a text's letters are: its run, one em high per line
  const range = document.createRange(); range.selectNodeContents(node);
  const r = range.getBoundingClientRect(), size = parseFloat(getComputedStyle(el).fontSize);
  const middle = (r.top + r.bottom) / 2, lines = Math.max(1, Math.round(r.height / (size * 1.2)));
  const half = Math.min(r.height, size * lines * 1.05) / 2;
  return {left: r.left, right: r.right, top: middle - half, bottom: middle + half};
}
function seen(ink, el, panel) {  // what is left of it inside every box that cuts, and the first that cuts
  let box = {...ink}, cut = null;
  for (let e = el; e && e !== panel.parentElement; e = e.parentElement) {
    const s = getComputedStyle(e);
    if (s.overflowX === "visible" && s.overflowY === "visible") continue;
    const r = e.getBoundingClientRect();
    const next = {left: Math.max(box.left, r.left), right: Math.min(box.right, r.right),
                  top: Math.max(box.top, r.top), bottom: Math.min(box.bottom, r.bottom)};
    const smaller = next.left > box.left + 1 || next.right < box.right - 1
      || next.top > box.top + 1 || next.bottom < box.bottom - 1;
    if (!cut && smaller) cut = e;
    box = next;
  }
  return {box, cut};
}
const found = {};
for (const panel of document.querySelectorAll(".wall-canvas > .panel")) {
  const texts = [];
  const walker = document.createTreeWalker(panel, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.trim(), el = node.parentElement;
    if (!text || !shown(el)) continue;
    const ink = inked(node, el);
    if (ink.right - ink.left < 1) continue;
    const view = seen(ink, el, panel);
    // Wholly cut away (a row wrapped out of sight): not shown at all.
    if (view.box.right - view.box.left < 1 || view.box.bottom - view.box.top < 1) continue;
    const size = parseFloat(getComputedStyle(el).fontSize);
    const item = {text: text.slice(0, 50), size, where: classes(el), el, ink: view.box};
    if (view.cut === panel) item.outside = true;
    else if (view.cut) item.cut = classes(view.cut);
    const ellipsis = getComputedStyle(el).textOverflow === "ellipsis";
    if (ellipsis && el.scrollWidth > el.clientWidth + 1) item.ellipsis = true;
    if (lang === "en" && HANGUL.test(text)) item.hangul = true;
    texts.push(item);
  }
  const overlaps = [];
  for (let i = 0; i < texts.length; i++) for (let j = i + 1; j < texts.length; j++) {
    const a = texts[i], b = texts[j];
    if (a.el === b.el || a.el.contains(b.el) || b.el.contains(a.el)) continue;
    const ta = a.el.closest("text"), tb = b.el.closest("text");
    if (ta && ta === tb) continue;  // the lines of one SVG text
    const w = Math.min(a.ink.right, b.ink.right) - Math.max(a.ink.left, b.ink.left);
    const h = Math.min(a.ink.bottom, b.ink.bottom) - Math.max(a.ink.top, b.ink.top);
    if (w > 2 && h > 2) overlaps.push(`${a.text} × ${b.text}`);
  }
  for (const t of texts) { delete t.el; delete t.ink; }
  found[panel.id] = {texts, overlaps};
}
return found;
"""


def problems(measured: dict) -> dict[str, list[str]]:
    """What is wrong with each panel's texts, said per text."""
    said: dict[str, list[str]] = {}
    for panel, result in measured.items():
        wrong = [f"overlap: {pair}" for pair in result["overlaps"]]
        for text in result["texts"]:
            where, name = text["where"], f"{text['text']!r} ({text['where'].strip()})"
            if text["size"] < theme.SMALLEST:
                wrong.append(f"{text['size']:g} px: {name}")
            if text.get("outside") and not any(c in where for c in MAY_BE_CUT):
                wrong.append(f"outside the panel: {name}")
            if text.get("cut") and not any(c in where for c in MAY_BE_CUT):
                wrong.append(f"cut by {text['cut'].strip()}: {name}")
            if text.get("ellipsis") and not any(c in where for c in MAY_BE_CUT):
                wrong.append(f"ellipsis: {name}")
            if text.get("hangul") and not any(c in where for c in UPSTREAM_WORDS):
                wrong.append(f"Hangul on the English wall: {name}")
        if wrong:
            said[panel] = wrong
    return said


def check(driver, artifacts, state: str, languages: int = 2) -> dict[str, list[str]]:
    """Measure every panel in the language the wall shows; with two ``languages``, switch with the
    wall's own button and measure again (the wall is left in the other language). Save what was
    looked at: the whole wall in each language, and each panel with a problem on its own. Returns
    the problems found, by language and panel."""
    found = {}
    for turn in range(languages):
        lang = driver.find_element(By.ID, "wall").get_attribute("lang")
        driver.execute_script("return document.fonts.ready")
        shoot(driver, artifacts / f"readable_{state}_{lang}.png")
        for panel, wrong in problems(driver.execute_script(MEASURE)).items():
            found[f"{lang} {panel}"] = wrong
            driver.find_element(By.ID, panel).screenshot(
                str(artifacts / f"readable_{state}_{lang}_{panel}.png")
            )
        if turn + 1 < languages:
            switch_language(driver)
    return found


def switch_language(driver) -> None:
    """The wall's own button, and the wall settled in the other language."""
    other = "en" if driver.find_element(By.ID, "wall").get_attribute("lang") == "ko" else "ko"
    driver.find_element(By.ID, "lang-toggle").click()
    wait_for(driver, lambda d: d.find_element(By.ID, "wall").get_attribute("lang") == other)
    wait_for(driver, lambda d: _settled(d, other), message=f"the wall never settled in {other}")


def _settled(driver, lang: str) -> bool:
    title = driver.find_element(By.CSS_SELECTOR, "#panel-1 .part-title").text
    return (title == "Seoul at a glance") == (lang == "en")


def _report(found: dict[str, list[str]]) -> str:
    return "\n".join(f"{where}:\n  " + "\n  ".join(wrong[:12]) for where, wrong in found.items())


@pytest.fixture
def wall_browser(live_wall, browser_factory):
    driver = browser_factory(5760, 2160)
    yield live_wall, driver
    assert console_errors(driver) == []


def test_the_city_view_and_a_long_named_district_read_from_three_metres(wall_browser, artifacts):
    live, driver = wall_browser
    open_wall(driver, live.url + "/")
    found = check(driver, artifacts, "normal")
    open_wall(driver, live.url + f"/?district={LONGEST}&lang=ko")
    found |= {f"selected {k}": v for k, v in check(driver, artifacts, "selected").items()}
    assert found == {}, _report(found)


def test_an_alarm_and_failing_feeds_read_from_three_metres(wall_browser, artifacts):
    live, driver = wall_browser
    wall, source = live.wall, live.source
    source.play("mapo-fire")
    source.advance(9 * 60)  # the fire's fourth stage: operating, the roads jammed, the air worst
    for feed in ("air", "traffic", "incidents"):
        wall.poller.poll(feed)
    open_wall(driver, live.url + "/")
    wait_for(driver, lambda d: "alarm" in d.find_element(By.ID, "wall").get_attribute("class"))
    found = check(driver, artifacts, "alarm")
    fail_every_feed(live)
    wait_for(driver, lambda d: len(d.find_elements(By.CSS_SELECTOR, ".part-alerts .alert-feed")) == 3)
    found |= {f"failing {k}": v for k, v in check(driver, artifacts, "failing").items()}
    assert found == {}, _report(found)
    # Under the alarm's banner too, panel 1 shows every failing feed's row whole.
    assert inside(driver, ".part-alerts .alert-feed", ".part-alerts") == [True] * 3


def test_the_time_machine_reads_from_three_metres(wall_browser, artifacts):
    live, driver = wall_browser
    wall, source = live.wall, live.source
    source.advance(3600)
    for feed in ("air", "traffic", "incidents"):
        wall.poller.poll(feed)
    open_wall(driver, live.url + "/")
    handle = driver.find_element(By.CSS_SELECTOR, "#when-slider [role=slider]")
    for _ in range(6):
        handle.send_keys(Keys.ARROW_LEFT)
    wait_for(driver, lambda d: "past" in d.find_element(By.ID, "wall").get_attribute("class"))
    found = check(driver, artifacts, "past")
    assert found == {}, _report(found)


def stage_moments(name: str) -> list[float]:
    """Scenario seconds at which each stage of each of its incidents is in force (30 s in)."""
    scenario = load_scenario(name)
    return sorted({step.at + 30 for incident in scenario.incidents for step in incident.steps})


SAMPLE_SCENARIO = "mapo-fire"  # the suite's: its stages include the alarm, the jam and the smoke


def walk_stages(live, driver, artifacts, name: str, languages: int) -> dict[str, list[str]]:
    """The wall follows the scenario as any wall would, by its ticks (the page is loaded once), and
    is measured at every stage: in both languages, or in one, each stage in the other one from the
    stage before (the language switched with the wall's button as the stage's data comes)."""
    wall, source = live.wall, live.source
    open_wall(driver, live.url + "/?lang=ko")
    source.play(name)
    found, elapsed = {}, 0.0
    for number, moment in enumerate(stage_moments(name)):
        source.advance(moment - elapsed)
        elapsed = moment
        for feed in ("air", "traffic", "incidents"):
            wall.poller.poll(feed)
        if languages == 1 and number > 0:
            driver.find_element(By.ID, "lang-toggle").click()  # one redraw for the data and the words
        lang = "ko" if number % 2 == 0 else "en"  # either way, each stage starts in the other language
        stage = source.scenario_status()["stage"]
        state = f"{name}-{int(moment) // 60:02d}m-{stage}"
        wait_for(
            driver,
            lambda d, lang=lang: shows_the_last_poll(d, wall) and _settled(d, lang),
            message=f"{state}: the wall never caught up in {lang}",
        )
        found |= {f"{state} {k}": v for k, v in check(driver, artifacts, state, languages).items()}
    return found


def test_a_scenarios_stages_read_from_three_metres(wall_browser, artifacts):
    """One scenario, every stage, each in one language (the two alternate)."""
    live, driver = wall_browser
    found = walk_stages(live, driver, artifacts, SAMPLE_SCENARIO, languages=1)
    assert found == {}, _report(found)


@pytest.mark.full
@pytest.mark.parametrize("name", bundled_scenarios())
def test_every_stage_of_every_scenario_reads_from_three_metres_in_both_languages(
    wall_browser, artifacts, name
):
    live, driver = wall_browser
    found = walk_stages(live, driver, artifacts, name, languages=2)
    assert found == {}, _report(found)


def shows_the_last_poll(driver, wall) -> bool:
    """Whether the wall shows the incidents' last poll, the last of a stage's polls: a tick's
    answer carries every part that changed at once, and a stage always changes the incidents (a
    part whose data did not change keeps its age as it was, which still reads true)."""
    polled = f"{wall.store.meta('incidents').fetched_at:.3f}"
    return polled in driver.execute_script(
        "return [...document.querySelectorAll('#wall .age[data-fetched]')].map(e => e.dataset.fetched)"
    )
