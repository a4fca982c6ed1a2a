"""The page: six panels on a 3 x 2 canvas of 1920 x 1080 panels, plus the stores that drive them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash import dcc, html

from feeds.districts import DISTRICTS
from layouts import panels
from layouts.figures import FIGURE_CONFIG
from layouts.i18n import DEFAULT_LANGUAGE
from layouts.spec import FIGURE, PARTS, Part


def layout(
    tick_seconds: float,
    first: Callable[[Part], Any],
    held: dict[str, str],
    lang: str = DEFAULT_LANGUAGE,
    selection: str | None = None,
    bezel: int = 0,
    history: bool = True,
    attract_idle: float = 90,
    attract_dwell: float = 10,
) -> html.Div:
    """The wall page, with every part's first build (``first``) and the tokens of what it holds.

    ``bezel`` is the gap in CSS px between screens, so nothing is drawn behind a bezel; the
    attract loop starts after ``attract_idle`` seconds untouched and shows each stop for
    ``attract_dwell`` seconds.
    """

    def slot(panel: int):
        def place(name: str):
            part = PARTS[f"{panel}:{name}"]
            value = first(part)
            if part.kind == FIGURE:
                return dcc.Graph(
                    id=part.id, figure=value, config=FIGURE_CONFIG, className=f"graph part-{name}"
                )
            element = html.Span if part.tag == "span" else html.Div
            return element(id=part.id, className=f"{part.class_name} part-{name}".strip(), children=value)

        return place

    one, two, three, four, five, six = (slot(n) for n in range(1, 7))
    overview = panels.shell(
        1,
        [
            html.Div(
                className="clock-block",
                children=[
                    html.Div(id="wall-clock", className="clock", children="--:--:--"),
                    html.Div(id="wall-date", className="clock-date"),
                    one("weather"),
                    # The name and the credit beside the clock: the height below is the alerts'.
                    html.Div(
                        className="wall-id",
                        children=[
                            html.Div(one("wall-name"), className="wall-name"),
                            html.Div(
                                className="credit",
                                children=[
                                    one("source-credit"),
                                    html.Span(one("source-badge"), className="source-badge"),
                                ],
                            ),
                        ],
                    ),
                ],
            ),
            one("headlines"),
            one("alerts"),
            time_machine(one, history, first(PARTS["1:time-marks"])),
        ],
        one,
        extra_header=[html.Button(one("language"), id="lang-toggle", className="lang-toggle", n_clicks=0)],
    )
    air_map = panels.shell(2, [two("air-map"), two("air-legend")], two)
    ranking = panels.shell(
        3,
        [
            html.Div(
                className="split",
                children=[
                    html.Div([html.H3(three("ranking-title")), three("air-ranking")], className="split-left"),
                    html.Div([html.H3(three("trend-title")), three("air-trend")], className="split-right"),
                ],
            ),
        ],
        three,
    )
    traffic = panels.shell(
        4,
        [
            html.Div(
                className="split",
                children=[
                    html.Div([four("traffic-map")], className="split-map"),
                    html.Div(
                        className="split-side",
                        children=[
                            four("traffic-summary"),
                            html.H3(four("speed-today-title")),
                            four("traffic-trend"),
                            html.H3(four("district-speeds-title")),
                            four("traffic-districts"),
                        ],
                    ),
                ],
            ),
        ],
        four,
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
                            five("incident-map"),
                            # The title goes with its chart: under a banner, both give way together.
                            html.Div(
                                [html.H3(five("timeline-title")), five("incident-timeline")],
                                className="timeline-block",
                            ),
                        ],
                    ),
                    html.Div(
                        className="incident-side",
                        children=[
                            five("incident-list"),
                            html.H3(five("handling-title")),
                            five("handling-times"),
                        ],
                    ),
                ],
            ),
        ],
        five,
    )
    detail = panels.shell(
        6,
        # The QR code sits in the corner the district's columns leave it (assets/wall.css).
        [six("district-detail"), html.Div(six("qr"), className="qr-corner")],
        six,
        extra_header=[html.Button(six("city-view"), id="city-view", className="city-view", n_clicks=0)],
    )
    # Last, so the held tokens include every part placed above.
    stores = [
        *viewer_stores(tick_seconds, lang, held, selection),
        dcc.Store(id="tour", data=first(PARTS["1:tour"])),
        dcc.Store(id="attract", data={"active": False, "stop": -1}),
        dcc.Store(id="attract-config", data={"idle": attract_idle}),
        dcc.Store(id="control", data=None),
        dcc.Store(id="when", data=None),  # None: live; else the past moment shown (epoch seconds)
        dcc.Interval(id="attract-tick", interval=int(attract_dwell * 1000), n_intervals=0),
    ]
    return html.Div(
        id="wall",
        className=first(PARTS["1:wall-class"]),
        lang=first(PARTS["1:wall-lang"]),
        style={"--bezel": f"{bezel}px"},
        # wall.js calls the connection lost after three ticks without an answer.
        **{"data-tick": str(int(tick_seconds * 1000))},
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
                    html.Div(one("attract-hint"), id="attract-hint", className="attract-hint"),
                    html.Div(id="url-notice", className="url-notice"),
                ],
            ),
        ],
    )


def viewer_stores(tick_seconds: float, lang: str, held: dict[str, str], selection: str | None = None) -> list:
    """What every page that syncs holds (the wall's, the phone view's): who is looking at what, the
    tokens of what it was sent, its address and its tick."""
    return [
        dcc.Store(id="lang", data=lang),
        dcc.Store(id="selection", data=selection),
        dcc.Store(id="held", data=held),
        # The sync's own interval: no timer, the gate counts the syncs asked, one out at a time
        # (callbacks/sync.py); to a load driver a sync is an interval tick, as before the gate.
        dcc.Interval(id="ask", n_intervals=0, disabled=True),
        dcc.Store(id="codes", data=[d.code for d in DISTRICTS]),
        dcc.Location(id="url", refresh=False),
        dcc.Interval(id="tick", interval=int(tick_seconds * 1000), n_intervals=0),
    ]


def time_machine(slot, enabled: bool, marks: dict) -> html.Div:
    """Look at the wall as it was up to 24 hours ago, and one clear way back to live. ``marks`` is
    the slider's labels in the first language (a part: they follow the language)."""
    if not enabled:
        return html.Div(
            id="time-machine",
            className="time-machine off",
            children=[
                dcc.Slider(id="when-slider", min=-1440, max=0, step=10, value=0, disabled=True, marks=marks),
                html.Button(slot("back-to-live"), id="back-to-live", n_clicks=0, className="back-to-live"),
            ],
        )
    return html.Div(
        id="time-machine",
        className="time-machine",
        children=[
            html.Span(slot("time-machine-label"), className="time-machine-label"),
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
            html.Button(slot("back-to-live"), id="back-to-live", n_clicks=0, className="back-to-live"),
        ],
    )
