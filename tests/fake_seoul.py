"""A fake Seoul Open Data API on 127.0.0.1: real HTTP, the demo city's bodies, every failure on demand.

``FakeSeoul`` serves ``/{KEY}/{TYPE}/{SERVICE}/{START}/{END}/{filters...}`` from a background
thread on a free port. Bodies come from the demo simulator (``feeds.demo.body_at``) at the fake's
clock, so they are the upstream's own shapes; air is served in the pre-2025 field names with JSON
numbers unless a test asks for the 2026 generation. A wrong key gets INFO-100 as XML, as upstream.

``fail(mode, times=None, services=None)`` makes the next ``times`` matching requests (all, when
None) fail one way; ``heal()`` ends it. ``stop()`` and ``start()`` close and reopen the same port
(connection refused in between).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlsplit
from zoneinfo import ZoneInfo

from feeds import air, incidents
from feeds.demo import body_at
from feeds.demo.envelopes import NO_DATA, error_body, list_body

# A weekday evening rush in late autumn: hazy air, slow roads, incidents open.
MOMENT = datetime(2026, 11, 19, 18, 30, tzinfo=ZoneInfo("Asia/Seoul")).timestamp()
KEY = "SECRETKEY123"
MODES = (
    "timeout",
    "http500",
    "redirect",
    "malformed",
    "info100",
    "info200",
    "error500",
    "echo_key",
    "new_generation",
    "strings",
)
# The code tables as served: the upstream's own name for 04B01, and a code the wall has not built in.
CODE_TABLES = {
    "AccMainCode": ("acc_type", "acc_type_nm", {code: ko for code, (ko, _) in incidents.TYPES.items()}),
    "AccSubCode": (
        "acc_dtype",
        "acc_dtype_nm",
        {**{code: ko for code, (ko, _) in incidents.DETAILS.items()}, "04B01": "시설물보수", "12B01": "제보"},
    ),
}
INFO_100 = (
    "<RESULT><CODE>INFO-100</CODE><MESSAGE><![CDATA[인증키가 유효하지 않습니다. "
    "인증키가 없는 경우, 열린 데이터 광장 홈페이지에서 인증키를 신청하십시오.]]></MESSAGE></RESULT>"
)
ERROR_500 = ("ERROR-500", "서버 오류입니다. 지속적으로 발생시 열린 데이터 광장으로 문의(Q&A) 바랍니다.")
MAIN_POLLUTANT_OLD = {"PM-2.5": "PM25", "PM-10": "PM10"}


class FakeClock:
    """A clock a test moves by hand; ``sleep`` moves it instead of waiting."""

    def __init__(self, now: float = MOMENT):
        self.now = now

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeSeoul

    def handle_error(self, request, client_address) -> None:
        pass  # a client that gave up on a slow answer is what the timeout test wants


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 -- http.server's name
        status, content_type, body, delay = self.server.fake.answer(self.path)
        if delay:
            time.sleep(delay)
        try:
            self.send_response(status)
            if status == 302:
                self.send_header("Location", "http://127.0.0.2/elsewhere" + self.path)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass

    def log_message(self, format: str, *args) -> None:  # noqa: A002 -- http.server's name
        pass


class FakeSeoul:
    def __init__(
        self, key: str = KEY, seed: int = 7, clock: Callable[[], float] | None = None, delay: float = 1.0
    ):
        self.key = key
        self.seed = seed
        self.clock = clock or FakeClock()
        self.delay = delay  # how long "timeout" keeps a request waiting
        self.code_tables = True  # serve AccMainCode and AccSubCode (else ERROR-310, as the demo)
        self.paths: list[str] = []  # every request path as received (percent-encoded)
        self.requests: list[tuple[str, str, tuple[str, ...]]] = []  # (key, service, filters)
        self.port = 0
        self._mode: str | None = None
        self._times: int | None = None
        self._services: tuple[str, ...] | None = None
        self._lock = threading.Lock()
        self._server: _Server | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        server = _Server(("127.0.0.1", self.port), _Handler)
        server.fake = self
        self.port = server.server_port
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        self._server = server

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def fail(self, mode: str, times: int | None = None, services: tuple[str, ...] | None = None) -> None:
        if mode not in MODES:
            raise ValueError(f"unknown mode {mode}")
        with self._lock:
            self._mode, self._times, self._services = mode, times, services

    def heal(self) -> None:
        with self._lock:
            self._mode = None

    def count(self, service: str) -> int:
        return sum(1 for _, asked, _ in self.requests if asked == service)

    def answer(self, raw_path: str) -> tuple[int, str, bytes, float]:
        """(status, content type, body, seconds to wait first) for one request."""
        path = urlsplit(raw_path).path
        segments = [unquote(s) for s in path.strip("/").split("/")]
        key, fmt, service, start, end, *filters = segments + [""] * max(0, 5 - len(segments))
        with self._lock:
            self.paths.append(path)
            self.requests.append((key, service, tuple(filters)))
            mode = self._take_mode(service)
        fmt = fmt.lower() if fmt.lower() in ("json", "xml") else "json"
        if mode == "http500":
            return 500, "text/html", b"<html><body><h1>500 Internal Server Error</h1></body></html>", 0
        if mode == "redirect":  # a client that follows it takes the key along
            return 302, "text/html", b"<html><body>Moved</body></html>", 0
        if mode == "info100" or key != self.key:
            return self._ok("xml", INFO_100)
        if mode == "info200":
            return self._ok(fmt, error_body(fmt, NO_DATA))
        if mode == "error500":
            return self._ok(fmt, error_body(fmt, ERROR_500))
        if mode == "echo_key":
            return self._ok(fmt, error_body(fmt, ("ERROR-999", f"인증키 {key} 처리 중 오류")))
        body = self.body(fmt, service, start, end, *filters, generation=mode)
        if mode == "malformed":
            return self._ok(fmt, body[: len(body) // 2])
        return (*self._ok(fmt, body)[:3], self.delay if mode == "timeout" else 0)

    def body(
        self, fmt: str, service: str, start: str, end: str, *filters: str, generation: str | None = None
    ) -> str:
        """A correct answer at the fake's clock."""
        if service in CODE_TABLES and self.code_tables:
            return _code_table(fmt, service)
        body = body_at(self.seed, self.clock(), fmt, service, start, end, *filters)
        if service == air.SERVICE and fmt == "json" and generation != "new_generation":
            return _old_generation(body, numbers=generation != "strings")
        return body

    def _take_mode(self, service: str) -> str | None:
        if self._mode is None or (self._services is not None and service not in self._services):
            return None
        mode = self._mode
        if self._times is not None:
            self._times -= 1
            if self._times <= 0:
                self._mode = None
        return mode

    @staticmethod
    def _ok(fmt: str, body: str) -> tuple[int, str, bytes, float]:
        xml = body.lstrip().startswith("<")
        content_type = "text/xml;charset=UTF-8" if xml else "application/json;charset=UTF-8"
        return 200, content_type, body.encode("utf-8"), 0


def _old_generation(body: str, numbers: bool) -> str:
    """The demo's 2026 air body in the pre-2025 field names, with JSON numbers when ``numbers``."""
    document = json.loads(body)
    wrapper = document.get(air.SERVICE)
    if wrapper is None:
        return body
    renames = {new: old for old, new in air.FIELDS.values()}
    numeric = {air.FIELDS[name][0] for name in (*air.POLLUTANTS, "cai")}
    rows = []
    for row in wrapper["row"]:
        old = {renames.get(name, name): value for name, value in row.items()}
        old["ARPLT_MAIN"] = MAIN_POLLUTANT_OLD.get(old.get("ARPLT_MAIN", ""), old.get("ARPLT_MAIN", ""))
        if numbers:
            old |= {name: _number(old[name]) for name in numeric if name in old}
        rows.append(old)
    wrapper["row"] = rows
    return json.dumps(document, ensure_ascii=False)


def _number(value: str) -> object:
    try:
        number = float(value)
    except ValueError:
        return value  # "", "-": a station's missing value stays what it was
    return int(number) if number.is_integer() else number


def _code_table(fmt: str, service: str) -> str:
    """A code table (AccMainCode, AccSubCode) whole, in the envelope every list service has."""
    code_field, name_field, names = CODE_TABLES[service]
    rows = [{code_field: code, name_field: name} for code, name in names.items()]
    return list_body(fmt, service, rows, 1, len(rows))
