"""Who is looking at what: the selected district and the language."""

from __future__ import annotations

from urllib.parse import parse_qs

from dash import Input, Output, State, ctx, html, no_update

from feeds.districts import BY_CODE
from layouts.figures import district_at
from layouts.i18n import LANGUAGES, language, t

MAPS = ("air-map", "traffic-map", "incident-map", "air-ranking", "traffic-districts")


# The attract loop runs in the browser: after the configured idle time it steps through the
# tour (built on the server from the frames) and hands control back at the first touch.
ATTRACT_STEP = """
function (n, tour, attract, config, control) {
    const none = window.dash_clientside.no_update;
    const mode = (control && control.attract) || "auto";
    const idle = window.wallIdleSeconds ? window.wallIdleSeconds() : 0;
    const wanted = mode === "on" || (mode === "auto" && idle >= config.idle);
    if (!wanted || !tour || !tour.length) {
        return attract && attract.active
            ? [none, {active: false, stop: -1}, "attract-hint"] : [none, none, none];
    }
    const stop = ((attract && attract.active ? attract.stop : -1) + 1) % tour.length;
    return [tour[stop].district_code, {active: true, stop: stop}, "attract-hint visible"];
}
"""


def register(wall) -> None:
    app = wall.app

    @app.callback(
        Output("selection", "data"),
        [Input(graph, "clickData") for graph in MAPS],
        Input("city-view", "n_clicks"),
        Input("url", "search"),
        State("selection", "data"),
        State("attract", "data"),
    )
    def select(*args):
        current, attract = args[-2], args[-1]
        trigger = ctx.triggered_id
        if trigger == "city-view":
            return None
        if trigger == "url":
            wanted = _query(args[-3]).get("district")
            return wanted if wanted in BY_CODE else no_update
        if trigger in MAPS:
            code = district_at(args[MAPS.index(trigger)])
            if code is None:
                return no_update
            touring = bool(attract and attract.get("active"))
            # Touching the selected district again returns to the city view, unless the attract
            # loop chose it: then the touch takes it over.
            return None if code == current and not touring else code
        return no_update

    @app.callback(
        Output("selection", "data", allow_duplicate=True),
        Output("lang", "data", allow_duplicate=True),
        Input("control", "data"),
        prevent_initial_call=True,
    )
    def follow_remote(control):
        """The presenter's remote moved: every wall browser follows it."""
        if not control:
            return no_update, no_update
        lang = control.get("lang")
        return control.get("selection"), lang if lang in LANGUAGES else no_update

    app.clientside_callback(
        ATTRACT_STEP,
        Output("selection", "data", allow_duplicate=True),
        Output("attract", "data"),
        Output("attract-hint", "className"),
        Input("attract-tick", "n_intervals"),
        State("tour", "data"),
        State("attract", "data"),
        State("attract-config", "data"),
        State("control", "data"),
        prevent_initial_call=True,
    )

    @app.callback(
        Output("url-notice", "children"),
        Input("url", "pathname"),
        Input("url", "search"),
        Input("lang", "data"),
    )
    def notice(pathname, search, lang):
        """A bad address parameter is said on the wall, not silently ignored."""
        lang = language(lang)
        return [html.Div(t(key, lang, value=value)) for key, value in url_problems(pathname, search)]

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


def url_problems(pathname: str | None, search: str | None) -> list[tuple[str, str]]:
    """What in the address the wall could not use: (text key, the value), for a notice."""
    problems = []
    query = _query(search)
    if "district" in query and query["district"] not in BY_CODE:
        problems.append(("bad_district", query["district"]))
    if "lang" in query and query["lang"] not in LANGUAGES:
        problems.append(("bad_lang", query["lang"]))
    path = (pathname or "/").rstrip("/")
    if path.startswith("/panel") and path not in {f"/panel/{n}" for n in range(1, 7)}:
        problems.append(("bad_panel", pathname))
    return problems


def _query(search: str | None) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs((search or "").lstrip("?")).items()}
