"""citydata in the demo city: a place's road speeds, crowd, weather and incidents every five minutes."""

from __future__ import annotations

import math
from functools import cache

from feeds import air, crowds, traffic, weather
from feeds.demo.air import MAIN_POLLUTANT, air_values, cai_of, with_smoke
from feeds.demo.clock import DAY, HOUR, KST, MINUTE, local_floor, local_stamp, local_time
from feeds.demo.incidents import DEFAULT_SLOWDOWN, SLOWDOWN, Incident, open_incidents
from feeds.demo.noise import bump, smooth, unit
from feeds.demo.roads import Link, Place, node_code
from feeds.demo.scenarios import Play
from feeds.districts import District, locate
from feeds.incidents import DETAILS, TYPES

ROAD_MESSAGES = {
    "원활": "도로 소통이 원활해요.",
    "서행": "해당 장소로 이동·진입시 시간이 조금 걸릴 수 있어요.",
    "정체": "해당 장소로 이동·진입시 시간이 오래 걸릴 수 있어요.",
}
# Per crowds.LEVELS (calm to crowded): the share of the place's peak crowd below which the level
# holds, and the message citydata gives with it.
CROWD_LEVELS = tuple(
    zip(
        (0.45, 0.70, 0.88, math.inf),
        crowds.LEVELS,
        (
            "사람이 몰려있을 가능성이 낮고 붐빔은 거의 느껴지지 않아요. 도보 이동이 자유로워요.",
            "사람이 몰려있을 수 있지만 크게 붐비지는 않아요. 도보 이동에 큰 제약이 없어요.",
            "사람들이 몰려있을 가능성이 크고 붐빈다고 느낄 수 있어요.",
            "사람들이 몰려있을 가능성이 매우 크고 많이 붐빈다고 느낄 수 있어요.",
        ),
        strict=True,
    )
)


def _demand(t: float) -> float:
    """How loaded the city's roads are at ``t``, 0 (empty) to about 1 (evening rush)."""
    local = local_time(t)
    h = local.hour + local.minute / 60
    if local.weekday() >= 5:  # weekends: no commute, busy afternoons
        return 0.12 + 0.5 * bump(h, 15.5, 3.5) + 0.15 * bump(h, 19.5, 1.5)
    return 0.12 + 0.35 * bump(h, 13.5, 4.5) + 0.45 * bump(h, 8.2, 1.0) + 0.55 * bump(h, 18.7, 1.3)


def _link_speed(seed: int, link: Link, t: int, slowdown: float) -> float:
    """Published speed (whole km/h) on a link for the five minutes starting at ``t``."""
    drift = 0.85 + 0.3 * smooth(seed, f"traffic-{link.link_id}", t / (30 * MINUTE))
    load = min(_demand(t) * drift, 1.1)
    jitter = 0.93 + 0.14 * unit(seed, "speed", link.link_id, t)
    return float(max(3, round(link.free_flow * (1 - 0.75 * load) * jitter * slowdown)))


@cache
def _place_district(place: Place) -> District | None:
    lon, lat = place.links[0].path[1]
    return locate(lat, lon)


def citydata(seed: int, t: float, place: Place, play: Play | None = None) -> dict:
    """The CITYDATA object of one place: road traffic, with a little crowd, weather and incidents."""
    stamp = local_floor(t, 5 * MINUTE)
    when = local_stamp(stamp, "%Y-%m-%d %H:%M")
    open_now = open_incidents(seed, stamp)
    slowdowns = {i.link.link_id: SLOWDOWN[i.type_code] for i in open_now}
    smoke = None
    if play is not None:
        scenario, started_at = play
        scripted = scenario.open_incidents(started_at, stamp)
        factors = scenario.link_factors(started_at, stamp)
        for incident in scripted:
            factors[incident.link.link_id] = min(
                factors.get(incident.link.link_id, 1.0), SLOWDOWN.get(incident.type_code, DEFAULT_SLOWDOWN)
            )
        for link_id, factor in factors.items():  # the tightest restriction on a link governs it
            slowdowns[link_id] = min(slowdowns.get(link_id, 1.0), factor)
        open_now = sorted(open_now + scripted, key=lambda incident: incident.start)
        smoke = scenario.air_added(started_at, local_floor(stamp, HOUR))
    links, weighted, total = [], 0.0, 0.0
    for link in place.links:
        speed = _link_speed(seed, link, stamp, slowdowns.get(link.link_id, 1.0))
        start, end = link.path[0], link.path[-1]
        length = round(link.length_m)
        links.append(
            {
                "LINK_ID": link.link_id,
                "ROAD_NM": link.road,
                "START_ND_CD": node_code(start),
                "START_ND_NM": link.start_node,
                "START_ND_XY": f"{start[0]}_{start[1]}",
                "END_ND_CD": node_code(end),
                "END_ND_NM": link.end_node,
                "END_ND_XY": f"{end[0]}_{end[1]}",
                "DIST": f"{length}.0",
                "SPD": speed,
                "IDX": traffic.congestion_of(speed),
                # The upstream lists a link's vertices from its end node back to its start node.
                "XYLIST": "|".join(f"{lon}_{lat}" for lon, lat in reversed(link.path)),
            }
        )
        weighted, total = weighted + speed * length, total + length
    average = round(weighted / total)
    document = {
        "AREA_NM": place.name,
        "AREA_CD": place.code,
        "LIVE_PPLTN_STTS": [_crowd(seed, stamp, place, when)],
        "ROAD_TRAFFIC_STTS": {
            "AVG_ROAD_DATA": {
                "ROAD_MSG": ROAD_MESSAGES[traffic.congestion_of(average)],
                "ROAD_TRAFFIC_IDX": traffic.congestion_of(average),
                "ROAD_TRAFFIC_SPD": average,
                "ROAD_TRAFFIC_TIME": when,
            },
            "ROAD_TRAFFIC_STTS": links,
        },
        "ACDNT_CNTRL_STTS": [_citydata_incident(i, when) for i in open_now if i.link.place == place.name],
    }
    district = _place_district(place)
    if district is not None:
        document["WEATHER_STTS"] = [_weather(seed, stamp, district, (smoke or {}).get(district.name))]
    return document


def _crowd(seed: int, t: int, place: Place, when: str) -> dict[str, str]:
    local = local_time(t)
    h = local.hour + local.minute / 60
    peak = 10_000 + 40_000 * unit(seed, "crowd", place.code)
    if local.weekday() >= 5:
        share = 0.12 + 0.85 * bump(h, 16, 3.5)
    else:
        share = 0.1 + 0.55 * bump(h, 12.5, 2.5) + 0.6 * bump(h, 18.5, 1.8)
    share *= 0.9 + 0.2 * unit(seed, "crowd", place.code, t)
    level, message = next((lv, msg) for upper, lv, msg in CROWD_LEVELS if share < upper)
    low = round(peak * share, -3)
    return {
        "AREA_NM": place.name,
        "AREA_CD": place.code,
        "AREA_CONGEST_LVL": level,
        "AREA_CONGEST_MSG": message,
        "AREA_PPLTN_MIN": f"{low:.0f}",
        "AREA_PPLTN_MAX": f"{low + 2000:.0f}",
        "PPLTN_TIME": when,
    }


RAIN_ABOVE = 0.85  # the smooth noise's level above which it rains


def _weather(
    seed: int, t: int, district: District, smoke: tuple[float, float] | None = None
) -> dict[str, str]:
    """Weather at a place, with the air of its district in the latest hour."""
    local = local_time(t)
    days = (t + KST) / DAY
    season = -math.cos(2 * math.pi * (local.timetuple().tm_yday - 20) / 365.25)
    h = local.hour + local.minute / 60
    temp = 12.8 + 14.5 * season + 4.5 * math.cos(2 * math.pi * (h - 15) / 24)
    temp += 6 * (smooth(seed, "temperature", days) - 0.5)
    humidity = 62 + 15 * season - 10 * math.cos(2 * math.pi * (h - 15) / 24)
    # Now and then a few hours of rain (snow when it is cold), the same all over the city.
    wet = smooth(seed, "rain", days * 4)
    kind, amount = (weather.NO_PRECIPITATION, "-")
    if wet > RAIN_ABOVE:
        kind, amount = ("비" if temp > 1 else "눈"), f"{(wet - RAIN_ABOVE) * 40:.1f}mm"
        humidity = max(humidity, 85)
    hour = local_floor(t, HOUR)
    values = with_smoke(air_values(seed, hour, district), smoke)
    cai, pollutant = cai_of(values)
    return {
        "WEATHER_TIME": local_stamp(t, "%Y-%m-%d %H:%M"),
        "TEMP": f"{temp:.1f}",
        "HUMIDITY": f"{humidity:.0f}",
        "PRECIPITATION": amount,
        "PRECPT_TYPE": kind,
        "PM25_INDEX": air.grade("pm25", values["pm25"]),
        "PM25": f"{values['pm25']:.0f}",
        "PM10_INDEX": air.grade("pm10", values["pm10"]),
        "PM10": f"{values['pm10']:.0f}",
        "AIR_IDX": air.grade("cai", cai),
        "AIR_IDX_MVL": f"{cai:.1f}",
        "AIR_IDX_MAIN": MAIN_POLLUTANT[pollutant],
    }


def _citydata_incident(incident: Incident, when: str) -> dict[str, object]:
    """An incident as citydata's ACDNT_CNTRL_STTS lists it (WGS84, names rather than codes)."""
    type_ko, type_en = TYPES[incident.type_code]
    detail_ko, detail_en = DETAILS[incident.detail_code]
    expected = incident.expected_end
    return {
        "ACDNT_OCCR_DT": local_stamp(incident.start, "%Y-%m-%d %H:%M"),
        "EXP_CLR_DT": local_stamp(expected, "%Y-%m-%d %H:%M") if expected else "",
        "ACDNT_TYPE": type_ko,
        "ACDNT_ENG_TYPE": type_en,
        "ACDNT_DTYPE": detail_ko,
        "ACDNT_ENG_DTYPE": detail_en,
        "ACDNT_INFO": incident.description.replace("\r", " "),
        "ACDNT_X": round(incident.lon, 6),
        "ACDNT_Y": round(incident.lat, 6),
        "ACDNT_TIME": when,
    }
