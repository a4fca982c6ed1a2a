"""Every reason the wall can give for a feed that is not live reads in Korean on the Korean wall.

The reasons are collected from the code that words them (every FeedError, every stale reason,
every result code) and filled in with realistic values, then the real parsers are fed the bodies
that produce them; the Korean rendering may keep URLs, codes and names, never an English sentence.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from feeds import air, incidents, traffic
from feeds.base import FeedError
from feeds.envelope import RESULT_CODES
from layouts.i18n import reason_text

ROOT = Path(__file__).parent.parent
# Where reasons are worded: the feeds, the live source, the store's stale reasons, the poller.
# (Not scenarios.py: a scenario file's problems are said at start, never as a feed's reason.)
MODULES = [
    *sorted(path for path in (ROOT / "feeds").glob("*.py") if path.name != "scenarios.py"),
    *(ROOT / "dashboard" / name for name in ("store.py", "poller.py", "readmodel.py", "core.py")),
]
RAISERS = {"FeedError", "StoreUnavailable"}  # their first argument is a reason
REASON_NAMES = {"reason", "stale_reason", "error"}  # a string given to these is a reason
TAKES_REASON = REASON_NAMES | {"note"}  # a function with a parameter of these names takes a reason

# Values for the expressions inside the reasons' f-strings, by what the expression mentions.
SAMPLES = (
    ("shown", "http://127.0.0.1:8080/***/json/RealtimeCityAir/1/25"),
    ("_minutes", "2 h 15 min"),
    ("_short", "ConnectionError: Error 111 connecting to 127.0.0.1:6379. Connection refused."),
    ("__name__", "SSLError"),
    ("exc.msg", "Expecting value: line 1 column 1 (char 0)"),
    ("exc", "mismatched tag: line 3, column 2"),
    ("reason", "could not connect to the Seoul API (http://127.0.0.1:8080/***/json/AccInfo/1/1000)"),
    ("message", "인증키 처리 중 오류"),
    ("district", "종로구"),
    ("incident_id", "299180000"),
    ("path", "afternoon.jsonl"),
    ("asked", "xml/AccInfo/1/1000"),
    ("key", "CITYDATA"),
    ("service", "AccInfo"),
    ("status", "503"),
    ("until", "28"),
)


def _sample(expression: ast.FormattedValue, service: str) -> str:
    source = ast.unparse(expression.value)
    if source == "SERVICE":
        return service
    for mention, value in SAMPLES:
        if mention in source:
            return value
    return "5" if expression.format_spec is not None else source


def _filled(node: ast.AST, service: str) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            part.value if isinstance(part, ast.Constant) else _sample(part, service) for part in node.values
        )
    return None


def _strings_in(node: ast.AST, service: str):
    """The string expressions a reason may be: the node itself, or those a call or tuple hands on
    (``RESULT_CODES.get(code, (f"the provider answered {message}", True))``)."""
    own = _filled(node, service)
    if own is not None:
        yield own
    elif isinstance(node, (ast.Tuple, ast.Call)):
        for child in node.elts if isinstance(node, ast.Tuple) else node.args:
            if isinstance(child, ast.Tuple) and child.elts:
                yield from _strings_in(child.elts[0], service)
            elif isinstance(child, (ast.Constant, ast.JoinedStr)):
                yield from _strings_in(child, service)
    elif isinstance(node, ast.IfExp):
        yield from _strings_in(node.body, service)
        yield from _strings_in(node.orelse, service)


def _reason_takers(trees: list[ast.Module]) -> dict[str, int]:
    """Functions of these modules that take a reason: their name and the reason's position
    (``store.fail(feed, reason)``, ``poller._failed(name, reason)`` ...)."""
    takers = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                names = [a.arg for a in node.args.args if a.arg not in ("self", "cls")]
                for name in TAKES_REASON & set(names):
                    takers[node.name] = names.index(name)
    return takers


def _module_strings(tree: ast.Module) -> dict[str, ast.AST]:
    """Module-level constants: a reason handed on by name (``NO_NEWS``) is read from here."""
    return {
        target.id: node.value
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }


def worded_reasons() -> dict[str, str]:
    """Every reason the code words, filled in: {reason: where it is worded}."""
    found: dict[str, str] = {}
    trees = {path: ast.parse(path.read_text(), str(path)) for path in MODULES}
    takers = _reason_takers(list(trees.values()))
    for path, tree in trees.items():
        constants = _module_strings(tree)
        service = getattr(constants.get("SERVICE"), "value", "AccInfo")
        for node in ast.walk(tree):
            given: list[ast.AST] = []
            if isinstance(node, ast.Call):
                name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
                if name in RAISERS and node.args:
                    given.append(node.args[0])
                if name in takers and len(node.args) > takers[name]:
                    given.append(node.args[takers[name]])
                given += [kw.value for kw in node.keywords if kw.arg in REASON_NAMES]
            elif isinstance(node, ast.Assign):
                targets = [t for target in node.targets for t in getattr(target, "elts", [target])]
                if any(isinstance(t, ast.Name) and t.id in REASON_NAMES for t in targets):
                    given.append(node.value)
            for expression in given:
                if isinstance(expression, ast.Name) and expression.id in constants:
                    expression = constants[expression.id]
                for reason in _strings_in(expression, service):
                    found.setdefault(reason, f"{path.relative_to(ROOT)}:{expression.lineno}")
    for code, (reason, _) in RESULT_CODES.items():  # the poller shows a coded reason as "CODE: reason"
        found[f"{code}: {reason}"] = "feeds/envelope.py RESULT_CODES"
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
                found[exc.reason if not exc.code else str(exc)] = f"parsing a {name} body"
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


REASONS = {**worded_reasons(), **parsed_reasons()}


def test_the_walk_finds_the_reasons_of_every_module():
    where = " ".join(REASONS.values())
    for module in ("envelope", "seoul", "store", "poller", "air", "incidents", "traffic"):
        assert f"{module}.py" in where, f"no reason found in {module}.py"
    assert len(REASONS) > 40
    assert any("neither JSON nor XML" in reason for reason in REASONS)
    assert any(reason.startswith("ERROR-999: ") for reason in REASONS)  # an unknown code


@pytest.mark.parametrize("reason", sorted(REASONS), ids=lambda reason: reason[:60])
def test_every_reason_reads_in_korean(reason):
    for shown in (reason, f"{reason}; next try in 28 s"):  # the live source's hold-off adds this
        korean = reason_text(shown, "ko")
        assert re.search(r"[가-힣]", korean), f"{shown!r} ({REASONS[reason]}) stays English: {korean!r}"
        assert english_left(korean) == [], f"{shown!r} ({REASONS[reason]}) reads {korean!r}"
        assert reason_text(shown, "en") == shown


def test_the_detector_catches_an_english_sentence():
    assert english_left("the provider answered nothing") != []
    assert english_left("ERROR-500: 서버 오류 (http://h/***/json/x) · SSLError · AccInfo") == []
