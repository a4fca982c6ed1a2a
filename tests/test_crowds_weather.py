"""Crowds and weather: two feeds read from the citydata answers traffic already fetches.

Their parsers against the real capture and made-up answers, the city's weather in one line, and
the poller making the citydata round once for the three feeds that read it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import app as wall_app
from dashboard.settings import Settings
from feeds import crowds, weather
from feeds.base import FeedError
from feeds.demo import body_at
from feeds.registry import CITYDATA, FEEDS, calls
from feeds.traffic import HOTSPOTS
from tests.conftest import DEMO_MOMENT, ControlledSource

CAPTURE = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "seoul" / "citydata.json"


def capture() -> dict:
    return json.loads(CAPTURE.read_text(encoding="utf-8"))


def answer(**sections) -> str:
    """The real capture with some of its CITYDATA sections replaced (None: removed)."""
    body = capture()
    for key, value in sections.items():
        if value is None:
            body["CITYDATA"].pop(key, None)
        else:
            body["CITYDATA"][key] = value
    return json.dumps(body, ensure_ascii=False)


def test_the_real_capture_gives_its_place_crowd_with_where_it_is():
    frame = crowds.parse(CAPTURE.read_text(encoding="utf-8"))
    assert len(frame) == 1
    place = frame.iloc[0]
    assert (place.hotspot, place.hotspot_code) == ("광화문·덕수궁", "POI009")
    assert (place.level, place.level_rank) == ("보통", 1)
    assert (place.population_min, place.population_max) == (38000, 40000)
    assert place.district == "종로구" and place.district_code == "11110"  # from its roads' middle
    assert str(place.measured_at) == "2026-08-11 17:30:00+09:00"


def test_the_real_capture_gives_its_weather_and_the_city_line():
    frame = weather.parse(CAPTURE.read_text(encoding="utf-8"))
    assert len(frame) == 1
    reading = frame.iloc[0]
    assert (reading.temp_c, reading.humidity_pct, reading.precipitation_mm) == (32.3, 45, 0)
    assert reading.precipitation_type == "없음" and reading.district_code == "11110"
    city = weather.city(frame)
    assert city == weather.CityWeather(32.3, "없음", 0.0, 1)


@pytest.mark.parametrize(
    ("said", "mm"), [("-", 0.0), ("강수없음", 0.0), ("1mm 미만", 1.0), ("1.0~29.0mm", 29.0), ("3.5", 3.5)]
)
def test_precipitation_is_read_from_upstreams_words(said, mm):
    reading = {**capture()["CITYDATA"]["WEATHER_STTS"][0], "PRECIPITATION": said, "PRECPT_TYPE": "비"}
    frame = weather.parse(answer(WEATHER_STTS=[reading]))
    assert frame.iloc[0].precipitation_mm == mm and frame.iloc[0].precipitation_type == "비"


def test_a_level_or_a_reading_the_wall_does_not_know_is_left_out():
    crowd = {**capture()["CITYDATA"]["LIVE_PPLTN_STTS"][0], "AREA_CONGEST_LVL": "아주 붐빔"}
    assert crowds.parse(answer(LIVE_PPLTN_STTS=[crowd])).empty
    hot = {**capture()["CITYDATA"]["WEATHER_STTS"][0], "TEMP": "99"}
    assert weather.parse(answer(WEATHER_STTS=[hot])).empty
    assert weather.city(weather.parse(answer(WEATHER_STTS=[hot]))) is None


def test_an_answer_without_the_section_adds_nothing_and_a_malformed_one_says_which():
    assert crowds.parse(answer(LIVE_PPLTN_STTS=None)).empty
    assert weather.parse(answer(WEATHER_STTS=None)).empty
    with pytest.raises(FeedError) as failed:
        crowds.parse(answer(LIVE_PPLTN_STTS="busy"))
    assert failed.value.reason.code == "envelope.bad_field" and "LIVE_PPLTN_STTS" in str(failed.value)
    with pytest.raises(FeedError):
        weather.parse(answer(WEATHER_STTS={"TEMP": "3"}))
    # One malformed place among good ones: the good ones are kept.
    good = CAPTURE.read_text(encoding="utf-8")
    assert len(crowds.parse([answer(LIVE_PPLTN_STTS="busy"), good])) == 1


def test_the_city_says_the_precipitation_most_places_report():
    bodies = [body_at(7, DEMO_MOMENT, "json", "citydata", 1, 5, place) for place in HOTSPOTS]
    frame = weather.parse(bodies)
    assert len(frame) == len(HOTSPOTS) and frame["district_code"].ne("").all()
    frame.loc[: len(frame) // 2, "precipitation_type"] = "비"  # just over half the places: rain
    frame.loc[: len(frame) // 2, "precipitation_mm"] = 2.0
    city = weather.city(frame)
    assert city.precipitation_type == "비" and city.precipitation_mm == 2.0
    frame.loc[:, "precipitation_type"] = "없음"
    assert weather.city(frame).precipitation_type == "없음"


def test_the_demo_city_has_a_crowd_at_every_place_busiest_first():
    bodies = [body_at(7, DEMO_MOMENT, "json", "citydata", 1, 5, place) for place in HOTSPOTS]
    frame = crowds.parse(bodies)
    assert len(frame) == len(HOTSPOTS) and set(frame["level"]) <= set(crowds.LEVELS)
    assert list(frame["level_rank"]) == sorted(frame["level_rank"], reverse=True)
    assert frame["district_code"].ne("").all()


class CountingSource(ControlledSource):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.asked: list[str] = []

    def fetch(self, fmt, service, start, end, *filters):
        self.asked.append(service)
        return super().fetch(fmt, service, start, end, *filters)


def test_traffic_crowds_and_weather_share_one_citydata_round():
    assert calls(FEEDS)[CITYDATA.name] == ("traffic", "crowds", "weather")
    source = CountingSource()
    wall = wall_app.create_wall(Settings(), source=source)
    metas = wall.poller.poll_call(CITYDATA.name)
    assert set(metas) == {"traffic", "crowds", "weather"} and all(m.status == "ok" for m in metas.values())
    assert source.asked.count("citydata") == len(HOTSPOTS)  # one request per place, for three feeds
    assert wall.poller.poll("crowds").status == "ok"  # one feed asked for: its whole call, once more
    assert source.asked.count("citydata") == 2 * len(HOTSPOTS)
    assert not wall.store.frame("crowds").data.empty and not wall.store.frame("weather").data.empty


def test_a_failing_round_fails_each_of_its_feeds_with_its_reason_and_keeps_their_frames():
    source = ControlledSource()
    wall = wall_app.create_wall(Settings(), source=source)
    wall.poller.poll_call(CITYDATA.name)
    source.failure = FeedError("the network is down")
    metas = wall.poller.poll_call(CITYDATA.name)
    for feed in ("traffic", "crowds", "weather"):
        assert metas[feed].error == "the network is down"
        assert not wall.store.frame(feed).data.empty  # the last good frame stays
    assert wall.store.meta("air").error is None  # another call: untouched


@pytest.mark.parametrize(("temp", "said"), [(-0.3, "0°C"), (-0.6, "-1°C"), (7.4, "7°C")])
def test_the_weather_beside_the_clock_never_says_minus_zero(temp, said):
    from layouts import panels

    reading = {**capture()["CITYDATA"]["WEATHER_STTS"][0], "TEMP": str(temp)}
    shown = panels.weather_now(weather.parse(answer(WEATHER_STTS=[reading])), True, "en")
    assert shown[0].children == f"{said} · no rain"
