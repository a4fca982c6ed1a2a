"""Incidents in the demo city: when and where they start, how long they last, their AccInfo rows."""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import cache, lru_cache

from pyproj import Transformer

from feeds.demo.clock import DAY, HOUR, MINUTE, local_stamp, local_time
from feeds.demo.noise import poisson, seeded_random
from feeds.demo.roads import LINKS, RALLY_PLACES, Link

SLOT = 10 * MINUTE
LOOKBACK = 3 * DAY + 2 * HOUR  # longer than the longest incident lasts
ALL_HOURS = tuple(range(24))
WEEK = tuple(range(7))


@dataclass(frozen=True)
class Kind:
    """One way incidents happen: how often they start, when, where and for how long."""

    type_code: str
    details: tuple[str, ...]
    rate: float  # expected starts per 10-minute slot, in the hours and weekdays below
    minutes: tuple[int, int]  # planned duration range
    hours: tuple[int, ...] = ALL_HOURS
    weekdays: tuple[int, ...] = WEEK  # 0 is Monday
    months: tuple[int, ...] = tuple(range(1, 13))
    places: tuple[str, ...] = ()  # hotspots it happens around; () for anywhere
    road_code: str = "010"  # acc_road_code: 009 full closure, 010 partial
    overrun: float = 0.0  # how far the real clearance strays from the expected one (share)
    unplanned: float = 0.0  # share published without an expected clearance


KINDS: tuple[Kind, ...] = (
    Kind("A01", ("01B01", "01B01", "01B02"), 0.75, (20, 90), tuple(range(7, 23)), overrun=0.3, unplanned=0.2),
    Kind("A01", ("01B01", "01B02"), 0.2, (20, 90), (23, 0, 1, 2, 3, 4, 5, 6), overrun=0.3, unplanned=0.2),
    Kind("A02", ("02B01", "02B02"), 0.2, (15, 60), overrun=0.3, unplanned=0.3),
    Kind("A05", ("05B01",), 0.03, (15, 40), overrun=0.3, unplanned=0.5),
    Kind("A04", ("04B04", "04B01"), 0.16, (300, 480), (21, 22, 23)),  # night roadworks
    Kind("A04", ("04B01", "04B02", "04B03"), 0.2, (180, 420), (9, 10), weekdays=(0, 1, 2, 3, 4)),
    Kind("A04", ("04B01", "04B02"), 0.03, (1440, 4320), tuple(range(6, 20))),  # works over days
    Kind("A08", ("08B01", "08B02"), 0.008, (40, 180), road_code="009", overrun=0.4, unplanned=0.5),
    Kind("A09", ("09B16",), 0.004, (60, 240), months=(6, 7, 8, 9), road_code="009", overrun=0.4),
    Kind(
        "A10",
        ("10B02",),
        0.1,
        (120, 300),
        (12, 13, 14, 15),
        weekdays=(5, 6),
        places=RALLY_PLACES,
        overrun=0.2,
    ),
    Kind(
        "A10",
        ("10B02", "10B01"),
        0.012,
        (120, 240),
        tuple(range(11, 18)),
        weekdays=(0, 1, 2, 3, 4),
        places=RALLY_PLACES,
        overrun=0.2,
    ),
)
# How much an open incident slows its road link.
SLOWDOWN = {"A01": 0.45, "A02": 0.7, "A04": 0.7, "A05": 0.8, "A08": 0.25, "A09": 0.2, "A10": 0.3}
DEFAULT_SLOWDOWN = 0.7  # a scripted incident of a type the simulator itself never starts
DESCRIPTIONS = {
    "01B01": "{road} {a}→{b} 방향 추돌사고\r{lanes}개 차로 통제 중, 우회 바랍니다",
    "01B02": "{road} {a}→{b} 방향 차량 충돌사고\r{lanes}개 차로 부분 통제",
    "02B01": "{road} {a}→{b} 방향 고장차량 조치 중\r{lanes}차로 부분 통제",
    "02B02": "{road} {a}→{b} 방향 타이어 펑크 차량 조치 중\r서행 바랍니다",
    "04B01": "{road} {a}→{b} 방향 도로공사\r{lanes}개 차로 통제 ({until}까지)",
    "04B02": "{road} {a}→{b} 방향 상수도관 공사\r{lanes}개 차로 통제 ({until}까지)",
    "04B03": "{road} {a}→{b} 방향 전기공사\r{lanes}개 차로 통제 ({until}까지)",
    "04B04": "{road} {a}→{b} 방향 포장 보수공사\r{lanes}개 차로 야간 통제 ({until}까지)",
    "05B01": "{road} {a}→{b} 방향 낙하물 수거 중\r서행 바랍니다",
    "08B01": "{road} {a} 인근 건물 화재\r{a}→{b} 방향 전 차로 통제, 우회 바랍니다",
    "08B02": "{road} {a}→{b} 방향 차량화재\r전 차로 통제, 우회 바랍니다",
    "09B16": "{road} {a}→{b} 구간 도로침수\r전 차로 통제, 우회 바랍니다",
    "10B01": "{road} {a}→{b} 방향 행사 진행\r{lanes}개 차로 통제 ({until}까지)",
    "10B02": "{road} {a}→{b} 방향 집회·행진\r{lanes}개 차로 통제 ({until}까지), 우회 바랍니다",
}


@dataclass(frozen=True)
class Incident:
    incident_id: str
    type_code: str
    detail_code: str
    start: float
    end: float  # when it is cleared and leaves the feed
    expected_end: float | None
    link: Link
    lon: float
    lat: float
    road_code: str
    description: str
    with_seconds: bool  # occr_time as HHMMSS rather than HHMM (the feed mixes both)


@cache
def _to_tm() -> Transformer:
    # EPSG:5181, Korea 2000 Central Belt with a 500 000 m false northing, as AccInfo publishes.
    return Transformer.from_crs("EPSG:4326", "EPSG:5181", always_xy=True)


@lru_cache(maxsize=8192)
def _slot_incidents(seed: int, slot: int) -> tuple[Incident, ...]:
    """Incidents starting in one 10-minute slot (slot = epoch seconds // SLOT)."""
    start = slot * SLOT
    local = local_time(start)
    rng = seeded_random(seed, "incidents", slot)
    found: list[Incident] = []
    for kind in KINDS:
        active = local.hour in kind.hours and local.weekday() in kind.weekdays and local.month in kind.months
        if not active:
            continue
        for _ in range(poisson(rng, kind.rate)):
            found.append(_incident(rng, f"{slot}{len(found):02d}", start + rng.uniform(0, SLOT), kind))
    return tuple(found)


def _incident(rng: random.Random, incident_id: str, start: float, kind: Kind) -> Incident:
    links = [link for link in LINKS if link.place in kind.places] if kind.places else LINKS
    link = rng.choice(links)
    i = rng.randrange(len(link.path) - 1)
    share = rng.random()
    (lon1, lat1), (lon2, lat2) = link.path[i], link.path[i + 1]
    planned = rng.uniform(*kind.minutes) * MINUTE
    expected_end = start + planned
    end = start + planned * (1 + rng.uniform(-kind.overrun, kind.overrun))
    detail = rng.choice(kind.details)
    until = local_stamp(expected_end, "%H:%M" if planned < 20 * HOUR else "%m월 %d일 %H:%M")
    description = DESCRIPTIONS[detail].format(
        road=link.road, a=link.start_node, b=link.end_node, lanes=rng.randint(1, 2), until=until
    )
    return Incident(
        incident_id=incident_id,
        type_code=kind.type_code,
        detail_code=detail,
        start=start,
        end=end,
        expected_end=None if rng.random() < kind.unplanned else expected_end,
        link=link,
        lon=lon1 + (lon2 - lon1) * share,
        lat=lat1 + (lat2 - lat1) * share,
        road_code=kind.road_code,
        description=description,
        with_seconds=rng.random() < 0.5,
    )


def open_incidents(seed: int, t: float) -> list[Incident]:
    """Every incident open at ``t``, oldest first."""
    last = int(t // SLOT)
    found = [
        incident
        for slot in range(last - LOOKBACK // SLOT, last + 1)
        for incident in _slot_incidents(seed, slot)
        if incident.start <= t < incident.end
    ]
    return sorted(found, key=lambda incident: incident.start)


def accinfo_row(incident: Incident) -> dict[str, str]:
    """An incident as AccInfo lists it (EPSG:5181, codes rather than names)."""
    clock = "%H%M%S" if incident.with_seconds else "%H%M"
    x, y = _to_tm().transform(incident.lon, incident.lat)
    expected = incident.expected_end
    return {
        "acc_id": incident.incident_id,
        "occr_date": local_stamp(incident.start, "%Y%m%d"),
        "occr_time": local_stamp(incident.start, clock),
        "exp_clr_date": local_stamp(expected, "%Y%m%d") if expected else "",
        "exp_clr_time": local_stamp(expected, clock) if expected else "",
        "acc_type": incident.type_code,
        "acc_dtype": incident.detail_code,
        "link_id": incident.link.link_id,
        "grs80tm_x": f"{x:.2f}".rstrip("0").rstrip("."),
        "grs80tm_y": f"{y:.2f}".rstrip("0").rstrip("."),
        "acc_info": incident.description,
        "acc_road_code": incident.road_code,
    }
