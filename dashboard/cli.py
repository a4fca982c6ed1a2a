"""The wall's command line, ``city-wall`` (``python -m dashboard`` is the same): run, poll,
cluster, record, replay, check.

- ``run`` serves the wall with gunicorn (gthread workers): the production server ``make run``
  starts. With one worker (the default) that worker also polls; with WEB_WORKERS > 1 the
  workers only read a shared Redis and a separate ``poll`` process fills it.
- ``poll`` is that poller alone: it writes frames, history and the remote's scenarios to the
  store (CACHE_TYPE=RedisCache) and serves nothing.
- ``cluster`` starts the whole scale-out set on one host: redis-server, one poller and
  WEB_WORKERS workers, and stops them together. The same parts run on several hosts behind any
  load balancer, pointed at one Redis.
- ``record`` records the source's raw answers for replay (dashboard/record.py); ``replay FILE``
  serves the wall on one (``run`` with WALL_SOURCE=replay).
- ``check`` tries every setting as the wall would use it and makes one call per upstream service
  (one real request each, for the live source), prints a table, and exits 0 or 2.

Every command reads the settings from the environment (over WALL_ENV_FILE, or ./.env), prints
them (secrets hidden) and refuses a bad one with one line naming it, on stderr, exit 2: also a
setting that is valid as text but cannot be used (a history file that cannot be opened, a
recording with nothing to play, a Redis that does not answer, a HOST that does not resolve, a
PORT in use), which is tried before anything starts (``check_start``).
"""

from __future__ import annotations

import argparse
import errno
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from dashboard import logs, settings
from dashboard.settings import Settings, SettingsError

log = logging.getLogger("citywall")


def load_settings(environ=None) -> Settings:
    """The settings (the environment over its env file), logging set up by them, printed."""
    global SAID
    config = settings.load(environ)
    logs.configure(config.log_level, config.log_format)
    logs.announce("city wall settings", config, log)
    SAID = True  # gunicorn's workers, forked from here, need not say them again (app.py)
    return config


# Whether this process (or the one it was forked from) has shown the settings it runs with.
SAID = False


def check_start(config: Settings, *, serves: bool = True, redis: bool = True) -> None:
    """Refuse now, naming the setting (SettingsError), what would otherwise fail later in a
    gunicorn worker, at the first poll or at the bind: each is tried as the wall will use it.

    ``serves``: this process binds HOST:PORT; ``redis``: it uses CACHE_REDIS_URL's Redis (the
    cluster starts its own).
    """
    check_history(config)
    check_recording(config)
    if redis and config.cache_type == "RedisCache":
        check_redis(config.cache_redis_url)
    if serves:
        check_address(config.host, config.port)


SQLITE_HEADER = b"SQLite format 3\x00"


def check_history(config: Settings) -> None:
    """HISTORY_PATH: a file that can be created or written, and that SQLite opens as history."""
    from dashboard import history

    path = config.history_path
    if path.lower() == history.OFF or path == history.MEMORY:
        return
    file = Path(path) if Path(path).is_absolute() else history.ROOT / path
    named = f"HISTORY_PATH={path!r}"
    if file.is_dir():
        raise SettingsError(f"{named} is a directory: name a file in it, such as {file / 'history.sqlite'}")
    verb = "write" if file.exists() else "create"
    try:
        file.parent.mkdir(parents=True, exist_ok=True)
        with open(file, "ab"):  # creates a missing file, proves an existing one writable, changes none
            pass
        with open(file, "rb") as head:
            header = head.read(len(SQLITE_HEADER))
    except OSError as exc:
        reason = exc.strerror or exc
        raise SettingsError(f"{named}: cannot {verb} the history file there ({reason})") from None
    if header and header != SQLITE_HEADER:
        raise SettingsError(f"{named} is not a SQLite file: name another file (a new one is created)")
    history.open_history(path, config.history_retention_days).close()  # its own errors name the setting


def check_recording(config: Settings) -> None:
    """WALL_REPLAY_PATH (WALL_SOURCE=replay): a recording that can be read and holds calls."""
    if config.wall_source != "replay":
        return
    from feeds import replay

    named = f"WALL_REPLAY_PATH={config.wall_replay_path!r}"
    try:
        replay.load(config.wall_replay_path, on_cut=None)  # the wall that plays it says what was cut
    except OSError as exc:
        raise SettingsError(f"{named} cannot be read ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise SettingsError(f"{named}: {exc}") from None


def check_redis(url: str) -> None:
    """CACHE_REDIS_URL (CACHE_TYPE=RedisCache): a Redis that answers a ping within seconds."""
    import redis

    named = f"CACHE_REDIS_URL={settings.redact_url(url)!r}"
    try:
        client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    except ValueError as exc:
        raise SettingsError(f"{named} is not a Redis URL ({exc})") from None
    try:
        client.ping()
    except (redis.ConnectionError, redis.TimeoutError) as exc:
        raise SettingsError(f"{named}: no Redis answers there ({exc})") from None
    except redis.RedisError as exc:
        raise SettingsError(f"{named}: Redis refused the wall ({exc})") from None
    finally:
        client.close()


def check_address(host: str, port: int) -> None:
    """HOST and PORT: bound once and let go, as gunicorn and werkzeug bind them (IPv6 for an
    address with a colon, IPv4 otherwise, SO_REUSEADDR)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        address = socket.getaddrinfo(host, port, family, socket.SOCK_STREAM)[0][4]
    except socket.gaierror as exc:
        raise SettingsError(f"HOST={host!r} cannot be resolved ({exc.strerror})") from None
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise SettingsError(
                    f"PORT={port} is in use on {host} ({exc.strerror}): stop what holds it, or choose "
                    "another PORT"
                ) from None
            if exc.errno == errno.EACCES:
                raise SettingsError(f"PORT={port} is not allowed to this user ({exc.strerror})") from None
            raise SettingsError(f"HOST={host!r} cannot be served on here ({exc.strerror})") from None


def check_served_without_debug(config: Settings) -> None:
    """DASH_DEBUG: Dash's dev tools and reloader belong to the development server (``make dev``);
    gunicorn would serve without them, so asking for them there is refused, not ignored."""
    if config.dash_debug:
        raise SettingsError(
            "DASH_DEBUG is on: debug is for the development server (make dev, python app.py); "
            "python -m dashboard run serves with it off, so unset DASH_DEBUG"
        )


# The WSGI entry, as a Procfile would name it: app.py composes the wall (dashboard/ imports none of it).
WSGI_APP = "app:server"


def run(config: Settings) -> int:
    """Serve the wall with gunicorn until it is stopped."""
    from gunicorn.app.base import BaseApplication
    from gunicorn.arbiter import Arbiter
    from gunicorn.glogging import Logger
    from gunicorn.util import import_app

    class WallLogger(Logger):
        """gunicorn's own lines (workers booting, a worker killed) in the wall's format."""

        def setup(self, cfg) -> None:
            super().setup(cfg)
            logs.adopt(self.error_log, config.log_format)

    class WallServer(BaseApplication):
        def load_config(self) -> None:
            options = {
                "bind": f"{config.host}:{config.port}",
                "workers": config.web_workers,
                "worker_class": "gthread",
                "threads": config.web_threads,
                "keepalive": 30,  # browsers tick every few seconds: keep their connections
                "timeout": 60,
                "graceful_timeout": 10,
                "loglevel": config.log_level.lower(),
                "accesslog": None,  # hundreds of viewers ticking: no line per request
                "errorlog": "-",
                "proc_name": "city-wall",
                "control_socket_disable": True,  # one wall per host need not share a socket path
            }
            for key, value in options.items():
                self.cfg.set(key, value)
            self.cfg.set("child_exit", _worker_gone)
            self.cfg.set("logger_class", WallLogger)

        def load(self):
            # In each worker, after the fork: no SQLite connection or scheduler crosses a fork.
            return import_app(WSGI_APP)

    check_served_without_debug(config)
    check_start(config)
    from dashboard import security

    security.hide_gunicorn()  # before the workers fork: none of them names itself
    metrics_dir = _metrics_dir()
    logs.say(f"city wall: http://{config.host}:{config.port}/  (health: /healthz)", config.log_format, log)
    master = os.getpid()
    try:
        WallServer().run()
    except SystemExit as exc:
        # A worker that could not load the app (app.py says why in one line) stops gunicorn with
        # APP_LOAD_ERROR: a setting that went bad after the checks above, still a setting's exit.
        # (A worker's own exit passes through here too, after the fork: it keeps its code.)
        if exc.code == Arbiter.APP_LOAD_ERROR and os.getpid() == master:
            return 2
        raise
    finally:
        if os.getpid() == master:
            shutil.rmtree(metrics_dir, ignore_errors=True)
    return 0


def poll(config: Settings) -> int:
    """Poll upstream into the shared store until stopped; serve nothing."""
    if config.cache_type != "RedisCache":
        raise SettingsError(
            f"python -m dashboard poll needs CACHE_TYPE=RedisCache: with {config.cache_type} the "
            "frames would stay in this process, where no web worker can read them"
        )
    if not config.wall_poller:
        raise SettingsError("python -m dashboard poll needs WALL_POLLER=on: it is the poller")
    from dashboard import core

    check_start(config, serves=False)
    wall = core.build(config)
    stopped = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopped.set())
    wall.poller.start()
    try:
        stopped.wait()
    finally:
        wall.poller.stop()
    return 0


def cluster(config: Settings) -> int:
    """redis-server, one poller and the web workers on this host; any one ending stops them all."""
    redis_url = config.cache_redis_url
    shared = {**os.environ, **CLUSTER, "CACHE_REDIS_URL": redis_url, "WEB_WORKERS": str(config.web_workers)}
    check_served_without_debug(config)
    check_start(config, redis=False)  # the parts would each refuse it; said once, before any starts
    processes: list[subprocess.Popen] = []
    try:
        processes.append(_redis(redis_url))
        processes.append(
            subprocess.Popen(
                [sys.executable, "-m", "dashboard", "poll"],
                env={**shared, "WALL_POLLER": "on", "WEB_WORKERS": "1"},
            )
        )
        processes.append(
            subprocess.Popen([sys.executable, "-m", "dashboard", "run"], env={**shared, "WALL_POLLER": "off"})
        )
        stopped = threading.Event()
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, lambda *_: stopped.set())
        while not stopped.wait(1.0):
            ended = [p for p in processes if p.poll() is not None]
            if ended:
                log.error("cluster: %s ended with %s; stopping the rest", ended[0].args, ended[0].returncode)
                return 2 if ended[0].returncode == 2 else 1  # 2: a part refused a setting
        return 0
    finally:
        for process in reversed(processes):
            _stop(process)


def _metrics_dir() -> str:
    """A fresh directory where each gunicorn worker keeps its /metrics counters (prometheus-client's
    multiprocess mode), so that whichever worker is scraped answers for all of them."""
    import tempfile

    path = tempfile.mkdtemp(prefix="city-wall-metrics-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    return path


def _worker_gone(server, worker) -> None:
    """gunicorn's child_exit hook: a worker that left no longer counts its viewers."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def _redis(url: str) -> subprocess.Popen:
    """A redis-server for the cluster on the URL's loopback port (nothing is saved to disk)."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SettingsError(f"CACHE_REDIS_URL={url!r}: the cluster starts its own Redis on this host only")
    binary = shutil.which("redis-server")
    if binary is None:
        raise SettingsError("the cluster needs redis-server (Debian: apt-get install redis-server)")
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", host, "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection((host, port), timeout=0.2).close()
            return process
        except OSError:
            if process.poll() is not None:
                raise SettingsError(
                    f"redis-server could not start on {host}:{port} (is the port taken?)"
                ) from None
            time.sleep(0.05)
    _stop(process)
    raise SettingsError(f"redis-server did not answer on {host}:{port} within 10 s")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


def replay(config: Settings) -> int:
    """Serve the wall on a recording (``city-wall replay FILE``): ``run`` with WALL_SOURCE=replay."""
    return run(config)


def check(config: Settings) -> int:
    """Try everything the wall will use, as it will use it, and print one row each: the settings,
    the history file, the recording, Redis, the address, and one call per upstream service (for
    the live source, one real request each). 0 when every row is ok, 2 otherwise."""
    rows = [("settings", OK, f"read from the environment{_env_file_note(config)}")]
    probes = [
        ("history", lambda: check_history(config), config.history_path),
        ("recording", lambda: check_recording(config), config.wall_replay_path or "(not replaying)"),
    ]
    if config.cache_type == "RedisCache":
        probes.append(("redis", lambda: check_redis(config.cache_redis_url), "answers"))
    probes.append(("address", lambda: _address_or_wall(config), f"{config.host}:{config.port} is free"))
    for what, probe, detail in probes:
        try:
            said = probe()
        except SettingsError as exc:
            rows.append((what, FAILED, str(exc)))
        else:
            rows.append((what, OK, said or detail))
    rows += _probe_source(config)
    print(_table(rows), flush=True)
    failed = sum(1 for _, result, _ in rows if result == FAILED)
    print(f"city wall check: {'all good' if not failed else f'{failed} of {len(rows)} failed'}", flush=True)
    return 2 if failed else 0


OK, FAILED = "ok", "FAILED"


def _env_file_note(config: Settings) -> str:
    return f" and {config.wall_env_file}" if config.wall_env_file else ""


def _address_or_wall(config: Settings) -> str | None:
    """HOST:PORT free to serve on, or already served by a city wall (checked while it runs)."""
    try:
        check_address(config.host, config.port)
    except SettingsError:
        if _wall_answers(config.host, config.port):
            return f"{config.host}:{config.port} is served by a city wall already (its /healthz answers)"
        raise
    return None


def _wall_answers(host: str, port: int) -> bool:
    import requests

    shown = f"[{host}]" if ":" in host else host
    if host in ("0.0.0.0", "::"):
        shown = "127.0.0.1" if host == "0.0.0.0" else "[::1]"
    try:
        body = requests.get(f"http://{shown}:{port}/healthz", timeout=3).json()
    except (requests.RequestException, ValueError):
        return False
    return isinstance(body, dict) and "feeds" in body


class OnePlace:
    """The source, asked for one citydata place instead of every hotspot: ``check`` makes one
    request per service, not a round of thirty."""

    def __init__(self, source):
        from feeds import traffic

        self._source = source
        self.hotspots = (getattr(source, "hotspots", None) or traffic.HOTSPOTS)[:1]

    def __getattr__(self, name: str):
        return getattr(self._source, name)


def _probe_source(config: Settings) -> list[tuple[str, str, str]]:
    """One row per upstream call: answered and parsed by each of its feeds, or why not."""
    from dashboard.core import make_source  # imports Dash: only once the settings are good
    from feeds.base import FeedError
    from feeds.registry import FEEDS, calls

    try:
        source = make_source(config)
    except SettingsError as exc:
        return [("source", FAILED, str(exc))]
    probe = OnePlace(source)
    rows = []
    for call, names in calls(FEEDS).items():
        what = f"{source.name}: {call}"
        started = time.monotonic()
        try:
            answer = FEEDS[names[0]].fetch(probe)
        except FeedError as exc:
            rows.append((what, FAILED, str(exc)))
            continue
        took = time.monotonic() - started
        parsed = []
        for name in names:
            try:
                rows_read = len(FEEDS[name].parse(answer))
                parsed.append(f"{name} {rows_read} row{'' if rows_read == 1 else 's'}")
            except FeedError as exc:
                parsed.append(f"{name}: {exc}")
        broken = any(": " in part for part in parsed)
        rows.append((what, FAILED if broken else OK, f"answered in {took:.1f} s; " + ", ".join(parsed)))
    return rows


def _table(rows: list[tuple[str, str, str]]) -> str:
    wide = [max(len(row[i]) for row in rows) for i in range(2)]
    return "\n".join(f"  {what:<{wide[0]}}  {result:<{wide[1]}}  {detail}" for what, result, detail in rows)


COMMANDS = {"run": run, "poll": poll, "cluster": cluster, "replay": replay, "check": check}
HELP = {
    "run": "serve the wall with gunicorn (on its demo city unless WALL_SOURCE says otherwise)",
    "poll": "poll upstream into the shared Redis, serving nothing (beside WEB_WORKERS > 1)",
    "cluster": "redis-server, one poller and WEB_WORKERS workers on this host",
    "record": "record the source's raw answers for replay",
    "replay": "serve the wall on a recording made by record",
    "check": "check every setting, and make one call per upstream service; exit 0 or 2",
}
# What the cluster's parts share, whatever the environment says: Redis, and no poller in a worker.
CLUSTER = {"CACHE_TYPE": "RedisCache", "WALL_POLLER": "off"}


def parser() -> argparse.ArgumentParser:
    wall = argparse.ArgumentParser(
        prog="city-wall",
        description="The Seoul city wall. Settings come from the environment and WALL_ENV_FILE "
        "(or ./.env); see the README.",
    )
    commands = wall.add_subparsers(dest="command", required=True, metavar="command")
    for name in ("run", "poll", "cluster", "record", "replay", "check"):
        command = commands.add_parser(name, help=HELP[name], description=HELP[name])
        # record's own options are read by dashboard/record.py (main hands it the rest).
        if name == "replay":
            command.add_argument("recording", help="the recording to play (WALL_REPLAY_PATH)")
            command.add_argument("--speed", help="recorded seconds per real second (WALL_REPLAY_SPEED)")
    return wall


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["record"]:
        from dashboard import record

        return record.main(argv[1:])
    args = parser().parse_args(argv)
    try:
        environ = dict(settings.environment())
        if args.command == "cluster":
            environ = {"WEB_WORKERS": "2", **environ, **CLUSTER}  # two workers unless told otherwise
        if args.command == "replay":
            replaying = {"WALL_SOURCE": "replay", "WALL_REPLAY_PATH": args.recording}
            if args.speed is not None:
                replaying["WALL_REPLAY_SPEED"] = args.speed
            environ.update(replaying)
            os.environ.update(replaying)  # gunicorn's workers read the settings again, from here
        if args.command == "check":
            wrong = settings.problems(environ)
            if wrong:
                print(_table([("setting", FAILED, problem) for problem in wrong]), file=sys.stderr)
                print(f"city wall check: {len(wrong)} settings cannot be used", file=sys.stderr)
                return 2
        return COMMANDS[args.command](load_settings(environ))
    except SettingsError as exc:
        print(f"city wall: {exc}", file=sys.stderr)
        return 2
