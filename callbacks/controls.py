"""Who is looking at what: the selected district, the language, the moment; all but the moment in
the browser, so a touch or a language switch costs one request (the sync that follows)."""

from __future__ import annotations

from urllib.parse import parse_qs

from dash import ALL, Input, Output, State, ctx, html, no_update

from feeds.districts import BY_CODE
from layouts.i18n import LANGUAGES, language, t
from layouts.spec import FIGURE

# Maps draw the 25 districts first, in the table's order, so a click's curve number names one.
MAPS = ("air-map", "traffic-map", "incident-map")
NOTICE_CHARS = 40  # an address value longer than this is shown cut: anyone can write any address

SELECT = """
function (clicks, cityClicks, search, current, attract, codes) {
    const none = window.dash_clientside.no_update;
    const triggered = (window.dash_clientside.callback_context.triggered || [])
        .map(function (t) { return t.prop_id; }).filter(function (p) { return p && p !== "."; });
    const from = triggered.length ? triggered[0] : "url.search";
    if (from.startsWith("city-view.")) { return null; }
    if (from.startsWith("url.")) {
        const wanted = new URLSearchParams(search || "").get("district");
        return codes.indexOf(wanted) >= 0 ? wanted : none;
    }
    const id = JSON.parse(from.slice(0, from.lastIndexOf(".")));
    const index = window.dash_clientside.callback_context.inputs_list[0].findIndex(function (i) {
        return i.id.panel === id.panel && i.id.part === id.part;
    });
    const click = clicks[index];
    const point = click && click.points && click.points[0];
    if (!point) { return none; }
    let code = Array.isArray(point.customdata) ? point.customdata[0] : point.customdata;
    if (codes.indexOf(code) < 0) {
        const curve = point.curveNumber;
        code = MAPS.indexOf(id.part) >= 0 && curve >= 0 && curve < codes.length ? codes[curve] : null;
    }
    if (!code) { return none; }
    const touring = !!(attract && attract.active);
    // Touching the selected district again returns to the city view, unless the attract loop
    // chose it: then the touch takes it over.
    return code === current && !touring ? null : code;
}
""".replace("MAPS", str(list(MAPS)))

LANGUAGE = """
function (search, clicks, current) {
    const triggered = (window.dash_clientside.callback_context.triggered || [])
        .map(function (t) { return t.prop_id; });
    if (triggered.indexOf("lang-toggle.n_clicks") >= 0) { return current === "en" ? "ko" : "en"; }
    const wanted = new URLSearchParams(search || "").get("lang");
    return (wanted === "ko" || wanted === "en") && wanted !== current
        ? wanted : window.dash_clientside.no_update;
}
"""

# The presenter's remote moved: every wall browser follows it.
FOLLOW = """
function (control) {
    const none = window.dash_clientside.no_update;
    if (!control) { return [none, none]; }
    const lang = control.lang === "ko" || control.lang === "en" ? control.lang : none;
    return [control.selection === undefined ? null : control.selection, lang];
}
"""

# The attract loop runs in the browser: after the configured idle time it steps through the
# tour (built on the server from the frames) and hands control back at the first touch. A stop
# is left only once the district panel has drawn it (or after ATTRACT_WAITS dwells more): on a
# slow network a tour that moved on regardless would supersede every answer and show no stop.
ATTRACT_WAITS = 3
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
    const at = attract && attract.active ? attract.stop : -1;
    const waited = (attract && attract.waited) || 0;
    const drawn = document.querySelector(".part-district-detail [data-code]");
    if (at >= 0 && drawn && waited < WAITS
            && drawn.dataset.code !== tour[at % tour.length].district_code) {
        return [none, {active: true, stop: at, waited: waited + 1}, none];
    }
    const stop = (at + 1) % tour.length;
    return [tour[stop].district_code, {active: true, stop: stop, waited: 0}, "attract-hint visible"];
}
""".replace("WAITS", str(ATTRACT_WAITS))


def register(wall) -> None:
    app = wall.app

    app.clientside_callback(
        SELECT,
        Output("selection", "data"),
        Input({"kind": FIGURE, "panel": ALL, "part": ALL}, "clickData"),
        Input("city-view", "n_clicks"),
        Input("url", "search"),
        State("selection", "data"),
        State("attract", "data"),
        State("codes", "data"),
    )
    app.clientside_callback(
        LANGUAGE,
        Output("lang", "data"),
        Input("url", "search"),
        Input("lang-toggle", "n_clicks"),
        State("lang", "data"),
    )
    app.clientside_callback(
        FOLLOW,
        Output("selection", "data", allow_duplicate=True),
        Output("lang", "data", allow_duplicate=True),
        Input("control", "data"),
        prevent_initial_call=True,
    )
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
        Output("when", "data"),
        Output("when-slider", "value"),
        Input("when-slider", "value"),
        Input("back-to-live", "n_clicks"),
        prevent_initial_call=True,
    )
    def travel(minutes_back, _clicks):
        """The time machine: a slider up to 24 hours back, and one button back to live."""
        if ctx.triggered_id == "back-to-live" or not isinstance(minutes_back, (int, float)):
            return None, 0
        when = wall.read.moment(max(-1440.0, min(0.0, float(minutes_back))))
        return when, no_update if when is not None else 0

    address_notice(app)


def address_notice(app) -> None:
    """A bad address parameter is said on the page (the wall's, the phone view's), not silently ignored."""

    @app.callback(
        Output("url-notice", "children"),
        Input("url", "pathname"),
        Input("url", "search"),
        Input("lang", "data"),
    )
    def notice(pathname, search, lang):
        lang = language(lang)
        return [html.Div(t(key, lang, value=value)) for key, value in url_problems(pathname, search)]


def url_problems(pathname: str | None, search: str | None) -> list[tuple[str, str]]:
    """What in the address the wall could not use: (text key, the value cut to NOTICE_CHARS), for a notice."""
    problems = []
    query = _query(search)
    if "district" in query and query["district"] not in BY_CODE:
        problems.append(("bad_district", query["district"]))
    if "lang" in query and query["lang"] not in LANGUAGES:
        problems.append(("bad_lang", query["lang"]))
    path = (pathname or "/").rstrip("/")
    if path.startswith("/panel") and path not in {f"/panel/{n}" for n in range(1, 7)}:
        problems.append(("bad_panel", pathname))
    return [(key, _cut(value)) for key, value in problems]


def _cut(value: str) -> str:
    return value if len(value) <= NOTICE_CHARS else value[: NOTICE_CHARS - 1] + "…"


def _query(search: str | None) -> dict[str, str]:
    return {key: values[-1] for key, values in parse_qs((search or "").lstrip("?")).items()}
