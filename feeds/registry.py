"""The feeds the wall polls, each described once: the call it reads, how to parse it, how fresh it stays.

A ``Call`` is one request to upstream (or one round of them: citydata answers one place per
request); a ``Feed`` reads one call's answer into one frame. Several feeds may read the same call,
which the poller then makes once per round for all of them. The poller, the settings
(``{NAME}_INTERVAL`` for every feed), the recorder and the frame store read this table and
nothing else about a feed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from feeds import air, crowds, incidents, traffic, weather
from feeds.base import Alarms, Series, Source


@dataclass(frozen=True)
class Call:
    """One upstream request (or round of requests) and the name it is scheduled and logged by."""

    name: str
    fetch: Callable[[Source], Any]  # the raw answer, as the feeds that read it parse it


@dataclass(frozen=True)
class Feed:
    name: str
    call: Call
    parse: Callable[[Any], pd.DataFrame]
    measured_at: Callable[[pd.DataFrame], pd.Timestamp | None]
    interval: int  # default poll interval, seconds ({NAME}_INTERVAL sets it)
    max_age: int  # source-clock seconds after measurement before the data counts as stale
    # What history keeps of each good poll besides the frame itself (which the time machine and a
    # warm start read): rows over time for trends, one table per series, written alike.
    series: tuple[Series, ...] = ()
    # Whether history follows each row from report to clearance (the incident lifecycle, kept by
    # its own writer: first seen, stages, cleared after two polls without it).
    lifecycle: bool = False
    # Whether an empty answer is news (no incident open) or just nothing published yet (air).
    empty_is_data: bool = False
    # A row key whose rows end only when two successive good polls lack them: one glitch (an
    # empty answer, a short list) must not close what is still open. None: each poll is whole.
    ends_after_two: str | None = None
    # What of its frame is alerted beyond the wall when it begins and when it ends (WALL_ALERT_WEBHOOK).
    alarms: Alarms | None = None

    def fetch(self, source: Source) -> Any:
        return self.call.fetch(source)


AIR = Call("RealtimeCityAir", air.fetch)
CITYDATA = Call("citydata", traffic.fetch)  # one request per hotspot; traffic, crowds and weather
ACCINFO = Call("AccInfo", incidents.fetch)

FEEDS: dict[str, Feed] = {
    # Air is measured hourly and published some minutes later: up to ~2 h old is normal.
    "air": Feed(
        "air",
        AIR,
        air.parse,
        air.measured_at,
        interval=300,
        max_age=2 * 3600 + 900,
        series=(air.SERIES,),
        alarms=air.ALARMS,
    ),
    # citydata refreshes road speeds every 5-15 minutes.
    "traffic": Feed(
        "traffic",
        CITYDATA,
        traffic.parse,
        traffic.measured_at,
        interval=300,
        max_age=45 * 60,
        series=(traffic.DISTRICT_SERIES, traffic.HOTSPOT_SERIES),
    ),
    # Read from the same citydata answers as traffic: estimated every 5 minutes.
    "crowds": Feed(
        "crowds",
        CITYDATA,
        crowds.parse,
        crowds.measured_at,
        interval=300,
        max_age=45 * 60,
        series=(crowds.SERIES,),
    ),
    # The nearest station's reading, hourly.
    "weather": Feed(
        "weather",
        CITYDATA,
        weather.parse,
        weather.measured_at,
        interval=300,
        max_age=2 * 3600,
        series=(weather.SERIES,),
    ),
    "incidents": Feed(
        "incidents",
        ACCINFO,
        incidents.parse,
        incidents.measured_at,
        interval=60,
        max_age=15 * 60,
        empty_is_data=True,
        ends_after_two="incident_id",
        lifecycle=True,
        alarms=incidents.ALARMS,
    ),
}


def all_series(feeds: dict[str, Feed]) -> tuple[Series, ...]:
    """Every series ``feeds`` keep, in order; two feeds may not keep series of the same name."""
    found = [series for feed in feeds.values() for series in feed.series]
    names = [series.name for series in found]
    if len(set(names)) != len(names):
        raise ValueError(f"two series share a name: {sorted(names)}")
    return tuple(found)


def calls(feeds: dict[str, Feed]) -> dict[str, tuple[str, ...]]:
    """Each call ``feeds`` read, by name, with the names of the feeds that read it, in order."""
    found: dict[str, tuple[str, ...]] = {}
    for name, feed in feeds.items():
        found[feed.call.name] = (*found.get(feed.call.name, ()), name)
    return found
