"""The embedded demo source: a believable Seoul, the same for one seed and clock, read by the real parsers.

Tests sample simulated days with explicit times (``body_at`` or a frozen clock), never by sleeping.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from feeds import air, incidents, traffic
from feeds.base import FeedError
from feeds.demo import DemoSource
from feeds.districts import locate
from feeds.values import SEOUL

MONDAY = datetime(2026, 3, 9, tzinfo=SEOUL).timestamp()  # a weekday in the hazy season
SATURDAY = datetime(2026, 3, 14, tzinfo=SEOUL).timestamp()
HOUR, DAY = 3600, 86400
ROOT = Path(__file__).resolve().parents[1]


def frozen(t: float, seed: int = 7) -> DemoSource:
    """A demo source whose clock stands still at ``t``."""
    return DemoSource(seed=seed, start=t, speed=0)


def air_at(t: float, seed: int = 7) -> pd.DataFrame:
    return air.parse(air.fetch(frozen(t, seed)))


def traffic_at(t: float, seed: int = 7) -> pd.DataFrame:
    return traffic.parse(traffic.fetch(frozen(t, seed)))


def incidents_at(t: float, seed: int = 7) -> pd.DataFrame:
    return incidents.parse(incidents.fetch(frozen(t, seed)))


@pytest.fixture(scope="module")
def air_days() -> pd.DataFrame:
    """Air over three simulated days for two seeds, sampled every 30 minutes."""
    frames = [
        air_at(MONDAY + k * 1800, seed).assign(seed=seed, sampled_at=MONDAY + k * 1800)
        for seed in (7, 8)
        for k in range(3 * 48)
    ]
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def incident_day() -> list[pd.DataFrame]:
    """Open incidents on a simulated weekday, sampled every 20 minutes."""
    return [incidents_at(MONDAY + k * 1200) for k in range(72)]


# --- air ------------------------------------------------------------------------------------------


def test_air_every_district_reports_every_hour(air_days):
    monday = air_days[(air_days.seed == 7) & (air_days.sampled_at < MONDAY + DAY)]
    assert set(monday.groupby("sampled_at").size()) == {25}
    hours = monday.measured_at.dt.floor("h").unique()
    assert len(hours) == 24
    assert (monday.measured_at == monday.measured_at.dt.floor("h")).all()  # stamped on the hour
    assert set(monday.groupby("measured_at").district_code.nunique()) == {25}
    reporting = monday[monday.note == ""]
    assert reporting[list(air.POLLUTANTS)].notna().all().all()
    assert (reporting[["pm10", "pm25", "cai"]] > 0).all().all()


def test_air_is_the_latest_full_hour():
    frame = air_at(MONDAY + 10 * HOUR + 59 * 60)
    assert (frame.measured_at == pd.Timestamp(MONDAY + 10 * HOUR, unit="s", tz=SEOUL)).all()


def test_air_grades_vary_and_some_district_reaches_bad(air_days):
    monday = air_days[(air_days.seed == 7) & (air_days.sampled_at < MONDAY + DAY)]
    assert monday.cai_grade.dropna().nunique() >= 2
    assert (air_days.cai_grade == "나쁨").any()
    assert (air_days.pm25 > 35).any()
    very_bad = (air_days.cai_grade == "매우나쁨").mean()
    assert very_bad < 0.02  # rare


def test_air_values_look_like_seoul(air_days):
    reporting = air_days[air_days.note == ""]
    assert reporting.pm25.between(2, 150).all()
    assert (reporting.pm10 >= reporting.pm25).all()
    assert reporting.co.between(0.2, 1.2).all()
    assert reporting.so2.between(0.001, 0.006).all()
    assert reporting.no2.between(0.005, 0.09).all()
    assert reporting.o3.between(0.001, 0.15).all()
    by_district = reporting.groupby("district").pm25.mean()
    assert by_district["금천구"] > by_district["도봉구"]  # industrial south-west is hazier


def test_air_cai_and_grade_agree_with_the_values(air_days):
    reporting = air_days[air_days.note == ""].drop_duplicates(["seed", "district_code", "measured_at"])
    for row in reporting.itertuples():
        sub = {p: air.sub_index(p, getattr(row, p)) for p in air.POLLUTANTS}
        assert row.cai == max(sub.values())
        assert row.cai_grade == air.grade("cai", row.cai)
        assert sub[row.main_pollutant.lower()] == row.cai


def test_particulates_follow_a_daily_rhythm(air_days):
    reporting = air_days[air_days.note == ""]
    hour = reporting.measured_at.dt.hour
    rush = reporting[hour.isin([8, 9, 19, 20, 21])].pm25.mean()
    night = reporting[hour.isin([3, 4])].pm25.mean()
    assert rush > 1.15 * night
    ozone = reporting.groupby(hour).o3.mean()
    assert ozone[15] > ozone[5]  # ozone builds in the afternoon sun


def test_a_station_under_maintenance_reports_nan_not_zero(air_days):
    monday = air_days[(air_days.seed == 7) & (air_days.sampled_at < MONDAY + DAY)]
    down = monday[monday.note != ""]
    assert not down.empty, "one station goes under maintenance for a few hours each simulated day"
    assert set(down.note) == {"점검중"}
    assert down.district_code.nunique() == 1
    assert 1 <= down.measured_at.nunique() <= 6
    assert down[[*air.POLLUTANTS, "cai"]].isna().all().all()
    assert down.cai_grade.isna().all()


def test_the_maintenance_quirk_is_in_the_raw_body():
    source = DemoSource(seed=7)
    bodies = [source.body_at(MONDAY + h * HOUR, "json", "RealtimeCityAir", 1, 25) for h in range(24)]
    rows = [row for body in bodies for row in json.loads(body)["RealtimeCityAir"]["row"]]
    down = [row for row in rows if row["CAI_GRD"] == "점검중"]
    assert down and all(row["PM"] in ("-", "") and row["CAI_IDX"] in ("-", "") for row in down)
    up = [row for row in rows if row["CAI_GRD"] != "점검중"]
    assert all(isinstance(row["PM"], str) and row["MSRMT_DT"].isdigit() for row in up)  # numbers as strings
    assert {row["CRST_SBSTN"] for row in up} <= {"PM-2.5", "PM-10", "O3", "NO2", "CO", "SO2"}


def test_air_answers_in_xml_too():
    source = frozen(MONDAY + 9 * HOUR)
    from_xml = air.parse(source.fetch("xml", "RealtimeCityAir", 1, 25))
    from_json = air.parse(source.fetch("json", "RealtimeCityAir", 1, 25))
    pd.testing.assert_frame_equal(from_xml, from_json)


# --- traffic --------------------------------------------------------------------------------------


def test_every_hotspot_answers_with_links_inside_seoul():
    frame = traffic_at(MONDAY + 12 * HOUR)
    assert set(frame.hotspot) == set(traffic.HOTSPOTS)
    assert frame.groupby("hotspot").size().between(3, 6).all()
    assert (frame.district_code != "").all()
    assert frame.link_id.str.fullmatch(r"\d{10}").all()
    assert frame.path.map(len).between(3, 8).all()
    for path in frame.path:
        assert all(locate(lat, lon) is not None for lon, lat in path)
    assert frame.district_code.nunique() >= 20  # the hotspots spread over the city
    assert frame.length_m.between(100, 3000).all()


def test_traffic_is_slower_in_weekday_rush_hours_than_at_night():
    speed = {h: traffic_at(MONDAY + h * HOUR).speed_kmh.mean() for h in (3, 8, 13, 18.5)}
    assert speed[8] < 0.75 * speed[3]
    assert speed[18.5] < 0.75 * speed[3]
    assert speed[18.5] < speed[13]  # the evening rush is the deepest
    night = traffic_at(MONDAY + 3 * HOUR)
    evening = traffic_at(MONDAY + 18.5 * HOUR)
    assert (night.congestion == "원활").mean() > 0.8
    assert (evening.congestion == "정체").any()


def test_weekend_mornings_are_lighter():
    assert traffic_at(SATURDAY + 8 * HOUR).speed_kmh.mean() > traffic_at(MONDAY + 8 * HOUR).speed_kmh.mean()


def test_congestion_and_averages_follow_the_speeds():
    frame = traffic_at(MONDAY + 18 * HOUR)
    expected = frame.speed_kmh.map(lambda s: "정체" if s < 15 else "서행" if s < 25 else "원활")
    assert (frame.congestion == expected).all()
    for _, links in frame.groupby("hotspot"):
        weighted = (links.speed_kmh * links.length_m.round()).sum() / links.length_m.round().sum()
        assert links.hotspot_speed_kmh.iloc[0] == round(weighted)
    assert (frame.measured_at == pd.Timestamp(MONDAY + 18 * HOUR, unit="s", tz=SEOUL)).all()


def test_road_traffic_time_is_floored_to_five_minutes():
    frame = traffic_at(MONDAY + 7 * HOUR + 13 * 60 + 59)
    assert (frame.measured_at == pd.Timestamp(MONDAY + 7 * HOUR + 10 * 60, unit="s", tz=SEOUL)).all()


def test_citydata_answers_by_code_and_refuses_unknown_places():
    source = frozen(MONDAY + 9 * HOUR)
    by_name = source.fetch("json", "citydata", 1, 5, "광화문·덕수궁")
    assert source.fetch("json", "citydata", 1, 5, "POI009") == by_name
    document = json.loads(by_name)
    assert document["RESULT"] == {"RESULT.CODE": "INFO-000", "RESULT.MESSAGE": "정상 처리되었습니다."}
    average = document["CITYDATA"]["ROAD_TRAFFIC_STTS"]["AVG_ROAD_DATA"]
    assert average["ROAD_TRAFFIC_TIME"] == "2026-03-09 09:00"
    unknown = source.fetch("json", "citydata", 1, 5, "없는 장소")
    assert json.loads(unknown)["RESULT"]["CODE"] == "INFO-200"
    assert traffic.parse(unknown).empty


# --- incidents ------------------------------------------------------------------------------------


def test_incidents_open_and_clear_over_a_day(incident_day):
    counts = [len(frame) for frame in incident_day]
    assert min(counts) >= 1 and max(counts) <= 30
    assert 4 <= sum(counts) / len(counts) <= 15
    first = set(incident_day[0].incident_id)
    last = set(incident_day[-1].incident_id)
    assert first - last, "incidents open at midnight clear during the day"
    assert last - first, "new incidents open during the day"
    seen = [set(frame.incident_id) for frame in incident_day]
    assert all(seen[k] != seen[k + 1] for k in range(0, 70, 6))  # the set moves within hours


def test_incidents_vary_and_stay_on_seoul_roads(incident_day):
    everything = pd.concat(incident_day, ignore_index=True).drop_duplicates("incident_id")
    assert everything.type_code.nunique() >= 3
    assert {"A01", "A04"} <= set(everything.type_code)
    assert (everything.district_code != "").all()
    assert everything.district_code.nunique() >= 8  # all over the city in a day
    assert everything.incident_id.str.fullmatch(r"\d+").all()
    assert everything.link_id.str.fullmatch(r"\d{10}").all()
    assert (everything.description != "").all()
    assert everything.closure.isin(["full", "partial"]).all()
    planned = everything.dropna(subset=["expected_clear_at"])
    assert (planned.expected_clear_at > planned.occurred_at).all()


def test_an_incident_is_the_same_every_time_it_is_seen(incident_day):
    everything = pd.concat(incident_day, ignore_index=True)
    columns = ["type_code", "detail_code", "occurred_at", "description", "lon", "lat", "link_id"]
    assert (everything.groupby("incident_id")[columns].nunique() == 1).all().all()
    for k, frame in enumerate(incident_day):
        assert (frame.occurred_at <= pd.Timestamp(MONDAY + k * 1200, unit="s", tz=SEOUL)).all()


def test_incidents_show_up_in_the_week():
    week = pd.concat([incidents_at(MONDAY + k * 3 * HOUR) for k in range(7 * 8)])
    week = week.drop_duplicates("incident_id")
    assert {"A01", "A02", "A04", "A10"} <= set(week.type_code)
    rallies = week[week.type_code == "A10"]
    assert set(rallies.district) <= {"종로구", "중구", "용산구", "영등포구"}


def test_accinfo_xml_is_the_upstream_shape():
    body = frozen(MONDAY + 14 * HOUR).fetch("xml", "AccInfo", 1, 1000)
    assert body.startswith('<?xml version="1.0" encoding="UTF-8"?><AccInfo><list_total_count>')
    assert "<CODE>INFO-000</CODE>" in body and "&#13;" in body
    times = [chunk.split("<")[0] for chunk in body.split("<occr_time>")[1:]]
    assert {len(t) for t in times} <= {4, 6}


def test_accinfo_json_and_xml_agree():
    source = frozen(MONDAY + 15 * HOUR)
    from_xml = incidents.parse(source.fetch("xml", "AccInfo", 1, 1000))
    from_json = incidents.parse(source.fetch("json", "AccInfo", 1, 1000))
    pd.testing.assert_frame_equal(from_xml, from_json)


def test_an_empty_page_of_incidents_is_info_200():
    source = frozen(MONDAY + 15 * HOUR)
    for fmt in ("xml", "json"):
        body = source.fetch(fmt, "AccInfo", 900, 1000)
        assert "INFO-200" in body and "해당하는 데이터가 없습니다." in body
        assert incidents.parse(body).empty


def test_accidents_slow_their_road_link():
    ratios = []
    for k in range(24):
        t = MONDAY + k * HOUR  # on the five minutes, as citydata is
        roads = traffic_at(t).set_index("link_id")
        accidents = incidents_at(t).query("type_code == 'A01'")
        ratios.extend(roads.speed_kmh[link] / roads.speed_kmh.mean() for link in accidents.link_id)
    assert ratios and sum(ratios) / len(ratios) < 0.7


# --- the source: errors, determinism, clock, speed -----------------------------------------------


def test_unknown_service_and_bad_requests_answer_like_the_upstream():
    source = frozen(MONDAY)
    with pytest.raises(FeedError) as error:
        air.parse(source.fetch("json", "NoSuchService", 1, 5))
    assert error.value.code == "ERROR-310"
    assert json.loads(source.fetch("json", "NoSuchService", 1, 5))["RESULT"]["CODE"] == "ERROR-310"
    assert json.loads(source.fetch("json", "RealtimeCityAir", 1, 2000))["RESULT"]["CODE"] == "ERROR-336"
    assert json.loads(source.fetch("csv", "RealtimeCityAir", 1, 25))["RESULT"]["CODE"] == "ERROR-301"
    assert json.loads(source.fetch("json", "RealtimeCityAir", "a", 25))["RESULT"]["CODE"] == "ERROR-333"
    assert json.loads(source.fetch("json", "RealtimeCityAir", 5, 1))["RESULT"]["CODE"] == "ERROR-334"
    assert json.loads(source.fetch("json", "citydata", 1, 5))["RESULT"]["CODE"] == "ERROR-300"
    assert "<CODE>ERROR-310</CODE>" in source.fetch("xml", "NoSuchService", 1, 5)


def test_paging_keeps_the_total():
    body = json.loads(frozen(MONDAY).fetch("json", "RealtimeCityAir", 1, 5))["RealtimeCityAir"]
    assert body["list_total_count"] == 25 and len(body["row"]) == 5


def _all_bodies(source: DemoSource, t: float) -> list[str]:
    return [
        source.body_at(t, "json", "RealtimeCityAir", 1, 25),
        source.body_at(t, "xml", "AccInfo", 1, 1000),
        *(source.body_at(t, "json", "citydata", 1, 5, place) for place in traffic.HOTSPOTS),
    ]


def test_same_seed_and_clock_give_identical_bodies():
    t = MONDAY + 17 * HOUR
    assert _all_bodies(DemoSource(seed=3), t) == _all_bodies(DemoSource(seed=3), t)
    fake = [0.0]
    a = DemoSource(seed=3, start=MONDAY, speed=60, clock=lambda: fake[0])
    b = DemoSource(seed=3, start=MONDAY, speed=60, clock=lambda: fake[0])
    fake[0] = 600.0
    assert a.fetch("xml", "AccInfo", 1, 1000) == b.fetch("xml", "AccInfo", 1, 1000)


def test_different_seeds_give_different_cities():
    t = MONDAY + 17 * HOUR
    one, two = _all_bodies(DemoSource(seed=1), t), _all_bodies(DemoSource(seed=2), t)
    assert one[0] != two[0] and one[1] != two[1]
    assert sum(a != b for a, b in zip(one[2:], two[2:], strict=True)) > 20


def test_bodies_do_not_depend_on_history():
    source = DemoSource(seed=5)
    t = MONDAY + 11 * HOUR
    before = _all_bodies(source, t)
    for k in range(20):  # jump around the week, back and forth
        _all_bodies(source, MONDAY + ((k * 7919) % (7 * 24)) * HOUR)
    assert _all_bodies(source, t) == before


def test_bodies_survive_a_restart():
    """A fresh interpreter (another hash seed) produces the same bytes: nothing relies on hash()."""
    t = MONDAY + 19 * HOUR + 7 * 60
    script = (
        "import hashlib, sys; from feeds.demo import DemoSource; from feeds.traffic import HOTSPOTS\n"
        f"s = DemoSource(seed=11); t = {t}\n"
        "bodies = [s.body_at(t, 'json', 'RealtimeCityAir', 1, 25), s.body_at(t, 'xml', 'AccInfo', 1, 1000)]\n"
        "bodies += [s.body_at(t, 'json', 'citydata', 1, 5, p) for p in HOTSPOTS]\n"
        "print(hashlib.sha256('|'.join(bodies).encode()).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT, check=True
    )
    expected = hashlib.sha256("|".join(_all_bodies(DemoSource(seed=11), t)).encode()).hexdigest()
    assert result.stdout.strip() == expected


def test_the_clock_runs_at_the_given_speed():
    fake = [1_000.0]
    source = DemoSource(speed=360, start=MONDAY, clock=lambda: fake[0])
    assert source.speed == 360
    assert source.now() == MONDAY
    fake[0] += 10
    assert source.now() == MONDAY + 3600
    assert source.fetch("json", "RealtimeCityAir", 1, 25) == source.body_at(
        MONDAY + 3600, "json", "RealtimeCityAir", 1, 25
    )


def test_the_clock_starts_at_the_real_now_by_default():
    fake = [1_780_000_000.0]
    source = DemoSource(clock=lambda: fake[0])
    assert source.now() == 1_780_000_000.0
    fake[0] += 5
    assert source.now() == 1_780_000_005.0
    assert source.name == "demo" and source.speed == 1.0
    assert math.isclose(DemoSource().now(), time.time(), abs_tol=5)
    with pytest.raises(ValueError):
        DemoSource(speed=-1)


def test_fetching_and_parsing_the_whole_city_is_fast():
    source = frozen(SATURDAY + 13 * HOUR, seed=21)
    started = time.perf_counter()
    bodies = air.fetch(source), incidents.fetch(source), traffic.fetch(source)
    fetched = time.perf_counter()
    air.parse(bodies[0]), incidents.parse(bodies[1]), traffic.parse(bodies[2])
    parsed = time.perf_counter()
    assert fetched - started < 0.5
    assert parsed - fetched < 1.0
