"""The presenter remote: /control on a phone drives every wall browser within one tick.

The remote's state lives in the shared frame-store cache (Redis when several processes serve), not
in one process's memory. Access needs the token WALL_CONTROL_TOKEN: the presenter opens
/control?token=... once and a cookie keeps the session; without it /control and every control
action answer 401 and reveal nothing. With no token set the remote is off.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import logging
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from flask import Flask, Response, jsonify, redirect, request
from flask_caching import Cache

from dashboard.store import StoreUnavailable, call
from feeds.districts import BY_CODE, DISTRICTS

log = logging.getLogger(__name__)

COOKIE = "wall_control"
ATTRACT_MODES = ("auto", "on", "off")
LANGUAGES = ("ko", "en")


@dataclass(frozen=True)
class ControlState:
    """What the presenter asked for. ``seq`` moves on every change so walls apply it once."""

    seq: int = 0
    selection: str | None = None
    lang: str | None = None
    attract: str = "auto"
    scenario: str | None = None  # the scenario asked for, or None for the ordinary city
    scenario_seq: int = 0  # moves when a scenario is (re)started or stopped
    scenario_started_at: float | None = None  # source clock; set by the polling process once it plays
    updated_at: float = 0.0
    scenarios: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


class ControlError(ValueError):
    """A control request the wall cannot carry out; the message says why."""


class Remote:
    def __init__(self, cache: Cache, token: str, scenarios: list[str] | None = None, clock=time.time):
        self.cache = cache
        self.token = token
        self.scenarios = list(scenarios or [])
        self.clock = clock

    @property
    def enabled(self) -> bool:
        return bool(self.token)

    def state(self) -> ControlState:
        found = call(self.cache.get, "control")
        state = found if isinstance(found, ControlState) else ControlState()
        return ControlState(**{**state.to_dict(), "scenarios": self.scenarios})

    def change(self, wanted: dict) -> ControlState:
        """Apply a partial change from the remote; raise ControlError naming a bad field."""
        current = self.state()
        values = current.to_dict()
        for key, value in wanted.items():
            if key == "selection":
                if value is not None and value not in BY_CODE:
                    raise ControlError(f"selection: unknown district {value!r}")
            elif key == "lang":
                if value not in LANGUAGES:
                    raise ControlError(f"lang: expected one of {', '.join(LANGUAGES)}")
            elif key == "attract":
                if value not in ATTRACT_MODES:
                    raise ControlError(f"attract: expected one of {', '.join(ATTRACT_MODES)}")
            elif key == "scenario":
                if value is not None and value not in self.scenarios:
                    raise ControlError(f"scenario: unknown scenario {value!r}")
                values["scenario_seq"] = current.scenario_seq + 1
                values["scenario_started_at"] = None
            else:
                raise ControlError(f"{key}: not something the remote controls")
            values[key] = value
        values["seq"] = current.seq + 1
        values["updated_at"] = self.clock()
        state = ControlState(**values)
        call(self.cache.set, "control", state)
        return state

    def mark_started(self, scenario_seq: int, started_at: float) -> None:
        """Record when the polling process started the scenario, so a restart resumes it there."""
        state = self.state()
        if state.scenario_seq == scenario_seq and state.scenario_started_at is None:
            started = ControlState(**{**state.to_dict(), "scenario_started_at": started_at})
            call(self.cache.set, "control", started)

    # --- access --------------------------------------------------------------------------------

    def _session_value(self) -> str:
        # The cookie holds a digest of the token, never the token itself.
        return hmac.new(self.token.encode(), b"wall-control-session", hashlib.sha256).hexdigest()

    def authorised(self) -> bool:
        if not self.enabled:
            return False
        offered = request.cookies.get(COOKIE, "")
        header = request.headers.get("X-Wall-Token", "")
        return hmac.compare_digest(offered, self._session_value()) or (
            bool(header) and hmac.compare_digest(header, self.token)
        )

    def register(self, server: Flask) -> None:
        def refused() -> Response:
            if not self.enabled:
                return Response("The presenter remote is off.\n", status=404, mimetype="text/plain")
            return Response("401 Unauthorized\n", status=401, mimetype="text/plain")

        @server.get("/control")
        def control_page():
            token = request.args.get("token")
            if token is not None and self.enabled and hmac.compare_digest(token, self.token):
                # Trade the token in the URL for a cookie, and drop it from the address bar.
                response = redirect("/control", code=303)
                response.set_cookie(
                    COOKIE, self._session_value(), httponly=True, samesite="Strict", max_age=12 * 3600
                )
                return response
            if not self.authorised():
                return refused()
            response = Response(_page(self.state()), mimetype="text/html")
            response.headers["Cache-Control"] = "no-store"
            return response

        @server.get("/control/state")
        def control_state():
            if not self.authorised():
                return refused()
            return jsonify(self.state().to_dict())

        @server.post("/control/state")
        def control_change():
            if not self.authorised():
                return refused()
            wanted = request.get_json(silent=True)
            if not isinstance(wanted, dict):
                return jsonify({"error": "expected a JSON object"}), 400
            try:
                return jsonify(self.change(wanted).to_dict())
            except ControlError as exc:
                return jsonify({"error": str(exc)}), 400


def _scenario_titles(name: str) -> tuple[str, str, str]:
    from feeds.scenarios import load_scenario

    try:
        scenario = load_scenario(name)
    except ValueError:
        return name, name, ""
    return name, scenario.title_ko, scenario.title_en


def _page(state: ControlState) -> str:
    """The remote: big buttons for a phone, no external assets."""
    districts = "".join(
        f'<button class="d" data-code="{d.code}">{html.escape(d.name)}'
        f"<small>{html.escape(d.name_en)}</small></button>"
        for d in DISTRICTS
    )
    scenarios = (
        "".join(
            f'<button class="s" data-scenario="{html.escape(name)}">{html.escape(title_ko)}'
            f"<small>{html.escape(title_en)}</small></button>"
            for name, title_ko, title_en in map(_scenario_titles, state.scenarios)
        )
        or "<p>시나리오 없음 · No scenarios</p>"
    )
    # JSON in a script element: "<" escaped so no text can close the element.
    state_json = json.dumps(state.to_dict(), ensure_ascii=False).replace("<", "\\u003c")
    template = (Path(__file__).parent / "templates" / "control.html").read_text(encoding="utf-8")
    return (
        template.replace("{{districts}}", districts)
        .replace("{{scenarios}}", scenarios)
        .replace("{{state}}", state_json)
    )


class ScenarioDriver:
    """Carries the remote's scenario requests to the demo source, in the process that polls.

    Only the poller's process touches the source. A scenario keeps the start it was first played
    with (stored beside the remote's state), so a restarted poller resumes it where it was.
    """

    def __init__(self, remote: Remote, source, poller):
        self.remote = remote
        self.source = source
        self.poller = poller
        self.applied: int | None = None

    def apply(self) -> None:
        try:
            state = self.remote.state()
        except StoreUnavailable:
            return  # the poller says so once; the scenario goes on as it was

        if state.scenario_seq == self.applied:
            return
        self.applied = state.scenario_seq
        if state.scenario:
            status = self.source.play(state.scenario, start=state.scenario_started_at)
            self.remote.mark_started(state.scenario_seq, status["started_at"])
            log.info("scenario %s playing from %s", state.scenario, status["started_at"])
        elif state.scenario_seq:
            self.source.stop()
            log.info("scenario stopped")
        else:
            return
        self.poller.poll_soon()
