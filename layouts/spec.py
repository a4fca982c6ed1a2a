"""The wall as a table: every part that data, language or a touch can change, what it reads, how it is built.

One table drives the page (layouts/wall.py places each part with its first build), the one tick
callback (callbacks/sync.py sends each part whose inputs moved) and the benchmark. A part names
the feeds whose frames it reads and whether it follows the selected district, the moment shown
or the feeds' statuses; nothing else can change what it shows, so those are its build key.

Builders read through a ``View``: the frames, trends and clock of one moment, in one language,
for one selection. They are pure: the same view, the same result.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from feeds.registry import FEEDS
from feeds.values import TIME_ZONE
from layouts import figures, panels, qr, summary
from layouts.i18n import district_name, t

DAY = 24 * 3600
EARLIER_DAYS = 7  # how far back "the same hours on earlier days" reaches
TREND_STEP = 3600  # trends are binned by hour: a live trend is redrawn when the hour turns
FIGURE, HTML = "figure", "html"


class View(Protocol):
    """What a builder may read: one moment of the wall, for one viewer's language and selection."""

    lang: str
    selection: str | None  # the district a viewer touched, or None for the city view
    chosen: str | None  # the district panels follow: the touched one, or the worst air when none
    when: float | None  # None: live; else the past moment shown (epoch seconds, source clock)
    moment: float  # the moment shown: ``when``, or now on the source's clock
    source: str  # demo, seoul or replay
    history: bool  # whether a history is kept (trends, the time machine)
    public_url: str  # the wall's address as phones reach it (WALL_PUBLIC_URL), or "" for none

    def frame(self, feed: str) -> pd.DataFrame | None: ...

    def meta(self, feed: str) -> dict[str, Any] | None: ...

    def live_series(self, name: str) -> pd.DataFrame | None: ...

    def series(
        self, name: str, since: float | pd.Timestamp, until: float | pd.Timestamp
    ) -> pd.DataFrame | None: ...

    def incident_timeline(self, since: float, until: float) -> pd.DataFrame: ...

    def handling_times(self, since: float, until: float) -> pd.DataFrame | None: ...


@dataclass(frozen=True)
class Part:
    """One thing on the wall that can change: a figure, or the children of an element."""

    panel: int
    name: str
    build: Callable[[View], Any]
    kind: str = HTML
    feeds: tuple[str, ...] = ()  # frames it reads
    selection: bool = False  # follows the selected district
    moment: bool = False  # shows whether the moment is live or past (beyond the frames it reads)
    trend: bool = False  # reads history up to the moment shown, which moves on while live
    status: bool = False  # shows the feeds' statuses and ages
    # What of the clock it shows beyond its frames (the day, clearances now past): in its build key
    clock: Callable[[View], Any] | None = None
    target: tuple[str, str] | None = None  # a fixed (id, property) instead of a pattern-matching id
    tag: str = "div"
    class_name: str = ""

    @property
    def id(self) -> dict[str, Any]:
        return {"kind": self.kind, "panel": self.panel, "part": self.name}

    @property
    def slot(self) -> str:
        """The name held by a browser for what it has of this part."""
        return f"{self.panel}:{self.name}"


@dataclass(frozen=True)
class Panel:
    number: int
    feeds: tuple[str, ...]  # what its header reports the status and age of
    parts: tuple[Part, ...]


def _following(panel: int, name: str, feed: str, build: Callable, kind: str = FIGURE, **extra) -> Part:
    """A part drawn from one feed's frame for the district the panels follow, in the viewer's language."""
    return Part(
        panel,
        name,
        lambda view: build(view.frame(feed), view.chosen, view.lang),
        kind=kind,
        feeds=(feed,),
        selection=True,
        **extra,
    )


def _text(panel: int, name: str, key: str, tag: str = "span", class_name: str = "") -> Part:
    """A fixed text that follows the language."""
    return Part(panel, name, lambda view: t(key, view.lang), tag=tag, class_name=class_name)


def _common(number: int, feeds: tuple[str, ...]) -> tuple[Part, ...]:
    """What every panel has: its title, its feeds' status and age, the alarm banner, the past banner."""
    return (
        Part(number, "title", lambda view: t(f"panel{number}", view.lang), tag="span"),
        Part(
            number,
            "status",
            lambda view: _status(view, feeds),
            feeds=feeds,
            status=True,
            moment=True,
            class_name="panel-status",
        ),
        Part(
            number,
            "alarm",
            lambda view: panels.alarm_banners(_alarms(view), view.lang)[number],
            feeds=("air", "incidents"),
            class_name="panel-alarm",
        ),
        Part(number, "past", _past, moment=True, class_name="panel-past"),
    )


def _status(view: View, feeds: tuple[str, ...]) -> list:
    if view.when is not None:
        return panels.past_status(view.when, view.lang)
    return panels.status_line([m for m in (view.meta(f) for f in feeds) if m], view.lang)


def _past(view: View) -> list:
    return panels.past_banner(view.when, view.lang) if view.when is not None else []


def _alarms(view: View) -> list[dict]:
    return summary.alarms(view.frame("air"), view.frame("incidents"))


def _wall_class(view: View) -> str:
    return "wall" + (" alarm" if _alarms(view) else "") + (" past" if view.when is not None else "")


def _headlines(view: View) -> list:
    not_live = frozenset(
        feed for feed in HEADLINE_FEEDS if view.when is None and (view.meta(feed) or {}).get("status") != "ok"
    )
    return panels.headlines(
        view.frame("air"), view.frame("traffic"), view.frame("incidents"), view.lang, not_live
    )


def _alerts(view: View) -> list:
    # Feed health is a live matter: the past shows what was, not how the feeds were doing.
    metas = [] if view.when is not None else [m for m in (view.meta(f) for f in ALL_FEEDS) if m]
    return panels.alerts(view.frame("air"), view.frame("incidents"), metas, view.lang)


def _air_trend(view: View) -> dict:
    # History is the record; the store's series also holds the warm-up of a fresh wall.
    series = summary.merge_series(view.live_series("air"), view.series("air", view.moment - DAY, view.moment))
    district, city = summary.air_trend(series, view.chosen)
    return figures.air_trend(district, city, district_name(view.chosen or "", view.lang), view.lang)


def _traffic_trend(view: View) -> dict:
    until = pd.Timestamp(view.moment, unit="s", tz=TIME_ZONE)
    series = view.series("traffic_district", until.normalize() - pd.Timedelta(days=EARLIER_DAYS), until)
    today, earlier, days = summary.speed_by_hour(series, until)
    return figures.traffic_trend(today, earlier, days, view.lang)


def _incident_timeline(view: View) -> dict:
    timeline = view.incident_timeline(view.moment - DAY, view.moment)
    return figures.incident_timeline(timeline, pd.Timestamp(view.moment, unit="s", tz=TIME_ZONE), view.lang)


def _handling(view: View) -> list:
    return panels.handling_times(
        view.handling_times(view.moment - EARLIER_DAYS * DAY, view.moment), view.lang
    )


def _incident_list(view: View) -> list:
    # "Today" and "overdue" are judged at the moment shown: now, or the time machine's.
    return panels.incident_list(view.frame("incidents"), view.chosen, view.lang, view.moment)


def _detail(view: View) -> list:
    return panels.district_detail(
        view.chosen,
        view.selection is None,
        view.frame("air"),
        view.frame("traffic"),
        view.frame("incidents"),
        view.lang,
        view.moment,
        view.frame("crowds"),
    )


def _weather(view: View) -> list:
    live = view.when is not None or (view.meta("weather") or {}).get("status") == "ok"
    return panels.weather_now(view.frame("weather"), live, view.lang)


ALL_FEEDS = tuple(FEEDS)  # every feed: the alerts name each one that is not live
HEADLINE_FEEDS = ("air", "traffic", "incidents")  # what the headline figures and the tour read
OVERVIEW_FEEDS = ("air", "traffic", "incidents", "weather")  # what panel 1 shows
DETAIL_FEEDS = ("air", "traffic", "incidents", "crowds")  # what a district's detail shows

PANELS: tuple[Panel, ...] = (
    Panel(
        1,
        OVERVIEW_FEEDS,
        (
            *_common(1, OVERVIEW_FEEDS),
            Part(
                1, "weather", _weather, feeds=("weather",), status=True, moment=True, class_name="weather-now"
            ),
            _text(1, "wall-name", "wall_title"),
            _text(1, "language", "language"),
            _text(1, "source-credit", "source_credit"),
            Part(1, "source-badge", lambda view: t(f"source_{view.source}", view.lang), tag="span"),
            _text(1, "time-machine-label", "time_machine"),
            Part(1, "time-marks", lambda view: panels.time_marks(view.lang), target=("when-slider", "marks")),
            _text(1, "back-to-live", "back_to_live"),
            _text(1, "attract-hint", "attract_hint"),
            # A figure of a feed that is not live is greyed and called the last known one.
            Part(1, "headlines", _headlines, feeds=HEADLINE_FEEDS, status=True, class_name="headlines"),
            # Every feed's status: a failing traffic feed has its row here too.
            Part(1, "alerts", _alerts, feeds=ALL_FEEDS, status=True, class_name="alert-strip"),
            Part(
                1,
                "wall-class",
                _wall_class,
                feeds=("air", "incidents"),
                moment=True,
                target=("wall", "className"),
            ),
            Part(1, "wall-lang", lambda view: view.lang, target=("wall", "lang")),
            Part(
                1,
                "tour",
                lambda view: summary.tour(view.frame("air"), view.frame("traffic"), view.frame("incidents")),
                feeds=HEADLINE_FEEDS,
                target=("tour", "data"),
            ),
        ),
    ),
    Panel(
        2,
        ("air",),
        (
            *_common(2, ("air",)),
            _following(2, "air-map", "air", figures.air_map),
            Part(
                2,
                "air-legend",
                lambda view: panels.air_legend(view.frame("air"), view.lang),
                feeds=("air",),
                class_name="legend-row",
            ),
        ),
    ),
    Panel(
        3,
        ("air",),
        (
            *_common(3, ("air",)),
            _text(3, "ranking-title", "ranking_title"),
            _text(3, "trend-title", "trend_title"),
            _following(3, "air-ranking", "air", figures.air_ranking),
            Part(3, "air-trend", _air_trend, kind=FIGURE, feeds=("air",), selection=True, trend=True),
        ),
    ),
    Panel(
        4,
        ("traffic", "crowds"),
        (
            *_common(4, ("traffic", "crowds")),
            _text(4, "speed-today-title", "speed_today"),
            _text(4, "district-speeds-title", "district_speeds"),
            Part(
                4,
                "traffic-map",
                lambda view: figures.traffic_map(
                    view.frame("traffic"), view.chosen, view.lang, view.frame("crowds")
                ),
                kind=FIGURE,
                feeds=("traffic", "crowds"),
                selection=True,
            ),
            Part(
                4,
                "traffic-summary",
                lambda view: panels.traffic_summary(view.frame("traffic"), view.lang, view.frame("crowds")),
                feeds=("traffic", "crowds"),
            ),
            Part(4, "traffic-trend", _traffic_trend, kind=FIGURE, feeds=("traffic",), trend=True),
            Part(
                4,
                "traffic-districts",
                lambda view: figures.district_speed_bars(
                    summary.district_speeds(view.frame("traffic")), view.chosen, view.lang
                ),
                kind=FIGURE,
                feeds=("traffic",),
                selection=True,
            ),
        ),
    ),
    Panel(
        5,
        ("incidents",),
        (
            *_common(5, ("incidents",)),
            _text(5, "timeline-title", "timeline_title"),
            _text(5, "handling-title", "handling_title"),
            _following(5, "incident-map", "incidents", figures.incident_map),
            Part(5, "incident-timeline", _incident_timeline, kind=FIGURE, feeds=("incidents",), trend=True),
            Part(
                5,
                "incident-list",
                _incident_list,
                feeds=("incidents",),
                selection=True,
                clock=lambda view: panels.incident_clock(view.frame("incidents"), view.moment),
                class_name="incident-list",
            ),
            Part(
                5, "handling-times", _handling, feeds=("incidents",), trend=True, class_name="handling-times"
            ),
        ),
    ),
    Panel(
        6,
        DETAIL_FEEDS,
        (
            *_common(6, DETAIL_FEEDS),
            _text(6, "city-view", "city_view"),
            Part(
                6,
                "district-detail",
                _detail,
                feeds=DETAIL_FEEDS,
                selection=True,
                clock=lambda view: panels.incident_day(view.moment),
                class_name="district-detail",
            ),
            # The phone view's address as a QR code, on the district touched: a visitor takes it along.
            Part(
                6, "qr", lambda view: qr.qr_code(view.public_url, view.lang, view.selection), selection=True
            ),
        ),
    ),
)

PARTS: dict[str, Part] = {part.slot: part for panel in PANELS for part in panel.parts}
