"""Crowds from citydata (OA-21285): how busy each hotspot is now, from the same answers as traffic.

citydata's ``LIVE_PPLTN_STTS`` says, per place, a congestion level (여유 / 보통 / 약간 붐빔 /
붐빔) and a population range, estimated every few minutes. The frame has one row per place:

    hotspot             str    the place's name (광화문·덕수궁 ...)
    hotspot_code        str    its citydata code (POI009 ...)
    level               str    여유 / 보통 / 약간 붐빔 / 붐빔
    level_rank          int    0 (여유) to 3 (붐빔), for ordering
    population_min, population_max  float  people estimated there
    lon, lat            float  where the place is: the middle of its reported road links
    district_code, district  str  the district that middle lies in ("" when unknown)
    measured_at         Timestamp, Asia/Seoul (PPLTN_TIME)

A place without a level the wall knows is left out; an answer without the section adds nothing.
"""

from __future__ import annotations

import pandas as pd

from feeds.base import FeedError, Series
from feeds.districts import locate
from feeds.envelope import read_object
from feeds.reasons import Reason
from feeds.traffic import SERVICE, measured_at, place_middle, place_records
from feeds.values import number, seoul_time, text

__all__ = ["measured_at", "parse"]  # measured_at: the newest PPLTN_TIME, read as traffic reads its own
LEVELS = ("여유", "보통", "약간 붐빔", "붐빔")  # calm to crowded, as citydata says them
# Kept per place and estimate, for trends of how busy each place gets.
SERIES = Series(
    "crowds", "hotspot", {"level_rank": "INTEGER", "population_min": "REAL", "population_max": "REAL"}
)
COLUMNS = [
    "hotspot",
    "hotspot_code",
    "level",
    "level_rank",
    "population_min",
    "population_max",
    "lon",
    "lat",
    "district_code",
    "district",
    "measured_at",
]


def parse(bodies: list[str | bytes] | str | bytes) -> pd.DataFrame:
    """Parse one or several citydata answers into one frame of places."""
    frame = pd.DataFrame.from_records(place_records(bodies, _records), columns=COLUMNS)
    if frame.empty:
        return frame
    frame["measured_at"] = pd.to_datetime(frame["measured_at"])
    frame = frame.drop_duplicates("hotspot_code", keep="first")
    return frame.sort_values(["level_rank", "population_max"], ascending=False).reset_index(drop=True)


def _records(body: str | bytes) -> list[dict]:
    place = read_object(body, SERVICE, "CITYDATA")
    if place is None:
        return []
    crowds = place.get("LIVE_PPLTN_STTS") or []
    if not isinstance(crowds, list):
        raise FeedError(Reason("envelope.bad_field", service=SERVICE, field="LIVE_PPLTN_STTS"))
    lon, lat = place_middle(place)
    district = locate(lat, lon) if lon == lon else None
    records = []
    for crowd in crowds:
        level = text(crowd.get("AREA_CONGEST_LVL")) if isinstance(crowd, dict) else ""
        if level not in LEVELS:
            continue
        records.append(
            {
                "hotspot": text(crowd.get("AREA_NM")) or text(place.get("AREA_NM")),
                "hotspot_code": text(crowd.get("AREA_CD")) or text(place.get("AREA_CD")),
                "level": level,
                "level_rank": LEVELS.index(level),
                "population_min": number(crowd.get("AREA_PPLTN_MIN")),
                "population_max": number(crowd.get("AREA_PPLTN_MAX")),
                "lon": lon,
                "lat": lat,
                "district_code": district.code if district else "",
                "district": district.name if district else "",
                "measured_at": seoul_time(crowd.get("PPLTN_TIME"), "%Y-%m-%d %H:%M", "%Y%m%d%H%M"),
            }
        )
    return records
