"""Log lines carry the ids in scope, as JSON when asked."""

import json
import logging

from telemetry import CHANGE_REQUEST_ID, HTTP_REQUEST_ID, ContextFilter, JsonFormatter


def record(**extra: object) -> logging.LogRecord:
    made = logging.LogRecord("signoff.test", logging.INFO, __file__, 1, "applied %s", ("it",), None)
    made.__dict__.update(extra)
    return made


def test_json_lines_carry_the_http_request_change_request_and_workflow() -> None:
    http = HTTP_REQUEST_ID.set("req-1")
    change = CHANGE_REQUEST_ID.set("5b0f")
    try:
        line = record(temporal_activity={"workflow_id": "profile-change-c1", "activity_type": "x"})
        ContextFilter().filter(line)
        parsed = json.loads(JsonFormatter().format(line))
    finally:
        HTTP_REQUEST_ID.reset(http)
        CHANGE_REQUEST_ID.reset(change)
    assert parsed["message"] == "applied it"
    assert parsed["level"] == "info"
    assert parsed["http_request_id"] == "req-1"
    assert parsed["change_request_id"] == "5b0f"
    assert parsed["workflow_id"] == "profile-change-c1"


def test_plain_lines_name_only_the_ids_there_are() -> None:
    line = record()
    ContextFilter().filter(line)
    assert line.__dict__["context"] == ""
    assert "http_request_id" not in json.loads(JsonFormatter().format(line))
