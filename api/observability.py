"""What operators watch: request ids in logs, Prometheus metrics, health and readiness."""

import time
import uuid

from fastapi import FastAPI
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from sqlalchemy import func
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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
    """Give every request an id (echoed back), count and time it by route, and mark every
    answer ``nosniff``."""
    app.add_middleware(RequestContext, metrics=metrics)


class RequestContext:
    """Plain ASGI rather than ``@app.middleware("http")``, whose wrapper runs every request
    in a task of its own and passes the response through a stream."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = (Headers(scope=scope).get(REQUEST_ID_HEADER) or uuid.uuid4().hex)[:64]
        status_code: int | None = None

        async def send_with_id(message: Message) -> None:
            nonlocal status_code
            if message["type"] == "http.response.start":
                status_code = message["status"]
                headers = MutableHeaders(scope=message)
                headers[REQUEST_ID_HEADER] = request_id
                # Every answer, static files and errors too: browsers take its type as said.
                headers["X-Content-Type-Options"] = "nosniff"
            await send(message)

        token = HTTP_REQUEST_ID.set(request_id)
        started = time.perf_counter()
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            HTTP_REQUEST_ID.reset(token)
        if status_code is None:
            return
        method = scope["method"]
        route = getattr(scope.get("route"), "path", "unmatched")
        self.metrics.http_requests.labels(method, route, str(status_code)).inc()
        self.metrics.http_latency.labels(method, route).observe(time.perf_counter() - started)
