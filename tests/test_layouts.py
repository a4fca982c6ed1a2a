"""Pure builders: frames in, what the wall says out."""

from __future__ import annotations

import pandas as pd
import pytest

from feeds import air, incidents, traffic
from feeds.demo import body_at
from layouts import figures, panels, summary
from layouts.i18n import reason_text
from tests.conftest import DEMO_MOMENT


@pytest.fixture(scope="module")
def city():
    """The demo city's three frames at the pinned moment."""
    return (
        air.parse(body_at(7, DEMO_MOMENT, "json", "RealtimeCityAir", 1, 25)),
        traffic.parse([body_at(7, DEMO_MOMENT, "json", "citydata", 1, 5, p) for p in traffic.HOTSPOTS]),
        incidents.parse(body_at(7, DEMO_MOMENT, "xml", "AccInfo", 1, 1000)),
    )


def test_worst_district_is_the_highest_cai(city):
    air_frame = city[0]
    worst = summary.worst_district(air_frame)
    assert air_frame.set_index("district_code").loc[worst, "cai"] == air_frame["cai"].max()
    assert summary.worst_district(None) is None


def test_city_speed_is_weighted_by_link_length():
    links = pd.DataFrame({"speed_kmh": [10.0, 40.0], "length_m": [300.0, 100.0]})
    assert summary.citywide_speed(links) == pytest.approx(17.5)


def test_tour_starts_with_alarms_then_highlights_without_repeats(city):
    air_frame, links, open_now = city
    fire = open_now.iloc[[0]].assign(severe=True, type_code="A08", district_code="11440")
    stops = summary.tour(air_frame, links, pd.concat([fire, open_now.iloc[1:]]))
    assert stops[0] == {"district_code": "11440", "reason": "alarm"}
    codes = [s["district_code"] for s in stops]
    assert len(codes) == len(set(codes)) and summary.worst_district(air_frame) in codes


def test_alarms_are_severe_incidents_and_very_bad_air(city):
    air_frame, _, open_now = city
    assert summary.alarms(air_frame.assign(cai_grade="보통"), open_now.assign(severe=False)) == []
    smoky = air_frame.assign(cai_grade=["매우나쁨"] + ["보통"] * (len(air_frame) - 1))
    found = summary.alarms(smoky, open_now.assign(severe=False))
    assert [a["kind"] for a in found] == ["air"]
    banners = panels.alarm_banners(found, "ko")
    assert banners[2] and banners[3] and not banners[4] and not banners[5]


def test_speed_by_hour_compares_today_with_earlier_days():
    stamps = pd.to_datetime(["2026-11-18 08:00", "2026-11-19 08:00", "2026-11-19 09:00"]).tz_localize(
        "Asia/Seoul"
    )
    series = pd.DataFrame(
        {
            "district_code": ["11110"] * 3,
            "measured_at": stamps,
            "speed_kmh": [20.0, 12.0, 30.0],
            "links": [3, 3, 3],
            "jammed": [0, 1, 0],
        }
    )
    today, earlier, days = summary.speed_by_hour(series, stamps[-1])
    assert today.set_index("hour")["speed_kmh"].to_dict() == {8: 12.0, 9: 30.0}
    assert earlier.set_index("hour")["speed_kmh"].to_dict() == {8: 20.0} and days == 1


def test_air_map_draws_every_district_coloured_by_grade(city):
    figure = figures.air_map(city[0], "11440", "en")
    shapes = [trace for trace in figure["data"] if trace.get("fill") == "toself"]
    assert len(shapes) == 25
    # Curve n is district n of the table, which a click's curve number names (callbacks/controls.py).
    assert shapes[13]["uid"] == "geo-district-11440"
    assert shapes[13]["line"]["width"] > 5  # the selection is outlined


def test_empty_charts_say_there_is_no_data():
    figure = figures.air_ranking(None, None, "ko")
    assert figure["layout"]["annotations"][0]["text"] == "자료 없음"


def test_feed_reasons_read_in_the_walls_language():
    assert reason_text("INFO-100: the API key is not valid", "ko") == "INFO-100: 인증키가 유효하지 않습니다"
    assert reason_text("INFO-100: the API key is not valid", "en") == "INFO-100: the API key is not valid"
    assert reason_text("no update for 2 h 5 min", "ko") == "2시간 5분 동안 갱신 없음"
    assert reason_text("no update for more than 15 min", "ko") == "15분 넘게 갱신 없음"
    assert reason_text("data is more than 2 h 15 min old", "ko") == "자료가 2시간 15분 넘게 지남"
    assert (
        reason_text("HTTP 503 from the Seoul API (http://h/***/json/x)", "ko")
        == "서울 열린데이터광장 응답 HTTP 503"
    )


def test_url_problems_name_what_was_not_understood():
    from callbacks.controls import url_problems

    assert url_problems("/", "?district=11440&lang=en") == []
    assert url_problems("/panel/3/", "") == []
    assert url_problems("/panel/0", "?district=seoul&lang=jp") == [
        ("bad_district", "seoul"),
        ("bad_lang", "jp"),
        ("bad_panel", "/panel/0"),
    ]
