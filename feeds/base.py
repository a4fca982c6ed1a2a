"""What every feed shares: a source of raw payloads, one error type, and the series it keeps."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Protocol

import pandas as pd

NAME = re.compile(r"[a-z][a-z0-9_]*\Z")  # a series' table and column names: plain SQL identifiers
SQL_TYPES = ("REAL", "INTEGER", "TEXT")


class FeedError(Exception):
    """A feed could not produce a frame: the source failed, or its payload made no sense.

    ``reason`` says why, safe to show on the wall (never the API key): a ``feeds.reasons.Reason``
    (a code with parameters, worded in each language where it is shown; an upstream result
    code is part of it), or plain text for a source that has only its own words;
    ``code`` is the upstream result code when there was one (``INFO-100``, ``ERROR-500`` ...);
    ``transient`` says whether trying again soon may help.
    """

    def __init__(self, reason: str, *, code: str | None = None, transient: bool = True):
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.transient = transient

    def __str__(self) -> str:
        return self.reason


class Source(Protocol):
    """Where raw payloads come from: the live API, the demo simulator or a recording.

    ``fetch`` takes the URL path segments after the key (``"json", "RealtimeCityAir", 1, 25``)
    and returns the response body exactly as the upstream would send it.
    """

    name: str

    def fetch(self, fmt: str, service: str, start: int, end: int, *filters: str) -> str: ...

    def now(self) -> float:
        """The source's clock (epoch seconds); the demo simulator's runs at its own speed."""
        ...

    @property
    def speed(self) -> float:
        """How many source seconds pass per real second (1 for live data)."""
        ...


@dataclass(frozen=True)
class Series:
    """Rows a feed keeps over time for its trends: one per area and measurement time.

    ``rows`` reads a frame into the columns ``key``, ``measured_at`` (a zone-aware time) and
    ``columns`` (each with the SQLite type it is kept as); without it they are the frame's own
    columns of those names. History keeps them in a table of this
    name, a newer poll's revision of a row winning; a ``live`` series is also kept in the frame
    store for the last day, so a wall without history yet (or without a history file) has trends.
    """

    name: str
    key: str
    columns: Mapping[str, str]
    rows: Callable[[pd.DataFrame], pd.DataFrame] | None = None
    live: bool = False

    def __post_init__(self) -> None:
        for name in (self.name, self.key, *self.columns):
            if not NAME.match(name):
                raise ValueError(f"series {self.name!r}: {name!r} is not a plain lower-case name")
        for column, kind in self.columns.items():
            if kind not in SQL_TYPES:
                raise ValueError(f"series {self.name!r}: {column} is {kind!r}, not one of {SQL_TYPES}")
        object.__setattr__(self, "columns", MappingProxyType(dict(self.columns)))

    @property
    def keys(self) -> list[str]:
        """The columns a row is known by: its area and its measurement time."""
        return [self.key, "measured_at"]

    def read(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The series' rows of a frame; rows without a measurement time are no measurement."""
        rows = frame[[*self.keys, *self.columns]] if self.rows is None else self.rows(frame)
        return rows.dropna(subset=["measured_at"]).reset_index(drop=True)


@dataclass(frozen=True)
class Alarms:
    """What of a feed's frame must reach people beyond the wall (dashboard/alerts.py): the rows
    alarming now, each known by its ``key`` column, and the ``fields`` an alert says of one.

    An alarm begins when its row first alarms and ends when its row no longer does. With
    ``known`` None the frame is the whole set (incidents: a row gone from it is over); otherwise
    only the rows ``known`` marks are judged, and an alarm whose row is not among them (a station
    not reporting, a district missing) stays as it is. ``started`` names the column saying when a
    row's alarm began (else the poll that saw it).
    """

    kind: str  # what the alerts call it: "incident", "air"
    key: str
    on: Callable[[pd.DataFrame], pd.Series]  # a mask of the frame's rows: alarming now
    fields: tuple[str, ...]
    known: Callable[[pd.DataFrame], pd.Series] | None = None
    started: str | None = None
