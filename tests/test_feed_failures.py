"""Panel 1 never hides a failing feed: each has its own row, first, that alerts cannot push out."""

from __future__ import annotations

import pandas as pd
import pytest

from feeds import air, incidents
from feeds.demo import body_at
from feeds.envelope import result_error
from feeds.reasons import Reason, Seconds
from layouts import panels
from layouts.spec import ALL_FEEDS, PARTS
from tests.conftest import DEMO_MOMENT
from tests.test_incident_times import texts


def meta(feed: str, status: str, error: str | None = None, stale_reason: str | None = None) -> dict:
    return {"feed": feed, "version": 3, "status": status, "error": error, "stale_reason": stale_reason}


FAILING = [
    meta("air", "error", error=result_error("ERROR-500").reason),
    meta("traffic", "stale", stale_reason=Reason("stale.silent", limit=Seconds(900))),
    meta("incidents", "error", error=Reason("body.html", service="AccInfo")),
]


@pytest.fixture(scope="module")
def ten_severe() -> pd.DataFrame:
    """Ten severe incidents: ten alerts, more than the strip has room for."""
    frame = incidents.parse(body_at(7, DEMO_MOMENT, "xml", "AccInfo", 1, 1000))
    assert len(frame) >= 10
    return frame.head(10).assign(severe=True, type_code="A08", type="화재", type_en="Fire")


def said(strip: list) -> list[str]:
    return [" ".join(text for text in texts(item) if text) for item in strip]


@pytest.mark.parametrize(
    ("lang", "feeds"),
    [
        (
            "ko",
            [
                "대기 데이터 오류 ERROR-500: 서울 열린데이터광장 서버 오류",
                "교통 데이터 지연 15분 넘게 갱신 없음",
                "사고 데이터 오류 AccInfo 응답이 자료가 아닌 웹 페이지입니다 (프록시 또는 서버 오류)",
            ],
        ),
        (
            "en",
            [
                "Air data: Error ERROR-500: the provider's server failed",
                "Traffic data: Stale no update for more than 15 min",
                "Incidents data: Error " + FAILING[2]["error"],
            ],
        ),
    ],
)
def test_three_failing_feeds_come_first_and_ten_alerts_fold_behind_them(ten_severe, lang, feeds):
    strip = panels.alerts(None, ten_severe, FAILING, lang)
    shown = said(strip)
    assert shown[:3] == feeds
    assert all("alert-feed" in item.className for item in strip[:3])
    # The row left for alerts holds the first alert and what is folded: 9 of the 10.
    assert len(strip) == 5
    assert "alert-severe" in strip[3].className
    assert shown[4] == ("외 9건" if lang == "ko" else "9 more")


def test_a_failing_feed_is_never_folded_however_many_alerts_there_are(ten_severe):
    for failing in (FAILING[:1], FAILING[:2], FAILING):
        strip = panels.alerts(None, ten_severe, failing, "ko")
        rows = [item for item in strip if "alert-feed" in item.className]
        assert strip[: len(failing)] == rows and len(rows) == len(failing)
        folded = int(said(strip)[-1].removeprefix("외 ").removesuffix("건"))
        alerts_shown = len(strip) - len(failing) - 1
        assert alerts_shown + folded == 10  # every alert is shown or counted


def test_few_alerts_are_all_shown_after_the_failing_feeds(ten_severe):
    strip = panels.alerts(None, ten_severe.head(2), FAILING[:1], "en")
    assert [item.className.split()[1] for item in strip] == ["alert-feed", "alert-severe", "alert-severe"]


def test_a_failing_feed_alone_replaces_no_alerts_and_a_waiting_one_is_not_an_error():
    strip = panels.alerts(None, None, [FAILING[1], meta("air", "ok")], "ko")
    assert said(strip) == ["교통 데이터 지연 15분 넘게 갱신 없음"]
    waiting = {"feed": "air", "version": 0, "status": "error", "error": None, "stale_reason": None}
    assert said(panels.alerts(None, None, [waiting], "ko")) == ["특이 상황 없음"]


def test_the_alert_strip_follows_every_feeds_status():
    # A failing traffic feed must reach the strip even when air and incidents do not move.
    part = PARTS["1:alerts"]
    assert part.status and set(part.feeds) == set(ALL_FEEDS)


@pytest.mark.parametrize("lang, word", [("ko", "마지막 자료"), ("en", "last known")])
def test_a_headline_figure_of_a_feed_that_is_not_live_is_greyed_and_called_last_known(lang, word):
    from tests.conftest import ControlledSource

    source = ControlledSource()
    frames = {
        feed: parse(source.fetch(*request))
        for feed, (parse, request) in {
            "air": (air.parse, ("json", "RealtimeCityAir", 1, 25)),
            "incidents": (incidents.parse, ("xml", "AccInfo", 1, 1000)),
        }.items()
    }
    shown = panels.headlines(frames["air"], None, frames["incidents"], lang, frozenset({"incidents"}))
    tiles = [tile for row in shown[:2] for tile in row.children]
    greyed = [tile for tile in tiles if "tile-not-live" in tile.className]
    assert {tile.className.split()[1] for tile in greyed} == {"tile-incidents", "tile-small"}
    assert len(greyed) == 2 and all(word in tile.children[0].children for tile in greyed)
    live = [tile for tile in tiles if tile not in greyed]
    assert live and not any(word in tile.children[0].children for tile in live)
