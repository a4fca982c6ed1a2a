"""The QR code on the wall that takes a visitor's phone to the phone view (/m), in the wall's
language and on the district touched.

Made offline with segno as SVG, sent as a data: URL in an <img> (the page's CSP allows
``img-src data:``; Dash has no component for inline SVG). Dark modules on a white quiet zone of
four modules: scanners need light around dark, and the wall is dark.
"""

from __future__ import annotations

import base64
import io
from urllib.parse import urlencode

import segno
from dash import html

from layouts.i18n import t

ERROR = "q"  # a quarter of the code may be lost to glare on a screen and it still reads
BORDER = 4  # modules of quiet zone, the least the QR standard allows
SIZE = 300  # CSS px at most: scans from 1-2 m on a 1920 x 1080 panel of 55 inches


def phone_url(public_url: str, lang: str, selection: str | None) -> str:
    """The phone view's address as phones reach the wall: in ``lang``, on ``selection`` if any."""
    query = {"lang": lang, **({"district": selection} if selection else {})}
    return f"{public_url}/m?{urlencode(query)}"


def qr_code(public_url: str, lang: str, selection: str | None) -> list:
    """The code and its invitation; nothing at all when the wall has no public address."""
    if not public_url:
        return []
    code = segno.make(phone_url(public_url, lang, selection), error=ERROR, micro=False, boost_error=False)
    side = code.symbol_size(border=BORDER)[0]
    # A whole number of CSS px per module keeps every module's edges sharp.
    shown = max(1, SIZE // side) * side
    return [
        html.Img(
            src=_svg_data_url(code),
            alt=t("qr_label", lang),
            className="qr-image",
            width=shown,
            height=shown,
        ),
        html.Div(t("qr_invite", lang), className="qr-invite"),
    ]


def _svg_data_url(code: segno.QRCode) -> str:
    svg = io.BytesIO()
    code.save(svg, kind="svg", border=BORDER, dark="#000", light="#fff", xmldecl=False, omitsize=True)
    return "data:image/svg+xml;base64," + base64.b64encode(svg.getvalue()).decode("ascii")
