"""Dash callbacks: wiring between the browser and the core's read model, no business logic.

``register`` attaches every callback to one app object (never dash's global registry, so apps in
one process stay apart). The wall's content moves through one callback (``sync``); the rest say
who is looking at what.
"""

from __future__ import annotations

from callbacks import controls, edge, phone, sync
from layouts.spec import PARTS


def register(wall) -> None:
    edge.register(wall.app, PARTS)
    sync.register(wall)
    controls.register(wall)
    phone.register(wall)
