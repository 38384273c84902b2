"""Domain and Temporal errors mapped to HTTP in one place."""

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, OperationalError
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from models.problems import ValidationProblems


class ErrorDetail(BaseModel):
    """An error answer: what went wrong, in words."""

    detail: str


_MEANINGS = {
    400: "The body could not be read at all (e.g. JSON that is not UTF-8)",
    401: "No API token, or not a valid one",
    403: "Not allowed for this caller",
    404: "Unknown, or not visible to this caller",
    409: "An open request of that kind exists, the request is past that step, the customer "
    "is archived (or, to archive it, has an open request), or the first request with this "
    "Idempotency-Key is still being answered (see Retry-After)",
    410: "The link has been used or has expired",
    413: "The request body is larger than this API accepts, or the file larger than a file "
    "attached to a ticket may be",
    429: "Too many failed attempts from this client, or too many approval emails to people "
    "who are not the customer's contacts today; see Retry-After",
    503: "The database or the workflow service is unavailable; nothing was changed",
}


def error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The error answers a JSON route may give, as FastAPI's ``responses``."""
    return {code: {"model": ErrorDetail, "description": _MEANINGS[code]} for code in codes}


def page_error_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The error answers a page may give: a page, or JSON when the client accepts it.

    An unreadable body, the body limit and the throttle answer before any page is chosen:
    always JSON.
    """
    json = {"application/json": {"schema": ErrorDetail.model_json_schema()}}
    page = {"text/html": {"schema": {"type": "string"}}, **json}
    return {
        code: {"description": _MEANINGS[code], "content": json if code in (400, 413, 429) else page}
        for code in codes
    }


class ApiError(Exception):
    status_code = status.HTTP_500_INTERNAL_SERVER_ERROR

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFound(ApiError):
    status_code = status.HTTP_404_NOT_FOUND


class Forbidden(ApiError):
    status_code = status.HTTP_403_FORBIDDEN


class Conflict(ApiError):
    status_code = status.HTTP_409_CONFLICT


class TooLarge(ApiError):
    """A file larger than it may be."""

    status_code = status.HTTP_413_CONTENT_TOO_LARGE


class Unavailable(ApiError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE


class TooMany(ApiError):
    """A limit reached for now; ``retry_after``: in how many seconds it allows again."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Refused(Conflict):
    """A workflow refused a message; ``reason`` is the type of its refusal (such as
    ``PastThatStep`` or ``AlreadyDecided``), never its wording."""

    def __init__(self, detail: str, reason: str) -> None:
        super().__init__(detail)
        self.reason = reason


class ProcessEnded(Conflict):
    """The request's workflow has ended: nothing can reach it any more."""


class LinkProblem(Exception):
    """An emailed link that cannot be used: unknown (404), or used or expired (410). Its
    ``title`` and ``message`` are what the link's page says."""

    def __init__(self, status_code: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.title = title
        self.message = message


_UNAVAILABLE_CODES = {RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED}
TEMPORAL_DOWN = "the workflow service is unavailable; nothing was changed, try again shortly"
DATABASE_DOWN = "the database is unavailable; nothing was changed, try again shortly"


def database_down(error: DBAPIError) -> bool:
    """The database could not be reached or dropped the connection (not a bad statement)."""
    return error.connection_invalidated or isinstance(error, OperationalError)


@contextmanager
def after_the_decision() -> Iterator[None]:
    """Reading a request back once its decision was delivered: if the database is down now,
    the answer must not claim that nothing was changed."""
    try:
        yield
    except DBAPIError as error:
        if not database_down(error):
            raise
        raise Unavailable(
            "the decision was delivered and is being applied, but the request cannot be read "
            "back while the database is unavailable; check it again shortly"
        ) from error


@contextmanager
def temporal_errors(
    already_started: str = "the request's process is already running",
) -> Iterator[None]:
    """Translate what Temporal says into the API's answer; ``already_started`` explains the
    409 of a workflow that is already running."""
    try:
        yield
    except WorkflowAlreadyStartedError as error:
        raise Conflict(already_started) from error
    except WorkflowUpdateFailedError as error:
        cause = error.cause
        if isinstance(cause, ApplicationError):
            raise Refused(cause.message, cause.type or "Refused") from error
        raise Refused(str(cause or error), "Refused") from error
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            raise ProcessEnded("the request is past that step: its process has ended") from error
        if error.status in _UNAVAILABLE_CODES:
            raise Unavailable(TEMPORAL_DOWN) from error
        raise
    except RuntimeError as error:
        # The lazy client's first connection attempt fails this way, not as an RPCError.
        if str(error).startswith("Failed client connect"):
            raise Unavailable(TEMPORAL_DOWN) from error
        raise


def json_error(error: Exception) -> JSONResponse:
    """The JSON answer to a domain error, or to the database being down; anything else is
    raised again."""
    if isinstance(error, TooMany):
        headers = {"Retry-After": str(error.retry_after)}
        return JSONResponse({"detail": error.detail}, error.status_code, headers=headers)
    if isinstance(error, ApiError):
        return JSONResponse({"detail": error.detail}, status_code=error.status_code)
    if isinstance(error, DBAPIError) and database_down(error):
        return JSONResponse(
            {"detail": DATABASE_DOWN}, status_code=status.HTTP_503_SERVICE_UNAVAILABLE
        )
    raise error


def invalid_json(error: RequestValidationError) -> JSONResponse:
    # The errors echo the input, which may hold what UTF-8 cannot carry (a lone UTF-16
    # surrogate), or what JSON cannot (NaN, Infinity, and 1e400 read as Infinity): each is
    # echoed as words instead.
    detail = _encodable(jsonable_encoder(error.errors()))
    return JSONResponse({"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, error: ApiError) -> JSONResponse:
        return json_error(error)

    @app.exception_handler(DBAPIError)
    async def _database(_request: Request, error: DBAPIError) -> JSONResponse:
        return json_error(error)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        return invalid_json(error)

    @app.exception_handler(ValidationProblems)
    async def _problems(_request: Request, error: ValidationProblems) -> JSONResponse:
        detail = [problem.detail() for problem in error.problems]
        return JSONResponse({"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


def _encodable(value: Any) -> Any:
    """``value`` with every string made encodable as UTF-8, and every number as JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, list):
        return [_encodable(item) for item in value]
    if isinstance(value, dict):
        return {_encodable(key): _encodable(item) for key, item in value.items()}
    return value
