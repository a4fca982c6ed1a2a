"""Each part of the wall built once per process for what it shows, and what a browser is sent of it.

A part's key is everything its spec says can change it: the frames it reads, the language, the
selection, the moment. A browser holds, per part, a short token of the key it was last sent
(the ``held`` store), so a tick compares tokens and sends only the parts that moved: as a patch
of the leaves that differ when this process built what the browser holds; else a figure as a
patch of everything but its geometry when the browser holds its skeleton; else whole
(layouts/patches.py). What the page holds is what it was last sent because a page has one sync
request out at a time (callbacks/sync.py). The same key gives the same token in every worker, so
a viewer moved to another worker is not sent anew. Values are kept as plain JSON, built and
serialised once.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from dash import Patch, no_update

from dashboard.readmodel import Lru
from layouts import patches
from layouts.spec import FIGURE, PARTS, TREND_STEP, Part


@dataclass(frozen=True)
class Built:
    value: Any  # what a browser holding nothing is sent: the whole figure, or the children
    token: str
    patch: Patch | None = None  # for a figure: what a browser holding its skeleton is sent


VIEWS = 256  # view signatures kept of the newest generation (languages x selections x moments)


def key(part: Part, view) -> tuple:
    """Everything that can change what ``part`` shows, per its spec."""
    found: list[Any] = [part.slot, view.lang, *(view.shown(feed).key for feed in part.feeds)]
    if part.selection:
        found += [view.selection, view.chosen]
    if part.moment:
        found.append(view.when)
    if part.trend:
        # Live trends move on with the clock too: their bins are hours, so they are rebuilt when
        # the hour turns (and, like every part, whenever a frame they read changes).
        found.append(view.when if view.when is not None else ("live", int(view.moment // TREND_STEP)))
    if part.status and view.when is None:
        found += [view.status_key(feed) for feed in part.feeds]
    if part.clock is not None:
        found.append(part.clock(view))
    return tuple(found)


def _digest(value: Any) -> str:
    return hashlib.blake2b(repr(value).encode(), digest_size=4).hexdigest()


class Builds:
    """The builds of one page's parts (the wall's, or the phone view's) in this process."""

    def __init__(self, parts: dict[str, Part] = PARTS, size: int = 1024):
        self.parts = parts
        self._built = Lru(size)
        self._by_token = Lru(size)
        self._moves = Lru(size)
        self._views = Lru(VIEWS)
        self._generation = 0  # the read model's newest generation a view was asked for
        self.builds = 0  # how many builds this process made (the benchmark and tests read it)

    def get(self, part: Part, view) -> Built:
        found = key(part, view)
        return self._built.get(found, lambda: self._build(part, view, found))

    def _build(self, part: Part, view, found: tuple) -> Built:
        self.builds += 1
        value = patches.plain(part.build(view))
        if part.kind != FIGURE:
            built = Built(value, _digest(found))
        else:
            built = Built(value, f"{patches.skeleton(value)}.{_digest(found)}", patches.patch(value))
        self._by_token.get(built.token, lambda: built)
        return built

    def of_view(self, view) -> dict[str, Built]:
        """Every part's build for a view, found once per view signature: the next viewer of the same
        wall compares its tokens and computes no key.

        Views of an older generation are let go as soon as a newer one is asked for: no viewer asks
        for them again (its next tick reads the newer one), and kept until the LRU evicted them they
        would hold builds the build cache has already dropped (a soak grew by ~170 MB that way)."""

        def every_part() -> dict[str, Built]:
            return {slot: self.get(part, view) for slot, part in self.parts.items()}

        if view.generation > self._generation:
            self._generation = view.generation
            self._views = Lru(VIEWS)
        elif view.generation < self._generation:
            return every_part()  # read just before the generation moved: not worth keeping
        return self._views.get(view.signature, every_part)

    def first(self, view) -> tuple[Any, dict[str, str]]:
        """What a page is drawn with: ``place(part)`` gives a part's build for ``view``, and records
        its token in ``held``, the tokens the page then holds (its first sync sends nothing anew)."""
        held: dict[str, str] = {}

        def place(part: Part):
            built = self.get(part, view)
            held[part.slot] = built.token
            return built.value

        return place, held

    def answer(self, built: Built, held: Any) -> tuple[Any, str]:
        """(what to send, the token the browser then holds); ``no_update`` when it holds it already."""
        if held == built.token:
            return no_update, built.token
        # Only what this process built can be a key here: a made-up token evicts nothing.
        known = self._by_token.peek(held) if isinstance(held, str) else None
        if known is not None:
            move = self._moves.get((held, built.token), lambda: patches.between(known.value, built.value))
            if move is not None:
                return move, built.token
        same_skeleton = isinstance(held, str) and held.split(".")[0] == built.token.split(".")[0]
        if built.patch is not None and same_skeleton:
            return built.patch, built.token
        return built.value, built.token
