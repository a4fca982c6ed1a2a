"""The feed parsers against Seoul Open Data payloads: every envelope form and quirk in SEOUL_API.md.

Fixtures under tests/fixtures/ are hand-written from the spec (realistic values for real districts);
the citydata capture is the real one shared in ../shared/fixtures/seoul/.
"""

from __future__ import annotations

import copy
import json
import logging
import math
from pathlib import Path

import pandas as pd
import pytest
from pyproj import Transformer

from feeds import air, incidents, traffic
from feeds.base import FeedError
from feeds.districts import BY_CODE, DISTRICTS, boundaries, district_by_name, locate

FIXTURES = Path(__file__).parent / "fixtures"
SHARED_FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "seoul"
SEOUL_BOUNDS = {"lon": (126.76, 127.19), "lat": (37.42, 37.71)}  # Seoul's bounding box, WGS84
TO_EPSG5181 = Transformer.from_crs("EPSG:4326", "EPSG:5181", always_xy=True)  # as AccInfo reports

# Landmarks (WGS84) and the district each lies in, well away from any district border.
LANDMARKS = [
    ("Seoul City Hall", 37.5663, 126.9779, "중구"),
    ("Gangnam-gu office", 37.5172, 127.0473, "강남구"),
    ("Seocho-gu office", 37.4837, 127.0324, "서초구"),
    ("Jamsil", 37.5133, 127.1001, "송파구"),
    ("Mapo-gu office", 37.5663, 126.9019, "마포구"),
    ("Gwanghwamun", 37.5759, 126.9768, "종로구"),
    ("Nowon station", 37.6542, 127.0568, "노원구"),
    ("Yeouido", 37.5219, 126.9245, "영등포구"),
    ("Gangseo-gu office", 37.5509, 126.8495, "강서구"),
]


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    dphi, dlambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(a))


def success(service: str, rows: list[dict]) -> str:
    """A JSON success envelope around rows, as every list service sends it."""
    result = {"CODE": "INFO-000", "MESSAGE": "정상 처리되었습니다"}
    envelope = {service: {"list_total_count": len(rows), "RESULT": result, "row": rows}}
    return json.dumps(envelope, ensure_ascii=False)


def new_air_with(district: str, **fields: object) -> pd.DataFrame:
    """The new-generation air fixture with some fields of one district's row replaced."""
    rows = json.loads(fixture("air_new_generation.json"))["RealtimeCityAir"]["row"]
    next(row for row in rows if row["MSRSTN_NM"] == district).update(fields)
    return by_district(air.parse(success("RealtimeCityAir", rows)))


def by_district(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index("district")


def by_incident(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.set_index("incident_id")


EVERY_PARSER = pytest.mark.parametrize(
    "parse", [air.parse, incidents.parse, traffic.parse], ids=["air", "incidents", "traffic"]
)


@pytest.fixture(scope="module")
def old_air() -> pd.DataFrame:
    return by_district(air.parse(fixture("air_old_generation.json")))


@pytest.fixture(scope="module")
def new_air() -> pd.DataFrame:
    return by_district(air.parse(fixture("air_new_generation.json")))


@pytest.fixture(scope="module")
def xml_incidents() -> pd.DataFrame:
    return by_incident(incidents.parse(fixture("accinfo.xml")))


@pytest.fixture(scope="module")
def citydata_capture() -> str:
    path = SHARED_FIXTURES / "citydata.json"
    if not path.exists():
        pytest.skip(f"the real citydata capture is not at {path}")
    return path.read_text(encoding="utf-8")


# --- The envelope, shared by every service -------------------------------------------------------


def test_info_200_in_the_service_wrapper_is_an_empty_frame():
    frame = air.parse(fixture("info_200.json"))
    assert frame.empty
    assert list(frame.columns) == air.COLUMNS


@pytest.mark.parametrize(
    ("parse", "name"),
    [
        (air.parse, "info_200_bare.json"),
        (incidents.parse, "info_200_bare.json"),
        (incidents.parse, "info_200_bare.xml"),
        (traffic.parse, "info_200_bare.json"),
    ],
    ids=["air-json", "incidents-json", "incidents-xml", "traffic-json"],
)
def test_bare_info_200_is_an_empty_frame_not_an_error(parse, name):
    assert parse(fixture(name)).empty


def test_server_error_without_the_service_wrapper_is_transient():
    with pytest.raises(FeedError) as caught:
        air.parse(fixture("error_500.json"))
    assert caught.value.code == "ERROR-500"
    assert caught.value.transient is True


def test_asking_for_too_many_rows_is_not_transient():
    with pytest.raises(FeedError) as caught:
        incidents.parse(fixture("error_336.json"))
    assert caught.value.code == "ERROR-336"
    assert caught.value.transient is False


def test_unknown_result_code_is_a_feed_error_quoting_the_provider():
    body = json.dumps({"RESULT": {"CODE": "ERROR-999", "MESSAGE": "알 수 없는 오류"}}, ensure_ascii=False)
    with pytest.raises(FeedError) as caught:
        air.parse(body)
    assert caught.value.code == "ERROR-999"
    assert "알 수 없는 오류" in caught.value.reason


@EVERY_PARSER
def test_invalid_key_answered_in_xml_to_a_json_request(parse):
    with pytest.raises(FeedError) as caught:
        parse(fixture("info_100.xml"))
    assert caught.value.code == "INFO-100"
    assert caught.value.transient is False
    assert "key" in caught.value.reason


UNUSABLE_BODIES = {
    "truncated JSON": (fixture("truncated.json"), "malformed JSON"),
    "empty body": ("", "empty body"),
    "blank body": (" \r\n", "empty body"),
    "JSON list": ('[{"MSRSTN_NM": "종로구"}]', "not an object"),
    "JSON null": ("null", "not an object"),
    "nginx 502 page": (fixture("proxy_502.html"), "HTML"),
    "proxy block page": (fixture("proxy_blocked.html"), "HTML"),
    "not XML": ("<RESULT><CODE>INFO-000</CODE>", "malformed XML"),
    # Whichever format was asked for (AccInfo is fetched as XML), garbage is not "malformed JSON".
    "garbage": ("Service Temporarily Unavailable\x00\x13", "neither JSON nor XML"),
}


@EVERY_PARSER
@pytest.mark.parametrize(("body", "says"), list(UNUSABLE_BODIES.values()), ids=list(UNUSABLE_BODIES))
def test_unusable_body_is_a_feed_error_with_a_reason(parse, body, says):
    with pytest.raises(FeedError) as caught:
        parse(body)
    assert says in caught.value.reason


def test_service_wrapper_without_rows_is_a_feed_error():
    with pytest.raises(FeedError, match="without rows"):
        air.parse(fixture("wrapper_without_rows.json"))
    xml = fixture("accinfo_single_row.xml")
    without_rows = xml[: xml.index("<row>")] + "</AccInfo>\n"
    with pytest.raises(FeedError, match="without rows"):
        incidents.parse(without_rows)


def test_bytes_with_a_byte_order_mark_parse_like_text():
    body = "\ufeff" + fixture("air_new_generation.json")
    assert len(air.parse(body.encode("utf-8"))) == 25


# --- Air: RealtimeCityAir, both generations ------------------------------------------------------


def test_success_message_ending_with_a_period_is_still_success():
    document = json.loads(fixture("air_old_generation.json"))
    assert document["RealtimeCityAir"]["RESULT"]["MESSAGE"].endswith(".")
    assert len(air.parse(fixture("air_old_generation.json"))) == 25


def test_old_generation_air_fields_parse(old_air):
    assert len(old_air) == 25
    assert set(old_air["district_code"]) == set(BY_CODE)
    jongno = old_air.loc["종로구"]
    assert jongno["measured_at"] == pd.Timestamp("2024-12-05 14:00", tz="Asia/Seoul")
    assert jongno["region"] == "도심권"
    assert (jongno["pm10"], jongno["pm25"], jongno["o3"]) == (52.0, 31.0, 0.012)
    assert (jongno["no2"], jongno["co"], jongno["so2"]) == (0.034, 0.6, 0.004)
    assert (jongno["cai"], jongno["cai_grade"], jongno["main_pollutant"]) == (90.0, "보통", "PM25")
    assert old_air.loc["강서구", "cai_grade"] == "나쁨"


def test_new_generation_air_fields_parse_as_numbers(new_air):
    assert len(new_air) == 25
    for column in (*air.POLLUTANTS, "cai"):
        assert new_air[column].dtype == "float64", column
    jongno = new_air.loc["종로구"]
    assert jongno["measured_at"] == pd.Timestamp("2026-08-11 17:00", tz="Asia/Seoul")
    assert jongno["region"] == "도심권"
    assert (jongno["pm10"], jongno["pm25"], jongno["o3"]) == (27.0, 14.0, 0.071)
    assert (jongno["cai"], jongno["cai_grade"], jongno["main_pollutant"]) == (84.0, "보통", "O3")


def test_both_air_generations_give_the_same_frame_shape(old_air, new_air):
    assert list(old_air.columns) == list(new_air.columns)
    assert old_air.index.tolist() == new_air.index.tolist()


def test_missing_air_values_are_nan_never_zero(old_air, new_air):
    seongdong = new_air.loc["성동구"]  # "-", "" and null
    assert math.isnan(seongdong["pm10"])
    assert math.isnan(seongdong["pm25"])
    assert math.isnan(seongdong["no2"])
    assert seongdong["o3"] == 0.061
    assert seongdong["cai"] == 76.0
    assert seongdong["note"] == ""
    assert math.isnan(old_air.loc["도봉구", "so2"])  # null among JSON numbers


def test_station_under_maintenance_is_missing_not_zero(new_air):
    yongsan = new_air.loc["용산구"]
    for column in (*air.POLLUTANTS, "cai"):
        assert math.isnan(yongsan[column]), column
    assert yongsan["cai_grade"] is None
    assert yongsan["note"] == "점검중"


@pytest.mark.parametrize(
    ("word", "note"),
    [("점검중", "점검중"), ("", ""), ("-", ""), (None, "")],
    ids=["maintenance", "empty", "dash", "null"],
)
def test_station_reporting_only_zeros_is_missing_whatever_its_grade_says(word, note):
    frame = new_air_with("용산구", CAI_GRD=word)
    assert frame.loc["용산구", air.POLLUTANTS + ("cai",)].isna().all()
    assert frame.loc["용산구", "cai_grade"] is None
    assert frame.loc["용산구", "note"] == note


def test_dash_for_a_grade_is_no_word_of_the_station():
    frame = new_air_with("종로구", CAI_GRD="-")
    assert (frame.loc["종로구", "cai_grade"], frame.loc["종로구", "note"]) == ("보통", "")


def old_air_with(district: str, **fields: object) -> pd.DataFrame:
    """The old-generation air fixture with some fields of one district's row replaced."""
    rows = json.loads(fixture("air_old_generation.json"))["RealtimeCityAir"]["row"]
    next(row for row in rows if row["MSRSTE_NM"] == district).update(fields)
    return by_district(air.parse(success("RealtimeCityAir", rows)))


def assert_not_reporting(row: pd.Series, note: str) -> None:
    for column in (*air.POLLUTANTS, "cai"):
        assert math.isnan(row[column]), column
    assert row["cai_grade"] is None and row["main_pollutant"] == ""
    assert row["note"] == note


@pytest.mark.parametrize(
    "frame",
    [
        # As the issue saw it: ozone still reported, everything else blank, the word says 점검중.
        lambda: new_air_with("종로구", PM="-", FPM="", CAI_IDX="-", CAI_GRD="점검중", OZON="0.029"),
        lambda: old_air_with("종로구", PM10="-", PM25="", IDEX_MVL="-", IDEX_NM="점검중", O3=0.029),
        # A stale value left in every field is not a measurement either.
        lambda: new_air_with("종로구", CAI_GRD="점검중"),
        lambda: old_air_with("종로구", IDEX_NM="점검중"),
    ],
    ids=["new-blanks", "old-blanks", "new-stale-values", "old-stale-values"],
)
def test_a_station_under_maintenance_has_no_measurement_cai_or_grade(frame):
    assert_not_reporting(frame().loc["종로구"], "점검중")


def test_any_word_that_is_no_grade_is_the_stations_and_not_a_measurement():
    assert_not_reporting(new_air_with("종로구", CAI_GRD="통신장애").loc["종로구"], "통신장애")


@pytest.mark.parametrize("blank", ["-", "", None, "0", 0], ids=["dash", "empty", "null", "zero-text", "zero"])
def test_a_row_of_nothing_but_blanks_or_zeros_is_not_reporting(blank):
    fields = {name: blank for name in ("PM", "FPM", "OZON", "NTDX", "CBMX", "SPDX", "CAI_IDX")}
    assert_not_reporting(new_air_with("종로구", **fields, CAI_GRD="-").loc["종로구"], "")


@pytest.mark.parametrize(
    ("field", "pollutant"), [("PM", "pm10"), ("FPM", "pm25"), ("NTDX", "no2"), ("OZON", "o3")]
)
def test_no_cai_is_made_up_from_a_partial_set(field, pollutant):
    # 중구 has no upstream CAI: it is computed only while all of PM10, PM2.5, NO2 and O3 are there.
    jung = new_air_with("중구", **{field: "-"}).loc["중구"]
    assert math.isnan(jung["cai"]) and jung["cai_grade"] is None and jung["main_pollutant"] == ""
    assert math.isnan(jung[pollutant])
    # What was measured stays measured.
    kept = [p for p in ("pm10", "pm25", "no2", "o3") if p != pollutant]
    assert jung[kept].notna().all() and jung["note"] == ""


def test_a_complete_set_without_co_or_so2_still_gives_a_cai():
    jung = new_air_with("중구", CBMX="", SPDX="-").loc["중구"]
    assert jung["cai"] == 61 and jung["cai_grade"] == "보통"


def test_an_upstream_cai_is_kept_with_a_partial_set(new_air):
    seongdong = new_air.loc["성동구"]  # PM10, PM2.5 and NO2 missing, CAI_IDX 76
    assert (seongdong["cai"], seongdong["cai_grade"]) == (76.0, "보통")


def test_the_grade_follows_the_number_and_a_disagreement_is_logged_once(caplog):
    air._disagreement.cache_clear()
    with caplog.at_level(logging.WARNING, logger="feeds.air"):
        for _ in range(2):  # two polls of the same hour
            jongno = new_air_with("종로구", CAI_IDX="139", CAI_GRD="보통").loc["종로구"]
            assert (jongno["cai"], jongno["cai_grade"]) == (139.0, "나쁨")
        said = [r.getMessage() for r in caplog.records if r.name == "feeds.air"]
        assert said == ["RealtimeCityAir: 종로구 says 보통 for CAI 139; showing 나쁨 (the official bands)"]
        assert all(r.levelno == logging.WARNING for r in caplog.records if r.name == "feeds.air")
        old = old_air_with("종로구", IDEX_MVL=40.0, IDEX_NM="나쁨").loc["종로구"]
        assert old["cai_grade"] == "좋음"  # another number, another line
        assert len([r for r in caplog.records if r.name == "feeds.air"]) == 2


def test_old_generation_rows_of_strings_read_as_numbers(old_air):
    rows = json.loads(fixture("air_old_generation.json"))["RealtimeCityAir"]["row"]
    strings = [{k: "" if v is None else str(v) for k, v in row.items()} for row in rows]
    frame = by_district(air.parse(success("RealtimeCityAir", strings)))
    pd.testing.assert_frame_equal(frame, old_air)


def test_missing_cai_is_computed_from_the_largest_sub_index(new_air):
    jung = new_air.loc["중구"]  # PM10 35, PM2.5 20, O3 0.025, NO2 0.028, CO 0.5, SO2 0.003
    # By hand, SEOUL_API.md's formula on the PM2.5 보통 band (16-35 µg/m³ -> 51-100):
    pm25 = (100 - 51) / (35 - 16) * (20 - 16) + 51  # 61.3
    pm10 = (100 - 51) / (80 - 31) * (35 - 31) + 51  # 55.0
    ozone = (50 - 0) / (0.030 - 0) * (0.025 - 0) + 0  # 41.7
    assert max(pm25, pm10, ozone) == pm25
    assert jung["cai"] == round(pm25) == 61
    assert jung["cai_grade"] == "보통"
    assert jung["note"] == ""


@pytest.mark.parametrize(
    ("pollutant", "value", "index"),
    [
        ("pm10", 0, 0),
        ("pm10", 30, 50),
        ("pm10", 31, 51),
        ("pm10", 80, 100),
        ("pm10", 81, 101),
        ("pm10", 151, 251),
        ("pm10", 600, 500),
        ("pm10", 900, 500),
        ("pm25", 15, 50),
        ("pm25", 16, 51),
        ("pm25", 76, 251),
        ("o3", 0.031, 51),
        ("o3", 0.091, 101),
        ("no2", 0.201, 251),
        ("co", 2.01, 51),
        ("co", 9.00, 100),
        ("so2", 0.051, 101),
    ],
)
def test_sub_index_follows_the_breakpoint_table(pollutant, value, index):
    assert air.sub_index(pollutant, value) == index


@pytest.mark.parametrize(
    ("pollutant", "value", "expected"),
    [
        ("pm25", 15, "좋음"),
        ("pm25", 16, "보통"),
        ("pm25", 35, "보통"),
        ("pm25", 36, "나쁨"),
        ("pm25", 76, "매우나쁨"),
        ("cai", 50, "좋음"),
        ("cai", 101, "나쁨"),
        ("cai", math.nan, None),
    ],
)
def test_grade_follows_the_korean_bands(pollutant, value, expected):
    assert air.grade(pollutant, value) == expected


def test_deciding_pollutant_spellings_are_normalised(new_air):
    assert new_air.loc["강서구", "main_pollutant"] == "PM25"  # upstream "PM-2.5"


def test_measured_at_is_the_latest_stamp(new_air):
    assert air.measured_at(new_air) == pd.Timestamp("2026-08-11 17:00", tz="Asia/Seoul")
    assert air.measured_at(air.parse(fixture("info_200.json"))) is None


def test_rows_for_no_known_district_are_a_feed_error():
    body = success("RealtimeCityAir", [{"MSRMT_DT": "202608111700", "MSRSTN_NM": "해운대구", "PM": "20"}])
    with pytest.raises(FeedError, match="no known district"):
        air.parse(body)


# --- Traffic: citydata ---------------------------------------------------------------------------


def test_real_citydata_capture_gives_two_links_on_jongno(citydata_capture):
    links = traffic.parse(citydata_capture).set_index("link_id")
    assert links.index.tolist() == ["1000000301", "1000000401"]
    assert set(links["road"]) == {"종로"}
    assert set(links["district"]) == {"종로구"}
    assert set(links["district_code"]) == {"11110"}
    assert links["speed_kmh"].tolist() == [15.0, 3.0]
    assert links["congestion"].tolist() == ["서행", "정체"]
    assert links["length_m"].tolist() == [46.0, 139.0]
    assert links.loc["1000000401", "start_node"] == "종로구청입구교차로"
    assert links.loc["1000000401", "end_node"] == "SK빌딩"
    assert [len(path) for path in links["path"]] == [2, 3]
    assert links.loc["1000000301", "path"][0] == (126.979381, 37.570149)
    assert set(links["hotspot"]) == {"광화문·덕수궁"}
    assert set(links["hotspot_speed_kmh"]) == {13.0}
    assert set(links["hotspot_congestion"]) == {"정체"}
    assert set(links["measured_at"]) == {pd.Timestamp("2026-08-11 18:00", tz="Asia/Seoul")}


def test_citydata_error_with_plain_code_keys_is_a_feed_error():
    with pytest.raises(FeedError) as caught:
        traffic.parse(fixture("citydata_error.json"))
    assert caught.value.code == "ERROR-500"
    assert caught.value.transient is True


def test_citydata_info_200_with_dotted_keys_is_an_empty_frame():
    frame = traffic.parse(fixture("citydata_info_200.json"))
    assert frame.empty
    assert list(frame.columns) == traffic.COLUMNS


def test_one_failing_citydata_body_does_not_hide_the_others(citydata_capture):
    bodies = [
        fixture("citydata_error.json"),
        citydata_capture,
        fixture("info_100.xml"),
        fixture("citydata_info_200.json"),
        "<html><body>502</body></html>",
    ]
    assert traffic.parse(bodies)["link_id"].tolist() == ["1000000301", "1000000401"]


def test_every_citydata_body_failing_raises_the_first_failure():
    with pytest.raises(FeedError) as caught:
        traffic.parse([fixture("citydata_error.json"), fixture("info_100.xml")])
    assert caught.value.code == "ERROR-500"


def test_link_with_junk_xylist_is_skipped(citydata_capture):
    document = json.loads(citydata_capture)
    links = document["CITYDATA"]["ROAD_TRAFFIC_STTS"]["ROAD_TRAFFIC_STTS"]
    links[0]["XYLIST"] = "null|0_0|abc_def|"
    frame = traffic.parse(json.dumps(document, ensure_ascii=False))
    assert frame["link_id"].tolist() == ["1000000401"]


def test_link_that_is_not_an_object_is_skipped(citydata_capture):
    document = json.loads(citydata_capture)
    document["CITYDATA"]["ROAD_TRAFFIC_STTS"]["ROAD_TRAFFIC_STTS"].insert(0, "1000000201")
    frame = traffic.parse(json.dumps(document, ensure_ascii=False))
    assert frame["link_id"].tolist() == ["1000000301", "1000000401"]


def test_links_reported_by_two_hotspots_appear_once(citydata_capture):
    document = json.loads(citydata_capture)
    neighbour = copy.deepcopy(document)
    neighbour["CITYDATA"]["AREA_NM"] = "종로·청계 관광특구"
    frame = traffic.parse([citydata_capture, json.dumps(neighbour, ensure_ascii=False)])
    assert frame["link_id"].tolist() == ["1000000301", "1000000401"]
    assert set(frame["hotspot"]) == {"광화문·덕수궁"}


def test_path_skips_unreadable_vertices():
    path = traffic.parse_path("126.9793805_37.5701494||abc|126.98_|0_0|126.9809530_37.5702701")
    assert path == [(126.979381, 37.570149), (126.980953, 37.57027)]
    assert traffic.parse_path(None) == []


# --- Incidents: AccInfo --------------------------------------------------------------------------


def test_accinfo_xml_rows_parse(xml_incidents):
    assert sorted(xml_incidents.index) == ["842977", "843188", "843201", "843215"]
    crash = xml_incidents.loc["843201"]
    assert (crash["type_code"], crash["type"], crash["type_en"]) == ("A01", "교통사고", "Traffic accident")
    assert (crash["detail_code"], crash["detail"]) == ("01B01", "추돌사고")
    assert crash["link_id"] == "1210003301"
    assert crash["expected_clear_at"] == pd.Timestamp("2026-08-11 19:30", tz="Asia/Seoul")


def test_incidents_are_listed_newest_first():
    frame = incidents.parse(fixture("accinfo.xml"))
    assert frame["incident_id"].tolist() == ["843215", "843201", "843188", "842977"]


def test_occurrence_time_accepts_hhmm_and_hhmmss(xml_incidents):
    assert xml_incidents.loc["843201", "occurred_at"] == pd.Timestamp("2026-08-11 17:42", tz="Asia/Seoul")
    assert xml_incidents.loc["843215", "occurred_at"] == pd.Timestamp("2026-08-11 17:45:30", tz="Asia/Seoul")
    assert xml_incidents.loc["842977", "expected_clear_at"] == pd.Timestamp(
        "2026-08-12 05:00", tz="Asia/Seoul"
    )


def test_description_lines_separated_by_carriage_returns_are_joined(xml_incidents):
    assert xml_incidents.loc["843201", "description"] == (
        "신촌로 신촌오거리→이대역 방향 추돌사고 / 2개 차로 중 1개 차로 통제 중"
    )
    assert xml_incidents.loc["842977", "description"] == (
        "올림픽로 잠실역 교차로 도로보수 공사 / 야간 22:00~05:00 / 1개 차로 부분통제"
    )


def test_empty_expected_clearance_is_not_a_time(xml_incidents):
    assert pd.isna(xml_incidents.loc["843215", "expected_clear_at"])


def test_unknown_detail_code_keeps_its_code_without_a_name(xml_incidents):
    rally = xml_incidents.loc["843188"]
    assert (rally["type_code"], rally["type"]) == ("A10", "집회및행사")
    assert (rally["detail_code"], rally["detail"], rally["detail_en"]) == ("10B99", "", "")


def test_fire_is_severe_and_a_crash_is_not(xml_incidents):
    assert xml_incidents.loc["843215", "type_code"] == "A08"
    assert xml_incidents.loc["843215", "severe"]
    assert not xml_incidents.loc["843201", "severe"]
    assert xml_incidents["severe"].dtype == bool


def test_road_closure_codes(xml_incidents):
    assert xml_incidents.loc["843215", "closure"] == "full"
    assert xml_incidents.loc["843201", "closure"] == "partial"


def test_single_row_xml_is_one_incident():
    frame = incidents.parse(fixture("accinfo_single_row.xml"))
    assert frame["incident_id"].tolist() == ["843240"]
    flood = frame.iloc[0]
    assert (flood["type_code"], flood["detail"], flood["severe"]) == ("A09", "도로침수", True)
    assert flood["district"] == "영등포구"
    assert flood["occurred_at"] == pd.Timestamp("2026-08-11 09:05", tz="Asia/Seoul")


def test_accinfo_json_parses_like_xml():
    frame = by_incident(incidents.parse(fixture("accinfo.json")))
    assert sorted(frame.index) == ["843230", "843233", "843236"]
    assert frame.loc["843230", "district"] == "강남구"
    assert frame.loc["843233", "district"] == "노원구"
    assert frame.loc["843230", "description"] == "학동로 강남구청역 → 청담사거리 방향 차량고장 / 1차로 통제"
    assert frame.loc["843233", "description"] == "동일로 노원역 → 상계역 방향 낙하물 / 처리 중"
    assert frame.loc["843233", "occurred_at"] == pd.Timestamp("2026-08-11 17:58:12", tz="Asia/Seoul")


def test_incident_without_coordinates_has_no_position_or_district():
    report = by_incident(incidents.parse(fixture("accinfo.json"))).loc["843236"]
    assert math.isnan(report["lon"]) and math.isnan(report["lat"])
    assert (report["district"], report["district_code"], report["closure"]) == ("", "", "")
    assert pd.isna(report["expected_clear_at"])


def test_sinchon_check_point_converts_within_50_m():
    lon, lat = incidents.to_wgs84(194423.6, 450897.96)
    assert haversine_m(lat, lon, 37.5576, 126.9369) < 50


def test_parsed_incident_position_is_wgs84(xml_incidents):
    crash = xml_incidents.loc["843201"]  # the Sinchon check point
    assert haversine_m(crash["lat"], crash["lon"], 37.5576, 126.9369) < 50


@pytest.mark.parametrize(
    ("incident_id", "district"), [("843215", "중구"), ("842977", "송파구"), ("843188", "마포구")]
)
def test_fixture_incidents_land_in_their_districts(xml_incidents, incident_id, district):
    assert xml_incidents.loc[incident_id, "district"] == district
    assert xml_incidents.loc[incident_id, "district_code"] == district_by_name(district).code


@pytest.mark.parametrize(("place", "lat", "lon", "district"), LANDMARKS, ids=[p[0] for p in LANDMARKS])
def test_incident_at_a_landmark_lands_in_its_district(place, lat, lon, district):
    x, y = TO_EPSG5181.transform(lon, lat)
    row = {
        "acc_id": "900001",
        "occr_date": "20260811",
        "occr_time": "1800",
        "acc_type": "A11",
        "acc_dtype": "11B01",
        "grs80tm_x": f"{x:.2f}",
        "grs80tm_y": f"{y:.2f}",
        "acc_info": place,
    }
    body = success("AccInfo", [row])
    incident = incidents.parse(body).iloc[0]
    assert incident["district"] == district
    assert haversine_m(incident["lat"], incident["lon"], lat, lon) < 1


# --- Districts -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["서울시성북구", "서울특별시 성북구", "성북구", " 성북구 ", "성북"])
def test_district_by_name_accepts_the_spellings_feeds_use(name):
    assert district_by_name(name).name == "성북구"


@pytest.mark.parametrize("name", ["", "해운대구", "서울시"])
def test_district_by_name_is_none_for_other_places(name):
    assert district_by_name(name) is None


def test_all_25_district_boundaries_are_present_and_plausible():
    rings = boundaries()
    assert set(rings) == set(BY_CODE)
    for district in DISTRICTS:
        points = [point for ring in rings[district.code] for point in ring]
        assert len(points) >= 10, district.name
        lons, lats = [lon for lon, _ in points], [lat for _, lat in points]
        assert SEOUL_BOUNDS["lon"][0] <= min(lons) < max(lons) <= SEOUL_BOUNDS["lon"][1], district.name
        assert SEOUL_BOUNDS["lat"][0] <= min(lats) < max(lats) <= SEOUL_BOUNDS["lat"][1], district.name
        assert min(lons) < district.lon < max(lons), district.name
        assert min(lats) < district.lat < max(lats), district.name


@pytest.mark.parametrize(("place", "lat", "lon", "district"), LANDMARKS, ids=[p[0] for p in LANDMARKS])
def test_locate_finds_the_district_of_a_point(place, lat, lon, district):
    assert locate(lat, lon).name == district


def test_every_district_centroid_locates_to_its_own_district():
    assert [locate(d.lat, d.lon) for d in DISTRICTS] == list(DISTRICTS)


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(35.1796, 129.0756), (37.4563, 126.7052), (36.0, 124.0)],
    ids=["Busan", "Incheon", "Yellow Sea"],
)
def test_locate_outside_seoul_is_none(lat, lon):
    assert locate(lat, lon) is None


def test_one_broken_air_row_is_skipped_not_the_whole_city(caplog):
    frame = new_air_with("중구", MSRMT_DT="not a time")
    assert len(frame) == 24 and "중구" not in frame.index
    assert "skipped 1 unusable row" in caplog.text


def test_one_incident_without_an_id_is_skipped_not_the_whole_feed():
    rows = json.loads(fixture("accinfo.json"))["AccInfo"]["row"]
    rows[0]["acc_id"] = ""
    frame = incidents.parse(success("AccInfo", rows))
    assert len(frame) == len(rows) - 1


def test_every_row_broken_is_a_feed_error():
    rows = json.loads(fixture("accinfo.json"))["AccInfo"]["row"]
    for row in rows:
        row["acc_id"] = ""
    with pytest.raises(FeedError, match="without acc_id"):
        incidents.parse(success("AccInfo", rows))
