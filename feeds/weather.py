"""Weather from citydata (OA-21285): temperature and precipitation now, from the same answers as traffic.

citydata's ``WEATHER_STTS`` carries, per place, the nearest weather station's reading. The frame
has one row per place that reported one:

    hotspot             str    the place's name
    district_code, district  str  the district the place's roads lie in ("" when unknown)
    temp_c              float  air temperature, °C
    humidity_pct        float  relative humidity, %
    precipitation_mm    float  the last hour's precipitation; 0 when upstream says none ("-")
    precipitation_type  str    없음 / 비 / 눈 / 비/눈 / 소나기, as upstream says it ("" when not said)
    measured_at         Timestamp, Asia/Seoul (WEATHER_TIME)

``city`` reads the frame as one line for the wall: the median temperature and the precipitation
most places report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from feeds.base import FeedError, Series
from feeds.districts import locate
from feeds.envelope import read_object
from feeds.reasons import Reason
from feeds.traffic import SERVICE, measured_at, place_middle, place_records
from feeds.values import number, seoul_time, text

__all__ = ["CityWeather", "city", "measured_at", "parse"]  # measured_at: the newest WEATHER_TIME
NO_PRECIPITATION = "없음"
PRECIPITATION_TYPES = (NO_PRECIPITATION, "비", "눈", "비/눈", "소나기", "빗방울", "눈날림", "빗방울/눈날림")
# Kept per place and reading, for trends of the city's weather.
SERIES = Series(
    "weather",
    "hotspot",
    {"temp_c": "REAL", "humidity_pct": "REAL", "precipitation_mm": "REAL", "precipitation_type": "TEXT"},
)
COLUMNS = [
    "hotspot",
    "district_code",
    "district",
    "temp_c",
    "humidity_pct",
    "precipitation_mm",
    "precipitation_type",
    "measured_at",
]
AMOUNT = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class CityWeather:
    temp_c: float
    precipitation_type: str  # 없음 when no place reports any
    precipitation_mm: float  # the most any place reports
    places: int


def parse(bodies: list[str | bytes] | str | bytes) -> pd.DataFrame:
    """Parse one or several citydata answers into one frame of places' weather."""
    frame = pd.DataFrame.from_records(place_records(bodies, _records), columns=COLUMNS)
    if frame.empty:
        return frame
    frame["measured_at"] = pd.to_datetime(frame["measured_at"])
    return frame.drop_duplicates("hotspot", keep="first").reset_index(drop=True)


def city(frame: pd.DataFrame | None) -> CityWeather | None:
    """The city's weather in one line: the median temperature of the places, and the
    precipitation most of the places that report some say (none when most say none)."""
    if frame is None or frame.empty or frame["temp_c"].isna().all():
        return None
    kinds = frame["precipitation_type"][frame["precipitation_type"] != ""]
    wet = kinds[kinds != NO_PRECIPITATION]
    kind = wet.mode().iloc[0] if len(wet) * 2 > len(kinds) and not wet.empty else NO_PRECIPITATION
    amount = frame["precipitation_mm"].max() if kind != NO_PRECIPITATION else 0.0
    return CityWeather(float(frame["temp_c"].median()), kind, float(amount), len(frame))


def _records(body: str | bytes) -> list[dict]:
    place = read_object(body, SERVICE, "CITYDATA")
    if place is None:
        return []
    readings = place.get("WEATHER_STTS") or []
    if not isinstance(readings, list):
        raise FeedError(Reason("envelope.bad_field", service=SERVICE, field="WEATHER_STTS"))
    lon, lat = place_middle(place)
    district = locate(lat, lon) if lon == lon else None
    records = []
    for reading in readings[:1]:  # the first is the station's current reading
        if not isinstance(reading, dict):
            continue
        temp = number(reading.get("TEMP"))
        if temp != temp or not -40 <= temp <= 50:
            continue  # no reading, or one no Seoul station could give
        kind = text(reading.get("PRECPT_TYPE"))
        records.append(
            {
                "hotspot": text(place.get("AREA_NM")),
                "district_code": district.code if district else "",
                "district": district.name if district else "",
                "temp_c": temp,
                "humidity_pct": number(reading.get("HUMIDITY")),
                "precipitation_mm": _amount(reading.get("PRECIPITATION")),
                "precipitation_type": kind if kind in PRECIPITATION_TYPES else "",
                "measured_at": seoul_time(reading.get("WEATHER_TIME"), "%Y-%m-%d %H:%M", "%Y%m%d%H%M"),
            }
        )
    return records


def _amount(value: object) -> float:
    """Millimetres from upstream's words: "-" or 강수없음 is none; a bound ("1mm 미만") or a
    range ("1.0~29.0mm") counts as its top."""
    said = text(value)
    found = AMOUNT.findall(said)
    if not found:
        return 0.0
    return float(found[-1])
