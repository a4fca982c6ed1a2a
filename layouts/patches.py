"""What a new frame sends to a browser that already holds a part: a ``dash.Patch`` of what moved.

What a patch may not depend on is what the browser held before: two answers built from the same
tokens can both reach it (a touch and a tick in flight together), and a diff from one state
applied over another draws a mix of both. So a figure's patch applies to any state of its
skeleton, and children are sent whole (callbacks/memo.py).

A figure is held in the browser as plain JSON. Its geometry traces (``uid`` starting ``geo-``) keep
everything there but what a frame or a touch moves (``MOVING``: colours, widths, texts); those,
every other trace and the layout are assigned whole. So one patch turns *any* earlier state of
the same skeleton into the new state, whatever the browser held before: a viewer who missed
ticks needs nothing special.

The skeleton is what stays: the geometry traces' uids (a uid names its shape) and their other
keys, and where the other traces are. A browser holding another skeleton (a road link appeared,
a first load) gets the whole figure.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import plotly.graph_objects as go
from dash import Patch
from plotly.io.json import to_json_plotly

GEOMETRY = "geo-"
MOVING = ("fillcolor", "line", "marker", "text", "textfont", "opacity", "visible")
NAMED_BY_UID = frozenset({"x", "y", "customdata", "uid"})  # the shape itself: its uid says which


def plain(value: Any) -> Any:
    """A figure or children as the browser receives them: JSON types only (no numpy, no timestamps,
    components as their JSON), so they serialise fast and compare leaf by leaf."""
    body = value.to_plotly_json() if isinstance(value, go.Figure) else value
    return json.loads(to_json_plotly(body, engine="json"))


def is_geometry(trace: dict[str, Any]) -> bool:
    return str(trace.get("uid", "")).startswith(GEOMETRY)


def skeleton(figure: dict[str, Any]) -> str:
    """What must be in the browser already for a patch to apply: the traces, by uid, in order."""
    kept = [
        [trace["uid"], {k: v for k, v in trace.items() if k not in MOVING and k not in NAMED_BY_UID}]
        if is_geometry(trace)
        else "-"
        for trace in figure["data"]
    ]
    return hashlib.blake2b(json.dumps(kept, sort_keys=True).encode(), digest_size=4).hexdigest()


def patch(figure: dict[str, Any]) -> Patch:
    """Assign everything but the geometry; applied to any figure of the same skeleton it gives ``figure``."""
    update = Patch()
    for index, trace in enumerate(figure["data"]):
        if is_geometry(trace):
            for key in MOVING:
                if key in trace:
                    update["data"][index][key] = trace[key]
        else:
            update["data"][index] = trace
    update["layout"] = figure["layout"]
    return update
