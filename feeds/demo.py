"""The embedded demo source: a simulator of the Seoul Open Data API that needs no network.

It answers RealtimeCityAir, citydata and AccInfo with the bodies the real upstream sends (same
envelopes, field names and quirks), so demo data goes through the real parsers. Every body is a
pure function of (seed, simulated time): noise comes from hashing the seed with the hour, the
district or the road link, never from state that accumulates, so a restart, a second process or
a test that jumps around a simulated day all see the same city.

Simulated time is ``start + (clock() - clock at construction) * speed``; ``body_at`` answers for
an explicit time.

A scripted scenario (feeds.scenarios) can be played on top of the ordinary city: while it runs,
its incidents, slowdowns and smoke join the bodies, which are then a pure function of (seed,
scenario, play start, time); before its start and after its end the city is the ordinary one.
"""

from __future__ import annotations

import hashlib
import json
import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from pyproj import Transformer

from feeds import air, incidents, traffic
from feeds.districts import DISTRICTS, District, locate
from feeds.values import SEOUL

if TYPE_CHECKING:
    from feeds.scenarios import Scenario

# A scenario being played and the simulated time it was started at.
Play = tuple["Scenario", float]
Smoke = dict[str, tuple[float, float]]  # district name -> (PM2.5, PM10) µg/m³ a scenario adds

MINUTE, HOUR, DAY = 60, 3600, 86400
KST = 9 * HOUR  # Seoul keeps UTC+9 all year, so local days and hours are plain arithmetic
MAX_ROWS = 1000

OK_MESSAGE = "정상 처리되었습니다"
NO_DATA = ("INFO-200", "해당하는 데이터가 없습니다.")
BAD_TYPE = ("ERROR-301", "파일타입 값이 누락 혹은 유효하지 않습니다. 요청인자 중 TYPE을 확인하십시오.")
NO_SERVICE = ("ERROR-310", "해당하는 서비스를 찾을 수 없습니다.")
NOT_A_NUMBER = ("ERROR-333", "요청위치 값의 타입이 유효하지 않습니다. 요청위치 값은 정수를 입력하세요.")
BAD_RANGE = ("ERROR-334", "요청종료위치 보다 요청시작위치가 더 큽니다.")
TOO_MANY = ("ERROR-336", "데이터요청은 한번에 최대 1000건을 넘을 수 없습니다.")
NO_PLACE = ("ERROR-300", "필수 값이 누락되어 있습니다. 요청인자를 참고 하십시오.")


# --- deterministic noise ------------------------------------------------------------------------


def _unit(seed: int, *keys: object) -> float:
    """A uniform number in [0, 1) that depends only on the seed and the keys."""
    digest = hashlib.blake2b(repr((seed, *keys)).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64


def _rng(seed: int, *keys: object) -> random.Random:
    return random.Random(repr((seed, *keys)))


def _smooth(seed: int, key: str, x: float) -> float:
    """Value noise in [0, 1): hashed knots at whole x, eased in between, continuous in x."""
    knot = math.floor(x)
    a, b = _unit(seed, key, knot), _unit(seed, key, knot + 1)
    ease = (1 - math.cos(math.pi * (x - knot))) / 2
    return a + (b - a) * ease


def _bump(hour: float, centre: float, width: float) -> float:
    """A bell over the 24-hour clock (wrapping at midnight), 1 at ``centre``."""
    distance = abs(hour - centre) % 24
    distance = min(distance, 24 - distance)
    return math.exp(-0.5 * (distance / width) ** 2)


def _floor(t: float, step: int) -> int:
    """Epoch seconds floored to a Seoul-local multiple of ``step`` (an hour, five minutes ...)."""
    return int((t + KST) // step * step - KST)


def _local(t: float) -> datetime:
    return datetime.fromtimestamp(t, SEOUL)


# --- air quality --------------------------------------------------------------------------------

# Per district: (particulate level, traffic level). The industrial south-west and the busiest
# road districts run higher; the districts against the northern mountains run cleaner.
AIR_PROFILE: dict[str, tuple[float, float]] = {
    "종로구": (1.00, 1.15),
    "중구": (1.05, 1.30),
    "용산구": (1.02, 1.10),
    "성동구": (1.05, 1.10),
    "광진구": (1.00, 1.00),
    "동대문구": (1.05, 1.10),
    "중랑구": (0.98, 0.95),
    "성북구": (0.95, 0.90),
    "강북구": (0.90, 0.85),
    "도봉구": (0.88, 0.80),
    "노원구": (0.90, 0.85),
    "은평구": (0.92, 0.85),
    "서대문구": (0.97, 0.95),
    "마포구": (1.02, 1.05),
    "양천구": (1.08, 1.00),
    "강서구": (1.12, 1.05),
    "구로구": (1.15, 1.15),
    "금천구": (1.18, 1.10),
    "영등포구": (1.15, 1.20),
    "동작구": (1.02, 1.00),
    "관악구": (1.00, 0.95),
    "서초구": (1.00, 1.20),
    "강남구": (1.03, 1.30),
    "송파구": (1.02, 1.10),
    "강동구": (0.97, 0.95),
}
REGION_ORDER = ("도심권", "서북권", "동북권", "서남권", "동남권")
# How the 2026 feed names the pollutant deciding the CAI.
MAIN_POLLUTANT = {"pm25": "PM-2.5", "pm10": "PM-10", "o3": "O3", "no2": "NO2", "co": "CO", "so2": "SO2"}
# Decimals each concentration is published with.
DECIMALS = {"pm10": 0, "pm25": 0, "o3": 3, "no2": 3, "co": 1, "so2": 3}
MAINTENANCE_WORD = "점검중"


def _air_values(seed: int, hour: int, district: District) -> dict[str, float]:
    """Published concentrations at one district for the hour stamped ``hour`` (epoch seconds)."""
    local = _local(hour)
    h, doy, day = local.hour, local.timetuple().tm_yday, (hour + KST) // DAY
    days = (hour + KST) / DAY
    level, roads = AIR_PROFILE[district.name]

    def wobble(key: str, spread: float) -> float:
        return 1 + spread * (2 * _unit(seed, key, district.code, hour // HOUR) - 1)

    # Particles: dusty late winter and spring, clean summer; weather systems make some days
    # hazy and others clear; rush hours and the still evening air push them up.
    season = 1 + 0.25 * math.cos(2 * math.pi * (doy - 40) / 365.25)
    haze = math.exp(
        1.7 * (_smooth(seed, "haze", days / 1.5) - 0.5) + 0.5 * (_smooth(seed, "haze-hours", days * 4) - 0.5)
    )
    diurnal = 0.78 + 0.32 * _bump(h, 8.5, 1.7) + 0.42 * _bump(h, 20.5, 2.6)
    pm25 = 16 * season * haze * level * diurnal * (0.92 + 0.16 * _unit(seed, "pm-day", district.code, day))
    pm25 *= wobble("pm25", 0.12)
    coarse = 1.55 + 0.45 * _unit(seed, "coarse", district.code, day)
    if local.month in (3, 4, 5) and _unit(seed, "yellow-dust", day) < 0.04:
        coarse += 1.8  # 황사: desert dust is coarse, PM10 soars while PM2.5 barely moves
    pm10 = pm25 * coarse * wobble("pm10", 0.08)

    # Ozone builds in the afternoon sun, most in early summer, and is eaten by traffic NO.
    sunny = 0.6 + 0.6 * _smooth(seed, "sun", days)
    summer = 0.5 + 0.5 * math.cos(2 * math.pi * (doy - 165) / 365.25)
    o3 = 0.008 + 0.010 * summer + (0.018 + 0.05 * summer) * sunny * _bump(h, 15, 3.2)
    o3 *= (1.25 - 0.3 * roads) * wobble("o3", 0.15)

    rush = _bump(h, 8, 1.5) + 1.1 * _bump(h, 19.5, 2.0)
    no2 = (0.010 + 0.016 * roads) * (0.7 + 0.5 * rush) * haze**0.35 * wobble("no2", 0.15)
    co = (0.3 + 0.18 * roads * rush) * haze**0.3 * wobble("co", 0.1)
    so2 = 0.0026 + 0.0012 * _unit(seed, "so2", district.code, hour // HOUR) + 0.0006 * rush * roads
    values = {"pm10": pm10, "pm25": pm25, "o3": o3, "no2": no2, "co": co, "so2": so2}
    return {name: round(value, DECIMALS[name]) for name, value in values.items()}


def _cai(values: dict[str, float]) -> tuple[float, str]:
    """The CAI (largest sub-index) and the pollutant deciding it."""
    pollutant = max(values, key=lambda name: air.sub_index(name, values[name]))
    return air.sub_index(pollutant, values[pollutant]), pollutant


def _maintenance(seed: int, day: int) -> tuple[str, int, int, str]:
    """The station under maintenance on a local day: (district code, first hour, last hour, filler)."""
    rng = _rng(seed, "maintenance", day)
    first = rng.randint(9, 17)
    return rng.choice(DISTRICTS).code, first, first + rng.randint(1, 4), rng.choice(("-", ""))


def _stamp(t: float, pattern: str) -> str:
    return _local(t).strftime(pattern)


def _with_smoke(values: dict[str, float], added: tuple[float, float] | None) -> dict[str, float]:
    """Concentrations with a scenario's (PM2.5, PM10) addition, published as the station would."""
    if not added:
        return values
    pm25, pm10 = values["pm25"] + added[0], values["pm10"] + added[1]
    return values | {"pm25": round(pm25, DECIMALS["pm25"]), "pm10": round(pm10, DECIMALS["pm10"])}


def _air_rows(seed: int, t: float, smoke: Smoke | None = None) -> list[dict[str, str]]:
    """RealtimeCityAir rows in the 2026 field names for the latest full hour at ``t``.

    ``smoke`` adds a scenario's particles per district name at that hour; a district it touches
    is never the one under maintenance, so a rehearsed scenario always shows.
    """
    hour = _floor(t, HOUR)
    code, first, last, filler = _maintenance(seed, (hour + KST) // DAY)
    under_maintenance = first <= _local(hour).hour <= last
    smoke = smoke or {}
    rows = []
    for district in sorted(DISTRICTS, key=lambda d: REGION_ORDER.index(d.region)):
        row = {
            "MSRMT_DT": _stamp(hour, "%Y%m%d%H%M"),
            "SAREA_NM": district.region,
            "MSRSTN_NM": district.name,
        }
        if under_maintenance and district.code == code and district.name not in smoke:
            row |= {air.FIELDS[name][1]: filler for name in (*air.POLLUTANTS, "cai")}
            row |= {"CAI_GRD": MAINTENANCE_WORD, "CRST_SBSTN": ""}
        else:
            values = _with_smoke(_air_values(seed, hour, district), smoke.get(district.name))
            cai, pollutant = _cai(values)
            row |= {air.FIELDS[name][1]: f"{value:.{DECIMALS[name]}f}" for name, value in values.items()}
            row |= {
                "CAI_GRD": air.grade("cai", cai),
                "CAI_IDX": f"{cai:.0f}",
                "CRST_SBSTN": MAIN_POLLUTANT[pollutant],
            }
        rows.append(row)
    return rows


# --- road links around the hotspots -------------------------------------------------------------

# Per citydata place: its code and road links along real roads nearby. A link is
# (road, from node, to node, free-flow km/h, WGS84 (lon, lat) vertices in travel order).
Vertex = tuple[float, float]  # WGS84 (lon, lat)
LinkSpec = tuple[str, str, str, int, tuple[Vertex, ...]]
ROADS: tuple[tuple[str, str, tuple[LinkSpec, ...]], ...] = (
    (
        "광화문·덕수궁",
        "POI009",
        (
            (
                "세종대로",
                "광화문",
                "세종로사거리",
                40,
                ((126.9769, 37.5759), (126.9769, 37.5735), (126.9770, 37.5711)),
            ),
            (
                "세종대로",
                "세종로사거리",
                "시청",
                40,
                ((126.9770, 37.5711), (126.9772, 37.5688), (126.9777, 37.5663)),
            ),
            (
                "종로",
                "세종로사거리",
                "종각",
                30,
                ((126.9775, 37.5703), (126.9800, 37.5702), (126.9830, 37.5702)),
            ),
            (
                "새문안로",
                "세종로사거리",
                "서대문",
                40,
                ((126.9762, 37.5707), (126.9730, 37.5703), (126.9700, 37.5697), (126.9668, 37.5672)),
            ),
            (
                "사직로",
                "광화문",
                "사직단",
                40,
                ((126.9765, 37.5757), (126.9735, 37.5757), (126.9690, 37.5758)),
            ),
            ("율곡로", "광화문", "안국", 35, ((126.9775, 37.5760), (126.9810, 37.5762), (126.9855, 37.5766))),
        ),
    ),
    (
        "서울역",
        "POI033",
        (
            (
                "한강대로",
                "서울역",
                "남영",
                50,
                ((126.9727, 37.5540), (126.9722, 37.5490), (126.9718, 37.5440), (126.9716, 37.5415)),
            ),
            (
                "세종대로",
                "숭례문",
                "서울역",
                40,
                ((126.9753, 37.5600), (126.9740, 37.5580), (126.9730, 37.5558)),
            ),
            (
                "통일로",
                "서울역",
                "서대문",
                45,
                ((126.9712, 37.5565), (126.9697, 37.5605), (126.9680, 37.5635), (126.9667, 37.5660)),
            ),
            ("퇴계로", "서울역", "회현", 35, ((126.9735, 37.5570), (126.9760, 37.5580), (126.9788, 37.5587))),
            (
                "청파로",
                "서울역서부",
                "숙대입구",
                35,
                ((126.9690, 37.5530), (126.9685, 37.5490), (126.9680, 37.5450)),
            ),
        ),
    ),
    (
        "명동 관광특구",
        "POI003",
        (
            ("퇴계로", "회현", "명동역", 35, ((126.9788, 37.5587), (126.9825, 37.5598), (126.9863, 37.5608))),
            (
                "퇴계로",
                "명동역",
                "충무로",
                35,
                ((126.9863, 37.5608), (126.9905, 37.5612), (126.9945, 37.5612)),
            ),
            (
                "을지로",
                "을지로입구",
                "을지로2가",
                30,
                ((126.9826, 37.5660), (126.9855, 37.5661), (126.9887, 37.5661)),
            ),
            (
                "남대문로",
                "한국은행",
                "을지로입구",
                30,
                ((126.9800, 37.5615), (126.9815, 37.5640), (126.9826, 37.5662)),
            ),
            (
                "삼일대로",
                "명동역",
                "을지로2가",
                40,
                ((126.9868, 37.5612), (126.9878, 37.5635), (126.9887, 37.5660)),
            ),
        ),
    ),
    (
        "동대문 관광특구",
        "POI002",
        (
            (
                "종로",
                "종로5가",
                "동대문",
                30,
                ((127.0018, 37.5709), (127.0055, 37.5711), (127.0093, 37.5712)),
            ),
            (
                "을지로",
                "을지로4가",
                "동대문역사문화공원",
                30,
                ((126.9980, 37.5667), (127.0030, 37.5662), (127.0075, 37.5657)),
            ),
            (
                "장충단로",
                "동대문역사문화공원",
                "동대문",
                35,
                ((127.0080, 37.5650), (127.0085, 37.5675), (127.0090, 37.5700)),
            ),
            (
                "왕산로",
                "동대문",
                "신설동",
                40,
                ((127.0103, 37.5714), (127.0170, 37.5730), (127.0245, 37.5750)),
            ),
            (
                "퇴계로",
                "충무로",
                "광희동",
                35,
                ((126.9945, 37.5612), (127.0010, 37.5630), (127.0068, 37.5648)),
            ),
        ),
    ),
    (
        "이태원 관광특구",
        "POI004",
        (
            (
                "이태원로",
                "녹사평",
                "이태원역",
                30,
                ((126.9873, 37.5345), (126.9910, 37.5345), (126.9944, 37.5345)),
            ),
            (
                "이태원로",
                "이태원역",
                "한강진",
                30,
                ((126.9944, 37.5345), (126.9985, 37.5365), (127.0017, 37.5396)),
            ),
            (
                "보광로",
                "이태원역",
                "보광동",
                30,
                ((126.9950, 37.5340), (126.9975, 37.5310), (126.9995, 37.5280)),
            ),
            (
                "한남대로",
                "한강진",
                "한남대교북단",
                50,
                ((127.0025, 37.5395), (127.0050, 37.5360), (127.0085, 37.5320), (127.0110, 37.5290)),
            ),
        ),
    ),
    (
        "용산역",
        "POI046",
        (
            (
                "한강대로",
                "삼각지",
                "신용산",
                50,
                ((126.9727, 37.5350), (126.9708, 37.5320), (126.9683, 37.5292)),
            ),
            (
                "한강대로",
                "신용산",
                "한강대교북단",
                50,
                ((126.9683, 37.5292), (126.9645, 37.5250), (126.9615, 37.5212)),
            ),
            (
                "청파로",
                "숙대입구",
                "용산역",
                35,
                ((126.9680, 37.5445), (126.9665, 37.5380), (126.9655, 37.5330)),
            ),
            (
                "이촌로",
                "용산역",
                "이촌역",
                40,
                ((126.9660, 37.5265), (126.9700, 37.5240), (126.9745, 37.5218)),
            ),
        ),
    ),
    (
        "강남역",
        "POI014",
        (
            (
                "강남대로",
                "신논현",
                "강남역",
                45,
                ((127.0250, 37.5045), (127.0263, 37.5012), (127.0276, 37.4979)),
            ),
            (
                "강남대로",
                "강남역",
                "양재",
                45,
                ((127.0276, 37.4979), (127.0300, 37.4930), (127.0320, 37.4885), (127.0342, 37.4846)),
            ),
            (
                "테헤란로",
                "강남역",
                "역삼",
                45,
                ((127.0285, 37.4985), (127.0325, 37.4995), (127.0365, 37.5006)),
            ),
            (
                "서초대로",
                "교대",
                "강남역",
                45,
                ((127.0145, 37.4937), (127.0210, 37.4958), (127.0270, 37.4977)),
            ),
        ),
    ),
    (
        "선릉역",
        "POI034",
        (
            ("테헤란로", "역삼", "선릉", 45, ((127.0365, 37.5006), (127.0428, 37.5025), (127.0490, 37.5045))),
            ("테헤란로", "선릉", "삼성", 45, ((127.0490, 37.5045), (127.0560, 37.5066), (127.0631, 37.5088))),
            ("선릉로", "선정릉", "선릉", 40, ((127.0436, 37.5103), (127.0462, 37.5075), (127.0490, 37.5045))),
            ("선릉로", "선릉", "한티", 40, ((127.0490, 37.5045), (127.0510, 37.5003), (127.0529, 37.4963))),
        ),
    ),
    (
        "고속터미널역",
        "POI017",
        (
            (
                "반포대로",
                "반포대교남단",
                "고속터미널",
                50,
                ((126.9965, 37.5125), (127.0000, 37.5090), (127.0035, 37.5055)),
            ),
            (
                "반포대로",
                "고속터미널",
                "서초역",
                50,
                ((127.0035, 37.5055), (127.0050, 37.5015), (127.0065, 37.4965), (127.0075, 37.4920)),
            ),
            (
                "신반포로",
                "고속터미널",
                "잠원",
                40,
                ((127.0060, 37.5065), (127.0110, 37.5090), (127.0160, 37.5120)),
            ),
            (
                "사평대로",
                "고속터미널",
                "신논현",
                45,
                ((127.0060, 37.5032), (127.0150, 37.5040), (127.0245, 37.5045)),
            ),
        ),
    ),
    (
        "잠실 관광특구",
        "POI005",
        (
            (
                "올림픽로",
                "종합운동장",
                "잠실새내",
                50,
                ((127.0736, 37.5109), (127.0800, 37.5112), (127.0860, 37.5115)),
            ),
            (
                "올림픽로",
                "잠실새내",
                "잠실",
                50,
                ((127.0860, 37.5115), (127.0930, 37.5122), (127.1002, 37.5133)),
            ),
            ("송파대로", "잠실", "석촌", 50, ((127.1002, 37.5133), (127.1030, 37.5095), (127.1060, 37.5055))),
            (
                "잠실로",
                "잠실",
                "몽촌토성",
                40,
                ((127.1010, 37.5140), (127.1070, 37.5160), (127.1127, 37.5175)),
            ),
        ),
    ),
    (
        "천호역",
        "POI050",
        (
            ("천호대로", "천호", "강동", 45, ((127.1237, 37.5386), (127.1280, 37.5372), (127.1324, 37.5358))),
            ("천호대로", "강동", "길동", 45, ((127.1324, 37.5358), (127.1365, 37.5370), (127.1400, 37.5380))),
            (
                "천호대로",
                "천호대교남단",
                "천호",
                45,
                ((127.1160, 37.5420), (127.1195, 37.5405), (127.1237, 37.5386)),
            ),
            (
                "올림픽로",
                "강동구청",
                "천호",
                45,
                ((127.1206, 37.5303), (127.1222, 37.5345), (127.1237, 37.5386)),
            ),
        ),
    ),
    (
        "건대입구역",
        "POI015",
        (
            (
                "능동로",
                "어린이대공원",
                "건대입구",
                40,
                ((127.0740, 37.5480), (127.0718, 37.5440), (127.0700, 37.5404)),
            ),
            (
                "능동로",
                "건대입구",
                "청담대교북단",
                45,
                ((127.0700, 37.5404), (127.0685, 37.5355), (127.0668, 37.5310)),
            ),
            (
                "아차산로",
                "성수",
                "건대입구",
                40,
                ((127.0560, 37.5445), (127.0630, 37.5425), (127.0697, 37.5405)),
            ),
            (
                "아차산로",
                "건대입구",
                "구의",
                40,
                ((127.0705, 37.5402), (127.0780, 37.5385), (127.0859, 37.5371)),
            ),
        ),
    ),
    (
        "왕십리역",
        "POI045",
        (
            (
                "왕십리로",
                "상왕십리",
                "왕십리",
                35,
                ((127.0293, 37.5643), (127.0330, 37.5628), (127.0371, 37.5612)),
            ),
            (
                "왕십리로",
                "왕십리",
                "뚝섬",
                35,
                ((127.0371, 37.5612), (127.0405, 37.5570), (127.0435, 37.5520), (127.0460, 37.5478)),
            ),
            (
                "고산자로",
                "행당",
                "왕십리",
                45,
                ((127.0345, 37.5530), (127.0365, 37.5575), (127.0378, 37.5612)),
            ),
            (
                "고산자로",
                "왕십리",
                "용답",
                45,
                ((127.0378, 37.5612), (127.0385, 37.5660), (127.0390, 37.5705)),
            ),
        ),
    ),
    (
        "혜화역",
        "POI054",
        (
            (
                "대학로",
                "혜화동로터리",
                "혜화역",
                30,
                ((127.0010, 37.5865), (127.0015, 37.5845), (127.0019, 37.5822)),
            ),
            (
                "대학로",
                "혜화역",
                "이화사거리",
                30,
                ((127.0019, 37.5822), (127.0022, 37.5790), (127.0025, 37.5760)),
            ),
            (
                "대학로",
                "이화사거리",
                "종로5가",
                30,
                ((127.0025, 37.5760), (127.0022, 37.5735), (127.0019, 37.5712)),
            ),
            (
                "율곡로",
                "창덕궁",
                "이화사거리",
                35,
                ((126.9915, 37.5770), (126.9970, 37.5758), (127.0025, 37.5760)),
            ),
            (
                "창경궁로",
                "원남동",
                "혜화동",
                30,
                ((126.9975, 37.5760), (126.9985, 37.5800), (126.9995, 37.5840)),
            ),
        ),
    ),
    (
        "미아사거리역",
        "POI026",
        (
            (
                "동소문로",
                "길음",
                "미아사거리",
                45,
                ((127.0250, 37.6036), (127.0275, 37.6085), (127.0300, 37.6133)),
            ),
            (
                "도봉로",
                "미아사거리",
                "미아",
                40,
                ((127.0300, 37.6133), (127.0280, 37.6200), (127.0260, 37.6265)),
            ),
            (
                "월계로",
                "미아사거리",
                "장위동",
                40,
                ((127.0310, 37.6135), (127.0380, 37.6160), (127.0440, 37.6190)),
            ),
        ),
    ),
    (
        "수유역",
        "POI036",
        (
            ("도봉로", "미아", "수유", 40, ((127.0260, 37.6265), (127.0255, 37.6320), (127.0253, 37.6380))),
            ("도봉로", "수유", "쌍문", 40, ((127.0253, 37.6380), (127.0295, 37.6435), (127.0347, 37.6485))),
            (
                "4·19로",
                "수유",
                "4·19민주묘지",
                35,
                ((127.0245, 37.6385), (127.0180, 37.6410), (127.0110, 37.6440)),
            ),
        ),
    ),
    (
        "창동 신경제 중심지",
        "POI079",
        (
            ("노해로", "창동", "노원", 45, ((127.0477, 37.6531), (127.0545, 37.6543), (127.0615, 37.6555))),
            (
                "마들로",
                "창동교",
                "창동역",
                50,
                ((127.0510, 37.6430), (127.0505, 37.6480), (127.0500, 37.6535)),
            ),
            ("도봉로", "쌍문", "방학", 40, ((127.0347, 37.6485), (127.0352, 37.6560), (127.0360, 37.6640))),
            ("덕릉로", "쌍문", "창동", 40, ((127.0365, 37.6490), (127.0420, 37.6510), (127.0470, 37.6528))),
        ),
    ),
    (
        "노원역",
        "POI022",
        (
            ("동일로", "하계", "노원", 50, ((127.0640, 37.6480), (127.0628, 37.6520), (127.0615, 37.6555))),
            ("동일로", "노원", "마들", 50, ((127.0615, 37.6555), (127.0600, 37.6610), (127.0580, 37.6650))),
            ("상계로", "노원", "상계", 35, ((127.0625, 37.6560), (127.0680, 37.6585), (127.0735, 37.6610))),
            (
                "노해로",
                "노원",
                "은행사거리",
                45,
                ((127.0625, 37.6553), (127.0680, 37.6548), (127.0730, 37.6540)),
            ),
        ),
    ),
    (
        "회기역",
        "POI056",
        (
            ("망우로", "청량리", "회기", 40, ((127.0475, 37.5808), (127.0530, 37.5850), (127.0580, 37.5893))),
            ("망우로", "회기", "중랑교", 40, ((127.0580, 37.5893), (127.0640, 37.5910), (127.0700, 37.5925))),
            (
                "회기로",
                "회기역",
                "경희대",
                30,
                ((127.0570, 37.5900), (127.0545, 37.5925), (127.0520, 37.5950)),
            ),
            (
                "이문로",
                "회기역",
                "외대앞",
                30,
                ((127.0590, 37.5905), (127.0605, 37.5935), (127.0620, 37.5960)),
            ),
        ),
    ),
    (
        "연신내역",
        "POI043",
        (
            ("통일로", "불광", "연신내", 50, ((126.9300, 37.6105), (126.9255, 37.6150), (126.9210, 37.6190))),
            (
                "통일로",
                "연신내",
                "구파발",
                50,
                ((126.9210, 37.6190), (126.9195, 37.6280), (126.9190, 37.6365)),
            ),
            ("연서로", "역촌", "연신내", 35, ((126.9225, 37.6060), (126.9215, 37.6125), (126.9210, 37.6185))),
            (
                "서오릉로",
                "연신내",
                "서오릉",
                35,
                ((126.9205, 37.6190), (126.9160, 37.6195), (126.9110, 37.6200)),
            ),
        ),
    ),
    (
        "신촌·이대역",
        "POI040",
        (
            (
                "신촌로",
                "홍대입구",
                "신촌",
                40,
                ((126.9250, 37.5572), (126.9310, 37.5560), (126.9368, 37.5552)),
            ),
            ("신촌로", "신촌", "이대", 40, ((126.9368, 37.5552), (126.9415, 37.5560), (126.9460, 37.5567))),
            ("신촌로", "이대", "아현", 40, ((126.9460, 37.5567), (126.9510, 37.5570), (126.9560, 37.5573))),
            ("연세로", "신촌", "연세대", 20, ((126.9370, 37.5555), (126.9369, 37.5595), (126.9368, 37.5640))),
            (
                "서강로",
                "신촌로터리",
                "광흥창",
                35,
                ((126.9360, 37.5548), (126.9345, 37.5510), (126.9325, 37.5475)),
            ),
        ),
    ),
    (
        "합정역",
        "POI053",
        (
            (
                "양화로",
                "합정",
                "홍대입구",
                45,
                ((126.9138, 37.5496), (126.9190, 37.5535), (126.9245, 37.5572)),
            ),
            (
                "양화로",
                "양화대교북단",
                "합정",
                50,
                ((126.9045, 37.5445), (126.9090, 37.5470), (126.9138, 37.5496)),
            ),
            ("독막로", "합정", "상수", 35, ((126.9145, 37.5488), (126.9185, 37.5483), (126.9229, 37.5478))),
            ("월드컵로", "합정", "망원", 40, ((126.9135, 37.5500), (126.9115, 37.5530), (126.9100, 37.5560))),
        ),
    ),
    (
        "여의도",
        "POI072",
        (
            (
                "여의대로",
                "마포대교남단",
                "여의도역",
                50,
                ((126.9345, 37.5300), (126.9295, 37.5258), (126.9245, 37.5216)),
            ),
            (
                "여의대로",
                "여의도역",
                "여의교",
                50,
                ((126.9245, 37.5216), (126.9215, 37.5190), (126.9190, 37.5165)),
            ),
            (
                "의사당대로",
                "국회의사당",
                "여의도역",
                45,
                ((126.9160, 37.5295), (126.9205, 37.5255), (126.9243, 37.5222)),
            ),
            (
                "여의동로",
                "마포대교남단",
                "63빌딩",
                45,
                ((126.9350, 37.5290), (126.9380, 37.5245), (126.9400, 37.5210)),
            ),
        ),
    ),
    (
        "영등포 타임스퀘어",
        "POI074",
        (
            (
                "영중로",
                "영등포시장",
                "영등포역",
                30,
                ((126.9050, 37.5227), (126.9062, 37.5193), (126.9075, 37.5160)),
            ),
            (
                "경인로",
                "영등포역",
                "문래",
                40,
                ((126.9060, 37.5155), (126.9000, 37.5135), (126.8950, 37.5110)),
            ),
            (
                "영등포로",
                "영등포시장",
                "영등포구청",
                35,
                ((126.9040, 37.5230), (126.8990, 37.5240), (126.8960, 37.5250)),
            ),
        ),
    ),
    (
        "신도림역",
        "POI038",
        (
            (
                "경인로",
                "신도림",
                "구로역",
                40,
                ((126.8913, 37.5088), (126.8865, 37.5060), (126.8820, 37.5030)),
            ),
            ("경인로", "문래", "신도림", 40, ((126.8950, 37.5110), (126.8930, 37.5098), (126.8913, 37.5088))),
            ("새말로", "신도림", "구로", 35, ((126.8910, 37.5085), (126.8900, 37.5040), (126.8890, 37.5000))),
        ),
    ),
    (
        "가산디지털단지역",
        "POI013",
        (
            (
                "디지털로",
                "구로디지털단지",
                "남구로",
                40,
                ((126.9010, 37.4852), (126.8945, 37.4858), (126.8880, 37.4860)),
            ),
            (
                "디지털로",
                "남구로",
                "가산디지털단지",
                40,
                ((126.8875, 37.4858), (126.8850, 37.4838), (126.8826, 37.4816)),
            ),
            (
                "벚꽃로",
                "가산디지털단지",
                "독산",
                40,
                ((126.8860, 37.4815), (126.8870, 37.4760), (126.8885, 37.4700)),
            ),
            (
                "가산로",
                "가산디지털단지",
                "안양천",
                35,
                ((126.8826, 37.4816), (126.8805, 37.4790), (126.8790, 37.4770)),
            ),
        ),
    ),
    (
        "신림역",
        "POI039",
        (
            (
                "남부순환로",
                "신대방",
                "신림",
                45,
                ((126.9135, 37.4875), (126.9215, 37.4858), (126.9297, 37.4842)),
            ),
            (
                "남부순환로",
                "신림",
                "봉천",
                45,
                ((126.9297, 37.4842), (126.9355, 37.4830), (126.9416, 37.4823)),
            ),
            ("신림로", "신림", "서울대", 35, ((126.9300, 37.4835), (126.9320, 37.4780), (126.9340, 37.4720))),
            ("신림로", "보라매", "신림", 35, ((126.9250, 37.4930), (126.9275, 37.4885), (126.9297, 37.4845))),
        ),
    ),
    (
        "사당역",
        "POI029",
        (
            ("동작대로", "이수", "사당", 45, ((126.9820, 37.4855), (126.9817, 37.4810), (126.9815, 37.4765))),
            (
                "남부순환로",
                "낙성대",
                "사당",
                45,
                ((126.9635, 37.4770), (126.9725, 37.4768), (126.9810, 37.4765)),
            ),
            (
                "남부순환로",
                "사당",
                "예술의전당",
                45,
                ((126.9820, 37.4765), (126.9920, 37.4775), (127.0010, 37.4780)),
            ),
            (
                "과천대로",
                "사당",
                "남태령",
                55,
                ((126.9815, 37.4760), (126.9840, 37.4710), (126.9870, 37.4660)),
            ),
        ),
    ),
    (
        "오목교역·목동운동장",
        "POI044",
        (
            ("오목로", "신정", "오목교", 40, ((126.8650, 37.5230), (126.8700, 37.5237), (126.8752, 37.5244))),
            ("오목로", "오목교", "양평", 40, ((126.8752, 37.5244), (126.8790, 37.5250), (126.8830, 37.5258))),
            (
                "목동동로",
                "목동",
                "오목교",
                40,
                ((126.8745, 37.5330), (126.8748, 37.5290), (126.8752, 37.5248)),
            ),
            ("목동서로", "목동", "신정", 40, ((126.8660, 37.5320), (126.8655, 37.5270), (126.8650, 37.5230))),
        ),
    ),
    (
        "발산역",
        "POI027",
        (
            ("공항대로", "마곡", "발산", 50, ((126.8254, 37.5602), (126.8315, 37.5594), (126.8376, 37.5585))),
            ("공항대로", "발산", "등촌", 50, ((126.8376, 37.5585), (126.8450, 37.5572), (126.8520, 37.5560))),
            ("강서로", "우장산", "발산", 40, ((126.8360, 37.5484), (126.8368, 37.5535), (126.8376, 37.5585))),
            (
                "강서로",
                "발산",
                "마곡나루",
                40,
                ((126.8380, 37.5590), (126.8385, 37.5635), (126.8390, 37.5680)),
            ),
        ),
    ),
)
RALLY_PLACES = ("광화문·덕수궁", "서울역", "여의도")


@dataclass(frozen=True)
class Link:
    link_id: str
    place: str
    road: str
    start_node: str
    end_node: str
    free_flow: int  # km/h
    path: tuple[Vertex, ...]

    @property
    def length_m(self) -> float:
        return sum(_metres(a, b) for a, b in zip(self.path, self.path[1:], strict=False))


@dataclass(frozen=True)
class Place:
    name: str
    code: str
    links: tuple[Link, ...]


def _metres(a: Vertex, b: Vertex) -> float:
    """Great-circle distance between two (lon, lat) points."""
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


def _node_code(vertex: Vertex) -> str:
    """A stable 10-digit node id per position, so links meeting at a junction share it."""
    digest = hashlib.blake2b(f"{vertex[0]:.4f},{vertex[1]:.4f}".encode(), digest_size=4).digest()
    return f"10{int.from_bytes(digest, 'big') % 10**8:08d}"


PLACES: tuple[Place, ...] = tuple(
    Place(
        name,
        code,
        tuple(
            Link(f"{1_000_000_000 + (p + 1) * 10_000 + (i + 1) * 100:010d}", name, *link)
            for i, link in enumerate(links)
        ),
    )
    for p, (name, code, links) in enumerate(ROADS)
)
PLACE_BY_KEY: dict[str, Place] = {key: place for place in PLACES for key in (place.name, place.code)}
LINKS: tuple[Link, ...] = tuple(link for place in PLACES for link in place.links)

ROAD_MESSAGES = {
    "원활": "도로 소통이 원활해요.",
    "서행": "해당 장소로 이동·진입시 시간이 조금 걸릴 수 있어요.",
    "정체": "해당 장소로 이동·진입시 시간이 오래 걸릴 수 있어요.",
}
CROWD_LEVELS = (  # (share of the place's peak crowd below which the level holds, level, message)
    (0.45, "여유", "사람이 몰려있을 가능성이 낮고 붐빔은 거의 느껴지지 않아요. 도보 이동이 자유로워요."),
    (0.70, "보통", "사람이 몰려있을 수 있지만 크게 붐비지는 않아요. 도보 이동에 큰 제약이 없어요."),
    (0.88, "약간 붐빔", "사람들이 몰려있을 가능성이 크고 붐빈다고 느낄 수 있어요."),
    (math.inf, "붐빔", "사람들이 몰려있을 가능성이 매우 크고 많이 붐빈다고 느낄 수 있어요."),
)


def _demand(t: float) -> float:
    """How loaded the city's roads are at ``t``, 0 (empty) to about 1 (evening rush)."""
    local = _local(t)
    h = local.hour + local.minute / 60
    if local.weekday() >= 5:  # weekends: no commute, busy afternoons
        return 0.12 + 0.5 * _bump(h, 15.5, 3.5) + 0.15 * _bump(h, 19.5, 1.5)
    return 0.12 + 0.35 * _bump(h, 13.5, 4.5) + 0.45 * _bump(h, 8.2, 1.0) + 0.55 * _bump(h, 18.7, 1.3)


def _link_speed(seed: int, link: Link, t: int, slowdown: float) -> float:
    """Published speed (whole km/h) on a link for the five minutes starting at ``t``."""
    drift = 0.85 + 0.3 * _smooth(seed, f"traffic-{link.link_id}", t / (30 * MINUTE))
    load = min(_demand(t) * drift, 1.1)
    jitter = 0.93 + 0.14 * _unit(seed, "speed", link.link_id, t)
    return float(max(3, round(link.free_flow * (1 - 0.75 * load) * jitter * slowdown)))


@cache
def _place_district(place: Place) -> District | None:
    lon, lat = place.links[0].path[1]
    return locate(lat, lon)


def _citydata(seed: int, t: float, place: Place, play: Play | None = None) -> dict:
    """The CITYDATA object of one place: road traffic, with a little crowd, weather and incidents."""
    stamp = _floor(t, 5 * MINUTE)
    when = _stamp(stamp, "%Y-%m-%d %H:%M")
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
        smoke = scenario.air_added(started_at, _floor(stamp, HOUR))
    links, weighted, total = [], 0.0, 0.0
    for link in place.links:
        speed = _link_speed(seed, link, stamp, slowdowns.get(link.link_id, 1.0))
        start, end = link.path[0], link.path[-1]
        length = round(link.length_m)
        links.append(
            {
                "LINK_ID": link.link_id,
                "ROAD_NM": link.road,
                "START_ND_CD": _node_code(start),
                "START_ND_NM": link.start_node,
                "START_ND_XY": f"{start[0]}_{start[1]}",
                "END_ND_CD": _node_code(end),
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
    local = _local(t)
    h = local.hour + local.minute / 60
    peak = 10_000 + 40_000 * _unit(seed, "crowd", place.code)
    if local.weekday() >= 5:
        share = 0.12 + 0.85 * _bump(h, 16, 3.5)
    else:
        share = 0.1 + 0.55 * _bump(h, 12.5, 2.5) + 0.6 * _bump(h, 18.5, 1.8)
    share *= 0.9 + 0.2 * _unit(seed, "crowd", place.code, t)
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
    local = _local(t)
    days = (t + KST) / DAY
    season = -math.cos(2 * math.pi * (local.timetuple().tm_yday - 20) / 365.25)
    h = local.hour + local.minute / 60
    temp = 12.8 + 14.5 * season + 4.5 * math.cos(2 * math.pi * (h - 15) / 24)
    temp += 6 * (_smooth(seed, "temperature", days) - 0.5)
    humidity = 62 + 15 * season - 10 * math.cos(2 * math.pi * (h - 15) / 24)
    # Now and then a few hours of rain (snow when it is cold), the same all over the city.
    wet = _smooth(seed, "rain", days * 4)
    kind, amount = ("없음", "-")
    if wet > RAIN_ABOVE:
        kind, amount = ("비" if temp > 1 else "눈"), f"{(wet - RAIN_ABOVE) * 40:.1f}mm"
        humidity = max(humidity, 85)
    hour = _floor(t, HOUR)
    values = _with_smoke(_air_values(seed, hour, district), smoke)
    cai, pollutant = _cai(values)
    return {
        "WEATHER_TIME": _stamp(t, "%Y-%m-%d %H:%M"),
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


# --- incidents ----------------------------------------------------------------------------------

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


def _poisson(rng: random.Random, rate: float) -> int:
    count, p, u = 0, math.exp(-rate), rng.random()
    cumulative = p
    while u > cumulative and count < 3:
        count += 1
        p *= rate / count
        cumulative += p
    return count


@lru_cache(maxsize=8192)
def _slot_incidents(seed: int, slot: int) -> tuple[Incident, ...]:
    """Incidents starting in one 10-minute slot (slot = epoch seconds // SLOT)."""
    start = slot * SLOT
    local = _local(start)
    rng = _rng(seed, "incidents", slot)
    found: list[Incident] = []
    for kind in KINDS:
        active = local.hour in kind.hours and local.weekday() in kind.weekdays and local.month in kind.months
        if not active:
            continue
        for _ in range(_poisson(rng, kind.rate)):
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
    until = _stamp(expected_end, "%H:%M" if planned < 20 * HOUR else "%m월 %d일 %H:%M")
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


def _accinfo_row(incident: Incident) -> dict[str, str]:
    clock = "%H%M%S" if incident.with_seconds else "%H%M"
    x, y = _to_tm().transform(incident.lon, incident.lat)
    expected = incident.expected_end
    return {
        "acc_id": incident.incident_id,
        "occr_date": _stamp(incident.start, "%Y%m%d"),
        "occr_time": _stamp(incident.start, clock),
        "exp_clr_date": _stamp(expected, "%Y%m%d") if expected else "",
        "exp_clr_time": _stamp(expected, clock) if expected else "",
        "acc_type": incident.type_code,
        "acc_dtype": incident.detail_code,
        "link_id": incident.link.link_id,
        "grs80tm_x": f"{x:.2f}".rstrip("0").rstrip("."),
        "grs80tm_y": f"{y:.2f}".rstrip("0").rstrip("."),
        "acc_info": incident.description,
        "acc_road_code": incident.road_code,
    }


def _citydata_incident(incident: Incident, when: str) -> dict[str, object]:
    """An incident as citydata's ACDNT_CNTRL_STTS lists it (WGS84, names rather than codes)."""
    type_ko, type_en = incidents.TYPES[incident.type_code]
    detail_ko, detail_en = incidents.DETAILS[incident.detail_code]
    expected = incident.expected_end
    return {
        "ACDNT_OCCR_DT": _stamp(incident.start, "%Y-%m-%d %H:%M"),
        "EXP_CLR_DT": _stamp(expected, "%Y-%m-%d %H:%M") if expected else "",
        "ACDNT_TYPE": type_ko,
        "ACDNT_ENG_TYPE": type_en,
        "ACDNT_DTYPE": detail_ko,
        "ACDNT_ENG_DTYPE": detail_en,
        "ACDNT_INFO": incident.description.replace("\r", " "),
        "ACDNT_X": round(incident.lon, 6),
        "ACDNT_Y": round(incident.lat, 6),
        "ACDNT_TIME": when,
    }


# --- envelopes ----------------------------------------------------------------------------------


def _error(fmt: str, code_message: tuple[str, str]) -> str:
    """The bare RESULT block the upstream sends for errors and for no data."""
    code, message = code_message
    if fmt == "xml":
        return f"<RESULT><CODE>{code}</CODE><MESSAGE><![CDATA[{message}]]></MESSAGE></RESULT>"
    return json.dumps({"RESULT": {"CODE": code, "MESSAGE": message}}, ensure_ascii=False)


def _list_body(fmt: str, service: str, rows: list[dict[str, str]], start: int, end: int) -> str:
    """A list service's success envelope holding rows[start-1:end], or INFO-200 when empty."""
    page = rows[start - 1 : end]
    if not page:
        return _error(fmt, NO_DATA)
    if fmt == "json":
        return json.dumps(
            {
                service: {
                    "list_total_count": len(rows),
                    "RESULT": {"CODE": "INFO-000", "MESSAGE": OK_MESSAGE},
                    "row": page,
                }
            },
            ensure_ascii=False,
        )
    body = "".join("<row>" + "".join(_xml_element(k, v) for k, v in row.items()) + "</row>" for row in page)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><{service}><list_total_count>{len(rows)}'
        f"</list_total_count><RESULT><CODE>INFO-000</CODE><MESSAGE>{OK_MESSAGE}</MESSAGE></RESULT>"
        f"{body}</{service}>"
    )


def _xml_element(tag: str, value: object) -> str:
    if isinstance(value, dict):
        return f"<{tag}>" + "".join(_xml_element(k, v) for k, v in value.items()) + f"</{tag}>"
    if isinstance(value, list):
        return "".join(_xml_element(tag, item) for item in value)
    text = "" if value is None else str(value)
    # A CR inside text is published as &#13; so that XML parsers keep it.
    return f"<{tag}>{escape(text, {chr(13): '&#13;'})}</{tag}>" if text else f"<{tag}/>"


def body_at(
    seed: int,
    t: float,
    fmt: str,
    service: str,
    start: int,
    end: int,
    *filters: str,
    scenario: Scenario | None = None,
    scenario_start: float = 0.0,
) -> str:
    """The body the upstream would send at simulated time ``t`` for this request.

    With a ``scenario`` played from ``scenario_start``, the body holds what the scenario adds at
    ``t``; outside its run (before its start, from its end on) the body is the ordinary one.
    """
    play = (scenario, scenario_start) if scenario is not None and scenario.plays(scenario_start, t) else None
    fmt = str(fmt).lower()
    if fmt not in ("json", "xml"):
        return _error("json", BAD_TYPE)
    try:
        start, end = int(start), int(end)
    except (TypeError, ValueError):
        return _error(fmt, NOT_A_NUMBER)
    if start < 1 or end < start:
        return _error(fmt, BAD_RANGE)
    if end - start + 1 > MAX_ROWS:
        return _error(fmt, TOO_MANY)
    if service == air.SERVICE:
        smoke = play[0].air_added(play[1], _floor(t, HOUR)) if play else None
        return _list_body(fmt, service, _air_rows(seed, t, smoke), start, end)
    if service == incidents.SERVICE:
        open_now = open_incidents(seed, t)
        if play:
            open_now = sorted(open_now + play[0].open_incidents(play[1], t), key=lambda i: i.start)
        return _list_body(fmt, service, [_accinfo_row(i) for i in open_now], start, end)
    if service == traffic.SERVICE:
        if not filters or not str(filters[0]).strip():
            return _error(fmt, NO_PLACE)
        place = PLACE_BY_KEY.get(str(filters[0]).strip())
        if place is None:
            return _error(fmt, NO_DATA)
        document = {
            "list_total_count": 1,
            "RESULT": {"RESULT.CODE": "INFO-000", "RESULT.MESSAGE": OK_MESSAGE + "."},
            "CITYDATA": _citydata(seed, t, place, play),
        }
        if fmt == "xml":
            return f'<?xml version="1.0" encoding="UTF-8"?>{_xml_element("SeoulRtd.citydata", document)}'
        return json.dumps(document, ensure_ascii=False)
    return _error(fmt, NO_SERVICE)


# --- the source ---------------------------------------------------------------------------------


class DemoSource:
    """The Source the wall runs on with no network: a simulated Seoul on its own clock."""

    name = "demo"

    def __init__(
        self,
        seed: int = 7,
        speed: float = 1.0,
        start: float | None = None,
        clock: Callable[[], float] = time.time,
    ):
        if speed < 0:
            raise ValueError("speed must not be negative")
        self.seed = seed
        self._speed = float(speed)
        self._clock = clock
        self._clock_zero = clock()
        self._start = self._clock_zero if start is None else float(start)
        self._play: Play | None = None  # replaced whole, never mutated: safe to read from any thread

    @property
    def speed(self) -> float:
        return self._speed

    def now(self) -> float:
        return self._start + (self._clock() - self._clock_zero) * self._speed

    def fetch(self, fmt: str, service: str, start: int, end: int, *filters: str) -> str:
        return self.body_at(self.now(), fmt, service, start, end, *filters)

    def body_at(self, t: float, fmt: str, service: str, start: int, end: int, *filters: str) -> str:
        """What ``fetch`` answers when the simulated clock reads ``t``."""
        play = self._play
        if play is None:
            return body_at(self.seed, t, fmt, service, start, end, *filters)
        return body_at(
            self.seed, t, fmt, service, start, end, *filters, scenario=play[0], scenario_start=play[1]
        )

    def past(self, t: float) -> DemoSource:
        """The same city (and scenario) with its clock stopped at ``t``: fills the wall's trends at start."""
        source = DemoSource(self.seed, speed=0.0, start=t, clock=self._clock)
        source._play = self._play
        return source

    def play(self, scenario: Scenario | str, start: float | None = None) -> dict[str, Any]:
        """Play a scenario (a loaded one, or a bundled one's name) from simulated time ``start``.

        ``start`` defaults to now. Playing again with the same start, in this source or a fresh
        one, gives the same bodies: that is how a restarted process picks up a running scenario.
        Replaces a scenario already playing. Returns scenario_status().
        """
        if isinstance(scenario, str):
            from feeds.scenarios import load_scenario  # scenarios builds on this module's road table

            scenario = load_scenario(scenario)
        self._play = (scenario, self.now() if start is None else float(start))
        return self.scenario_status()

    def stop(self) -> None:
        """Back to the ordinary city at once."""
        self._play = None

    def scenario_status(self, t: float | None = None) -> dict[str, Any] | None:
        """The scenario played at ``t`` (default now); None when none is.

        Keys: name, title_ko, title_en, started_at, elapsed and duration (seconds), the first
        incident's incident_id, district and stage (stage, stage_ko, stage_en: "" before its
        report, "closed" once cleared), and finished (the ordinary city is back).
        """
        play = self._play
        if play is None:
            return None
        scenario, started_at = play
        return scenario.status(started_at, self.now() if t is None else t)
