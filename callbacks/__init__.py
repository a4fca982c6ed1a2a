"""Dash callbacks: they read frames from the store and hand them to the builders in layouts/.

Nothing here fetches from upstream or holds business logic. ``register`` attaches every callback
to one app object (never dash's global registry, so apps in one process stay apart).
"""

from __future__ import annotations

from callbacks import controls, panels, ticks


def register(wall) -> None:
    ticks.register(wall)
    controls.register(wall)
    panels.register(wall)
