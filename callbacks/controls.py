"""Who is looking at what: the selected district and the language."""

from __future__ import annotations

from urllib.parse import parse_qs

from dash import Input, Output, State, ctx, no_update

from feeds.districts import BY_CODE
from layouts.figures import district_at
from layouts.i18n import LANGUAGES, language

MAPS = ("air-map", "traffic-map", "incident-map", "air-ranking", "traffic-districts")


def register(wall) -> None:
    app = wall.app

    @app.callback(
        Output("selection", "data"),
        [Input(graph, "clickData") for graph in MAPS],
        Input("city-view", "n_clicks"),
        Input("url", "search"),
        State("selection", "data"),
    )
    def select(*args):
        current = args[-1]
        trigger = ctx.triggered_id
        if trigger == "city-view":
            return None
        if trigger == "url":
            wanted = _query(args[-2]).get("district")
            return wanted if wanted in BY_CODE else no_update
        if trigger in MAPS:
            code = district_at(args[MAPS.index(trigger)])
            if code is None:
                return no_update
            return None if code == current else code  # touching the selected district again: city view
        return no_update

    @app.callback(
        Output("lang", "data"),
        Input("url", "search"),
        Input("lang-toggle", "n_clicks"),
        State("lang", "data"),
    )
    def choose_language(search, _clicks, current):
        if ctx.triggered_id == "lang-toggle":
            return "en" if language(current) == "ko" else "ko"
        wanted = _query(search).get("lang")
        return wanted if wanted in LANGUAGES and wanted != current else no_update


def _query(search: str | None) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs((search or "").lstrip("?")).items()}
