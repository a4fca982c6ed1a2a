"""The upstream's envelopes around the demo's rows: result codes, list pages, XML, and ``body_at``."""

from __future__ import annotations

import json
from xml.sax.saxutils import escape

from feeds import air, incidents, traffic
from feeds.demo.air import air_rows
from feeds.demo.citydata import citydata
from feeds.demo.clock import HOUR, local_floor
from feeds.demo.incidents import accinfo_row, open_incidents
from feeds.demo.roads import PLACE_BY_KEY
from feeds.demo.scenarios import Scenario

MAX_ROWS = 1000

OK_MESSAGE = "정상 처리되었습니다"
NO_DATA = ("INFO-200", "해당하는 데이터가 없습니다.")
BAD_TYPE = ("ERROR-301", "파일타입 값이 누락 혹은 유효하지 않습니다. 요청인자 중 TYPE을 확인하십시오.")
NO_SERVICE = ("ERROR-310", "해당하는 서비스를 찾을 수 없습니다.")
NOT_A_NUMBER = ("ERROR-333", "요청위치 값의 타입이 유효하지 않습니다. 요청위치 값은 정수를 입력하세요.")
BAD_RANGE = ("ERROR-334", "요청종료위치 보다 요청시작위치가 더 큽니다.")
TOO_MANY = ("ERROR-336", "데이터요청은 한번에 최대 1000건을 넘을 수 없습니다.")
NO_PLACE = ("ERROR-300", "필수 값이 누락되어 있습니다. 요청인자를 참고 하십시오.")


def error_body(fmt: str, code_message: tuple[str, str]) -> str:
    """The bare RESULT block the upstream sends for errors and for no data."""
    code, message = code_message
    if fmt == "xml":
        return f"<RESULT><CODE>{code}</CODE><MESSAGE><![CDATA[{message}]]></MESSAGE></RESULT>"
    return json.dumps({"RESULT": {"CODE": code, "MESSAGE": message}}, ensure_ascii=False)


def list_body(fmt: str, service: str, rows: list[dict[str, str]], start: int, end: int) -> str:
    """A list service's success envelope holding rows[start-1:end], or INFO-200 when empty."""
    page = rows[start - 1 : end]
    if not page:
        return error_body(fmt, NO_DATA)
    if fmt == "json":
        return json.dumps(
            {
                service: {
                    "list_total_count": len(rows),
                    "RESULT": {"CODE": "INFO-000", "MESSAGE": OK_MESSAGE},
                    "row": page,
                }
            },
            ensure_ascii=False,
        )
    body = "".join("<row>" + "".join(xml_element(k, v) for k, v in row.items()) + "</row>" for row in page)
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><{service}><list_total_count>{len(rows)}'
        f"</list_total_count><RESULT><CODE>INFO-000</CODE><MESSAGE>{OK_MESSAGE}</MESSAGE></RESULT>"
        f"{body}</{service}>"
    )


def xml_element(tag: str, value: object) -> str:
    if isinstance(value, dict):
        return f"<{tag}>" + "".join(xml_element(k, v) for k, v in value.items()) + f"</{tag}>"
    if isinstance(value, list):
        return "".join(xml_element(tag, item) for item in value)
    text = "" if value is None else str(value)
    # A CR inside text is published as &#13; so that XML parsers keep it.
    return f"<{tag}>{escape(text, {chr(13): '&#13;'})}</{tag}>" if text else f"<{tag}/>"


def body_at(
    seed: int,
    t: float,
    fmt: str,
    service: str,
    start: int,
    end: int,
    *filters: str,
    scenario: Scenario | None = None,
    scenario_start: float = 0.0,
) -> str:
    """The body the upstream would send at simulated time ``t`` for this request.

    With a ``scenario`` played from ``scenario_start``, the body holds what the scenario adds at
    ``t``; outside its run (before its start, from its end on) the body is the ordinary one.
    """
    play = (scenario, scenario_start) if scenario is not None and scenario.plays(scenario_start, t) else None
    fmt = str(fmt).lower()
    if fmt not in ("json", "xml"):
        return error_body("json", BAD_TYPE)
    try:
        start, end = int(start), int(end)
    except (TypeError, ValueError):
        return error_body(fmt, NOT_A_NUMBER)
    if start < 1 or end < start:
        return error_body(fmt, BAD_RANGE)
    if end - start + 1 > MAX_ROWS:
        return error_body(fmt, TOO_MANY)
    if service == air.SERVICE:
        smoke = play[0].air_added(play[1], local_floor(t, HOUR)) if play else None
        return list_body(fmt, service, air_rows(seed, t, smoke), start, end)
    if service == incidents.SERVICE:
        open_now = open_incidents(seed, t)
        if play:
            open_now = sorted(open_now + play[0].open_incidents(play[1], t), key=lambda i: i.start)
        return list_body(fmt, service, [accinfo_row(i) for i in open_now], start, end)
    if service == traffic.SERVICE:
        if not filters or not str(filters[0]).strip():
            return error_body(fmt, NO_PLACE)
        place = PLACE_BY_KEY.get(str(filters[0]).strip())
        if place is None:
            return error_body(fmt, NO_DATA)
        document = {
            "list_total_count": 1,
            "RESULT": {"RESULT.CODE": "INFO-000", "RESULT.MESSAGE": OK_MESSAGE + "."},
            "CITYDATA": citydata(seed, t, place, play),
        }
        if fmt == "xml":
            return f'<?xml version="1.0" encoding="UTF-8"?>{xml_element("SeoulRtd.citydata", document)}'
        return json.dumps(document, ensure_ascii=False)
    return error_body(fmt, NO_SERVICE)
