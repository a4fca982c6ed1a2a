"""The one request a viewer makes per tick: everything that changed for its language, selection and moment.

Each browser holds, per part of its page, the token of what it was last sent. A tick (or a touch,
a language switch, a move of the time machine) posts those tokens; the answer carries the parts
whose tokens moved (figures as patches), the new tokens, and the remote's latest command. A tick
with nothing new answers 204 with no body and builds nothing. The wall and the phone view (/m)
each have one such callback over their own table of parts, reading the same frames.

A page has one sync request out at a time. What it is built against (the held tokens) is what
the page shows only if no other answer lands in between, and Dash applies every answer it gets,
in the order they arrive. So the tick, the selection, the language and the moment trigger a
clientside gate (connection.js), which asks (counts on the ``ask`` interval, which has no timer)
only when no request is out, and owes the ask otherwise; the answer landing in the page (held
or control set, or no answer to apply) asks what was owed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dash import ALL, Input, Output, Patch, State, ctx, no_update
from dash.exceptions import PreventUpdate

from callbacks.memo import Builds
from dashboard.readmodel import BadInput, ReadModel
from layouts.spec import FIGURE, HTML, PARTS, Part

PROPERTY = {FIGURE: "figure", HTML: "children"}  # what a pattern-matching part's output sets


def register(wall) -> None:
    wall.builds = attach(wall.app, wall.read, PARTS, command=lambda control: _command(wall, control))


def attach(
    app,
    read: ReadModel,
    parts: dict[str, Part],
    command: Callable[[Any], Any] | None = None,
    timed: bool = True,
) -> Builds:
    """The sync callback of a page with ``parts``: its viewers' moment (``timed``: a ``when`` store;
    else always live) and, with ``command``, the remote's newest command for its ``control`` store."""
    builds = Builds(parts)
    kinds = tuple(
        kind for kind in (FIGURE, HTML) if any(p.kind == kind and not p.target for p in parts.values())
    )
    singles = tuple(part for part in parts.values() if part.target)
    outputs = [Output({"kind": kind, "panel": ALL, "part": ALL}, PROPERTY[kind]) for kind in kinds]
    outputs += [Output(*part.target) for part in singles]
    outputs.append(Output("held", "data"))
    looking = [("selection", "data"), ("lang", "data"), *([("when", "data")] if timed else [])]
    landing = [("held", "data"), *([("control", "data")] if command is not None else [])]
    app.clientside_callback(GATE, Input("tick", "n_intervals"), *(Input(*name) for name in looking))
    app.clientside_callback(LANDED, *(Input(*name) for name in landing), prevent_initial_call=True)
    states = [*(State(*name) for name in looking), State("held", "data")]
    if command is not None:
        outputs.append(Output("control", "data"))
        states.append(State("control", "data"))

    # No call of its own at page load: the gate's first ask is the page's first sync.
    @app.callback(*outputs, Input("ask", "n_intervals"), *states, prevent_initial_call=True)
    def sync(_asked, selection, lang, *rest):
        # callbacks/edge.py has checked every value; the parts asked for and the moment are judged
        # here, before anything is built.
        rest = list(rest)
        when = rest.pop(0) if timed else None
        held = rest.pop(0)
        asked = [
            [_part(parts, item["id"], kind) for item in items]
            for items, kind in zip(ctx.outputs_list[: len(kinds)], kinds, strict=True)
        ]
        view = read.view(lang, selection, when)
        tokens: dict[str, str] = {}
        moved: list[str] = []
        built = builds.of_view(view)

        def send(part):
            value, tokens[part.slot] = builds.answer(built[part.slot], held.get(part.slot))
            if value is not no_update:
                moved.append(part.slot)
            return value

        grouped = [[send(part) for part in group] for group in asked]
        answer = (*grouped, *(send(part) for part in singles), _held(tokens, moved))
        said = command(rest.pop(0)) if command is not None else no_update
        if not moved and said is no_update:
            raise PreventUpdate
        return (*answer, said) if command is not None else answer

    return builds


# A tick, a touch, a switch or a move asks for a sync; an answer in the page lets the next one go.
GATE = "function () { window.wallSync.want(); }"
LANDED = "function () { window.wallSync.landed(); }"


def _held(tokens: dict[str, str], moved: list[str]):
    """The browser's new tokens: a patch of the few that moved, or all of them when most did."""
    if not moved:
        return no_update
    if 3 * len(moved) > len(tokens):
        return tokens
    update = Patch()
    for slot in moved:
        update[slot] = tokens[slot]
    return update


def _part(parts: dict[str, Part], component_id, kind: str) -> Part:
    part = (
        parts.get(f"{component_id.get('panel')}:{component_id.get('part')}")
        if isinstance(component_id, dict)
        else None
    )
    if part is None or part.kind != kind or part.target:
        raise BadInput("unknown part of the page")
    return part


def _command(wall, control):
    """The presenter remote's newest command, once per wall browser."""
    if wall.remote is None or not wall.remote.enabled:
        return no_update
    state = wall.read.control()
    if not state.seq or (control or {}).get("seq") == state.seq:
        return no_update
    return {"seq": state.seq, "selection": state.selection, "lang": state.lang, "attract": state.attract}
