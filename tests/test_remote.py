"""The presenter remote: token-protected, and every wall browser follows it within one tick."""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

import app as wall_app
from dashboard.settings import Settings
from tests.conftest import ControlledSource
from tests.test_wall_browser import console_errors, open_wall, text_of, wait_for

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
        timeout=30,
        message="the wall did not follow the remote's district",
    )
    phone.find_element(By.CSS_SELECTOR, 'button[data-lang="en"]').click()
    wait_for(
        wall,
        lambda d: text_of(d, "panel-2-title") == "Air quality by district",
        timeout=30,
        message="the wall did not follow the remote's language",
    )
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
