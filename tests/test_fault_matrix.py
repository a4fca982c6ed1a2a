"""The fault matrix: each feed against each upstream fault over real HTTP, on an independent fake.

The fake is ../shared/peers/upstream_mock.py, a Seoul Open Data API written from SEOUL_API.md
apart from this project's tests/fake_seoul.py, run as a subprocess on a free loopback port: one
instance per set of flags (the 2026 air field names, every value a string, 30 % of stations under
maintenance with null, "", "-" or 0; a third of the rows without PM2.5 or CAI, served verbatim),
faults switched on and off over its control plane.

A cell is one feed and one fault on a fresh wall (the live source with half-second timeouts, a
clock the test moves one feed interval per poll): every feed polled good (but the feed itself in
the "no frame yet" row), the fault on the feed's service, two polls of the feed with the other
feeds polled between, the page and a tick, the fault cleared, one poll an interval later. What
each cell saw becomes a row of tests/artifacts/fault_matrix.md (the README's "Faults" section
shows the latest), written from the observations, and is then asserted.
"""

from __future__ import annotations

import json
import logging
import re
import select
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
import requests

import app as wall_app
from benchmarks.dash_client import Viewer
from dashboard.settings import Settings
from dashboard.store import OK
from feeds import air
from feeds.registry import FEEDS, calls
from feeds.seoul import SeoulSource
from feeds.values import SEOUL
from tests.conftest import ARTIFACTS
from tests.fake_seoul import FakeClock

SHARED = Path(__file__).resolve().parents[2] / "shared"  # ../shared, beside the repository
MOCK = SHARED / "peers" / "upstream_mock.py"
SAMPLES = SHARED / "fixtures" / "seoul"
KEY = "MATRIXKEY"
HOTSPOTS = ("광화문·덕수궁", "강남역", "서울역")
SERVICES = {"air": "RealtimeCityAir", "traffic": "citydata", "incidents": "AccInfo"}
# One feed per upstream call: a fault is on a call, and the feeds that read it with the first
# (crowds and weather read traffic's citydata round) fail and recover with it (test_crowds_weather).
MATRIX_FEEDS = tuple(names[0] for names in calls(FEEDS).values())
TIMEOUT = 0.5  # seconds, connect and read


@dataclass(frozen=True)
class Fault:
    label: str
    mode: str  # the mock's fault mode
    value: str
    reason: str  # a pattern the feed's reason must match
    fresh: bool = False  # on a wall that has no frame of the feed yet


FAULTS = (
    Fault("latency past the timeout", "latency", "1", "did not answer within 0.5 s"),
    Fault("silent timeout", "timeout", "1", "did not answer within 0.5 s"),
    Fault("HTTP 500", "http500", "500", "HTTP 500 from the Seoul API"),
    Fault("truncated body", "malformed", "truncated", r"malformed (JSON|XML)"),
    Fault("HTML page", "malformed", "html", "HTML page"),
    Fault("empty body", "malformed", "empty", "empty body"),
    Fault("garbage body", "malformed", "garbage", r"neither JSON nor XML|malformed (JSON|XML)"),
    Fault("INFO-100", "error_code", "INFO-100", r"INFO-100: the API key is not valid"),
    Fault("INFO-200", "error_code", "INFO-200", r"INFO-200"),
    Fault("INFO-200, no frame yet", "error_code", "INFO-200", r"INFO-200", fresh=True),
    Fault("ERROR-500", "error_code", "ERROR-500", r"ERROR-500: the provider's server failed"),
    Fault("unknown code", "error_code", "ERROR-777", r"ERROR-777"),
)
PARTIAL = 'a third of rows: PM2.5 and CAI "-"'
VARIATIONS = {
    "2026 air field names": ("--air-schema", "new"),
    "all values strings": ("--strings",),
    "2026 names, all strings": ("--air-schema", "new", "--strings"),
    "30 % null": ("--null-rate", "0.3", "--null-style", "null"),
    '30 % ""': ("--null-rate", "0.3", "--null-style", "empty"),
    '30 % "-"': ("--null-rate", "0.3", "--null-style", "dash"),
    "30 % 0": ("--null-rate", "0.3", "--null-style", "zero"),
    PARTIAL: (),
}
MISSING = ("--null-rate",)  # flags whose stations have no measurement
BLANKED = ("PM25", "IDEX_MVL", "IDEX_NM")  # upstream's names of what PARTIAL blanks


def partial_rows(body: str) -> str:
    """Every third station measured all but PM2.5, and upstream gave no CAI for it."""
    document = json.loads(body)
    for index, row in enumerate(document[air.SERVICE]["row"]):
        if index % 3 == 0:
            row.update(dict.fromkeys(BLANKED, "-"))
    return json.dumps(document, ensure_ascii=False)


# Variations the mock has no flag for: the plain mock's air payload, edited and served verbatim.
EDITS = {PARTIAL: partial_rows}


class Mock:
    """One upstream_mock.py process; stopped by its own pid."""

    def __init__(self, flags: tuple[str, ...] = ()):
        self.flags = flags
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 - open as long as the mock runs
        command = [
            sys.executable,
            str(MOCK),
            "--port",
            "0",
            "--keys",
            KEY,
            "--period",
            "86400",  # one generation all day: a cell's data never changes under it
            "--samples-dir",
            str(SAMPLES),
            "--max-runtime",
            "900",
            *flags,
        ]
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=self.log, text=True)
        ready, _, _ = select.select([self.process.stdout], [], [], 15)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            self.stop()
            pytest.fail(f"upstream_mock.py {' '.join(flags)} did not start: {self.errors()}")
        self.url = json.loads(line)["mock"]
        stamp = requests.get(f"{self.url}/_mock/stats", timeout=5).json()["msrdt"]
        # The hour every generated measurement carries (generation 0), in Seoul.
        self.measured = datetime.strptime(stamp, "%Y%m%d%H%M").replace(tzinfo=SEOUL).timestamp()

    def fault(self, service: str, mode: str, value: str | None = None) -> None:
        params = {"service": service, "mode": mode} | ({"value": value} if value else {})
        requests.post(f"{self.url}/_mock/fault", params=params, timeout=5).raise_for_status()

    def serve(self, service: str, body: str | None) -> None:
        """Serve ``body`` verbatim for ``service`` from now on; None: generated data again."""
        url = f"{self.url}/_mock/fixture"
        if body is None:
            answer = requests.post(url, params={"service": service, "clear": "1"}, timeout=5)
        else:
            headers = {"Content-Type": "application/json;charset=UTF-8"}
            params = {"service": service}
            answer = requests.post(url, params=params, data=body.encode(), headers=headers, timeout=5)
        answer.raise_for_status()

    def errors(self) -> str:
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")[-2000:]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.process.stdout.close()
        self.log.close()


@pytest.fixture(scope="module")
def mocks():
    """Mock instances by flag set, started when first asked for and stopped at the end."""
    if not MOCK.is_file() or not (SAMPLES / "citydata.json").is_file():
        pytest.fail(f"the fault matrix needs {MOCK} and {SAMPLES}/citydata.json")
    started: dict[tuple[str, ...], Mock] = {}

    def get(flags: tuple[str, ...] = ()) -> Mock:
        if flags not in started:
            started[flags] = Mock(flags)
        return started[flags]

    def restart(flags: tuple[str, ...] = ()) -> Mock:
        started.pop(flags).stop()
        return get(flags)

    get.restart = restart
    yield get
    for mock in started.values():
        mock.stop()


def live_source(mock: Mock, clock: FakeClock) -> SeoulSource:
    # The production source (three tries, a 30 s hold-off per silent service), test-sized waits.
    return SeoulSource(
        KEY, mock.url, timeout=(TIMEOUT, TIMEOUT), backoff=0.01, hotspots=HOTSPOTS, clock=clock
    )


def wall_on(mock: Mock):
    """A fresh wall on the live source, its clock five minutes after the mock's measurements."""
    clock = FakeClock(mock.measured + 5 * 60)
    settings = Settings(
        wall_source="seoul",
        seoul_api_key=KEY,
        seoul_api_base_url=mock.url,
        seoul_timeout=TIMEOUT,
        wall_hotspots=HOTSPOTS,
        wall_poller=False,  # the test polls; history goes to the test's own folder (conftest)
    )
    return wall_app.create_wall(settings, source=live_source(mock, clock)), clock


def same(a: pd.DataFrame | None, b: pd.DataFrame | None) -> bool:
    if a is None or b is None:
        return False
    try:
        pd.testing.assert_frame_equal(a, b)
    except AssertionError:
        return False
    return True


def short(reason: str | None) -> str:
    """A reason as the table shows it: without the mock's URL, the hold-off countdown, or length."""
    if not reason:
        return "—"
    reason = re.sub(r" \(http://127\.0\.0\.1:\d+/\*\*\*/[^)]*\)", "", reason).split("; next try in ")[0]
    reason = reason.replace("|", "/")
    return reason if len(reason) <= 72 else reason[:71] + "…"


def tracebacks(records: list[logging.LogRecord]) -> list[str]:
    return [
        r.getMessage()[:200]
        for r in records
        if r.exc_info or r.exc_text or r.stack_info or "Traceback" in r.getMessage()
    ]


def warnings(records: list[logging.LogRecord]) -> list[str]:
    return [f"{r.name}: {r.getMessage()[:160]}" for r in records if r.levelno >= logging.WARNING]


# --- the observations -----------------------------------------------------------------------------


@dataclass
class Cell:
    """What one feed × fault cell was seen to do."""

    feed: str
    fault: str
    first: str  # status after the first poll during the fault
    second: str  # and after the second, one interval later
    reason: str  # the second poll's reason (error, else stale reason), as the table shows it
    full_reason: str
    reasons: int  # distinct reasons the two polls gave (a changed reason is news, logged again)
    kept: str  # whether the frame shown stayed the last good one
    others: str  # the other feeds, polled during the fault
    page: int  # GET / during the fault
    tick: int  # a sync tick during the fault
    health: int  # GET /healthz during the fault
    health_says: str  # the feed's status in /healthz's JSON
    recovered: str  # the first poll after the fault was cleared
    warnings: list[str]  # logged from the fault's start to its end
    warned_first: int  # of which during the first poll (and the other feeds' polls)
    tracebacks: list[str]

    @property
    def app(self) -> str:
        return f"{self.page} / {self.tick} / {self.health} {self.health_says}"

    @property
    def app_up(self) -> bool:
        # /healthz is a JSON 503 while a feed is not ok, and says what the store says.
        health = (200 if self.second == OK else 503, self.second)
        return self.page == 200 and self.tick in (200, 204) and (self.health, self.health_says) == health


@dataclass
class Variant:
    """What one feed did on a mock whose payloads differ from the plain one's."""

    feed: str
    variation: str
    first: str
    second: str
    rows: int
    values: str  # compared with the plain mock's frame
    missing: str  # stations without a measurement: how they read
    warnings: list[str]
    tracebacks: list[str]


CELLS: dict[tuple[str, str], Cell] = {}
VARIANTS: dict[tuple[str, str], Variant] = {}


def observe_fault(mock: Mock, feed: str, fault: Fault, caplog) -> Cell:
    wall, clock = wall_on(mock)
    interval = wall.settings.interval(feed)
    others = [name for name in FEEDS if FEEDS[name].call != FEEDS[feed].call]  # the other calls' feeds
    for name in FEEDS if not fault.fresh else others:
        good = wall.poller.poll(name)
        assert good.status == OK and good.rows > 0, (name, good)
    before = wall.store.frame(feed)  # None on a fresh wall
    client = wall.server.test_client()
    viewer = Viewer(client)
    start = len(caplog.records)
    mock.fault(SERVICES[feed], fault.mode, fault.value)
    try:
        clock.now += interval
        first = wall.poller.poll(feed)
        kept_first = wall.store.frame(feed)
        during = {name: wall.poller.poll(name) for name in others}
        between = len(caplog.records)
        clock.now += interval
        second = wall.poller.poll(feed)
        kept = wall.store.frame(feed)
        during |= {f"{name} then": wall.store.meta(name) for name in others}
        page = client.get("/")
        tick = viewer.sync()
        health = client.get("/healthz")
        failing = caplog.records[start:]
    finally:
        mock.fault("*", "clear")
    clock.now += interval
    back = wall.poller.poll(feed)
    fresh = wall.store.frame(feed)
    # What upstream serves (the same generation all day): the frame a good poll must bring.
    served = before.data if before is not None else FEEDS[feed].parse(FEEDS[feed].fetch(wall.source))

    if before is None:
        held = "no frame yet" + (f", then {kept.meta.rows} rows" if kept is not None else "")
    elif same(kept.data, before.data) and kept.meta.version == before.meta.version:
        held = "yes"
    elif same(kept_first.data, before.data):
        held = f"1 poll, then {kept.meta.rows} rows"
    else:
        held = f"no ({kept.meta.rows} rows)"
    not_ok = {name: meta.status for name, meta in during.items() if meta.status != OK}
    health_json = health.is_json and health.get_json().get("feeds", {}).get(feed, {}).get("status")
    recovered = (
        back.status == OK
        and back.error is None
        and back.stale_reason is None
        and back.source_now == clock.now
        and (before is None or back.fetched_at > before.meta.fetched_at)
        and back.rows > 0
        and same(fresh.data, served)
    )
    return Cell(
        feed=feed,
        fault=fault.label,
        first=first.status,
        second=second.status,
        reason=short(second.error or second.stale_reason),
        full_reason=second.error or second.stale_reason or "",
        reasons=len({short(m.error or m.stale_reason) for m in (first, second) if m.status != OK}),
        kept=held,
        others="ok" if not not_ok else ", ".join(f"{n} {s}" for n, s in not_ok.items()),
        page=page.status_code,
        tick=tick.status,
        health=health.status_code,
        health_says=health_json or "?",
        recovered="ok" if recovered else f"no ({back.status}: {short(back.error or back.stale_reason)})",
        warnings=warnings(failing),
        warned_first=len(warnings(caplog.records[start:between])),
        tracebacks=tracebacks(caplog.records[start:]),
    )


@pytest.mark.parametrize("fault", FAULTS, ids=[f.label for f in FAULTS])
@pytest.mark.parametrize("feed", MATRIX_FEEDS)
def test_a_fault_keeps_the_last_frame_says_why_stays_in_its_feed_and_recovers(mocks, feed, fault, caplog):
    caplog.set_level(logging.INFO)
    cell = CELLS[feed, fault.label] = observe_fault(mocks(), feed, fault, caplog)

    assert not cell.tracebacks, cell.tracebacks
    assert cell.others == "ok", cell.others  # a fault on one service does not spill onto others
    assert cell.app_up, cell.app  # the page, a tick and a JSON /healthz answer
    assert cell.recovered == "ok", cell.recovered
    if fault.fresh:
        assert cell.kept in ("no frame yet", "no frame yet, then 0 rows"), cell.kept  # nothing made up
        assert not cell.warnings, cell.warnings
        if feed == "incidents":  # none open: news, whether or not a frame came before
            assert (cell.first, cell.second) == (OK, OK)
            return
        # Not "live" over an empty map from the first poll: it says the provider published nothing.
        assert cell.first != OK and cell.second != OK and re.search(fault.reason, cell.full_reason), cell
        return
    if fault.label == "INFO-200" and feed == "incidents":
        # No incident published is news, not a fault: one such answer keeps the incidents one
        # poll more (a glitch cannot close them), the second says none is open.
        assert (cell.first, cell.second) == (OK, OK)
        assert cell.kept == "1 poll, then 0 rows", cell.kept
        # Every open incident vanishing at once is warned of, once; their end is no warning.
        assert len(cell.warnings) == cell.warned_first == 1, cell.warnings
        assert "vanished" in cell.warnings[0], cell.warnings
        return
    assert cell.second != OK, cell  # not "ok" within two intervals
    assert re.search(fault.reason, cell.full_reason), cell.full_reason  # and says why
    assert cell.kept == "yes", cell.kept
    if fault.label == "INFO-200":  # air and traffic: nothing published now, the last frame ages
        assert cell.second == "stale" and not cell.warnings, (cell.second, cell.warnings)
    else:
        assert len(cell.warnings) == cell.reasons == 1 or (  # the failure is logged once
            cell.fault == "garbage body" and len(cell.warnings) == cell.reasons  # random bytes
        ), cell.warnings


def unmeasured(data: pd.DataFrame, variation: str) -> tuple[pd.Series, list[str], str]:
    """Air rows a variation left without some values: which, the columns that lack them, and
    how they read ("WRONG" unless as the air module promises)."""
    measured = air.reporting(data)["district_code"]
    graded = air.graded(data)["district_code"]
    if VARIATIONS[variation][:1] == MISSING:  # a station under maintenance: nothing is measured
        rows = data["note"] != ""
        lacking = [*air.POLLUTANTS, "cai", "cai_grade", "main_pollutant", "note"]
        said = f"{rows.sum()} under maintenance: NaN, no CAI or grade"
        right = set(data[rows]["note"]) == {"점검중"} and not set(data[rows]["district_code"]) & set(measured)
        right = right and data[rows][[*air.POLLUTANTS, "cai"]].isna().all(axis=None)
    else:  # PARTIAL: measured, but not the whole set a CAI needs
        rows = data["pm25"].isna()
        lacking = ["pm25", "cai", "cai_grade", "main_pollutant"]
        said = f"{rows.sum()} without PM2.5: the rest kept, no CAI or grade"
        right = data[rows][["pm10", "o3", "no2", "co", "so2"]].notna().all(axis=None)
        right = right and set(data[rows]["district_code"]) <= set(measured)
    silent = data[rows]
    right = right and bool(rows.any()) and silent["cai"].isna().all() and silent["cai_grade"].isna().all()
    right = right and (silent["main_pollutant"] == "").all()
    right = right and not set(silent["district_code"]) & set(graded)  # not ranked, not counted
    return rows, lacking, said if right else f"WRONG: {said}"


def observe_variation(mocks, variation: str, caplog) -> list[Variant]:
    flags, edit = VARIATIONS[variation], EDITS.get(variation)
    mock, plain = mocks(flags), mocks()
    if plain.measured != mock.measured:  # started either side of an hour: the values differ
        plain = mocks.restart()
        mock = mock if flags else plain
    assert plain.measured == mock.measured
    wall, clock = wall_on(mock)
    reference_source = live_source(plain, FakeClock(clock.now))
    references = {feed: spec.parse(spec.fetch(reference_source)) for feed, spec in FEEDS.items()}
    if edit is not None:
        mock.serve(air.SERVICE, edit(air.fetch(reference_source)))
    seen = []
    try:
        for feed in MATRIX_FEEDS:
            start = len(caplog.records)
            first = wall.poller.poll(feed)
            clock.now += wall.settings.interval(feed)
            second = wall.poller.poll(feed)
            frame = wall.store.frame(feed)
            data = frame.data if frame is not None else pd.DataFrame()
            reference, missing = references[feed], "—"
            rows = pd.Series(False, index=data.index)
            if feed == "air" and (flags[:1] == MISSING or edit is not None):
                rows, lacking, missing = unmeasured(data, variation)
                if not same(data[rows].drop(columns=lacking), reference[rows].drop(columns=lacking)):
                    missing = f"WRONG: {missing}, their other values differ"
            whole = same(data[~rows].reset_index(drop=True), reference[~rows].reset_index(drop=True))
            values = f"same as plain ({(~rows).sum()} rows)" if whole else "DIFFERENT"
            seen.append(
                Variant(
                    feed=feed,
                    variation=variation,
                    first=first.status,
                    second=second.status,
                    rows=second.rows,
                    values=values,
                    missing=missing,
                    warnings=warnings(caplog.records[start:]),
                    tracebacks=tracebacks(caplog.records[start:]),
                )
            )
    finally:
        if edit is not None:
            mock.serve(air.SERVICE, None)
    return seen


@pytest.mark.parametrize("variation", list(VARIATIONS))
def test_new_names_strings_and_missing_values_read_as_the_same_numbers_or_nan(mocks, variation, caplog):
    caplog.set_level(logging.INFO)
    seen = observe_variation(mocks, variation, caplog)
    VARIANTS.update({(v.feed, v.variation): v for v in seen})
    for variant in seen:
        assert not variant.tracebacks, variant.tracebacks
        assert (variant.first, variant.second) == (OK, OK), variant
        assert variant.values.startswith("same as plain"), variant
        assert not variant.missing.startswith("WRONG"), variant
        assert not variant.warnings, variant.warnings


# --- the table ------------------------------------------------------------------------------------


def gist(reason: str) -> str:
    """A reason in a few words: without the service's name or a parser's detail."""
    reason = re.sub(rf"^({'|'.join(SERVICES.values())}) ", "", reason)
    return short(re.sub(r" \([^()]*\)$", "", reason))


def every(held: str, broke: list[str]) -> str:
    """A rule observed in every cell, or the cells that broke it."""
    return f"- {held} in every cell." if not broke else f"- {held}, except in " + "; ".join(broke) + "."


def matrix() -> str:
    """The observed cells as Markdown: a fault × feed matrix, what held in every cell, the variations."""
    feeds = list(MATRIX_FEEDS)
    lines = [
        "| fault | " + " | ".join(feeds) + " | reason after the 2nd poll |",
        "|---|" + "---|" * len(feeds) + "---|",
    ]
    for fault in FAULTS:
        cells = [CELLS[feed, fault.label] for feed in feeds]
        summary = [
            f"{c.first} → {c.second}, {'kept' if c.kept == 'yes' else c.kept}, "
            + ("back ok" if c.recovered == "ok" else c.recovered)
            for c in cells
        ]
        reasons = " · ".join(dict.fromkeys(gist(c.full_reason) for c in cells if c.full_reason))
        lines.append(f"| {fault.label} | " + " | ".join(summary) + f" | {reasons or '—'} |")
    cells = CELLS.values()
    lines += [
        "",
        every(
            "The feeds of the other calls, polled during the fault, stayed ok",
            [f"{c.feed} × {c.fault}: {c.others}" for c in cells if c.others != "ok"],
        ),
        every(
            "`/` answered 200, a sync tick 200 or 204, `/healthz` JSON with the feed's status (503 "
            "while it is not ok)",
            [f"{c.feed} × {c.fault}: {c.app}" for c in cells if not c.app_up],
        ),
        every(
            "Log records held no traceback",
            [f"{c.feed} × {c.fault}: {c.tracebacks[0]}" for c in cells if c.tracebacks],
        ),
        every(
            "A failure was logged with one warning per reason it gave",
            [
                f"{c.feed} × {c.fault}: {len(c.warnings)} warnings"
                for c in cells
                if not c.fault.startswith("INFO-200") and len(c.warnings) != c.reasons
            ],
        ),
        "- INFO-200, which is no failure, gave no warning, except in "
        + "; ".join(
            f"{c.feed} × {c.fault}: {len(c.warnings)} (" + "; ".join(gist(w) for w in c.warnings) + ")"
            for c in cells
            if c.fault.startswith("INFO-200") and c.warnings
        )
        + ".",
        "",
        "| payloads | " + " | ".join(feeds) + " |",
        "|---|" + "---|" * len(feeds),
    ]
    for variation in VARIATIONS:
        said = []
        for feed in feeds:
            v = VARIANTS[feed, variation]
            text = f"{v.first} → {v.second}, {v.values}"
            said.append(text if v.missing == "—" else f"{text}; {v.missing}")
        lines.append(f"| {variation} | " + " | ".join(said) + " |")
    return "\n".join(lines)


def details() -> str:
    lines = [
        "| feed | fault | 1st poll | 2nd poll | reason | frame kept | other feeds | `/` / tick / `/healthz` "
        "| next good poll | warnings |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for fault in FAULTS:
        for feed in MATRIX_FEEDS:
            c = CELLS[feed, fault.label]
            said = "<br>".join(w.replace("|", "/") for w in c.warnings) or "none"
            reason = c.full_reason.replace("|", "/") or "—"
            lines.append(
                f"| {feed} | {fault.label} | {c.first} | {c.second} | {reason} "
                f"| {c.kept} | {c.others} | {c.app} | {c.recovered} | {said} |"
            )
    return "\n".join(lines)


@pytest.fixture(scope="module", autouse=True)
def table():
    """Once every cell was observed, write what they did (not what they should have done)."""
    began = time.monotonic()
    yield
    if len(CELLS) < len(MATRIX_FEEDS) * len(FAULTS) or len(VARIANTS) < len(MATRIX_FEEDS) * len(VARIATIONS):
        return  # a partial run (-k, -x) leaves the last whole table in place
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "fault_matrix.md").write_text(
        "# Fault matrix\n\n"
        "Written by tests/test_fault_matrix.py: each feed against ../shared/peers/upstream_mock.py "
        f"over HTTP on loopback, {TIMEOUT:g} s timeouts, three tries, one fresh wall per cell, two "
        "polls one interval apart during the fault and one after it "
        f"({time.monotonic() - began:.0f} s in all).\n\n"
        + matrix()
        + "\n\n## Every cell\n\n"
        + details()
        + "\n",
        encoding="utf-8",
    )
