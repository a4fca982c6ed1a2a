"""The live Seoul source against a fake Seoul API on loopback: every failure, the key kept secret, replay.

Real HTTP on 127.0.0.1 only (tests/fake_seoul.py), the real poller and frame store. Timeouts are
half a second and backoff is short, so the whole file runs in seconds.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import traceback
from pathlib import Path

import pandas as pd
import pytest

from dashboard import core, record
from dashboard.settings import Settings, SettingsError, load
from dashboard.store import ERROR, OK
from feeds import air, incidents, traffic
from feeds.base import FeedError
from feeds.registry import FEEDS
from feeds.replay import ReplaySource, open_recording
from feeds.replay import load as replay_load
from feeds.seoul import SeoulSource
from tests.fake_seoul import KEY, MOMENT, FakeClock, FakeSeoul

HOTSPOTS = ("광화문·덕수궁", "강남역")
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def fake():
    server = FakeSeoul()
    yield server
    server.stop()


def settings_for(fake: FakeSeoul, **overrides) -> Settings:
    values = {
        "wall_source": "seoul",
        "seoul_api_key": KEY,
        "seoul_api_base_url": fake.url,
        "seoul_timeout": 0.5,
        "wall_hotspots": HOTSPOTS,
        "wall_poller": False,
    }
    return Settings(**(values | overrides))


def live_source(fake: FakeSeoul, **overrides) -> SeoulSource:
    """The source make_source builds, with test-sized timeouts and backoff, on the fake's clock."""
    options = {
        "timeout": (0.5, 0.5),
        "backoff": 0.01,
        "cooldown": 0,
        "hotspots": HOTSPOTS,
        "clock": fake.clock,
    }
    return SeoulSource(KEY, fake.url, **(options | overrides))


def live_wall(fake: FakeSeoul, **overrides) -> core.Wall:
    return core.build(settings_for(fake), source=live_source(fake, **overrides))


def data(wall: core.Wall, feed: str) -> pd.DataFrame:
    return wall.store.frame(feed).data


def recovered(caplog, feed: str) -> int:
    return sum(
        1
        for r in caplog.records
        if r.name == "dashboard.poller" and r.getMessage().startswith(f"{feed} recovered")
    )


# --- settings and wiring ------------------------------------------------------------------------


def test_source_choice_and_live_settings_are_read_from_the_environment(fake):
    settings = load(
        {
            "WALL_SOURCE": "seoul",
            "SEOUL_API_KEY": KEY,
            "SEOUL_API_BASE_URL": fake.url + "/",
            "SEOUL_TIMEOUT": "2.5",
            "WALL_HOTSPOTS": "광화문·덕수궁, 강남역,",
        }
    )
    assert settings.seoul_api_base_url == fake.url
    assert settings.wall_hotspots == HOTSPOTS and settings.seoul_timeouts() == (2.5, 2.5)
    source = core.make_source(settings)
    assert isinstance(source, SeoulSource) and source.name == "seoul" and source.hotspots == HOTSPOTS
    assert source.timeout == (2.5, 2.5)
    assert traffic.parse(traffic.fetch(source))["hotspot"].unique().tolist() == list(HOTSPOTS)


def test_the_key_is_never_printed_with_the_settings():
    settings = load({"WALL_SOURCE": "seoul", "SEOUL_API_KEY": KEY})
    text = settings.describe()
    assert KEY not in text and KEY not in repr(settings)
    shown = dict(line.split(None, 1) for line in text.splitlines())
    assert shown["SEOUL_API_KEY"] == "set" and shown["WALL_SOURCE"] == "seoul"
    assert load({}).shown()["SEOUL_API_KEY"] == "not set"


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"WALL_SOURCE": "seoul"}, "SEOUL_API_KEY"),
        (
            {"WALL_SOURCE": "seoul", "SEOUL_API_KEY": KEY, "SEOUL_API_BASE_URL": "openapi.seoul.go.kr"},
            "SEOUL_API_BASE_URL",
        ),
        ({"SEOUL_API_BASE_URL": "ftp://openapi.seoul.go.kr"}, "SEOUL_API_BASE_URL"),
        ({"SEOUL_TIMEOUT": "0"}, "SEOUL_TIMEOUT"),
        ({"WALL_HOTSPOTS": " , "}, "WALL_HOTSPOTS"),
        ({"WALL_SOURCE": "replay"}, "WALL_REPLAY_PATH"),
        ({"WALL_SOURCE": "replay", "WALL_REPLAY_PATH": "/nowhere/afternoon.jsonl"}, "WALL_REPLAY_PATH"),
    ],
)
def test_a_bad_live_or_replay_setting_is_refused_naming_it(environ, named):
    with pytest.raises(SettingsError, match=rf"^{named}\b"):
        load(environ)


def test_a_missing_key_is_one_clear_message_at_start(monkeypatch, capsys):
    import app as wall_app

    monkeypatch.setenv("WALL_SOURCE", "seoul")
    monkeypatch.delenv("SEOUL_API_KEY", raising=False)
    assert wall_app.main() == 2
    err = capsys.readouterr().err
    assert "SEOUL_API_KEY is not set" in err and "Traceback" not in err
    assert err.count("\n") == 1


def test_place_names_and_the_key_travel_percent_encoded_as_path_segments(fake):
    source = live_source(fake)
    source.fetch("json", "citydata", 1, 5, "광화문·덕수궁")
    assert fake.paths[-1] == (
        f"/{KEY}/json/citydata/1/5/%EA%B4%91%ED%99%94%EB%AC%B8%C2%B7%EB%8D%95%EC%88%98%EA%B6%81"
    )
    assert fake.requests[-1] == (KEY, "citydata", ("광화문·덕수궁",))
    odd = FakeSeoul(key="A/B C+D")
    try:
        assert "INFO-000" in SeoulSource("A/B C+D", odd.url, clock=odd.clock).fetch(
            "json", "RealtimeCityAir", 1, 25
        )
        assert odd.paths[-1].startswith("/A%2FB%20C%2BD/json/")
    finally:
        odd.stop()


# --- each failure: the last good frame stays with the reason, then the wall recovers ---------------


@pytest.mark.parametrize(
    ("mode", "feed", "service", "reason", "requests"),
    [
        ("timeout", "air", "RealtimeCityAir", "did not answer within 0.5 s", 3),
        ("http500", "air", "RealtimeCityAir", "HTTP 500 from the Seoul API", 3),
        ("redirect", "air", "RealtimeCityAir", "HTTP 302 from the Seoul API", 1),
        ("malformed", "air", "RealtimeCityAir", "malformed JSON", 1),
        ("info100", "air", "RealtimeCityAir", "INFO-100: the API key is not valid", 1),
        ("error500", "air", "RealtimeCityAir", "ERROR-500", 3),
        ("http500", "incidents", "AccInfo", "HTTP 500 from the Seoul API", 3),
        ("malformed", "incidents", "AccInfo", "malformed XML", 1),
        ("info100", "incidents", "AccInfo", "INFO-100", 1),
        ("error500", "traffic", "citydata", "ERROR-500", 3 * len(HOTSPOTS)),
        ("info100", "traffic", "citydata", "INFO-100", 1),  # a bad key fails every place: asked once
    ],
)
def test_a_failure_keeps_the_last_good_frame_with_the_reason_and_recovers(
    fake, caplog, mode, feed, service, reason, requests
):
    caplog.set_level(logging.INFO)
    wall = live_wall(fake)
    good = wall.poller.poll(feed)
    assert good.status == OK and good.version > 0 and good.rows > 0
    before = data(wall, feed)

    fake.fail(mode)
    asked = fake.count(service)
    meta = wall.poller.poll(feed)
    assert fake.count(service) - asked == requests  # transient ones retried, permanent ones not
    assert meta.status == ERROR and reason in meta.error
    assert wall.store.meta(feed).version == good.version
    pd.testing.assert_frame_equal(data(wall, feed), before)  # the wall keeps what it showed
    wall.poller.poll(feed)
    assert sum(1 for r in caplog.records if "poll failed" in r.getMessage()) == 1  # said once

    fake.heal()
    meta = wall.poller.poll(feed)
    assert meta.status == OK and meta.error is None and meta.version == good.version
    pd.testing.assert_frame_equal(data(wall, feed), before)
    wall.poller.poll(feed)
    assert recovered(caplog, feed) == 1


def test_connection_refused_keeps_the_last_frame_and_recovers(fake, caplog):
    caplog.set_level(logging.INFO)
    wall = live_wall(fake)
    assert wall.poller.poll("air").status == OK
    fake.stop()
    meta = wall.poller.poll("air")
    assert meta.status == ERROR and "could not connect to the Seoul API" in meta.error
    assert wall.store.frame("air").data.shape[0] == 25
    fake.start()  # the same port again
    assert wall.poller.poll("air").status == OK
    assert recovered(caplog, "air") == 1


def test_transient_failures_are_retried_with_backoff_until_one_succeeds(fake):
    pauses: list[float] = []
    wall = live_wall(fake, backoff=0.5, sleep=pauses.append)
    for mode, times in (("http500", 1), ("error500", 2), ("timeout", 1)):
        fake.fail(mode, times=times)
        asked = fake.count("RealtimeCityAir")
        meta = wall.poller.poll("air")
        assert meta.status == OK and meta.rows == 25, mode
        assert fake.count("RealtimeCityAir") - asked == times + 1
    assert pauses == [0.5, 0.5, 1.0, 0.5]  # exponential: 0.5 s, then 1 s


def test_a_silent_service_is_held_off_alone(fake):
    clock = fake.clock
    source = live_source(fake, cooldown=30)
    fake.fail("timeout", services=(air.SERVICE,))
    with pytest.raises(FeedError, match="did not answer"):
        source.fetch("json", air.SERVICE, 1, 25)
    asked = fake.count(air.SERVICE)
    with pytest.raises(FeedError, match="did not answer.*RealtimeCityAir.*next try in 30 s"):
        source.fetch("json", air.SERVICE, 1, 25)
    assert fake.count(air.SERVICE) == asked  # held off: not asked again
    # Traffic and incidents use other services: they are asked, and answer.
    assert len(traffic.fetch(source)) == len(HOTSPOTS)
    assert incidents.parse(incidents.fetch(source)) is not None
    fake.heal()
    clock.now += 31
    assert air.parse(source.fetch("json", air.SERVICE, 1, 25)).shape[0] == 25


def test_a_host_that_refuses_connections_holds_off_every_service(fake):
    clock = fake.clock
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nothing listens here once the socket is closed
    source = SeoulSource(KEY, f"http://127.0.0.1:{port}", timeout=(0.5, 0.5), backoff=0.01, clock=clock)
    with pytest.raises(FeedError, match="could not connect"):
        source.fetch("json", air.SERVICE, 1, 25)
    with pytest.raises(FeedError, match="could not connect.*next try in 30 s"):
        traffic.fetch(source)
    clock.now += 31
    with pytest.raises(FeedError, match="could not connect") as raised:
        source.fetch("json", air.SERVICE, 1, 25)
    assert "next try" not in str(raised.value)  # asked again after the hold-off


def test_info_200_is_an_empty_result_not_an_outage(fake):
    wall = live_wall(fake)
    assert wall.poller.poll("incidents").rows > 0
    fake.fail("info200")
    # One empty answer keeps the incidents one poll more; the second says nothing is open now.
    assert wall.poller.poll("incidents").rows > 0
    meta = wall.poller.poll("incidents")
    assert meta.status == OK and meta.error is None and meta.rows == 0
    fake.heal()
    assert wall.poller.poll("incidents").rows > 0


@pytest.mark.parametrize("mode", ["new_generation", "strings"])
def test_new_air_field_names_and_numbers_as_strings_give_the_same_frame(fake, mode):
    wall = live_wall(fake)
    first = wall.poller.poll("air").version
    before = data(wall, "air")
    fake.fail(mode)
    row = json.loads(wall.source.fetch("json", air.SERVICE, 1, 25))[air.SERVICE]["row"][0]
    assert ("MSRMT_DT" in row) == (mode == "new_generation") and isinstance(
        row["PM25" if mode == "strings" else "FPM"], str
    )
    meta = wall.poller.poll("air")
    assert meta.status == OK and meta.version == first  # the same content: nothing new to draw
    pd.testing.assert_frame_equal(data(wall, "air"), before)
    assert before["pm25"].notna().sum() >= 24


def test_incident_code_tables_are_fetched_once_and_name_the_incidents(fake):
    wall = live_wall(fake)
    wall.poller.poll("incidents")
    wall.poller.poll("incidents")
    assert fake.count("AccMainCode") == 1 and fake.count("AccSubCode") == 1
    names = wall.source.code_names()  # the source's own: nothing process-wide was rewritten
    assert names.details["04B01"] == ("시설물보수", "Roadworks")  # upstream's Korean, our English
    assert names.details["12B01"] == ("제보", "제보")  # a code the wall had not built in
    assert incidents.DETAILS["04B01"] == ("도로공사", "Roadworks")  # the built-in table is untouched
    frame = data(wall, "incidents")
    assert set(frame["type"]) <= {ko for ko, _ in names.types.values()}
    renamed = frame[frame["detail_code"] == "04B01"]
    assert (renamed["detail"] == "시설물보수").all()  # the frame is named as upstream names it
    assert fake.count("AccMainCode") == 1  # still once: the tables are kept a day


def test_without_the_code_tables_the_built_in_names_stay(fake, caplog):
    fake.code_tables = False
    wall = live_wall(fake)
    assert wall.poller.poll("incidents").status == OK
    assert wall.source.code_names().details["04B01"] == ("도로공사", "Roadworks")
    assert any("code tables not fetched" in r.getMessage() for r in caplog.records)


# --- the key never leaves the process -------------------------------------------------------------


def test_the_key_appears_in_no_log_exception_health_report_meta_or_page(fake, caplog, tmp_path):
    import app as wall_app

    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="urllib3")
    source = live_source(fake)
    wall = wall_app.create_wall(settings_for(fake), source=source)
    client = wall.server.test_client()
    seen: list[str] = []
    for feed in FEEDS:
        wall.poller.poll(feed)
    for mode in ("timeout", "http500", "malformed", "info100", "error500", "echo_key", "refused"):
        if mode == "refused":
            fake.stop()
        else:
            fake.fail(mode)
        for feed in ("air",) if mode == "timeout" else FEEDS:  # timeouts are slow: one feed shows it
            wall.poller.poll(feed)
        try:
            air.parse(source.fetch("json", air.SERVICE, 1, 25))
        except FeedError as exc:
            seen += [str(exc), repr(exc), "".join(traceback.format_exception(exc))]
        health = client.get("/healthz")
        assert health.status_code == 503
        seen.append(health.get_data(as_text=True))
        seen += [repr(meta.to_dict()) for meta in wall.store.metas().values()]
        fake.heal()
    for path in ("/", "/_dash-layout"):
        page = client.get(path)
        assert page.status_code == 200
        seen.append(page.get_data(as_text=True))
    fake.start()
    fake.fail("echo_key")
    with open_recording(tmp_path / "failing.jsonl", "w") as out:
        record.record(source, FEEDS, {"air": 60, "traffic": 60, "incidents": 60}, 0, out)
    seen.append((tmp_path / "failing.jsonl").read_text(encoding="utf-8"))
    for r in caplog.records:
        seen.append(r.getMessage())
        seen.append(logging.Formatter().format(r))
    assert any(r.name.startswith("urllib3") and "/***/json/" in r.getMessage() for r in caplog.records)
    assert any("HTTP 500 from the Seoul API" in text for text in seen)
    leaks = [text for text in seen if KEY in text]
    assert not leaks, leaks[0][:500]


# --- record and replay ----------------------------------------------------------------------------


def test_a_recording_replays_the_frames_the_live_wall_showed(fake, tmp_path):
    clock = FakeClock(MOMENT + 28 * 60 + 30)  # 18:58:30: the air turns to a new hour while recording
    fake.clock = clock
    path = tmp_path / "evening.jsonl"
    intervals = {"air": 60, "traffic": 60, "incidents": 30}
    with open_recording(path, "w") as out:
        summary = record.record(
            live_source(fake, clock=clock), FEEDS, intervals, 181, out, clock=clock, sleep=clock.sleep
        )
    # Crowds and weather read traffic's citydata round: parsed as often, and no call of their own.
    polls = {"air": 4, "traffic": 4, "crowds": 4, "weather": 4, "incidents": 7}
    assert summary.stopped is None and summary.polls == polls
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    # The feeds' calls, and the incident code tables once, so the replay names incidents as live did.
    assert summary.calls == len(lines) == 4 + 4 * len(HOTSPOTS) + 7 + len(incidents.CODE_TABLES)
    assert set(lines[0]) == {"t", "fmt", "service", "start", "end", "filters", "body"}
    assert KEY not in path.read_text(encoding="utf-8")

    replay_clock = FakeClock(0.0)
    replay = ReplaySource(path, clock=replay_clock)
    assert replay.hotspots == HOTSPOTS and replay.first == lines[0]["t"]
    live = live_wall(fake, clock=clock)
    replayed = core.build(settings_for(fake), source=replay)
    air_frames = set()
    for feed, interval in intervals.items():
        for step in range(180 // interval + 1):
            t = MOMENT + 28 * 60 + 30 + step * interval + 0.2 * list(FEEDS).index(feed)
            # The replay asks a moment later: recorded times are rounded to the millisecond.
            clock.now, replay_clock.now = t, t - replay.first + 0.01
            assert replay.now() == pytest.approx(t + 0.01, abs=1e-3)
            live.poller.poll(feed)
            replayed.poller.poll(feed)
            pd.testing.assert_frame_equal(data(replayed, feed), data(live, feed))
            assert replayed.store.meta(feed).digest == live.store.meta(feed).digest
            if feed == "air":
                air_frames.add(data(live, feed)["measured_at"].max())
    assert len(air_frames) == 2  # the recording saw the air change, and so did the replay

    # Looping: after the last call and one poll's wait, the recording starts over.
    assert replay.period == pytest.approx(180.4 + 30, abs=1e-3)
    replay_clock.now = replay.period + 5
    assert replay.now() == pytest.approx(replay.first + 5, abs=1e-3)
    assert replay.fetch("json", air.SERVICE, 1, 25) == lines[0]["body"]
    with pytest.raises(FeedError, match="holds no answer to json/citydata/1/5/서울역"):
        replay.fetch("json", "citydata", 1, 5, "서울역")


def test_replay_from_the_settings_warms_its_trends_and_plays_faster(fake, tmp_path):
    path = tmp_path / "short.jsonl.gz"
    clock = FakeClock()
    with open_recording(path, "w") as out:
        record.record(
            live_source(fake),
            FEEDS,
            {"air": 60, "traffic": 60, "incidents": 60},
            1,
            out,
            clock=clock,
            sleep=clock.sleep,
        )
    settings = load({"WALL_SOURCE": "replay", "WALL_REPLAY_PATH": str(path), "WALL_REPLAY_SPEED": "60"})
    source = core.make_source(settings)
    assert isinstance(source, ReplaySource) and source.speed == 60 and source.hotspots == HOTSPOTS
    wall = core.build(settings, source=source)
    assert wall.poller.warm_up() > 0
    for feed in FEEDS:
        assert wall.poller.poll(feed).status == OK
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"t": 1}\n', encoding="utf-8")
    with pytest.raises(SettingsError, match="WALL_REPLAY_PATH=.*line 1 is not a recorded call"):
        core.make_source(Settings(wall_source="replay", wall_replay_path=str(broken)))


def test_the_record_command_writes_a_recording_from_the_configured_source(
    fake, tmp_path, monkeypatch, capsys
):
    for name, value in {
        "WALL_SOURCE": "seoul",
        "SEOUL_API_KEY": KEY,
        "SEOUL_API_BASE_URL": fake.url,
        "WALL_HOTSPOTS": ",".join(HOTSPOTS),
        "LOG_LEVEL": "WARNING",
    }.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "recordings" / "now.jsonl"
    assert record.main(["--minutes", "0.005", "--out", str(out)]) == 0  # 0.3 s: two staggered feeds
    services = [json.loads(line)["service"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert services == ["RealtimeCityAir", "citydata", "citydata"]
    printed = capsys.readouterr()
    assert "recorded 3 calls" in printed.out and KEY not in printed.out + printed.err
    assert record.main(["--minutes", "1", "--out", str(out)]) == 2  # never overwrites a recording

    fake.fail("info100")
    assert record.main(["--minutes", "1", "--out", str(tmp_path / "bad_key.jsonl")]) == 1
    assert "INFO-100" in capsys.readouterr().err


def recording_process(out: Path, log: Path) -> subprocess.Popen:
    """`python -m dashboard record` on the demo city, air and incidents polled every second."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("WALL_", "SEOUL_", "DEMO_"))}
    environ |= {"WALL_SOURCE": "demo", "AIR_INTERVAL": "1", "INCIDENTS_INTERVAL": "1", "LOG_LEVEL": "DEBUG"}
    command = ["-m", "dashboard", "record", "--minutes", "10", "--feeds", "air,incidents", "--out", str(out)]
    with log.open("w") as sink:  # the recorder keeps its own copy of the descriptor
        return subprocess.Popen(
            [sys.executable, *command], cwd=ROOT, env=environ, stdout=sink, stderr=subprocess.STDOUT
        )


def recorded_polls(process: subprocess.Popen, log: Path, polls: int) -> None:
    """Until the recorder has logged ``polls`` parsed polls (at DEBUG; at most 60 s)."""
    deadline = time.monotonic() + 60
    while log.read_text(encoding="utf-8").count(" rows") < polls:
        assert process.poll() is None, log.read_text(encoding="utf-8")
        assert time.monotonic() < deadline, log.read_text(encoding="utf-8")
        time.sleep(0.1)


def ended(process: subprocess.Popen) -> int:
    try:
        return process.wait(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=5)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
@pytest.mark.parametrize("name", ["stopped.jsonl.gz", "stopped.jsonl"])
def test_a_recording_stopped_by_a_signal_is_closed_whole_and_replays(stop, name, tmp_path, caplog):
    out, log = tmp_path / name, tmp_path / "record.log"
    process = recording_process(out, log)
    recorded_polls(process, log, 3)
    process.send_signal(stop)
    assert ended(process) == 0  # a stop that was asked for, not a failure
    printed = log.read_text(encoding="utf-8")
    assert f"record: stopped early: {stop.name}" in printed and "Traceback" not in printed
    with open_recording(out) as whole:  # gzip: to its trailer, or this raises EOFError
        text = whole.read()
    assert text.endswith("\n") and f"recorded {text.count(chr(10))} calls" in printed
    with caplog.at_level(logging.WARNING, logger="feeds.replay"):
        replay = ReplaySource(out)
    assert not caplog.records  # nothing cut
    assert "RealtimeCityAir" in replay.fetch("json", air.SERVICE, 1, 25)


def test_a_gzip_recording_killed_mid_write_replays_what_decompresses_with_one_warning(tmp_path, caplog):
    out, log = tmp_path / "killed.jsonl.gz", tmp_path / "record.log"
    process = recording_process(out, log)
    recorded_polls(process, log, 3)
    process.kill()  # SIGKILL: no trailer written; every call was flushed as it was written
    ended(process)
    with caplog.at_level(logging.WARNING, logger="feeds.replay"):
        calls = sum(len(times) for times, _ in replay_load(out).values())
    assert calls >= 3
    assert [r.getMessage() for r in caplog.records] == [
        f"{out} ends without its gzip trailer (stopped mid-write?); playing the {calls} calls read"
    ]
    caplog.clear()

    # Cut inside its last flushed call, as a disk that filled up or a copy cut short would leave it.
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(out.read_bytes()[:-20])
    with caplog.at_level(logging.WARNING, logger="feeds.replay"):
        replay = ReplaySource(cut)
    assert len(caplog.records) == 1
    assert "without its gzip trailer and has its last line" in caplog.records[0].getMessage()
    assert replay.fetch("json", air.SERVICE, 1, 25)
    assert sum(len(times) for times, _ in replay_load(cut, on_cut=None).values()) == calls - 1


def test_a_recording_whose_last_line_is_cut_plays_the_rest_with_one_warning(fake, tmp_path, caplog):
    path = tmp_path / "cut.jsonl"
    clock = FakeClock()
    with open_recording(path, "w") as out:
        summary = record.record(
            live_source(fake), FEEDS, dict.fromkeys(FEEDS, 60), 1, out, clock=clock, sleep=clock.sleep
        )
    text = path.read_text(encoding="utf-8")
    last = text.splitlines()[-1]
    path.write_text(text[: len(text) - len(last) // 2], encoding="utf-8")  # half the last line
    with caplog.at_level(logging.WARNING, logger="feeds.replay"):
        replay = ReplaySource(path)
    assert [r.getMessage() for r in caplog.records] == [
        f"{path} has its last line ({summary.calls}) cut: dropped it (stopped mid-write?); "
        f"playing the {summary.calls - 1} calls read"
    ]
    assert sum(len(times) for times, _ in replay_load(path, on_cut=None).values()) == summary.calls - 1
    assert replay.fetch("json", air.SERVICE, 1, 25) == json.loads(text.splitlines()[0])["body"]

    # A cut line anywhere but last is not a cut end: the file is refused, naming the line.
    path.write_text(text.splitlines()[0][:30] + "\n" + text, encoding="utf-8")
    with pytest.raises(ValueError, match="cut.jsonl line 1 is not a recorded call"):
        ReplaySource(path)
