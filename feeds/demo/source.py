"""The demo Source: a simulated Seoul on its own clock, answering as the upstream does."""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from typing import Any

from feeds.demo.clock import SimClock
from feeds.demo.envelopes import body_at
from feeds.demo.scenario_files import load_scenario
from feeds.demo.scenarios import Play, Scenario


class DemoSource:
    """The Source the wall runs on with no network: a simulated Seoul on its own clock.

    Its clock is a SimClock from ``start`` (default: the real now) at ``speed``; what it answers
    at a time is ``body_at`` for its seed and the scenario it plays, if any.
    """

    name = "demo"

    def __init__(
        self,
        seed: int = 7,
        speed: float = 1.0,
        start: float | None = None,
        clock: Callable[[], float] = time.time,
    ):
        self.seed = seed
        self._clock = SimClock.running(start, speed, clock)
        self._play: Play | None = None  # replaced whole, never mutated: safe to read from any thread

    @property
    def speed(self) -> float:
        return self._clock.speed

    def now(self) -> float:
        return self._clock.now()

    def fetch(self, fmt: str, service: str, start: int, end: int, *filters: str) -> str:
        return self.body_at(self.now(), fmt, service, start, end, *filters)

    def body_at(self, t: float, fmt: str, service: str, start: int, end: int, *filters: str) -> str:
        """What ``fetch`` answers when the simulated clock reads ``t``."""
        play = self._play
        if play is None:
            return body_at(self.seed, t, fmt, service, start, end, *filters)
        return body_at(
            self.seed, t, fmt, service, start, end, *filters, scenario=play[0], scenario_start=play[1]
        )

    def past(self, t: float) -> DemoSource:
        """The same city (and scenario) with its clock stopped at ``t``: fills the wall's trends at start."""
        source = copy.copy(self)
        source._clock = self._clock.stopped_at(t)
        return source

    def play(self, scenario: Scenario | str, start: float | None = None) -> dict[str, Any]:
        """Play a scenario (a loaded one, or a bundled one's name) from simulated time ``start``.

        ``start`` defaults to now. Playing again with the same start, in this source or a fresh
        one, gives the same bodies: that is how a restarted process picks up a running scenario.
        Replaces a scenario already playing. Returns scenario_status().
        """
        if isinstance(scenario, str):
            scenario = load_scenario(scenario)
        self._play = (scenario, self.now() if start is None else float(start))
        return self.scenario_status()

    def stop(self) -> None:
        """Back to the ordinary city at once."""
        self._play = None

    def scenario_status(self, t: float | None = None) -> dict[str, Any] | None:
        """The scenario played at ``t`` (default now); None when none is.

        Keys: name, title_ko, title_en, started_at, elapsed and duration (seconds), the first
        incident's incident_id, district and stage (stage, stage_ko, stage_en: "" before its
        report, "closed" once cleared), and finished (the ordinary city is back).
        """
        play = self._play
        if play is None:
            return None
        scenario, started_at = play
        return scenario.status(started_at, self.now() if t is None else t)
