"""RealtimeCityAir in the demo city: each district's hourly concentrations, CAI and grade."""

from __future__ import annotations

import math

from feeds import air
from feeds.demo.clock import DAY, HOUR, KST, local_floor, local_stamp, local_time
from feeds.demo.noise import bump, seeded_random, smooth, unit
from feeds.districts import DISTRICTS, District

Smoke = dict[str, tuple[float, float]]  # district name -> (PM2.5, PM10) µg/m³ a scenario adds

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


def air_values(seed: int, hour: int, district: District) -> dict[str, float]:
    """Published concentrations at one district for the hour stamped ``hour`` (epoch seconds)."""
    local = local_time(hour)
    h, doy, day = local.hour, local.timetuple().tm_yday, (hour + KST) // DAY
    days = (hour + KST) / DAY
    level, roads = AIR_PROFILE[district.name]

    def wobble(key: str, spread: float) -> float:
        return 1 + spread * (2 * unit(seed, key, district.code, hour // HOUR) - 1)

    # Particles: dusty late winter and spring, clean summer; weather systems make some days
    # hazy and others clear; rush hours and the still evening air push them up.
    season = 1 + 0.25 * math.cos(2 * math.pi * (doy - 40) / 365.25)
    haze = math.exp(
        1.7 * (smooth(seed, "haze", days / 1.5) - 0.5) + 0.5 * (smooth(seed, "haze-hours", days * 4) - 0.5)
    )
    diurnal = 0.78 + 0.32 * bump(h, 8.5, 1.7) + 0.42 * bump(h, 20.5, 2.6)
    pm25 = 16 * season * haze * level * diurnal * (0.92 + 0.16 * unit(seed, "pm-day", district.code, day))
    pm25 *= wobble("pm25", 0.12)
    coarse = 1.55 + 0.45 * unit(seed, "coarse", district.code, day)
    if local.month in (3, 4, 5) and unit(seed, "yellow-dust", day) < 0.04:
        coarse += 1.8  # 황사: desert dust is coarse, PM10 soars while PM2.5 barely moves
    pm10 = pm25 * coarse * wobble("pm10", 0.08)

    # Ozone builds in the afternoon sun, most in early summer, and is eaten by traffic NO.
    sunny = 0.6 + 0.6 * smooth(seed, "sun", days)
    summer = 0.5 + 0.5 * math.cos(2 * math.pi * (doy - 165) / 365.25)
    o3 = 0.008 + 0.010 * summer + (0.018 + 0.05 * summer) * sunny * bump(h, 15, 3.2)
    o3 *= (1.25 - 0.3 * roads) * wobble("o3", 0.15)

    rush = bump(h, 8, 1.5) + 1.1 * bump(h, 19.5, 2.0)
    no2 = (0.010 + 0.016 * roads) * (0.7 + 0.5 * rush) * haze**0.35 * wobble("no2", 0.15)
    co = (0.3 + 0.18 * roads * rush) * haze**0.3 * wobble("co", 0.1)
    so2 = 0.0026 + 0.0012 * unit(seed, "so2", district.code, hour // HOUR) + 0.0006 * rush * roads
    values = {"pm10": pm10, "pm25": pm25, "o3": o3, "no2": no2, "co": co, "so2": so2}
    return {name: round(value, DECIMALS[name]) for name, value in values.items()}


def cai_of(values: dict[str, float]) -> tuple[float, str]:
    """The CAI (largest sub-index) and the pollutant deciding it."""
    pollutant = max(values, key=lambda name: air.sub_index(name, values[name]))
    return air.sub_index(pollutant, values[pollutant]), pollutant


def _maintenance(seed: int, day: int) -> tuple[str, int, int, str]:
    """The station under maintenance on a local day: (district code, first hour, last hour, filler)."""
    rng = seeded_random(seed, "maintenance", day)
    first = rng.randint(9, 17)
    return rng.choice(DISTRICTS).code, first, first + rng.randint(1, 4), rng.choice(("-", ""))


def with_smoke(values: dict[str, float], added: tuple[float, float] | None) -> dict[str, float]:
    """Concentrations with a scenario's (PM2.5, PM10) addition, published as the station would."""
    if not added:
        return values
    pm25, pm10 = values["pm25"] + added[0], values["pm10"] + added[1]
    return values | {"pm25": round(pm25, DECIMALS["pm25"]), "pm10": round(pm10, DECIMALS["pm10"])}


def air_rows(seed: int, t: float, smoke: Smoke | None = None) -> list[dict[str, str]]:
    """RealtimeCityAir rows in the 2026 field names for the latest full hour at ``t``.

    ``smoke`` adds a scenario's particles per district name at that hour; a district it touches
    is never the one under maintenance, so a rehearsed scenario always shows.
    """
    hour = local_floor(t, HOUR)
    code, first, last, filler = _maintenance(seed, (hour + KST) // DAY)
    under_maintenance = first <= local_time(hour).hour <= last
    smoke = smoke or {}
    rows = []
    for district in sorted(DISTRICTS, key=lambda d: REGION_ORDER.index(d.region)):
        row = {
            "MSRMT_DT": local_stamp(hour, "%Y%m%d%H%M"),
            "SAREA_NM": district.region,
            "MSRSTN_NM": district.name,
        }
        if under_maintenance and district.code == code and district.name not in smoke:
            row |= {air.FIELDS[name][1]: filler for name in (*air.POLLUTANTS, "cai")}
            row |= {"CAI_GRD": MAINTENANCE_WORD, "CRST_SBSTN": ""}
        else:
            values = with_smoke(air_values(seed, hour, district), smoke.get(district.name))
            cai, pollutant = cai_of(values)
            row |= {air.FIELDS[name][1]: f"{value:.{DECIMALS[name]}f}" for name, value in values.items()}
            row |= {
                "CAI_GRD": air.grade("cai", cai),
                "CAI_IDX": f"{cai:.0f}",
                "CRST_SBSTN": MAIN_POLLUTANT[pollutant],
            }
        rows.append(row)
    return rows
