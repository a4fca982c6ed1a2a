"""Why a feed failed or is stale: a code of this catalogue with its parameters.

A ``Reason`` is the English sentence a log line, ``/healthz`` and an English wall show, and it
carries its code and parameters, so the wall words it in Korean from the same code
(layouts/i18n.py ``REASON_WORDS``, one entry per code here; tests/test_reason_words.py holds the
two tables to each other). Nothing is translated back from English text.

Parameters are what the sentence names: a service, an address (already without the key), a
count of seconds; ``Seconds`` is a duration each language writes its own way ("2 h 5 min",
"2시간 5분"); a parameter that is itself a ``Reason`` is worded in the same language.
"""

from __future__ import annotations

from typing import Any


class Seconds(float):
    """A duration, written per language: English "15 min" or "2 h 5 min"."""


def minutes_en(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 120:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


# code -> the English sentence, formatted with the reason's parameters.
ENGLISH: dict[str, str] = {
    # the live source (feeds/seoul.py)
    "seoul.not_asked": "the Seoul API was not asked",
    "seoul.held": "{reason}; next try in {seconds} s",
    "seoul.connect_timeout": "could not connect to the Seoul API within {seconds} s ({url})",
    "seoul.read_timeout": "the Seoul API did not answer within {seconds} s ({url})",
    "seoul.dropped": "the Seoul API closed the connection without answering ({url})",
    "seoul.unreachable": "could not connect to the Seoul API ({url})",
    "seoul.request_failed": "the request to the Seoul API failed: {error} ({url})",
    "seoul.http_status": "HTTP {status} from the Seoul API ({url})",
    # a body that is not data, and the envelope's result codes (feeds/envelope.py)
    "body.empty": "{service} answered with an empty body",
    "body.html": "{service} answered with an HTML page (a proxy or server error), not data",
    "body.unknown": "{service} answered with a body that is neither JSON nor XML",
    "body.malformed": "{service} answered with malformed {format} ({detail})",
    "body.not_object": "{service} answered with JSON that is not an object",
    "result.missing": "{service} answered without a result code",
    "result.known": "{result}: {meaning}",
    "result.said": "{result}: the provider answered {message}",
    "result.unknown": "{result}: the provider answered a code unknown to the wall",
    "envelope.no_data": "{service} answered without its data",
    "envelope.malformed": "{service} answered with a malformed envelope",
    "envelope.no_rows": "{service} answered without rows",
    "envelope.bad_rows": "{service} answered with malformed rows",
    "envelope.no_field": "{service} answered without {field}",
    "envelope.bad_field": "{service} answered with a malformed {field}",
    # the parsers' rows (feeds/air.py, feeds/incidents.py)
    "air.no_district": "{service} answered with rows for no known district",
    "air.no_time": "{service} row for {district} has no readable measurement time",
    "incident.no_id": "{service} row without acc_id",
    "incident.no_time": "{service} incident {incident} has no readable occurrence time",
    # a recording (feeds/replay.py)
    "replay.no_answer": "the recording {file} holds no answer to {asked}",
    # the poller (dashboard/poller.py)
    "poll.crashed": "unexpected error: {error}",
    "poll.no_news": "the provider published no data (INFO-200); showing the last frame",
    "poll.no_data_yet": "the provider published no data (INFO-200)",
    # the frame store and its judgement (dashboard/store.py, dashboard/readmodel.py)
    "store.down": "the frame store is unavailable",
    "store.failed": "the frame store is unavailable ({detail})",
    "stale.silent": "no update for more than {limit}",
    "stale.old": "data is more than {limit} old",
    "stale.restored": "restored from history, first poll pending",
}


class Reason(str):
    """A reason: equal to (and shown as) its English sentence, worded elsewhere from its code."""

    code: str
    params: dict[str, Any]

    def __new__(cls, code: str, **params: Any) -> Reason:
        template = ENGLISH[code]  # a code not in the catalogue is a bug here, not a message
        text = template.format(**{name: english(value) for name, value in params.items()})
        reason = super().__new__(cls, text)
        reason.code = code
        reason.params = params
        return reason

    def __reduce__(self):  # pickled into the frame store (Redis) and read by other processes
        return (_restore, (self.code, tuple(self.params.items())))

    def __repr__(self) -> str:
        return f"Reason({self.code!r}, {self.params!r})"


def _restore(code: str, params: tuple[tuple[str, Any], ...]) -> Reason:
    return Reason(code, **dict(params))


def english(value: Any) -> str:
    """A parameter as the English sentence writes it."""
    if isinstance(value, Seconds):
        return minutes_en(value)
    return str(value)
