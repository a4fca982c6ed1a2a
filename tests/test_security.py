"""The wall probed as an attacker on the exhibit LAN would: over HTTP, against a running server.

One real server (``python -m dashboard run``: gunicorn, the embedded demo city, the presenter
remote on) serves the whole module on a free loopback port; every probe is a real request.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from pathlib import Path

import pytest
import requests

from benchmarks.dash_client import HttpClient, Viewer
from tests.test_inputs import bad_bodies, notice_body, with_value
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
# The bodies are those of tests/test_inputs.py (which also checks in-process that none builds);
# upstream text as data is tests/test_upstream_text.py (its own wall, on a hostile upstream).


def callback_refusals() -> list[str]:
    return [line for line in server_log().splitlines() if "refused a callback" in line]


def test_every_callback_body_no_page_sends_answers_400_with_one_short_line(server):
    good = Viewer(HttpClient(server)).body("tick.n_intervals")
    bodies = bad_bodies(good, time.time())  # the demo city's clock is the real one (DEMO_SPEED=1)
    bodies["a good body sent as text"] = json.dumps(good)
    refused_before, lines_before = len(callback_refusals()), len(server_log().splitlines())
    for name, body in bodies.items():
        content_type = "text/plain" if name.endswith("as text") else "application/json"
        answer = requests.post(
            server + "/_dash-update-component", data=body, headers={"Content-Type": content_type}, timeout=10
        )
        assert answer.status_code == 400, (name, answer.status_code, answer.text[:200])
        assert answer.headers["Content-Type"] == "application/json" and set(answer.json()) == {"error"}, name
    log = server_log()
    assert "Traceback" not in log
    refused = callback_refusals()[refused_before:]
    assert len(refused) == len(bodies), refused
    assert all(len(line) < 160 for line in refused), max(refused, key=len)
    assert not [line for line in refused if "99999" in line or "xxxx" in line or "made-up" in line]
    assert len(log.splitlines()) - lines_before <= len(bodies) + 3  # and any poll's line
    # The real wall goes on.
    assert Viewer(HttpClient(server)).sync().status in (200, 204)


def test_a_burst_of_100_wrong_typed_bodies_writes_100_short_lines_and_no_traceback(server):
    good = Viewer(HttpClient(server)).body("tick.n_intervals")
    wrong = [
        ("selection", "data", {"code": "11440"}),
        ("when", "data", "abc"),
        ("lang", "data", {"ko": True}),
        ("held", "data", ["token"]),
        ("tick", "n_intervals", "x"),
    ]
    session = requests.Session()
    lines_before, size_before = len(server_log().splitlines()), len(server_log())
    for n in range(100):
        body = with_value(good, *wrong[n % len(wrong)])
        answer = session.post(server + "/_dash-update-component", json=body, timeout=10)
        assert answer.status_code == 400, (n, answer.status_code)
    log = server_log()
    assert "Traceback" not in log
    assert len(log.splitlines()) - lines_before <= 100 + 3
    assert len(log) - size_before < 100 * 160  # before: 2 kB of traceback each, 200 kB in all


def test_a_made_up_district_or_moment_is_refused_and_a_real_one_served(server):
    viewer = Viewer(HttpClient(server))
    assert viewer.sync().status in (200, 204)
    for selection in ("99999", "seoul", "11440 ", "1144O"):
        answer = viewer.sync(selection=selection)
        assert answer.status == 400
        assert json.loads(answer.raw) == {"error": "selection must be one of the 25 district codes or none"}
    now = time.time() // 60 * 60
    for when in (now + 3600, now - 3 * 86400, now - 600 + 1):
        assert viewer.sync(selection=None, when=when).status == 400
    assert viewer.sync(selection="11440", when=None).status == 200  # Mapo, live
    assert viewer.sync(when=now - 600).status == 200  # ten minutes back, on the minute
    assert "Traceback" not in server_log()


def test_a_60_kB_address_value_is_said_on_the_wall_cut_at_40_characters(server):
    body = notice_body("/panel/" + "9" * 500, "?district=" + "x" * 60_000 + "&lang=" + "y" * 100, "en")
    answer = requests.post(server + "/_dash-update-component", json=body, timeout=10)
    assert answer.status_code == 200
    said = [item["props"]["children"] for item in answer.json()["response"]["url-notice"]["children"]]
    assert len(said) == 3 and len(answer.content) < 2000
    for cut in ("x" * 39 + "…", "y" * 39 + "…", "/panel/" + "9" * 32 + "…"):
        assert any(cut in line for line in said), (cut, said)
    assert "Traceback" not in server_log()


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
