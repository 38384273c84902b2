"""A workflow history as a person would read it: every payload decoded."""

import base64
import json
from typing import Any

from temporalio.client import WorkflowHistory


def readable(history: WorkflowHistory) -> str:
    """The history's JSON with each payload's data and metadata decoded from base64.

    Searching the raw JSON for a short word can match base64 by chance; this text holds
    only what the payloads really say.
    """
    return json.dumps(_decoded(json.loads(history.to_json())), ensure_ascii=False)


def _decoded(node: Any) -> Any:
    if isinstance(node, list):
        return [_decoded(item) for item in node]
    if not isinstance(node, dict):
        return node
    if isinstance(node.get("data"), str) and isinstance(node.get("metadata"), dict):
        return {
            "metadata": {key: _text(value) for key, value in node["metadata"].items()},
            "data": _text(node["data"]),
        }
    return {key: _decoded(value) for key, value in node.items()}


def _text(encoded: str) -> str:
    return base64.b64decode(encoded).decode(errors="replace")
