"""The presenter remote: /control on a phone drives every wall browser within one tick.

The remote's state lives in the shared frame-store cache (Redis when several processes serve), not
in one process's memory. Access needs the token WALL_CONTROL_TOKEN: the presenter opens
/control?token=... once and trades it for a session: a random id in a cookie, whose digest the
store keeps until WALL_CONTROL_SESSION_HOURS pass or POST /control/logout ends it, so every
worker knows it. Without a session /control and every control action answer 401 and reveal
nothing. Wrong tokens are counted per client address in the store: the sixth within a minute,
and every token after it until the minute ends, answers 429 with Retry-After. With no token set
the remote is off. No page may frame the remote.
"""

from __future__ import annotations

import hashlib
import hmac
import html
import json
import logging
import math
import secrets
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import NoReturn

from flask import Flask, Response, jsonify, redirect, request
from flask_caching import Cache

from dashboard.store import StoreUnavailable, call
from feeds.districts import BY_CODE, DISTRICTS

log = logging.getLogger(__name__)

COOKIE = "wall_control"
SESSION_KEY = "control-session:"  # + the digest of a session id: the id itself is never stored
WRONG_KEY = "control-wrong:"  # + address:minute:n, one key per wrong token of that minute
WRONG_TOKENS_A_MINUTE = 5
# Another page (even one on the same host) must not frame the remote and steer a presenter's taps.
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


class Throttled(Exception):
    """Too many wrong tokens from one address this minute: answered 429, the token not even compared."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


class Remote:
    def __init__(
        self,
        cache: Cache,
        token: str,
        scenarios: list[str] | None = None,
        clock=time.time,
        session_hours: float = 12.0,
    ):
        self.cache = cache
        self.token = token
        self.scenarios = list(scenarios or [])
        self.clock = clock
        self.session_seconds = max(1, round(session_hours * 3600))

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

    def open_session(self) -> str:
        """A new session: a random id for the cookie; the store keeps its digest until it expires."""
        session = secrets.token_urlsafe(32)
        call(self.cache.set, _session_key(session), self.clock() + self.session_seconds, self.session_seconds)
        return session

    def session_open(self, session: str) -> bool:
        """The cookie names a session the store still holds and whose time has not run out."""
        if not session or len(session) > 64:  # ids are 43 characters; anything else was never issued
            return False
        expires = call(self.cache.get, _session_key(session))
        return isinstance(expires, (int, float)) and self.clock() < expires

    def end_session(self, session: str) -> None:
        call(self.cache.delete, _session_key(session))

    def token_accepted(self, offered: str) -> bool:
        """Compare a token in constant time, after the throttle: raise Throttled while this address
        has given too many wrong ones this minute; count and log it if it is wrong."""
        address = request.remote_addr or "unknown"
        now = self.clock()
        minute = int(now // 60)
        wrong = f"{WRONG_KEY}{address}:{minute}:"
        retry_after = max(1, math.ceil((minute + 1) * 60 - now))
        if call(self.cache.get, f"{wrong}{WRONG_TOKENS_A_MINUTE}") is not None:
            self._throttled(address, wrong, retry_after)
        if hmac.compare_digest(offered.encode(), self.token.encode()):
            return True
        # One key per wrong token, each added only if absent: every worker counts the same wrongs.
        for count in range(1, WRONG_TOKENS_A_MINUTE + 1):
            if call(self.cache.add, f"{wrong}{count}", now, 120):
                limit = WRONG_TOKENS_A_MINUTE
                log.warning("remote: wrong token from %s (%d of %d this minute)", address, count, limit)
                return False
        self._throttled(address, wrong, retry_after)  # others from this address filled the minute first

    def _throttled(self, address: str, wrong: str, retry_after: int) -> NoReturn:
        if call(self.cache.add, f"{wrong}said", 1, 120):  # a burst is one line a minute
            log.warning(
                "remote: %d wrong tokens from %s within a minute; refusing its tokens for %d s",
                WRONG_TOKENS_A_MINUTE,
                address,
                retry_after,
            )
        raise Throttled(retry_after)

    def authorised(self) -> bool:
        """The request comes from an open session, or carries the token itself (X-Wall-Token)."""
        if not self.enabled:
            return False
        if self.session_open(request.cookies.get(COOKIE, "")):
            return True
        header = request.headers.get("X-Wall-Token", "")
        return bool(header) and self.token_accepted(header)

    def register(self, server: Flask) -> None:
        def refused() -> Response:
            if not self.enabled:
                return Response("The presenter remote is off.\n", status=404, mimetype="text/plain")
            return Response("401 Unauthorized\n", status=401, mimetype="text/plain")

        def is_remote() -> bool:
            return request.path == "/control" or request.path.startswith("/control/")

        @server.errorhandler(Throttled)
        def throttled(error: Throttled) -> Response:
            response = Response("429 Too Many Requests\n", status=429, mimetype="text/plain")
            response.headers["Retry-After"] = str(error.retry_after)
            return response

        @server.after_request
        def never_kept(response: Response) -> Response:
            # Never kept by a browser or a proxy. (That no page frames it is every answer's rule:
            # dashboard/security.py sets frame-ancestors 'none' and X-Frame-Options on all.)
            if is_remote():
                response.headers["Cache-Control"] = "no-store"
            return response

        @server.get("/control")
        def control_page():
            token = request.args.get("token")
            if token and self.enabled:
                if not self.token_accepted(token):
                    return refused()
                # Trade the token in the URL for a session cookie, and drop it from the address bar.
                response = redirect("/control", code=303)
                session, seconds = self.open_session(), self.session_seconds
                response.set_cookie(COOKIE, session, httponly=True, samesite="Strict", max_age=seconds)
                return response
            if not self.authorised():
                return refused()
            return Response(_page(self.state()), mimetype="text/html")

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

        @server.post("/control/logout")
        def control_logout():
            session = request.cookies.get(COOKIE, "")
            if not self.enabled or not self.session_open(session):
                return refused()
            if not isinstance(request.get_json(silent=True), dict):  # JSON only, as every control request
                return jsonify({"error": "expected a JSON object"}), 400
            self.end_session(session)
            response = jsonify({"session": "ended"})
            response.delete_cookie(COOKIE, httponly=True, samesite="Strict")
            return response


def _session_key(session: str) -> str:
    return SESSION_KEY + hashlib.sha256(session.encode()).hexdigest()


def _scenario_titles(name: str) -> tuple[str, str, str]:
    from feeds.demo import load_scenario

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
