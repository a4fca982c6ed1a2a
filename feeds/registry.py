"""The feeds the wall polls, each described once: how to fetch, how to parse, how fresh it stays."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from feeds import air, incidents, traffic
from feeds.base import Source


@dataclass(frozen=True)
class Feed:
    name: str
    fetch: Callable[[Source], Any]
    parse: Callable[[Any], pd.DataFrame]
    measured_at: Callable[[pd.DataFrame], pd.Timestamp | None]
    interval: int  # default poll interval, seconds
    max_age: int  # source-clock seconds after measurement before the data counts as stale
    # Rows kept over time for trends (keyed by district and measurement time), or None.
    series: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    # Whether an empty answer is news (no incident open) or just nothing published yet (air).
    empty_is_data: bool = False
    # A row key whose rows end only when two successive good polls lack them: one glitch (an
    # empty answer, a short list) must not close what is still open. None: each poll is whole.
    ends_after_two: str | None = None


FEEDS: dict[str, Feed] = {
    # Air is measured hourly and published some minutes later: up to ~2 h old is normal.
    "air": Feed(
        "air", air.fetch, air.parse, air.measured_at, interval=300, max_age=2 * 3600 + 900, series=air.series
    ),
    # citydata refreshes road speeds every 5-15 minutes.
    "traffic": Feed(
        "traffic", traffic.fetch, traffic.parse, traffic.measured_at, interval=300, max_age=45 * 60
    ),
    "incidents": Feed(
        "incidents",
        incidents.fetch,
        incidents.parse,
        incidents.measured_at,
        interval=60,
        max_age=15 * 60,
        empty_is_data=True,
        ends_after_two="incident_id",
    ),
}
