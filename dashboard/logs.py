"""The wall's log lines, configured once when the wall is built, alike in every process.

``make run`` (gunicorn's master and its workers), a bare ``gunicorn app:server``, ``python
app.py``, the poller and ``record`` all call ``configure``: LOG_LEVEL says how much, LOG_FORMAT
how it reads: ``text`` (a line a person reads in a terminal or journalctl) or ``json`` (one JSON
object per line, for a log shipper). The wall's own handler is put on the root logger once and
replaced on a second call; handlers others added (a test's log capture) are left in place.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

FORMATS = ("text", "json")
TEXT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Libraries that speak at INFO about their own routine (a job ran, a request came in).
QUIET = ("apscheduler", "werkzeug")

# What every LogRecord carries; anything else on a record came from ``extra=`` and is kept in JSON.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, pid, and the
    traceback as one string when there is one; fields given with ``extra=`` are kept as they are."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in line:
                line[key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def formatter(log_format: str) -> logging.Formatter:
    if log_format not in FORMATS:
        raise ValueError(f"unknown log format {log_format!r}")
    return JsonFormatter() if log_format == "json" else logging.Formatter(TEXT)


class _WallHandler(logging.StreamHandler):
    """The handler ``configure`` owns (so a second call replaces it instead of adding another).

    It writes to whatever ``sys.stderr`` is when a line is written, not when it was made: a
    process that swaps stderr (a test capturing output) never leaves it writing to a closed file.
    """

    @property
    def stream(self):
        return sys.stderr

    @stream.setter
    def stream(self, _value) -> None:
        pass


def configure(level: str = "INFO", log_format: str = "text") -> None:
    """Log at ``level`` to stderr in ``log_format``, from the root logger down."""
    root = logging.getLogger()
    for handler in [h for h in root.handlers if isinstance(h, _WallHandler)]:
        root.removeHandler(handler)
    handler = _WallHandler()
    handler.setFormatter(formatter(log_format))
    root.addHandler(handler)
    root.setLevel(level)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)


def adopt(logger: logging.Logger, log_format: str) -> None:
    """Make another library's own handlers (gunicorn's error log) write the wall's format."""
    for handler in logger.handlers:
        handler.setFormatter(formatter(log_format))


def announce(what: str, config, logger: logging.Logger) -> None:
    """The settings (a ``Settings``) a process starts with: a list for a person to read (text),
    or one log record holding them (json), so a log shipper reading its output sees only JSON."""
    if config.log_format == "json":
        logger.info(what, extra={"settings": config.shown()})
    else:
        print(f"{what}:\n{config.describe()}", flush=True)


def say(line: str, log_format: str, logger: logging.Logger) -> None:
    """A line for whoever started the process (where the wall serves): printed, or logged in json."""
    if log_format == "json":
        logger.info(line)
    else:
        print(line, flush=True)
