"""The wall probed as an attacker on the exhibit LAN would: over HTTP, against a running server.

One real server (``python -m dashboard run``: gunicorn, the embedded demo city, the presenter
remote on) serves the whole module on a free loopback port; every probe is a real request.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import http.client
import json
import os
import re
import subprocess
import sys
import time
from functools import partial
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from benchmarks.dash_client import ASK, HttpClient, Viewer
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
                # Ready once every feed has its first poll (503 until then): the tests' "the wall
                # goes on" is a 200 after them.
                if requests.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:  # not up yet, or too busy starting to answer
                pass
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
    good = Viewer(HttpClient(server)).body(ASK)
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
    good = Viewer(HttpClient(server)).body(ASK)
    wrong = [
        ("selection", "data", {"code": "11440"}),
        ("when", "data", "abc"),
        ("lang", "data", {"ko": True}),
        ("held", "data", ["token"]),
        ("ask", "n_intervals", "x"),
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

EVERY_ANSWER = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
BANNERS = ("werkzeug", "gunicorn", "python/", "dash/", "flask")
# What a JSON answer, a bundle, an asset or an empty tick may do when opened as a document: nothing.
INERT = {"default-src": ["'none'"], "frame-ancestors": ["'none'"]}
JSON = {"Content-Type": "application/json"}


def directives(policy: str) -> dict[str, list[str]]:
    """A Content-Security-Policy header as {directive: its sources}."""
    found: dict[str, list[str]] = {}
    for part in policy.split(";"):
        if part.strip():
            name, *sources = part.split()
            assert name.lower() not in found, f"{name} given twice in {policy!r}"
            found[name.lower()] = sources
    return found


class PageScripts(HTMLParser):
    """The scripts of a page as a browser sees them: their sources, and the inline ones it runs
    (a script of type application/json is data, never run)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.sources: list[str] = []
        self.inline: list[str] = []
        self._open: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        if tag != "script":
            return
        attrs = dict(attrs)
        if attrs.get("src") is not None:
            self.sources.append(attrs["src"])
        elif attrs.get("type", "text/javascript").lower() in ("text/javascript", "application/javascript"):
            self._open = []

    def handle_data(self, data):
        if self._open is not None:
            self._open.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._open is not None:
            self.inline.append("".join(self._open))
            self._open = None


def page_scripts(page: str) -> PageScripts:
    # A conditional comment for old Internet Explorer holds a script no browser of today runs.
    parser = PageScripts()
    parser.feed(page)
    return parser


def presenter(server: str) -> requests.Session:
    """A phone logged in to the remote."""
    phone = requests.Session()
    answer = phone.get(server + f"/control?token={TOKEN}", allow_redirects=False, timeout=5)
    assert answer.status_code == 303, answer.status_code
    return phone


def tick_body(server: str, lang: str = "ko") -> dict:
    """What a browser of the wall posts on a tick (lang: on a language switch)."""
    viewer = Viewer(HttpClient(server))
    viewer.props["lang"]["data"] = lang  # a switch asks through the page's gate, as a tick does
    return viewer.body(ASK)


def every_kind_of_answer(server: str) -> dict[str, requests.Response]:
    page = requests.get(server + "/", timeout=10)
    sources = page_scripts(page.text).sources
    bundle = next(src for src in sources if src.startswith("/_dash-component-suites/"))
    phone = presenter(server)
    post = partial(requests.post, timeout=10)
    return {
        "the wall": page,
        "a panel": requests.get(server + "/panel/3", timeout=10),
        "the wall in English": requests.get(server + "/?lang=en&district=11680", timeout=10),
        "the remote": phone.get(server + "/control", timeout=5),
        "the remote's state": phone.get(server + "/control/state", timeout=5),
        "the remote, refused": requests.get(server + "/control", timeout=5),
        "health": requests.get(server + "/healthz", timeout=5),
        "the layout": requests.get(server + "/_dash-layout", timeout=10),
        "the callbacks": requests.get(server + "/_dash-dependencies", timeout=10),
        "a tick": post(server + "/_dash-update-component", json=tick_body(server)),
        "a language switch": post(server + "/_dash-update-component", json=tick_body(server, "en")),
        "a refused callback": post(server + "/_dash-update-component", json=[]),
        "a bundle": requests.get(server + bundle, timeout=10),
        "an asset": requests.get(server + "/assets/wall.css", timeout=10),
        "plotly": requests.get(server + "/assets/vendor/plotly-basic.min.js", timeout=10),
        "the icon": requests.get(server + "/_favicon.ico", timeout=5),
        "a missing asset": requests.get(server + "/assets/missing.css", timeout=5),
        "a missing bundle": requests.get(server + "/_dash-component-suites/dash/missing.js", timeout=5),
        "a body too large": post(server + "/_dash-update-component", data=b"x" * 2_000_000),
    }


def test_every_answer_says_how_it_may_be_used_and_names_no_server(server):
    answers = every_kind_of_answer(server)
    assert answers["the remote"].status_code == 200 and answers["a tick"].status_code in (200, 204)
    assert answers["a missing asset"].status_code == 404 and answers["a body too large"].status_code == 413
    for what, answer in answers.items():
        headers = answer.headers
        assert {name: headers.get(name) for name in EVERY_ANSWER} == EVERY_ANSWER, what
        assert "Server" not in headers and "X-Powered-By" not in headers, (what, headers.get("Server"))
        for name, value in headers.items():
            assert not any(banner in value.lower() for banner in BANNERS), (what, name, value)
        policy = directives(headers["Content-Security-Policy"])
        assert policy["frame-ancestors"] == ["'none'"], what
        is_page = answer.status_code == 200 and headers.get("Content-Type", "").startswith("text/html")
        if not is_page:
            assert policy == INERT, (what, policy)
    assert "Traceback" not in server_log()


@pytest.mark.parametrize("path", ["/", "/panel/3", "/?lang=en", "/control"])
def test_pages_run_only_their_own_scripts(server, path):
    client = presenter(server) if path == "/control" else requests
    page = client.get(server + path, timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    policy = directives(page.headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'self'"] and policy["connect-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"] and policy["form-action"] == ["'self'"]
    assert policy["img-src"] == ["'self'", "data:"]
    # Scripts: the wall's own files, and each inline script the page holds by its hash; nothing else.
    script_src = policy["script-src"]
    assert script_src[0] == "'self'" and all(s.startswith("'sha256-") for s in script_src[1:]), script_src
    scripts = page_scripts(page.text)
    assert scripts.inline, "a page of the wall with no inline script: the test no longer looks at one"
    for script in scripts.inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in script_src, script[:200]
    # Everything the page loads comes from the wall itself: no CDN, no other host.
    assert all(src.startswith("/") and not src.startswith("//") for src in scripts.sources), scripts.sources
    assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", page.text), "the page names another host"


def refusals_logged() -> int:
    return server_log().count("refused a body over")


def test_bodies_over_a_megabyte_answer_413_with_one_short_line_each(server):
    big, callback = b"x" * 2_000_000, server + "/_dash-update-component"
    post = partial(requests.post, timeout=30)
    before, lines_before = refusals_logged(), len(server_log().splitlines())
    answers = [
        post(callback, data=big, headers=JSON),
        post(server + "/control/state", data=big, headers=JSON),
        post(server + "/healthz", data=big),
        post(server + "/", data=big),
        # A chunked body says no length: it is cut at the limit as it is read, and still a 413.
        post(callback, data=iter([big[:100_000]] * 20), headers=JSON),
        post(server + "/control/state", data=iter([big[:100_000]] * 20), headers=JSON),
    ]
    answers += [post(callback, data=big, headers=JSON) for _ in range(20)]
    for answer in answers:
        assert answer.status_code == 413, (answer.request.url, answer.status_code, answer.text[:200])
        assert answer.json() == {"error": "request body over 1 MB"}
    # A body a little under the limit is read and judged by what it says, not by its size.
    under = post(callback, data=b"x" * 900_000, headers=JSON)
    assert under.status_code == 400, under.status_code
    log = server_log()
    assert "Traceback" not in log
    new_lines = log.splitlines()[lines_before:]
    refused = [line for line in new_lines if "refused a body over" in line]
    assert refusals_logged() - before == len(answers) == len(refused)
    assert all(len(line) < 200 for line in refused), max(refused, key=len)
    assert len(new_lines) <= len(answers) + 3, new_lines  # the under-limit one, and any poll
    assert requests.get(server + "/healthz", timeout=5).status_code == 200


ODD_PATHS = [
    "/_dash-component-suites/dash/../../../etc/passwd",
    "/_dash-component-suites/dash/%2e%2e/%2e%2e/dash.py",
    "/_dash-component-suites/dash/deps/%2e%2e%2f%2e%2e%2fdash.py",
    "/_dash-component-suites/dash/deps/..%5c..%5cdash.py",
    "/_dash-component-suites/dash//etc/passwd",
    "/_dash-component-suites//etc/passwd",
    "/_dash-component-suites/dash/%2fetc%2fpasswd",
    "/_dash-component-suites/os/path.py",
    "/_dash-component-suites/dash/deps/react@18.3.1.min.js%00.py",
    "/_dash-component-suites/%00/x.js",
    "/_dash-component-suites/dash/missing.js",
    "/_dash-component-suites/dash",
    "/_dash-component-suites/",
    "/assets/../app.py",
    "/assets/%2e%2e/app.py",
    "/assets/%2e%2e%2fapp.py",
    "/assets/vendor/%2e%2e%2f%2e%2e%2fapp.py",
    "/assets/..%5capp.py",
    "/assets//etc/passwd",
    "/assets/%2fetc%2fpasswd",
    "/assets/x%00.js",
    "/assets/%ff%fe",
    "/assets",
    "/assets/",
]


def raw_get(server: str, path: str) -> tuple[int, str, dict]:
    """A GET of the path exactly as written: no client tidies its dots or slashes first."""
    parts = urlsplit(server)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", path)
        answer = connection.getresponse()
        return answer.status, answer.read().decode("utf-8", "replace"), dict(answer.getheaders())
    finally:
        connection.close()


def test_odd_paths_to_files_answer_404_and_log_nothing(server):
    requests.get(server + "/", timeout=10)  # Dash knows its bundles once it has served a page
    lines_before = len(server_log().splitlines())
    for _ in range(5):  # a burst
        for path in ODD_PATHS:
            status, body, headers = raw_get(server, path)
            assert status == 404, (path, status, body[:200])
            assert "registered" not in body and "root:" not in body and "Traceback" not in body, path
            assert headers.get("X-Content-Type-Options") == "nosniff" and "Server" not in headers, path
    log = server_log()
    assert "Traceback" not in log
    assert len(log.splitlines()) - lines_before <= 2, log.splitlines()[lines_before:]
    # Real files are still served.
    assert requests.get(server + "/assets/wall.css", timeout=5).status_code == 200


def test_the_development_server_answers_alike_and_names_no_server(tmp_path):
    """`make dev` without DASH_DEBUG: `python app.py` on werkzeug, with the same headers and limits."""
    port = free_port()
    env = {**os.environ, "HOST": "127.0.0.1", "PORT": str(port), "WALL_SOURCE": "demo", "HISTORY_PATH": "off"}
    for name in ("DASH_DEBUG", "WALL_CONTROL_TOKEN"):
        env.pop(name, None)
    log = tmp_path / "dev.log"
    process = subprocess.Popen(
        [sys.executable, "app.py"],
        cwd=Path(__file__).resolve().parent.parent,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log.read_text(encoding="utf-8")
            assert time.monotonic() < deadline, "no dev server:\n" + log.read_text(encoding="utf-8")
            try:
                requests.get(base + "/healthz", timeout=2)
                break
            except requests.RequestException:  # not up yet, or too busy starting to answer
                time.sleep(0.2)
        page = requests.get(base + "/", timeout=10)
        answers = [
            page,
            requests.get(base + "/healthz", timeout=5),
            requests.post(base + "/_dash-update-component", data=b"x" * 2_000_000, headers=JSON, timeout=30),
        ]
        assert [a.status_code for a in answers] in ([200, 200, 413], [200, 503, 413])  # 503: no frame yet
        assert raw_get(base, "/_dash-component-suites/dash/../../dash.py")[0] == 404
        for answer in answers:
            assert "Server" not in answer.headers, answer.headers["Server"]
            assert {name: answer.headers.get(name) for name in EVERY_ANSWER} == EVERY_ANSWER
        assert "script-src 'self' 'sha256-" in page.headers["Content-Security-Policy"]
        assert "Traceback" not in log.read_text(encoding="utf-8")
    finally:
        stop(process)


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
