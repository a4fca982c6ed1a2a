"""The two small interfaces every feed shares: a source of raw payloads and one error type."""

from __future__ import annotations

from typing import Protocol


class FeedError(Exception):
    """A feed could not produce a frame: the source failed, or its payload made no sense.

    ``reason`` says why, safe to show on the wall (never the API key): a ``feeds.reasons.Reason``
    (a code with parameters, worded in each language where it is shown; an upstream result
    code is part of it), or plain text for a source that has only its own words;
    ``code`` is the upstream result code when there was one (``INFO-100``, ``ERROR-500`` ...);
    ``transient`` says whether trying again soon may help.
    """

    def __init__(self, reason: str, *, code: str | None = None, transient: bool = True):
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.transient = transient

    def __str__(self) -> str:
        return self.reason


class Source(Protocol):
    """Where raw payloads come from: the live API, the demo simulator or a recording.

    ``fetch`` takes the URL path segments after the key (``"json", "RealtimeCityAir", 1, 25``)
    and returns the response body exactly as the upstream would send it.
    """

    name: str

    def fetch(self, fmt: str, service: str, start: int, end: int, *filters: str) -> str: ...

    def now(self) -> float:
        """The source's clock (epoch seconds); the demo simulator's runs at its own speed."""
        ...

    @property
    def speed(self) -> float:
        """How many source seconds pass per real second (1 for live data)."""
        ...
