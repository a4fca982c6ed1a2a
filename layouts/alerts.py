"""What an alert says (dashboard/alerts.py posts it): a title and one line per event, in the wall's words.

An event is the dict the alert's body carries: its ``kind`` (incident, air, feed), ``key``,
``state`` (open or cleared), ``source``, times as epoch seconds and the fields its feed's
``Alarms`` names. Upstream text in the line (an incident's description, a provider's message)
has ``&``, ``<`` and ``>`` escaped as Slack asks, so it never becomes a mention or a link there.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from feeds.air import UNITS
from feeds.reasons import minutes_en
from layouts.i18n import (
    POLLUTANT_NAMES,
    TEXT,
    district_name,
    duration_ko,
    grade_name,
    incident_name,
    reason_text,
    t,
)

# The icon an open alert starts with, by incident type; flooding has its own. A cleared one: ✅.
INCIDENT_ICONS = {"A08": "🔥", "A09": "⛈️"}
FLOODING = "09B16"  # 도로침수
ICONS = {"incident": "🚨", "air": "😷", "feed": "⚠️"}
CLEARED_ICON = "✅"
NAMES = ("type", "type_en", "detail", "detail_en")  # what an incident's name is read from
DESCRIPTION_LIMIT = 120  # characters of an incident's description in the line


def say(event: Mapping[str, Any], lang: str) -> tuple[str, str]:
    """(title, line) of an event in ``lang``: "화재 · 마포구" and "🔥 화재 · 마포구 발생 · …"."""
    opened = event["state"] == "open"
    heading = title(event, lang)
    state = t("opened" if opened else "cleared", lang)
    parts = [f"{icon(event) if opened else CLEARED_ICON} {heading} {state}"]
    parts += [part for part in _details(event, lang, opened) if part]
    credit = f"source_{event.get('source', '')}"
    if credit in TEXT and t(credit, lang):  # demo and replay data say so; live data needs no badge
        parts.append(t(credit, lang))
    return heading, escaped(" · ".join(parts))


def title(event: Mapping[str, Any], lang: str) -> str:
    """What the event is about, without its state: "화재 · 마포구", "마포구 대기 매우나쁨",
    "교통 데이터 오류"."""
    kind = event["kind"]
    if kind == "incident":
        row = SimpleNamespace(**{name: event.get(name) for name in NAMES})
        name = incident_name(row, lang, "detail") or incident_name(row, lang)
        place = district_name(event.get("district_code") or "", lang, event.get("district") or "")
        return " · ".join(part for part in (name, place) if part)
    if kind == "air":
        place = district_name(event.get("district_code") or "", lang, event.get("district") or "")
        return t("grade_alert", lang, district=place, grade=grade_name(event.get("cai_grade"), lang))
    feed = event["key"]
    named = t(f"feed_{feed}", lang) if f"feed_{feed}" in TEXT else feed
    status = t("status_stale" if event.get("status") == "stale" else "status_error", lang)
    return t("feed_failing", lang, feed=named, status=status)


def icon(event: Mapping[str, Any]) -> str:
    if event["kind"] == "incident":
        if event.get("detail_code") == FLOODING:
            return "🌊"
        return INCIDENT_ICONS.get(event.get("type_code") or "", ICONS["incident"])
    return ICONS.get(event["kind"], ICONS["feed"])


def duration(seconds: float, lang: str) -> str:
    return minutes_en(seconds) if lang == "en" else duration_ko(seconds)


def escaped(text: str) -> str:
    """Text as Slack's mrkdwn reads it literally: its three control characters escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _details(event: Mapping[str, Any], lang: str, opened: bool) -> list[str]:
    kind, started, cleared = event["kind"], event.get("started_at"), event.get("cleared_at")
    lasted = t("alert_after", lang, duration=duration(cleared - started, lang)) if cleared and started else ""
    if kind == "incident":
        if not opened:
            return [lasted]
        description = event.get("description") or ""
        if len(description) > DESCRIPTION_LIMIT:
            description = description[: DESCRIPTION_LIMIT - 1] + "…"
        return [description]
    if kind == "air":
        reading = event if opened else event.get("now") or {}
        found = [t("alert_now", lang, grade=grade_name(reading.get("cai_grade"), lang))] if not opened else []
        if reading.get("cai") is not None:
            found.append(f"CAI {reading['cai']:.0f}")
        if opened and event.get("pm25") is not None:
            found.append(f"{POLLUTANT_NAMES['pm25']} {event['pm25']:.0f} {UNITS['pm25']}")
        return [*found, lasted]
    if not opened:
        return [lasted]
    failing = event.get("failing_for")
    return [
        t("alert_for", lang, duration=duration(failing, lang)) if failing is not None else "",
        reason_text(event.get("reason"), lang),
    ]
