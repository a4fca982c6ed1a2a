"""Alerts that reach people: a fire, the worst air or a failing feed POSTed once when it begins and
once when it ends, to a real receiver on loopback; retried, never repeated, never in the poller's way.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd
import pytest

from dashboard import core
from dashboard.alerts import CLEARED, OPEN, Alerts, alarming, body, ended
from dashboard.history import SCHEMA_VERSION, History
from dashboard.settings import Settings, SettingsError, load
from feeds import air, incidents
from feeds.demo import DemoSource
from feeds.envelope import result_error
from feeds.registry import FEEDS
from feeds.values import SEOUL
from layouts.alerts import say
from tests.conftest import ControlledSource

MINUTE = 60
START = datetime(2026, 3, 10, 14, 10, tzinfo=SEOUL).timestamp()  # a Tuesday afternoon
QUICK = (0.05, 0.2)  # the receiver is asked again after 50 ms, doubling to 200 ms


class Receiver:
    """An incoming webhook on 127.0.0.1: records each JSON body it takes. It can be told to answer
    the first ``fail`` requests with ``status`` instead, or to hold each request until released."""

    def __init__(self, fail: int = 0, status: int = 500):
        self.fail, self.status = fail, status
        self.posts: list[dict] = []
        self.requests = 0
        self.hold: threading.Event | None = None
        self.holding = threading.Event()  # set while a request is being held
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                payload = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver._lock:
                    receiver.requests += 1
                    failing = receiver.requests <= receiver.fail
                if receiver.hold is not None:
                    receiver.holding.set()
                    receiver.hold.wait(10)
                    receiver.holding.clear()
                if failing:
                    self.send_response(receiver.status)
                    self.end_headers()
                    return
                with receiver._lock:
                    receiver.posts.append(json.loads(payload))
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/T000/B000/token"

    def of(self, kind: str, key: str | None = None) -> list[tuple[str, dict]]:
        """(state, body) of the messages taken about one kind (and key), in order."""
        with self._lock:
            return [
                (post["event"]["state"], post)
                for post in self.posts
                if post["event"]["kind"] == kind and key in (None, post["event"]["key"])
            ]

    def close(self) -> None:
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def wait_until(check, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)


class FakeClock:
    def __init__(self, now: float = 1_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def receivers():
    started = []

    def start(**options) -> Receiver:
        receiver = Receiver(**options)
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.close()


@pytest.fixture
def watching():
    """Alerts on a wall's store and history, watching after each of its poller's polls."""
    made = []

    def watch(wall, url: str, **options) -> Alerts:
        options = {"words": say, "source": wall.source.name, "after": 3600, "retry": QUICK, **options}
        alerts = Alerts(url, wall.store, FEEDS, wall.history, timeout=(1, 3), **options)
        wall.poller.after_each_poll(alerts.watch)
        made.append(alerts)
        return alerts

    yield watch
    for alerts in made:
        alerts.stop()


def fire_wall(tmp_path, clock: FakeClock, source: DemoSource | None = None):
    """A wall on the demo city at speed 60 on ``clock`` (a simulated minute per tick), keeping its
    history in ``tmp_path``; the Mapo fire is played from START."""
    if source is None:
        source = DemoSource(seed=7, start=START, speed=60, clock=clock)
        source.play("mapo-fire")
    settings = Settings(wall_poller=False, history_path=str(tmp_path / "history.sqlite"))
    return core.build(settings, source=source)


def play(wall, clock: FakeClock, minutes: range) -> None:
    """Poll incidents every two simulated minutes (air every ten) through ``minutes``."""
    for minute in minutes:
        if minute % 2 == 0:
            wall.poller.poll("incidents")
        if minute % 10 == 0:
            wall.poller.poll("air")
        clock.now += 1


def fire_id(wall) -> str:
    return wall.source.scenario_status()["incident_id"]


# --- what alarms, and what a message says (pure) --------------------------------------------------


def scenario_frame(feed, minutes: float, scenario: str) -> pd.DataFrame:
    source = DemoSource(seed=7, start=START + minutes * MINUTE, speed=0)
    source.play(scenario, start=START)
    return feed.parse(feed.fetch(source))


def test_a_fire_and_a_flood_are_alarms_and_end_when_they_leave_the_feed():
    fire = scenario_frame(incidents, 10, "mapo-fire")
    on, judged = alarming(incidents.ALARMS, fire)
    scripted = {key: fields for key, fields in on.items() if len(key) == 11}
    assert [fields["type_code"] for fields in scripted.values()] == ["A08"] and judged is None
    (fields,) = scripted.values()
    assert fields["district"] == "마포구" and fields["stage"] == "operating"
    assert fields["started_at"] == START and fields["occurred_at"] == "2026-03-10T14:10:00+09:00"
    assert set(on) == set(fire[fire["severe"]]["incident_id"])  # the wall's own severe rows
    # The flood is a weather/disaster incident (A09) with the road-flooding detail: it counts.
    flood = scenario_frame(incidents, 20, "gangnam-flood")
    flooded = [fields for key, fields in alarming(incidents.ALARMS, flood)[0].items() if len(key) == 11]
    assert [(f["type_code"], f["detail_code"], f["district"]) for f in flooded] == [
        ("A09", "09B16", "강남구")
    ]
    # Gone from the frame: over. Still there: open.
    after = scenario_frame(incidents, 56, "mapo-fire")
    assert set(ended(set(scripted), *alarming(incidents.ALARMS, after))) == set(scripted)
    assert ended(set(scripted), on, judged) == {}


def test_the_worst_air_is_an_alarm_that_a_district_without_a_grade_does_not_end():
    smoky = scenario_frame(air, 60, "mapo-fire")
    on, judged = alarming(air.ALARMS, smoky)
    assert "11440" in on and on["11440"]["cai_grade"] == "매우나쁨"
    assert set(on) == set(smoky[smoky["cai_grade"] == "매우나쁨"]["district_code"])
    assert ended({"11440"}, on, judged) == {}
    maintenance = smoky.copy()
    mapo = maintenance["district_code"] == "11440"
    maintenance.loc[mapo, ["cai", "cai_grade", "note"]] = [float("nan"), None, "점검중"]
    assert ended({"11440"}, *alarming(air.ALARMS, maintenance)) == {}  # not known: stays open
    better = smoky.copy()
    better.loc[better["district_code"] == "11440", ["cai", "cai_grade"]] = [180.0, "나쁨"]
    now = ended({"11440"}, *alarming(air.ALARMS, better))["11440"]
    assert now["cai_grade"] == "나쁨" and now["cai"] == 180.0


FIRE_EVENT = {
    "kind": "incident",
    "key": "90000000001",
    "state": OPEN,
    "source": "seoul",
    "cleared_at": None,
    "started_at": START,
    "type_code": "A08",
    "type": "화재",
    "type_en": "Fire",
    "detail_code": "08B01",
    "detail": "화재",
    "detail_en": "Fire",
    "stage": "reported",
    "description": "양화로 합정역 인근 상가건물 화재 <!channel> & 우회",
    "district_code": "11440",
    "district": "마포구",
    "occurred_at": "2026-03-10T14:10:00+09:00",
}


def test_a_message_is_one_readable_line_and_the_event_in_the_walls_language():
    message = body(FIRE_EVENT, "ko", say)
    assert (
        message["text"]
        == "🔥 화재 · 마포구 발생 · 양화로 합정역 인근 상가건물 화재 &lt;!channel&gt; &amp; 우회"
    )
    event = message["event"]
    assert {name: event[name] for name in ("kind", "key", "state", "title", "district", "district_code")} == {
        "kind": "incident",
        "key": "90000000001",
        "state": "open",
        "title": "화재 · 마포구",
        "district": "마포구",
        "district_code": "11440",
    }
    assert event["started_at"] == "2026-03-10T14:10:00+09:00" and event["cleared_at"] is None
    assert event["description"] == FIRE_EVENT["description"]  # the field keeps what upstream said
    assert event["lang"] == "ko" and event["type_code"] == "A08" and event["stage"] == "reported"
    cleared = {**FIRE_EVENT, "state": CLEARED, "cleared_at": START + 55 * MINUTE, "source": "demo"}
    english = body(cleared, "en", say)
    assert english["text"] == "✅ Fire · Mapo-gu cleared · after 55 min · Demo data"
    assert english["event"]["district"] == "Mapo-gu" and english["event"]["title"] == "Fire · Mapo-gu"
    assert english["event"]["cleared_at"] == "2026-03-10T15:05:00+09:00"
    flood = {
        **FIRE_EVENT,
        "type_code": "A09",
        "type": "기상/재난",
        "detail_code": "09B16",
        "detail": "도로침수",
    }
    assert body(flood, "ko", say)["text"].startswith("🌊 도로침수 · 마포구 발생 · ")
    feed = {"kind": "feed", "key": "air", "state": OPEN, "status": "error", "failing_for": 720.0}
    feed |= {"reason": result_error("ERROR-500").reason, "source": "seoul", "started_at": START}
    assert (
        body(feed, "ko", say)["text"]
        == "⚠️ 대기 데이터 오류 발생 · 12분째 · ERROR-500: 서울 열린데이터광장 서버 오류"
    )
    assert body(feed, "en", say)["text"] == (
        "⚠️ Air data: Error opened · for 12 min · ERROR-500: the provider's server failed"
    )
    assert json.loads(json.dumps(body(feed, "ko", say)))["event"]["reason"].startswith("ERROR-500")


# --- the Mapo fire, played to a receiver ---------------------------------------------------------


def test_the_mapo_fire_is_alerted_once_when_reported_and_once_when_cleared(tmp_path, receivers, watching):
    receiver, clock = receivers(), FakeClock()
    wall = fire_wall(tmp_path, clock)
    watching(wall, receiver.url)
    play(wall, clock, range(0, 62))
    fire = fire_id(wall)
    wait_until(lambda: len(receiver.of("incident", fire)) == 2)
    (opened, first), (cleared, last) = receiver.of("incident", fire)
    assert (opened, cleared) == ("open", "cleared")
    assert first["text"].startswith(
        "🔥 화재 · 마포구 발생 · 양화로 합정역 인근(마포구 서교동) 7층 상가건물 화재"
    )
    assert first["text"].endswith(" · 시연 데이터")  # a demo says it is one
    event = first["event"]
    assert (event["kind"], event["key"], event["district"], event["title"]) == (
        "incident",
        fire,
        "마포구",
        "화재 · 마포구",
    )
    assert event["started_at"] == "2026-03-10T14:10:00+09:00" and event["cleared_at"] is None
    assert event["stage"] == "reported" and event["source"] == "demo" and event["type_code"] == "A08"
    assert last["text"].startswith("✅ 화재 · 마포구 해제 · ") and "분 만" in last["text"]
    assert last["event"]["started_at"] == event["started_at"]
    assert pd.Timestamp(last["event"]["cleared_at"]) >= pd.Timestamp(START + 55 * MINUTE, unit="s", tz=SEOUL)
    # The smoke: Mapo's air reached 매우나쁨, said once.
    wait_until(lambda: receiver.of("air", "11440"))
    assert [state for state, _ in receiver.of("air", "11440")] == ["open"]
    assert receiver.of("air", "11440")[0][1]["text"].startswith("😷 마포구 대기 매우나쁨 발생 · CAI ")
    assert receiver.of("feed") == []  # every polled feed is live


def test_a_receiver_that_fails_twice_still_gets_each_message_once(tmp_path, receivers, watching, caplog):
    receiver, clock = receivers(fail=2), FakeClock()
    wall = fire_wall(tmp_path, clock)
    alerts = watching(wall, receiver.url)
    with caplog.at_level(logging.INFO, logger="dashboard.alerts"):
        play(wall, clock, range(0, 62))
        fire = fire_id(wall)
        wait_until(lambda: len(receiver.of("incident", fire)) == 2 and alerts.pending() == 0)
    assert [state for state, _ in receiver.of("incident", fire)] == ["open", "cleared"]
    assert receiver.requests == len(receiver.posts) + 2
    failed = [r for r in caplog.records if "receiver failed" in r.getMessage()]
    back = [r for r in caplog.records if "takes them again" in r.getMessage()]
    assert len(failed) == 1 and len(back) == 1  # once each, not once a try
    assert "HTTP 500" in failed[0].getMessage() and "token" not in caplog.text  # the URL is never logged


def test_a_receiver_that_refuses_a_message_has_it_dropped_once_and_takes_the_next(
    tmp_path, receivers, watching, caplog
):
    receiver, clock = receivers(fail=1, status=400), FakeClock()
    wall = fire_wall(tmp_path, clock)
    alerts = watching(wall, receiver.url)
    with caplog.at_level(logging.INFO, logger="dashboard.alerts"):
        play(wall, clock, range(0, 62))
        fire = fire_id(wall)
        wait_until(lambda: alerts.pending() == 0 and receiver.of("incident", fire))
    assert [state for state, _ in receiver.of("incident", fire)] == ["cleared"]  # the open one was refused
    assert receiver.requests == len(receiver.posts) + 1  # and never asked again
    refused = [r for r in caplog.records if "refused" in r.getMessage()]
    assert len(refused) == 1 and "HTTP 400" in refused[0].getMessage() and "화재" in refused[0].getMessage()


def test_a_restarted_poller_does_not_say_again_what_it_said(tmp_path, receivers, watching):
    receiver, clock = receivers(), FakeClock()
    wall = fire_wall(tmp_path, clock)
    first = watching(wall, receiver.url)
    play(wall, clock, range(0, 20))
    fire = fire_id(wall)
    wait_until(lambda: receiver.of("incident", fire) and first.pending() == 0)
    first.stop()
    wall.history.close()
    # The poller restarts on the same history file; the city (and the fire) carry on.
    again = fire_wall(tmp_path, clock, source=wall.source)
    second = watching(again, receiver.url)
    assert again.poller.restore() > 0  # restored frames are not news: nothing is judged from them
    play(again, clock, range(20, 62))
    wait_until(lambda: len(receiver.of("incident", fire)) == 2)
    assert [state for state, _ in receiver.of("incident", fire)] == ["open", "cleared"]
    wait_until(lambda: second.pending() == 0)  # everything judged is sent: a repeat would be in
    assert [state for state, _ in receiver.of("air", "11440")] == ["open"]
    assert len(receiver.of("incident", fire)) == 2


def test_what_waited_for_the_receiver_is_sent_after_a_restart(tmp_path, receivers, watching):
    down, clock = receivers(fail=10**6), FakeClock()
    wall = fire_wall(tmp_path, clock)
    first = watching(wall, down.url)
    play(wall, clock, range(0, 4))
    wait_until(lambda: down.requests >= 1)
    first.stop()
    assert first.pending() >= 1
    wall.history.close()
    receiver = receivers()
    again = fire_wall(tmp_path, clock, source=wall.source)
    second = watching(again, receiver.url)
    second.watch()  # the first watch (the scheduler's, at start) sends what waits
    fire = fire_id(again)
    wait_until(lambda: receiver.of("incident", fire) and second.pending() == 0)
    play(again, clock, range(4, 8))
    wait_until(lambda: second.pending() == 0)
    assert [state for state, _ in receiver.of("incident", fire)] == ["open"]


# --- a feed failing -------------------------------------------------------------------------------


def test_a_feed_failing_longer_than_the_setting_is_alerted_once_and_its_recovery_once(receivers, watching):
    receiver, clock, source = receivers(), FakeClock(), ControlledSource()
    # HISTORY_PATH=off: what was said is kept in memory, for this process.
    wall = core.build(Settings(wall_poller=False, history_path="off"), source=source)
    alerts = watching(wall, receiver.url, after=10 * MINUTE, clock=clock, lang="en")
    for call in wall.poller.calls:
        wall.poller.poll_call(call)
    source.failure = result_error("ERROR-500")
    wall.poller.poll("air")  # failing from now
    clock.now += 9 * MINUTE
    wall.poller.poll("air")
    assert alerts.pending() == 0 and receiver.posts == []  # not yet ten minutes
    clock.now += 2 * MINUTE
    wall.poller.poll("air")
    wall.poller.poll("air")
    wait_until(lambda: receiver.of("feed", "air"))
    source.failure = None
    clock.now += 4 * MINUTE
    wall.poller.poll("air")
    wait_until(lambda: len(receiver.of("feed", "air")) == 2)
    (opened, first), (cleared, last) = receiver.of("feed", "air")
    assert (opened, cleared) == ("open", "cleared")
    assert first["text"] == (
        "⚠️ Air data: Error opened · for 11 min · ERROR-500: the provider's server failed · Demo data"
    )
    assert first["event"]["status"] == "error" and first["event"]["reason"].startswith("ERROR-500")
    assert last["text"] == "✅ Air data: Error cleared · after 15 min · Demo data" and last["event"][
        "now"
    ] == {"status": "ok"}
    # A failure shorter than the setting says nothing.
    source.failure = result_error("ERROR-500")
    wall.poller.poll("air")
    clock.now += 5 * MINUTE
    source.failure = None
    wall.poller.poll("air")
    wait_until(lambda: alerts.pending() == 0)
    assert len(receiver.of("feed")) == 2


# --- never in the poller's way --------------------------------------------------------------------


def test_the_poller_is_not_held_up_by_a_receiver_that_hangs(tmp_path, receivers, watching):
    receiver, clock = receivers(), FakeClock()
    receiver.hold = threading.Event()
    wall = fire_wall(tmp_path, clock)
    watching(wall, receiver.url)
    wall.poller.poll("incidents")  # the fire is reported: its message goes out ...
    receiver.holding.wait(5)
    assert receiver.holding.is_set()  # ... and the receiver holds on to it
    for _ in range(3):  # polls go on meanwhile, each to its end
        clock.now += 1
        assert wall.poller.poll("incidents").status == "ok"
        assert wall.poller.poll("air").status == "ok"
        assert receiver.holding.is_set() and receiver.posts == []
    receiver.hold.set()
    fire = fire_id(wall)
    wait_until(lambda: receiver.of("incident", fire))
    assert [state for state, _ in receiver.of("incident", fire)] == ["open"]


# --- where it runs, its settings, its file --------------------------------------------------------


def test_alerts_run_only_where_the_wall_polls_and_a_webhook_is_set(tmp_path):
    webhook = "https://hooks.slack.com/services/T000/B000/s3cretToken"
    polling = core.build(Settings(wall_alert_webhook=webhook, history_path="off"))
    assert polling.alerts is not None and polling.alerts.lang == "ko" and polling.alerts.after == 600
    assert (
        core.build(Settings(wall_alert_webhook=webhook, wall_poller=False, history_path="off")).alerts is None
    )
    assert core.build(Settings(history_path="off")).alerts is None


def test_alert_settings_are_read_checked_and_the_webhook_never_printed():
    webhook = "https://hooks.slack.com/services/T000/B000/s3cretToken"
    settings = load({"WALL_ALERT_WEBHOOK": webhook, "WALL_ALERT_AFTER": "2.5", "WALL_ALERT_LANG": "en"})
    assert (settings.wall_alert_webhook, settings.wall_alert_after, settings.wall_alert_lang) == (
        webhook,
        2.5,
        "en",
    )
    assert (
        load({}).wall_alert_webhook == ""
        and load({}).wall_alert_after == 10
        and load({}).wall_alert_lang == "ko"
    )
    shown = settings.describe()
    assert "s3cretToken" not in shown and "s3cretToken" not in repr(settings)
    assert any(line.split() == ["WALL_ALERT_WEBHOOK", "set"] for line in shown.splitlines())
    with pytest.raises(SettingsError) as refused:
        load({"WALL_ALERT_WEBHOOK": "ftp://hooks.example/s3cretToken"})
    assert str(refused.value).startswith("WALL_ALERT_WEBHOOK is not valid") and "s3cret" not in str(
        refused.value
    )
    for name, value in (("WALL_ALERT_LANG", "fr"), ("WALL_ALERT_AFTER", "-1")):
        with pytest.raises(SettingsError, match=rf"^{name}="):
            load({name: value})


def test_a_history_file_from_before_alerts_gains_their_tables(tmp_path, caplog):
    path = tmp_path / "old.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE polls (feed TEXT PRIMARY KEY, seen_at REAL NOT NULL)")
        db.execute("INSERT INTO polls VALUES ('air', 1.0)")
        db.execute("PRAGMA user_version = 3")
    db.close()
    with caplog.at_level(logging.INFO, logger="dashboard.history"):
        history = History(str(path))
    assert f"schema 3 brought up to {SCHEMA_VERSION}" in caplog.text and SCHEMA_VERSION == 4
    assert history.count("alert_events") == 0 and history.count("alert_messages") == 0
    assert history.newest_poll() == 1.0  # what it held stays
    event_id = history.open_alert("incident", "1", 5.0, "{}", '{"text": "a"}')
    assert history.open_alert("incident", "1", 6.0, "{}", '{"text": "b"}') is None  # open already
    assert history.clear_alert(event_id, 7.0, '{"text": "c"}') and not history.clear_alert(
        event_id, 8.0, "{}"
    )
    assert [state for _, state, _ in history.alert_outbox(10)] == ["open", "cleared"]
    history.close()
