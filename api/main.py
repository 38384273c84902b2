"""The FastAPI application and its lifespan (database engine and Temporal client)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from api.docs import install_docs
from api.errors import install_error_handlers
from api.idempotency import Idempotency
from api.kinds import kind_api
from api.limits import BodyLimit
from api.observability import Metrics, install_request_context
from api.portal import install_portal, too_large_page
from api.portal import links as link_pages
from api.routes import customers, operations, requests, staff, tickets
from api.state import AppState
from api.throttle import Throttle
from models.database import create_db_engine, session_factory
from models.kinds import KINDS
from settings import Settings


def create_app(settings: Settings) -> FastAPI:
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_db_engine(settings.database_url)
        # Lazy: the API starts (and answers 503) even while Temporal is down.
        temporal = await Client.connect(
            settings.temporal_address,
            namespace=settings.temporal_namespace,
            data_converter=pydantic_data_converter,
            lazy=True,
        )
        app.state.signoff = AppState(settings, engine, session_factory(engine), temporal, metrics)
        try:
            yield
        finally:
            await engine.dispose()

    app = FastAPI(
        title="Signoff",
        summary="Change requests for customer master data, approved and applied exactly once.",
        version="0.1.0",
        lifespan=lifespan,
        # FastAPI's own pages load from a CDN: install_docs serves them from our files.
        docs_url=None,
        redoc_url=None,
    )
    install_error_handlers(app)
    install_docs(app)
    # After the error handlers: on the portal, its own answer with a page instead.
    install_portal(app)
    # Middleware, innermost first (each one added wraps those before it): idempotency sees
    # only bodies checked for size, from clients checked for failed attempts.
    app.add_middleware(Idempotency)
    app.add_middleware(
        BodyLimit,
        max_bytes=settings.max_body_bytes,
        file_bytes=settings.attachment_max_bytes,
        page=too_large_page,
    )
    app.add_middleware(Throttle, budget=settings.failed_attempts_per_minute)
    if settings.trusted_proxies:
        # Around the throttle: it counts the client the proxy names.
        app.add_middleware(ProxyHeadersMiddleware, trusted_hosts=list(settings.trusted_proxies))
    install_request_context(app, metrics)
    app.include_router(customers.router)
    app.include_router(customers.creating)
    # Each kind's filing: POST /customers/{customer_id}/<kind>-requests.
    for kind in KINDS:
        app.include_router(kind_api(kind).filing)
    app.include_router(requests.router)
    app.include_router(tickets.router)
    app.include_router(staff.router)
    # In the API's schema too, after the JSON routes: integrations use these paths as well.
    app.include_router(link_pages.router)
    app.include_router(operations.router)
    return app
