"""A viewer of the wall over HTTP, behaving as Dash's renderer does for the one sync callback.

It loads the page's layout, holds every part it was sent (applying patches as the renderer does)
and posts the sync request a tick, a touch or a language switch asks for. Tests and benchmarks use
it through Flask's test client or a real server alike.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from typing import Any

PATCH = "__dash_patch_update"
ASK = "ask.n_intervals"  # the sync's one input: a tick, a touch or a switch asks through the page's gate


@dataclass
class Answer:
    status: int
    size: int  # response body bytes
    body: dict[str, Any] | None
    raw: bytes = b""
    wire: int = 0  # bytes as sent (Content-Length: compressed when the answer was)


def component_key(component_id: Any) -> str:
    """A component id as Dash names it in requests and responses."""
    if isinstance(component_id, dict):
        return json.dumps(component_id, sort_keys=True, separators=(",", ":"))
    return component_id


def apply_patch(value: Any, update: Any) -> Any:
    """What the renderer makes of a prop when an answer carries ``update`` for it."""
    if not (isinstance(update, dict) and update.get(PATCH) == PATCH):
        return update
    result = copy.deepcopy(value)
    for operation in update["operations"]:
        *path, last = operation["location"]
        target = result
        for step in path:
            target = target[step]
        kind, params = operation["operation"], operation["params"]
        if kind == "Assign":
            target[last] = params["value"]
        elif kind == "Merge":
            target[last] = {**target[last], **params["value"]}
        elif kind == "Delete":
            del target[last]
        elif kind == "Append":
            target[last].append(params["value"])
        elif kind == "Extend":
            target[last].extend(params["value"])
        else:
            raise NotImplementedError(kind)
    return result


def walk(node: Any, found: dict[str, dict]) -> dict[str, dict]:
    """Every component with an id in a layout, by id key, with its props."""
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict):
            if "id" in props:
                found[component_key(props["id"])] = props
            for value in props.values():
                walk(value, found)
        else:
            for value in node.values():
                walk(value, found)
    elif isinstance(node, list):
        for value in node:
            walk(value, found)
    return found


class Viewer:
    """One browser of the wall: what it holds, and the sync requests it makes."""

    def __init__(self, client, lang: str = "ko", selection: str | None = None, when: float | None = None):
        self.client = client
        self.props = walk(client.get("/_dash-layout").get_json(), {})
        self.props["selection"]["data"] = selection
        self.props["lang"]["data"] = lang
        self.props["when"]["data"] = when
        dependencies = client.get("/_dash-dependencies").get_json()
        self.spec = next(d for d in dependencies if "held.data" in d["output"])
        self.ticks = 0

    def value(self, component_id: Any, prop: str) -> Any:
        return self.props[component_key(component_id)].get(prop)

    def part(self, panel: int, name: str) -> Any:
        """What this viewer shows of a part of the wall (a figure, or children)."""
        for kind, prop in (("figure", "figure"), ("html", "children")):
            key = component_key({"kind": kind, "panel": panel, "part": name})
            if key in self.props:
                return self.props[key].get(prop)
        raise KeyError(f"{panel}:{name}")

    def _outputs(self) -> list:
        outputs = []
        for item in self.spec["output"].strip(".").split("..."):
            component, prop = item.rsplit(".", 1)
            if component.startswith("{"):
                kind = json.loads(component)["kind"]
                outputs.append(
                    [
                        {"id": props["id"], "property": prop}
                        for props in self.props.values()
                        if isinstance(props.get("id"), dict) and props["id"].get("kind") == kind
                    ]
                )
            else:
                outputs.append({"id": component, "property": prop})
        return outputs

    def body(self, changed: str) -> dict:
        def fill(items):
            return [
                {"id": i["id"], "property": i["property"], "value": self.value(i["id"], i["property"])}
                for i in items
            ]

        return {
            "output": self.spec["output"],
            "outputs": self._outputs(),
            "inputs": fill(self.spec["inputs"]),
            "state": fill(self.spec["state"]),
            "changedPropIds": [changed],
        }

    def sync(self, changed: str = ASK, **inputs: Any) -> Answer:
        """A tick (or, with ``selection=``, ``lang=`` or ``when=``, a touch, a switch, a move): each is
        one ask of the page's gate (callbacks/sync.py)."""
        for name, value in inputs.items():
            self.props[name]["data"] = value
        if changed == ASK:
            self.ticks += 1
            self.props["ask"]["n_intervals"] = self.ticks
        response = self.client.post(
            "/_dash-update-component", data=json.dumps(self.body(changed)), content_type="application/json"
        )
        data = response.get_data()
        body = json.loads(data) if data and response.status_code == 200 else None
        for component, props in (body or {}).get("response", {}).items():
            for prop, update in props.items():
                held = self.props.setdefault(component, {})
                held[prop] = apply_patch(held.get(prop), update)
        wire = int(response.headers.get("Content-Length") or len(data))
        return Answer(response.status_code, len(data), body, data, wire)


class HttpClient:
    """The part of Flask's test client ``Viewer`` uses, over real HTTP (a fresh connection each
    request unless ``keep`` is set, so a server's workers take turns)."""

    def __init__(self, base: str, keep: bool = False, timeout: float = 30.0, headers: dict | None = None):
        import requests

        self.base = base.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session() if keep else None
        self.headers = headers or {}
        self._requests = requests

    def _send(self, method: str, path: str, **kwargs):
        sender = self.session or self._requests
        headers = {**self.headers, **kwargs.pop("headers", {})}
        if "content_type" in kwargs:
            headers["Content-Type"] = kwargs.pop("content_type")
        if "json" in kwargs:
            kwargs["data"], headers["Content-Type"] = json.dumps(kwargs.pop("json")), "application/json"
        return _HttpAnswer(
            sender.request(method, self.base + path, headers=headers, timeout=self.timeout, **kwargs)
        )

    def get(self, path: str, **kwargs):
        return self._send("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self._send("POST", path, **kwargs)


class _HttpAnswer:
    def __init__(self, response):
        self.response = response
        self.status_code = response.status_code
        self.headers = response.headers

    def get_json(self):
        return self.response.json()

    def get_data(self) -> bytes:
        return self.response.content
