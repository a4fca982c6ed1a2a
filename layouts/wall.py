"""The page: six panels on a 3 x 2 canvas of 1920 x 1080 panels, plus the stores that drive them."""

from __future__ import annotations

from dash import dcc, html

from feeds.registry import FEEDS
from layouts import panels
from layouts.i18n import DEFAULT_LANGUAGE, t


def layout(
    tick_seconds: float,
    lang: str = DEFAULT_LANGUAGE,
    source: str = "demo",
    bezel: int = 0,
    history: bool = True,
    attract_idle: float = 90,
    attract_dwell: float = 10,
) -> html.Div:
    """The wall page. ``bezel`` is the gap in CSS px between screens, so nothing is drawn behind a
    bezel; the attract loop starts after ``attract_idle`` seconds untouched and shows each stop
    for ``attract_dwell`` seconds."""
    stores = [
        dcc.Store(id="lang", data=lang),
        dcc.Store(id="selection", data=None),
        dcc.Location(id="url", refresh=False),
        dcc.Interval(id="tick", interval=int(tick_seconds * 1000), n_intervals=0),
        dcc.Store(id="tour", data=[]),
        dcc.Store(id="attract", data={"active": False, "stop": -1}),
        dcc.Store(id="attract-config", data={"idle": attract_idle}),
        dcc.Store(id="control", data=None),
        dcc.Store(id="when", data=None),  # None: live; else the past moment shown (epoch seconds)
        dcc.Interval(id="attract-tick", interval=int(attract_dwell * 1000), n_intervals=0),
    ]
    for feed in FEEDS:
        stores.append(dcc.Store(id=f"meta-{feed}", data=None))
        stores.append(dcc.Store(id=f"ver-{feed}", data=0))
    overview = panels.shell(
        1,
        [
            html.Div(
                className="clock-block",
                children=[
                    html.Div(id="wall-clock", className="clock", children="--:--:--"),
                    html.Div(id="wall-date", className="clock-date"),
                    html.Div(t("wall_title", lang), id="wall-name", className="wall-name"),
                ],
            ),
            html.Div(id="overview-headlines", className="headlines", children=[panels.waiting(lang)]),
            html.Div(id="overview-alerts", className="alert-strip"),
            time_machine(lang, history),
            html.Div(
                className="credit",
                children=[
                    html.Span(t("source_credit", lang), id="source-credit"),
                    html.Span(t(f"source_{source}", lang), id="source-badge", className="source-badge"),
                ],
            ),
        ],
        lang,
        extra_header=[
            html.Button(t("language", lang), id="lang-toggle", className="lang-toggle", n_clicks=0)
        ],
    )
    air_map = panels.shell(
        2,
        [
            panels.graph("air-map"),
            html.Div(id="air-legend", className="legend-row"),
        ],
        lang,
    )
    ranking = panels.shell(
        3,
        [
            html.Div(
                className="split",
                children=[
                    html.Div(
                        [html.H3(t("ranking_title", lang), id="ranking-title"), panels.graph("air-ranking")],
                        className="split-left",
                    ),
                    html.Div(
                        [html.H3(t("trend_title", lang), id="trend-title"), panels.graph("air-trend")],
                        className="split-right",
                    ),
                ],
            ),
        ],
        lang,
    )
    traffic = panels.shell(
        4,
        [
            html.Div(
                className="split",
                children=[
                    html.Div([panels.graph("traffic-map")], className="split-map"),
                    html.Div(
                        className="split-side",
                        children=[
                            html.Div(id="traffic-summary"),
                            html.H3(t("speed_today", lang), id="speed-today-title"),
                            panels.graph("traffic-trend"),
                            html.H3(t("district_speeds", lang), id="district-speeds-title"),
                            panels.graph("traffic-districts"),
                        ],
                    ),
                ],
            ),
        ],
        lang,
    )
    incidents = panels.shell(
        5,
        [
            html.Div(
                className="split",
                children=[
                    html.Div(
                        className="split-incident-map",
                        children=[
                            panels.graph("incident-map"),
                            html.H3(t("timeline_title", lang), id="timeline-title"),
                            panels.graph("incident-timeline"),
                        ],
                    ),
                    html.Div(
                        className="incident-side",
                        children=[
                            html.Div(id="incident-list", className="incident-list"),
                            html.H3(t("handling_title", lang), id="handling-title"),
                            html.Div(id="handling-times", className="handling-times"),
                        ],
                    ),
                ],
            ),
        ],
        lang,
    )
    detail = panels.shell(
        6,
        [html.Div(id="district-detail", className="district-detail")],
        lang,
        extra_header=[html.Button(t("city_view", lang), id="city-view", className="city-view", n_clicks=0)],
    )
    return html.Div(
        id="wall",
        className="wall",
        lang=lang,
        style={"--bezel": f"{bezel}px"},
        children=[
            *stores,
            html.Div(
                id="wall-canvas",
                className="wall-canvas",
                children=[
                    overview,
                    air_map,
                    ranking,
                    traffic,
                    incidents,
                    detail,
                    html.Div(id="attract-hint", className="attract-hint", children=t("attract_hint", lang)),
                    html.Div(id="url-notice", className="url-notice"),
                ],
            ),
        ],
    )


def time_machine(lang: str, enabled: bool) -> html.Div:
    """Look at the wall as it was up to 24 hours ago, and one clear way back to live."""
    if not enabled:
        return html.Div(
            id="time-machine",
            className="time-machine off",
            children=[
                dcc.Slider(id="when-slider", min=-1440, max=0, step=10, value=0, disabled=True),
                html.Button(t("back_to_live", lang), id="back-to-live", n_clicks=0, className="back-to-live"),
            ],
        )
    marks = {
        minutes: {"label": label}
        for minutes, label in (
            (-1440, "-24h"),
            (-1080, "-18h"),
            (-720, "-12h"),
            (-360, "-6h"),
            (0, t("live", lang)),
        )
    }
    return html.Div(
        id="time-machine",
        className="time-machine",
        children=[
            html.Span(t("time_machine", lang), id="time-machine-label", className="time-machine-label"),
            html.Div(
                dcc.Slider(
                    id="when-slider",
                    min=-1440,
                    max=0,
                    step=10,
                    value=0,
                    marks=marks,
                    updatemode="mouseup",
                    allow_direct_input=False,
                    tooltip=None,
                ),
                className="time-slider",
            ),
            html.Button(t("back_to_live", lang), id="back-to-live", n_clicks=0, className="back-to-live"),
        ],
    )
