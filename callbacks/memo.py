"""Each part of the wall built once per process for what it shows, and what a browser is sent of it.

A part's key is everything its spec says can change it: the frames it reads, the language, the
selection, the moment. A browser holds, per part, a short token of the key it was last sent
(the ``held`` store), so a tick compares tokens and sends only the parts that moved: a figure
as a patch when the browser holds its skeleton (layouts/patches.py), else whole. The same key
gives the same token in every worker, so a viewer moved to another worker is not sent anew.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from dash import Patch, no_update

from dashboard.readmodel import Lru
from layouts import patches
from layouts.spec import FIGURE, Part


@dataclass(frozen=True)
class Built:
    value: Any  # what a browser holding nothing is sent: the whole figure, or the children
    token: str
    patch: Patch | None = None  # for a figure: what a browser holding its skeleton is sent


def key(part: Part, view) -> tuple:
    """Everything that can change what ``part`` shows, per its spec."""
    found: list[Any] = [part.slot, view.lang, *(view.shown(feed).key for feed in part.feeds)]
    if part.selection:
        found += [view.selection, view.chosen]
    if part.moment:
        found.append(view.when)
    if part.trend:
        # Live trends move on with the clock too: rebuilt at least every ten minutes.
        found.append(view.when if view.when is not None else ("live", int(view.moment // 600)))
    if part.status and view.when is None:
        found += [view.status_key(feed) for feed in part.feeds]
    return tuple(found)


def _digest(value: Any) -> str:
    return hashlib.blake2b(repr(value).encode(), digest_size=5).hexdigest()


class Builds:
    def __init__(self, size: int = 2048):
        self._built = Lru(size)
        self.builds = 0  # how many builds this process made (the benchmark and tests read it)

    def get(self, part: Part, view) -> Built:
        found = key(part, view)
        return self._built.get(found, lambda: self._build(part, view, found))

    def _build(self, part: Part, view, found: tuple) -> Built:
        self.builds += 1
        value = part.build(view)
        if part.kind != FIGURE:
            return Built(value, _digest(found))
        figure = patches.plain(value)
        return Built(figure, f"{patches.skeleton(figure)}.{_digest(found)}", patches.patch(figure))

    def answer(self, part: Part, view, held: Any) -> tuple[Any, str]:
        """(what to send, the token the browser then holds); ``no_update`` when it holds it already."""
        built = self.get(part, view)
        if held == built.token:
            return no_update, built.token
        if (
            built.patch is not None
            and isinstance(held, str)
            and held.split(".")[0] == built.token.split(".")[0]
        ):
            return built.patch, built.token
        return built.value, built.token
