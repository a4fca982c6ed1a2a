"""Pure builders: frames in, what the wall says out."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from feeds import air, incidents, traffic
from feeds.demo import body_at
from feeds.districts import DISTRICTS
from feeds.envelope import result_error
from feeds.reasons import Reason, Seconds
from layouts import figures, panels, summary, theme
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
    assert traffic.mean_speed(links) == pytest.approx(17.5)
    # A link of unknown length weighs as much as the mean known link; one with no speed, nothing.
    more = pd.DataFrame(
        {"speed_kmh": [10.0, 40.0, 25.0, float("nan")], "length_m": [300.0, 100.0, None, 50.0]}
    )
    assert traffic.mean_speed(more) == pytest.approx((3000 + 4000 + 25 * 150) / 550)


def test_every_speed_average_is_the_same_weighting(city):
    """The district bars, the city figure and the trend's rows agree: one weighting, one home."""
    links = city[1]
    bars = summary.district_speeds(links).set_index("district_code")["speed_kmh"]
    rows = traffic.DISTRICT_SERIES.read(links)
    kept = rows.dropna(subset=["speed_kmh"]).set_index("district_code")["speed_kmh"]
    pd.testing.assert_series_equal(bars.sort_index(), kept.sort_index(), check_names=False)
    in_seoul = links[links["district_code"] != ""]
    city_speed = (rows["speed_kmh"] * rows["length_m"]).sum() / rows["length_m"].sum()
    assert city_speed == pytest.approx(traffic.mean_speed(in_seoul))
    today, _, _ = summary.speed_by_hour(rows, rows["measured_at"].max())
    assert today["speed_kmh"].iloc[-1] == pytest.approx(traffic.mean_speed(in_seoul))


def test_tour_starts_with_alarms_then_highlights_without_repeats(city):
    air_frame, links, open_now = city
    fire = open_now.iloc[[0]].assign(severe=True, type_code="A08", district_code="11440")
    stops = summary.tour(air_frame, links, pd.concat([fire, open_now.iloc[1:]]))
    assert stops[0] == {"district_code": "11440", "reason": "alarm"}
    codes = [s["district_code"] for s in stops]
    assert len(codes) == len(set(codes)) and summary.worst_district(air_frame) in codes


def test_alarms_are_severe_incidents_and_very_bad_air(city):
    air_frame, _, open_now = city
    calm = open_now.assign(severe=False)
    # The number decides, never a word beside it.
    assert summary.alarms(air_frame.assign(cai=60.0, cai_grade="매우나쁨"), calm) == []
    smoky = air_frame.assign(cai=[300.0] + [60.0] * (len(air_frame) - 1))
    found = summary.alarms(smoky, calm)
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


def demo_air_with(**changes: dict) -> pd.DataFrame:
    """The demo city's air at the pinned moment with some districts' upstream fields replaced."""
    body = json.loads(body_at(7, DEMO_MOMENT, "json", "RealtimeCityAir", 1, 25))
    for row in body["RealtimeCityAir"]["row"]:
        row.update(changes.get(row["MSRSTN_NM"], {}))
    return air.parse(json.dumps(body, ensure_ascii=False))


@pytest.fixture(scope="module")
def down_air() -> pd.DataFrame:
    """용산구 under maintenance as the issue saw it (ozone left, the rest blank), 중구 a partial set."""
    return demo_air_with(
        용산구={"PM": "-", "FPM": "", "CAI_IDX": "-", "CAI_GRD": "점검중", "OZON": "0.029"},
        중구={"FPM": "", "CAI_IDX": "-", "CAI_GRD": ""},
    )


YONGSAN, JUNG = "11170", "11140"


def texts(component) -> list[str]:
    """Every string a component tree shows, depth first."""
    if component is None:
        return []
    if isinstance(component, str):
        return [component]
    if isinstance(component, (list, tuple)):
        return [text for child in component for text in texts(child)]
    return texts(getattr(component, "children", None))


@pytest.mark.parametrize(("lang", "word"), [("ko", "점검중"), ("en", "Maintenance")])
def test_a_station_under_maintenance_is_grey_and_says_so_on_the_map(down_air, lang, word):
    figure = figures.air_map(down_air, None, lang)
    codes = [d.code for d in DISTRICTS]
    labels = figure["data"][-1]["text"]
    grey = theme.NO_DATA
    assert labels[codes.index(YONGSAN)].endswith(f"<br>{word}")
    assert labels[codes.index(JUNG)].endswith("<br>CAI —")
    assert figure["data"][codes.index(YONGSAN)]["fillcolor"] == grey
    assert figure["data"][codes.index(JUNG)]["fillcolor"] == grey


@pytest.mark.parametrize(("lang", "word"), [("ko", "점검중"), ("en", "Under maintenance")])
def test_the_ranking_has_no_bar_for_a_station_under_maintenance(down_air, lang, word):
    bars = figures.air_ranking(down_air, None, lang)["data"][0]
    codes, xs = list(bars["customdata"]), list(bars["x"])
    shown = dict(zip(codes, zip(xs, bars["text"], bars["marker"]["color"], strict=True), strict=True))
    assert shown[YONGSAN] == (0, word, theme.NO_DATA)
    assert shown[JUNG] == (0, "CAI —", theme.NO_DATA)
    # Ranked districts only above them, worst on top (plotly draws the first category lowest).
    assert set(codes[:2]) == {YONGSAN, JUNG}
    assert xs[2:] == sorted(xs[2:]) and all(x > 0 for x in xs[2:])
    cai = down_air.set_index("district_code")["cai"]
    assert cai[codes[-1]] == cai.max() == cai[summary.worst_district(down_air)]


@pytest.mark.parametrize(
    ("lang", "word", "nothing"),
    [("ko", "점검중", "측정값 없음"), ("en", "Under maintenance", "No measurements")],
)
def test_the_detail_of_a_station_under_maintenance_grades_nothing(down_air, lang, word, nothing):
    header, pollutants, _ = panels.district_detail(YONGSAN, False, down_air, None, None, lang)
    grade_box = header.children[1]
    assert texts(grade_box) == [word, nothing]
    assert grade_box.style["background"] == theme.NO_DATA
    assert "CAI" not in " ".join(texts(header))
    assert [texts(p)[1] for p in pollutants.children] == ["—"] * len(air.POLLUTANTS)


@pytest.mark.parametrize(("lang", "no_grade"), [("ko", "등급 없음"), ("en", "No grade")])
def test_the_detail_of_a_partial_set_shows_its_measurements_and_no_cai(down_air, lang, no_grade):
    header, pollutants, _ = panels.district_detail(JUNG, False, down_air, None, None, lang)
    assert texts(header.children[1]) == [no_grade, "CAI —"]
    shown = dict(texts(p)[:2] for p in pollutants.children)
    jung = down_air.set_index("district_code").loc[JUNG]
    assert shown["PM10"] == f"{jung['pm10']:.0f}" and shown["PM2.5"] == "—"


def test_summaries_leave_a_station_under_maintenance_out(down_air):
    counts = summary.grade_counts(down_air)
    assert sum(counts.values()) == 23  # 25 less the one under maintenance and the partial set
    legend = [" ".join(texts(chip)) for chip in panels.air_legend(down_air, "ko")]
    assert "점검중 1개 구" in legend and "CAI — 1개 구" in legend
    legend = [" ".join(texts(chip)) for chip in panels.air_legend(down_air, "en")]
    assert legend[-2:] == ["CAI — 1", "Maintenance 1"] and not any("districts" in c for c in legend)
    tiles, minor, bar = panels.headlines(down_air, None, None, "en")
    assert "Under maintenance 1" in texts(bar) and "CAI — 1" in texts(bar)
    measured = down_air[~down_air["district_code"].isin([YONGSAN, JUNG])]
    assert texts(minor.children[0])[1] == f"{measured['pm25'].mean():.0f}"  # 중구's PM2.5 is missing
    assert YONGSAN not in [stop["district_code"] for stop in summary.tour(down_air, None, None, stops=25)]


def test_a_row_with_a_stations_word_is_never_ranked_whatever_else_it_holds(down_air):
    # A frame made before the parser knew better (kept in history) carries the old made-up CAI.
    made_up = down_air.assign(
        cai=down_air["cai"].where(down_air["district_code"] != YONGSAN, 400.0),
        cai_grade=down_air["cai_grade"].where(down_air["district_code"] != YONGSAN, "매우나쁨"),
    )
    assert summary.worst_district(made_up) != YONGSAN
    assert summary.alarms(made_up, None) == []
    assert summary.grade_counts(made_up) == summary.grade_counts(down_air)
    assert " ".join(texts(panels.alerts(made_up, None, [], "ko"))).count("용산구") == 0
    assert figures.air_map(made_up, None, "ko") == figures.air_map(down_air, None, "ko")


def test_bad_air_alerts_follow_the_number_and_say_a_missing_pm25():
    frame = demo_air_with(종로구={"CAI_IDX": "139", "CAI_GRD": "보통", "FPM": "-"})
    alert = next(a for a in panels.alerts(frame, None, [], "en") if "Jongno-gu" in texts(a)[0])
    assert texts(alert) == ["Jongno-gu: air Unhealthy", "CAI 139 · PM2.5 —"]


def test_the_city_trend_averages_only_what_was_measured(down_air):
    _, city = summary.air_trend(air.SERIES.read(down_air), None)
    assert city["pm25"].iloc[0] == pytest.approx(down_air["pm25"].dropna().mean())
    assert down_air.set_index("district_code").loc[[YONGSAN, JUNG], "pm25"].isna().all()


def test_empty_charts_say_there_is_no_data():
    figure = figures.air_ranking(None, None, "ko")
    assert figure["layout"]["annotations"][0]["text"] == "자료 없음"


def test_feed_reasons_read_in_the_walls_language():
    key = result_error("INFO-100").reason
    assert reason_text(key, "ko") == "INFO-100: 인증키가 유효하지 않습니다"
    assert reason_text(key, "en") == "INFO-100: the API key is not valid"
    assert reason_text(Reason("stale.silent", limit=Seconds(900)), "ko") == "15분 넘게 갱신 없음"
    assert reason_text(Reason("stale.old", limit=Seconds(8100)), "ko") == "자료가 2시간 15분 넘게 지남"
    http = Reason("seoul.http_status", status=503, url="http://h/***/json/x")
    assert reason_text(http, "ko") == "서울 열린데이터광장 응답 HTTP 503"
    assert reason_text(http, "en") == "HTTP 503 from the Seoul API (http://h/***/json/x)"


def test_url_problems_name_what_was_not_understood():
    from callbacks.controls import url_problems

    assert url_problems("/", "?district=11440&lang=en") == []
    assert url_problems("/panel/3/", "") == []
    assert url_problems("/panel/0", "?district=seoul&lang=jp") == [
        ("bad_district", "seoul"),
        ("bad_lang", "jp"),
        ("bad_panel", "/panel/0"),
    ]


def test_an_incident_in_no_known_district_leaves_the_maps_labels_alone():
    incidents = pd.DataFrame(
        {"lon": [126.9], "lat": [37.5], "type_code": ["A01"], "severe": [False], "district_code": [""]}
    )
    figure = figures.incident_map(incidents, "zzz", "ko")
    assert figure["data"][-2]["uid"] == "geo-labels" and any(figure["data"][-2]["text"])
