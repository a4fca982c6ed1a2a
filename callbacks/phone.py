"""The phone view's callbacks: its address says what it shows, and one sync a tick, like the wall's.

A tile or the language button is a link (layouts/phone.py), so a tap changes the address; the
address is read in the browser into the selection and language, and the sync that follows sends
what changed. A bad address parameter is said on the page, like the wall's.
"""

from __future__ import annotations

from dash import Input, Output, State

from callbacks import controls, edge, sync
from layouts.phone import PHONE_PARTS

FROM_ADDRESS = """
function (search, codes) {
    const query = new URLSearchParams(search || "");
    const district = query.get("district"), lang = query.get("lang");
    return [codes.indexOf(district) >= 0 ? district : null, lang === "en" ? "en" : "ko"];
}
"""


def register(wall) -> None:
    phone = wall.phone
    edge.register(phone, PHONE_PARTS)
    # Phones are always live (no ``when``) and take no remote commands: those are the wall's.
    wall.phone_builds = sync.attach(phone, wall.read, PHONE_PARTS, timed=False)

    phone.clientside_callback(
        FROM_ADDRESS,
        Output("selection", "data"),
        Output("lang", "data"),
        Input("url", "search"),
        State("codes", "data"),
    )

    controls.address_notice(phone)
