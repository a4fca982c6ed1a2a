"""Start-up with a setting that cannot be used: one line on stderr naming it, exit 2, no traceback.

Every case runs the real entry point as a subprocess (`python app.py`, `python -m dashboard run |
poll | cluster | record`), each bounded by a timeout that kills it by its pid.
"""

from __future__ import annotations

import gzip
import os
import socket
import subprocess
import sys
import time
from dataclasses import fields
from pathlib import Path

import pytest
import requests

from dashboard.settings import Settings
from feeds.replay import line
from tests.test_scale import stop

ROOT = Path(__file__).resolve().parent.parent
APP = [sys.executable, "app.py"]
RUN = [sys.executable, "-m", "dashboard", "run"]
POLL = [sys.executable, "-m", "dashboard", "poll"]
CLUSTER = [sys.executable, "-m", "dashboard", "cluster"]
RECORD = [sys.executable, "-m", "dashboard", "record", "--minutes", "1"]
SERVERS = {"app.py": APP, "run": RUN}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(tmp_path: Path, **settings: str) -> dict[str, str]:
    """These settings over the defaults (none from the caller's environment), a history file in
    the test's folder and a free port."""
    environ = {k: v for k, v in os.environ.items() if k.lower() not in {f.name for f in fields(Settings)}}
    return environ | {"HISTORY_PATH": str(tmp_path / "history.sqlite"), "PORT": str(free_port())} | settings


def start(command: list[str], tmp_path: Path, **settings: str) -> subprocess.CompletedProcess:
    """Run an entry point to its end (at most 90 s, then it is killed)."""
    environ = environment(tmp_path, **settings)
    return subprocess.run(command, cwd=ROOT, env=environ, capture_output=True, text=True, timeout=90)


def assert_refused(done: subprocess.CompletedProcess, *words: str, prefix: str = "city wall: ") -> None:
    """Exit 2 and one line on stderr, starting with the setting's name and saying each of ``words``."""
    assert "Traceback" not in done.stderr + done.stdout, done.stderr
    assert done.returncode == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(prefix + words[0]), lines[0]
    for word in words[1:]:
        assert word in lines[0], lines[0]


def recording(calls: int = 3) -> str:
    """The text of a small recording: ``calls`` answers to one request."""
    return "".join(
        line(1_700_000_000 + 60 * i, "json", "RealtimeCityAir", 1, 25, (), "{}") for i in range(calls)
    )


# --- HISTORY_PATH --------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", ["app.py", "run", "poll"])
def test_a_history_path_that_is_a_directory_is_one_line(entry, tmp_path, redis_url):
    command = {**SERVERS, "poll": POLL}[entry]
    done = start(
        command, tmp_path, HISTORY_PATH=str(tmp_path), CACHE_TYPE="RedisCache", CACHE_REDIS_URL=redis_url
    )
    assert_refused(done, f"HISTORY_PATH='{tmp_path}' is a directory", "name a file in it")


@pytest.mark.parametrize("entry", ["app.py", "run"])
def test_a_history_path_where_no_file_can_be_created_is_one_line(entry, tmp_path):
    done = start(SERVERS[entry], tmp_path, HISTORY_PATH="/proc/citywall/history.sqlite")
    assert_refused(
        done, "HISTORY_PATH='/proc/citywall/history.sqlite'", "cannot create the history file there ("
    )


@pytest.mark.parametrize("entry", ["app.py", "run"])
def test_a_history_path_that_is_not_sqlite_is_one_line_and_left_as_it_was(entry, tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("not a database\n", encoding="utf-8")
    done = start(SERVERS[entry], tmp_path, HISTORY_PATH=str(notes))
    assert_refused(done, f"HISTORY_PATH='{notes}' is not a SQLite file")
    assert notes.read_text(encoding="utf-8") == "not a database\n"


# --- WALL_REPLAY_PATH ----------------------------------------------------------------------------


def bad_recordings(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Recordings with nothing to play, and what the refusal says of each."""
    empty, cut, garbage, not_gzip = (
        tmp_path / name for name in ("empty.jsonl", "cut.jsonl", "garbage.jsonl", "plain.jsonl.gz")
    )
    empty.write_bytes(b"")
    cut.write_text(recording(1)[:40], encoding="utf-8")  # a recorder killed inside its first line
    garbage.write_text("hello\n", encoding="utf-8")
    not_gzip.write_text(recording(), encoding="utf-8")
    return {
        "missing": (tmp_path / "nowhere.jsonl", "no file there"),
        "empty": (empty, "holds no recorded calls"),
        "cut": (cut, "holds no recorded calls (its line 1 is cut)"),
        "garbage": (garbage, "line 1 is not a recorded call"),
        "not gzip": (not_gzip, "is not a readable gzip file"),
    }


@pytest.mark.parametrize("entry", ["app.py", "run", "poll"])
@pytest.mark.parametrize("case", ["missing", "empty", "cut", "garbage", "not gzip"])
def test_a_recording_with_nothing_to_play_is_one_line(entry, case, tmp_path, redis_url):
    path, said = bad_recordings(tmp_path)[case]
    command = {**SERVERS, "poll": POLL}[entry]
    done = start(
        command,
        tmp_path,
        WALL_SOURCE="replay",
        WALL_REPLAY_PATH=str(path),
        CACHE_TYPE="RedisCache",
        CACHE_REDIS_URL=redis_url,
    )
    assert_refused(done, f"WALL_REPLAY_PATH='{path}'", said)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any file")
def test_an_unreadable_recording_is_one_line(tmp_path):
    path = tmp_path / "locked.jsonl"
    path.write_text(recording(), encoding="utf-8")
    path.chmod(0)
    done = start(APP, tmp_path, WALL_SOURCE="replay", WALL_REPLAY_PATH=str(path))
    assert_refused(done, f"WALL_REPLAY_PATH='{path}' cannot be read", "Permission denied")


# --- CACHE_REDIS_URL, HOST, PORT -----------------------------------------------------------------


@pytest.mark.parametrize("entry", ["app.py", "run", "poll"])
def test_a_redis_that_does_not_answer_is_one_line(entry, tmp_path):
    url = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    done = start({**SERVERS, "poll": POLL}[entry], tmp_path, CACHE_TYPE="RedisCache", CACHE_REDIS_URL=url)
    assert_refused(done, f"CACHE_REDIS_URL='{url}': no Redis answers there", "Connection refused")


def test_a_redis_password_is_not_printed_when_it_does_not_answer(tmp_path):
    url = f"redis://wall:s3cret@127.0.0.1:{free_port()}/0"
    done = start(RUN, tmp_path, CACHE_TYPE="RedisCache", CACHE_REDIS_URL=url)
    assert_refused(done, "CACHE_REDIS_URL='redis://wall:***@127.0.0.1:")
    assert "s3cret" not in done.stdout + done.stderr


@pytest.mark.parametrize("entry", ["app.py", "run"])
def test_a_host_that_does_not_resolve_is_one_line(entry, tmp_path):
    done = start(SERVERS[entry], tmp_path, HOST="wall.invalid")  # .invalid never resolves (RFC 2606)
    assert_refused(done, "HOST='wall.invalid' cannot be resolved")


@pytest.mark.parametrize("entry", ["app.py", "run"])
def test_a_port_in_use_is_one_line(entry, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = start(SERVERS[entry], tmp_path, PORT=str(port))
    assert_refused(done, f"PORT={port} is in use on 127.0.0.1", "choose another PORT")


# --- the other entry points ----------------------------------------------------------------------


def test_the_cluster_refuses_a_bad_setting_before_starting_anything(tmp_path):
    done = start(CLUSTER, tmp_path, HISTORY_PATH=str(tmp_path))
    assert_refused(done, f"HISTORY_PATH='{tmp_path}' is a directory")


def test_record_refuses_a_place_it_cannot_write_and_a_recording_it_cannot_play(tmp_path):
    out = "/proc/citywall/evening.jsonl"
    assert_refused(start([*RECORD, "--out", out], tmp_path), f"--out {out}: cannot write", prefix="record: ")
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    again = [*RECORD, "--out", str(tmp_path / "again.jsonl")]
    done = start(again, tmp_path, WALL_SOURCE="replay", WALL_REPLAY_PATH=str(empty))
    assert_refused(done, f"WALL_REPLAY_PATH='{empty}'", "holds no recorded calls", prefix="record: ")
    assert not (tmp_path / "again.jsonl").exists()


def test_an_app_that_fails_to_load_in_a_gunicorn_worker_stops_gunicorn_with_exit_2(tmp_path):
    """Past the checks (here skipped), a worker that cannot load the app says why once and
    gunicorn stops: no worker booted again and again, no traceback."""
    skip_checks = (
        "import sys; from dashboard import cli; "
        "cli.check_start = lambda *a, **k: None; sys.exit(cli.main(['run']))"
    )
    done = start([sys.executable, "-c", skip_checks], tmp_path, HISTORY_PATH=str(tmp_path))
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("city wall: HISTORY_PATH=") == 1, done.stderr
    assert done.stderr.count("Booting worker") == 1, done.stderr


def test_a_good_gzip_recording_passes_its_check(tmp_path):
    """The refusals above are about content, not the reader: a good .gz recording is played."""
    path = tmp_path / "good.jsonl.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write(recording())
    done = start(APP, tmp_path, WALL_SOURCE="replay", WALL_REPLAY_PATH=str(path), HOST="wall.invalid")
    assert_refused(done, "HOST='wall.invalid'")  # the recording passed; the next check stopped it


def test_a_wall_replaying_a_cut_recording_starts_and_says_so_once(tmp_path):
    """The check before gunicorn reads the recording quietly; the worker that plays it warns."""
    path = tmp_path / "cut.jsonl"
    path.write_text(recording(3)[:-25], encoding="utf-8")
    environ = environment(tmp_path, HISTORY_PATH="off", WALL_SOURCE="replay", WALL_REPLAY_PATH=str(path))
    port = environ["PORT"]
    log = tmp_path / "run.log"
    with log.open("w") as sink:
        process = subprocess.Popen(RUN, cwd=ROOT, env=environ, stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while not served(f"http://127.0.0.1:{port}/healthz"):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text(encoding="utf-8")
            time.sleep(0.2)
    finally:
        stop(process)
    printed = log.read_text(encoding="utf-8")
    assert printed.count("has its last line (3) cut: dropped it") == 1, printed
    assert "playing the 2 calls read" in printed and "Traceback" not in printed


def served(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code in (200, 503)  # answered, whatever the feeds say
    except requests.RequestException:
        return False
