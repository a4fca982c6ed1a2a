"""Record the configured source for a while: ``city-wall record --minutes N --out FILE``.

Polls every feed at its interval from the settings (AIR_INTERVAL ...), as the wall's poller
would, from the source WALL_SOURCE names (seoul for a real afternoon, demo to try it), and writes
every upstream call with its time to a recording: JSON Lines, described in feeds/replay.py and
docs/recording.md, showing how far it is as it goes (``Progress``). Play it back with
``city-wall replay FILE``.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from dashboard import logs
from dashboard import settings as settings_module
from dashboard.settings import SettingsError
from feeds.base import FeedError, Source
from feeds.registry import FEEDS, Feed, calls
from feeds.replay import Recorder, open_recording

STAGGER = 0.2  # seconds between the feeds' first polls, as the poller staggers them
KEY_ERRORS = ("INFO-100", "INFO-300")  # no point recording on: every answer would be this

log = logging.getLogger(__name__)


@dataclass
class Summary:
    calls: int = 0  # upstream calls written
    written: int = 0  # bytes of recording written (before gzip)
    seconds: float = 0.0  # how long it recorded
    polls: dict[str, int] = field(default_factory=dict)  # polls that parsed, per feed
    failures: dict[str, int] = field(default_factory=dict)  # polls that did not, per feed
    stopped: str | None = None  # why the recording ended early, if it did
    interrupted: bool = False  # by Ctrl-C or a signal: asked for, not a failure


class Progress:
    """How far a recording is: elapsed and remaining time, calls and bytes written.

    On a terminal one line redrawn in place, with a bar; otherwise (a log file, journalctl) a
    plain line every ``every`` seconds, so a long recording says it is alive without flooding.
    """

    WIDTH = 24  # characters of bar

    def __init__(self, seconds: float, stream: IO[str] | None = None, every: float | None = None):
        self.seconds = seconds
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty()
        self.every = every if every is not None else (0.5 if self.tty else max(5.0, min(60.0, seconds / 10)))
        self._said = -float("inf")

    def __call__(self, elapsed: float, calls: int, written: int, *, final: bool = False) -> None:
        if not final and elapsed - self._said < self.every:
            return
        self._said = elapsed
        # The last call may come before the time is up (nothing else falls due): then it is done.
        done = 1.0 if final or not self.seconds else min(1.0, elapsed / self.seconds)
        left = 0.0 if final else max(0.0, self.seconds - elapsed)
        figures = (
            f"{clock_time(elapsed)} elapsed, {clock_time(left)} left · "
            f"{calls} call{'' if calls == 1 else 's'} · {size(written)}"
        )
        if self.tty:
            filled = round(done * self.WIDTH)
            bar = "█" * filled + "░" * (self.WIDTH - filled)
            self.stream.write(f"\r{bar} {done:4.0%}  {figures}" + ("\n" if final else ""))
        else:
            self.stream.write(f"recording: {done:.0%}, {figures}\n")
        self.stream.flush()


def clock_time(seconds: float) -> str:
    """1:05 or 1:02:05."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def size(count: int) -> str:
    """1.2 MB, 830 kB, 12 B."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} B"


class Counted:
    """A text file that counts the bytes written to it (as UTF-8, before any gzip)."""

    def __init__(self, out: IO[str]):
        self._out = out
        self.written = 0

    def write(self, text: str) -> int:
        self.written += len(text.encode("utf-8"))
        return self._out.write(text)

    def flush(self) -> None:
        self._out.flush()


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGINT ended the recording (a KeyboardInterrupt: no feed code catches it)."""


class SignalSafeFile:
    """A recording being written that SIGTERM and SIGINT end between two writes, never inside one
    or inside the closing: a stopped recording is closed whole (gzip with its trailer) and replays.

    It opens the file (raising OSError); used as a context manager around ``record``, it writes
    and flushes like that file, and closes it.
    """

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self, path: Path):
        self._file = open_recording(path, "w")
        self.received: str | None = None  # the signal that ended the recording
        self._busy = True  # a signal now is noted, and raised once the write is done
        self._previous: dict = {}

    def __enter__(self) -> SignalSafeFile:
        self._previous = {signum: signal.signal(signum, self._signalled) for signum in self.SIGNALS}
        self._busy = False
        return self

    def __exit__(self, *_exc) -> None:
        self._busy = True  # from here on a signal only waits for the file to close
        try:
            self._file.close()
        finally:
            self._restore()

    def write(self, text: str) -> int:
        with self._writing():
            return self._file.write(text)

    def flush(self) -> None:
        with self._writing():
            self._file.flush()

    @contextmanager
    def _writing(self):
        self._busy = True
        try:
            yield
        finally:
            self._busy = False
        if self.received:
            raise Stopped(self.received)

    def _signalled(self, signum: int, _frame) -> None:
        if self.received is None:
            self.received = signal.Signals(signum).name
            if not self._busy:
                raise Stopped(self.received)

    def _restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)


def record(
    source: Source,
    feeds: dict[str, Feed],
    intervals: dict[str, float],
    seconds: float,
    out: IO[str],
    *,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    progress: Callable[..., None] | None = None,
) -> Summary:
    """Make each call the feeds read, as the poller would (at the shortest interval of its feeds),
    for ``seconds``, writing every request to ``out``.

    Each answer is also parsed by its feeds, so a broken answer shows up while recording (it is
    kept anyway). A bad or blocked key, Ctrl-C or a SIGTERM (``SignalSafeFile``) stops the
    recording early; what was recorded is kept. ``progress`` (a ``Progress``) is told how far it
    is at least once a second.
    """
    counted = Counted(out)
    recorder = Recorder(source, counted)
    summary = Summary(polls=dict.fromkeys(feeds, 0), failures=dict.fromkeys(feeds, 0))
    readers = calls(feeds)
    every = {call: min(intervals.get(n, feeds[n].interval) for n in names) for call, names in readers.items()}
    start = clock()
    due = {call: start + STAGGER * index for index, call in enumerate(readers)}
    try:
        while True:
            call = min(due, key=due.__getitem__)
            if due[call] - start > seconds:
                break
            while (wait := due[call] - clock()) > 0:
                sleep(min(wait, 1.0))  # a second at a time: the progress goes on while waiting
                if progress is not None:
                    progress(clock() - start, recorder.calls, counted.written)
            stopped = _call(recorder, feeds, readers[call], summary)
            if progress is not None:
                progress(clock() - start, recorder.calls, counted.written)
            if stopped:
                summary.stopped = stopped
                break
            # A call slower than its interval delays the next one rather than queueing several.
            due[call] = max(due[call] + every[call], clock())
    except KeyboardInterrupt as exc:
        summary.stopped, summary.interrupted = str(exc) or "interrupted", True
    summary.calls, summary.written = recorder.calls, counted.written
    summary.seconds = clock() - start
    if progress is not None:
        progress(summary.seconds, summary.calls, summary.written, final=True)
    return summary


def _call(recorder: Recorder, feeds: dict[str, Feed], names: tuple[str, ...], summary: Summary) -> str | None:
    """One call, parsed by each of its feeds; what stops the recording (a bad key), else None."""
    try:
        answer = feeds[names[0]].fetch(recorder)
    except FeedError as exc:
        failures = [(name, exc) for name in names]
    else:
        failures = []
        for name in names:
            try:
                data = feeds[name].parse(answer)
            except FeedError as exc:
                failures.append((name, exc))
            else:
                summary.polls[name] += 1
                log.debug("%s: %d rows", name, len(data))  # the progress line counts them
    for name, exc in failures:
        summary.failures[name] += 1
        if exc.code in KEY_ERRORS:
            return str(exc)
        log.warning("%s poll failed: %s (recorded as answered)", name, exc)
    return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="city-wall record",
        description="Record raw answers of the configured source (WALL_SOURCE) for replay.",
    )
    parser.add_argument("--minutes", type=float, required=True, help="how long to record")
    parser.add_argument(
        "--out",
        type=Path,
        required=True,
        help="recording to write (JSON Lines; .gz for gzip), e.g. recordings/afternoon.jsonl",
    )
    parser.add_argument(
        "--feeds",
        default=",".join(FEEDS),
        help=f"comma-separated feeds to record (default: {','.join(FEEDS)})",
    )
    args = parser.parse_args(argv)
    names = [name.strip() for name in args.feeds.split(",") if name.strip()]
    unknown = [name for name in names if name not in FEEDS]
    if unknown or not names:
        parser.error(f"unknown feed {', '.join(unknown)}; the feeds are {', '.join(FEEDS)}")
    if args.minutes <= 0:
        parser.error("--minutes must be more than 0")
    if args.out.exists():
        print(f"record: {args.out} exists; remove it or choose another name", file=sys.stderr)
        return 2
    try:
        config = settings_module.load()
    except SettingsError as exc:
        print(f"record: {exc}", file=sys.stderr)
        return 2
    logs.configure(config.log_level, config.log_format)
    logs.announce("record settings", config, log)

    from dashboard.core import make_source  # imports Dash: only once the settings are good

    try:
        source = make_source(config)
    except SettingsError as exc:
        print(f"record: {exc}", file=sys.stderr)
        return 2
    feeds = {name: FEEDS[name] for name in names}
    intervals = {name: config.interval(name) for name in names}
    try:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        recording = SignalSafeFile(args.out)
    except OSError as exc:
        reason = exc.strerror or exc
        print(f"record: --out {args.out}: cannot write the recording there ({reason})", file=sys.stderr)
        return 2
    print(
        f"recording {', '.join(names)} from {source.name} for {args.minutes:g} min to {args.out}", flush=True
    )
    seconds = args.minutes * 60
    with recording as out:
        summary = record(source, feeds, intervals, seconds, out, progress=Progress(seconds))
    polls = ", ".join(f"{name} {summary.polls[name]} ok / {summary.failures[name]} failed" for name in names)
    on_disk = size(args.out.stat().st_size) if args.out.exists() else "nothing"
    print(
        f"recorded {summary.calls} calls in {clock_time(summary.seconds)} to {args.out} "
        f"({size(summary.written)} written, {on_disk} on disk): {polls}",
        flush=True,
    )
    if summary.stopped:
        print(f"record: stopped early: {summary.stopped}", file=sys.stderr)
    return 1 if summary.stopped and not summary.interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
