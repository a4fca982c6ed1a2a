"""Scripted scenarios: small JSON files that play incidents from report to resolution in the demo city.

A scenario injects events into the demo source (feeds.demo) on a timeline relative to the moment
it is played. Everything it adds goes out in the upstream's own payloads (AccInfo rows, citydata
road speeds, RealtimeCityAir rows), so the wall shows a scenario exactly as it would show real
data. What the demo answers stays a pure function of (seed, scenario, play start, time): a
scenario is deterministic, restartable and can be rehearsed on an accelerated clock. When its
duration has passed the city is the ordinary simulated one again.

The file (bundled ones live in feeds/scenarios/<name>.json; docs/scenarios.md has a full example)::

    {
      "name": "mapo-fire",                  same as the file name: [a-z0-9-]
      "title_ko": "...", "title_en": "...", what the wall and the remote call it
      "description": "...",                 a sentence for whoever picks the scenario
      "duration": "2:30:00",                when it ends and the ordinary city returns
      "events": [ {"at": "02:00", "kind": "stage", ...}, ... ]
    }

Times (``duration``, ``at``, ``until``, ``ramp``, ``fade``, ``expected_clear``) are seconds (a
number) or ``"mm:ss"`` / ``"h:mm:ss"`` strings; all but ramp and fade count from the scenario's
start and lie within its duration. Every event may carry a free-text ``note``. Kinds:

``incident``  an incident is reported: ``id`` (the name later events use), ``type`` (AccMainCode,
              A08), ``detail`` (AccSubCode of that type, 08B01), ``district`` (Korean name),
              ``link`` (a demo road link: its 10-digit id or "도로 시작→끝", e.g. "양화로
              합정→홍대입구"), ``position`` (0-1 along the link, default 0.5; the point must lie in
              the district), ``text`` (acc_info lines: a string or a list of strings), optional
              ``road_code`` ("009" full closure, default "010" partial), ``expected_clear`` and
              ``stage`` (default "reported").
``stage``     the incident ``incident`` reaches stage ``stage`` (a code from
              feeds.incidents.STAGES in its type's flow, later than its current one); optional
              new ``text``, ``road_code`` and ``expected_clear``, else the previous ones hold.
``clear``     the incident ``incident`` is closed and leaves the feed. An incident never cleared
              leaves with the scenario's end.
``traffic``   speeds drop to ``factor`` (0-1) of what they would be on the links within
              ``radius_m`` metres (default 300) of incident ``near`` and/or on the listed
              ``links``, from ``at`` to ``until`` (default: the end), easing in over ``ramp`` and
              out over ``fade`` seconds (default 0). Overlapping effects: the slowest wins.
``air``       ``pm25`` and ``pm10`` µg/m³ (at least 0; pm10 defaults to pm25 and is never less,
              since PM10 includes PM2.5) are added in ``district`` and, times a share, in the
              ``neighbours`` ({"서대문구": 0.4}), with ``until``, ``ramp`` and ``fade`` as for
              traffic. Air is hourly: the addition is taken at each hour's stamp, so it shows from
              the first hour stamped after it starts; the CAI and grade follow the new values.

The handling stage reaches the wall through the real parser: each scripted incident's acc_info
starts with the line ``[진행단계] <Korean stage name>`` (feeds.incidents.STAGE_LINE), which
feeds.incidents.parse turns into the ``stage`` column.

A file that breaks a rule is refused with a ScenarioError (a ValueError) naming the file and the
field, e.g. ``mapo-fire.json: events[4].stage: 'arrived' comes after 'operating' ...``.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feeds import incidents
from feeds.demo import LINKS, Incident, Link
from feeds.districts import BY_NAME, locate

BUNDLED_DIR = Path(__file__).with_suffix("")  # feeds/scenarios/
NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
CLOCK = re.compile(r"(-?)(\d+):(\d{1,2})(?::(\d{1,2}))?")
ROAD_CODES = ("009", "010")
DEFAULT_RADIUS_M = 300.0

STAGE_ORDER = {code: k for k, (code, _, _) in enumerate(incidents.STAGES)}
STAGE_LABELS = {code: (ko, en) for code, ko, en in incidents.STAGES}
LINK_BY_KEY: dict[str, Link] = {
    key: link for link in LINKS for key in (link.link_id, f"{link.road} {link.start_node}→{link.end_node}")
}

TOP_FIELDS = {"name", "title_ko", "title_en", "description", "duration", "events"}
EVENT_FIELDS = {
    "incident": {
        "id",
        "type",
        "detail",
        "district",
        "link",
        "position",
        "text",
        "road_code",
        "expected_clear",
        "stage",
    },
    "stage": {"incident", "stage", "text", "road_code", "expected_clear"},
    "clear": {"incident"},
    "traffic": {"factor", "near", "radius_m", "links", "until", "ramp", "fade"},
    "air": {"district", "pm25", "pm10", "neighbours", "until", "ramp", "fade"},
}
COMMON_FIELDS = {"at", "kind", "note"}


class ScenarioError(ValueError):
    """A scenario file that cannot be played; the message names the file and the field."""


# --- what a scenario is made of -------------------------------------------------------------------


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


# --- loading --------------------------------------------------------------------------------------


def bundled_scenarios() -> list[str]:
    """Names of the scenarios shipped with the wall."""
    return sorted(path.stem for path in BUNDLED_DIR.glob("*.json"))


def load_scenario(name_or_path: str | Path) -> Scenario:
    """A bundled scenario by name, or a scenario file by path, validated."""
    path = Path(name_or_path)
    if isinstance(name_or_path, str) and NAME.fullmatch(name_or_path):
        path = BUNDLED_DIR / f"{name_or_path}.json"
        if not path.is_file():
            known = ", ".join(bundled_scenarios())
            raise ScenarioError(f"no scenario named {name_or_path!r}; bundled: {known}")
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ScenarioError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{path.name}: not JSON: {exc.msg} at line {exc.lineno}") from exc
    return parse_scenario(document, path.name, expected_name=path.stem)


def parse_scenario(document: object, file: str = "<scenario>", expected_name: str | None = None) -> Scenario:
    """Validate a scenario document (the JSON already read) and resolve it against the demo city."""
    return _Reader(file).scenario(document, expected_name)


class _Reader:
    """Reads one document, raising ScenarioError with the file and the field at the first problem."""

    def __init__(self, file: str):
        self.file = file
        self.duration = math.inf

    def fail(self, field: str, problem: str) -> ScenarioError:
        return ScenarioError(f"{self.file}: {field}: {problem}")

    # -- values

    def text(self, value: object, field: str) -> str:
        if not isinstance(value, str) or not value.strip():
            raise self.fail(field, "must be a non-empty string")
        return value.strip()

    def seconds(self, value: object, field: str) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise self.fail(field, f'{value!r} is not a time (seconds, "mm:ss" or "h:mm:ss")')
        if isinstance(value, str):
            match = CLOCK.fullmatch(value.strip())
            if not match:
                raise self.fail(field, f'{value!r} is not a time (seconds, "mm:ss" or "h:mm:ss")')
            sign, first, second, third = match.groups()
            if third is None:
                minutes, secs, hours = int(first), int(second), 0
            else:
                hours, minutes, secs = int(first), int(second), int(third)
                if minutes >= 60:
                    raise self.fail(field, f"{value!r} has {minutes} minutes")
            if secs >= 60:
                raise self.fail(field, f"{value!r} has {secs} seconds")
            seconds = (hours * 3600 + minutes * 60 + secs) * (-1 if sign else 1)
        else:
            seconds = float(value)
        if not math.isfinite(seconds):
            raise self.fail(field, f"{value!r} is not a time")
        if seconds < 0:
            raise self.fail(field, f"{value!r} is negative")
        return float(seconds)

    def number(self, value: object, field: str, low: float, high: float, *, low_open: bool = False) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise self.fail(field, f"{value!r} is not a number")
        if value > high or value < low or (low_open and value == low):
            bounds = f"{'above' if low_open else 'at least'} {low:g} and at most {high:g}"
            raise self.fail(field, f"{value!r} must be {bounds}")
        return float(value)

    def district(self, value: object, field: str) -> str:
        name = self.text(value, field)
        if name not in BY_NAME:
            raise self.fail(field, f"{name!r} is not one of Seoul's 25 districts (Korean name, e.g. 마포구)")
        return name

    def link(self, value: object, field: str) -> Link:
        key = re.sub(r"\s*(?:→|->)\s*", "→", str(value).strip()) if isinstance(value, (str, int)) else ""
        if key not in LINK_BY_KEY:
            raise self.fail(
                field,
                f"unknown link {value!r}: give a demo link id or '도로 시작→끝' "
                "as feeds.demo.LINKS names it (e.g. '양화로 합정→홍대입구')",
            )
        return LINK_BY_KEY[key]

    def lines(self, value: object, field: str) -> tuple[str, ...]:
        items = [value] if isinstance(value, str) else value
        if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
            raise self.fail(field, "must be a string or a list of strings")
        lines = tuple(line.strip() for item in items for line in item.splitlines() if line.strip())
        if not lines:
            raise self.fail(field, "must say what happened and where")
        if lines[0].startswith(incidents.STAGE_LINE):
            raise self.fail(field, f"must not start with {incidents.STAGE_LINE}: stage events set it")
        return lines

    def road_code(self, value: object, field: str) -> str:
        if value not in ROAD_CODES:
            raise self.fail(field, f"{value!r} is not an acc_road_code ({' or '.join(ROAD_CODES)})")
        return str(value)

    # -- the document

    def scenario(self, document: object, expected_name: str | None) -> Scenario:
        if not isinstance(document, dict):
            raise self.fail("(top)", "a scenario is a JSON object")
        self.known(document, TOP_FIELDS, "(top)")
        missing = sorted(TOP_FIELDS - document.keys())
        if missing:
            raise self.fail(missing[0], "is missing")
        name = self.text(document["name"], "name")
        if not NAME.fullmatch(name):
            raise self.fail("name", f"{name!r} must be lowercase letters, digits and dashes")
        if expected_name is not None and name != expected_name:
            raise self.fail("name", f"{name!r} differs from the file's name {expected_name!r}")
        duration = self.duration = self.seconds(document["duration"], "duration")
        if duration <= 0:
            raise self.fail("duration", "must be longer than zero")
        events = document["events"]
        if not isinstance(events, list) or not events:
            raise self.fail("events", "must be a non-empty list")
        read = [self.event(event, f"events[{k}]", duration) for k, event in enumerate(events)]
        # Later events refer to incidents by id: read the reports first, then the rest in time order.
        reports = [(field, event) for field, event in read if event["kind"] == "incident"]
        if not reports:
            raise self.fail("events", "a scenario needs at least one event of kind 'incident'")
        timelines: dict[str, dict[str, Any]] = {}
        for field, event in reports:
            if event["id"] in timelines:
                raise self.fail(f"{field}.id", f"incident {event['id']!r} is reported twice")
            timelines[event["id"]] = self.report(event, field, len(timelines))
        traffic, air = [], []
        for field, event in sorted(read, key=lambda item: item[1]["at"]):
            kind = event["kind"]
            if kind in ("stage", "clear"):
                self.follow(event, field, timelines)
            elif kind == "traffic":
                traffic.append(self.traffic(event, field, timelines))
            elif kind == "air":
                air.append(self.air(event, field))
        return Scenario(
            name=name,
            title_ko=self.text(document["title_ko"], "title_ko"),
            title_en=self.text(document["title_en"], "title_en"),
            description=self.text(document["description"], "description"),
            duration=duration,
            incidents=tuple(self.finish(timeline, duration) for timeline in timelines.values()),
            traffic=tuple(traffic),
            air=tuple(air),
        )

    def known(self, mapping: dict, allowed: set[str], field: str) -> None:
        unknown = sorted(set(mapping) - allowed)
        if unknown:
            raise self.fail(
                f"{field}.{unknown[0]}" if field != "(top)" else unknown[0],
                f"is not a field here (allowed: {', '.join(sorted(allowed))})",
            )

    def event(self, event: object, field: str, duration: float) -> tuple[str, dict]:
        if not isinstance(event, dict):
            raise self.fail(field, "an event is a JSON object")
        kind = event.get("kind")
        if kind not in EVENT_FIELDS:
            raise self.fail(f"{field}.kind", f"{kind!r} is not one of {', '.join(EVENT_FIELDS)}")
        self.known(event, EVENT_FIELDS[kind] | COMMON_FIELDS, field)
        if "at" not in event:
            raise self.fail(f"{field}.at", "is missing")
        at = self.seconds(event["at"], f"{field}.at")
        if at >= duration:
            raise self.fail(f"{field}.at", f"{event['at']!r} is not before the end (duration)")
        return field, {**event, "at": at}

    def report(self, event: dict, field: str, number: int) -> dict[str, Any]:
        for key in ("id", "type", "detail", "district", "link", "text"):
            if key not in event:
                raise self.fail(f"{field}.{key}", "is missing")
        key = self.text(event["id"], f"{field}.id")
        type_code = self.text(event["type"], f"{field}.type")
        if type_code not in incidents.TYPES:
            raise self.fail(f"{field}.type", f"{type_code!r} is not an AccMainCode (A01 ... A13)")
        detail = self.text(event["detail"], f"{field}.detail")
        if detail not in incidents.DETAILS or detail[:2] != type_code[1:]:
            raise self.fail(f"{field}.detail", f"{detail!r} is not a known AccSubCode of {type_code}")
        district = self.district(event["district"], f"{field}.district")
        link = self.link(event["link"], f"{field}.link")
        position = self.number(event.get("position", 0.5), f"{field}.position", 0, 1)
        lon, lat = _along(link, position)
        found = locate(lat, lon)
        if found is None or found.name != district:
            where = found.name if found else "no district"
            raise self.fail(
                f"{field}.district",
                f"{link.road} {link.start_node}→{link.end_node} at position "
                f"{position:g} lies in {where}, not {district}",
            )
        stage = event.get("stage", "reported")
        self.check_stage(stage, type_code, None, f"{field}.stage")
        return {
            "key": key,
            "number": number,
            "type_code": type_code,
            "detail_code": detail,
            "district": district,
            "link": link,
            "lon": lon,
            "lat": lat,
            "cleared": None,
            "steps": [
                Step(
                    at=event["at"],
                    stage=stage,
                    text=self.lines(event["text"], f"{field}.text"),
                    road_code=self.road_code(event.get("road_code", "010"), f"{field}.road_code"),
                    expected_clear=self.clear_time(event, field, event["at"]),
                )
            ],
        }

    def clear_time(self, event: dict, field: str, after: float) -> float | None:
        if "expected_clear" not in event:
            return None
        expected = self.seconds(event["expected_clear"], f"{field}.expected_clear")
        if expected <= after:
            raise self.fail(f"{field}.expected_clear", "must be later than the event itself")
        return expected

    def check_stage(self, stage: object, type_code: str, current: str | None, field: str) -> None:
        flow = incidents.stage_flow(type_code)
        shown = " → ".join(flow)
        if stage == "closed":
            raise self.fail(field, "'closed' is not set by a stage: an event of kind 'clear' closes it")
        if stage not in flow:
            raise self.fail(field, f"{stage!r} is not a stage of {type_code} incidents ({shown})")
        if current is not None and STAGE_ORDER[stage] <= STAGE_ORDER[current]:
            raise self.fail(field, f"{stage!r} comes after {current!r}: stages go forward ({shown})")

    def incident(self, event: dict, field: str, timelines: dict[str, dict]) -> dict[str, Any]:
        key = event.get("incident") if event["kind"] != "traffic" else event.get("near")
        name = "incident" if event["kind"] != "traffic" else "near"
        if key not in timelines:
            raise self.fail(f"{field}.{name}", f"{key!r} is not the id of an incident in this scenario")
        timeline = timelines[key]
        if event["at"] < timeline["steps"][0].at:
            raise self.fail(f"{field}.at", f"is before incident {key!r} is reported")
        return timeline

    def follow(self, event: dict, field: str, timelines: dict[str, dict]) -> None:
        """A stage or clear event: the incident moves on."""
        timeline = self.incident(event, field, timelines)
        last = timeline["steps"][-1]
        if timeline["cleared"] is not None:
            raise self.fail(f"{field}.at", f"incident {timeline['key']!r} is already cleared then")
        if event["at"] <= last.at:
            raise self.fail(
                f"{field}.at",
                f"incident {timeline['key']!r} already changed at that time; "
                "events of one incident need distinct times",
            )
        if event["kind"] == "clear":
            timeline["cleared"] = event["at"]
            return
        if "stage" not in event:
            raise self.fail(f"{field}.stage", "is missing")
        self.check_stage(event["stage"], timeline["type_code"], last.stage, f"{field}.stage")
        timeline["steps"].append(
            Step(
                at=event["at"],
                stage=event["stage"],
                text=self.lines(event["text"], f"{field}.text") if "text" in event else last.text,
                road_code=self.road_code(event["road_code"], f"{field}.road_code")
                if "road_code" in event
                else last.road_code,
                expected_clear=self.clear_time(event, field, event["at"])
                if "expected_clear" in event
                else last.expected_clear,
            )
        )

    def finish(self, timeline: dict[str, Any], duration: float) -> ScriptedIncident:
        return ScriptedIncident(
            key=timeline["key"],
            number=timeline["number"],
            type_code=timeline["type_code"],
            detail_code=timeline["detail_code"],
            district=timeline["district"],
            link=timeline["link"],
            lon=timeline["lon"],
            lat=timeline["lat"],
            steps=tuple(timeline["steps"]),
            cleared=duration if timeline["cleared"] is None else timeline["cleared"],
        )

    def window(self, event: dict, field: str) -> Window:
        at = event["at"]
        until = self.seconds(event["until"], f"{field}.until") if "until" in event else self.duration
        if until <= at:
            raise self.fail(f"{field}.until", "must be later than at")
        if until > self.duration:
            raise self.fail(f"{field}.until", f"{event['until']!r} is after the end (duration)")
        ramp = self.seconds(event.get("ramp", 0), f"{field}.ramp")
        fade = self.seconds(event.get("fade", 0), f"{field}.fade")
        if ramp + fade > until - at:
            raise self.fail(f"{field}.ramp", "ramp and fade together are longer than the effect lasts")
        return Window(at, until, ramp, fade)

    def traffic(self, event: dict, field: str, timelines: dict[str, dict]) -> TrafficEffect:
        if "factor" not in event:
            raise self.fail(f"{field}.factor", "is missing")
        factor = self.number(event["factor"], f"{field}.factor", 0, 1, low_open=True)
        if "near" not in event and "links" not in event:
            raise self.fail(field, "says which roads slow down with 'near' (an incident id) and/or 'links'")
        links: set[str] = set()
        if "near" in event:
            timeline = self.incident(event, field, timelines)
            radius = self.number(
                event.get("radius_m", DEFAULT_RADIUS_M), f"{field}.radius_m", 0, 5000, low_open=True
            )
            near = {
                link.link_id
                for link in LINKS
                if _distance_m((timeline["lon"], timeline["lat"]), link.path) <= radius
            }
            links |= near
        elif "radius_m" in event:
            raise self.fail(f"{field}.radius_m", "needs 'near': the incident it is measured from")
        if "links" in event:
            if not isinstance(event["links"], list) or not event["links"]:
                raise self.fail(f"{field}.links", "must be a non-empty list of links")
            links |= {self.link(ref, f"{field}.links[{k}]").link_id for k, ref in enumerate(event["links"])}
        return TrafficEffect(self.window(event, field), factor, frozenset(links))

    def air(self, event: dict, field: str) -> AirEffect:
        if "district" not in event:
            raise self.fail(f"{field}.district", "is missing")
        district = self.district(event["district"], f"{field}.district")
        if "pm25" not in event and "pm10" not in event:
            raise self.fail(f"{field}.pm25", "is missing: say how much PM2.5 (and PM10) is added")
        pm25 = self.number(event.get("pm25", 0), f"{field}.pm25", 0, 500)
        pm10 = self.number(event.get("pm10", pm25), f"{field}.pm10", 0, 600)
        if pm10 < pm25:
            raise self.fail(f"{field}.pm10", "is less than pm25, but PM10 includes PM2.5")
        if pm10 == 0:
            raise self.fail(f"{field}.pm25", "adds nothing")
        neighbours = event.get("neighbours", {})
        if not isinstance(neighbours, dict):
            raise self.fail(f"{field}.neighbours", 'must map districts to shares, e.g. {"서대문구": 0.4}')
        shares = [(district, 1.0)]
        for name, share in neighbours.items():
            where = f"{field}.neighbours.{name}"
            if self.district(name, where) == district:
                raise self.fail(where, "is the district itself")
            shares.append((name, self.number(share, where, 0, 1, low_open=True)))
        return AirEffect(self.window(event, field), pm25, pm10, tuple(shares))


def _along(link: Link, share: float) -> tuple[float, float]:
    """The (lon, lat) point ``share`` of the way along a link, by length."""
    pieces = list(zip(link.path, link.path[1:], strict=False))
    target = sum(_segment_m(a, b) for a, b in pieces) * share
    for a, b in pieces:
        piece = _segment_m(a, b)
        if target <= piece:
            k = target / piece if piece else 0.0
            return a[0] + (b[0] - a[0]) * k, a[1] + (b[1] - a[1]) * k
        target -= piece
    return link.path[-1]


def _local_m(origin: tuple[float, float], point: tuple[float, float]) -> tuple[float, float]:
    """A point in metres east and north of ``origin`` (flat earth: fine across a few km)."""
    metres_per_degree = 111_320.0
    return (
        (point[0] - origin[0]) * metres_per_degree * math.cos(math.radians(origin[1])),
        (point[1] - origin[1]) * metres_per_degree,
    )


def _segment_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    return math.hypot(*_local_m(a, b))


def _distance_m(point: tuple[float, float], path: tuple[tuple[float, float], ...]) -> float:
    """Metres from a point to the nearest part of a polyline."""
    best = math.inf
    for a, b in zip(path, path[1:], strict=False):
        (ax, ay), (bx, by) = _local_m(point, a), _local_m(point, b)
        dx, dy = bx - ax, by - ay
        k = 0.0 if dx == dy == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / (dx * dx + dy * dy)))
        best = min(best, math.hypot(ax + k * dx, ay + k * dy))
    return best
