"""A page opens as its address asks: in that language, on that district, from its first paint.

Dash fetches a page's layout in a second request that carries no address, so each page's HTML
answer keeps what its address asked for in a short-lived cookie of its own (the wall's at /, the
phone view's at /m/) and the layout is drawn from it. Over real HTTP, with a browser's cookie jar.
"""

from __future__ import annotations

import pytest

from benchmarks.dash_client import HttpClient, walk
from layouts.i18n import t

LONGEST = "11560"  # 영등포구


def opened(base: str, page: str, layout_base: str | None = None) -> dict[str, dict]:
    """The props by id of the layout a browser is given after opening ``page``."""
    browser = HttpClient(base, keep=True)
    assert browser.get(page).status_code == 200
    layout = HttpClient(layout_base or base, keep=True)
    layout.session = browser.session  # one browser: one cookie jar
    answer = layout.get("/_dash-layout")
    assert answer.status_code == 200
    return walk(answer.get_json(), {})


@pytest.mark.parametrize("page", ["/", "/panel/4"])
def test_the_wall_opens_in_english_on_the_district_its_address_names(live_wall, page):
    props = opened(live_wall.url, f"{page}?lang=en&district={LONGEST}")
    assert props["lang"]["data"] == "en" and props["selection"]["data"] == LONGEST
    assert props["wall"]["lang"] == "en"
    title = props['{"kind":"html","panel":1,"part":"title"}']["children"]
    assert title == t("panel1", "en")


@pytest.mark.parametrize("page", ["/m", "/m/"])
def test_the_phone_view_opens_in_english_on_the_district_its_address_names(live_wall, page):
    props = opened(live_wall.url, f"{page}?district={LONGEST}&lang=en", live_wall.url + "/m")
    assert props["lang"]["data"] == "en" and props["selection"]["data"] == LONGEST
    assert props["phone"]["lang"] == "en"


@pytest.mark.parametrize("query", ["?lang=xx&district=99999", "?lang=&district=", "?district=11440'"])
def test_an_address_it_cannot_use_opens_the_city_in_korean(live_wall, query):
    props = opened(live_wall.url, "/" + query)
    assert props["lang"]["data"] == "ko" and props["selection"]["data"] is None


def test_each_page_keeps_its_own_opening(live_wall):
    # A phone opened in English in the same browser leaves the wall's next page in Korean.
    browser = HttpClient(live_wall.url, keep=True)
    assert browser.get(f"/m?lang=en&district={LONGEST}").status_code == 200
    props = walk(browser.get("/_dash-layout").get_json(), {})
    assert props["lang"]["data"] == "ko" and props["selection"]["data"] is None
