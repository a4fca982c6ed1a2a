"""Plotly figures for the wall: three maps of the 25 districts and the charts beside them.

Maps are drawn on plain axes from the district boundaries (no tile server, no CDN, no
topojson download), so they work on an exhibit floor with no network.

Geometry reaches a browser once: a trace whose ``uid`` starts with ``geo-`` keeps its x, y and
customdata for as long as its uid is unchanged (the uid names the shape it draws), and a new
frame only moves its colours, widths and texts (layouts/patches.py). Such traces set the same
keys in every state, so assigning them turns any earlier state into the new one.
"""

from __future__ import annotations

import hashlib
import math
from functools import cache

import pandas as pd
import plotly.io as pio

from feeds.air import GRADES
from feeds.districts import BY_CODE, DISTRICTS, boundaries
from layouts import summary, theme
from layouts.i18n import air_word, district_name, grade_name, t

# Panel 3's charts leave room for a banner above them (the past, or one alarm), so neither pushes
# their last row off the panel.
RANKING_HEIGHT = 780
# One degree of longitude is cos(latitude) degrees of latitude long at Seoul.
ASPECT = 1 / math.cos(math.radians(37.55))
# No plotly template: the wall styles every figure itself, and a template is 7 kB sent with each.
pio.templates.default = "none"
# Figures are plain JSON by the time Dash serialises them: the standard encoder is twice as fast
# on such values as plotly's orjson path, which walks every value in Python first.
pio.json.config.default_engine = "json"
FIGURE_CONFIG = {"displayModeBar": False, "scrollZoom": False, "doubleClick": False, "responsive": False}
# Plotly reads every text it draws (text, hovertext, trace names in legends, tick labels,
# annotations, titles) as its own markup: <br>, <b>, <span style=...>, <a href=...> and entities.
MARKUP = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def escaped(value: object) -> str:
    """Text from data (an upstream name or word, a district's name) as Plotly shows it literally.

    Every text a figure takes from data goes through here; the wall's own markup (<b>, <br>) is
    added around what it returns.
    """
    return str(value).translate(MARKUP)


@cache
def _outline(code: str) -> tuple[tuple[float | None, ...], tuple[float | None, ...]]:
    xs: list[float | None] = []
    ys: list[float | None] = []
    for ring in boundaries()[code]:
        xs.extend(x for x, _ in ring)
        ys.extend(y for _, y in ring)
        xs.append(None)
        ys.append(None)
    return tuple(xs), tuple(ys)


class _Chart:
    """A figure as plain dicts, with the few plotly helpers the charts use and no validation: a
    chart is built for every frame and every touch, and plotly's checks would cost most of it."""

    def __init__(self) -> None:
        self.data: list[dict] = []
        self.layout: dict = {}

    def add_trace(self, trace: dict) -> None:
        self.data.append(trace)

    def update_layout(self, **values) -> None:
        _merge(self.layout, values)

    def update_xaxes(self, **values) -> None:
        _merge(self.layout.setdefault("xaxis", {}), values)

    def update_yaxes(self, **values) -> None:
        _merge(self.layout.setdefault("yaxis", {}), values)

    def add_annotation(self, **values) -> None:
        self.layout.setdefault("annotations", []).append(values)

    def to_plotly_json(self) -> dict:
        return {"data": self.data, "layout": self.layout}


def _merge(into: dict, values: dict) -> None:
    for key, value in values.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value


def _base(height: int, width: int) -> dict:
    """A map figure as plain JSON: maps are built often (every frame, every touch) and plotly's
    validation of 150 traces would cost more than the rest of the build."""
    west, east, south, north = _bounds()
    return {
        "data": [],
        "layout": {
            "width": width,
            "height": height,
            "margin": {"l": 0, "r": 0, "t": 0, "b": 0},
            "paper_bgcolor": "rgba(0,0,0,0)",
            "plot_bgcolor": "rgba(0,0,0,0)",
            "font": {"family": theme.FONT, "color": theme.TEXT, "size": 24},
            "showlegend": False,
            "dragmode": False,
            "hovermode": "closest",
            # The districts' extent, not plotly's autorange (which pads for markers): label
            # placement (placed_labels) knows where every district is drawn.
            "xaxis": {"visible": False, "fixedrange": True, "range": [west, east]},
            "yaxis": {
                "visible": False,
                "fixedrange": True,
                "scaleanchor": "x",
                "scaleratio": ASPECT,
                "range": [south, north],
            },
            "uirevision": "map",
        },
    }


def _districts(figure: dict, fills: dict[str, str], selected: str | None, outline: str = theme.LINE) -> None:
    """One filled trace per district, in DISTRICTS order (curve n is DISTRICTS[n]).

    A touch on the wall selects; there is no hover label (it would resend texts with every frame).
    """
    for district in DISTRICTS:
        xs, ys = _outline(district.code)
        chosen = district.code == selected
        figure["data"].append(
            {
                "type": "scatter",
                "x": xs,
                "y": ys,
                "uid": f"geo-district-{district.code}",
                "mode": "lines",
                "fill": "toself",
                "hoveron": "fills",
                "hoverinfo": "none",
                "fillcolor": fills.get(district.code, theme.NO_DATA),
                "line": {"color": theme.SELECTED if chosen else outline, "width": 7 if chosen else 1.5},
            }
        )


def air_map(
    air: pd.DataFrame | None, selected: str | None, lang: str, width: int = 1840, height: int = 850
) -> dict:
    """Districts coloured by CAI grade, labelled with name and grade (or the station's word, grey,
    when it is not reporting)."""
    figure = _base(height, width)
    rows = {} if air is None or air.empty else {r.district_code: r for r in air.itertuples()}
    fills, labels, worst_first = {}, {}, []
    for district in DISTRICTS:
        shown = summary.reading(rows.get(district.code))
        grade = shown.grade if shown is not None else None
        fills[district.code] = theme.GRADE_COLORS.get(grade, theme.NO_DATA)
        name, word = escaped(map_name(district.code, lang)), escaped(air_word(shown, lang, short=True))
        labels[district.code] = [f"<b>{name}</b>", word]
        # Named first: a grey district (it says why), then the worst air.
        cai = shown.cai if shown is not None and shown.cai == shown.cai else math.inf
        worst_first.append((-cai, district.code))
    _districts(figure, fills, selected, outline="#0b1220")
    order = [code for _, code in sorted(worst_first)]
    figure["data"].append(_labels(labels, _priority(selected, order), width, height))
    return figure


def map_name(code: str, lang: str) -> str:
    """A district's name where room is short (map labels, bar ticks): English drops "-gu"."""
    name = district_name(code, lang)
    return name.removesuffix("-gu") if lang == "en" else name


def _priority(selected: str | None, ranked: list[str]) -> list[str]:
    """Which labels a map places first: the selected district, then ``ranked`` (the worst
    first), then every other district in the table's order."""
    first = [selected] if selected else []
    # A code from data that names no district (an incident placed nowhere) has no label.
    return [c for c in dict.fromkeys([*first, *ranked, *(d.code for d in DISTRICTS)]) if c in BY_CODE]


@cache
def _bounds() -> tuple[float, float, float, float]:
    """The districts' extent: (west, east, south, north) in degrees."""
    points = [point for rings in boundaries().values() for ring in rings for point in ring]
    lons, lats = [x for x, _ in points], [y for _, y in points]
    return min(lons), max(lons), min(lats), max(lats)


def _text_width(text: str, size: float) -> float:
    """About how wide ``text`` is drawn at ``size`` px (Hangul square, Latin narrower; bold)."""
    plain = text.replace("<b>", "").replace("</b>", "").replace("&amp;", "&").replace("&lt;", "<")
    return sum(size * (0.95 if "\uac00" <= char <= "\ud7a3" else 0.6) for char in plain)


def placed_labels(
    labels: dict[str, list[str]], order: list[str], width: int, height: int, size: int = theme.SMALLEST
) -> dict[str, bool]:
    """Which districts' labels fit on a map of ``width`` x ``height`` px without touching another:
    placed in ``order``, a label that would overlap one already placed (or leave the map) is left
    out. Texts are never made smaller to fit."""
    west, east, south, north = _bounds()
    scale = min(width / (east - west), height / ((north - south) * ASPECT))  # px per degree of lon
    left = (width - (east - west) * scale) / 2
    top = (height - (north - south) * ASPECT * scale) / 2
    taken: list[tuple[float, float, float, float]] = []
    placed = {}
    for code in order:
        district = BY_CODE[code]
        lines = labels[code]
        # Plotly spaces a text's lines 1.3 em apart: n lines are one em and n-1 such steps high.
        w = max(_text_width(line, size) for line in lines) + 2
        h = size * (1 + 1.3 * (len(lines) - 1))
        x = left + (district.lon - west) * scale
        y = top + (north - district.lat) * ASPECT * scale
        box = (x - w / 2, y - h / 2, x + w / 2, y + h / 2)
        fits = box[0] >= 0 and box[1] >= 0 and box[2] <= width and box[3] <= height
        clear = all(box[2] <= o[0] or o[2] <= box[0] or box[3] <= o[1] or o[3] <= box[1] for o in taken)
        # The first (the selected district, or what the map is most about) is always named.
        placed[code] = not taken or (fits and clear)
        if placed[code]:
            taken.append(box)
    return placed


def _labels(labels: dict[str, list[str]], order: list[str], width: int, height: int) -> dict:
    """The districts' labels (lines each) that fit, at the wall's smallest size or larger; a label
    that does not fit is empty, so the trace keeps one point per district (its geometry). White,
    on the dark halo assets/wall.css draws around map labels."""
    placed = placed_labels(labels, order, width, height)
    return {
        "type": "scatter",
        "x": [d.lon for d in DISTRICTS],
        "y": [d.lat for d in DISTRICTS],
        "uid": "geo-labels",
        "mode": "text",
        "text": ["<br>".join(labels[d.code]) if placed[d.code] else "" for d in DISTRICTS],
        "textfont": {
            "size": theme.SMALLEST,
            "color": theme.TEXT,
            "family": theme.FONT,
        },
        "customdata": [d.code for d in DISTRICTS],
        "hoverinfo": "none",
    }


def _dim_map(height: int, width: int, selected: str | None) -> dict:
    """Dark district shapes as the ground for roads and incident markers."""
    figure = _base(height, width)
    _districts(figure, dict.fromkeys((d.code for d in DISTRICTS), "#16213a"), selected, outline="#33425e")
    return figure


def _link_uid(link) -> str:
    """A road link's trace is known by its id and its shape: a new shape is new geometry."""
    shape = hashlib.blake2b(repr(link.path).encode(), digest_size=6).hexdigest()
    return f"geo-link-{link.link_id}-{shape}"


def traffic_map(
    traffic: pd.DataFrame | None,
    selected: str | None,
    lang: str,
    crowds: pd.DataFrame | None = None,
    width: int = 1180,
    height: int = 920,
) -> dict:
    """Road links coloured by congestion over dim district shapes: one trace per link, so a new
    frame moves only each link's colour and width; the places' crowds as rings over them."""
    figure = _dim_map(height, width, selected)
    if traffic is not None and not traffic.empty:
        for link in traffic.sort_values("link_id", kind="stable").itertuples():
            figure["data"].append(
                {
                    "type": "scatter",
                    "x": [x for x, _ in link.path],
                    "y": [y for _, y in link.path],
                    "uid": _link_uid(link),
                    "mode": "lines",
                    "hoverinfo": "none",
                    "customdata": [link.district_code] * len(link.path),
                    "line": {
                        "color": theme.CONGESTION_COLORS.get(link.congestion, theme.CONGESTION_COLORS[""]),
                        "dash": theme.CONGESTION_LINES.get(link.congestion, theme.CONGESTION_LINES[""])[0],
                        "width": theme.CONGESTION_LINES.get(link.congestion, theme.CONGESTION_LINES[""])[1],
                    },
                }
            )
    figure["data"].append(_crowd_rings(crowds))
    # The slowest districts are named first: what the map is about.
    speeds = summary.district_speeds(traffic).sort_values("speed_kmh")
    names = {d.code: [escaped(map_name(d.code, lang))] for d in DISTRICTS}
    figure["data"].append(_labels(names, _priority(selected, list(speeds["district_code"])), width, height))
    return figure


def _crowd_rings(crowds: pd.DataFrame | None) -> dict:
    """One trace of rings, one per place with a known spot, sized and coloured by its crowd."""
    placed = pd.DataFrame(columns=["lon", "lat", "level"])
    if crowds is not None and not crowds.empty:
        placed = crowds.dropna(subset=["lon", "lat"]).sort_values("hotspot_code", kind="stable")
    styles = [theme.CROWD_STYLE.get(level, theme.CROWD_STYLE["보통"]) for level in placed["level"]]
    return {
        "type": "scatter",
        "x": [float(v) for v in placed["lon"]],
        "y": [float(v) for v in placed["lat"]],
        "uid": "crowds",
        "mode": "markers",
        "hoverinfo": "none",
        "marker": {
            "symbol": "circle-open",
            "size": [size for _, size in styles],
            "color": [color for color, _ in styles],
            "line": {"width": 5},
        },
    }


def incident_map(
    incidents: pd.DataFrame | None, selected: str | None, lang: str, width: int = 960, height: int = 520
) -> dict:
    """Open incidents as one trace of markers, coloured and shaped by type, over the districts."""
    figure = _dim_map(height, width, selected)
    placed = pd.DataFrame(columns=["lon", "lat", "type_code", "severe", "district_code"])
    if incidents is not None and not incidents.empty:
        placed = incidents.dropna(subset=["lon", "lat"])
    # Districts with a severe incident are named first, then those with the most.
    busiest = (
        placed.groupby("district_code")
        .agg(severe=("severe", "sum"), count=("severe", "size"))
        .sort_values(["severe", "count"], ascending=False)
        .index
    )
    names = {d.code: [escaped(map_name(d.code, lang))] for d in DISTRICTS}
    figure["data"].append(_labels(names, _priority(selected, [str(c) for c in busiest]), width, height))
    styles = [theme.incident_style(code) for code in placed["type_code"]]
    figure["data"].append(
        {
            "type": "scatter",
            "x": [float(v) for v in placed["lon"]],
            "y": [float(v) for v in placed["lat"]],
            "uid": "incidents",
            "mode": "markers",
            "marker": {
                "size": [40 if severe else 30 for severe in placed["severe"]],
                "color": [color for color, _ in styles],
                "symbol": [symbol for _, symbol in styles],
                "line": {"color": "#0b1220", "width": 2},
            },
            "customdata": [str(code) for code in placed["district_code"]],
            "hoverinfo": "none",
        }
    )
    return figure


def air_ranking(
    air: pd.DataFrame | None, selected: str | None, lang: str, width: int = 900, height: int = RANKING_HEIGHT
) -> dict:
    """The 25 districts by CAI, worst on top, coloured by grade; a district without a CAI (a
    station under maintenance, a partial set) has no bar and says why, below the ranked ones."""
    figure = _Chart()
    _chart_layout(figure, width, height)
    if air is not None and not air.empty:
        shown = [summary.reading(row) for row in air.itertuples()]
        cai = pd.Series([r.cai for r in shown], index=air.index)
        ranked = air.assign(shown=shown, ranked_cai=cai).sort_values(
            ["ranked_cai", "district_code"], ascending=True, na_position="first"
        )
        names = [escaped(map_name(c, lang)) for c in ranked["district_code"]]
        colors = [theme.GRADE_COLORS.get(r.grade, theme.NO_DATA) for r in ranked["shown"]]
        figure.add_trace(
            dict(
                type="bar",
                x=ranked["ranked_cai"].fillna(0),
                y=names,
                orientation="h",
                marker=dict(
                    color=colors,
                    line=dict(
                        color=[
                            theme.SELECTED if c == selected else "rgba(0,0,0,0)"
                            for c in ranked["district_code"]
                        ],
                        width=4,
                    ),
                ),
                text=[
                    escaped(f"{r.cai:.0f} {grade_name(r.grade, lang)}" if r.grade else air_word(r, lang))
                    for r in ranked["shown"]
                ],
                textposition="outside",
                textfont=dict(size=theme.SMALLEST),
                customdata=ranked["district_code"],
                hoverinfo="skip",
                cliponaxis=False,
            )
        )
        top = ranked["ranked_cai"].max()
        figure.update_xaxes(range=[0, max(120.0, float(top) * 1.35 if top == top else 0.0)])
    if air is None or air.empty:
        return _no_data(figure, lang)
    figure.update_layout(margin=dict(l=_tick_room(names), r=20, t=10, b=40), bargap=0.25)
    figure.update_yaxes(tickfont=dict(size=theme.SMALLEST), showgrid=False)
    return figure.to_plotly_json()


def air_trend(
    district: pd.DataFrame,
    city: pd.DataFrame,
    name: str,
    lang: str,
    width: int = 900,
    height: int = RANKING_HEIGHT,
) -> dict:
    """PM2.5 of the selected district against the city average, with the grade bands behind."""
    figure = _Chart()
    _chart_layout(figure, width, height)
    if city.empty:
        return _no_data(figure, lang)
    # The grade bands behind, as layout shapes (add_hrect costs several ms a band).
    bands = zip(GRADES, ((0, 15), (15, 35), (35, 75), (75, 150)), strict=False)
    figure.layout["shapes"] = [
        {
            "type": "rect",
            "xref": "paper",
            "x0": 0,
            "x1": 1,
            "yref": "y",
            "y0": low,
            "y1": high,
            "fillcolor": theme.GRADE_COLORS[grade],
            "opacity": 0.10,
            "line": {"width": 0},
            "layer": "below",
        }
        for grade, (low, high) in bands
    ]
    figure.add_trace(
        dict(
            type="scatter",
            x=city["measured_at"],
            y=city["pm25"],
            mode="lines+markers",
            name=t("city_average", lang),
            line=dict(color=theme.MUTED, width=4, dash="dot"),
            marker=dict(size=8),
        )
    )
    if not district.empty:
        figure.add_trace(
            dict(
                type="scatter",
                x=district["measured_at"],
                y=district["pm25"],
                mode="lines+markers",
                name=escaped(name),
                line=dict(color="#ffffff", width=6),
                marker=dict(size=12),
            )
        )
    top = max([40.0, *city["pm25"].dropna().tolist(), *district["pm25"].dropna().tolist()])
    figure.update_yaxes(range=[0, top * 1.15])
    figure.update_xaxes(tickformat="%H:%M", nticks=8)
    figure.update_layout(
        showlegend=True,
        legend=dict(orientation="h", y=1.08, x=0, font=dict(size=theme.SMALLEST)),
        margin=dict(l=70, r=20, t=70, b=50),
    )
    return figure.to_plotly_json()


def district_speed_bars(
    speeds: pd.DataFrame, selected: str | None, lang: str, width: int = 650, height: int = 300
) -> dict:
    """Average speed per district with monitored roads, slowest on top: as many as have a line of
    their own at the wall's smallest text (the slowest, and the selected one), never every other."""
    figure = _Chart()
    _chart_layout(figure, width, height)
    margin = dict(l=150, r=50, t=10, b=40)
    if not speeds.empty:
        room = max(1, int((height - margin["t"] - margin["b"]) // (theme.SMALLEST * 1.35)))
        slowest = speeds.sort_values("speed_kmh")
        shown = slowest.head(room)
        if selected in set(slowest["district_code"]) and selected not in set(shown["district_code"]):
            shown = pd.concat([shown.head(room - 1), slowest[slowest["district_code"] == selected]])
        ordered = shown.sort_values("speed_kmh", ascending=False)
        names = [escaped(map_name(c, lang)) for c in ordered["district_code"]]
        margin["l"] = _tick_room(names)
        figure.add_trace(
            dict(
                type="bar",
                x=ordered["speed_kmh"],
                y=names,
                orientation="h",
                text=[f"{v:.0f}" for v in ordered["speed_kmh"]],
                textposition="outside",
                textfont=dict(size=theme.SMALLEST),
                marker=dict(
                    color=[theme.speed_color(v) for v in ordered["speed_kmh"]],
                    line=dict(
                        color=[
                            theme.SELECTED if c == selected else "rgba(0,0,0,0)"
                            for c in ordered["district_code"]
                        ],
                        width=4,
                    ),
                ),
                customdata=ordered["district_code"],
                hoverinfo="skip",
                cliponaxis=False,
            )
        )
        figure.update_xaxes(range=[0, max(60.0, float(ordered["speed_kmh"].max()) * 1.2)])
    if speeds.empty:
        return _no_data(figure, lang)
    figure.update_layout(margin=margin, bargap=0.2)
    figure.update_yaxes(tickfont=dict(size=theme.SMALLEST), showgrid=False)
    return figure.to_plotly_json()


def _tick_room(names: list[str]) -> int:
    """The left margin that holds the longest of ``names`` as a tick label, whole."""
    return math.ceil(max((_text_width(name, theme.SMALLEST) for name in names), default=0) + 24)


def _chart_layout(figure: _Chart, width: int, height: int) -> None:
    figure.update_layout(
        width=width,
        height=height,
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="rgba(0,0,0,0)",
        font=dict(family=theme.FONT, color=theme.TEXT, size=theme.SMALLEST),
        showlegend=False,
        dragmode=False,
        hovermode=False,
    )
    # Ticks stand off their axes: the first of each axis would otherwise meet in the corner.
    ticks = dict(gridcolor=theme.LINE, zeroline=False, fixedrange=True, ticklabelstandoff=8)
    figure.update_xaxes(**ticks, tickfont=dict(size=theme.SMALLEST))
    figure.update_yaxes(**ticks)


def _no_data(figure: _Chart, lang: str) -> dict:
    """An empty chart says so, instead of showing bare axes."""
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    figure.update_layout(shapes=[])
    figure.add_annotation(
        text=t("no_data", lang),
        x=0.5,
        y=0.5,
        xref="paper",
        yref="paper",
        showarrow=False,
        font=dict(size=36, color=theme.MUTED),
    )
    return figure.to_plotly_json()


def traffic_trend(
    today: pd.DataFrame, earlier: pd.DataFrame, days: int, lang: str, width: int = 650, height: int = 230
) -> dict:
    """City speed by hour today against the same hours of earlier days."""
    figure = _Chart()
    _chart_layout(figure, width, height)
    if today.empty and earlier.empty:
        return _no_data(figure, lang)
    if not earlier.empty:
        figure.add_trace(
            dict(
                type="scatter",
                x=earlier["hour"],
                y=earlier["speed_kmh"],
                mode="lines",
                name=t("earlier_days", lang, n=days),
                line=dict(color=theme.MUTED, width=4, dash="dot"),
            )
        )
    if not today.empty:
        figure.add_trace(
            dict(
                type="scatter",
                x=today["hour"],
                y=today["speed_kmh"],
                mode="lines+markers",
                name=t("today", lang),
                line=dict(color="#ffffff", width=5),
                marker=dict(size=9),
            )
        )
    figure.update_xaxes(
        range=[-0.5, 23.5], tickvals=[0, 6, 12, 18, 23], ticktext=["0", "6", "12", "18", "23"]
    )
    figure.update_yaxes(rangemode="tozero")
    figure.update_layout(
        showlegend=True,
        legend=dict(orientation="h", y=1.2, x=0, font=dict(size=theme.SMALLEST)),
        margin=dict(l=60, r=10, t=40, b=40),
    )
    return figure.to_plotly_json()


def incident_timeline(
    timeline: pd.DataFrame, until: pd.Timestamp, lang: str, width: int = 960, height: int = 300
) -> dict:
    """Incidents opened per hour by type (bars) and cleared per hour (line), the last 24 hours."""
    figure = _Chart()
    _chart_layout(figure, width, height)
    if timeline.empty:
        return _no_data(figure, lang)
    for type_code, group in timeline.groupby("type_code", sort=True):
        color, _ = theme.incident_style(type_code)
        name = escaped(group["type_en" if lang == "en" else "type"].iloc[0])
        figure.add_trace(
            dict(type="bar", x=group["hour"], y=group["opened"], name=name, marker=dict(color=color))
        )
    cleared = timeline.groupby("hour", as_index=False)["cleared"].sum()
    figure.add_trace(
        dict(
            type="scatter",
            x=cleared["hour"],
            y=cleared["cleared"],
            mode="lines+markers",
            name=t("cleared", lang),
            line=dict(color="#ffffff", width=3),
        )
    )
    figure.update_xaxes(range=[until - pd.Timedelta(hours=24), until], tickformat="%H:%M", nticks=7)
    figure.update_layout(
        barmode="stack",
        showlegend=True,
        bargap=0.15,
        legend=dict(orientation="h", y=1.25, x=0, font=dict(size=theme.SMALLEST)),
        margin=dict(l=50, r=10, t=50, b=36),
    )
    return figure.to_plotly_json()
