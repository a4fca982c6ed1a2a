"""The wall probed as an attacker on the exhibit LAN would: over HTTP, against a running server.

One real server (``python -m dashboard run``: gunicorn, the embedded demo city, the presenter
remote on) serves the whole module on a free loopback port; every probe is a real request.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
import requests

from tests.test_scale import free_port, start, stop

TOKEN = "exhibit-probe-token-7f3a9c"  # 16+ characters, not the README's example


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> str:
    """The wall as it runs at a booth: gunicorn on loopback, the demo city, the remote on."""
    folder = tmp_path_factory.mktemp("security")
    port = free_port()
    env = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "WALL_SOURCE": "demo",
        "HISTORY_PATH": str(folder / "history.sqlite"),
        "WALL_CONTROL_TOKEN": TOKEN,
        "WEB_THREADS": "8",
    }
    env.pop("DASH_DEBUG", None)
    log = folder / "server.log"
    process = start("run", env, log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            assert process.poll() is None, log.read_text(encoding="utf-8")
            assert time.monotonic() < deadline, "the wall did not start:\n" + log.read_text(encoding="utf-8")
            try:
                if requests.get(base + "/healthz", timeout=2).status_code in (200, 503):
                    break
            except requests.ConnectionError:
                time.sleep(0.2)
        server_log.path = log
        yield base
    finally:
        stop(process)


def server_log() -> str:
    """What the server has logged so far (its stdout and stderr)."""
    return Path(server_log.path).read_text(encoding="utf-8")


server_log.path = ""


def test_the_server_answers(server):
    assert requests.get(server + "/", timeout=10).status_code == 200
    assert "Traceback" not in server_log()


# --- inputs: callback bodies, sizes, paths, URL notices, upstream text ---------------------------


# --- headers: CSP, framing, sniffing, referrer, banner -------------------------------------------


# --- presenter sessions: login, expiry, logout, throttling ---------------------------------------
