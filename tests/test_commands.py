"""The command line as an operator meets it: ``city-wall`` (and ``python -m dashboard``), its
``check`` and ``replay``, settings from an env file, the log lines, and how ``record`` reports.

Commands run as subprocesses on real HTTP (a fake Seoul API on 127.0.0.1 for the live source);
each is bounded by a timeout that kills it by its pid.
"""

from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from dashboard import logs, record
from dashboard import settings as settings_module
from dashboard.settings import SettingsError, load
from feeds.demo import DemoSource
from feeds.envelope import result_error
from feeds.registry import FEEDS
from tests.fake_seoul import KEY, FakeSeoul
from tests.test_poller import source, wall  # noqa: F401 -- fixtures
from tests.test_scale import stop
from tests.test_startup import ROOT, environment

DASHBOARD = [sys.executable, "-m", "dashboard"]
COMMANDS = ("run", "poll", "cluster", "record", "replay", "check")


def run(args: list[str], tmp_path: Path, **settings: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*DASHBOARD, *args],
        cwd=ROOT,
        env=environment(tmp_path, **settings),
        capture_output=True,
        text=True,
        timeout=90,
    )


# --- one command line ----------------------------------------------------------------------------


def test_city_wall_and_python_m_dashboard_are_the_same_command_line(tmp_path):
    script = Path(sys.executable).with_name("city-wall")  # the console script pip installed
    assert script.is_file(), "pip install -e . installs the city-wall console script"
    by_script = subprocess.run([str(script), "--help"], capture_output=True, text=True, timeout=60)
    by_module = run(["--help"], tmp_path)
    assert by_script.returncode == by_module.returncode == 0
    assert by_script.stdout == by_module.stdout
    for command in COMMANDS:
        assert f"    {command} " in by_script.stdout, by_script.stdout


def test_an_unknown_command_is_one_usage_message(tmp_path):
    done = run(["serve"], tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "invalid choice: 'serve'" in done.stderr


# --- check ---------------------------------------------------------------------------------------


def parse_table(printed: str) -> dict[str, tuple[str, str]]:
    """check's table: what -> (result, detail); the settings listed before it come along."""
    table = {}
    for row in printed.splitlines():
        if not row.startswith("  "):
            continue
        parts = [part for part in row.strip().split("  ") if part]
        table[parts[0].strip()] = (parts[1].strip(), "  ".join(parts[2:]).strip())
    return table


def test_check_on_the_demo_city_tries_each_part_and_says_all_good(tmp_path):
    done = run(["check"], tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    table = parse_table(done.stdout)
    for what in ("settings", "history", "recording", "address", "demo: RealtimeCityAir", "demo: AccInfo"):
        assert table[what][0] == "ok", table
    assert table["demo: citydata"][0] == "ok" and "crowds" in table["demo: citydata"][1]
    assert done.stdout.rstrip().endswith("city wall check: all good")


@pytest.fixture
def fake():
    server = FakeSeoul()
    yield server
    server.stop()


def live(fake: FakeSeoul, **settings: str) -> dict[str, str]:
    return {"WALL_SOURCE": "seoul", "SEOUL_API_KEY": KEY, "SEOUL_API_BASE_URL": fake.url, **settings}


def test_check_makes_one_real_request_per_service_on_the_live_source(fake, tmp_path):
    done = run(["check"], tmp_path, **live(fake))
    assert done.returncode == 0, done.stdout + done.stderr
    assert (fake.count("RealtimeCityAir"), fake.count("citydata"), fake.count("AccInfo")) == (1, 1, 1)
    table = parse_table(done.stdout)
    assert table["seoul: citydata"][0] == "ok" and "traffic" in table["seoul: citydata"][1]
    assert KEY not in done.stdout + done.stderr


def test_check_with_a_refused_key_fails_each_service_and_exits_2(fake, tmp_path):
    fake.fail("info100")
    done = run(["check"], tmp_path, **live(fake))
    assert done.returncode == 2, done.stdout
    table = parse_table(done.stdout)
    assert table["seoul: RealtimeCityAir"][0] == "FAILED" and "INFO-100" in table["seoul: RealtimeCityAir"][1]
    assert "Traceback" not in done.stdout + done.stderr
    assert "failed" in done.stdout.splitlines()[-1]


def test_check_names_every_bad_setting_at_once(tmp_path):
    done = run(["check"], tmp_path, PORT="eighty", WALL_TICK="0", LOG_FORMAT="xml")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    for named in ("PORT='eighty'", "WALL_TICK='0'", "LOG_FORMAT='xml'"):
        assert named in done.stderr, done.stderr
    assert "3 settings cannot be used" in done.stderr


def test_check_reports_a_port_already_served_by_a_wall_as_fine(live_wall, tmp_path):
    port = live_wall.url.rsplit(":", 1)[1]
    done = run(["check"], tmp_path, PORT=port)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "served by a city wall already" in parse_table(done.stdout)["address"][1]


# --- settings from an env file -------------------------------------------------------------------


def test_an_env_file_gives_settings_and_the_environment_wins(tmp_path):
    env_file = tmp_path / "wall.env"
    env_file.write_text(
        "# the booth's wall\n\nexport WALL_TICK=2\nDEMO_SEED='11'\n"
        'WALL_CONTROL_TOKEN="a-long-booth-token-42"\nPORT=9000\n',
        encoding="utf-8",
    )
    config = load({"WALL_ENV_FILE": str(env_file), "PORT": "8100"})
    assert (config.wall_tick, config.demo_seed, config.port) == (2.0, 11, 8100)
    assert config.wall_control_token == "a-long-booth-token-42"
    assert config.shown()["WALL_CONTROL_TOKEN"] == "set" and "a-long-booth" not in config.describe()
    assert config.shown()["WALL_ENV_FILE"] == str(env_file)


def test_dot_env_in_the_working_directory_is_read_when_no_file_is_named(tmp_path, monkeypatch):
    for name in settings_module.names():
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    assert load().wall_env_file == ""
    (tmp_path / ".env").write_text("WALL_BEZEL=12\n", encoding="utf-8")
    config = load()
    assert config.wall_bezel == 12 and config.wall_env_file == ".env"


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            "WALL_TICK=5\nWALL_SORCE=demo\n",
            "line 2: WALL_SORCE is not a setting of the wall (did you mean WALL_SOURCE?)",
        ),
        ("WALL_TICK 5\n", "line 1: expected NAME=value"),
        ("PORT=many\n", "PORT='many' is not valid"),
    ],
)
def test_a_bad_env_file_is_refused_with_its_line(tmp_path, text, said):
    env_file = tmp_path / "wall.env"
    env_file.write_text(text, encoding="utf-8")
    with pytest.raises(SettingsError) as refused:
        load({"WALL_ENV_FILE": str(env_file)})
    assert said in str(refused.value)


def test_a_missing_env_file_stops_the_wall_with_one_line(tmp_path):
    done = run(["run"], tmp_path, WALL_ENV_FILE=str(tmp_path / "nowhere.env"))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == f"city wall: WALL_ENV_FILE='{tmp_path / 'nowhere.env'}': no file there"


# --- replay, and the log lines in JSON -----------------------------------------------------------


def demo_recording(path: Path) -> Path:
    """One round of every call from the demo city."""
    with path.open("w", encoding="utf-8") as out:
        record.record(DemoSource(seed=7, start=1_764_000_000), FEEDS, {}, 1, out)
    return path


def test_replay_serves_a_recording_and_every_log_line_is_json(tmp_path):
    recording = demo_recording(tmp_path / "afternoon.jsonl")
    environ = environment(tmp_path, LOG_FORMAT="json")
    port = environ["PORT"]
    process = subprocess.Popen(
        [*DASHBOARD, "replay", str(recording), "--speed", "30"],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline, health = time.monotonic() + 60, None
        while time.monotonic() < deadline and process.poll() is None:
            try:
                health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=2).json()
                if health["feeds"]["incidents"]["version"] > 0:
                    break
            except (requests.RequestException, ValueError, KeyError):
                pass
            time.sleep(0.3)
        assert health is not None, "the replaying wall never answered"
        assert health["feeds"]["air"]["source"] == "replay"
    finally:
        stop(process)
    out, err = process.communicate(timeout=30)
    lines = [json.loads(line) for line in (out + err).splitlines() if line.strip()]  # raises if not JSON
    assert all({"time", "level", "logger", "message", "pid"} <= set(line) for line in lines)
    said = {line["message"]: line for line in lines}
    assert said["city wall settings"]["settings"]["WALL_SOURCE"] == "replay"
    assert said["city wall settings"]["settings"]["WALL_REPLAY_PATH"] == str(recording)
    assert any(line["logger"] == "gunicorn.error" and "Booting worker" in line["message"] for line in lines)
    assert any(line["logger"] == "dashboard.poller" and "poller started" in line["message"] for line in lines)


def test_a_json_line_keeps_extra_fields_and_the_traceback_in_one_object():
    formatter = logs.JsonFormatter()
    try:
        raise ValueError("bad body")
    except ValueError:
        record_ = logging.LogRecord(
            "dashboard.poller", logging.WARNING, __file__, 1, "air %s", ("failed",), None
        )
        record_.exc_info = sys.exc_info()
    record_.feed = "air"
    line = json.loads(formatter.format(record_))
    assert line["message"] == "air failed" and line["level"] == "WARNING" and line["feed"] == "air"
    assert "ValueError: bad body" in line["exception"] and "\n" not in formatter.format(record_)


def test_configuring_the_logs_twice_keeps_one_handler_and_leaves_others():
    root = logging.getLogger()
    other = logging.NullHandler()
    root.addHandler(other)
    try:
        logs.configure("INFO", "json")
        logs.configure("WARNING", "text")
        ours = [h for h in root.handlers if isinstance(h, logs._WallHandler)]
        assert len(ours) == 1 and other in root.handlers and root.level == logging.WARNING
    finally:
        root.removeHandler(other)
        logs.configure("INFO", "text")


def test_a_failure_is_logged_once_a_new_reason_again_and_the_recovery_once(wall, source, caplog):  # noqa: F811
    wall.poller.poll("air")
    with caplog.at_level(logging.INFO, logger="dashboard.poller"):
        source.failure = result_error("ERROR-500")
        for _ in range(3):
            wall.poller.poll("air")
        source.failure = result_error("ERROR-600")
        for _ in range(3):
            wall.poller.poll("air")
        source.failure = None
        for _ in range(2):
            wall.poller.poll("air")
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("air ")]
    assert len(said) == 3, said
    assert "poll failed: ERROR-500" in said[0]
    assert "still failing, now: ERROR-600" in said[1]
    assert said[2].startswith("air recovered")


# --- record's progress ---------------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_on_a_terminal_is_one_line_redrawn_with_a_bar():
    screen = Terminal()
    progress = record.Progress(120, screen)
    progress(30, 4, 2_500)
    progress(30.2, 5, 2_600)  # within half a second: not redrawn
    progress(118, 16, 1_250_000, final=True)
    drawn = screen.getvalue()
    assert drawn.count("\r") == 2 and drawn.endswith("\n")
    assert "25%  0:30 elapsed, 1:30 left · 4 calls · 2.5 kB" in drawn
    assert "100%  1:58 elapsed, 0:00 left · 16 calls · 1.2 MB" in drawn and "█" * 24 in drawn


def test_progress_in_a_log_is_a_plain_line_now_and_then():
    log = io.StringIO()
    progress = record.Progress(600, log)  # every 60 s for ten minutes
    for second in range(0, 600, 5):
        progress(second, second // 10, second * 100)
    lines = log.getvalue().splitlines()
    assert len(lines) == 10 and "\r" not in log.getvalue()
    assert lines[1] == "recording: 10%, 1:00 elapsed, 9:00 left · 6 calls · 6.0 kB"


def test_record_tells_the_progress_calls_and_bytes_as_written(tmp_path):
    told = []
    path = tmp_path / "now.jsonl"
    with path.open("w", encoding="utf-8") as out:
        summary = record.record(
            DemoSource(seed=7), FEEDS, {}, 1, out, progress=lambda *a, **k: told.append((a, k))
        )
    lines = path.read_text(encoding="utf-8").splitlines()
    assert summary.calls == len(lines) > 3 and summary.written == path.stat().st_size  # a place a call
    (elapsed, calls, written), final = told[-1]
    assert final == {"final": True} and (calls, written) == (summary.calls, summary.written)
    assert [a[1] for a, _ in told] == sorted(a[1] for a, _ in told)  # calls only grow
