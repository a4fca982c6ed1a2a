"""The app factory's core half: the Dash app, its frame store, its source and its poller.

``app.py`` composes the program: it calls ``build`` and then sets the layout and registers the
callbacks. Nothing here imports ``layouts/`` or ``callbacks/``.
"""

from __future__ import annotations

import hashlib
import html
import json
import logging
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import dash
from flask import Flask, Response, g, has_request_context, jsonify, redirect, request
from flask_caching import Cache
from flask_compress import Compress

from dashboard import health, logs, metrics, security
from dashboard.alerts import CHECK_EVERY, Alerts
from dashboard.control import Remote, ScenarioDriver
from dashboard.history import History, open_history
from dashboard.poller import Poller
from dashboard.readmodel import LANGUAGES, ReadModel
from dashboard.settings import Settings, SettingsError
from dashboard.store import FrameStore, Freshness, StoreUnavailable
from feeds.base import Source
from feeds.districts import BY_CODE
from feeds.registry import FEEDS
from feeds.values import TIME_ZONE
from layouts import alerts as alert_words
from layouts import theme
from layouts.i18n import script_words

ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)


def _build_id() -> str:
    """What this server is made of, in 12 hex digits: its code and assets. Every worker of one
    build computes the same; a new build (code or assets changed, then restarted) another."""
    found = hashlib.sha256()
    for folder in ("dashboard", "layouts", "callbacks", "feeds", "assets"):
        for path in sorted((ROOT / folder).rglob("*")):
            if path.suffix in (".py", ".js", ".css", ".json") and "vendor" not in path.parts:
                found.update(str(path.relative_to(ROOT)).encode())
                found.update(path.read_bytes())
    found.update((ROOT / "app.py").read_bytes())
    return found.hexdigest()[:12]


BUILD = _build_id()


# The phone view's own files, and what of the wall's it leaves out: the wall's canvas styles and
# the plotly bundle (the phone draws no plot), so a phone's first load stays small.
PHONE_ONLY = r"^phone\.(css|js)$"
NOT_ON_PHONES = r"^wall\.css$"
PHONE_PREFIX = "/m/"


def with_page_head(app: dash.Dash, phone: bool = False) -> None:
    """Write into the page's head, before its style sheets, what its sheets and scripts read from
    their one home: the palette (layouts/theme.py), the city's time zone and the words the scripts
    write themselves ("as of 14:05 · 3 min ago", layouts/i18n.py)."""
    head = (
        theme.palette_style(phone),
        f'<meta name="city-time-zone" content="{html.escape(TIME_ZONE)}">',
        f'<meta name="wall-words" content="{html.escape(json.dumps(script_words(), ensure_ascii=False))}">',
    )
    app.index_string = app.index_string.replace("{%css%}", "\n        ".join((*head, "{%css%}")))


def phone_app(server: Flask) -> dash.Dash:
    """The phone view: a second Dash app on the same server, at /m (and /m/), sharing the wall's
    frames and builds; its own page, callbacks and assets."""
    phone = dash.Dash(
        __name__ + ".phone",
        server=server,
        url_base_pathname=PHONE_PREFIX,
        title="서울 도시상황판 · Seoul City Status",
        assets_folder=str(ROOT / "assets"),
        assets_ignore=NOT_ON_PHONES,
        assets_path_ignore=["vendor"],
        update_title=None,
        suppress_callback_exceptions=False,
        serve_locally=True,
        meta_tags=[
            {"name": "viewport", "content": "width=device-width, initial-scale=1"},
            {"name": "theme-color", "content": theme.BACKGROUND},
        ],
    )
    with_page_head(phone, phone=True)

    # The address a QR code carries: /m, not only Dash's /m/.
    server.add_url_rule(PHONE_PREFIX.rstrip("/"), "phone-page", phone.index)
    return phone


# What a page's address asks for (a language, a district) is kept a few minutes, per page, for the
# page's own layout request, which Dash sends without the address: the page paints straight in
# English on that district, not in Korean on the city first. The cookie holds "en.11440".
OPENINGS = {"wall": ("wall-opens", "/"), "phone": ("phone-opens", PHONE_PREFIX)}
PAGE_RULES = {  # the routes each page is served on (Dash's own, and /m)
    "/": "wall",
    "/<path:path>": "wall",
    PHONE_PREFIX.rstrip("/"): "phone",
    PHONE_PREFIX: "phone",
    PHONE_PREFIX + "<path:path>": "phone",
}


def remember_opening(response: Response, page: str) -> Response:
    """Set on ``response`` (the ``page``'s HTML) what the request's address asked it to open on."""
    cookie, path = OPENINGS[page]
    asked = "{}.{}".format(*opening(page, request.args))
    response.set_cookie(cookie, asked, max_age=300, path=path, httponly=True, samesite="Strict")
    return response


def opening(page: str, values=None) -> tuple[str, str]:
    """(language, district code or "") the ``page`` ("wall" or "phone") opens on: from the
    address's query, or (``values`` None) from the cookie its page set. Anything else opens the
    city in Korean."""
    if values is None:
        # Dash also draws the page once outside any request, to check it: the city in Korean.
        kept = request.cookies.get(OPENINGS[page][0], "") if has_request_context() else ""
        lang, _, district = kept.partition(".")
        values = {"lang": lang, "district": district}
    lang, district = values.get("lang"), values.get("district")
    return (lang if lang in LANGUAGES else LANGUAGES[0], district if district in BY_CODE else "")


def _remember_openings(server: Flask) -> None:
    @server.after_request
    def kept(response: Response) -> Response:
        rule = request.url_rule
        page = PAGE_RULES.get(rule.rule) if rule is not None else None
        html_page = response.status_code == 200 and response.mimetype == "text/html"
        if page and request.method == "GET" and html_page:
            remember_opening(response, page)
        return response


@dataclass
class Wall:
    settings: Settings
    app: dash.Dash
    cache: Cache
    store: FrameStore
    source: Source
    poller: Poller
    remote: Remote | None = None
    scenarios: ScenarioDriver | None = None  # plays the remote's scenarios, on a demo source
    history: History | None = None  # None when HISTORY_PATH=off
    read: ReadModel | None = None  # what callbacks read: frames, trends and the clock, for a moment
    phone: dash.Dash | None = None  # the phone view at /m: its own page and callbacks, the same frames
    builds: Any = None  # the wall's parts built in this process (callbacks/memo.py), set by callbacks
    phone_builds: Any = None  # the phone view's
    alerts: Alerts | None = None  # posts to WALL_ALERT_WEBHOOK, in the process that polls

    @property
    def server(self):
        return self.app.server

    def start_polling(self, reloader: bool = False) -> bool:
        """Start the poller once in this process, if this process is the one that polls.

        Under Dash's debug reloader the first process only watches files and restarts its
        child, which serves and polls (WERKZEUG_RUN_MAIN is set there).
        """
        if not self.settings.wall_poller:
            return False
        if reloader and os.environ.get("WERKZEUG_RUN_MAIN") != "true":
            return False
        return self.poller.start()


def make_source(settings: Settings, resume_at: float | None = None) -> Source:
    """The source WALL_SOURCE names. WALL_HOTSPOTS reaches traffic.fetch as the source's ``hotspots``.

    A demo city that ran fast (DEMO_SPEED) before a restart resumes where its history ends
    (``resume_at``), so its clock never goes back behind what the wall already recorded.
    """
    if settings.wall_source == "demo":
        from feeds.demo import DemoSource

        start = max(time.time(), resume_at) if resume_at is not None else None
        return DemoSource(seed=settings.demo_seed, speed=settings.demo_speed, start=start)
    if settings.wall_source == "seoul":
        from feeds.seoul import SeoulSource

        return SeoulSource(
            settings.seoul_api_key,
            settings.seoul_api_base_url,
            timeout=settings.seoul_timeouts(),
            hotspots=settings.wall_hotspots or None,
        )
    if settings.wall_source == "replay":
        from feeds.replay import ReplaySource

        try:
            return ReplaySource(
                settings.wall_replay_path,
                speed=settings.wall_replay_speed,
                hotspots=settings.wall_hotspots or None,
            )
        except (OSError, ValueError) as exc:
            raise SettingsError(f"WALL_REPLAY_PATH={settings.wall_replay_path!r}: {exc}") from None
    raise ValueError(f"unknown source {settings.wall_source}")  # settings.load refuses it first


def build(settings: Settings, source: Source | None = None) -> Wall:
    # Whatever started this process (make run, a bare gunicorn, python app.py, the poller), the
    # wall's lines read alike from here on.
    logs.configure(settings.log_level, settings.log_format)
    server = Flask(__name__)
    server.config.update(compression_settings())
    # What Dash's `compress=True` does, keeping the instance (its cache holds the static bodies).
    server.extensions["compress"] = Compress(server)
    app = dash.Dash(
        __name__,
        server=server,
        title="서울 도시상황판 · Seoul City Wall",
        assets_folder=str(ROOT / "assets"),
        update_title=None,  # no "Updating..." flicker in the tab title
        suppress_callback_exceptions=False,
        serve_locally=True,  # an exhibit floor has no reliable internet: no CDN
        assets_ignore=PHONE_ONLY,
    )
    with_page_head(app)
    phone = phone_app(server)
    _remember_openings(server)
    _lean_responses(server)
    security.register(app, phone)
    cache = Cache(
        app.server,
        config={
            "CACHE_TYPE": settings.cache_type,
            "CACHE_DEFAULT_TIMEOUT": 0,
            "CACHE_THRESHOLD": 10_000,
            "CACHE_KEY_PREFIX": "citywall:",
            "CACHE_REDIS_URL": _bounded(settings.cache_redis_url),
        },
    )
    freshness = {name: Freshness(settings.interval(name), feed.max_age) for name, feed in FEEDS.items()}
    store = FrameStore(cache, freshness)
    history = open_history(settings.history_path, settings.history_retention_days)
    source = source or make_source(settings, resume_at=history.newest_poll() if history else None)
    poller = Poller(store, source, FEEDS, {name: settings.interval(name) for name in FEEDS}, history=history)
    health.register(
        app.server, store, version=metrics.wall_version(), build=BUILD, polling=lambda: poller.running
    )
    metrics.register(app.server, metrics.WallCollector(store, poller.calls, BUILD, source.name))
    # Browsers ask for /favicon.ico on pages that name none (the remote's): Dash's own icon.
    app.server.add_url_rule("/favicon.ico", "favicon", lambda: redirect("/_favicon.ico", code=301))
    _count_ticks(app.server)
    _answer_store_outages(app.server)
    remote = Remote(
        cache,
        settings.wall_control_token,
        scenarios=_scenarios(source),
        session_hours=settings.wall_control_session_hours,
    )
    remote.register(app.server)
    driver = ScenarioDriver(remote, source, poller) if remote.enabled and remote.scenarios else None
    if driver is not None:
        poller.every(1.0, driver.apply, "scenario")
    alerts = None
    if settings.wall_alert_webhook and settings.wall_poller:
        # Worded as the wall words things (the alerts' lines are presentation, like the page head).
        alerts = Alerts(
            settings.wall_alert_webhook,
            store,
            FEEDS,
            history,
            words=alert_words.say,
            source=source.name,
            lang=settings.wall_alert_lang,
            after=settings.wall_alert_after * 60,
        )
        poller.after_each_poll(alerts.watch)
        poller.every(CHECK_EVERY, alerts.watch, "alerts")  # a feed goes stale without a poll too
    read = ReadModel(
        store,
        history,
        source.name,
        control=remote.state if remote.enabled else None,
        public_url=settings.wall_public_url,
    )
    return Wall(
        settings,
        app,
        cache,
        store,
        source,
        poller,
        remote=remote,
        history=history,
        scenarios=driver,
        read=read,
        phone=phone,
        alerts=alerts,
    )


# What never changes while a process runs: Dash's bundles (their paths carry a version) and the
# assets. Compressed once and kept; everything else is compressed per answer.
STATIC_PREFIXES = tuple(
    prefix + name
    for prefix in ("/", PHONE_PREFIX)
    for name in ("_dash-component-suites/", "assets/", "_favicon.ico")
)


class CompressedOnce:
    """flask-compress's cache backend: keeps the compressed body of each static file, nothing else."""

    limit = 128  # a handful of bundles and assets; a client cannot grow it past this

    def __init__(self) -> None:
        self._bodies: dict[str, bytes] = {}

    def get(self, key: str) -> bytes | None:
        return self._bodies.get(key)

    def set(self, key: str, body: bytes) -> None:
        if not key.endswith(";") and (key in self._bodies or len(self._bodies) < self.limit):
            self._bodies[key] = body


def _static_key(req) -> str:
    # A static file is known by its path (the query only busts browser caches); "" keeps none.
    return req.path if req.method == "GET" and req.path.startswith(STATIC_PREFIXES) else ""


def _answer_store_outages(server: Flask) -> None:
    """A request that needs the store while it is down gets a JSON 503, and the log a line a minute."""
    said = [-math.inf]

    @server.errorhandler(StoreUnavailable)
    def store_unavailable(error: StoreUnavailable):
        if time.monotonic() - said[0] > 60:
            said[0] = time.monotonic()
            log.warning("answering 503 while %s", error.reason)
        return jsonify({"error": error.reason}), 503


def _bounded(redis_url: str) -> str:
    """The Redis URL with socket timeouts, unless it names its own: a Redis that stops answering
    makes a read fail within a second or two (the wall goes on with what it has), not hang."""
    parts = urlsplit(redis_url)
    query = dict(parse_qsl(parts.query))
    query.setdefault("socket_connect_timeout", "1")
    query.setdefault("socket_timeout", "2")
    return urlunsplit(parts._replace(query=urlencode(query)))


def _count_ticks(server: Flask) -> None:
    """Ticks (and touches: the same request) answered, their server time and who sent them, for
    /metrics. A viewer is a browser connection: its address and its browser's name."""
    viewers = metrics.Viewers()

    @server.before_request
    def started():
        if request.path.endswith("/_dash-update-component"):
            g.tick_started = time.perf_counter()

    @server.after_request
    def counted(response: Response) -> Response:
        began = g.pop("tick_started", None)
        if began is not None:
            metrics.TICK_SECONDS.observe(time.perf_counter() - began)
            metrics.TICKS.labels("nothing new" if response.status_code == 204 else "changes").inc()
            agent = request.headers.get("User-Agent", "")[:200]
            viewers.saw(f"{request.remote_addr} {agent}")
        return response


def _lean_responses(server: Flask) -> None:
    """Assets are sent as file streams, which flask-compress would compress anew for every page
    load; read into memory instead (a few kB), they are compressed once like Dash's bundles.
    An empty answer (a tick with nothing new) goes out with as few header bytes as it can."""

    @server.after_request
    def buffered(response):
        if "/_dash-" in request.path:
            # The build serving this tick: an open wall that sees it change reloads (wall.js).
            response.headers["X-Wall-Build"] = BUILD
        if response.status_code == 204:
            # A tick with nothing new is most of the traffic: no body, so no type either.
            response.headers.pop("Content-Type", None)
            return response
        if response.direct_passthrough and response.status_code == 200 and _static_key(request):
            response.direct_passthrough = False
            response.make_sequence()
        return response


def compression_settings() -> dict:
    """flask-compress (Dash's ``compress``): brotli or gzip as the browser asks, static files once."""
    return {
        "COMPRESS_ALGORITHM": ["br", "gzip"],
        "COMPRESS_BR_LEVEL": 5,
        "COMPRESS_LEVEL": 6,
        "COMPRESS_MIN_SIZE": 300,
        "COMPRESS_CACHE_BACKEND": CompressedOnce,
        "COMPRESS_CACHE_KEY": _static_key,
        "COMPRESS_STREAMS": False,
    }


def _scenarios(source: Source) -> list[str]:
    """Scenarios the remote may start: those of a source that can play them (the demo)."""
    if not hasattr(source, "play"):
        return []
    from feeds.demo import bundled_scenarios

    return bundled_scenarios()
