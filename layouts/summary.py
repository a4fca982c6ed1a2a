"""Figures the wall derives from frames: worst district, citywide speed, district averages."""

from __future__ import annotations

import math

import pandas as pd

from feeds.air import GRADES


def worst_district(air: pd.DataFrame | None) -> str | None:
    """The district code with the highest CAI, or None without air data."""
    if air is None or air.empty or air["cai"].isna().all():
        return None
    return str(air.loc[air["cai"].idxmax(), "district_code"])


def air_row(air: pd.DataFrame | None, code: str | None) -> pd.Series | None:
    if air is None or air.empty or not code:
        return None
    rows = air[air["district_code"] == code]
    return rows.iloc[0] if not rows.empty else None


def grade_counts(air: pd.DataFrame | None) -> dict[str, int]:
    counts = dict.fromkeys(GRADES, 0)
    if air is not None and not air.empty:
        for grade, n in air["cai_grade"].value_counts().items():
            if grade in counts:
                counts[grade] = int(n)
    return counts


def citywide_speed(traffic: pd.DataFrame | None) -> float:
    """Length-weighted mean speed over every reported link, km/h; NaN without data."""
    if traffic is None or traffic.empty:
        return math.nan
    known = traffic.dropna(subset=["speed_kmh"])
    weights = known["length_m"].fillna(1.0).clip(lower=1.0)
    if known.empty or weights.sum() == 0:
        return math.nan
    return float((known["speed_kmh"] * weights).sum() / weights.sum())


def district_speeds(traffic: pd.DataFrame | None) -> pd.DataFrame:
    """Length-weighted mean speed per district: columns district_code, speed_kmh, links, jammed."""
    columns = ["district_code", "speed_kmh", "links", "jammed"]
    if traffic is None or traffic.empty:
        return pd.DataFrame(columns=columns)
    known = traffic[(traffic["district_code"] != "") & traffic["speed_kmh"].notna()].copy()
    if known.empty:
        return pd.DataFrame(columns=columns)
    known["weight"] = known["length_m"].fillna(1.0).clip(lower=1.0)
    known["weighted"] = known["speed_kmh"] * known["weight"]
    known["is_jammed"] = known["congestion"] == "정체"
    grouped = known.groupby("district_code").agg(
        weighted=("weighted", "sum"),
        weight=("weight", "sum"),
        links=("link_id", "count"),
        jammed=("is_jammed", "sum"),
    )
    grouped["speed_kmh"] = grouped["weighted"] / grouped["weight"]
    return grouped.reset_index()[columns].sort_values("speed_kmh").reset_index(drop=True)


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
