"""For operators and orchestrators: liveness, readiness and metrics."""

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from api.deps import SessionDep, TemporalDep
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


@router.get("/metrics", response_class=Response)
async def metrics(request: Request, session: SessionDep) -> Response:
    """Prometheus metrics: HTTP traffic by route, change requests by kind and status."""
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
