"""Figures the wall derives from frames: worst district, district speeds, trends, alarms, the tour."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from feeds.air import (
    GRADES,
    grade,
    graded,
    is_reporting,
    worst_district,  # noqa: F401 -- the panels read it from here
)
from feeds.traffic import area_speeds
from feeds.values import TIME_ZONE


def air_row(air: pd.DataFrame | None, code: str | None) -> pd.Series | None:
    if air is None or air.empty or not code:
        return None
    rows = air[air["district_code"] == code]
    return rows.iloc[0] if not rows.empty else None


@dataclass(frozen=True)
class Reading:
    """A district's air as the wall shows it: the grade always follows from the CAI shown, and a
    station that is not reporting has neither."""

    cai: float  # NaN without a CAI
    grade: str | None  # grade("cai", cai)
    note: str  # the station's own word when it is not reporting (점검중), else ""
    reporting: bool  # the station measured something


def reading(row) -> Reading | None:
    """The reading of a frame row (a Series or an itertuples row); None for no row."""
    if row is None:
        return None
    measured = is_reporting(row)
    cai = float(row.cai) if measured else math.nan
    return Reading(cai, grade("cai", cai), row.note, measured)


def grade_counts(air: pd.DataFrame | None) -> dict[str, int]:
    """Districts per grade of their CAI; a station that is not reporting counts in none."""
    counts = dict.fromkeys(GRADES, 0)
    for cai in graded(air)["cai"]:
        counts[grade("cai", cai)] += 1
    return counts


def district_speeds(traffic: pd.DataFrame | None) -> pd.DataFrame:
    """Each district's mean road speed (traffic.area_speeds: the one weighting), slowest first:
    district_code, speed_kmh, links, jammed; districts with no speed reported are left out."""
    speeds = area_speeds(traffic, "district_code").dropna(subset=["speed_kmh"])
    columns = ["district_code", "speed_kmh", "links", "jammed"]
    return speeds[columns].sort_values("speed_kmh").reset_index(drop=True)


def merge_series(*parts: pd.DataFrame | None) -> pd.DataFrame | None:
    """Series rows from several places, one per district and measurement time, later parts winning."""
    found = [part for part in parts if part is not None and not part.empty]
    if not found:
        return None
    joined = pd.concat(found, ignore_index=True)
    return joined.drop_duplicates(["district_code", "measured_at"], keep="last").reset_index(drop=True)


def air_trend(history: pd.DataFrame | None, code: str | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(district series, city-average series) of PM2.5 by measurement time."""
    empty = pd.DataFrame(columns=["measured_at", "pm25"])
    if history is None or history.empty:
        return empty, empty
    city = history.groupby("measured_at", as_index=False)["pm25"].mean().sort_values("measured_at")
    if not code:
        return empty, city
    district = history[history["district_code"] == code].sort_values("measured_at")
    return district[["measured_at", "pm25"]], city


def alarms(air: pd.DataFrame | None, incidents: pd.DataFrame | None) -> list[dict]:
    """What must take over the wall: severe incidents (fire, disaster) and 매우나쁨 air, worst first."""
    found: list[dict] = []
    if incidents is not None and not incidents.empty:
        for row in incidents[incidents["severe"]].sort_values("occurred_at", ascending=False).itertuples():
            found.append(
                {
                    "kind": "incident",
                    "district_code": row.district_code,
                    "type_code": row.type_code,
                    "type": row.type,
                    "type_en": row.type_en,
                    "description": row.description,
                    "incident_id": row.incident_id,
                }
            )
    very_bad = graded(air)
    very_bad = very_bad[very_bad["cai"].map(lambda cai: grade("cai", cai) == "매우나쁨")]
    if not very_bad.empty:
        for row in very_bad.sort_values("cai", ascending=False).itertuples():
            found.append(
                {
                    "kind": "air",
                    "district_code": row.district_code,
                    "cai": float(row.cai),
                    "pm25": float(row.pm25),
                }
            )
    return found


def tour(
    air: pd.DataFrame | None, traffic: pd.DataFrame | None, incidents: pd.DataFrame | None, stops: int = 6
) -> list[dict]:
    """The attract loop's stops: alarms, the worst air, the slowest roads, the newest incident, then
    the next-worst air districts. Each stop is a district code and why it is on the tour."""
    candidates: list[tuple[str, str]] = [(a["district_code"], "alarm") for a in alarms(air, incidents)]
    worst = worst_district(air)
    if worst:
        candidates.append((worst, "worst_air"))
    speeds = district_speeds(traffic)
    if not speeds.empty:
        candidates.append((str(speeds.iloc[0]["district_code"]), "slowest_roads"))
    if incidents is not None and not incidents.empty:
        newest = incidents.sort_values("occurred_at", ascending=False)
        placed = newest[newest["district_code"] != ""]
        if not placed.empty:
            candidates.append((str(placed.iloc[0]["district_code"]), "newest_incident"))
    ranked = graded(air).sort_values("cai", ascending=False)
    candidates.extend((code, "air") for code in ranked["district_code"])
    seen: set[str] = set()
    result = []
    for code, reason in candidates:
        if code and code not in seen:
            seen.add(code)
            result.append({"district_code": code, "reason": reason})
    return result[:stops]


def speed_by_hour(
    series: pd.DataFrame | None, moment: pd.Timestamp
) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """City road speed per hour of ``moment``'s day, against the mean of the same hours on earlier
    days: (today[hour, speed_kmh], earlier[hour, speed_kmh], number of earlier days)."""
    empty = pd.DataFrame(columns=["hour", "speed_kmh"])
    if series is None or series.empty:
        return empty, empty, 0
    known = series.dropna(subset=["speed_kmh"]).copy()
    # The city's speed at a measurement is its districts' weighted by the length each mean is over,
    # which is traffic.mean_speed of all their links; rows kept before lengths were get their links.
    known["weight"] = known["length_m"].fillna(known["links"]) if "length_m" in known else known["links"]
    known["weight"] = known["weight"].clip(lower=1)
    known["weighted"] = known["speed_kmh"] * known["weight"]
    city = known.groupby("measured_at")[["weighted", "weight"]].sum()
    city["speed_kmh"] = city["weighted"] / city["weight"]
    local = city.index.tz_convert(TIME_ZONE)
    city = city.assign(day=local.normalize(), hour=local.hour)
    hourly = city.groupby(["day", "hour"], as_index=False)["speed_kmh"].mean()
    day = moment.tz_convert(TIME_ZONE).normalize()
    today = hourly[hourly["day"] == day][["hour", "speed_kmh"]]
    before = hourly[hourly["day"] < day]
    earlier = before.groupby("hour", as_index=False)["speed_kmh"].mean()
    return today.reset_index(drop=True), earlier, int(before["day"].nunique())
