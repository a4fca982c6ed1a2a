"""Settings from environment variables: each has a documented default and is checked at start."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any

SOURCES = ("demo",)
CACHE_TYPES = ("SimpleCache", "RedisCache", "NullCache")


class SettingsError(ValueError):
    """A setting has a value the wall cannot use; the message names the setting."""


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"  # HOST: address to serve on (Dash's own name)
    port: int = 8050  # PORT: port to serve on (Dash's own name)
    wall_source: str = "demo"  # WALL_SOURCE: where data comes from: demo (embedded simulator)
    cache_type: str = "SimpleCache"  # CACHE_TYPE: frame store backend (flask-caching's own name)
    cache_redis_url: str = "redis://127.0.0.1:6379/0"  # CACHE_REDIS_URL: for CACHE_TYPE=RedisCache
    demo_seed: int = 7  # DEMO_SEED: the simulated city's seed; the same seed, the same city
    demo_speed: float = 1.0  # DEMO_SPEED: simulated seconds per real second
    air_interval: int = 300  # AIR_INTERVAL: seconds between air polls
    traffic_interval: int = 120  # TRAFFIC_INTERVAL: seconds between traffic polls
    incidents_interval: int = 60  # INCIDENTS_INTERVAL: seconds between incident polls
    wall_tick: float = 5.0  # WALL_TICK: seconds between the browsers' version checks
    wall_poller: bool = True  # WALL_POLLER: poll upstream in this process (off for web workers)
    log_level: str = "INFO"  # LOG_LEVEL: DEBUG, INFO, WARNING or ERROR

    def interval(self, feed: str) -> int:
        return getattr(self, f"{feed}_interval")

    def describe(self) -> str:
        """One line per setting, as printed at start (nothing secret is held here)."""
        return "\n".join(
            f"  {f.name.upper():<20} {_redact_url(str(getattr(self, f.name)))}" for f in fields(self)
        )


def _redact_url(value: str) -> str:
    """Hide a password in a URL such as redis://user:secret@host/0."""
    scheme, sep, rest = value.partition("://")
    if sep and "@" in rest:
        credentials, _, host = rest.rpartition("@")
        user = credentials.partition(":")[0]
        return f"{scheme}://{user}:***@{host}"
    return value


def _integer(low: int, high: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        value = int(raw)
        if not low <= value <= high:
            raise ValueError(f"must be from {low} to {high}")
        return value

    parse.__doc__ = f"a whole number from {low} to {high}"
    return parse


def _number(low: float, high: float) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        value = float(raw)
        if not low <= value <= high:
            raise ValueError(f"must be from {low:g} to {high:g}")
        return value

    parse.__doc__ = f"a number from {low:g} to {high:g}"
    return parse


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


PARSERS: dict[str, Callable[[str], Any]] = {
    "host": _text,
    "port": _integer(1, 65535),
    "wall_source": _choice(*SOURCES),
    "cache_type": _choice(*CACHE_TYPES),
    "cache_redis_url": _text,
    "demo_seed": _integer(0, 2**31 - 1),
    "demo_speed": _number(0.01, 100_000),
    "air_interval": _integer(1, 86_400),
    "traffic_interval": _integer(1, 86_400),
    "incidents_interval": _integer(1, 86_400),
    "wall_tick": _number(0.5, 3600),
    "wall_poller": _switch,
    "log_level": _choice("DEBUG", "INFO", "WARNING", "ERROR"),
}


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """Read every setting from the environment; raise SettingsError naming the first bad one."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for field in fields(Settings):
        raw = environ.get(field.name.upper())
        if raw is None or raw == "":
            continue
        parse = PARSERS[field.name]
        try:
            values[field.name] = parse(raw.strip())
        except ValueError:
            raise SettingsError(
                f"{field.name.upper()}={raw!r} is not valid: expected {parse.__doc__}"
            ) from None
    return Settings(**values)
