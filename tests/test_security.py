"""The wall probed as an attacker on the exhibit LAN would: over HTTP, against a running server.

One real server (``python -m dashboard run``: gunicorn, the embedded demo city, the presenter
remote on) serves the whole module on a free loopback port; every probe is a real request.
"""

from __future__ import annotations

import hashlib
import hmac
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
class FromAddress(requests.adapters.HTTPAdapter):
    """Requests that leave from another loopback address (127.0.0.0/8 is all loopback): a client
    the server tells apart from 127.0.0.1 by its socket, as it would tell two phones apart."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def phone_at(address: str = "127.0.0.1") -> requests.Session:
    phone = requests.Session()
    phone.mount("http://", FromAddress(address))
    return phone


def presenter_login(server: str, phone: requests.Session) -> str:
    answer = phone.get(server + f"/control?token={TOKEN}", allow_redirects=False, timeout=5)
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/control")
    return phone.cookies["wall_control"]


def with_a_minute_ahead(seconds: float = 15) -> None:
    """Wrong tokens are counted per clock minute: start a burst where it cannot cross one."""
    into = time.time() % 60
    if into > 60 - seconds:
        time.sleep(60.5 - into)


def test_every_presenter_login_is_a_session_of_its_own(server):
    first, second = phone_at(), phone_at()
    sessions = [presenter_login(server, first), presenter_login(server, second)]
    assert sessions[0] != sessions[1] and all(TOKEN not in s for s in sessions)
    assert first.get(server + "/control/state", timeout=5).status_code == 200
    assert second.get(server + "/control/state", timeout=5).status_code == 200
    cookie = phone_at().get(server + f"/control?token={TOKEN}", allow_redirects=False, timeout=5)
    set_cookie = cookie.headers["Set-Cookie"]
    assert "HttpOnly" in set_cookie and "SameSite=Strict" in set_cookie and "Max-Age=43200" in set_cookie
    assert "Traceback" not in server_log()


def test_logout_ends_the_session_everywhere(server):
    phone = phone_at()
    session = presenter_login(server, phone)
    form = phone.post(server + "/control/logout", data={"bye": "1"}, timeout=5)
    assert form.status_code == 400  # JSON only: what another site's form could send is refused
    assert phone.get(server + "/control/state", timeout=5).status_code == 200
    answer = phone.post(server + "/control/logout", json={}, timeout=5)
    assert answer.status_code == 200 and answer.json() == {"session": "ended"}
    assert "wall_control" not in phone.cookies  # the cookie is cleared
    copy = {"Cookie": f"wall_control={session}"}  # and a copy of it opens nothing
    assert requests.get(server + "/control", headers=copy, timeout=5).status_code == 401
    assert requests.get(server + "/control/state", headers=copy, timeout=5).status_code == 401
    assert (
        requests.post(server + "/control/state", json={"lang": "en"}, headers=copy, timeout=5).status_code
        == 401
    )
    assert requests.post(server + "/control/logout", json={}, headers=copy, timeout=5).status_code == 401
    assert "Traceback" not in server_log()


def test_a_forged_cookie_opens_nothing(server):
    # The old cookie was HMAC(token, constant): whoever learnt it once held the remote for good.
    old = hmac.new(TOKEN.encode(), b"wall-control-session", hashlib.sha256).hexdigest()
    for value in (old, "A" * 43, "%ED%86%A0%ED%81%B0", "x" * 3000):
        answer = requests.get(
            server + "/control/state", headers={"Cookie": f"wall_control={value}"}, timeout=5
        )
        assert answer.status_code == 401 and answer.text == "401 Unauthorized\n"
    assert "Traceback" not in server_log()


def test_wrong_tokens_are_throttled_per_address_and_logged_once_a_burst(server):
    guesser = phone_at("127.0.0.2")
    with_a_minute_ahead()
    for n in range(5):
        answer = guesser.get(server + f"/control?token=probe-guess-{n:03d}-abcdef", timeout=5)
        assert answer.status_code == 401
    throttled = guesser.get(server + "/control?token=probe-guess-005-abcdef", timeout=5)
    assert throttled.status_code == 429 and 1 <= int(throttled.headers["Retry-After"]) <= 60
    # The right token from that address is refused too (a guess cannot be told right), also when
    # the request claims to be forwarded for someone else: no proxy is in front of this wall.
    right = guesser.get(server + f"/control?token={TOKEN}", allow_redirects=False, timeout=5)
    assert right.status_code == 429 and "Set-Cookie" not in right.headers
    forwarded = {"X-Forwarded-For": "10.9.9.9", "X-Real-IP": "10.9.9.9"}
    spoofed = guesser.get(
        server + f"/control?token={TOKEN}", headers=forwarded, allow_redirects=False, timeout=5
    )
    assert spoofed.status_code == 429
    for n in range(40):
        assert (
            guesser.get(server + f"/control?token=probe-burst-{n:03d}-abcdef", timeout=5).status_code == 429
        )
    # Every other phone still logs in.
    presenter_login(server, phone_at("127.0.0.1"))

    log = server_log()
    assert log.count("wrong token from 127.0.0.2") == 5  # one short line per refusal
    assert log.count("from 127.0.0.2 within a minute") == 1  # the burst: one line
    assert "probe-guess" not in log and "probe-burst" not in log and TOKEN not in log
    assert "Traceback" not in log


def test_tokens_in_the_header_are_throttled_too(server):
    guesser = phone_at("127.0.0.3")
    with_a_minute_ahead()
    for _ in range(5):
        wrong = guesser.post(
            server + "/control/state",
            json={"lang": "en"},
            headers={"X-Wall-Token": "probe-header-guess"},
            timeout=5,
        )
        assert wrong.status_code == 401
    right = guesser.post(
        server + "/control/state", json={"lang": "en"}, headers={"X-Wall-Token": TOKEN}, timeout=5
    )
    assert right.status_code == 429 and right.headers["Retry-After"].isdigit()
    assert "probe-header-guess" not in server_log() and "Traceback" not in server_log()


def test_a_token_that_is_not_ascii_is_just_wrong(server):
    guesser = phone_at("127.0.0.4")
    with_a_minute_ahead()
    assert guesser.get(server + "/control?token=%ED%86%A0%ED%81%B0" + "x" * 20, timeout=5).status_code == 401
    latin = guesser.get(server + "/control/state", headers={"X-Wall-Token": "é" * 20}, timeout=5)
    assert latin.status_code == 401
    assert "Traceback" not in server_log()


def test_the_remote_is_never_framed(server):
    phone, guesser = phone_at(), phone_at("127.0.0.5")
    with_a_minute_ahead()
    answers = [phone.get(server + "/control", timeout=5)]  # 401
    answers.append(phone.get(server + f"/control?token={TOKEN}", allow_redirects=False, timeout=5))  # 303
    answers.append(phone.get(server + "/control", timeout=5))  # the page
    answers.append(phone.get(server + "/control/state", timeout=5))
    answers.append(phone.post(server + "/control/logout", data="x", timeout=5))  # 400
    answers += [guesser.get(server + f"/control?token=probe-frame-{n}-abcdef", timeout=5) for n in range(6)]
    assert [a.status_code for a in answers] == [401, 303, 200, 200, 400, 401, 401, 401, 401, 401, 429]
    for answer in answers:
        policy = [d.strip() for d in answer.headers["Content-Security-Policy"].split(";")]
        assert "frame-ancestors 'none'" in policy, answer.url
        assert answer.headers["X-Frame-Options"] == "DENY"
    assert "Traceback" not in server_log()
