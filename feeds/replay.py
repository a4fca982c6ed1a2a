"""Recordings of upstream answers, and the source that plays one back (an exhibit with no network).

A recording is a JSON Lines file (UTF-8, one JSON object per line; ``.gz`` for gzip), one line per
upstream call, in the order the calls were made:

    {"t": 1763544600.0, "fmt": "json", "service": "RealtimeCityAir", "start": 1, "end": 25,
     "filters": [], "body": "{\"RealtimeCityAir\": {\"list_total_count\": 25, ...}}"}

    t        the source's clock when the call was made, epoch seconds (float)
    fmt      json or xml, as asked
    service  the service name (RealtimeCityAir, citydata, AccInfo ...)
    start, end  the row range asked for (integers)
    filters  the path segments after end, as strings (citydata's place name), [] for none
    body     the answer exactly as the upstream sent it (errors included), as text

A request is (fmt, service, start, end, filters). The API key is never written: it is not part of
a request, and the live source removes it from any body that echoes it. Failed calls that gave
no body (a timeout, HTTP 500) are not written; the replay keeps answering with the last body.

``Recorder`` writes one while passing calls through to another source; ``ReplaySource`` plays
one: its clock is the recording's, ``start + elapsed * speed``, looping to the start after the
last call, and ``fetch`` answers with the latest body recorded for the same request at or
before that time (the first one before its first call).
"""

from __future__ import annotations

import bisect
import copy
import gzip
import json
import logging
import statistics
import time
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

from feeds import incidents, traffic
from feeds.base import FeedError, Source
from feeds.demo.clock import SimClock
from feeds.reasons import Reason

Request = tuple[str, str, int, int, tuple[str, ...]]  # (fmt, service, start, end, filters)

log = logging.getLogger(__name__)


def request_key(fmt: str, service: str, start: int | str, end: int | str, filters: tuple) -> Request:
    """The request a call made, in one spelling (raises ValueError for a start or end not a number)."""
    return str(fmt).lower(), str(service), int(start), int(end), tuple(str(f) for f in filters)


def open_recording(path: str | Path, mode: str = "r") -> IO[str]:
    """Open a recording for reading ("r") or writing ("w"); a .gz name means gzip."""
    if str(path).endswith(".gz"):
        return gzip.open(path, mode + "t", encoding="utf-8")
    return open(path, mode, encoding="utf-8")


def line(t: float, fmt: str, service: str, start: int, end: int, filters: tuple, body: str) -> str:
    """One recording line (with its newline)."""
    record = {
        "t": round(t, 3),
        "fmt": fmt,
        "service": service,
        "start": int(start),
        "end": int(end),
        "filters": [str(f) for f in filters],
        "body": body,
    }
    return json.dumps(record, ensure_ascii=False) + "\n"


class Recorder:
    """A Source that asks another one and writes every answer to a recording as it goes."""

    def __init__(self, source: Source, out: IO[str]):
        self.source = source
        self.out = out
        self.name = source.name
        self.hotspots = getattr(source, "hotspots", None)
        self.calls = 0
        self._names: incidents.CodeNames | None = None

    @property
    def speed(self) -> float:
        return self.source.speed

    def now(self) -> float:
        return self.source.now()

    def fetch(self, fmt: str, service: str, start: int, end: int, *filters: str) -> str:
        t = self.source.now()
        body = self.source.fetch(fmt, service, start, end, *filters)
        self.calls += 1
        self.out.write(line(t, fmt, service, start, end, filters, body))
        self.out.flush()  # a recorder killed now keeps every call made so far
        return body

    def code_names(self) -> incidents.CodeNames:
        """The incident codes' names, when the recorded source reads upstream's code tables: the
        tables are asked once through this recorder, so a replay names incidents as live did."""
        if not callable(getattr(self.source, "code_names", None)):
            return incidents.BUILT_IN
        if self._names is None:
            try:
                self._names = incidents.read_code_names(self.fetch)[0]
            except FeedError as exc:
                log.warning("incident code tables not recorded, keeping the built-in names: %s", exc)
                self._names = incidents.BUILT_IN
        return self._names


def load(
    path: str | Path, on_cut: Callable[[str], None] | None = log.warning
) -> dict[Request, tuple[list[float], list[str]]]:
    """Read a recording: per request, its call times (ascending) and bodies. Raises ValueError.

    A recorder stopped mid-write leaves its last line cut, or a gzip file without its end: what
    can be read is played, the cut line is dropped, and ``on_cut`` is told so in one message.
    Any other line that is not a recorded call refuses the whole file.
    """
    calls: dict[Request, list[tuple[float, str]]] = {}
    lines = _Lines(Path(path))
    cut = None
    for number, text, ended in lines:
        if not text.strip():
            continue
        try:
            key, t, body = _call(text)
        except ValueError as exc:
            if not ended:  # the last line, with no newline after it: cut while being written
                cut = number
                break
            raise ValueError(f"{Path(path).name} line {number} is not a recorded call ({exc})") from None
        calls.setdefault(key, []).append((t, body))
    count = sum(len(found) for found in calls.values())
    if not calls:
        because = f" (its line {cut} is cut)" if cut else ""
        raise ValueError(f"{Path(path).name} holds no recorded calls{because}")
    if (cut or not lines.whole) and on_cut is not None:
        how = [] if lines.whole else ["ends without its gzip trailer"]
        how += [f"has its last line ({cut}) cut: dropped it"] if cut else []
        on_cut(f"{path} {' and '.join(how)} (stopped mid-write?); playing the {count} calls read")
    ordered = {}
    for key, found in calls.items():
        found.sort(key=lambda call: call[0])  # stable: calls at the same time keep file order
        ordered[key] = ([t for t, _ in found], [body for _, body in found])
    return ordered


def _call(text: bytes) -> tuple[Request, float, str]:
    """One line's call: its request, time and body (raises ValueError for anything else)."""
    try:
        record = json.loads(text.decode("utf-8"))
        key = request_key(
            record["fmt"], record["service"], record["start"], record["end"], tuple(record["filters"])
        )
        t, body = float(record["t"]), record["body"]
    except (KeyError, TypeError) as exc:
        raise ValueError(f"no {exc}" if isinstance(exc, KeyError) else str(exc)) from None
    if not isinstance(body, str):
        raise ValueError("its body is not text")
    return key, t, body


class _Lines:
    """A recording's lines as bytes, numbered, each with whether a newline ended it.

    Only the last line can lack one: the file was cut inside it. A gzip file whose end is missing
    (its writer was killed) gives what decompresses, and ``whole`` turns False.
    """

    CHUNK = 1 << 20

    def __init__(self, path: Path):
        self.path = path
        self.whole = True

    def __iter__(self) -> Iterator[tuple[int, bytes, bool]]:
        rest, number = b"", 0
        for chunk in self._chunks():
            *complete, rest = (rest + chunk).split(b"\n")
            for text in complete:
                number += 1
                yield number, text, True
        if rest:
            yield number + 1, rest, False

    def _chunks(self) -> Iterator[bytes]:
        if not self.path.name.endswith(".gz"):
            with open(self.path, "rb") as raw:
                yield from iter(lambda: raw.read(self.CHUNK), b"")
            return
        with gzip.open(self.path, "rb") as packed:
            try:
                # read1: at most one read of the file each, so the read that finds the end
                # missing has nothing decompressed to lose.
                while chunk := packed.read1(self.CHUNK):
                    yield chunk
            except EOFError:
                self.whole = False
            except (gzip.BadGzipFile, zlib.error) as exc:
                raise ValueError(f"{self.path.name} is not a readable gzip file ({exc})") from None


class ReplaySource:
    """The Source that plays a recording back, in real time or faster, looping by default."""

    name = "replay"

    def __init__(
        self,
        path: str | Path,
        speed: float = 1.0,
        loop: bool = True,
        clock: Callable[[], float] = time.time,
        hotspots: tuple[str, ...] | None = None,
    ):
        """Raises ValueError when the file is not a recording, OSError when it cannot be read.

        ``hotspots`` (the citydata places traffic.fetch asks for) defaults to those recorded.
        """
        self.path = Path(path)
        self._calls = load(self.path)
        times = [t for found, _ in self._calls.values() for t in found]
        self.first, self.last = min(times), max(times)
        # After the last call the loop waits one poll before starting over, so the last answers
        # are seen too: the shortest typical gap between two calls of the same request.
        gaps = [
            statistics.median(b - a for a, b in zip(found, found[1:], strict=False))
            for found, _ in self._calls.values()
            if len(found) > 1
        ]
        self.period = self.last - self.first + min(gaps, default=0.0)
        self.loop = loop
        self._clock = SimClock.running(self.first, speed, clock)
        places = [key[4][0] for key in self._calls if key[1] == traffic.SERVICE and key[4]]
        self.hotspots = tuple(hotspots) if hotspots else tuple(dict.fromkeys(places)) or None

    @property
    def speed(self) -> float:
        return self._clock.speed

    def now(self) -> float:
        elapsed = self._clock.elapsed()
        if self.loop and self.period > 0:
            elapsed %= self.period
        else:
            elapsed = min(elapsed, self.last - self.first)
        return self._clock.start + elapsed

    def fetch(self, fmt: str, service: str, start: int, end: int, *filters: str) -> str:
        return self.body_at(self.now(), fmt, service, start, end, *filters)

    def code_names(self) -> incidents.CodeNames:
        """The incident codes' names as recorded with the calls (upstream's code tables), else
        the built-in ones."""
        try:
            return incidents.read_code_names(self.fetch)[0]
        except FeedError:
            return incidents.BUILT_IN

    def body_at(self, t: float, fmt: str, service: str, start: int, end: int, *filters: str) -> str:
        """The latest body recorded for this request at or before ``t`` (the first before any)."""
        try:
            found = self._calls.get(request_key(fmt, service, start, end, filters))
        except ValueError:
            found = None
        if found is None:
            asked = "/".join(str(part) for part in (fmt, service, start, end, *filters))
            raise FeedError(Reason("replay.no_answer", file=self.path.name, asked=asked), transient=False)
        times, bodies = found
        return bodies[max(bisect.bisect_right(times, t) - 1, 0)]

    def past(self, t: float) -> ReplaySource:
        """The same recording with its clock stopped at ``t`` (the wall warms its trends with it)."""
        frozen = copy.copy(self)
        frozen._clock = self._clock.stopped_at(t)
        return frozen

    def __repr__(self) -> str:
        return f"ReplaySource({str(self.path)!r}, speed={self._clock.speed:g}, loop={self.loop})"
