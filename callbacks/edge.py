"""What a browser may post to the wall's callbacks, checked before Dash reads it.

Dash takes the body of ``/_dash-update-component`` as it comes: a body that is not an object, an
output no callback has, inputs the callback does not declare or a value of a type the wall never
sends reached Dash's dispatch or a callback and answered 500 with a traceback. Here a request is
held against the callback it names, as the wall declares it, and each of its values against what
the wall's own page can send. Anything else answers 400 with one short log line (the reason, never
the value) and reaches no callback, build or cache key. What only the read model can judge (a
moment inside the history window) it refuses the same way, by raising ``BadInput``.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from typing import Any

from flask import jsonify, request

from dashboard.readmodel import LANGUAGES, BadInput
from feeds.districts import BY_CODE

log = logging.getLogger(__name__)

ROUTE = "_dash-update-component"
MAX_HELD = 256  # a held store of more tokens than a page has parts (the wall has ~60) was not made by it
MAX_TOKEN = 64  # a part's token is a skeleton digest and a key digest: a few dozen characters
COMMAND = frozenset({"seq", "selection", "lang", "attract"})  # what the sync sends as ``control``
WILDCARD = ["ALL"]  # how a pattern-matching id's ALL is written in a callback's declaration


def _count(value: Any) -> bool:
    return value is None or (type(value) is int and value >= 0)


def _text(value: Any) -> bool:
    return value is None or isinstance(value, str)


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _tokens(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and len(value) <= MAX_HELD
        and all(isinstance(token, str) and len(token) <= MAX_TOKEN for token in value.values())
    )


def _command(value: Any) -> bool:
    return value is None or (
        isinstance(value, dict)
        and set(value) <= COMMAND
        and all(item is None or isinstance(item, (str, int, float)) for item in value.values())
    )


# Every value a server-side callback of the wall reads, as (id, property): what the page can
# send, and the reason said when a request sends something else. A callback reading a value
# not named here is refused whole (tests/test_security.py checks that every one is named).
VALUES: dict[tuple[str, str], tuple[Callable[[Any], bool], str]] = {
    ("ask", "n_intervals"): (_count, "a sync count must be a whole number"),
    ("selection", "data"): (
        lambda value: value is None or (isinstance(value, str) and value in BY_CODE),
        "selection must be one of the 25 district codes or none",
    ),
    ("lang", "data"): (
        lambda value: isinstance(value, str) and value in LANGUAGES,
        "language must be ko or en",
    ),
    ("when", "data"): (lambda value: value is None or _number(value), "moment must be a number of seconds"),
    ("held", "data"): (_tokens, "held must map the wall's parts to their tokens"),
    ("control", "data"): (_command, "control must be the remote's last command or none"),
    ("when-slider", "value"): (
        lambda value: value is None or (_number(value) and -1440 <= value <= 0),
        "the time machine goes back 0 to 1440 minutes",
    ),
    ("back-to-live", "n_clicks"): (_count, "a click count must be a whole number"),
    ("url", "pathname"): (_text, "an address must be text"),
    ("url", "search"): (_text, "an address must be text"),
}


def register(app, parts: dict) -> None:
    """Check every callback request to ``app`` (the wall, or the phone view, whose page has
    ``parts``) before Dash dispatches it; answer BadInput with 400."""
    route = app.config.routes_pathname_prefix + ROUTE

    @app.server.before_request
    def check_callback():
        if request.path != route or request.method != "POST":
            return None
        try:
            body = request.get_json(silent=True)  # kept for Dash's own read of it
        except RecursionError:  # nesting deeper than the parser goes: no page sends that
            body = None
        reason = refusal(body, app.callback_map, len(parts))
        return None if reason is None else refuse(reason)

    # One server for both apps: registered twice, the handler is the same one.
    @app.server.errorhandler(BadInput)
    def bad_input(error: BadInput):
        return refuse(str(error))


def refuse(reason: str):
    # One short line, never a traceback: a wrong value is the sender's mistake, not the wall's.
    log.warning("refused a callback from %s: %s", request.remote_addr, reason)
    return jsonify({"error": reason}), 400


def refusal(body: Any, callbacks: dict[str, dict], parts: int) -> str | None:
    """Why the wall refuses this callback request, or None when its page could have sent it."""
    if not isinstance(body, dict):
        return "a callback request must be a JSON object"
    output = body.get("output")
    callback = callbacks.get(output) if isinstance(output, str) else None
    if callback is None or "callback" not in callback:  # clientside callbacks never reach the server
        return "no callback of this wall has that output"
    if not _outputs_match(body.get("outputs"), output, parts):
        return "the outputs are not those of that callback"
    for group in ("inputs", "state"):
        sent, declared = body.get(group, []), callback[group]
        if not isinstance(sent, list) or len(sent) != len(declared):
            return f"the {group} are not those of that callback"
        for item, wanted in zip(sent, declared, strict=True):
            name = (wanted["id"], wanted["property"])
            if not isinstance(item, dict) or (item.get("id"), item.get("property")) != name:
                return f"the {group} are not those of that callback"
            check, reason = VALUES.get(name, (lambda _: False, "a value the wall does not check"))
            if not check(item.get("value")):
                return reason
    inputs = {f"{wanted['id']}.{wanted['property']}" for wanted in callback["inputs"]}
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(name, str) and name in inputs for name in changed):
        return "what changed must be inputs of that callback"
    return None


def _declared(output: str) -> list[tuple[str, str]]:
    """A callback's outputs as (id, property), from Dash's name for them ("..a.b...c.d.." or "a.b")."""
    items = output[2:-2].split("...") if output.startswith("..") else [output]
    return [tuple(item.rsplit(".", 1)) for item in items]


def _outputs_match(sent: Any, output: str, parts: int) -> bool:
    declared = _declared(output)
    if not output.startswith(".."):
        return _one_output(sent, *declared[0])
    return (
        isinstance(sent, list)
        and len(sent) == len(declared)
        and all(_output(item, *wanted, parts) for item, wanted in zip(sent, declared, strict=True))
    )


def _output(sent: Any, component: str, prop: str, parts: int) -> bool:
    if not component.startswith("{"):
        return _one_output(sent, component, prop)
    # A pattern-matching output: the parts the browser's page has, each once.
    pattern = json.loads(component)
    if not isinstance(sent, list) or len(sent) > parts:
        return False
    ids = []
    for item in sent:
        if not isinstance(item, dict) or item.get("property") != prop:
            return False
        if not _matches(item.get("id"), pattern):
            return False
        ids.append(tuple(sorted(item["id"].items())))
    return len(set(ids)) == len(ids)


def _one_output(sent: Any, component: str, prop: str) -> bool:
    return isinstance(sent, dict) and sent.get("id") == component and sent.get("property") == prop


def _matches(component_id: Any, pattern: dict) -> bool:
    if not isinstance(component_id, dict) or set(component_id) != set(pattern):
        return False
    return all(
        isinstance(component_id[key], (str, int)) and not isinstance(component_id[key], bool)
        if wanted == WILDCARD
        else component_id[key] == wanted
        for key, wanted in pattern.items()
    )
