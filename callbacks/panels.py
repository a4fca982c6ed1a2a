"""Panel callbacks: each runs only when a frame version, the selection, the language or the
moment shown (live, or a past one from the time machine) changes."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import cached_property, partial

import pandas as pd
from dash import Input, Output, ctx, no_update

from callbacks.memo import Memo
from feeds.registry import FEEDS
from layouts import figures, panels, summary
from layouts.i18n import district_name, language, t

# Texts fixed in the layout that follow the language: element id -> text key.
TITLED = {
    "attract-hint": "attract_hint",
    "ranking-title": "ranking_title",
    "trend-title": "trend_title",
    "speed-today-title": "speed_today",
    "district-speeds-title": "district_speeds",
    "timeline-title": "timeline_title",
    "handling-title": "handling_title",
    "time-machine-label": "time_machine",
    "back-to-live": "back_to_live",
    "source-credit": "source_credit",
    "wall-name": "wall_title",
    "lang-toggle": "language",
    "city-view": "city_view",
}
DAY = 24 * 3600
EARLIER_DAYS = 7  # how far back "the same hours on earlier days" reaches


class Shown:
    """A feed's frame as the wall shows it, and what identifies it for the build memo.

    The data is read only when a build needs it: a viewer whose panels are already built for
    this version costs a metadata read, not a frame read.
    """

    def __init__(self, key: tuple, load: Callable[[], pd.DataFrame | None]):
        self.key = key
        self._load = load

    @cached_property
    def data(self) -> pd.DataFrame | None:
        return self._load()


def register(wall) -> None:
    app, store = wall.app, wall.store
    history = getattr(wall, "history", None)
    memo = Memo()
    wall.memo = memo

    def shown(names, when) -> list[Shown]:
        """Live frames from the store, or the frames kept in history for a past moment."""
        found = []
        for name in names:
            if when is None:
                version = store.meta(name).version
                found.append(Shown(("live", version), partial(store.data, name, version)))
            else:
                kept = history.frame_at(name, when) if history is not None else None
                # A kept frame is known by when it was first seen; versions restart with a process.
                key = ("past", name, kept[1]["seen_at"] if kept else 0)
                found.append(Shown(key, lambda kept=kept: kept[0] if kept else None))
        return found

    def keys(found: list[Shown]) -> tuple:
        return tuple(f.key for f in found)

    def source_now() -> float:
        """Now on the source's clock (the demo's may run fast), which history is kept on too."""
        clocks = [meta.source_clock(time.time()) for meta in store.metas().values()]
        known = [clock for clock in clocks if clock is not None]
        return max(known) if known else time.time()

    def moment(when) -> float:
        """The moment shown: the past one, or now."""
        return float(when) if when is not None else source_now()

    def effective(selection, air: Shown):
        """The touched district, or the worst one when nobody chose."""
        if selection:
            return selection, False
        return memo.get(("worst", air.key), lambda: summary.worst_district(air.data)), True

    @app.callback(
        [Output(f"panel-{n}-status", "children") for n in range(1, 7)],
        [Input(f"meta-{name}", "data") for name in FEEDS],
        Input("lang", "data"),
        Input("when", "data"),
    )
    def statuses(*args):
        lang, when = language(args[-2]), args[-1]
        if when is not None:
            return [panels.past_status(when, lang)] * 6
        metas = {m["feed"]: m for m in args[:-2] if m}
        return [
            panels.status_line([metas[f] for f in panels.FEEDS_OF_PANEL[n] if f in metas], lang)
            for n in range(1, 7)
        ]

    @app.callback(
        [Output(f"panel-{n}-title", "children") for n in range(1, 7)]
        + [Output(name, "children") for name in TITLED]
        + [Output("source-badge", "children")]
        + [Output("wall", "lang")],
        Input("lang", "data"),
    )
    def titles(lang):
        lang = language(lang)
        return (
            [t(f"panel{n}", lang) for n in range(1, 7)]
            + [t(key, lang) for key in TITLED.values()]
            + [t(f"source_{wall.source.name}", lang)]
            + [lang]
        )

    @app.callback(
        Output("when", "data"),
        Output("when-slider", "value"),
        Input("when-slider", "value"),
        Input("back-to-live", "n_clicks"),
        prevent_initial_call=True,
    )
    def travel(minutes_back, _clicks):
        """The time machine: a slider up to 24 hours back, and one button back to live."""
        if ctx.triggered_id == "back-to-live" or not minutes_back or history is None:
            return None, 0
        return source_now() + float(minutes_back) * 60, no_update

    @app.callback(
        [Output("wall", "className")]
        + [Output(f"panel-{n}-alarm", "children") for n in range(1, 7)]
        + [Output(f"panel-{n}-past", "children") for n in range(1, 7)],
        Input("ver-air", "data"),
        Input("ver-incidents", "data"),
        Input("lang", "data"),
        Input("when", "data"),
    )
    def alarm(_a, _i, lang, when):
        """A fire, a disaster or 매우나쁨 air takes over the wall until it clears; the past is
        marked on every panel."""
        lang = language(lang)
        air, incidents = shown(("air", "incidents"), when)

        def build():
            found = summary.alarms(air.data, incidents.data)
            banners = panels.alarm_banners(found, lang)
            past = panels.past_banner(when, lang) if when is not None else []
            classes = "wall" + (" alarm" if found else "") + (" past" if when is not None else "")
            return [classes] + [banners[n] for n in range(1, 7)] + [past] * 6

        return memo.get(("alarm", keys([air, incidents]), lang, when), build)

    @app.callback(
        Output("overview-headlines", "children"),
        Input("ver-air", "data"),
        Input("ver-traffic", "data"),
        Input("ver-incidents", "data"),
        Input("lang", "data"),
        Input("when", "data"),
    )
    def overview(_a, _t, _i, lang, when):
        lang = language(lang)
        found = shown(("air", "traffic", "incidents"), when)
        return memo.get(
            ("headlines", keys(found), lang), lambda: panels.headlines(*(f.data for f in found), lang)
        )

    @app.callback(
        Output("overview-alerts", "children"),
        [Input(f"meta-{name}", "data") for name in FEEDS],
        Input("lang", "data"),
        Input("when", "data"),
    )
    def alert_strip(*args):
        lang, when = language(args[-2]), args[-1]
        metas = [m for m in args[:-2] if m] if when is None else []  # feed health is a live matter
        air, incidents = shown(("air", "incidents"), when)
        statuses = tuple((m["feed"], m["status"], m.get("error"), m.get("stale_reason")) for m in metas)
        return memo.get(
            ("alerts", keys([air, incidents]), statuses, lang),
            lambda: panels.alerts(air.data, incidents.data, metas, lang),
        )

    @app.callback(
        Output("tour", "data"),
        Input("ver-air", "data"),
        Input("ver-traffic", "data"),
        Input("ver-incidents", "data"),
    )
    def attract_tour(_a, _t, _i):
        found = shown(("air", "traffic", "incidents"), None)
        return memo.get(("tour", keys(found)), lambda: summary.tour(*(f.data for f in found)))

    @app.callback(
        Output("air-map", "figure"),
        Output("air-legend", "children"),
        Input("ver-air", "data"),
        Input("selection", "data"),
        Input("lang", "data"),
        Input("when", "data"),
    )
    def air_map(_v, selection, lang, when):
        lang = language(lang)
        (air,) = shown(("air",), when)
        chosen, _ = effective(selection, air)
        return memo.get(
            ("air-map", air.key, chosen, lang),
            lambda: (figures.air_map(air.data, chosen, lang), panels.air_legend(air.data, lang)),
        )

    @app.callback(
        Output("air-ranking", "figure"),
        Output("air-trend", "figure"),
        Input("ver-air", "data"),
        Input("selection", "data"),
        Input("lang", "data"),
        Input("when", "data"),
    )
    def air_ranking(_v, selection, lang, when):
        lang = language(lang)
        (air,) = shown(("air",), when)
        chosen, _ = effective(selection, air)

        def build():
            # History is the record; the store's series also holds the warm-up of a fresh wall.
            series = store.series("air") if when is None else None
            if history is not None:
                until = moment(when)
                series = summary.merge_series(series, history.air_series(until - DAY, until))
            district, city = summary.air_trend(series, chosen)
            return (
                figures.air_ranking(air.data, chosen, lang),
                figures.air_trend(district, city, district_name(chosen or "", lang), lang),
            )

        return memo.get(("air-ranking", air.key, chosen, lang, when), build)

    @app.callback(
        Output("traffic-map", "figure"),
        Output("traffic-districts", "figure"),
        Output("traffic-summary", "children"),
        Output("traffic-trend", "figure"),
        Input("ver-traffic", "data"),
        Input("ver-air", "data"),
        Input("selection", "data"),
        Input("lang", "data"),
        Input("when", "data"),
    )
    def traffic(_v, _a, selection, lang, when):
        lang = language(lang)
        links, air = shown(("traffic", "air"), when)
        chosen, _ = effective(selection, air)

        def build():
            until = pd.Timestamp(moment(when), unit="s", tz="Asia/Seoul")
            series = None
            if history is not None:
                since = until.normalize() - pd.Timedelta(days=EARLIER_DAYS)
                series = history.traffic_series(since, until)
            today, earlier, days = summary.speed_by_hour(series, until)
            return (
                figures.traffic_map(links.data, chosen, lang),
                figures.district_speed_bars(summary.district_speeds(links.data), chosen, lang),
                panels.traffic_summary(links.data, lang),
                figures.traffic_trend(today, earlier, days, lang),
            )

        return memo.get(("traffic", links.key, chosen, lang, when), build)

    @app.callback(
        Output("incident-map", "figure"),
        Output("incident-list", "children"),
        Output("incident-timeline", "figure"),
        Output("handling-times", "children"),
        Input("ver-incidents", "data"),
        Input("ver-air", "data"),
        Input("selection", "data"),
        Input("lang", "data"),
        Input("when", "data"),
    )
    def incidents(_v, _a, selection, lang, when):
        lang = language(lang)
        open_now, air = shown(("incidents", "air"), when)
        chosen, _ = effective(selection, air)

        def build():
            until = moment(when)
            timeline = pd.DataFrame()
            times = None
            if history is not None:
                timeline = history.incident_timeline(until - DAY, until)
                times = history.handling_times(until - EARLIER_DAYS * DAY, until)
            return (
                figures.incident_map(open_now.data, chosen, lang),
                panels.incident_list(open_now.data, chosen, lang),
                figures.incident_timeline(timeline, pd.Timestamp(until, unit="s", tz="Asia/Seoul"), lang),
                panels.handling_times(times, lang),
            )

        return memo.get(("incidents", open_now.key, chosen, lang, when), build)

    @app.callback(
        Output("district-detail", "children"),
        Input("ver-air", "data"),
        Input("ver-traffic", "data"),
        Input("ver-incidents", "data"),
        Input("selection", "data"),
        Input("lang", "data"),
        Input("when", "data"),
    )
    def detail(_a, _t, _i, selection, lang, when):
        lang = language(lang)
        found = shown(("air", "traffic", "incidents"), when)
        chosen, auto = effective(selection, found[0])
        return memo.get(
            ("detail", keys(found), chosen, auto, lang),
            lambda: panels.district_detail(chosen, auto, *(f.data for f in found), lang),
        )
