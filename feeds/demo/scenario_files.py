"""Scenario files: the bundled ones, and reading a JSON document into a validated Scenario.

The format is in docs/scenarios.md. A file that breaks a rule is refused with a ScenarioError (a
ValueError) naming the file and the field, e.g. ``mapo-fire.json: events[4].stage: 'arrived'
comes after 'operating' ...``.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from feeds import incidents
from feeds.demo.roads import LINKS, Link, distance_m, point_along
from feeds.demo.scenarios import AirEffect, Scenario, ScriptedIncident, Step, TrafficEffect, Window
from feeds.districts import BY_NAME, locate

BUNDLED_DIR = Path(__file__).parent / "scenarios"
NAME = re.compile(r"[a-z0-9][a-z0-9-]*")
CLOCK = re.compile(r"(-?)(\d+):(\d{1,2})(?::(\d{1,2}))?")
ROAD_CODES = ("009", "010")
DEFAULT_RADIUS_M = 300.0

STAGE_ORDER = {code: k for k, (code, _, _) in enumerate(incidents.STAGES)}
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
        lon, lat = point_along(link, position)
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
                if distance_m((timeline["lon"], timeline["lat"]), link.path) <= radius
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
