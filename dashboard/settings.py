"""Settings from environment variables: each has a documented default and is checked at start.

They may also come from a file of ``NAME=value`` lines (WALL_ENV_FILE, else ``.env`` in the
working directory when there is one): the format systemd's EnvironmentFile and docker's
``--env-file`` read. A variable set in the environment wins over the file.
"""

from __future__ import annotations

import difflib
import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from feeds.registry import FEEDS

SOURCES = ("demo", "seoul", "replay")
# Never printed, not even in an error message (a Slack or Teams webhook URL carries its token).
SECRETS = frozenset({"seoul_api_key", "wall_control_token", "wall_alert_webhook"})
CACHE_TYPES = ("SimpleCache", "RedisCache", "NullCache")


class SettingsError(ValueError):
    """A setting has a value the wall cannot use; the message names the setting."""


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"  # HOST: address to serve on (Dash's own name)
    port: int = 8050  # PORT: port to serve on (Dash's own name)
    wall_source: str = "demo"  # WALL_SOURCE: demo (embedded simulator), seoul (live API) or replay
    seoul_api_key: str = field(default="", repr=False)  # SEOUL_API_KEY: needed for seoul; secret
    seoul_api_base_url: str = "http://openapi.seoul.go.kr:8088"  # SEOUL_API_BASE_URL: or a mirror
    seoul_timeout: float = 15.0  # SEOUL_TIMEOUT: seconds one request may take to answer
    wall_hotspots: tuple[str, ...] = ()  # WALL_HOTSPOTS: citydata places, comma-separated (seoul, replay)
    wall_replay_path: str = ""  # WALL_REPLAY_PATH: the recording WALL_SOURCE=replay plays
    wall_replay_speed: float = 1.0  # WALL_REPLAY_SPEED: recorded seconds per real second
    cache_type: str = "SimpleCache"  # CACHE_TYPE: frame store backend (flask-caching's own name)
    cache_redis_url: str = "redis://127.0.0.1:6379/0"  # CACHE_REDIS_URL: for CACHE_TYPE=RedisCache
    demo_seed: int = 7  # DEMO_SEED: the simulated city's seed; the same seed, the same city
    demo_speed: float = 1.0  # DEMO_SPEED: simulated seconds per real second
    # {FEED}_INTERVAL (AIR_INTERVAL, TRAFFIC_INTERVAL, ...): seconds between a feed's polls, for
    # every feed in feeds/registry.py (default: the feed's own). Feeds that read one call are
    # polled together, at the shortest of their intervals.
    intervals: Mapping[str, int] = field(default_factory=lambda: _intervals({}))
    wall_tick: float = 5.0  # WALL_TICK: seconds between the browsers' version checks
    wall_bezel: int = 0  # WALL_BEZEL: CSS px between screens, so nothing is drawn behind a bezel
    wall_attract_idle: float = 90.0  # WALL_ATTRACT_IDLE: untouched seconds before the attract loop
    wall_attract_dwell: float = 10.0  # WALL_ATTRACT_DWELL: seconds the attract loop shows each stop
    # WALL_PUBLIC_URL: the wall's address as phones reach it (http://192.168.0.10:8050); puts a QR
    # code for the phone view (/m) on the wall. Empty: no code.
    wall_public_url: str = ""
    # WALL_CONTROL_TOKEN: the presenter remote's token (16+ characters); empty: the remote is off
    wall_control_token: str = field(default="", repr=False)
    wall_control_session_hours: float = 12.0  # WALL_CONTROL_SESSION_HOURS: a remote login's lifetime
    wall_poller: bool = True  # WALL_POLLER: poll upstream in this process (off for web workers)
    web_workers: int = 1  # WEB_WORKERS: gunicorn worker processes; more than 1 needs Redis and a poller
    web_threads: int = 8  # WEB_THREADS: threads per worker, each answering one request at a time
    log_level: str = "INFO"  # LOG_LEVEL: DEBUG, INFO, WARNING or ERROR
    log_format: str = "text"  # LOG_FORMAT: text (for people) or json (one JSON object per line)
    dash_debug: bool = False  # DASH_DEBUG: Dash's dev tools and reloader, for `make dev` only (Dash's name)
    # HISTORY_PATH: the SQLite file the wall keeps its history in (relative: under the repo); off: none
    history_path: str = "var/history.sqlite"
    history_retention_days: int = 30  # HISTORY_RETENTION_DAYS: days of history kept (frames: 48 h)
    # WALL_ALERT_WEBHOOK: where alerts are POSTed (a Slack or Teams incoming webhook, an http(s)
    # URL); empty: no alerts. Secret: such a URL carries its token.
    wall_alert_webhook: str = field(default="", repr=False)
    wall_alert_after: float = 10.0  # WALL_ALERT_AFTER: minutes a feed fails or is stale before it is alerted
    wall_alert_lang: str = "ko"  # WALL_ALERT_LANG: the alerts' language, ko or en
    # WALL_ENV_FILE: a file of NAME=value settings read before the environment (which wins);
    # default: .env in the working directory, when there is one. Shown as the file that was read.
    wall_env_file: str = ""

    def __post_init__(self) -> None:
        # Every feed has an interval: those not given keep the feed's own.
        given = dict(self.intervals)
        unknown = set(given) - set(FEEDS)
        if unknown:
            named = ", ".join(sorted(unknown))
            raise SettingsError(f"intervals: no feed named {named}; the feeds are {', '.join(FEEDS)}")
        object.__setattr__(self, "intervals", MappingProxyType({**_intervals({}), **given}))
        # What one setting needs of another; load() has already checked each alone.
        if self.wall_source == "seoul" and not self.seoul_api_key.strip():
            raise SettingsError(
                "SEOUL_API_KEY is not set: WALL_SOURCE=seoul needs a Seoul Open Data Plaza key "
                "(data.seoul.go.kr); or run WALL_SOURCE=demo or replay"
            )
        if self.wall_source == "replay":
            if not self.wall_replay_path:
                raise SettingsError("WALL_REPLAY_PATH is not set: WALL_SOURCE=replay needs a recording")
            recording = Path(self.wall_replay_path)
            if not recording.is_file():
                what = "a directory" if recording.is_dir() else "no file there"
                named = f"WALL_REPLAY_PATH={self.wall_replay_path!r}"
                raise SettingsError(f"{named}: {what}; it names a recording")

        if self.web_workers > 1 and self.cache_type != "RedisCache":
            raise SettingsError(
                f"WEB_WORKERS={self.web_workers} needs CACHE_TYPE=RedisCache: with {self.cache_type} each "
                "worker keeps frames of its own and polls upstream on its own"
            )
        if self.web_workers > 1 and self.wall_poller:
            raise SettingsError(
                f"WEB_WORKERS={self.web_workers} needs WALL_POLLER=off: run one poller "
                "(python -m dashboard poll) beside the workers, or every worker polls upstream"
            )

    def interval(self, feed: str) -> int:
        return self.intervals[feed]

    def seoul_timeouts(self) -> tuple[float, float]:
        """(connect, read) seconds for one request to the Seoul API."""
        return min(5.0, self.seoul_timeout), self.seoul_timeout

    def shown(self) -> dict[str, str]:
        """Every setting by its variable's name, as printed at start: secrets only as set or not set."""
        shown = {}
        for f in fields(self):
            if f.name == "intervals":
                shown |= {f"{feed.upper()}_INTERVAL": str(every) for feed, every in self.intervals.items()}
            else:
                shown[f.name.upper()] = self._shown(f.name)
        return shown

    def describe(self) -> str:
        """One line per setting (``shown``)."""
        shown = self.shown()
        wide = max(map(len, shown))
        return "\n".join(f"  {name:<{wide}}  {value}" for name, value in shown.items())

    def _shown(self, name: str) -> str:
        value = getattr(self, name)
        if name in SECRETS:
            return "set" if value else "not set"
        if isinstance(value, tuple):
            return ", ".join(value) if value else "(default)"
        if value == "":
            return "(none)"
        return redact_url(str(value))


def redact_url(value: str) -> str:
    """Hide a password in a URL such as redis://user:secret@host/0."""
    scheme, sep, rest = value.partition("://")
    if sep and "@" in rest:
        credentials, _, host = rest.rpartition("@")
        user = credentials.partition(":")[0]
        return f"{scheme}://{user}:***@{host}"
    return value


def _bounded(convert: Callable[[str], float], low: float, high: float, noun: str) -> Callable[[str], Any]:
    def parse(raw: str):
        value = convert(raw)
        if not low <= value <= high:
            raise ValueError("out of range")
        return value

    shown = [f"{bound:g}" if isinstance(bound, float) else str(bound) for bound in (low, high)]
    parse.__doc__ = f"{noun} from {shown[0]} to {shown[1]}"
    return parse


def _integer(low: int, high: int) -> Callable[[str], int]:
    return _bounded(int, low, high, "a whole number")


def _number(low: float, high: float) -> Callable[[str], float]:
    return _bounded(float, low, high, "a number")


def _choice(*options: str) -> Callable[[str], str]:
    lowered = {o.lower(): o for o in options}

    def parse(raw: str) -> str:
        if raw.lower() not in lowered:
            raise ValueError("unknown value")
        return lowered[raw.lower()]

    parse.__doc__ = "one of " + ", ".join(options)
    return parse


def _switch(raw: str) -> bool:
    """on or off (also true/false, 1/0, yes/no)"""
    lowered = raw.lower()
    if lowered in ("1", "true", "on", "yes"):
        return True
    if lowered in ("0", "false", "off", "no"):
        return False
    raise ValueError("unknown value")


def _text(raw: str) -> str:
    """text"""
    if not raw.strip():
        raise ValueError("empty")
    return raw.strip()


def _http_url(raw: str) -> str:
    """an http:// or https:// URL with a host, such as http://openapi.seoul.go.kr:8088"""
    parts = urlsplit(raw.strip())
    # .port raises ValueError itself for a port that is not a number from 0 to 65535.
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.port == 0:
        raise ValueError("not an http(s) URL")
    if parts.query or parts.fragment:
        raise ValueError("the base URL takes no query")
    return raw.strip().rstrip("/")


def _webhook_url(raw: str) -> str:
    """an http:// or https:// URL with a host (a Slack or Teams incoming webhook)"""
    parts = urlsplit(raw.strip())
    # .port raises ValueError itself for a port that is not a number from 0 to 65535.
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.port == 0:
        raise ValueError("not an http(s) URL")
    if any(c.isspace() for c in raw.strip()):
        raise ValueError("a URL has no spaces")
    return raw.strip()


def _public_url(raw: str) -> str:
    parts = urlsplit(raw.strip())
    # .port raises ValueError itself for a port that is not a number from 0 to 65535.
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.port == 0:
        raise ValueError("not an http(s) URL")
    if "?" in raw or "#" in raw:
        raise ValueError("the phone view's address is made from it: it takes no query")
    if parts.username is not None or any(c.isspace() for c in raw.strip()):
        raise ValueError("it is shown on the wall as a QR code")
    if _unreachable_from_a_phone(parts.hostname):
        raise ValueError("a phone would reach itself, not the wall")
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


# What load() says it expects: one line, longer than a docstring line may be.
_public_url.__doc__ = (
    "an http:// or https:// address phones can reach, such as http://192.168.0.10:8050 (a path may "
    "follow; no query; not localhost, 127.x, ::1 or 0.0.0.0)"
)


def _unreachable_from_a_phone(host: str) -> bool:
    """Loopback names the phone itself, and 0.0.0.0 is where a server listens, not an address."""
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False  # a name: the LAN's DNS may know it
    mapped = getattr(address, "ipv4_mapped", None)
    return any(a.is_loopback or a.is_unspecified for a in (address, mapped) if a is not None)


def _names(raw: str) -> tuple[str, ...]:
    """names separated by commas"""
    names = tuple(dict.fromkeys(name.strip() for name in raw.split(",") if name.strip()))
    if not names:
        raise ValueError("empty")
    return names


# Tokens the README has shown as examples: published, so anyone on the exhibit LAN could try them.
EXAMPLE_TOKENS = frozenset({"choose-a-long-token"})


def _token(raw: str) -> str:
    """at least 16 characters with no spaces, and not the README's example"""
    if len(raw) < 16 or any(c.isspace() for c in raw) or raw in EXAMPLE_TOKENS:
        raise ValueError("too short or published")
    return raw


PARSERS: dict[str, Callable[[str], Any]] = {
    "host": _text,
    "port": _integer(1, 65535),
    "wall_source": _choice(*SOURCES),
    "seoul_api_key": _text,
    "seoul_api_base_url": _http_url,
    "seoul_timeout": _number(0.1, 300),
    "wall_hotspots": _names,
    "wall_replay_path": _text,
    "wall_replay_speed": _number(0.01, 100_000),
    "cache_type": _choice(*CACHE_TYPES),
    "cache_redis_url": _text,
    "demo_seed": _integer(0, 2**31 - 1),
    "demo_speed": _number(0.01, 100_000),
    "wall_tick": _number(0.5, 3600),
    "wall_bezel": _integer(0, 400),
    "wall_attract_idle": _number(1, 86_400),
    "wall_attract_dwell": _number(1, 600),
    "wall_public_url": _public_url,
    "wall_control_token": _token,
    "wall_control_session_hours": _number(0.1, 168),
    "wall_poller": _switch,
    "web_workers": _integer(1, 64),
    "web_threads": _integer(1, 64),
    "log_level": _choice("DEBUG", "INFO", "WARNING", "ERROR"),
    "log_format": _choice("text", "json"),
    "dash_debug": _switch,
    "history_path": _text,
    "history_retention_days": _integer(1, 3650),
    "wall_alert_webhook": _webhook_url,
    "wall_alert_after": _number(0, 10_080),
    "wall_alert_lang": _choice("ko", "en"),
    "wall_env_file": _text,
}


INTERVAL = _integer(1, 86_400)  # any feed's {FEED}_INTERVAL


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """Read every setting from the environment (this process's, with its env file, when none is
    given); raise SettingsError naming the first bad one."""
    environ = environment() if environ is None else with_env_file(environ)
    values: dict[str, Any] = {}
    for setting in fields(Settings):
        name = setting.name
        if name == "intervals":
            values[name] = _intervals(environ)
            continue
        if name == "wall_env_file":
            values[name] = environ.get(ENV_FILE_READ, "")
            continue
        raw = environ.get(name.upper())
        if raw is None or raw == "":
            continue
        values[name] = _parsed(name, raw, PARSERS[name])
    return Settings(**values)


def problems(environ: Mapping[str, str] | None = None) -> list[str]:
    """Everything wrong with the settings, each in load()'s words (load stops at the first):
    the env file, each setting alone, then what one setting needs of another."""
    try:
        environ = environment() if environ is None else with_env_file(environ)
    except SettingsError as exc:
        return [str(exc)]
    found, values = [], {}
    for setting in fields(Settings):
        name = setting.name
        try:
            if name == "intervals":
                values[name] = _intervals(environ)
            elif name != "wall_env_file" and environ.get(name.upper()):
                values[name] = _parsed(name, environ[name.upper()], PARSERS[name])
        except SettingsError as exc:
            found.append(str(exc))
    if not found:
        try:
            Settings(**values)
        except SettingsError as exc:
            found.append(str(exc))
    return found


def _parsed(name: str, raw: str, parse: Callable[[str], Any]) -> Any:
    try:
        return parse(raw.strip())
    except ValueError:
        shown = name.upper() if name in SECRETS else f"{name.upper()}={raw!r}"
        raise SettingsError(f"{shown} is not valid: expected {parse.__doc__}") from None


def _intervals(environ: Mapping[str, str]) -> Mapping[str, int]:
    """Every feed's poll interval: its {FEED}_INTERVAL when set, else the feed's own default."""
    found = {}
    for feed, spec in FEEDS.items():
        raw = environ.get(f"{feed.upper()}_INTERVAL") or ""
        found[feed] = _parsed(f"{feed}_interval", raw, INTERVAL) if raw else spec.interval
    return MappingProxyType(found)


# Env files: the names a file may set, and how one line reads.
DEFAULT_ENV_FILE = ".env"
ENV_FILE_READ = "_WALL_ENV_FILE_READ"  # which file with_env_file read, for load() to show
_LINE = re.compile(r"(?:export\s+)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<value>.*)")


def names() -> tuple[str, ...]:
    """Every environment variable the wall reads as a setting."""
    found = [f.name.upper() for f in fields(Settings) if f.name != "intervals"]
    return (*found, *(f"{feed.upper()}_INTERVAL" for feed in FEEDS))


def environment() -> dict[str, str]:
    """This process's environment over its env file: WALL_ENV_FILE's, else ./.env when present."""
    environ = dict(os.environ)
    if not environ.get("WALL_ENV_FILE") and Path(DEFAULT_ENV_FILE).is_file():
        environ["WALL_ENV_FILE"] = DEFAULT_ENV_FILE
    return with_env_file(environ)


def with_env_file(environ: Mapping[str, str]) -> Mapping[str, str]:
    """``environ`` over the settings in the file its WALL_ENV_FILE names (if it names one)."""
    path = (environ.get("WALL_ENV_FILE") or "").strip()
    if not path or ENV_FILE_READ in environ:
        return environ
    return {**read_env_file(path), **environ, ENV_FILE_READ: path}


def read_env_file(path: str) -> dict[str, str]:
    """The settings in an env file: ``NAME=value`` lines, ``#`` comments, blank lines, an
    optional ``export``, a value optionally in matching quotes. A line that is none of these, or
    a name that is not a setting of the wall, is refused with its line number."""
    named = f"WALL_ENV_FILE={path!r}"
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SettingsError(f"{named}: no file there") from None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or exc
        raise SettingsError(f"{named} cannot be read ({reason})") from None
    known = names()
    found: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.fullmatch(line)
        if match is None:
            raise SettingsError(f"{named}, line {number}: expected NAME=value")
        name, value = match["name"], match["value"].strip()
        if name not in known:
            close = difflib.get_close_matches(name.upper(), known, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise SettingsError(f"{named}, line {number}: {name} is not a setting of the wall{hint}")
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        found[name] = value
    return found
