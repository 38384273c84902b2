"""For operators and orchestrators: liveness, readiness and metrics."""

import asyncio
import hmac
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.deps import SessionDep, SettingsDep, TemporalDep
from api.errors import ErrorDetail, NotFound, error_responses
from api.state import AppState

router = APIRouter(tags=["operations"])
CHECK_TIMEOUT_SECONDS = 3.0


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    """The process answers."""
    return {"status": "ok"}


@router.get("/readyz", responses={503: {"description": "A dependency is down"}})
async def readyz(request: Request, temporal: TemporalDep) -> JSONResponse:
    """Database and Temporal both reachable: 200; otherwise 503 naming what is down."""
    state: AppState = request.app.state.signoff
    checks: dict[str, str] = {}
    checks["database"] = await _check(_database_answers(state.engine))
    checks["temporal"] = await _check(temporal.service_client.check_health())
    down = [name for name, result in checks.items() if result != "ok"]
    body: dict[str, Any] = {"status": "ok" if not down else "unavailable", "checks": checks}
    if down:
        body["detail"] = f"unavailable: {', '.join(down)}"
    return JSONResponse(body, status_code=503 if down else 200)


_metrics_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="MetricsToken",
    description="The metrics token: `Authorization: Bearer <SIGNOFF_METRICS_TOKEN>`",
)


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        401: {"model": ErrorDetail, "description": "No metrics token, or not the one"},
        404: {"model": ErrorDetail, "description": "Metrics are not served: no token is set"},
        **error_responses(429),
    },
)
async def metrics(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_metrics_bearer)],
) -> Response:
    """Prometheus metrics: HTTP traffic by route, change requests by kind and status. Only to
    the bearer of the metrics token (`SIGNOFF_METRICS_TOKEN`); without one set, not served."""
    if not settings.metrics_token:
        raise NotFound("metrics are not served: no metrics token is set")
    given = credentials.credentials if credentials else ""
    if not hmac.compare_digest(given.encode(), settings.metrics_token.encode()):
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED,
            detail="the metrics token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    state: AppState = request.app.state.signoff
    await state.metrics.refresh(session)
    return Response(generate_latest(state.metrics.registry), media_type=CONTENT_TYPE_LATEST)


async def _database_answers(engine: AsyncEngine) -> None:
    async with engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def _check(probe: Any) -> str:
    try:
        async with asyncio.timeout(CHECK_TIMEOUT_SECONDS):
            await probe
    except TimeoutError:
        return "down: no answer within 3 s"
    except Exception as error:  # any failure of the probe means "down", with its reason
        return f"down: {type(error).__name__}: {str(error)[:200]}"
    return "ok"
