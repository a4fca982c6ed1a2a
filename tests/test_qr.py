"""The QR code on the wall (WALL_PUBLIC_URL): it reads back, as a phone's camera reads it, as the
phone view's address in the wall's language and on the district touched; no setting, no code."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import segno
from selenium.webdriver.common.by import By

from dashboard.settings import SettingsError, load
from feeds.districts import DISTRICTS, District
from layouts import qr
from layouts.i18n import t
from tests.browser import console_errors, open_wall, touch_district, wait_for

PUBLIC = "http://192.168.0.10:8050"


def zbar(image: Path) -> str:
    """What a QR reader finds in an image: zbarimg, as `make test` installs it (zbar-tools)."""
    binary = shutil.which("zbarimg")
    if binary is None:
        pytest.fail("zbarimg is missing: run `make test`, which installs Debian's zbar-tools")
    found = subprocess.run([binary, "--quiet", "--raw", str(image)], capture_output=True, text=True)
    assert found.returncode == 0, f"no QR code read in {image}: {found.stderr.strip()}"
    return found.stdout.strip()


def svg_of(children: list) -> str:
    image = children[0]
    prefix = "data:image/svg+xml;base64,"
    assert image.src.startswith(prefix)
    return base64.b64decode(image.src[len(prefix) :]).decode()


def modules_of(svg: str) -> set[tuple[int, int]]:
    """The dark modules (row, column) segno's SVG draws: runs of ``h`` along rows, moved by M/m."""
    dark = re.search(r'<path class="qrline"[^>]* d="([^"]+)"', svg)
    assert dark is not None, svg[:200]
    x = y = 0.0
    cells = set()
    for op, first, second in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", dark[1]):
        if op == "M":
            x, y = float(first), float(second)
        elif op == "m":
            x, y = x + float(first), y + float(second)
        else:
            run = int(float(first))
            cells |= {(int(y), int(x) + i) for i in range(run)}
            x += run
    return cells


# --- the address ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("public", "lang", "selection", "url"),
    [
        (PUBLIC, "ko", None, "http://192.168.0.10:8050/m?lang=ko"),
        (PUBLIC, "en", None, "http://192.168.0.10:8050/m?lang=en"),
        (PUBLIC, "ko", "11440", "http://192.168.0.10:8050/m?lang=ko&district=11440"),
        (PUBLIC, "en", "11440", "http://192.168.0.10:8050/m?lang=en&district=11440"),
        (
            "https://wall.example.org/city",
            "en",
            "11110",
            "https://wall.example.org/city/m?lang=en&district=11110",
        ),
    ],
)
def test_the_phone_url_follows_the_walls_language_and_touched_district(public, lang, selection, url):
    assert qr.phone_url(public, lang, selection) == url


def test_a_wall_without_a_public_address_shows_no_code():
    assert qr.qr_code("", "ko", None) == []
    assert qr.qr_code("", "en", "11440") == []


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_the_code_is_an_image_with_its_label_and_invitation(lang):
    image, invite = qr.qr_code(PUBLIC, lang, "11440")
    assert image.alt == t("qr_label", lang)
    assert invite.children == t("qr_invite", lang)
    # Big enough to scan from 1-2 m, a whole number of px per module (41 with the quiet zone here).
    assert 260 <= image.width == image.height <= 320
    code = segno.make(qr.phone_url(PUBLIC, lang, "11440"), error=qr.ERROR, micro=False, boost_error=False)
    assert code.error in ("M", "Q") and image.width % code.symbol_size(border=4)[0] == 0


@pytest.mark.parametrize(
    ("public", "lang", "selection"),
    [(PUBLIC, "ko", None), (PUBLIC, "en", "11440"), ("https://wall.example.org/city", "ko", "11110")],
)
def test_the_svg_is_the_code_of_the_phone_url_and_a_reader_reads_it(public, lang, selection, tmp_path):
    url = qr.phone_url(public, lang, selection)
    svg = svg_of(qr.qr_code(public, lang, selection))
    # Dark on a light quiet zone of four modules: the whole square is white, the first dark at 4.
    assert '<path fill="#fff" d="M0 0h' in svg and 'stroke="#000"' in svg
    code = segno.make(url, error=qr.ERROR, micro=False, boost_error=False)
    size = code.symbol_size(border=0)[0]
    expected = {
        (row + 4, column + 4)
        for row, line in enumerate(code.matrix)
        for column, dark in enumerate(line)
        if dark
    }
    assert modules_of(svg) == expected
    assert min(r for r, _ in expected) == 4 and max(r for r, _ in expected) == size + 3
    png = tmp_path / "code.png"
    code.save(png, kind="png", scale=8, border=4)
    assert zbar(png) == url


# --- the setting ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "http://localhost:8050",
        "http://127.0.0.1:8050",
        "http://127.1.2.3",
        "http://[::1]:8050",
        "http://0.0.0.0:8050",
        "http://192.168.0.10:8050/?lang=en",
        "http://192.168.0.10:8050/#top",
        "ftp://192.168.0.10",
        "192.168.0.10:8050",
        "http://:8050",
    ],
)
def test_an_address_phones_cannot_use_is_refused_naming_the_setting(value):
    with pytest.raises(SettingsError) as refused:
        load({"WALL_PUBLIC_URL": value})
    message = str(refused.value)
    assert message.startswith(f"WALL_PUBLIC_URL={value!r} is not valid: expected ")
    assert "\n" not in message and "phones can reach" in message


@pytest.mark.parametrize(
    ("value", "kept"),
    [
        ("http://192.168.0.10:8050", "http://192.168.0.10:8050"),
        ("http://192.168.0.10:8050/", "http://192.168.0.10:8050"),
        ("https://wall.example.org/city/", "https://wall.example.org/city"),
        (" http://wall.lan ", "http://wall.lan"),
    ],
)
def test_a_good_address_is_kept_without_its_trailing_slash(value, kept):
    assert load({"WALL_PUBLIC_URL": value}).wall_public_url == kept


def test_no_address_is_no_code():
    assert load({}).wall_public_url == ""


# --- on the wall ---------------------------------------------------------------------------------


def code_shown(driver, path: Path) -> str:
    """The wall's QR code as a camera in front of the screen sees it: a screenshot, read."""
    driver.find_element(By.CSS_SELECTOR, ".part-qr .qr-image").screenshot(str(path))
    return zbar(path)


def box(driver, selector: str) -> dict:
    return driver.execute_script(
        "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return {left: r.left, top: r.top, right: r.right, bottom: r.bottom};",
        selector,
    )


def overlaps(a: dict, b: dict) -> bool:
    return (
        a["left"] < b["right"]
        and b["left"] < a["right"]
        and a["top"] < b["bottom"]
        and b["top"] < a["bottom"]
    )


def labelled_district(driver) -> District:
    """A district whose name the air map shows (it leaves out labels that would touch another)."""
    shown = driver.execute_script(
        "return [...document.querySelectorAll('.part-air-map .textpoint text')].map(t => t.textContent)"
    )
    return next(d for d in DISTRICTS if any(label.startswith(d.name) for label in shown))


@pytest.mark.browser
def test_the_single_panel_shows_a_code_that_reads_as_the_phone_view(
    live_wall_factory, browser_factory, artifacts
):
    live = live_wall_factory(wall_public_url=PUBLIC)
    driver = browser_factory(1920, 1080)
    driver.get(live.url + "/panel/6")
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".part-district-detail .detail-name"))
    wait_for(driver, lambda d: d.find_elements(By.CSS_SELECTOR, ".part-qr .qr-image"))
    assert code_shown(driver, artifacts / "qr_panel_6_code.png") == f"{PUBLIC}/m?lang=ko"
    assert driver.find_element(By.CSS_SELECTOR, ".part-qr .qr-invite").text.replace("\n", " ") == t(
        "qr_invite", "ko"
    )
    # In its corner of panel 6, covering none of what the panel says.
    code, panel = box(driver, ".part-qr"), box(driver, "#panel-6 .panel-body")
    assert code["right"] <= panel["right"] and code["bottom"] <= panel["bottom"]
    assert 260 <= code["right"] - code["left"] <= 320
    for shown in (".detail-header", ".pollutants", ".detail-columns"):
        assert not overlaps(code, box(driver, f"#panel-6 {shown}")), shown
    driver.save_screenshot(str(artifacts / "qr_panel_6.png"))
    assert console_errors(driver) == []
    assert live.errors.records == []


@pytest.mark.browser
def test_the_code_follows_a_touch_and_the_language(live_wall_factory, browser_factory, artifacts):
    live = live_wall_factory(wall_public_url=PUBLIC)
    driver = browser_factory(5760, 2160)
    open_wall(driver, live.url + "/")
    assert code_shown(driver, artifacts / "qr_code_city.png") == f"{PUBLIC}/m?lang=ko"

    def src(d) -> str:
        return d.find_element(By.CSS_SELECTOR, ".part-qr .qr-image").get_attribute("src")

    before = src(driver)
    district = labelled_district(driver)
    touch_district(driver, district.name)
    wait_for(driver, lambda d: src(d) != before, message="the code did not follow the touch")
    touched = f"{PUBLIC}/m?lang=ko&district={district.code}"
    assert code_shown(driver, artifacts / "qr_code_touched.png") == touched
    driver.save_screenshot(str(artifacts / "qr_canvas_touched.png"))

    before = src(driver)
    driver.find_element(By.ID, "lang-toggle").click()
    wait_for(driver, lambda d: src(d) != before, message="the code did not follow the language")
    in_english = f"{PUBLIC}/m?lang=en&district={district.code}"
    assert code_shown(driver, artifacts / "qr_code_touched_en.png") == in_english
    image = driver.find_element(By.CSS_SELECTOR, ".part-qr .qr-image")
    assert image.get_attribute("alt") == t("qr_label", "en")
    assert console_errors(driver) == []


@pytest.mark.browser
def test_a_wall_without_the_setting_has_no_code_and_gives_it_no_room(live_wall, browser_factory, artifacts):
    driver = browser_factory(5760, 2160)
    open_wall(driver, live_wall.url + "/")
    assert driver.find_elements(By.CSS_SELECTOR, ".qr-image, .qr-invite") == []
    assert driver.find_element(By.CSS_SELECTOR, ".part-qr").get_attribute("innerHTML") == ""
    code = box(driver, ".part-qr")
    assert code["right"] - code["left"] == 0 and code["bottom"] - code["top"] == 0
    # The district's columns reach the panel's right edge, as they did before there was a code.
    assert box(driver, "#panel-6 .detail-columns")["right"] == box(driver, "#panel-6 .pollutants")["right"]
    driver.find_element(By.CSS_SELECTOR, "#panel-6").screenshot(str(artifacts / "qr_none_panel_6.png"))
    assert console_errors(driver) == []
