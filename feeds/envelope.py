"""The Seoul Open Data envelope: result codes, JSON or XML, with or without the service wrapper.

Every service on openapi.seoul.go.kr answers HTTP 200 and puts its verdict in ``RESULT``:
``{"<SERVICE>": {"list_total_count": N, "RESULT": {...}, "row": [...]}}`` on success, usually a
bare ``{"RESULT": {...}}`` on error, XML for a bad key even when JSON was asked for, and
``"RESULT.CODE"`` keys from citydata. This module turns all of that into rows or one FeedError.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from defusedxml import ElementTree

from feeds.base import FeedError
from feeds.reasons import Reason

log = logging.getLogger(__name__)

OK = "INFO-000"
NO_DATA = "INFO-200"

# What each upstream code means for the wall. Transient codes are worth retrying.
RESULT_CODES: dict[str, tuple[str, bool]] = {
    "INFO-100": ("the API key is not valid", False),
    "INFO-300": ("the API key is blocked by the provider", False),
    "ERROR-300": ("a required value is missing from the request", False),
    "ERROR-301": ("the request asked for an unknown data type", False),
    "ERROR-310": ("the service name is unknown to the provider", False),
    "ERROR-331": ("the request's start index is invalid", False),
    "ERROR-332": ("the request's end index is invalid", False),
    "ERROR-333": ("the request's index is not a number", False),
    "ERROR-334": ("the request's start index is after its end index", False),
    "ERROR-335": ("the sample key serves at most 5 rows", False),
    "ERROR-336": ("a request may ask for at most 1000 rows", False),
    "ERROR-500": ("the provider's server failed", True),
    "ERROR-600": ("the provider's database failed", True),
    "ERROR-601": ("the provider's query failed", True),
}


def read_rows(body: str | bytes, service: str) -> list[dict[str, Any]]:
    """Return the ``row`` list of a list service (RealtimeCityAir, AccInfo ...); [] for INFO-200."""
    document = _load(body, service)
    wrapper = document.get(service)
    if wrapper is None:
        if _check(document.get("RESULT"), service) == NO_DATA:  # errors and INFO-200 come bare
            return []
        raise FeedError(Reason("envelope.no_data", service=service))
    if not isinstance(wrapper, dict):
        raise FeedError(Reason("envelope.malformed", service=service))
    if _check(wrapper.get("RESULT"), service) == NO_DATA:
        return []
    rows = wrapper.get("row")
    if rows is None:  # "no data" is INFO-200; success without rows is a broken answer
        raise FeedError(Reason("envelope.no_rows", service=service))
    if isinstance(rows, dict):  # JSON converted from XML with a single row
        rows = [rows]
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise FeedError(Reason("envelope.bad_rows", service=service))
    return rows


def read_object(body: str | bytes, service: str, key: str) -> dict[str, Any] | None:
    """Return the single object under ``key`` (citydata's ``CITYDATA``); None for INFO-200."""
    document = _load(body, service)
    if _check(document.get("RESULT"), service) == NO_DATA:
        return None
    found = document.get(key)
    if not isinstance(found, dict):
        raise FeedError(Reason("envelope.no_field", service=service, field=key))
    return found


def _load(body: str | bytes, service: str) -> dict[str, Any]:
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    text = body.lstrip("\ufeff \t\r\n")
    if not text:
        raise FeedError(Reason("body.empty", service=service))
    if text[:100].lower().startswith(("<!doctype html", "<html")):
        raise FeedError(Reason("body.html", service=service))
    if text.startswith("<"):
        return _load_xml(text, service)
    try:
        document = json.loads(text)
    except ValueError as exc:
        if not text.startswith(("{", "[")):
            # Neither format's first character: garbage, whichever of the two was asked for.
            raise FeedError(Reason("body.unknown", service=service)) from None
        raise FeedError(Reason("body.malformed", service=service, format="JSON", detail=exc.msg)) from None
    if not isinstance(document, dict):
        raise FeedError(Reason("body.not_object", service=service))
    return document


def _load_xml(text: str, service: str) -> dict[str, Any]:
    """XML to the same shape as the JSON envelope: rows become dicts of text."""
    try:
        root = ElementTree.fromstring(text)
    except Exception as exc:  # defusedxml raises several types, all meaning "not usable XML"
        raise FeedError(Reason("body.malformed", service=service, format="XML", detail=str(exc))) from None
    if root.tag == "RESULT":
        return {"RESULT": _xml_dict(root)}
    wrapper: dict[str, Any] = {}
    for child in root:
        if child.tag == "row":
            wrapper.setdefault("row", []).append(_xml_dict(child))
        elif child.tag == "RESULT":
            wrapper["RESULT"] = _xml_dict(child)
        else:
            wrapper[child.tag] = (child.text or "").strip()
    return {root.tag: wrapper}


def _xml_dict(element) -> dict[str, str]:
    return {child.tag: (child.text or "").strip() for child in element}


def _check(result: Any, service: str) -> str:
    """Raise FeedError unless the RESULT block says success or no data; return the code."""
    if not isinstance(result, dict):
        raise FeedError(Reason("result.missing", service=service))
    code = result.get("CODE", result.get("RESULT.CODE"))
    message = result.get("MESSAGE", result.get("RESULT.MESSAGE", ""))
    if code in (OK, NO_DATA):
        return code
    if not code:
        raise FeedError(Reason("result.missing", service=service))
    raise result_error(str(code), message)


def result_error(code: str, message: str = "") -> FeedError:
    """The error an upstream result code means: its reason names the code, and what it means
    (or, for a code the wall does not know, the provider's own words)."""
    if code in RESULT_CODES:
        meaning, transient = RESULT_CODES[code]
        return FeedError(Reason("result.known", result=code, meaning=meaning), code=code, transient=transient)
    if message:  # the provider's own words: upstream data, shown as they came
        return FeedError(Reason("result.said", result=code, message=message), code=code)
    return FeedError(Reason("result.unknown", result=code), code=code)


def records(
    rows: list[dict[str, Any]], make: Callable[[dict[str, Any]], dict | None], service: str
) -> list[dict]:
    """Turn rows into records; a row that makes no sense is skipped with a warning, not the feed.

    ``make`` returns None to skip a row quietly and raises FeedError for a broken one. Only when
    every row is broken does the whole payload count as failed.
    """
    made: list[dict] = []
    broken: list[FeedError] = []
    for row in rows:
        try:
            record = make(row)
        except FeedError as exc:
            broken.append(exc)
            continue
        if record is not None:
            made.append(record)
    if broken:
        if not made:
            raise broken[0]
        log.warning("%s: skipped %d unusable row(s), first: %s", service, len(broken), broken[0])
    return made
