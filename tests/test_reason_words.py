"""Every reason the wall can give for a feed that is not live is a code, worded in each language.

By construction: no module words a reason as text (each is a ``feeds.reasons.Reason``, a code
with parameters), every code has its Korean wording beside its English, and each, filled in with
realistic values, reads in Korean on the Korean wall (URLs, codes and names may stay, never an
English sentence). The real parsers are fed the bodies that produce their reasons, too.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from feeds import air, incidents, traffic
from feeds.base import FeedError
from feeds.envelope import RESULT_CODES, result_error
from feeds.reasons import ENGLISH, Reason, Seconds
from layouts.i18n import REASON_WORDS, reason_text

ROOT = Path(__file__).parent.parent
# Where reasons are given: the feeds, the live source, the store's stale reasons, the poller.
# (Not scenario_files.py: a scenario file's problems are said at start, never as a feed's reason.)
NOT_GIVING = ("scenario_files.py", "reasons.py")
MODULES = [
    *sorted(path for path in (ROOT / "feeds").rglob("*.py") if path.name not in NOT_GIVING),
    *(ROOT / "dashboard" / name for name in ("store.py", "poller.py", "readmodel.py", "core.py")),
]
RAISERS = {"FeedError", "StoreUnavailable"}  # their first argument is a reason
REASON_NAMES = {"reason", "stale_reason", "error", "note"}  # a value given to these is a reason

# A realistic value for each parameter a reason names.
SAMPLES = {
    "url": "http://127.0.0.1:8080/***/json/RealtimeCityAir/1/25",
    "seconds": "28",
    "error": "SSLError",
    "status": 503,
    "service": "AccInfo",
    "format": "JSON",
    "detail": "Expecting value: line 1 column 1 (char 0)",
    "field": "CITYDATA",
    "result": "ERROR-999",
    "meaning": "the provider's server failed",
    "message": "알 수 없는 오류가 발생했습니다",
    "district": "종로구",
    "incident": "299180000",
    "file": "afternoon.jsonl",
    "asked": "xml/AccInfo/1/1000",
    "limit": Seconds(8100),
    "reason": Reason("seoul.unreachable", url="http://127.0.0.1:8080/***/json/AccInfo/1/1000"),
}


def _filled(code: str) -> Reason:
    names = re.findall(r"{(\w+)}", ENGLISH[code])
    return Reason(code, **{name: SAMPLES[name] for name in names})


def _worded_as_text(node: ast.AST) -> bool:
    """A reason given as a string literal or an f-string, instead of a code."""
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def given_as_text() -> list[str]:
    """Every place these modules give a reason as text: (file:line)."""
    found = []
    for path in MODULES:
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            given: list[ast.AST] = []
            if isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                if name in RAISERS and node.args:
                    given.append(node.args[0])
                given += [kw.value for kw in node.keywords if kw.arg in REASON_NAMES]
            elif isinstance(node, ast.Assign):
                targets = [t for target in node.targets for t in getattr(target, "elts", [target])]
                if any(isinstance(t, ast.Name) and t.id.lower() in REASON_NAMES for t in targets):
                    given.append(node.value)
            found += [f"{path.relative_to(ROOT)}:{g.lineno}" for g in given if _worded_as_text(g)]
    return found


def parsed_reasons() -> dict[str, str]:
    """Reasons from the real parsers, for bodies the upstream and the proxies before it do send."""
    bodies = {
        "empty": "",
        "html": "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>",
        "garbage": "Service Temporarily Unavailable",
        "truncated json": '{"RealtimeCityAir": {"list_total_count": 25, "RESULT": {"CODE": "INFO-0',
        "truncated xml": "<AccInfo><list_total_count>3</list_total_count><row><acc_id>1</acc",
        "unknown code": '{"RESULT": {"CODE": "ERROR-999", "MESSAGE": "알 수 없는 오류가 발생했습니다"}}',
        "no result": '{"RealtimeCityAir": {"row": []}}',
        "list": "[1, 2, 3]",
    }
    found = {}
    for parse in (air.parse, incidents.parse, lambda body: traffic.parse([body])):
        for name, body in bodies.items():
            try:
                parse(body)
            except FeedError as exc:
                found[f"{parse.__name__} of a {name} body"] = exc.reason
    return found


# Names a Korean reason keeps as they are: services, fields and formats.
NAMES = (
    *("AccInfo", "RealtimeCityAir", "citydata"),
    *("CITYDATA", "ROAD_TRAFFIC_STTS", "acc_id"),
    *("JSON", "XML", "HTTP"),
)


def english_left(korean: str) -> list[str]:
    """Runs of English words left once URLs, codes, service and type names are set aside."""
    kept = re.sub(r"https?://\S+|\b[A-Z]+-\d+\b|\b\w+\.\w+\b|\b[A-Z][a-z]+(?:[A-Z][a-z]*)+\b", " ", korean)
    kept = re.sub(rf"\b(?:{'|'.join(NAMES)})\b", " ", kept)
    return re.findall(r"[A-Za-z']{2,}(?:[\s,;:]+[A-Za-z']{2,})+", kept)


def test_no_module_words_a_reason_as_text():
    assert given_as_text() == []


def test_the_walk_sees_a_reason_given_as_text():
    tree = ast.parse('raise FeedError(f"{service} answered nothing")')
    assert _worded_as_text(next(n for n in ast.walk(tree) if isinstance(n, ast.Call)).args[0])


def test_every_code_has_its_korean_and_no_korean_is_left_without_a_code():
    assert set(REASON_WORDS) == set(ENGLISH)


REASONS = {
    # A known result code is worded from its own table: each is filled in just below.
    **{code: _filled(code) for code in ENGLISH if code != "result.known"},
    **{f"result {code}": result_error(code).reason for code in RESULT_CODES},
    "result ERROR-999 said": result_error("ERROR-999", SAMPLES["message"]).reason,
    "result ERROR-999": result_error("ERROR-999").reason,
    **parsed_reasons(),
}


@pytest.mark.parametrize("name", sorted(REASONS))
def test_every_reason_reads_in_korean(name):
    reason = REASONS[name]
    assert isinstance(reason, Reason), f"{name}: {reason!r} is text, not a code"
    held = Reason("seoul.held", reason=reason, seconds="28")  # the live source's hold-off wraps any
    for shown in (reason, held):
        korean = reason_text(shown, "ko")
        assert re.search(r"[가-힣]", korean), f"{shown!r} stays English: {korean!r}"
        assert english_left(korean) == [], f"{shown!r} reads {korean!r}"
        assert "{" not in korean
        assert reason_text(shown, "en") == str(shown)


def test_a_known_result_code_reads_its_own_korean_and_an_unknown_one_the_providers_words():
    assert reason_text(result_error("INFO-100").reason, "ko") == "INFO-100: 인증키가 유효하지 않습니다"
    said = result_error("ERROR-999", "알 수 없는 오류").reason
    assert str(said) == "ERROR-999: the provider answered 알 수 없는 오류"
    assert reason_text(said, "ko") == "ERROR-999: 제공기관 응답 “알 수 없는 오류”"


def test_a_duration_is_written_per_language():
    reason = Reason("stale.old", limit=Seconds(8100))
    assert str(reason) == "data is more than 2 h 15 min old"
    assert reason_text(reason, "ko") == "자료가 2시간 15분 넘게 지남"
    assert reason_text(Reason("stale.silent", limit=Seconds(900)), "ko") == "15분 넘게 갱신 없음"


def test_a_reason_survives_the_store_between_processes():
    import pickle

    reason = Reason("seoul.held", reason=Reason("stale.old", limit=Seconds(600)), seconds="12")
    again = pickle.loads(pickle.dumps(reason))
    assert again == reason and again.code == "seoul.held"
    assert reason_text(again, "ko") == reason_text(reason, "ko")


def test_text_from_a_source_that_has_only_its_own_words_is_shown_as_it_came():
    assert reason_text("the network is down", "ko") == "the network is down"


def test_the_detector_catches_an_english_sentence():
    assert english_left("the provider answered nothing") != []
    assert english_left("ERROR-500: 서버 오류 (http://h/***/json/x) · SSLError · AccInfo") == []
