"""GET /healthz: per feed status, version, source, times and last error; 503 unless all are ok.

Beside the feeds: the running wall (version, build, uptime of this process) and the poller
(whether it runs in this process, and when any feed was last polled, wherever the poller runs:
a poller that died shows as a last poll that stops moving).

While the frame store does not answer (Redis down), it is a JSON 503 saying so, never a page.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from flask import Flask, jsonify

from dashboard.store import OK, FrameMeta, FrameStore, StoreUnavailable
from feeds.values import SEOUL


def _iso(epoch: float | None) -> str | None:
    return datetime.fromtimestamp(epoch, SEOUL).isoformat(timespec="seconds") if epoch else None


def report(meta: FrameMeta, now: float) -> dict:
    age = meta.age(now)
    return {
        "status": meta.status,
        "version": meta.version,
        "source": meta.source,
        "rows": meta.rows,
        "measured_at": _iso(meta.measured_at),
        "fetched_at": _iso(meta.fetched_at),
        "last_attempt_at": _iso(meta.attempted_at),
        "age_seconds": round(age, 1) if age is not None else None,
        "since_fetch_seconds": round(now - meta.fetched_at, 1) if meta.fetched_at else None,
        "last_error": meta.error,
        "stale_reason": meta.stale_reason,
    }


def register(
    server: Flask,
    store: FrameStore,
    clock=time.time,
    *,
    version: str = "unknown",
    build: str = "",
    polling: Callable[[], bool] = lambda: False,
) -> None:
    """``polling``: whether this process's poller is running now."""
    started = clock()

    @server.get("/healthz")
    def healthz():
        now = clock()
        try:
            metas = store.metas()
        except StoreUnavailable as exc:
            metas, problem = {}, exc.reason
        else:
            problem = None
        feeds = {name: report(meta, now) for name, meta in metas.items()}
        healthy = problem is None and all(f["status"] == OK for f in feeds.values())
        last_poll = max((m.attempted_at or 0 for m in metas.values()), default=0) or None
        body = {
            "status": "ok" if healthy else "store unavailable" if problem else "degraded",
            "checked_at": _iso(now),
            "version": version,
            "build": build,
            "uptime_seconds": round(now - started, 1),
            "poller": {
                "in_this_process": polling(),
                "last_poll_at": _iso(last_poll),
                "since_last_poll_seconds": round(now - last_poll, 1) if last_poll else None,
            },
            "feeds": feeds,
            **({"reason": problem} if problem else {}),
        }
        response = jsonify(body)
        response.status_code = 200 if healthy else 503
        response.headers["Cache-Control"] = "no-store"
        return response
