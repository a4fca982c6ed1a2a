"""The phone view (/m): the wall in one column for a 360-430 px portrait screen.

It is a second table of parts (panel 0), most of them the wall's own builders: the city at a
glance (headlines, alerts and every feed's status, as the wall says them), the 25 districts as
tappable tiles coloured and worded by grade, the chosen district in detail with a share link, and
every open incident with its handling stages. The phone is always live: the time machine stays on
the wall. Its address is its state: ``/m?district=CODE&lang=en``; a tile or the language button is
a link to the next address, so a tap costs the one sync that follows and Back goes back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

from dash import dcc, html

from feeds.districts import DISTRICTS
from layouts import panels, summary, theme
from layouts.i18n import DEFAULT_LANGUAGE, air_word, district_name, t
from layouts.spec import ALL_FEEDS, HTML, PARTS, Part, View
from layouts.wall import viewer_stores

PHONE = 0  # the panel number of the phone's parts: slots "0:…", apart from the wall's "1:…" to "6:…"
PATH = "/m"


def address(district: str | None, lang: str) -> str:
    """The phone view's address for a district (None: the city) in a language (ko is the default)."""
    query = {key: value for key, value in (("district", district), ("lang", lang)) if value}
    if query.get("lang") == DEFAULT_LANGUAGE:
        del query["lang"]
    return PATH + ("?" + urlencode(query) if query else "")


def district_tiles(air, selection: str | None, chosen: str | None, lang: str) -> list:
    """The 25 districts as links, each coloured and worded by its air grade (a colour alone tells
    nothing to a colour-blind visitor); the selected one links back to the city view."""
    rows = {} if air is None or air.empty else {row.district_code: row for row in air.itertuples()}
    tiles = []
    for district in DISTRICTS:
        shown = summary.reading(rows.get(district.code))
        grade = shown.grade if shown is not None else None
        value = f"CAI {shown.cai:.0f}" if shown is not None and grade is not None else ""
        here = district.code == chosen
        tiles.append(
            dcc.Link(
                href=address(None if district.code == selection else district.code, lang),
                className="tile-link" + (" chosen" if here else "") + ("" if grade else " no-grade"),
                style={"--grade": theme.GRADE_COLORS.get(grade, theme.NO_DATA)},
                children=[
                    html.Span(district_name(district.code, lang), className="tile-name"),
                    html.Span(air_word(shown, lang), className="tile-grade"),
                    html.Span(value, className="tile-cai"),
                ],
            )
        )
    return tiles


def share(chosen: str | None, lang: str) -> list:
    """A link to this district's phone view: phone.js shares it (Web Share) or copies it."""
    if not chosen:
        return []
    return [
        html.A(
            t("share", lang),
            href=address(chosen, None),
            className="share",
            title=t("share_title", lang, district=district_name(chosen, lang)),
            **{"data-copied": t("share_copied", lang), "data-failed": t("share_copy_failed", lang)},
        ),
        html.Div(className="share-note", role="status"),
    ]


def language_link(selection: str | None, lang: str) -> dcc.Link:
    other = "en" if lang == "ko" else "ko"
    return dcc.Link(t("language", lang), href=address(selection, other), className="lang-link")


def _on_phone(slot: str, **changes) -> Part:
    """A part of the wall, placed on the phone: the same builder and inputs, under the phone's slot."""
    return replace(PARTS[slot], panel=PHONE, **changes)


def _text(name: str, key: str, tag: str = "span") -> Part:
    return Part(PHONE, name, lambda view: t(key, view.lang), tag=tag)


def _incidents(view: View) -> list:
    return panels.incident_list(view.frame("incidents"), view.chosen, view.lang, view.moment, limit=None)


PHONE_PARTS: dict[str, Part] = {
    part.slot: part
    for part in (
        _text("title", "wall_title"),
        _text("districts-title", "phone_districts"),
        _text("detail-title", "phone_detail"),
        _text("incidents-title", "phone_incidents"),
        _text("status-title", "phone_status"),
        _text("source-credit", "source_credit"),
        Part(PHONE, "source-badge", lambda view: t(f"source_{view.source}", view.lang), tag="span"),
        Part(PHONE, "language", lambda view: language_link(view.selection, view.lang), selection=True),
        _on_phone("1:status", class_name="phone-status"),
        _on_phone("1:weather"),
        _on_phone("1:headlines"),
        _on_phone("1:alerts"),
        Part(
            PHONE,
            "districts",
            lambda view: district_tiles(view.frame("air"), view.selection, view.chosen, view.lang),
            feeds=("air",),
            selection=True,
            class_name="district-tiles",
        ),
        _on_phone("6:district-detail"),
        Part(
            PHONE, "share", lambda view: share(view.chosen, view.lang), selection=True, class_name="share-row"
        ),
        Part(
            PHONE,
            "incident-list",
            _incidents,
            feeds=("incidents",),
            selection=True,
            clock=PARTS["5:incident-list"].clock,
            class_name="incident-list",
        ),
        Part(PHONE, "phone-lang", lambda view: view.lang, target=("phone", "lang")),
    )
}
assert all(part.kind == HTML for part in PHONE_PARTS.values())  # no plotly on a phone: it stays light
assert set(ALL_FEEDS) <= {feed for part in PHONE_PARTS.values() for feed in part.feeds}


def layout(
    tick_seconds: float,
    first: Callable[[Part], Any],
    held: dict[str, str],
    lang: str,
    selection: str | None = None,
) -> html.Div:
    """The phone page with every part's first build (``first``) for ``lang`` and ``selection``,
    and the tokens of what it holds."""

    def place(name: str, tag: Callable = html.Div):
        part = PHONE_PARTS[f"{PHONE}:{name}"]
        element = html.Span if part.tag == "span" else tag
        return element(id=part.id, className=f"{part.class_name} part-{name}".strip(), children=first(part))

    def section(name: str, title: str, *body) -> html.Section:
        return html.Section(
            id=f"phone-{name}", className="phone-section", children=[html.H2(place(title)), *body]
        )

    stores = viewer_stores(tick_seconds, lang, held, selection)
    return html.Div(
        id="phone",
        className="phone",
        lang=first(PHONE_PARTS[f"{PHONE}:phone-lang"]),
        # connection.js calls the connection lost after three ticks without an answer.
        **{"data-tick": str(int(tick_seconds * 1000))},
        children=[
            *stores,
            html.Header(
                className="phone-top",
                children=[
                    html.H1(place("title")),
                    html.Div(id="wall-clock", className="phone-clock", children="--:--"),
                    place("language"),
                ],
            ),
            panels.connection_lost(),
            html.Div(id="url-notice", className="url-notice"),
            html.Section(
                id="phone-city",
                className="phone-section",
                children=[place("weather"), place("headlines"), place("alerts")],
            ),
            section("districts", "districts-title", place("districts")),
            section("detail", "detail-title", place("district-detail"), place("share")),
            section("incidents", "incidents-title", place("incident-list")),
            section("status", "status-title", place("status")),
            html.Footer(
                className="phone-credit",
                children=[
                    place("source-credit"),
                    " ",
                    html.Span(place("source-badge"), className="source-badge"),
                ],
            ),
        ],
    )
