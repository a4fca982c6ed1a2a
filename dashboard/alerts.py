"""Alerts that reach people: what must not wait for someone to look at the wall, POSTed to a webhook.

Three things are alerted, each once when it begins and once when it ends: a severe incident (a
fire, a disaster, road flooding), a district's air at 매우나쁨, both said by their feed's spec
(``Feed.alarms``, feeds/base.py ``Alarms``: nothing here names a feed), and a feed that stays in
error or stale for WALL_ALERT_AFTER. Each message is one JSON body that Slack's and Teams'
incoming webhooks take: a readable line in ``text`` (in WALL_ALERT_LANG, worded by the ``words``
it is given: layouts/alerts.py) and the structured ``event``.

What was said is kept in history (``alert_events``, ``alert_messages``): an event is opened once
(the file refuses a second open one of the same kind and key), each of its two messages is queued
once, and a restarted poller reads the open events and the messages still waiting, so it neither
repeats itself nor forgets what it had to say. Without a history file (HISTORY_PATH=off) the same
tables live in memory, for this process only.

The watch runs in the polling process only: after every poll and every CHECK_EVERY seconds (a feed
goes stale without a poll). It reads the frame store, judges frames confirmed by a poll of this
process (a frame restored from history is not news), writes history and wakes the sender; it never
waits on the receiver. The sender is a thread of its own: messages in order, each POST with a
short timeout; a receiver that fails (no connection, a timeout, a 5xx or 429) is asked again after
FIRST_RETRY, doubling to LAST_RETRY; one that refuses a message (another 4xx, a redirect) has it
dropped, logged once. A failing receiver is logged once, and its recovery once. The outbox is
bounded: past OUTBOX_LIMIT waiting, the oldest are given up.
"""

from __future__ import annotations

import json
import logging
import math
import threading
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import pandas as pd
import requests

from dashboard.history import MEMORY, History
from dashboard.store import OK, FrameStore, StoreUnavailable
from feeds.base import Alarms
from feeds.districts import BY_CODE
from feeds.registry import Feed
from feeds.values import SEOUL

log = logging.getLogger(__name__)

OPEN, CLEARED = "open", "cleared"
FEED = "feed"  # the kind of a feed's own alarm: in error or stale for longer than WALL_ALERT_AFTER
CHECK_EVERY = 30  # seconds between watches besides those after each poll
FIRST_RETRY, LAST_RETRY = 1.0, 300.0  # seconds before asking a failing receiver again: doubling
TIMEOUT = (3.0, 5.0)  # seconds to connect, and to answer, for one POST
OUTBOX_LIMIT = 500  # messages waiting, at most
IDLE = 60.0  # seconds the sender sleeps with nothing to send before it looks again

# (event, language) -> (title, the line): how the alerts are worded (layouts/alerts.say).
Words = Callable[[Mapping[str, Any], str], tuple[str, str]]


# --- what alarms: pure -----------------------------------------------------------------------------


def alarming(spec: Alarms, frame: pd.DataFrame) -> tuple[dict[str, dict], dict[str, dict] | None]:
    """The rows of a frame alarming now, by key, with their fields (and ``started_at``, epoch
    seconds or None); and the rows judged, by key (None: every key, the frame is the whole set)."""
    if frame.empty:
        return {}, None if spec.known is None else {}

    def fields(rows: pd.DataFrame) -> dict[str, dict]:
        found = {}
        for row in rows.to_dict("records"):
            values = {name: plain(row.get(name)) for name in spec.fields}
            values["started_at"] = epoch(row.get(spec.started)) if spec.started else None
            found[str(row[spec.key])] = values
        return found

    on = fields(frame[spec.on(frame).fillna(False).astype(bool)])
    judged = None if spec.known is None else fields(frame[spec.known(frame).fillna(False).astype(bool)])
    return on, judged


def ended(open_keys: set[str], on: Mapping[str, dict], judged: Mapping[str, dict] | None) -> dict[str, dict]:
    """The open alarms a frame ends, by key, with what the frame says of each now ({} when gone)."""
    if judged is None:
        return {key: {} for key in open_keys - set(on)}
    return {key: judged[key] for key in open_keys & set(judged) if key not in on}


def body(event: Mapping[str, Any], lang: str, words: Words) -> dict[str, Any]:
    """The JSON an event's message POSTs: ``text``, and ``event`` with its times in ISO 8601."""
    title, text = words(event, lang)
    shown = {name: _shown(name, value) for name, value in event.items()}
    code = event.get("district_code") or ""
    district = BY_CODE.get(code)
    shown["district"] = (
        (district.name_en if lang == "en" else district.name) if district else event.get("district") or None
    )
    order = ("kind", "key", "state", "title", "district", "district_code", "started_at", "cleared_at")
    rest = {name: value for name, value in shown.items() if name not in order}
    return {
        "text": text,
        "event": {
            **{name: shown.get(name) for name in order if name != "title"},
            "title": title,
            **rest,
            "lang": lang,
        },
    }


def plain(value: Any) -> Any:
    """A frame value as JSON says it: a time in ISO 8601, missing as None, numpy as Python."""
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, datetime):
        return pd.Timestamp(value).isoformat()
    if hasattr(value, "item"):  # a numpy scalar
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def epoch(value: Any) -> float | None:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, str):
        return pd.Timestamp(value).timestamp()
    return None if isinstance(value, float) and math.isnan(value) else float(value)


def _shown(name: str, value: Any) -> Any:
    if name.endswith("_at") and isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, SEOUL).isoformat()
    if isinstance(value, dict):
        return {key: _shown(key, inner) for key, inner in value.items()}
    return value


# --- the watch and the sender ----------------------------------------------------------------------


class Alerts:
    """Judges the frames after each poll, keeps what it must say in history, and says it."""

    def __init__(
        self,
        url: str,
        store: FrameStore,
        feeds: Mapping[str, Feed],
        history: History | None,
        *,
        words: Words,
        source: str = "",
        lang: str = "ko",
        after: float = 600.0,
        clock: Callable[[], float] = time.time,
        retry: tuple[float, float] = (FIRST_RETRY, LAST_RETRY),
        timeout: tuple[float, float] = TIMEOUT,
        outbox_limit: int = OUTBOX_LIMIT,
    ):
        self.url = url
        self.store = store
        self.feeds = feeds
        # Without a history file, the same tables in memory: this process remembers, no other.
        self.ledger = history if history is not None else History(MEMORY, feeds=dict(feeds))
        self.words = words
        self.source = source
        self.lang = lang
        self.after = after  # seconds
        self.clock = clock
        self.retry = retry
        self.timeout = timeout
        self.outbox_limit = outbox_limit
        # (kind, key) -> (event id, what its open message said): the alarms open now.
        self._open: dict[tuple[str, str], tuple[int, dict]] = {
            (kind, key): (event_id, json.loads(fields))
            for event_id, kind, key, _, fields in self.ledger.open_alerts()
        }
        self._judged: dict[str, int] = {}  # feed -> the frame version last judged
        self._since: dict[str, float] = {}  # feed -> when this process first saw it not live
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._watch_failed = False
        self._down: str | None = None  # why the receiver fails, while it does
        self._overflowing = False

    # --- the watch ---------------------------------------------------------------------------------

    def watch(self) -> None:
        """Judge the store's frames now; queue a message for each alarm that began or ended."""
        self.start()
        try:
            with self._lock:
                queued = self._watch()
        except Exception:
            if not self._watch_failed:
                self._watch_failed = True
                log.exception("alerts could not be judged (the wall goes on; tried again at each poll)")
            return
        if self._watch_failed:
            self._watch_failed = False
            log.info("alerts are judged again")
        if queued:
            self._wake.set()

    def _watch(self) -> int:
        try:
            metas = self.store.metas()
        except StoreUnavailable:
            return 0  # the poller says so once; nothing is judged from frames it cannot read
        queued = 0
        for name, feed in self.feeds.items():
            spec, meta = feed.alarms, metas.get(name)
            if spec is None or meta is None or not meta.version or meta.restored:
                continue  # no frame yet, or one from before a restart that no poll confirmed
            if self._judged.get(name) == meta.version:
                continue
            try:
                data = self.store.data(name, meta.version)
            except StoreUnavailable:
                return queued
            if data is None:
                continue
            self._judged[name] = meta.version
            queued += self._judge(spec, data, meta.source_now)
        return queued + self._judge_feeds(metas)

    def _judge(self, spec: Alarms, data: pd.DataFrame, at: float | None) -> int:
        on, judged = alarming(spec, data)
        queued = 0
        for key, fields in on.items():
            if (spec.kind, key) not in self._open:
                started = fields.pop("started_at") or at
                queued += self._begin(spec.kind, key, {"started_at": started, **fields})
        open_keys = {key for kind, key in self._open if kind == spec.kind}
        for key, now in ended(open_keys, on, judged).items():
            # Ended when the reading that says so was measured (air), or at the poll that saw it gone.
            measured = now.pop("started_at", None) if now else None
            queued += self._end(spec.kind, key, measured or at, now)
        return queued

    def _judge_feeds(self, metas) -> int:
        now, queued = self.clock(), 0
        for name, meta in metas.items():
            if meta.status == OK:
                self._since.pop(name, None)
                if (FEED, name) in self._open:
                    queued += self._end(FEED, name, now, {"status": OK})
                continue
            since = self._since.setdefault(name, now)
            if (FEED, name) not in self._open and now - since >= self.after:
                reason = meta.error or meta.stale_reason or ""
                fields = {
                    "started_at": since,
                    "status": meta.status,
                    "reason": reason,
                    "failing_for": now - since,
                }
                queued += self._begin(FEED, name, fields)
        return queued

    def _begin(self, kind: str, key: str, fields: dict) -> int:
        event = {"kind": kind, "key": key, "state": OPEN, "source": self.source, "cleared_at": None, **fields}
        message = body(event, self.lang, self.words)
        # Kept as JSON: a Reason is its English sentence there (the text above was worded from it).
        kept = json.dumps(fields, ensure_ascii=False, default=str)
        event_id = self.ledger.open_alert(kind, key, self.clock(), kept, _json(message))
        if event_id is None:  # open already (another process's history?): said before
            return 0
        self._open[(kind, key)] = (event_id, json.loads(kept))
        log.info("alert: %s", message["text"])
        self._bounded()
        return 1

    def _end(self, kind: str, key: str, at: float | None, now: dict) -> int:
        event_id, fields = self._open.pop((kind, key))
        event = {"kind": kind, "key": key, "state": CLEARED, "source": self.source, **fields}
        event["cleared_at"] = at if at is not None else self.clock()
        event.pop("failing_for", None)
        if now:
            event["now"] = now
        message = body(event, self.lang, self.words)
        if not self.ledger.clear_alert(event_id, self.clock(), _json(message)):
            return 0
        log.info("alert: %s", message["text"])
        self._bounded()
        return 1

    def _bounded(self) -> None:
        given_up = self.ledger.alert_overflow(self.outbox_limit, "the outbox was full")
        if given_up and not self._overflowing:
            log.warning(
                "alerts: more than %d messages wait for the receiver; the oldest are given up",
                self.outbox_limit,
            )
        self._overflowing = bool(given_up)

    # --- the sender --------------------------------------------------------------------------------

    def start(self) -> None:
        """Start the sender once (the first watch does): it sends what waits, then what comes."""
        with self._lock:
            if self._thread is not None:
                return
            self._thread = threading.Thread(target=self._send_all, name="alerts", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the sender; what has not been sent stays in the outbox for the next start."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None:
            thread.join(timeout)

    def pending(self) -> int:
        """Messages waiting for the receiver."""
        return len(self.ledger.alert_outbox(self.outbox_limit + 1))

    def _send_all(self) -> None:
        delay = self.retry[0]
        session = requests.Session()
        broken = False  # the outbox could not be read or written: logged once, tried again
        while not self._stop.is_set():
            self._wake.clear()
            try:
                delay = self._send_one(session, delay)
            except Exception:
                if not broken:
                    log.exception("alerts: the outbox could not be read or written (tried again)")
                broken = True
                self._stop.wait(self.retry[1])
                continue
            if broken:
                log.info("alerts: the outbox is read and written again")
            broken = False
        session.close()

    def _send_one(self, session: requests.Session, delay: float) -> float:
        """Send the oldest message waiting (or wait for one); the backoff for the next failure."""
        waiting = self.ledger.alert_outbox(1)
        if not waiting:
            self._wake.wait(IDLE)
            return delay
        event_id, state, text = waiting[0]
        outcome, why, wait = self._post(session, text)
        if outcome == "sent":
            self.ledger.alert_sent(event_id, state, self.clock())
            if self._down is not None:
                log.info("alerts: the receiver takes them again (%d waiting)", self.pending())
                self._down = None
            return self.retry[0]
        if outcome == "refused":
            self.ledger.alert_dropped(event_id, state, why)
            line = json.loads(text).get("text", "")
            log.error("alerts: the receiver refused a message (%s); it is dropped: %s", why, line)
            return delay
        if self._down is None:
            log.warning(
                "alerts: the receiver failed (%s); asking again from %g s, doubling to %g s",
                why,
                self.retry[0],
                self.retry[1],
            )
        self._down = why
        self._stop.wait(min(self.retry[1], max(delay, wait)))
        return min(self.retry[1], delay * 2)

    def _post(self, session: requests.Session, text: str) -> tuple[str, str, float]:
        """(sent, refused or failed; why, in a few words that never hold the URL; seconds asked to wait)."""
        try:
            answer = session.post(
                self.url,
                data=text.encode(),
                headers={"Content-Type": "application/json; charset=utf-8"},
                timeout=self.timeout,
                allow_redirects=False,  # a webhook that moved is a setting to fix, not a GET to make
            )
        except requests.RequestException as exc:
            return "failed", type(exc).__name__, 0.0
        status = answer.status_code
        answer.close()
        if 200 <= status < 300:
            return "sent", "", 0.0
        why = f"HTTP {status}"
        if status == 429 or status >= 500:
            return "failed", why, _retry_after(answer.headers.get("Retry-After"))
        return "refused", why, 0.0


def _retry_after(value: str | None) -> float:
    try:
        return max(0.0, float(value)) if value else 0.0
    except ValueError:
        return 0.0  # an HTTP date: the backoff decides


def _json(message: dict) -> str:
    return json.dumps(message, ensure_ascii=False, default=str)
