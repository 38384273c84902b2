"""Logs that say which request and workflow they are about, as JSON lines when asked."""

import json
import logging
import re
from contextvars import ContextVar
from typing import Any

from temporalio import activity
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
)

# The HTTP request being served (X-Request-ID), and the change request it concerns.
HTTP_REQUEST_ID: ContextVar[str | None] = ContextVar("http_request_id", default=None)
CHANGE_REQUEST_ID: ContextVar[str | None] = ContextVar("change_request_id", default=None)

_PLAIN = "%(asctime)s %(levelname)s %(name)s %(message)s%(context)s"
# The paths of emailed links carry their token; an API token starts with ``so_``.
_LINK_TOKEN = re.compile(r"(/(?:approvals|activate|portal/sign-in)/)[^/\s?#\"']+")
_API_TOKEN = re.compile(r"\bso_[A-Za-z0-9_\-]{8,}")
MASK = "***"


def mask_tokens(text: str) -> str:
    """The text with every link token and API token in it masked."""
    return _API_TOKEN.sub(f"so_{MASK}", _LINK_TOKEN.sub(rf"\g<1>{MASK}", text))


class ContextFilter(logging.Filter):
    """Adds the ids in scope to every record: HTTP request, change request, workflow."""

    def filter(self, record: logging.LogRecord) -> bool:
        ids: dict[str, Any] = {
            "http_request_id": HTTP_REQUEST_ID.get(),
            "change_request_id": CHANGE_REQUEST_ID.get(),
        }
        temporal = getattr(record, "temporal_activity", None) or getattr(
            record, "temporal_workflow", None
        )
        if isinstance(temporal, dict):
            ids["workflow_id"] = temporal.get("workflow_id")
            ids["run_id"] = temporal.get("workflow_run_id") or temporal.get("run_id")
            ids["activity"] = temporal.get("activity_type")
        present = {key: value for key, value in ids.items() if value}
        record.__dict__["ids"] = present
        record.__dict__["context"] = "".join(f" {key}={value}" for key, value in present.items())
        return True


class Masked(logging.Formatter):
    """Formats as ``inner`` does, then masks any token in the line (message, arguments and
    traceback alike): the access log's paths carry the tokens of emailed links."""

    def __init__(self, inner: logging.Formatter) -> None:
        super().__init__()
        self._inner = inner

    def format(self, record: logging.LogRecord) -> str:
        return mask_tokens(self._inner.format(record))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "ids", {}),
        }
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str)


def configure_logging(json_lines: bool, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    handler.addFilter(ContextFilter())
    handler.setFormatter(Masked(JsonFormatter() if json_lines else logging.Formatter(_PLAIN)))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logging.getLogger(name).handlers[:] = []
        logging.getLogger(name).propagate = True


class _ActivityContext(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        request_id = getattr(input.args[0], "request_id", None) if input.args else None
        token = CHANGE_REQUEST_ID.set(request_id)
        try:
            return await self.next.execute_activity(input)
        except Exception:
            activity.logger.warning("activity attempt failed", exc_info=True)
            raise
        finally:
            CHANGE_REQUEST_ID.reset(token)


class LogContext(Interceptor):
    """Puts the change request an activity works on into its log lines."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _ActivityContext(next)
