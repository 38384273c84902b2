"""What operators watch: request ids in logs, Prometheus metrics, health and readiness."""

import time
import uuid
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.enums import RequestKind, RequestStatus
from models.request import ChangeRequest
from telemetry import HTTP_REQUEST_ID

REQUEST_ID_HEADER = "X-Request-ID"


class Metrics:
    """One registry per app, so that several apps (tests) do not collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.http_requests = Counter(
            "signoff_http_requests",
            "HTTP requests answered, by route and status.",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.http_latency = Histogram(
            "signoff_http_request_duration_seconds",
            "Time to answer an HTTP request, by route.",
            ["method", "route"],
            registry=self.registry,
        )
        self.change_requests = Gauge(
            "signoff_change_requests",
            "Change requests by kind and status (read from the database at each scrape).",
            ["kind", "status"],
            registry=self.registry,
        )
        self.change_requests_started = Gauge(
            "signoff_change_requests_started",
            "Change requests ever started, by kind.",
            ["kind"],
            registry=self.registry,
        )

    async def refresh(self, session: AsyncSession) -> None:
        counts = dict.fromkeys(((k, s) for k in RequestKind for s in RequestStatus), 0)
        rows = await session.exec(
            select(ChangeRequest.kind, ChangeRequest.status, func.count()).group_by(
                ChangeRequest.kind, ChangeRequest.status
            )
        )
        for kind, status, count in rows:
            counts[(RequestKind(kind), RequestStatus(status))] = count
        for (kind, status), count in counts.items():
            self.change_requests.labels(kind.value, status.value).set(count)
        for kind in RequestKind:
            started = sum(count for (k, _), count in counts.items() if k is kind)
            self.change_requests_started.labels(kind.value).set(started)


def install_request_context(app: FastAPI, metrics: Metrics) -> None:
    """Give every request an id (echoed back), and count and time it by route."""

    @app.middleware("http")
    async def _context(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        request_id = request.headers.get(REQUEST_ID_HEADER) or uuid.uuid4().hex
        token = HTTP_REQUEST_ID.set(request_id[:64])
        started = time.perf_counter()
        try:
            response = await call_next(request)
        finally:
            HTTP_REQUEST_ID.reset(token)
        route = getattr(request.scope.get("route"), "path", "unmatched")
        metrics.http_requests.labels(request.method, route, str(response.status_code)).inc()
        metrics.http_latency.labels(request.method, route).observe(time.perf_counter() - started)
        response.headers[REQUEST_ID_HEADER] = request_id[:64]
        return response
