"""Panel callbacks: each runs only when a frame version, the selection or the language changes."""

from __future__ import annotations

from dash import Input, Output

from callbacks.memo import Memo
from feeds.registry import FEEDS
from layouts import figures, panels, summary
from layouts.i18n import district_name, language, t

# Texts fixed in the layout that follow the language: element id -> text key.
TITLED = {
    "attract-hint": "attract_hint",
    "ranking-title": "ranking_title",
    "trend-title": "trend_title",
    "district-speeds-title": "district_speeds",
    "source-credit": "source_credit",
    "wall-name": "wall_title",
    "lang-toggle": "language",
    "city-view": "city_view",
}


def register(wall) -> None:
    app, store = wall.app, wall.store
    memo = Memo()
    wall.memo = memo

    def frames(*names):
        return [store.frame(name) for name in names]

    def data(frame):
        return None if frame is None else frame.data

    def versions(found):
        return tuple(f.meta.version if f else 0 for f in found)

    def effective(selection, air):
        """The touched district, or the worst one when nobody chose."""
        if selection:
            return selection, False
        return summary.worst_district(data(air)), True

    @app.callback(
        [Output(f"panel-{n}-status", "children") for n in range(1, 7)],
        [Input(f"meta-{name}", "data") for name in FEEDS],
        Input("lang", "data"),
    )
    def statuses(*args):
        lang = language(args[-1])
        metas = {m["feed"]: m for m in args[:-1] if m}
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
        Output("overview-headlines", "children"),
        Input("ver-air", "data"),
        Input("ver-traffic", "data"),
        Input("ver-incidents", "data"),
        Input("lang", "data"),
    )
    def overview(_a, _t, _i, lang):
        lang = language(lang)
        found = frames("air", "traffic", "incidents")
        return memo.get(
            ("headlines", versions(found), lang), lambda: panels.headlines(*map(data, found), lang)
        )

    @app.callback(
        Output("overview-alerts", "children"),
        [Input(f"meta-{name}", "data") for name in FEEDS],
        Input("lang", "data"),
    )
    def alert_strip(*args):
        lang = language(args[-1])
        metas = [m for m in args[:-1] if m]
        air, incidents = frames("air", "incidents")
        statuses = tuple((m["feed"], m["status"], m.get("error"), m.get("stale_reason")) for m in metas)
        return memo.get(
            ("alerts", versions([air, incidents]), statuses, lang),
            lambda: panels.alerts(data(air), data(incidents), metas, lang),
        )

    @app.callback(
        [Output("wall", "className")] + [Output(f"panel-{n}-alarm", "children") for n in range(1, 7)],
        Input("ver-air", "data"),
        Input("ver-incidents", "data"),
        Input("lang", "data"),
    )
    def alarm(_a, _i, lang):
        """A fire, a disaster or 매우나쁨 air takes over the wall until it clears."""
        lang = language(lang)
        air, incidents = frames("air", "incidents")

        def build():
            found = summary.alarms(data(air), data(incidents))
            banners = panels.alarm_banners(found, lang)
            return ["wall alarm" if found else "wall"] + [banners[n] for n in range(1, 7)]

        return memo.get(("alarm", versions([air, incidents]), lang), build)

    @app.callback(
        Output("tour", "data"),
        Input("ver-air", "data"),
        Input("ver-traffic", "data"),
        Input("ver-incidents", "data"),
    )
    def attract_tour(_a, _t, _i):
        found = frames("air", "traffic", "incidents")
        return memo.get(("tour", versions(found)), lambda: summary.tour(*map(data, found)))

    @app.callback(
        Output("air-map", "figure"),
        Output("air-legend", "children"),
        Input("ver-air", "data"),
        Input("selection", "data"),
        Input("lang", "data"),
    )
    def air_map(_v, selection, lang):
        lang = language(lang)
        (air,) = frames("air")
        chosen, _ = effective(selection, air)
        return memo.get(
            ("air-map", versions([air]), chosen, lang),
            lambda: (figures.air_map(data(air), chosen, lang), panels.air_legend(data(air), lang)),
        )

    @app.callback(
        Output("air-ranking", "figure"),
        Output("air-trend", "figure"),
        Input("ver-air", "data"),
        Input("selection", "data"),
        Input("lang", "data"),
    )
    def air_ranking(_v, selection, lang):
        lang = language(lang)
        (air,) = frames("air")
        chosen, _ = effective(selection, air)

        def build():
            district, city = summary.air_trend(store.series("air"), chosen)
            return (
                figures.air_ranking(data(air), chosen, lang),
                figures.air_trend(district, city, district_name(chosen or "", lang), lang),
            )

        return memo.get(("air-ranking", versions([air]), chosen, lang), build)

    @app.callback(
        Output("traffic-map", "figure"),
        Output("traffic-districts", "figure"),
        Output("traffic-summary", "children"),
        Input("ver-traffic", "data"),
        Input("ver-air", "data"),
        Input("selection", "data"),
        Input("lang", "data"),
    )
    def traffic(_v, _a, selection, lang):
        lang = language(lang)
        traffic_frame, air = frames("traffic", "air")
        chosen, _ = effective(selection, air)
        links = data(traffic_frame)
        return memo.get(
            ("traffic", versions([traffic_frame]), chosen, lang),
            lambda: (
                figures.traffic_map(links, chosen, lang),
                figures.district_speed_bars(summary.district_speeds(links), chosen, lang),
                panels.traffic_summary(links, lang),
            ),
        )

    @app.callback(
        Output("incident-map", "figure"),
        Output("incident-list", "children"),
        Input("ver-incidents", "data"),
        Input("ver-air", "data"),
        Input("selection", "data"),
        Input("lang", "data"),
    )
    def incidents(_v, _a, selection, lang):
        lang = language(lang)
        incident_frame, air = frames("incidents", "air")
        chosen, _ = effective(selection, air)
        open_now = data(incident_frame)
        return memo.get(
            ("incidents", versions([incident_frame]), chosen, lang),
            lambda: (
                figures.incident_map(open_now, chosen, lang),
                panels.incident_list(open_now, chosen, lang),
            ),
        )

    @app.callback(
        Output("district-detail", "children"),
        Input("ver-air", "data"),
        Input("ver-traffic", "data"),
        Input("ver-incidents", "data"),
        Input("selection", "data"),
        Input("lang", "data"),
    )
    def detail(_a, _t, _i, selection, lang):
        lang = language(lang)
        found = frames("air", "traffic", "incidents")
        chosen, auto = effective(selection, found[0])
        return memo.get(
            ("detail", versions(found), chosen, auto, lang),
            lambda: panels.district_detail(chosen, auto, *map(data, found), lang),
        )
