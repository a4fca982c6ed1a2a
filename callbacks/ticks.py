"""The one heartbeat: compare frame versions and statuses; send only what changed.

A tick with nothing new answers 204 and no figure is built or sent. A new version moves the
feed's ``ver-*`` store, which is the only thing panel callbacks listen to.
"""

from __future__ import annotations

from dash import Input, Output, State, no_update
from dash.exceptions import PreventUpdate

from feeds.registry import FEEDS

# What the browser needs to show a feed's status and age; the rest stays on the server.
PUBLIC = (
    "feed",
    "version",
    "source",
    "measured_at",
    "fetched_at",
    "source_now",
    "speed",
    "status",
    "error",
    "stale_reason",
)


def public_meta(meta) -> dict:
    return {key: getattr(meta, key) for key in PUBLIC}


def register(wall) -> None:
    names = list(FEEDS)

    @wall.app.callback(
        [Output(f"meta-{name}", "data") for name in names]
        + [Output(f"ver-{name}", "data") for name in names]
        + [Output("control", "data")],
        Input("tick", "n_intervals"),
        [State(f"meta-{name}", "data") for name in names] + [State("control", "data")],
    )
    def tick(_n, *held):
        known, control = held[:-1], held[-1]
        metas = wall.store.metas()
        meta_out, version_out = [], []
        for name, old in zip(names, known, strict=True):
            new = public_meta(metas[name])
            meta_out.append(no_update if old == new else new)
            same_version = old is not None and old.get("version") == new["version"]
            version_out.append(no_update if same_version else new["version"])
        control_out = no_update
        if wall.remote is not None and wall.remote.enabled:
            state = wall.remote.state()
            if state.seq and (control or {}).get("seq") != state.seq:
                control_out = {
                    "seq": state.seq,
                    "selection": state.selection,
                    "lang": state.lang,
                    "attract": state.attract,
                }
        if control_out is no_update and all(v is no_update for v in meta_out):
            raise PreventUpdate
        return meta_out + version_out + [control_out]
