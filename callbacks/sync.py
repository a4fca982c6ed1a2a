"""The one request a viewer makes per tick: everything that changed for its language, selection and moment.

Each browser holds, per part of the wall, the token of what it was last sent. A tick (or a touch,
a language switch, a move of the time machine) posts those tokens; the answer carries the parts
whose tokens moved (figures as patches), the new tokens, and the remote's latest command. A tick
with nothing new answers 204 with no body and builds nothing.
"""

from __future__ import annotations

from dash import ALL, Input, Output, Patch, State, ctx, no_update
from dash.exceptions import PreventUpdate

from callbacks.memo import Builds
from dashboard.readmodel import BadInput, ReadModel
from layouts.spec import FIGURE, HTML, PARTS

SINGLES = tuple(part for part in PARTS.values() if part.target)


def register(wall) -> None:
    read: ReadModel = wall.read
    builds = Builds()
    wall.builds = builds

    @wall.app.callback(
        Output({"kind": FIGURE, "panel": ALL, "part": ALL}, "figure"),
        Output({"kind": HTML, "panel": ALL, "part": ALL}, "children"),
        *(Output(*part.target) for part in SINGLES),
        Output("held", "data"),
        Output("control", "data"),
        Input("tick", "n_intervals"),
        Input("selection", "data"),
        Input("lang", "data"),
        Input("when", "data"),
        State("held", "data"),
        State("control", "data"),
    )
    def sync(_n, selection, lang, when, held, control):
        # callbacks/edge.py has checked every value; the parts asked for and the moment are judged
        # here, before anything is built.
        asked = [[_part(item["id"], kind) for item in items] for items, kind in _pattern_outputs()]
        view = read.view(lang, selection, when)
        tokens: dict[str, str] = {}
        moved: list[str] = []
        built = builds.of_view(view)

        def send(part):
            value, tokens[part.slot] = builds.answer(built[part.slot], held.get(part.slot))
            if value is not no_update:
                moved.append(part.slot)
            return value

        grouped = [[send(part) for part in parts] for parts in asked]
        singles = [send(part) for part in SINGLES]
        command = _command(wall, control)
        if not moved and command is no_update:
            raise PreventUpdate
        return (*grouped, *singles, _held(tokens, moved), command)


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


def _pattern_outputs():
    """The pattern-matching outputs of this request, as the browser's page has them."""
    return zip(ctx.outputs_list[:2], (FIGURE, HTML), strict=True)


def _part(component_id, kind: str):
    part = (
        PARTS.get(f"{component_id.get('panel')}:{component_id.get('part')}")
        if isinstance(component_id, dict)
        else None
    )
    if part is None or part.kind != kind or part.target:
        raise BadInput("unknown part of the wall")
    return part


def _command(wall, control):
    """The presenter remote's newest command, once per wall browser."""
    if wall.remote is None or not wall.remote.enabled:
        return no_update
    state = wall.read.control()
    if not state.seq or (control or {}).get("seq") == state.seq:
        return no_update
    return {"seq": state.seq, "selection": state.selection, "lang": state.lang, "attract": state.attract}
