"""Each kind of request on the API's side, one module a kind named after it (the registry,
``models.kinds``, lists the kinds): what its request page shows beside what stands now, how
its form is read past its schema, its JSON filing route and its portal pages. Its details
on the request page are one partial template, ``portal/kinds/<kind>.html``."""

import functools
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import cache
from importlib import import_module
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from api.beside_schema import RulesBesideSchemaRoute
from api.deps import FilingDep
from api.errors import error_responses
from api.services.filing import Filing, file_request, problems_beside_schema
from models.contact_state import ContactState
from models.enums import RequestKind, Role
from models.purchaser import Purchaser
from models.queries import contact_state, living_contacts, purchaser_of
from models.request import ChangeRequest

# A request's details: as things stand (or stood, once applied), and as its form asks.
Details = tuple[dict[str, Any] | None, dict[str, Any] | None]
# Filing a request: refused by role, by an open request of its kind, or for its body.
FILING = error_responses(400, 403, 409, 413)


@dataclass(frozen=True)
class KindApi:
    details: Callable[[AsyncSession, ChangeRequest], Awaitable[Details]]
    # Its JSON filing route, and its portal pages.
    filing: APIRouter
    pages: APIRouter


@cache
def kind_api(kind: RequestKind) -> KindApi:
    api: KindApi = import_module(f"{__name__}.{kind.value}").API
    return api


def partial(kind: RequestKind) -> str:
    return f"portal/kinds/{kind.value}.html"


_ROLE_ORDER = list(Role)


def contact_row(state: ContactState) -> dict[str, Any]:
    """A contact as a request's details show it, marked unchanged, updated, added or removed."""
    return {
        "id": str(state.id) if state.id else None,
        "side": state.side.value,
        **{
            name: (str(value) if value is not None else None)
            for name, value in state.details.items()
        },
        "roles": [role.value for role in sorted(state.roles, key=_ROLE_ORDER.index)],
        "change": state.change,
    }


async def purchaser_and_contacts(
    session: AsyncSession, request: ChangeRequest
) -> tuple[dict[str, Any], list[ContactState]]:
    """The purchaser and the contacts as they stand now."""
    purchaser = await purchaser_of(session, request.customer_id)
    current = [contact_state(c) for c in await living_contacts(session, request.customer_id)]
    existing = {
        "purchaser": _purchaser(purchaser) if purchaser else None,
        "contacts": [contact_row(state) for state in current],
    }
    return existing, current


def _purchaser(purchaser: Purchaser) -> dict[str, Any]:
    return {
        **purchaser.named_address().model_dump(mode="json"),
        "id": str(purchaser.id),
        "responsibility": purchaser.responsibility.value,
    }


def filing_router(kind: RequestKind) -> APIRouter:
    """The router of a kind's JSON filing route: a body its schema refuses is answered with
    the rules' problems too (``RulesBesideSchemaRoute``), once the caller is known to be
    allowed to file."""

    async def keep(request: Request, customer_id: uuid.UUID, filing: FilingDep) -> None:
        request.state.beside_schema = functools.partial(
            problems_beside_schema, filing, customer_id, kind
        )

    return APIRouter(
        prefix="/customers",
        tags=["customers"],
        responses=error_responses(401, 404, 429, 503),
        dependencies=[Depends(keep)],
        route_class=RulesBesideSchemaRoute,
    )


async def filed(
    filing: Filing, customer_id: uuid.UUID, kind: RequestKind, form: BaseModel, response: Response
) -> ChangeRequest:
    """File ``form``; the answer's Location names the request."""
    request = await file_request(filing, customer_id, kind, form)
    response.headers["Location"] = f"/requests/{request.id}"
    return request
