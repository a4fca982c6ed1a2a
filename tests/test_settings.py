"""Settings: every one has a default, a bad value is refused at start naming the setting."""

from __future__ import annotations

import pytest

import app as wall_app
from dashboard import cli
from dashboard.settings import Settings, SettingsError, load
from feeds.registry import FEEDS


def test_defaults_need_no_environment():
    settings = load({})
    assert settings == Settings()
    assert (settings.host, settings.port, settings.wall_source, settings.cache_type) == (
        "127.0.0.1",
        8050,
        "demo",
        "SimpleCache",
    )


def test_values_are_read_and_typed():
    settings = load(
        {
            "PORT": "9000",
            "DEMO_SPEED": "60",
            "DEMO_SEED": "3",
            "AIR_INTERVAL": "30",
            "WALL_POLLER": "off",
            "CACHE_TYPE": "rediscache",
        }
    )
    assert settings.port == 9000 and settings.demo_speed == 60.0 and settings.demo_seed == 3
    assert settings.interval("air") == 30 and settings.wall_poller is False
    assert settings.interval("traffic") == FEEDS["traffic"].interval  # unset: the feed's own
    assert settings.cache_type == "RedisCache"


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PORT", "eighty"),
        ("PORT", "70000"),
        ("WALL_SOURCE", "mars"),
        ("CACHE_TYPE", "FileCache"),
        ("DEMO_SEED", "-1"),
        ("DEMO_SPEED", "0"),
        ("AIR_INTERVAL", "0"),
        ("TRAFFIC_INTERVAL", "1.5"),
        ("INCIDENTS_INTERVAL", "soon"),
        ("WALL_TICK", "0.1"),
        ("WALL_POLLER", "maybe"),
        ("LOG_LEVEL", "LOUD"),
        ("DASH_DEBUG", "maybe"),
    ],
)
def test_bad_value_is_refused_naming_the_setting(name, value):
    with pytest.raises(SettingsError, match=rf"^{name}="):
        load({name: value})


def test_start_with_a_bad_setting_exits_with_a_message(monkeypatch, capsys):
    monkeypatch.setenv("PORT", "not-a-port")
    assert wall_app.main() == 2
    err = capsys.readouterr().err
    assert "PORT='not-a-port' is not valid" in err and "Traceback" not in err


@pytest.mark.parametrize("value", ["maybe", "2", "debug"])
def test_a_debug_switch_that_is_neither_on_nor_off_stops_the_dev_server(monkeypatch, capsys, value):
    monkeypatch.setenv("DASH_DEBUG", value)
    assert wall_app.main() == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"DASH_DEBUG={value!r} is not valid: expected on or off" in err


def test_debug_is_off_unless_asked_and_on_for_make_dev():
    assert load({}).dash_debug is False and load({"DASH_DEBUG": "0"}).dash_debug is False
    assert load({"DASH_DEBUG": "1"}).dash_debug is True  # what `make dev` sets
    assert "DASH_DEBUG" in load({}).describe()


@pytest.mark.parametrize("command", ["run", "cluster"])
def test_the_production_server_refuses_debug_instead_of_ignoring_it(monkeypatch, capsys, command):
    monkeypatch.setenv("DASH_DEBUG", "on")
    monkeypatch.setenv("HISTORY_PATH", "off")
    assert cli.main([command]) == 2  # refused before anything is bound or started
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "DASH_DEBUG is on" in err and "make dev" in err


def test_settings_printed_at_start_hide_passwords():
    text = load({"CACHE_REDIS_URL": "redis://wall:s3cret@cache:6379/0"}).describe()
    assert "s3cret" not in text and "redis://wall:***@cache:6379/0" in text
    assert "DEMO_SPEED" in text and "WALL_SOURCE" in text
