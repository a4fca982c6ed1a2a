"""Turning upstream field values into numbers and times without inventing zeros."""

from __future__ import annotations

import math
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd

TIME_ZONE = "Asia/Seoul"  # the city's clock: every time the wall shows is Seoul's
SEOUL = ZoneInfo(TIME_ZONE)


def number(value: object) -> float:
    """A float from a JSON number or a numeric string; NaN for "", "-", null, words and junk."""
    if value is None or isinstance(value, bool):
        return math.nan
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else math.nan
    text = str(value).strip().replace(",", "")
    try:
        parsed = float(text)
    except ValueError:
        return math.nan
    return parsed if math.isfinite(parsed) else math.nan


def seoul_time(value: object, *formats: str) -> pd.Timestamp | None:
    """Parse a Seoul local time in the first matching format; None when absent or unreadable."""
    text = str(value or "").strip()
    if not text or text == "-":
        return None
    for fmt in formats:
        try:
            return pd.Timestamp(datetime.strptime(text, fmt).replace(tzinfo=SEOUL))
        except ValueError:
            continue
    return None


def date_and_time(date: object, clock: object) -> pd.Timestamp | None:
    """Join a YYYYMMDD date with an HHMM or HHMMSS time (both are seen upstream)."""
    day = str(date or "").strip()
    hhmm = str(clock or "").strip()
    if not day:
        return None
    if len(hhmm) in (3, 5):  # a dropped leading zero: 930 -> 0930
        hhmm = "0" + hhmm
    hhmm = (hhmm or "0000").ljust(6, "0")[:6]
    return seoul_time(day + hhmm, "%Y%m%d%H%M%S")


def text(value: object) -> str:
    """A stripped string; "" for null. Upstream text is data, never markup: nothing is parsed."""
    return "" if value is None else str(value).strip()
