"""Call a Dash callback over HTTP the way the browser's renderer does, from its callback map."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import dash


@dataclass
class Answer:
    status: int
    size: int  # response body bytes
    body: dict[str, Any] | None


def find_output(app: dash.Dash, contains: str) -> str:
    """The callback-map key of the callback whose outputs include ``contains`` (e.g. "air-map.figure")."""
    for key in app.callback_map:
        if contains in key.strip(".").split("..."):
            return key
    raise KeyError(contains)


def request_body(app: dash.Dash, output: str, values: dict[str, Any], changed: list[str]) -> dict:
    spec = app.callback_map[output]
    outputs = []
    for item in output.strip(".").split("..."):
        component, prop = item.rsplit(".", 1)
        outputs.append({"id": component, "property": prop})

    def fill(items):
        return [
            {"id": i["id"], "property": i["property"], "value": values.get(f"{i['id']}.{i['property']}")}
            for i in items
        ]

    return {
        "output": output,
        "outputs": outputs if len(outputs) > 1 else outputs[0],
        "inputs": fill(spec["inputs"]),
        "state": fill(spec["state"]),
        "changedPropIds": changed,
    }


def call(client, app: dash.Dash, output: str, values: dict[str, Any], changed: list[str]) -> Answer:
    """POST one callback; values maps "id.property" to what the browser holds now."""
    response = client.post(
        "/_dash-update-component",
        data=json.dumps(request_body(app, output, values, changed)),
        content_type="application/json",
    )
    data = response.get_data()
    return Answer(response.status_code, len(data), json.loads(data) if data else None)
