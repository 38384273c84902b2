"""Domain and Temporal errors mapped to HTTP in one place."""

from collections.abc import Iterator
from contextlib import contextmanager

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import FailureError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from models.problems import ValidationProblems


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


class Unavailable(ApiError):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE


_UNAVAILABLE_CODES = {RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED}
TEMPORAL_DOWN = "the workflow service is unavailable; nothing was changed, try again shortly"


@contextmanager
def temporal_errors(conflict: str) -> Iterator[None]:
    """Translate what Temporal says into the API's answer; ``conflict`` explains a 409."""
    try:
        yield
    except WorkflowAlreadyStartedError as error:
        raise Conflict(conflict) from error
    except WorkflowUpdateFailedError as error:
        cause = error.cause
        reason = cause.message if isinstance(cause, FailureError) else str(cause or error)
        raise Conflict(reason) from error
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            raise Conflict("the request is past that step: its process has ended") from error
        if error.status in _UNAVAILABLE_CODES:
            raise Unavailable(TEMPORAL_DOWN) from error
        raise
    except RuntimeError as error:
        # The lazy client's first connection attempt fails this way, not as an RPCError.
        if str(error).startswith("Failed client connect"):
            raise Unavailable(TEMPORAL_DOWN) from error
        raise


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, error: ApiError) -> JSONResponse:
        return JSONResponse({"detail": error.detail}, status_code=error.status_code)

    @app.exception_handler(DBAPIError)
    async def _database(_request: Request, error: DBAPIError) -> JSONResponse:
        if not error.connection_invalidated and not isinstance(error, OperationalError):
            raise error
        return JSONResponse(
            {"detail": "the database is unavailable; nothing was changed, try again shortly"},
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
        )

    @app.exception_handler(ValidationProblems)
    async def _problems(_request: Request, error: ValidationProblems) -> JSONResponse:
        detail = [
            {"loc": list(problem.loc), "msg": problem.msg, "type": problem.type}
            for problem in error.problems
        ]
        return JSONResponse({"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)
