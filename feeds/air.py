"""Air quality per district from RealtimeCityAir (OA-2219), both field-name generations.

Frame columns (one row per district that reported):

    district_code  str    5-digit district code (11110 ...)
    district       str    Korean name, as the feed spells it (종로구)
    region         str    air region 권역 (도심권 ...)
    measured_at    Timestamp, Asia/Seoul, on the hour
    pm10, pm25     float  µg/m³
    o3, no2, co, so2  float  ppm
    cai            float  comprehensive air-quality index, 0-500; NaN when there is none
    cai_grade      str | None  grade("cai", cai): 좋음 / 보통 / 나쁨 / 매우나쁨; None without a CAI
    main_pollutant str    the pollutant deciding the CAI ("PM25", "O3" ...), "" when unknown
    note           str    a station's own word when it is not reporting (점검중 ...), else ""

Missing values are NaN, never 0: a station under maintenance reports zeros or dashes. A station
whose grade field holds a word that is no grade (점검중), or that reports nothing but zeros and
blanks, is not reporting: no measurement, no CAI, no grade. The CAI is the upstream one; without
it, it is computed only from a complete set (PM10, PM2.5, NO2 and O3, as AirKorea does), and the
grade always follows from the number (an upstream word that disagrees is logged, once).
"""

from __future__ import annotations

import logging
import math
from functools import lru_cache

import pandas as pd

from feeds import envelope
from feeds.base import Alarms, FeedError, Series, Source
from feeds.districts import district_by_name
from feeds.envelope import read_rows
from feeds.reasons import Reason
from feeds.values import number, seoul_time, text

log = logging.getLogger(__name__)

SERVICE = "RealtimeCityAir"
GRADES = ("좋음", "보통", "나쁨", "매우나쁨")
POLLUTANTS = ("pm10", "pm25", "o3", "no2", "co", "so2")
# A CAI is computed only when all of these are measured (AirKorea's rule); CO and SO2 count when there.
CAI_REQUIRED = ("pm10", "pm25", "no2", "o3")
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


def is_reporting(row) -> bool:
    """Whether a row (a frame's Series or itertuples row) is a station's measurement: a row with a
    station's word (점검중) is not, whatever else it holds, nor one with no value at all."""
    return not row.note and any(not math.isnan(getattr(row, name)) for name in (*POLLUTANTS, "cai"))


def reporting(air: pd.DataFrame | None) -> pd.DataFrame:
    """The rows of stations that measured something: what averages are made of."""
    if air is None or air.empty:
        return pd.DataFrame(columns=COLUMNS)
    return air[(air["note"] == "") & air[[*POLLUTANTS, "cai"]].notna().any(axis=1)]


def graded(air: pd.DataFrame | None) -> pd.DataFrame:
    """The reporting rows that have a CAI: what rankings, grade counts and the worst district are
    made of."""
    measured = reporting(air)
    return measured[measured["cai"].notna()]


def worst_district(air: pd.DataFrame | None) -> str | None:
    """The district code with the highest CAI, or None without a graded district."""
    ranked = graded(air)
    if ranked.empty:
        return None
    return str(ranked.loc[ranked["cai"].idxmax(), "district_code"])


def fetch(source: Source) -> str:
    return source.fetch("json", SERVICE, 1, 25)


def parse(body: str | bytes) -> pd.DataFrame:
    """Parse a RealtimeCityAir response; raise FeedError if it holds no usable district."""
    rows = read_rows(body, SERVICE)
    records = envelope.records(rows, _record, SERVICE)
    if rows and not records:
        raise FeedError(Reason("air.no_district", service=SERVICE))
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


# Kept per district and measurement hour: every concentration, the CAI and the station's grade.
SERIES = Series(
    "air",
    "district_code",
    {**dict.fromkeys((*POLLUTANTS, "cai"), "REAL"), "cai_grade": "TEXT"},
    live=True,  # the PM2.5 trend of a wall with no history yet
)

# A district whose air reaches the worst grade is alerted beyond the wall, and again when a
# graded reading is better; a district without a grade (a station not reporting) stays as it was.
ALARMS = Alarms(
    "air",
    "district_code",
    on=lambda frame: frame["cai_grade"] == GRADES[-1],
    fields=("district_code", "district", "cai", "cai_grade", "main_pollutant", "pm25", "pm10", "measured_at"),
    known=lambda frame: frame["cai_grade"].notna(),
    started="measured_at",
)


def _field(row: dict, meaning: str) -> object:
    old, new = FIELDS[meaning]
    return row[new] if new in row else row.get(old)


def _record(row: dict) -> dict | None:
    district = district_by_name(text(_field(row, "station")))
    if district is None:
        return None  # a non-district station (a roadside monitor) or junk
    stamp = seoul_time(_field(row, "measured_at"), "%Y%m%d%H%M", "%Y%m%d%H", "%Y-%m-%d %H:%M")
    if stamp is None:
        raise FeedError(Reason("air.no_time", service=SERVICE, district=district.name))
    values = {p: number(_field(row, p)) for p in POLLUTANTS}
    cai = number(_field(row, "cai"))
    word = text(_field(row, "cai_grade"))
    note = "" if word in (*GRADES, "-") else word  # "-" is a missing grade, not the station's word
    if note or all(v == 0 or math.isnan(v) for v in (*values.values(), cai)):
        # A station under maintenance reports zeros or the odd stale value, saying so or not:
        # none of them is a measurement.
        values = dict.fromkeys(POLLUTANTS, math.nan)
        cai = math.nan
    elif math.isnan(cai) and not any(math.isnan(values[p]) for p in CAI_REQUIRED):
        cai = max(sub_index(p, v) for p, v in values.items() if not math.isnan(v))
    cai_grade = grade("cai", cai)
    if word in GRADES and cai_grade is not None and word != cai_grade:
        _disagreement(district.name, word, cai)
    return {
        "district_code": district.code,
        "district": district.name,
        "region": text(_field(row, "region")) or district.region,
        "measured_at": stamp,
        **values,
        "cai": cai,
        "cai_grade": cai_grade,
        "main_pollutant": _main_pollutant(row) if cai_grade else "",
        "note": note,
    }


def _main_pollutant(row: dict) -> str:
    return text(_field(row, "main_pollutant")).replace("-", "").replace(".", "")


@lru_cache(maxsize=1024)  # once per (district, word, number), not at every poll of the same hour
def _disagreement(district: str, word: str, cai: float) -> None:
    log.warning(
        "%s: %s says %s for CAI %.0f; showing %s (the official bands)",
        SERVICE,
        district,
        word,
        cai,
        grade("cai", cai),
    )
