"""Scripted scenarios: a fire and a flood played on the demo city's fast clock, read by the real parsers.

Rehearsals run the demo at speed 60 (a simulated minute per real second) on a fake clock, or ask
for explicit simulated times; nothing sleeps.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from feeds import air, incidents, traffic
from feeds.demo import DemoSource, Scenario, ScenarioError, bundled_scenarios, load_scenario
from feeds.demo.scenario_files import BUNDLED_DIR
from feeds.districts import locate
from feeds.values import SEOUL

MINUTE, HOUR = 60, 3600
START = datetime(2026, 3, 10, 14, 10, tzinfo=SEOUL).timestamp()  # a Tuesday afternoon
ROOT = Path(__file__).resolve().parents[1]
FIRE_LINKS = {
    "양화로 합정→홍대입구": "1000220100",
    "양화로 양화대교북단→합정": "1000220200",
    "독막로 합정→상수": "1000220300",
    "월드컵로 합정→망원": "1000220400",
}
GANGNAM_DAERO = ("1000070100", "1000070200")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


def rehearsal(name: str, seed: int = 7) -> tuple[DemoSource, DemoSource, FakeClock]:
    """A source playing ``name`` from START at speed 60, a twin without it, and their clock."""
    clock = FakeClock()
    playing = DemoSource(seed=seed, start=START, speed=60, clock=clock)
    playing.play(name)
    return playing, DemoSource(seed=seed, start=START, speed=60, clock=clock), clock


def at(minutes: float, seed: int = 7, scenario: str | None = None, start: float = START) -> DemoSource:
    """A frozen source ``minutes`` into a scenario played from ``start``."""
    source = DemoSource(seed=seed, start=start + minutes * MINUTE, speed=0)
    if scenario:
        source.play(scenario, start=start)
    return source


def scripted(frame: pd.DataFrame) -> pd.DataFrame:
    """The scenario's incidents in an AccInfo frame (their ids have 11 digits, the city's 9)."""
    return frame[frame.incident_id.str.len() == 11].reset_index(drop=True)


def all_bodies(source: DemoSource, t: float) -> list[str]:
    return [
        source.body_at(t, "json", "RealtimeCityAir", 1, 25),
        source.body_at(t, "xml", "AccInfo", 1, 1000),
        source.body_at(t, "json", "AccInfo", 1, 1000),
        *(source.body_at(t, "json", "citydata", 1, 5, place) for place in traffic.HOTSPOTS),
    ]


def grade_rank(grade: str) -> int:
    return air.GRADES.index(grade)


# --- the bundled scenarios ------------------------------------------------------------------------


def test_two_bundled_scenarios_load_and_validate():
    assert {"mapo-fire", "gangnam-flood"} <= set(bundled_scenarios())
    for name in bundled_scenarios():
        scenario = load_scenario(name)
        assert isinstance(scenario, Scenario) and scenario.name == name
        assert scenario.title_ko and scenario.title_en and scenario.description
        assert scenario.incidents and scenario.traffic
        assert load_scenario(BUNDLED_DIR / f"{name}.json") == scenario  # by path too
    fire = load_scenario("mapo-fire")
    assert [step.stage for step in fire.incidents[0].steps] == list(incidents.stage_flow("A08")[:-1])
    assert fire.duration == 2.5 * HOUR and fire.incidents[0].cleared == 55 * MINUTE
    flood = load_scenario("gangnam-flood")
    assert [step.stage for step in flood.incidents[0].steps] == list(incidents.stage_flow("A09")[:-1])


def test_an_unknown_scenario_name_lists_the_bundled_ones():
    with pytest.raises(ValueError, match="no scenario named 'no-such-thing'.*mapo-fire"):
        load_scenario("no-such-thing")
    with pytest.raises(ValueError, match="no scenario named"):
        DemoSource().play("no-such-thing")


def test_stage_flows_follow_the_order_of_the_stages_table():
    order = [code for code, _, _ in incidents.STAGES]
    assert len(set(order)) == len(order)
    assert all(ko and en for _, ko, en in incidents.STAGES)
    for type_code in ("A08", "A09", "A01", "A02", "A13"):
        flow = incidents.stage_flow(type_code)
        assert flow[0] == "reported" and flow[-1] == "closed"
        assert [order.index(code) for code in flow] == sorted(order.index(code) for code in flow)
    assert incidents.stage_flow("A08") == (
        "reported",
        "dispatched",
        "arrived",
        "operating",
        "initial_suppression",
        "full_suppression",
        "closed",
    )


# --- the fire, rehearsed --------------------------------------------------------------------------


def test_the_fire_goes_through_every_dispatch_stage_in_order_then_leaves_the_feed():
    source, _, clock = rehearsal("mapo-fire")
    seen, statuses = [], []
    for _ in range(0, 70 * 2):  # every 30 simulated seconds for 70 minutes
        fire = scripted(incidents.parse(incidents.fetch(source)))
        statuses.append(source.scenario_status()["stage"])
        if not fire.empty:
            assert len(fire) == 1
            seen.append((clock.now - 1_000.0, fire.stage[0]))
        clock.now += 0.5
    stages = list(dict.fromkeys(stage for _, stage in seen))
    assert stages == [
        "reported",
        "dispatched",
        "arrived",
        "operating",
        "initial_suppression",
        "full_suppression",
    ]
    in_order = sorted((stage for _, stage in seen), key=stages.index)
    assert [stage for _, stage in seen] == in_order  # never back
    last_seen = max(real for real, _ in seen)
    assert last_seen == 54.5  # closed at 55 simulated minutes (55 real seconds at speed 60)
    assert list(dict.fromkeys(statuses)) == [*stages, "closed"]


def test_each_stage_starts_on_its_minute():
    expected = {
        0: "reported",
        1.9: "reported",
        2: "dispatched",
        6: "arrived",
        8: "operating",
        20: "initial_suppression",
        44.9: "initial_suppression",
        45: "full_suppression",
        54.9: "full_suppression",
    }
    for minutes, stage in expected.items():
        fire = scripted(incidents.parse(incidents.fetch(at(minutes, scenario="mapo-fire"))))
        assert fire.stage.tolist() == [stage], minutes
    assert scripted(incidents.parse(incidents.fetch(at(55, scenario="mapo-fire")))).empty


def test_the_fire_reads_like_a_real_accinfo_row():
    source = at(10, scenario="mapo-fire")
    body = source.fetch("xml", "AccInfo", 1, 1000)
    assert "[진행단계] 진압 중&#13;" in body  # the stage is the first line of acc_info
    for fmt in ("xml", "json"):
        fire = scripted(incidents.parse(source.fetch(fmt, "AccInfo", 1, 1000))).iloc[0]
        assert (fire.type_code, fire.type, fire.detail_code, fire.detail) == ("A08", "화재", "08B01", "화재")
        assert fire.stage == "operating" and fire.severe
        assert fire.district == "마포구" and locate(fire.lat, fire.lon).name == "마포구"
        assert fire.link_id == FIRE_LINKS["양화로 합정→홍대입구"]
        assert fire.closure == "full"
        assert fire.description.startswith("양화로 합정역 인근 상가건물 화재")
        assert "[진행단계]" not in fire.description and "진압 중" in fire.description
        assert fire.occurred_at == pd.Timestamp(START, unit="s", tz=SEOUL)
        assert fire.expected_clear_at == pd.Timestamp(START + 90 * MINUTE, unit="s", tz=SEOUL)
    status = source.scenario_status()
    assert status["incident_id"] == fire.incident_id and status["district"] == "마포구"
    stage = [status["stage"], status["stage_ko"], status["stage_en"]]
    assert stage == ["operating", "진압 중", "Firefighting"]


def test_the_closure_follows_the_stages():
    closures = {
        minutes: scripted(incidents.parse(incidents.fetch(at(minutes, scenario="mapo-fire")))).closure[0]
        for minutes in (1, 7, 30, 50)
    }
    assert closures == {1: "partial", 7: "full", 30: "full", 50: "partial"}


def test_roads_near_the_fire_slow_down():
    places = ("합정역", "신촌·이대역")
    for minutes in (10, 30, 50):
        playing = traffic.parse(traffic.fetch(at(minutes, scenario="mapo-fire"), places)).set_index("link_id")
        ordinary = traffic.parse(traffic.fetch(at(minutes), places)).set_index("link_id")
        for link_id in FIRE_LINKS.values():
            assert playing.speed_kmh[link_id] < 0.7 * ordinary.speed_kmh[link_id], (minutes, link_id)
        detour = "1000210100"  # 신촌로 홍대입구→신촌
        assert playing.speed_kmh[detour] < ordinary.speed_kmh[detour]
        far = "1000210400"  # 연세로, not on the way
        assert playing.speed_kmh[far] == ordinary.speed_kmh[far]
    late = traffic.parse(traffic.fetch(at(70, scenario="mapo-fire"), places))
    assert late.equals(traffic.parse(traffic.fetch(at(70), places)))  # the roads are clear again


def test_the_fire_shows_on_citydata_of_its_place():
    document = json.loads(at(30, scenario="mapo-fire").fetch("json", "citydata", 1, 5, "합정역"))
    listed = document["CITYDATA"]["ACDNT_CNTRL_STTS"]
    fires = [row["ACDNT_INFO"] for row in listed if row["ACDNT_TYPE"] == "화재"]
    assert any(info.startswith("[진행단계] 초진") for info in fires)


def test_smoke_raises_fine_dust_in_mapo_and_its_neighbours():
    minutes = 60  # 15:10: the 15:00 stamp is 50 minutes into the fire
    playing = air.parse(air.fetch(at(minutes, scenario="mapo-fire"))).set_index("district")
    ordinary = air.parse(air.fetch(at(minutes))).set_index("district")
    rise = playing.pm25 - ordinary.pm25
    assert rise["마포구"] == pytest.approx(75, abs=1)
    assert rise["서대문구"] == pytest.approx(30, abs=1) and rise["은평구"] == pytest.approx(15, abs=1)
    assert (rise.drop(["마포구", "서대문구", "은평구"]) == 0).all()
    assert playing.pm10["마포구"] - ordinary.pm10["마포구"] == pytest.approx(95, abs=1)
    assert grade_rank(playing.cai_grade["마포구"]) > grade_rank(ordinary.cai_grade["마포구"])
    assert playing.cai_grade["마포구"] == "매우나쁨" and playing.main_pollutant["마포구"] == "PM25"
    assert playing.cai["마포구"] == max(air.sub_index(p, playing[p]["마포구"]) for p in air.POLLUTANTS)
    weather = json.loads(at(minutes, scenario="mapo-fire").fetch("json", "citydata", 1, 5, "합정역"))
    assert weather["CITYDATA"]["WEATHER_STTS"][0]["PM25"] == f"{playing.pm25['마포구']:.0f}"


def test_smoke_shows_from_the_next_hourly_stamp_and_fades():
    def mapo_pm25(minutes: float, scenario: str | None = "mapo-fire") -> float:
        return air.parse(air.fetch(at(minutes, scenario=scenario))).set_index("district").pm25["마포구"]

    assert mapo_pm25(40) == mapo_pm25(40, None)  # 14:50: the 14:00 stamp is before the fire
    rises = [mapo_pm25(m) - mapo_pm25(m, None) for m in (60, 120)]  # the 15:00 and 16:00 stamps
    assert rises[0] > rises[1] > 0  # fading over an hour and a half after the first hour


def test_the_air_grade_worsens_during_a_rehearsal():
    source, ordinary, clock = rehearsal("mapo-fire")
    grades = []
    for _ in range(0, 150, 10):  # every ten simulated minutes
        mapo = air.parse(air.fetch(source)).set_index("district").loc["마포구"]
        plain = air.parse(air.fetch(ordinary)).set_index("district").loc["마포구"]
        grades.append((grade_rank(plain.cai_grade), grade_rank(mapo.cai_grade)))
        clock.now += 10
    assert any(worse > usual for usual, worse in grades)
    assert all(worse >= usual for usual, worse in grades)


# --- after the end, before the start --------------------------------------------------------------


def test_after_its_end_the_city_is_the_ordinary_one():
    source, ordinary, clock = rehearsal("mapo-fire")
    clock.now += 150  # 150 simulated minutes: the scenario's duration
    assert source.scenario_status()["finished"] and source.scenario_status()["stage"] == "closed"
    for t in (source.now(), source.now() + 1, source.now() + 3 * HOUR):
        assert all_bodies(source, t) == all_bodies(ordinary, t)
    clock.now -= 1  # a simulated minute before the end, the smoke is fading but still there
    assert not source.scenario_status()["finished"]
    assert all_bodies(source, source.now()) != all_bodies(ordinary, source.now())


def test_before_its_start_and_after_stop_the_city_is_the_ordinary_one():
    source = DemoSource(seed=7, start=START, speed=0)
    assert source.scenario_status() is None
    source.play("mapo-fire", start=START + HOUR)
    status = source.scenario_status()
    assert status["elapsed"] == -HOUR and status["stage"] == "" and not status["finished"]
    assert all_bodies(source, START) == all_bodies(DemoSource(seed=7), START)
    source.stop()
    assert source.scenario_status() is None
    assert all_bodies(source, START + 2 * HOUR) == all_bodies(DemoSource(seed=7), START + 2 * HOUR)


# --- deterministic, restartable -------------------------------------------------------------------


def test_same_seed_scenario_and_start_give_identical_bodies():
    one, two = DemoSource(seed=3), DemoSource(seed=3)
    one.play("gangnam-flood", start=START)
    two.play(load_scenario("gangnam-flood"), start=START)
    for minutes in (0, 16, 33, 66):
        t = START + minutes * MINUTE
        assert all_bodies(one, t) == all_bodies(two, t)
    later = DemoSource(seed=3)
    later.play("gangnam-flood", start=START + 1)  # another play is another incident
    assert all_bodies(later, START + 20 * MINUTE)[1] != all_bodies(one, START + 20 * MINUTE)[1]


def test_a_source_recreated_mid_scenario_answers_the_same():
    source, _, clock = rehearsal("gangnam-flood")
    clock.now += 25  # 25 simulated minutes in, the process restarts ...
    before = all_bodies(source, source.now())
    restarted = DemoSource(seed=7, start=source.now(), speed=60, clock=FakeClock())
    restarted.play("gangnam-flood", start=START)  # ... and plays it again from the same start
    assert restarted.now() == source.now()
    assert all_bodies(restarted, restarted.now()) == before
    assert restarted.scenario_status() == source.scenario_status()


def test_past_carries_the_scenario_along():
    source, _, clock = rehearsal("mapo-fire")
    clock.now += 30
    earlier = source.past(START + 10 * MINUTE)
    assert earlier.speed == 0 and earlier.now() == START + 10 * MINUTE
    fire = scripted(incidents.parse(incidents.fetch(earlier)))
    assert fire.stage.tolist() == ["operating"]
    assert earlier.scenario_status()["elapsed"] == 10 * MINUTE


def test_scenario_bodies_survive_a_restart_in_another_interpreter():
    t = START + 50 * MINUTE
    script = (
        "import hashlib; from feeds.demo import DemoSource; from feeds.traffic import HOTSPOTS\n"
        f"s = DemoSource(seed=11); s.play('mapo-fire', start={START}); t = {t}\n"
        "bodies = [s.body_at(t, 'json', 'RealtimeCityAir', 1, 25), s.body_at(t, 'xml', 'AccInfo', 1, 1000)]\n"
        "bodies += [s.body_at(t, 'json', 'citydata', 1, 5, p) for p in HOTSPOTS]\n"
        "print(hashlib.sha256('|'.join(bodies).encode()).hexdigest())\n"
    )
    env = {**os.environ, "PYTHONHASHSEED": "4321", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT, check=True
    )
    source = DemoSource(seed=11)
    source.play("mapo-fire", start=START)
    bodies = [
        source.body_at(t, "json", "RealtimeCityAir", 1, 25),
        source.body_at(t, "xml", "AccInfo", 1, 1000),
        *(source.body_at(t, "json", "citydata", 1, 5, p) for p in traffic.HOTSPOTS),
    ]
    assert result.stdout.strip() == hashlib.sha256("|".join(bodies).encode()).hexdigest()


# --- the flood ------------------------------------------------------------------------------------


def test_the_flood_closes_gangnam_daero_until_it_is_pumped_out_and_reopened():
    source, _, clock = rehearsal("gangnam-flood")
    seen = []
    for _ in range(0, 90):  # every simulated minute
        flood = scripted(incidents.parse(incidents.fetch(source))).query("type_code == 'A09'")
        if not flood.empty:
            seen.append((flood.stage.iloc[0], flood.closure.iloc[0]))
        clock.now += 1
    assert list(dict.fromkeys(seen)) == [
        ("reported", "full"),
        ("dispatched", "full"),
        ("pumping", "full"),
        ("reopened", "partial"),
    ]
    assert len(seen) == 75  # closed 75 minutes in
    flood = scripted(incidents.parse(incidents.fetch(at(20, scenario="gangnam-flood"))))
    flood = flood.set_index("type_code")
    assert flood.detail["A09"] == "도로침수" and flood.severe["A09"]
    assert flood.district["A09"] == "강남구" and locate(flood.lat["A09"], flood.lon["A09"]).name == "강남구"
    assert "강남역 사거리" in flood.description["A09"]
    assert flood.link_id["A09"] == GANGNAM_DAERO[0]


def test_the_flood_strands_a_car_on_teheran_ro_for_a_while():
    for minutes, expected in (
        (17, []),
        (19, ["reported"]),
        (25, ["dispatched"]),
        (35, ["arrived"]),
        (40, []),
    ):
        frame = scripted(incidents.parse(incidents.fetch(at(minutes, scenario="gangnam-flood"))))
        car = frame[frame.type_code == "A02"]
        assert car.stage.tolist() == expected, minutes
        assert (car.district == "강남구").all() and (car.closure == "partial").all()


def test_the_flood_jams_gangnam_daero_and_its_detours():
    places = ("강남역", "선릉역", "고속터미널역")
    playing = traffic.parse(traffic.fetch(at(30, scenario="gangnam-flood"), places)).set_index("link_id")
    ordinary = traffic.parse(traffic.fetch(at(30), places)).set_index("link_id")
    ratio = playing.speed_kmh / ordinary.speed_kmh
    assert (ratio[list(GANGNAM_DAERO)] <= 0.3).all()
    assert (ratio[["1000070300", "1000080100", "1000090400"]] < 0.8).all()  # 테헤란로, 사평대로
    assert ratio["1000080400"] == 1  # 선릉로 선릉→한티 is out of the way
    assert (playing.congestion[list(GANGNAM_DAERO)] == "정체").all()


# --- files that are refused -----------------------------------------------------------------------


def fire_document() -> dict:
    return json.loads((BUNDLED_DIR / "mapo-fire.json").read_text(encoding="utf-8"))


def _district(doc):
    doc["events"][0]["district"] = "강남"


def _wrong_district(doc):
    doc["events"][0]["district"] = "서대문구"


def _link(doc):
    doc["events"][0]["link"] = "양화로 합정→신촌"


def _negative(doc):
    doc["events"][1]["at"] = "-1:00"


def _out_of_order(doc):
    doc["events"][2]["stage"], doc["events"][3]["stage"] = "operating", "arrived"


def _foreign_stage(doc):
    doc["events"][1]["stage"] = "pumping"


def _closed_stage(doc):
    doc["events"][5]["stage"] = "closed"


def _after_clear(doc):
    doc["events"][5]["at"] = "56:00"


def _unknown_incident(doc):
    doc["events"][1]["incident"] = "blaze"


def _unknown_field(doc):
    doc["events"][0]["colour"] = "red"


def _missing(doc):
    del doc["title_en"]


def _late(doc):
    doc["events"][6]["at"] = "3:00:00"


def _bad_time(doc):
    doc["events"][6]["at"] = "55 minutes"


def _factor(doc):
    doc["events"][7]["factor"] = 1.5


def _traffic_links(doc):
    doc["events"][8]["links"] = ["1234567890"]


def _pm10(doc):
    doc["events"][9]["pm10"] = 10


def _neighbour(doc):
    doc["events"][9]["neighbours"] = {"서대문": 0.4}


def _detail(doc):
    doc["events"][0]["detail"] = "09B16"


def _kind(doc):
    doc["events"][6]["kind"] = "resolve"


def _same_time(doc):
    doc["events"][2]["at"] = "02:00"


@pytest.mark.parametrize(
    ("break_it", "field", "words"),
    [
        (_district, "events[0].district", "not one of Seoul's 25 districts"),
        (_wrong_district, "events[0].district", "lies in 마포구, not 서대문구"),
        (_link, "events[0].link", "unknown link"),
        (_negative, "events[1].at", "is negative"),
        (_out_of_order, "events[3].stage", "'arrived' comes after 'operating'"),
        (_foreign_stage, "events[1].stage", "'pumping' is not a stage of A08"),
        (_closed_stage, "events[5].stage", "kind 'clear'"),
        (_after_clear, "events[5].at", "already cleared"),
        (_unknown_incident, "events[1].incident", "'blaze' is not the id of an incident"),
        (_unknown_field, "events[0].colour", "is not a field here"),
        (_missing, "title_en", "is missing"),
        (_late, "events[6].at", "not before the end"),
        (_bad_time, "events[6].at", "is not a time"),
        (_factor, "events[7].factor", "at most 1"),
        (_traffic_links, "events[8].links[0]", "unknown link"),
        (_pm10, "events[9].pm10", "includes PM2.5"),
        (_neighbour, "events[9].neighbours.서대문", "not one of Seoul's 25 districts"),
        (_detail, "events[0].detail", "not a known AccSubCode of A08"),
        (_kind, "events[6].kind", "'resolve' is not one of"),
        (_same_time, "events[2].at", "distinct times"),
    ],
)
def test_a_broken_file_is_refused_naming_the_file_and_the_field(tmp_path, break_it, field, words):
    document = fire_document()
    break_it(document)
    path = tmp_path / "mapo-fire.json"
    path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ScenarioError) as error:
        load_scenario(path)
    assert isinstance(error.value, ValueError)
    assert str(error.value).startswith(f"mapo-fire.json: {field}: "), str(error.value)
    assert words in str(error.value)


def test_a_file_that_is_not_json_or_misnamed_is_refused(tmp_path):
    broken = tmp_path / "mapo-fire.json"
    broken.write_text('{"name": "mapo-fire",', encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"^mapo-fire.json: not JSON"):
        load_scenario(broken)
    renamed = tmp_path / "my-fire.json"
    renamed.write_text(json.dumps(fire_document()), encoding="utf-8")
    with pytest.raises(ScenarioError, match=r"^my-fire.json: name: 'mapo-fire' differs"):
        load_scenario(renamed)
    document = copy.deepcopy(fire_document()) | {"name": "my-fire"}
    renamed.write_text(json.dumps(document), encoding="utf-8")
    assert load_scenario(renamed).name == "my-fire"


# --- the stage line, read by the parser -----------------------------------------------------------


def accinfo(info: str) -> str:
    row = {
        "acc_id": "1",
        "occr_date": "20260310",
        "occr_time": "1410",
        "acc_type": "A08",
        "acc_dtype": "08B01",
        "link_id": "1000220100",
        "grs80tm_x": "",
        "grs80tm_y": "",
        "acc_info": info,
        "acc_road_code": "009",
    }
    return json.dumps(
        {"AccInfo": {"list_total_count": 1, "RESULT": {"CODE": "INFO-000", "MESSAGE": "정상"}, "row": [row]}},
        ensure_ascii=False,
    )


@pytest.mark.parametrize(
    ("info", "stage", "description"),
    [
        ("[진행단계] 초진\r건물 화재\r전 차로 통제", "initial_suppression", "건물 화재 / 전 차로 통제"),
        ("[진행단계] 진압중\r건물 화재", "operating", "건물 화재"),  # spaces inside the word are optional
        ("[진행단계]현장 도착\n건물 화재", "arrived", "건물 화재"),
        ("\r[진행단계] 완진\r건물 화재", "full_suppression", "건물 화재"),
        ("[진행단계] 알 수 없음\r건물 화재", "", "[진행단계] 알 수 없음 / 건물 화재"),  # unknown: text kept
        ("건물 화재\r[진행단계] 초진", "", "건물 화재 / [진행단계] 초진"),  # only a first line counts
        ("건물 화재", "", "건물 화재"),
    ],
)
def test_the_parser_reads_the_stage_line(info, stage, description):
    frame = incidents.parse(accinfo(info))
    assert frame.stage.tolist() == [stage]
    assert frame.description.tolist() == [description]
    assert list(frame.columns) == incidents.COLUMNS and incidents.COLUMNS[-1] == "stage"
