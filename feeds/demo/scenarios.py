"""A scripted scenario's timeline: the incidents, slowdowns and smoke it adds at any moment of a play.

Everything is relative to the play's start, so what a scenario adds is a pure function of (play
start, time); files are read into a Scenario by feeds.demo.scenario_files.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from feeds import incidents
from feeds.demo.incidents import Incident
from feeds.demo.roads import Link

STAGE_LABELS = {code: (ko, en) for code, ko, en in incidents.STAGES}


@dataclass(frozen=True)
class Step:
    """An incident as it stands from ``at`` (scenario seconds) on."""

    at: float
    stage: str
    text: tuple[str, ...]
    road_code: str
    expected_clear: float | None


@dataclass(frozen=True)
class ScriptedIncident:
    key: str  # the id events use
    number: int  # its place among the scenario's incidents, part of its acc_id
    type_code: str
    detail_code: str
    district: str
    link: Link
    lon: float
    lat: float
    steps: tuple[Step, ...]  # the first is the report
    cleared: float  # scenario seconds when it leaves the feed

    def step_at(self, elapsed: float) -> Step | None:
        """The step in force ``elapsed`` seconds into the scenario; None when not open then."""
        if not self.steps[0].at <= elapsed < self.cleared:
            return None
        return [step for step in self.steps if step.at <= elapsed][-1]


@dataclass(frozen=True)
class Window:
    """When an effect holds, as a weight from 0 to 1: eases in over ramp, out over fade."""

    at: float
    until: float
    ramp: float
    fade: float

    def weight(self, elapsed: float) -> float:
        if not self.at <= elapsed < self.until:
            return 0.0
        rise = (elapsed - self.at) / self.ramp if self.ramp else 1.0
        fall = (self.until - elapsed) / self.fade if self.fade else 1.0
        return min(1.0, rise, fall)


@dataclass(frozen=True)
class TrafficEffect:
    window: Window
    factor: float  # share of the ordinary speed at full weight
    links: frozenset[str]


@dataclass(frozen=True)
class AirEffect:
    window: Window
    pm25: float  # µg/m³ added at full weight
    pm10: float
    districts: tuple[tuple[str, float], ...]  # (district name, share of the addition)


@dataclass(frozen=True)
class Scenario:
    name: str
    title_ko: str
    title_en: str
    description: str
    duration: float  # seconds
    incidents: tuple[ScriptedIncident, ...]
    traffic: tuple[TrafficEffect, ...]
    air: tuple[AirEffect, ...]

    def plays(self, started_at: float, t: float) -> bool:
        """Whether the scenario is on at ``t`` when played from ``started_at``."""
        return 0 <= t - started_at < self.duration

    def open_incidents(self, started_at: float, t: float) -> list[Incident]:
        """The scripted incidents open at ``t``, as the demo lists incidents."""
        elapsed = t - started_at
        found = []
        for scripted in self.incidents:
            step = scripted.step_at(elapsed)
            if step is None:
                continue
            expected = step.expected_clear
            found.append(
                Incident(
                    incident_id=incident_id(started_at, scripted.number),
                    type_code=scripted.type_code,
                    detail_code=scripted.detail_code,
                    start=started_at + scripted.steps[0].at,
                    end=started_at + scripted.cleared,
                    expected_end=None if expected is None else started_at + expected,
                    link=scripted.link,
                    lon=scripted.lon,
                    lat=scripted.lat,
                    road_code=step.road_code,
                    description="\r".join(
                        (f"{incidents.STAGE_LINE} {STAGE_LABELS[step.stage][0]}", *step.text)
                    ),
                    with_seconds=True,
                )
            )
        return found

    def link_factors(self, started_at: float, t: float) -> dict[str, float]:
        """Per road link, the share of its ordinary speed left at ``t`` (links not listed: 1)."""
        elapsed = t - started_at
        factors: dict[str, float] = {}
        for effect in self.traffic:
            weight = effect.window.weight(elapsed)
            if weight:
                factor = 1 - (1 - effect.factor) * weight
                for link_id in effect.links:
                    factors[link_id] = min(factors.get(link_id, 1.0), factor)
        return factors

    def air_added(self, started_at: float, t: float) -> dict[str, tuple[float, float]]:
        """Per district name, the (PM2.5, PM10) µg/m³ added at ``t`` (districts not listed: none)."""
        elapsed = t - started_at
        added: dict[str, tuple[float, float]] = {}
        for effect in self.air:
            weight = effect.window.weight(elapsed)
            for district, share in effect.districts if weight else ():
                pm25, pm10 = added.get(district, (0.0, 0.0))
                added[district] = (pm25 + effect.pm25 * share * weight, pm10 + effect.pm10 * share * weight)
        return added

    def status(self, started_at: float, t: float) -> dict[str, Any]:
        """Where the play stands at ``t``, told by its first incident: its id, district and stage."""
        elapsed = t - started_at
        lead = self.incidents[0]
        step = lead.step_at(elapsed)
        stage = "closed" if elapsed >= lead.cleared else step.stage if step else ""
        stage_ko, stage_en = STAGE_LABELS.get(stage, ("", ""))
        return {
            "name": self.name,
            "title_ko": self.title_ko,
            "title_en": self.title_en,
            "started_at": started_at,
            "elapsed": elapsed,
            "duration": self.duration,
            "incident_id": incident_id(started_at, lead.number),
            "district": lead.district,
            "stage": stage,
            "stage_ko": stage_ko,
            "stage_en": stage_en,
            "finished": elapsed >= self.duration,
        }


def incident_id(started_at: float, number: int) -> str:
    """A scripted incident's acc_id: digits, fixed by the play start, never an ordinary id's length.

    Ordinary demo ids have 9 digits; these have 11, so a replay of the scenario is a new incident.
    """
    return f"9{int(started_at) % 10**8:08d}{number:02d}"


Play = tuple[Scenario, float]  # a scenario being played and the simulated time it was started at
