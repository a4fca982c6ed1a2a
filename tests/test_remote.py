"""The presenter remote: token-protected, and every wall browser follows it within one tick."""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
import time

import pytest
from flask import Flask
from flask_caching import Cache
from selenium.webdriver.common.by import By

import app as wall_app
from dashboard.control import COOKIE, Remote
from dashboard.settings import Settings, SettingsError, load
from tests.browser import console_errors, open_wall, text_of, wait_for
from tests.conftest import ControlledSource

TOKEN = "presenter-token-2020"


@pytest.fixture
def client():
    wall = wall_app.create_wall(
        Settings(wall_poller=False, wall_control_token=TOKEN), source=ControlledSource()
    )
    return wall.server.test_client()


def login(client) -> None:
    response = client.get(f"/control?token={TOKEN}")
    assert response.status_code == 303 and response.headers["Location"].endswith("/control")
    assert TOKEN not in response.headers["Set-Cookie"]  # the cookie holds a digest, not the token


def test_remote_is_off_without_a_token():
    wall = wall_app.create_wall(Settings(wall_poller=False), source=ControlledSource())
    client = wall.server.test_client()
    assert client.get("/control").status_code == 404
    assert client.post("/control/state", json={"lang": "en"}).status_code == 404


@pytest.mark.parametrize("path", ["/control", "/control?token=wrong-token-123", "/control/state"])
def test_remote_refuses_a_missing_or_wrong_token_and_reveals_nothing(client, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response.get_data(as_text=True) == "401 Unauthorized\n"
    assert "Set-Cookie" not in response.headers


def test_control_actions_refuse_without_the_session(client):
    response = client.post("/control/state", json={"selection": "11440"})
    assert response.status_code == 401
    assert (
        client.post("/control/state", json={"lang": "en"}, headers={"X-Wall-Token": "nope"}).status_code
        == 401
    )


def test_token_opens_a_session_that_drives_the_state(client):
    login(client)
    page = client.get("/control")
    assert page.status_code == 200 and "마포구" in page.get_data(as_text=True)
    changed = client.post("/control/state", json={"selection": "11440", "lang": "en"}).get_json()
    assert changed["selection"] == "11440" and changed["lang"] == "en" and changed["seq"] == 1
    assert client.get("/control/state").get_json()["seq"] == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"selection": "99999"}, "selection"),
        ({"lang": "fr"}, "lang"),
        ({"attract": "sometimes"}, "attract"),
        ({"scenario": "alien-invasion"}, "scenario"),
        ({"volume": 11}, "volume"),
    ],
)
def test_bad_control_values_are_refused_naming_the_field(client, change, field):
    login(client)
    response = client.post("/control/state", json=change)
    assert response.status_code == 400 and response.get_json()["error"].startswith(field)
    assert client.get("/control/state").get_json()["seq"] == 0  # nothing changed


# --- sessions: one per login, kept in the shared store, ended by time or by logout ---------------


def session_cookie(client) -> str:
    cookie = client.get_cookie(COOKIE)
    assert cookie is not None, "no session cookie"
    return cookie.value


def remote_on(clock, hours: float = 12.0) -> tuple[Remote, Flask]:
    """The remote alone on a Flask app with a store of its own, on a clock the test moves."""
    server = Flask(__name__)
    cache = Cache(server, config={"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 0})
    remote = Remote(cache, TOKEN, clock=clock, session_hours=hours)
    remote.register(server)
    return remote, server


def from_address(server: Flask, address: str):
    client = server.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


class Clock:
    def __init__(self, now: float = 1_800_000_010.0):  # ten seconds into a minute
        self.now = now

    def __call__(self) -> float:
        return self.now


def test_every_login_opens_a_new_session_whose_id_the_store_never_holds():
    wall = wall_app.create_wall(
        Settings(wall_poller=False, wall_control_token=TOKEN), source=ControlledSource()
    )
    client = wall.server.test_client()
    login(client)
    first = session_cookie(client)
    other = client.application.test_client()
    login(other)
    second = session_cookie(other)
    assert first != second and len(first) >= 43  # secrets.token_urlsafe(32)
    assert client.get("/control/state").status_code == 200
    assert other.get("/control/state").status_code == 200
    digests = [hashlib.sha256(session.encode()).hexdigest() for session in (first, second)]
    assert all(isinstance(wall.cache.get("control-session:" + digest), float) for digest in digests)
    assert wall.cache.get("control-session:" + first) is None


def test_a_made_up_cookie_is_refused_like_none(client):
    for made_up in ("x" * 43, "", "ü" * 10, "a" * 4000):
        client.set_cookie(COOKIE, made_up)
        response = client.get("/control/state")
        assert response.status_code == 401 and response.get_data(as_text=True) == "401 Unauthorized\n"


def test_a_session_ends_when_its_hours_have_passed():
    clock = Clock()
    _, server = remote_on(clock, hours=2)
    phone = server.test_client()
    response = phone.get(f"/control?token={TOKEN}")
    assert response.status_code == 303 and "Max-Age=7200" in response.headers["Set-Cookie"]
    clock.now += 2 * 3600 - 1
    assert phone.get("/control/state").status_code == 200
    clock.now += 2
    expired = phone.get("/control/state")
    assert expired.status_code == 401 and expired.get_data(as_text=True) == "401 Unauthorized\n"
    assert phone.post("/control/state", json={"lang": "en"}).status_code == 401


def test_the_session_hours_setting_sets_the_cookie_and_the_store():
    wall = wall_app.create_wall(
        Settings(wall_poller=False, wall_control_token=TOKEN, wall_control_session_hours=0.5),
        source=ControlledSource(),
    )
    phone = wall.server.test_client()
    response = phone.get(f"/control?token={TOKEN}")
    assert "Max-Age=1800" in response.headers["Set-Cookie"]
    key = "control-session:" + hashlib.sha256(session_cookie(phone).encode()).hexdigest()
    assert wall.cache.get(key) == pytest.approx(time.time() + 1800, abs=5)


def test_logout_ends_the_session_and_clears_the_cookie(client):
    login(client)
    session = session_cookie(client)
    # JSON only, as every control request: a form post (what another site could send) is refused.
    assert client.post("/control/logout", data={"x": "1"}).status_code == 400
    assert client.get("/control/state").status_code == 200
    response = client.post("/control/logout", json={})
    assert response.status_code == 200 and response.get_json() == {"session": "ended"}
    cleared = response.headers["Set-Cookie"]
    assert cleared.startswith(f"{COOKIE}=;") and "Max-Age=0" in cleared and "SameSite=Strict" in cleared
    client.set_cookie(COOKIE, session)  # a copy of the old cookie opens nothing
    assert client.get("/control/state").status_code == 401
    assert client.post("/control/logout", json={}).status_code == 401
    login(client)  # the token opens a new one
    assert client.get("/control/state").status_code == 200


@pytest.fixture
def own_redis(redis_url):
    """A Redis database of this module's own on the session's server: the remote's state these tests
    change never reaches another test's walls."""
    import redis

    url = redis_url.rsplit("/", 1)[0] + "/3"
    yield url
    client = redis.Redis.from_url(url)
    client.flushdb()
    client.close()


def test_a_session_opened_on_one_process_works_on_another_sharing_redis(own_redis):
    import redis

    def wall():
        settings = Settings(
            wall_poller=False, wall_control_token=TOKEN, cache_type="RedisCache", cache_redis_url=own_redis
        )
        return wall_app.create_wall(settings, source=ControlledSource())

    first, second = wall(), wall()
    phone = first.server.test_client()
    login(phone)
    session = session_cookie(phone)
    elsewhere = second.server.test_client()
    elsewhere.set_cookie(COOKIE, session)
    assert elsewhere.post("/control/state", json={"lang": "en"}).get_json()["lang"] == "en"
    key = "citywall:control-session:" + hashlib.sha256(session.encode()).hexdigest()
    client = redis.Redis.from_url(own_redis)
    try:
        assert 12 * 3600 - 60 < client.ttl(key) <= 12 * 3600  # Redis forgets it by itself
        assert not client.keys("*" + session + "*")
        assert elsewhere.post("/control/logout", json={}).status_code == 200
        assert not client.exists(key)
    finally:
        client.close()
    assert phone.get("/control/state").status_code == 401  # ended for every process


# --- wrong tokens: counted per address in the shared store, the sixth in a minute answers 429 ----


def test_wrong_tokens_are_throttled_per_address_and_logged_without_the_token(caplog):
    clock = Clock()
    _, server = remote_on(clock)
    guesser = from_address(server, "10.0.0.7")
    caplog.set_level(logging.INFO, logger="dashboard.control")
    for n in range(5):
        assert guesser.get(f"/control?token=wrong-guess-{n:04d}-xyz").status_code == 401
    throttled = guesser.get("/control?token=wrong-guess-0005-xyz")
    assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "50"
    assert "Set-Cookie" not in throttled.headers
    # Until the minute ends even the right token is refused, so a guess cannot be told right.
    right = guesser.get(f"/control?token={TOKEN}")
    assert right.status_code == 429 and "Set-Cookie" not in right.headers
    for n in range(20):
        assert guesser.get(f"/control?token=wrong-burst-{n:04d}").status_code == 429
    # Another address is not held back by this one.
    assert from_address(server, "10.0.0.8").get(f"/control?token={TOKEN}").status_code == 303

    lines = [r.getMessage() for r in caplog.records if "10.0.0.7" in r.getMessage()]
    assert len(lines) == 6  # one line per wrong token, then one for the whole burst
    assert lines[0] == "remote: wrong token from 10.0.0.7 (1 of 5 this minute)"
    assert "refusing its tokens for 50 s" in lines[5]
    assert not any("wrong-" in r.getMessage() or TOKEN in r.getMessage() for r in caplog.records)

    clock.now += 50  # the next minute
    assert guesser.get(f"/control?token={TOKEN}").status_code == 303


def test_wrong_tokens_in_the_header_count_too():
    clock = Clock()
    _, server = remote_on(clock)
    guesser = from_address(server, "10.0.0.9")
    wrong = {"X-Wall-Token": "not-the-token"}
    for _ in range(5):
        assert guesser.post("/control/state", json={}, headers=wrong).status_code == 401
    answer = guesser.post("/control/state", json={"lang": "en"}, headers={"X-Wall-Token": TOKEN})
    assert answer.status_code == 429 and int(answer.headers["Retry-After"]) == 50
    clock.now += 60
    answer = guesser.post("/control/state", json={"lang": "en"}, headers={"X-Wall-Token": TOKEN})
    assert answer.status_code == 200 and answer.get_json()["lang"] == "en"


def test_wrong_tokens_are_counted_across_processes_sharing_redis(own_redis):
    clock = Clock()
    walls = []
    for _ in range(2):
        settings = Settings(
            wall_poller=False, wall_control_token=TOKEN, cache_type="RedisCache", cache_redis_url=own_redis
        )
        wall = wall_app.create_wall(settings, source=ControlledSource())
        wall.remote.clock = clock
        walls.append(from_address(wall.server, "10.1.0.1"))
    first, second = walls
    for n in range(5):
        assert (first, second)[n % 2].get(f"/control?token=wrong-{n}-across-workers").status_code == 401
    assert first.get(f"/control?token={TOKEN}").status_code == 429
    assert second.get(f"/control?token={TOKEN}").status_code == 429


def test_a_token_that_is_not_ascii_is_just_wrong(client):
    for token in ("토큰토큰토큰토큰토큰토큰토큰토큰", "é" * 20):
        response = client.get("/control", query_string={"token": token})
        assert response.status_code == 401
    assert client.post("/control/state", json={}, headers={"X-Wall-Token": "é" * 20}).status_code == 401


def test_the_remote_is_never_framed(client):
    answers = [client.get("/control"), client.get("/control?token=wrong-token-123")]
    answers.append(client.get(f"/control?token={TOKEN}"))
    answers += [client.get("/control"), client.get("/control/state"), client.post("/control/state", json=[])]
    assert [a.status_code for a in answers] == [401, 401, 303, 200, 200, 400]
    for answer in answers:
        assert "frame-ancestors 'none'" in answer.headers["Content-Security-Policy"]
        assert answer.headers["X-Frame-Options"] == "DENY"
        assert answer.headers["Cache-Control"] == "no-store"


# --- tokens refused at start ---------------------------------------------------------------------


@pytest.mark.parametrize("token", ["fifteen-chars-x", "choose-a-long-token", "sixteen chars xx"])
def test_short_spaced_or_published_tokens_are_refused_at_start(token):
    with pytest.raises(SettingsError) as refused:
        load({"WALL_CONTROL_TOKEN": token})
    message = str(refused.value)
    assert message.startswith("WALL_CONTROL_TOKEN is not valid: expected at least 16 characters")
    assert token not in message and "\n" not in message


def test_a_published_token_stops_the_server_before_it_serves(tmp_path):
    env = {**os.environ, "WALL_CONTROL_TOKEN": "choose-a-long-token", "PORT": "1"}
    done = subprocess.run(
        [sys.executable, "-m", "dashboard", "run"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "city wall: WALL_CONTROL_TOKEN is not valid: expected at least 16 characters with no spaces, "
        "and not the README's example"
    ]
    assert "choose-a-long-token" not in done.stdout + done.stderr


def test_sixteen_characters_and_session_hours_are_read():
    settings = load({"WALL_CONTROL_TOKEN": "a-token-of-16-ch", "WALL_CONTROL_SESSION_HOURS": "1.5"})
    assert settings.wall_control_token == "a-token-of-16-ch" and settings.wall_control_session_hours == 1.5
    assert load({}).wall_control_session_hours == 12.0
    for hours in ("0", "200", "soon"):
        with pytest.raises(SettingsError, match=rf"^WALL_CONTROL_SESSION_HOURS='{hours}' is not valid"):
            load({"WALL_CONTROL_SESSION_HOURS": hours})


def test_remote_on_one_server_drives_a_wall_on_another(live_wall_factory, browser_factory, redis_url):
    """Two server processes' worth of walls sharing Redis: the remote talks to one, the wall to the other."""
    shared = {"cache_type": "RedisCache", "cache_redis_url": redis_url, "wall_control_token": TOKEN}
    wall_server = live_wall_factory(**shared)
    remote_server = live_wall_factory(**shared)
    wall = browser_factory(5760, 2160)
    open_wall(wall, wall_server.url + "/")
    phone = browser_factory(420, 900)

    phone.get(remote_server.url + "/control?token=wrong-token-123")
    assert "401" in phone.find_element(By.TAG_NAME, "body").text
    phone.get(remote_server.url + f"/control?token={TOKEN}")
    assert TOKEN not in phone.current_url
    phone.find_element(By.CSS_SELECTOR, 'button[data-code="11440"]').click()
    wait_for(
        wall,
        lambda d: d.find_element(By.CSS_SELECTOR, ".part-district-detail .detail-name").text == "마포구",
        message="the wall did not follow the remote's district",
    )
    phone.find_element(By.CSS_SELECTOR, 'button[data-lang="en"]').click()
    wait_for(
        wall,
        lambda d: text_of(d, "panel-2-title") == "Air quality by district",
        message="the wall did not follow the remote's language",
    )
    phone.find_element(By.ID, "logout").click()
    wait_for(
        phone,
        lambda d: d.find_element(By.TAG_NAME, "body").text == "로그아웃됨 · Logged out",
        message="the remote's logout did not end the session",
    )
    # Cookies are not told apart by port: the phone offers its cookie to the other process too.
    phone.get(wall_server.url + "/control")
    assert "401" in phone.find_element(By.TAG_NAME, "body").text
    assert console_errors(wall) == []
    assert [e for e in console_errors(phone) if "401" not in e] == []  # only the refused wrong token


def test_scenario_from_the_remote_plays_every_stage_on_the_wall(
    live_wall_factory, browser_factory, artifacts
):
    """The Mapo fire, started from the remote and played on an accelerated clock to its clearance."""
    live = live_wall_factory(wall_control_token=TOKEN)
    wall, source = live.wall, live.source
    remote = wall.server.test_client()
    login(remote)
    assert "mapo-fire" in remote.get("/control/state").get_json()["scenarios"]
    assert remote.post("/control/state", json={"scenario": "mapo-fire"}).status_code == 200
    wall.scenarios.apply()  # what the poller's scheduler does every second

    driver = browser_factory(5760, 2160)
    open_wall(driver, live.url + "/")
    stages = [(0, "신고 접수"), (2, "출동"), (6, "현장 도착"), (8, "진압 중"), (20, "초진"), (45, "완진")]
    elapsed = 0
    for minute, stage in stages:
        source.advance((minute - elapsed) * 60)
        elapsed = minute
        for feed in ("air", "traffic", "incidents"):
            wall.poller.poll(feed)
        wait_for(
            driver,
            lambda d, s=stage: s in text_of_all(d, ".incident-severe .stage-now"),
            message=f"stage {stage} never shown as current",
        )
        assert "화재 · 마포구" in text_of(driver, "panel-5-alarm")  # the alarm takes over
        assert "alarm" in driver.find_element(By.ID, "wall").get_attribute("class")
        if minute == 8:
            driver.save_screenshot(str(artifacts / "wall_fire_operating.png"))

    # By now the smoke has reached the hourly air stations: Mapo's air is an alarm of its own.
    wait_for(
        driver,
        lambda d: "마포구 대기 매우나쁨" in text_of(d, "panel-2-alarm"),
        message="the smoke never showed in Mapo's air",
    )

    source.advance((56 - elapsed) * 60)  # cleared at 55:00
    wall.poller.poll("incidents")
    source.advance(60)
    wall.poller.poll("incidents")  # an incident ends when two polls in a row lack it
    wait_for(driver, lambda d: text_of(d, "panel-5-alarm") == "", message="the fire alarm did not end")
    assert "화재" not in text_of(driver, "panel-1-alarm")
    if wall.history is not None:
        events = wall.history.incident_events()
        fire = events[events["incident_id"].str.len() == 11]
        assert list(fire["status"])[-1] == "cleared"
    assert console_errors(driver) == []


def text_of_all(driver, selector: str) -> str:
    return " ".join(element.text for element in driver.find_elements(By.CSS_SELECTOR, selector))
