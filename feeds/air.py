"""Air quality per district from RealtimeCityAir (OA-2219), both field-name generations.

Frame columns (one row per district that reported):

    district_code  str    5-digit district code (11110 ...)
    district       str    Korean name, as the feed spells it (종로구)
    region         str    air region 권역 (도심권 ...)
    measured_at    Timestamp, Asia/Seoul, on the hour
    pm10, pm25     float  µg/m³
    o3, no2, co, so2  float  ppm
    cai            float  comprehensive air-quality index, 0-500
    cai_grade      str | None  좋음 / 보통 / 나쁨 / 매우나쁨; None when the station is not reporting
    main_pollutant str    the pollutant deciding the CAI ("PM25", "O3" ...), "" when unknown
    note           str    a station's own word when it is not reporting (점검중 ...), else ""

Missing values are NaN, never 0: a station under maintenance reports zeros or dashes.
"""

from __future__ import annotations

import math

import pandas as pd

from feeds import envelope
from feeds.base import FeedError, Source
from feeds.districts import district_by_name
from feeds.envelope import read_rows
from feeds.values import number, seoul_time, text

SERVICE = "RealtimeCityAir"
GRADES = ("좋음", "보통", "나쁨", "매우나쁨")
POLLUTANTS = ("pm10", "pm25", "o3", "no2", "co", "so2")
UNITS = {"pm10": "µg/m³", "pm25": "µg/m³", "o3": "ppm", "no2": "ppm", "co": "ppm", "so2": "ppm"}

# Upper bound of each grade (좋음, 보통, 나쁨); above the last is 매우나쁨. Korean standard bands.
GRADE_BANDS: dict[str, tuple[float, float, float]] = {
    "pm10": (30, 80, 150),
    "pm25": (15, 35, 75),
    "o3": (0.030, 0.090, 0.150),
    "no2": (0.030, 0.060, 0.200),
    "co": (2.00, 9.00, 15.00),
    "so2": (0.020, 0.050, 0.150),
    "cai": (50, 100, 250),
}
CAI_INDEX_BANDS = ((0, 50), (51, 100), (101, 250), (251, 500))
# The top of the 매우나쁨 concentration band, for the CAI sub-index formula.
CONCENTRATION_CEILING = {"pm10": 600, "pm25": 500, "o3": 0.6, "no2": 2.0, "co": 50, "so2": 1.0}
# The breakpoint table's resolution: a band starts one step above the last one's top (31 after 30).
RESOLUTION = {"pm10": 1, "pm25": 1, "o3": 0.001, "no2": 0.001, "co": 0.01, "so2": 0.001}

# meaning -> (pre-2025 name, 2026 name)
FIELDS = {
    "measured_at": ("MSRDT", "MSRMT_DT"),
    "region": ("MSRRGN_NM", "SAREA_NM"),
    "station": ("MSRSTE_NM", "MSRSTN_NM"),
    "pm10": ("PM10", "PM"),
    "pm25": ("PM25", "FPM"),
    "o3": ("O3", "OZON"),
    "no2": ("NO2", "NTDX"),
    "co": ("CO", "CBMX"),
    "so2": ("SO2", "SPDX"),
    "cai_grade": ("IDEX_NM", "CAI_GRD"),
    "cai": ("IDEX_MVL", "CAI_IDX"),
    "main_pollutant": ("ARPLT_MAIN", "CRST_SBSTN"),
}
COLUMNS = [
    "district_code",
    "district",
    "region",
    "measured_at",
    *POLLUTANTS,
    "cai",
    "cai_grade",
    "main_pollutant",
    "note",
]


def grade(pollutant: str, value: float) -> str | None:
    """The Korean grade of a concentration (or of a CAI value with pollutant "cai")."""
    if value is None or math.isnan(value):
        return None
    for name, upper in zip(GRADES, GRADE_BANDS[pollutant], strict=False):  # 4 names, 3 bounds
        if value <= upper:
            return name
    return GRADES[-1]


def sub_index(pollutant: str, value: float) -> float:
    """CAI sub-index: I = (I_hi - I_lo) / (BP_hi - BP_lo) x (C - BP_lo) + I_lo."""
    if math.isnan(value):
        return math.nan
    uppers = GRADE_BANDS[pollutant]
    lowers = (0.0, *(upper + RESOLUTION[pollutant] for upper in uppers))
    highs = (*uppers, CONCENTRATION_CEILING[pollutant])
    for (i_lo, i_hi), bp_lo, bp_hi in zip(CAI_INDEX_BANDS, lowers, highs, strict=True):
        if value <= bp_hi or bp_hi == highs[-1]:
            concentration = min(max(value, bp_lo), bp_hi)  # 30.5 lies between two bands' ends
            return round((i_hi - i_lo) / (bp_hi - bp_lo) * (concentration - bp_lo) + i_lo)
    return math.nan


def worst_district(air: pd.DataFrame | None) -> str | None:
    """The district code with the highest CAI, or None without air data."""
    if air is None or air.empty or air["cai"].isna().all():
        return None
    return str(air.loc[air["cai"].idxmax(), "district_code"])


def fetch(source: Source) -> str:
    return source.fetch("json", SERVICE, 1, 25)


def parse(body: str | bytes) -> pd.DataFrame:
    """Parse a RealtimeCityAir response; raise FeedError if it holds no usable district."""
    rows = read_rows(body, SERVICE)
    records = envelope.records(rows, _record, SERVICE)
    if rows and not records:
        raise FeedError(f"{SERVICE} answered with rows for no known district")
    frame = pd.DataFrame.from_records(records, columns=COLUMNS)
    if frame.empty:
        return frame
    frame = frame.drop_duplicates("district_code", keep="last").sort_values("district_code")
    frame["measured_at"] = pd.to_datetime(frame["measured_at"])
    # pandas infers a text column and turns None into NaN; the frame promises None.
    frame["cai_grade"] = frame["cai_grade"].astype(object).where(frame["cai_grade"].notna(), None)
    return frame.reset_index(drop=True)


def measured_at(frame: pd.DataFrame) -> pd.Timestamp | None:
    return frame["measured_at"].max() if not frame.empty else None


def series(frame: pd.DataFrame) -> pd.DataFrame:
    """What a trend needs of a frame: one row per district and measurement hour."""
    return frame[["district_code", "measured_at", "pm10", "pm25", "cai"]]


def _field(row: dict, meaning: str) -> object:
    old, new = FIELDS[meaning]
    return row[new] if new in row else row.get(old)


def _record(row: dict) -> dict | None:
    district = district_by_name(text(_field(row, "station")))
    if district is None:
        return None  # a non-district station (a roadside monitor) or junk
    stamp = seoul_time(_field(row, "measured_at"), "%Y%m%d%H%M", "%Y%m%d%H", "%Y-%m-%d %H:%M")
    if stamp is None:
        raise FeedError(f"{SERVICE} row for {district.name} has no readable measurement time")
    values = {p: number(_field(row, p)) for p in POLLUTANTS}
    cai = number(_field(row, "cai"))
    word = text(_field(row, "cai_grade"))
    note = "" if word in (*GRADES, "-") else word  # "-" is a missing grade, not the station's word
    word = word if word in GRADES else ""
    if all(v == 0 or math.isnan(v) for v in (*values.values(), cai)):
        # A station under maintenance reports zeros, saying so or not: they are not measurements.
        values = dict.fromkeys(POLLUTANTS, math.nan)
        cai = math.nan
    if math.isnan(cai):
        cai = max((sub_index(p, v) for p, v in values.items() if not math.isnan(v)), default=math.nan)
    return {
        "district_code": district.code,
        "district": district.name,
        "region": text(_field(row, "region")) or district.region,
        "measured_at": stamp,
        **values,
        "cai": cai,
        "cai_grade": word or grade("cai", cai),
        "main_pollutant": text(_field(row, "main_pollutant")).replace("-", "").replace(".", ""),
        "note": note,
    }
