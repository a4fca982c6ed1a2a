"""The wall's command line: ``python -m dashboard run | poll | cluster | record``.

- ``run`` serves the wall with gunicorn (gthread workers): the production server ``make run``
  starts. With one worker (the default) that worker also polls; with WEB_WORKERS > 1 the
  workers only read a shared Redis and a separate ``poll`` process fills it.
- ``poll`` is that poller alone: it writes frames, history and the remote's scenarios to the
  store (CACHE_TYPE=RedisCache) and serves nothing.
- ``cluster`` starts the whole scale-out set on one host: redis-server, one poller and
  WEB_WORKERS workers, and stops them together. The same parts run on several hosts behind any
  load balancer, pointed at one Redis.
- ``record`` records the source's raw answers for replay (dashboard/record.py).

Every command reads the settings from the environment, prints them (secrets hidden) and
refuses a bad one with one line naming it, on stderr, exit 2: also a setting that is valid as
text but cannot be used (a history file that cannot be opened, a recording with nothing to
play, a Redis that does not answer, a HOST that does not resolve, a PORT in use), which is
tried before anything starts (``check_start``).
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

from dashboard import settings
from dashboard.settings import Settings, SettingsError

log = logging.getLogger("citywall")


def configure_logging(level: str) -> None:
    """The same log lines from every entry point: ``python app.py``, gunicorn workers, the poller."""
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", force=True)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)


def load_settings(environ=None) -> Settings:
    config = settings.load(environ)
    configure_logging(config.log_level)
    print("city wall settings:\n" + config.describe(), flush=True)
    return config


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
    from gunicorn.util import import_app

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

        def load(self):
            # In each worker, after the fork: no SQLite connection or scheduler crosses a fork.
            return import_app(WSGI_APP)

    check_served_without_debug(config)
    check_start(config)
    from dashboard import security

    security.hide_gunicorn()  # before the workers fork: none of them names itself
    metrics_dir = _metrics_dir()
    print(f"city wall: http://{config.host}:{config.port}/  (health: /healthz)", flush=True)
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


COMMANDS = {"run": run, "poll": poll, "cluster": cluster}
# What the cluster's parts share, whatever the environment says: Redis, and no poller in a worker.
CLUSTER = {"CACHE_TYPE": "RedisCache", "WALL_POLLER": "off"}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["record"]:
        from dashboard import record

        return record.main(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m dashboard", description="The Seoul city wall.")
    parser.add_argument("command", choices=[*COMMANDS, "record"], help="what to start (see the README)")
    args = parser.parse_args(argv)
    environ = dict(os.environ)
    if args.command == "cluster":
        environ = {"WEB_WORKERS": "2", **environ, **CLUSTER}  # two workers unless told otherwise
    try:
        return COMMANDS[args.command](load_settings(environ))
    except SettingsError as exc:
        print(f"city wall: {exc}", file=sys.stderr)
        return 2
