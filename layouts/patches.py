"""What a new frame sends to a browser that already holds a part: a ``dash.Patch`` of what moved.

``between(old, new)`` is the smallest patch from a value the browser is known to hold (the
server built it) to the new one: only the leaves that differ, for figures and children alike.
When the server does not know what the browser holds (another worker built it, or it was long
ago), a figure still needs no geometry: ``patch(new)`` below applies to any state of its skeleton.

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


def between(old: Any, new: Any) -> Patch | None:
    """The assignments that turn ``old`` into ``new``; None when only the whole value will do."""
    if not isinstance(new, (dict, list)) or type(old) is not type(new) or _whole(old, new):
        return None
    update = Patch()
    for path, value, deleted in _changes(old, new, []):
        target = update
        for step in path[:-1]:
            target = target[step]
        if deleted:
            del target[path[-1]]
        else:
            target[path[-1]] = value
    return update


def _whole(old: Any, new: Any) -> bool:
    """Lists of plain values (coordinates, colours, labels) are sent whole when they differ."""
    return isinstance(new, list) and (
        len(old) != len(new) or not any(isinstance(v, (dict, list)) for v in new)
    )


def _changes(old: Any, new: Any, path: list):
    if old == new:
        return
    if isinstance(new, dict) and isinstance(old, dict):
        for key, value in new.items():
            if key not in old:
                yield [*path, key], value, False
            else:
                yield from _changes(old[key], value, [*path, key])
        for key in old.keys() - new.keys():
            yield [*path, key], None, True
    elif isinstance(new, list) and isinstance(old, list) and not _whole(old, new):
        for index, (was, value) in enumerate(zip(old, new, strict=True)):
            yield from _changes(was, value, [*path, index])
    else:
        yield path, new, False


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
