"""The six panels: their frames (header, status, body skeleton) and the parts filled from data."""

from __future__ import annotations

import math

import pandas as pd
from dash import html

from feeds import weather
from feeds.air import POLLUTANTS, UNITS, grade, graded, reporting
from feeds.incidents import STAGES, stage_flow
from feeds.traffic import mean_speed
from feeds.values import TIME_ZONE
from layouts import summary, theme
from layouts.i18n import (
    POLLUTANT_NAMES,
    air_word,
    congestion_name,
    crowd_name,
    district_name,
    grade_name,
    incident_name,
    precipitation_name,
    reason_text,
    t,
)


def shell(number: int, body: list, slot, extra_header: list | None = None) -> html.Section:
    """A 1920 x 1080 panel: title, its feeds' status and age, then the body. ``slot(name)`` places
    one of the panel's parts (layouts/spec.py) with its first build."""
    return html.Section(
        id=f"panel-{number}",
        className=f"panel panel-{number}",
        children=[
            html.Header(
                className="panel-header",
                children=[
                    html.H2(slot("title"), className="panel-title"),
                    *(extra_header or []),
                    slot("status"),
                ],
            ),
            slot("past"),
            slot("alarm"),
            html.Div(className="panel-body", children=body),
            connection_lost(),
        ],
    )


def connection_lost() -> html.Div:
    """The banner wall.js shows over a panel when the server stopped answering: in both
    languages (the wall's lang attribute picks one), its time filled in by wall.js."""
    return html.Div(
        className="lost-banner",
        role="alert",
        children=[
            html.Span(
                className=f"lost-{lang}",
                children=[t("connection_lost", lang), html.Span(className="lost-at")],
            )
            for lang in ("ko", "en")
        ],
    )


# Which panels an alarm takes over, besides the overview and the selected district.
ALARM_PANELS = {"incident": (1, 5, 6), "air": (1, 2, 3, 6)}


def alarm_banners(found: list[dict], lang: str) -> dict[int, list]:
    """Per panel, the banner of the alarms that concern it (empty when calm)."""
    banners: dict[int, list] = {n: [] for n in range(1, 7)}
    for alarm in found[:3]:
        place = district_name(alarm["district_code"], lang) or "—"
        if alarm["kind"] == "incident":
            title = f"{alarm['type_en'] if lang == 'en' else alarm['type']} · {place}"
            detail = html.Span(alarm["description"], className="upstream-text")
        else:
            title = t("grade_alert", lang, district=place, grade=grade_name("매우나쁨", lang))
            detail = _cai_and_pm25(alarm["cai"], alarm["pm25"])
        for number in ALARM_PANELS[alarm["kind"]]:
            banners[number].append(
                html.Div(
                    className=f"alarm alarm-{alarm['kind']}",
                    children=[
                        html.Span("⚠", className="alarm-icon"),
                        html.Strong(title),
                        html.Span(detail, className="alarm-detail"),
                    ],
                )
            )
    return banners


def status_line(metas: list[dict], lang: str) -> list:
    """Each feed's status dot, word and live age ("14:05 기준 · 3분 전", ticked by wall.js)."""
    if not metas:
        return [html.Span(className="status status-waiting", children=t("status_waiting", lang))]
    parts = []
    for meta in metas:
        status = feed_status(meta)
        label = t(f"status_{status}", lang)
        reason = reason_text(meta.get("error") or meta.get("stale_reason"), lang)
        parts.append(
            html.Span(
                className=f"status status-{status}",
                title=reason,
                children=[
                    html.Span(className="dot"),
                    html.Span(
                        f"{t('feed_' + meta['feed'], lang)} {label}" if len(metas) > 1 else label,
                        className="status-word",
                    ),
                    html.Span(
                        className="age",
                        **{
                            "data-measured": _num(meta.get("measured_at") or meta.get("source_now")),
                            "data-source-now": _num(meta.get("source_now")),
                            "data-fetched": _num(meta.get("fetched_at")),
                            "data-speed": _num(meta.get("speed")),
                            "data-lang": lang,
                        },
                    ),
                    html.Span(reason, className="status-reason") if reason and len(metas) == 1 else None,
                ],
            )
        )
    return parts


def feed_status(meta: dict) -> str:
    """ok, stale or error; waiting for a feed that has neither a frame nor an error yet."""
    return meta.get("status") if meta.get("version") or meta.get("error") else "waiting"


def _num(value: object) -> str:
    return "" if value is None else f"{float(value):.3f}"


def waiting(lang: str) -> html.Div:
    return html.Div(t("waiting_data", lang), className="waiting")


# Panel 1: Seoul at a glance -------------------------------------------------------------------


def headlines(
    air: pd.DataFrame | None,
    traffic: pd.DataFrame | None,
    incidents: pd.DataFrame | None,
    lang: str,
    not_live: frozenset[str] = frozenset(),
) -> list:
    """Panel 1's headline figures. A figure of a feed in ``not_live`` (stale or in error) is its
    last known value: greyed, and labelled so, never shown as if live."""
    worst = summary.worst_district(air)
    worst_air = summary.reading(summary.air_row(air, worst))
    speed = mean_speed(traffic)
    open_count = 0 if incidents is None else len(incidents)
    severe = 0 if incidents is None or incidents.empty else int(incidents["severe"].sum())
    tiles = [
        _tile(
            t("worst_air", lang),
            district_name(worst, lang) if worst else "—",
            f"{grade_name(worst_air.grade, lang)} · CAI {worst_air.cai:.0f}"
            if worst_air is not None
            else t("no_data", lang),
            theme.GRADE_COLORS.get(worst_air.grade if worst_air is not None else None, theme.NO_DATA),
            "tile-air",
        ),
        _tile(
            t("avg_speed", lang),
            f"{speed:.0f}" if speed == speed else "—",
            t("km_h", lang),
            theme.speed_color(speed),
            "tile-speed",
        ),
        _tile(
            t("open_incidents", lang),
            str(open_count) if incidents is not None else "—",
            t("severe_count", lang, n=severe) if severe else "",
            "#ff2d2d" if severe else theme.MUTED,
            "tile-incidents",
        ),
    ]
    measured = reporting(air)  # a station that is not reporting is in no average
    pm25 = float(measured["pm25"].mean()) if not measured.empty else math.nan
    pm25_grade = grade("pm25", pm25)
    jammed = 0 if traffic is None or traffic.empty else int((traffic["congestion"] == "정체").sum())
    closures = 0 if incidents is None or incidents.empty else int((incidents["closure"] != "").sum())
    minor = [
        _tile(
            t("city_pm25", lang),
            f"{pm25:.0f}" if pm25 == pm25 else "—",
            f"µg/m³ · {grade_name(pm25_grade, lang)}",
            theme.GRADE_COLORS.get(pm25_grade, theme.NO_DATA),
            "tile-small",
        ),
        _tile(
            t("jammed_links", lang),
            str(jammed) if traffic is not None else "—",
            t("of_links", lang, n=0 if traffic is None else len(traffic)),
            theme.CONGESTION_COLORS["정체"] if jammed else theme.MUTED,
            "tile-small",
        ),
        _tile(
            t("road_closures", lang),
            str(closures) if incidents is not None else "—",
            t("closures_detail", lang),
            theme.CONGESTION_COLORS["서행"] if closures else theme.MUTED,
            "tile-small",
        ),
    ]
    counts = summary.grade_counts(air)
    # Districts without a grade (점검중, CAI —) are a grey segment each of their own, not a grade.
    segments = [(grade_name(g, lang), n, theme.GRADE_COLORS[g]) for g, n in counts.items()]
    segments += [(word, n, theme.NO_DATA) for word, n in _ungraded(air, lang).items()]
    bar = (
        html.Div(
            className="grade-bar grade-bar-not-live" if "air" in not_live else "grade-bar",
            children=[
                html.Div(
                    className="grade-segment",
                    style={"flexGrow": n, "background": color, "display": "flex" if n else "none"},
                    children=f"{word} {n}",
                )
                for word, n, color in segments
            ],
        )
        if sum(counts.values())
        else None
    )
    for tile, feed in zip((*tiles, *minor), FEED_OF_TILE, strict=True):
        if feed in not_live:
            tile.className += " tile-not-live"
            tile.children[0].children = f"{tile.children[0].children} · {t('last_known', lang)}"
    return [html.Div(tiles, className="tiles"), html.Div(minor, className="tiles tiles-small"), bar]


FEED_OF_TILE = ("air", "traffic", "incidents", "air", "traffic", "incidents")  # headlines' order


def _ungraded(air: pd.DataFrame | None, lang: str, short: bool = False) -> dict[str, int]:
    """Districts in the frame without a grade, by what the wall says of them (점검중, CAI —)."""
    counts: dict[str, int] = {}
    if air is not None and not air.empty:
        for row in air.itertuples():
            shown = summary.reading(row)
            if shown.grade is None:
                word = air_word(shown, lang, short)
                counts[word] = counts.get(word, 0) + 1
    return counts


def _cai_and_pm25(cai: float, pm25: float) -> str:
    return f"CAI {cai:.0f} · PM2.5 " + ("—" if pm25 != pm25 else f"{pm25:.0f} µg/m³")


def time_marks(lang: str) -> dict[int, dict[str, str]]:
    """The time machine's slider labels, minutes back from live."""
    hours = {-1440: "-24h", -1080: "-18h", -720: "-12h", -360: "-6h"}
    return {**{minutes: {"label": label} for minutes, label in hours.items()}, 0: {"label": t("live", lang)}}


def _tile(label: str, value: str, detail: str, color: str, name: str) -> html.Div:
    return html.Div(
        className=f"tile {name}",
        style={"borderTopColor": color},
        children=[
            html.Div(label, className="tile-label"),
            html.Div(value, className="tile-value", style={"color": color}),
            html.Div(detail, className="tile-detail"),
        ],
    )


def alerts(air: pd.DataFrame | None, incidents: pd.DataFrame | None, metas: list[dict], lang: str) -> list:
    """What must push itself forward: severe incidents, bad air, feeds that are not live."""
    items = []
    if incidents is not None and not incidents.empty:
        for row in incidents[incidents["severe"]].itertuples():
            name = incident_name(row, lang)
            place = district_name(row.district_code, lang, row.district)
            items.append(
                ("alert-severe", f"{name} · {place}", html.Span(row.description, className="upstream-text"))
            )
    for row in graded(air).sort_values("cai", ascending=False).itertuples():
        cai_grade = grade("cai", row.cai)
        if cai_grade in ("나쁨", "매우나쁨"):
            level = "alert-severe" if cai_grade == "매우나쁨" else "alert-warning"
            items.append(
                (
                    level,
                    t(
                        "grade_alert",
                        lang,
                        district=district_name(row.district_code, lang),
                        grade=grade_name(cai_grade, lang),
                    ),
                    _cai_and_pm25(row.cai, row.pm25),
                )
            )
    failing = _feed_alerts([meta for meta in metas if feed_status(meta) in ("stale", "error")], lang)
    if not items and not failing:
        return [html.Div(t("no_alerts", lang), className="alert alert-none")]
    # Failing feeds come first, one full row each, and are never folded; the alerts share the
    # rows left (at least one), two to a row, and what does not fit is folded into "외 N건".
    room = 2 * max(1, ALERT_ROWS - len(failing))
    shown = (
        items
        if len(items) <= room
        else [*items[: room - 1], ("alert-more", t("more_alerts", lang, n=len(items) - room + 1), "")]
    )
    return failing + [
        html.Div(className=f"alert {level}", children=[html.Strong(title), html.Span(detail)])
        for level, title, detail in shown
    ]


ALERT_ROWS = 4  # rows of alerts panel 1 has room for (its strip, under the headline tiles)


def _feed_alerts(metas: list[dict], lang: str) -> list[html.Div]:
    """One row per failure: feeds failing the same way (one upstream call's feeds, when the call
    fails) share a row that names them all."""
    rows: dict[tuple[str, str], list[str]] = {}
    for meta in metas:
        said = (feed_status(meta), reason_text(meta.get("error") or meta.get("stale_reason"), lang))
        rows.setdefault(said, []).append(t("feed_" + meta["feed"], lang))
    return [
        html.Div(
            className=f"alert alert-feed alert-feed-{status}",
            title=reason,
            children=[
                html.Strong(
                    t("feed_failing", lang, feed=" · ".join(feeds), status=t(f"status_{status}", lang))
                ),
                html.Span(reason),
            ],
        )
        for (status, reason), feeds in rows.items()
    ]


# Panel 2: air map legend ----------------------------------------------------------------------


def air_legend(air: pd.DataFrame | None, lang: str) -> list:
    """The grades with their district counts, then grey: each reason a district has no grade
    (점검중 1개 구), or "no data" for districts missing from the frame."""
    counts = summary.grade_counts(air)
    chips = [
        html.Div(
            className="legend-chip",
            children=[
                html.Span(className="swatch", style={"background": theme.GRADE_COLORS[g]}),
                html.Span(f"{grade_name(g, lang)}", className="legend-name"),
                html.Span(t("districts_n", lang, n=n), className="legend-count"),
            ],
        )
        for g, n in counts.items()
    ]
    ungraded = _ungraded(air, lang, short=True)  # the words of the map's labels
    if not ungraded:
        ungraded = {t("no_data", lang): None}
    chips += [
        html.Div(
            className="legend-chip legend-ungraded",
            children=[
                html.Span(className="swatch", style={"background": theme.NO_DATA}),
                html.Span(word, className="legend-name"),
                html.Span(t("districts_n", lang, n=n), className="legend-count") if n else None,
            ],
        )
        for word, n in ungraded.items()
    ]
    return chips


# Panel 4: traffic summary ---------------------------------------------------------------------


def weather_now(frame: pd.DataFrame | None, live: bool, lang: str) -> list:
    """The city's weather beside the clock: temperature and precipitation, greyed when not live."""
    now = weather.city(frame)
    if now is None:
        return [html.Span(t("no_weather", lang), className="weather-none")]
    kind = precipitation_name(now.precipitation_type, lang)
    if now.precipitation_type != weather.NO_PRECIPITATION and now.precipitation_mm > 0:
        kind = t("weather_rain", lang, kind=kind, mm=f"{now.precipitation_mm:g}")
    said = t("weather_now", lang, temp=str(round(now.temp_c)), precipitation=kind)
    return [html.Span(said, className="weather-value" if live else "weather-value not-live")]


def traffic_summary(traffic: pd.DataFrame | None, lang: str, crowds: pd.DataFrame | None = None) -> list:
    if traffic is None or traffic.empty:
        return [waiting(lang)]
    speed = mean_speed(traffic)
    jammed = int((traffic["congestion"] == "정체").sum())
    legend = [
        html.Span(
            className="legend-chip",
            children=[
                # The map's line for this level: its colour, and its dash and width.
                html.Span(
                    className=f"line-swatch line-{theme.CONGESTION_LINES[level][2]}",
                    style={"borderColor": theme.CONGESTION_COLORS[level]},
                ),
                congestion_name(level, lang),
            ],
        )
        for level in ("원활", "서행", "정체")
    ]
    number = html.Span(f"{speed:.0f}", className="big-number", style={"color": theme.speed_color(speed)})
    speed_block = html.Div(
        [
            html.Div([number, html.Span(" km/h", className="big-unit")], className="speed-now"),
            html.Div(t("slow_roads", lang, n=jammed), className="speed-caption"),
        ]
    )
    # The crowd rings' legend beside the speed, where it takes no height from the charts below.
    head = [speed_block, crowd_legend(lang)] if crowds is not None and not crowds.empty else [speed_block]
    return [html.Div(head, className="traffic-head"), html.Div(legend, className="legend-row")]


def crowd_legend(lang: str) -> html.Div:
    """The map's rings, calm to crowded, each with its word."""
    return html.Div(
        className="legend-row crowd-legend",
        children=[
            html.Span(
                className="legend-chip",
                children=[_ring(level), crowd_name(level, lang)],
            )
            for level in theme.CROWD_STYLE
        ],
    )


def _ring(level: str) -> html.Span:
    color, size = theme.CROWD_STYLE[level]
    side = f"{round(size * 0.7)}px"
    return html.Span(className="ring-swatch", style={"borderColor": color, "width": side, "height": side})


# Panel 5: incident list -----------------------------------------------------------------------


def incident_list(
    incidents: pd.DataFrame | None, selected: str | None, lang: str, moment: float, limit: int | None = 5
) -> list:
    """The open incidents, their times judged against ``moment`` (now, or the past moment shown):
    a time of another day carries its date, an expected clearance already past says it is overdue.
    The wall has room for ``limit`` rows; a phone scrolls (None: every one)."""
    if incidents is None:
        return [waiting(lang)]
    if incidents.empty:
        return [html.Div(t("no_incidents", lang), className="waiting")]
    # Severe incidents first, then the selected district's, then the newest.
    ordered = incidents.assign(here=incidents["district_code"] == (selected or "")).sort_values(
        ["severe", "here", "occurred_at"], ascending=[False, False, False]
    )
    now = seoul_moment(moment)
    shown = ordered if limit is None else ordered.head(limit)
    return [_incident_row(row, selected, lang, now) for row in shown.itertuples()]


def incident_clock(incidents: pd.DataFrame | None, moment: float) -> tuple:
    """What of the clock the incident list shows for a frame: the day, and how many expected
    clearances are past. It moves only when a row's words would (part of the list's build key)."""
    now = seoul_moment(moment)
    if incidents is None or incidents.empty:
        return (now.date(),)
    clears = pd.to_datetime(incidents["expected_clear_at"])
    clears = clears.dt.tz_localize(TIME_ZONE) if clears.dt.tz is None else clears
    return now.date(), int((clears <= now).sum())


def incident_day(moment: float) -> tuple:
    """The day shown at ``moment``: what of the clock a part that dates other days' times shows."""
    return (seoul_moment(moment).date(),)


def seoul_moment(moment: float) -> pd.Timestamp:
    """Epoch seconds (the source's clock) as a time in Asia/Seoul."""
    return _seoul(pd.Timestamp(moment, unit="s"))


def _seoul(stamp: pd.Timestamp) -> pd.Timestamp:
    """A time on the source's clock, Asia/Seoul (naive times are taken as UTC, as epoch seconds are)."""
    return (stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp).tz_convert(TIME_ZONE)


def _clock_text(stamp: pd.Timestamp, now: pd.Timestamp) -> str:
    """ "09:15" today, "11/23 09:15" on any other day than ``now``'s."""
    return stamp.strftime("%H:%M" if stamp.date() == now.date() else "%m/%d %H:%M")


def _incident_row(row, selected: str | None, lang: str, now: pd.Timestamp) -> html.Div:
    color, _ = theme.incident_style(row.type_code)
    name = incident_name(row, lang)
    detail = incident_name(row, lang, "detail")
    occurred = _seoul(row.occurred_at)
    status: list = [html.Span(t("in_progress", lang))]
    overdue = False
    if isinstance(row.expected_clear_at, pd.Timestamp) and not pd.isna(row.expected_clear_at):
        clear = _seoul(row.expected_clear_at)
        overdue = clear <= now
        said = t("clear_overdue" if overdue else "clear_expected", lang, time=_clock_text(clear, now))
        status.append(html.Span(said, className="incident-overdue" if overdue else None))
    if row.closure:
        status.append(html.Span(t(f"closure_{row.closure}", lang)))
    classes = (
        "incident"
        + (" incident-severe" if row.severe else "")
        + (" incident-late" if overdue else "")
        + (" incident-selected" if selected and row.district_code == selected else "")
    )
    same_day = occurred.date() == now.date()
    return html.Div(
        className=classes,
        children=[
            html.Div(
                [
                    None if same_day else html.Span(occurred.strftime("%m/%d "), className="incident-date"),
                    occurred.strftime("%H:%M"),
                ],
                className="incident-time",
            ),
            html.Div(
                className="incident-main",
                children=[
                    html.Div(
                        className="incident-head",
                        children=[
                            html.Span(name, className="incident-type", style={"background": color}),
                            html.Span(
                                district_name(row.district_code, lang, row.district) or "—",
                                className="incident-district",
                            ),
                            html.Span(detail, className="incident-detail"),
                        ],
                    ),
                    html.Div(row.description, className="incident-text"),
                    stage_bar(row.type_code, getattr(row, "stage", ""), lang),
                    html.Div(
                        [piece for i, span in enumerate(status) for piece in ([" · "] if i else []) + [span]],
                        className="incident-status",
                    ),
                ],
            ),
        ],
    )


def stage_bar(type_code: str, stage: str, lang: str) -> html.Div | None:
    """The handling stages of an incident's type, done ones filled and the current one lit."""
    if not stage:
        return None
    flow = [code for code in stage_flow(type_code) if code != "closed"]
    if stage not in flow:
        return None
    names = {code: (english if lang == "en" else korean) for code, korean, english in STAGES}
    current = flow.index(stage)
    return html.Div(
        className="stages",
        children=[
            html.Span(
                names[code],
                className="stage "
                + ("stage-now" if i == current else "stage-done" if i < current else "stage-next"),
            )
            for i, code in enumerate(flow)
        ],
    )


# Panel 6: the selected district ---------------------------------------------------------------


def district_detail(
    code: str | None,
    auto: bool,
    air: pd.DataFrame | None,
    traffic: pd.DataFrame | None,
    incidents: pd.DataFrame | None,
    lang: str,
    moment: float | None = None,
    crowds: pd.DataFrame | None = None,
) -> list:
    """The chosen district in full. ``moment`` is the time shown: an incident of another day is
    dated."""
    if not code:
        return [waiting(lang)]
    now = seoul_moment(moment) if moment is not None else None
    row = summary.air_row(air, code)
    shown = summary.reading(row)
    color = theme.GRADE_COLORS.get(shown.grade if shown is not None else None, theme.NO_DATA)
    if shown is not None and not shown.reporting:  # the station's word, and that nothing is measured
        word, value = air_word(shown, lang), t("no_measurements", lang) if shown.note else ""
    elif shown is not None and shown.grade is None:  # measurements, but not the set a CAI needs
        word, value = t("no_grade", lang), t("no_cai", lang)
    else:
        word, value = air_word(shown, lang), f"CAI {shown.cai:.0f}" if shown is not None else ""
    other = "en" if lang == "ko" else "ko"
    header = html.Div(
        className="detail-header",
        **{"data-code": code},  # the attract loop waits for its stop to be drawn (callbacks/controls.py)
        children=[
            html.Div(
                [
                    html.Span(district_name(code, lang), className="detail-name"),
                    html.Span(district_name(code, other), className="detail-name-other"),
                ]
            ),
            html.Div(
                className="detail-grade",
                style={"background": color},
                children=[
                    html.Div(word, className="detail-grade-word"),
                    html.Div(value, className="detail-grade-value"),
                ],
            ),
            html.Div(t("auto_selected" if auto else "touched", lang), className="detail-hint"),
        ],
    )
    pollutants = html.Div(
        className="pollutants",
        children=[_pollutant(p, row[p] if shown and shown.reporting else math.nan, lang) for p in POLLUTANTS],
    )
    links = (
        pd.DataFrame(columns=["speed_kmh"])
        if traffic is None or traffic.empty
        else traffic[traffic["district_code"] == code]
    )
    # The district's busiest places (citydata's crowds), after its slowest roads.
    places = (
        crowds[crowds["district_code"] == code]
        if crowds is not None and not crowds.empty
        else pd.DataFrame(columns=["hotspot", "level", "population_min", "population_max"])
    )
    roads = _detail_block(
        t("roads_places_here" if len(places) else "roads_here", lang),
        [
            html.Div(
                className="road",
                children=[
                    html.Span(className="swatch", style={"background": theme.speed_color(r.speed_kmh)}),
                    html.Span(f"{r.road}", className="road-name"),
                    html.Span(f"{r.start_node} → {r.end_node}", className="road-span"),
                    html.Span(f"{r.speed_kmh:.0f} km/h", className="road-speed"),
                ],
            )
            for r in links.sort_values("speed_kmh").head(5 - min(2, len(places))).itertuples()
        ]
        + [_place_row(r, lang) for r in places.head(2).itertuples()],
        t("no_roads", lang),
    )
    here = (
        pd.DataFrame()
        if incidents is None or incidents.empty
        else incidents[incidents["district_code"] == code]
    )
    events = _detail_block(
        f"{t('incidents_here', lang)} {len(here)}",
        [
            html.Div(
                className="road",
                children=[
                    html.Span(className="swatch", style={"background": theme.incident_style(r.type_code)[0]}),
                    html.Span(incident_name(r, lang), className="road-name"),
                    html.Span(r.description, className="road-span"),
                    html.Span(
                        _clock_text(_seoul(r.occurred_at), now)
                        if now is not None
                        else r.occurred_at.strftime("%H:%M"),
                        className="road-speed",
                    ),
                ],
            )
            for r in here.head(4).itertuples()
        ],
        t("no_incidents", lang),
    )
    return [header, pollutants, html.Div([roads, events], className="detail-columns")]


def _place_row(place, lang: str) -> html.Div:
    low, high = place.population_min, place.population_max
    people = t("people", lang, low=f"{low:,.0f}", high=f"{high:,.0f}") if low == low and high == high else ""
    return html.Div(
        className="road place",
        children=[
            _ring(place.level if place.level in theme.CROWD_STYLE else "보통"),
            html.Span(place.hotspot, className="road-name"),
            html.Span(crowd_name(place.level, lang), className="place-level"),
            html.Span(people, className="road-span"),
        ],
    )


def _detail_block(title: str, rows: list, none: str) -> html.Div:
    """A heading over rows, or over the words for none; the rows that do not fit are left out
    whole (assets/wall.css), never cut."""
    return html.Div(
        className="detail-block",
        children=[
            html.H3(title),
            html.Div(rows, className="detail-rows") if rows else html.Div(none, className="muted"),
        ],
    )


def _pollutant(name: str, value: float, lang: str) -> html.Div:
    level = grade(name, value)
    shown = "—" if value != value else (f"{value:.0f}" if UNITS[name] == "µg/m³" else f"{value:.3f}")
    return html.Div(
        className="pollutant",
        style={"borderColor": theme.GRADE_COLORS.get(level, theme.NO_DATA)},
        children=[
            html.Div(POLLUTANT_NAMES[name], className="pollutant-name"),
            html.Div(shown, className="pollutant-value"),
            html.Div(f"{UNITS[name]} · {grade_name(level, lang)}", className="pollutant-unit"),
        ],
    )


def past_banner(when: float, lang: str) -> list:
    """On every panel while the time machine is on: this is not live."""
    moment = pd.Timestamp(when, unit="s", tz=TIME_ZONE).strftime("%m/%d %H:%M")
    # data-when lets the wall's clock show the moment being looked at, not now.
    return [
        html.Strong(t("past_title", lang, time=moment), **{"data-when": f"{when:.0f}"}),
        html.Span(t("past_detail", lang)),
    ]


def past_status(when: float, lang: str) -> list:
    moment = pd.Timestamp(when, unit="s", tz=TIME_ZONE).strftime("%m/%d %H:%M")
    return [
        html.Span(
            className="status status-past",
            children=[
                html.Span(className="dot"),
                html.Span(t("status_past", lang, time=moment), className="status-word"),
            ],
        )
    ]


def handling_times(times: pd.DataFrame | None, lang: str) -> list:
    """Median minutes from report to clearance per incident type."""
    if times is None or times.empty:
        return [html.Div(t("no_data", lang), className="muted")]
    chips = []
    for row in times.sort_values("count", ascending=False).head(6).itertuples():
        color, _ = theme.incident_style(row.type_code)
        chips.append(
            html.Div(
                className="handling",
                children=[
                    html.Span(
                        incident_name(row, lang),
                        className="incident-type",
                        style={"background": color},
                    ),
                    html.Span(
                        t("minutes", lang, n=f"{row.median_minutes:.0f}"), className="handling-minutes"
                    ),
                    html.Span(t("cases", lang, n=int(row.count)), className="handling-count"),
                ],
            )
        )
    return chips
