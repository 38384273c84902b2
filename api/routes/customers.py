"""A customer's profile, its contacts, and the requests filed against them."""

import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlmodel.ext.asyncio.session import AsyncSession

from api.deps import CurrentUser, FilingDep, SessionDep
from api.errors import error_responses
from api.idempotency import KEYED
from api.services import audit, customer_directory, customers
from api.services.filing import file_request, problems_beside_schema
from api.services.request_views import present
from api.services.requests import Filing
from models.audit import AuditEventPublic
from models.contact import ContactPublic
from models.customer import CustomerListItem, CustomerPublic
from models.enums import RequestKind
from models.kinds import KINDS, Kind
from models.request import ChangeRequest, RequestPublic

router = APIRouter(
    prefix="/customers", tags=["customers"], responses=error_responses(401, 404, 429, 503)
)
# Filing a request: refused by role, by an open request of its kind, or for its body.
FILING = error_responses(400, 403, 409, 413)


@router.get("", responses=error_responses(403))
async def list_customers(
    user: CurrentUser,
    session: SessionDep,
    q: Annotated[
        str | None, Query(max_length=customer_directory.QUERY_MAX, description="search")
    ] = None,
) -> list[CustomerListItem]:
    """The service team's directory: every customer, or those whose legal name contains `q`
    (any case), which have the ticket `q`, or one of whose contacts has the email `q`."""
    return await customer_directory.search_customers(session, user, q)


@router.get("/{customer_id}")
async def get_customer(
    customer_id: uuid.UUID, user: CurrentUser, session: SessionDep
) -> CustomerPublic:
    """The customer's legal and payment details, its purchaser and its open requests."""
    return await customers.customer_view(session, user, customer_id)


@router.get("/{customer_id}/contacts")
async def list_contacts(
    customer_id: uuid.UUID, user: CurrentUser, session: SessionDep
) -> list[ContactPublic]:
    """The customer's contacts with their side and roles."""
    return await customers.contacts_view(session, user, customer_id)


@router.get(
    "/{customer_id}/audit",
    response_model=list[AuditEventPublic],
    responses={
        200: {"content": {"text/csv": {}}, "description": "JSON, or CSV when asked"},
        **error_responses(403),
    },
)
async def get_audit(
    customer_id: uuid.UUID, request: Request, user: CurrentUser, session: SessionDep
) -> list[AuditEventPublic] | Response:
    """Every recorded change on the customer's requests: who (an id or a side), when, what.

    The service team and the customer's Management; CSV with `Accept: text/csv`.
    """
    events = await audit.audit_trail(session, user, customer_id)
    if "text/csv" in request.headers.get("accept", ""):
        return Response(
            audit.as_csv(events),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="audit-{customer_id}.csv"'},
        )
    return events


def _filing(kind: Kind) -> Callable[..., Awaitable[RequestPublic]]:
    """The route that files a request of ``kind``, its body the kind's own form."""

    async def file(
        customer_id: uuid.UUID,
        form: kind.form,  # type: ignore[name-defined]
        response: Response,
        filing: FilingDep,
    ) -> RequestPublic:
        request = await file_request(filing, customer_id, kind.kind, form)
        return await _created(response, filing.session, request)

    file.__doc__ = kind.summary
    return file


@dataclass(frozen=True)
class _Filed:
    """A filing as far as its dependencies go, kept for when its body is refused."""

    filing: Filing
    customer_id: uuid.UUID
    kind: RequestKind


def _kept(kind: Kind) -> Callable[..., Awaitable[None]]:
    async def keep(request: Request, customer_id: uuid.UUID, filing: FilingDep) -> None:
        request.state.filed = _Filed(filing, customer_id, kind.kind)

    return keep


class _FilingRoute(APIRoute):
    """A filing whose body the schema refuses answers one 422 with the rules' problems too,
    checked on what of the body can be read, once the caller is known to be allowed to file.

    The typed body stays, so that the schema validates and documents it as for any route.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def file(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as error:
                filed: _Filed | None = getattr(request.state, "filed", None)
                schema = list(error.errors())
                if filed is None or any(e["loc"][:1] != ("body",) for e in schema):
                    raise
                problems = await problems_beside_schema(
                    filed.filing,
                    filed.customer_id,
                    filed.kind,
                    error.body,
                    [tuple(e["loc"]) for e in schema],
                )
                if not problems:
                    raise
                rules = [problem.detail() for problem in problems]
                raise RequestValidationError([*schema, *rules], body=error.body) from None

        return file


for _kind in KINDS.values():
    router.add_api_route(
        f"/{{customer_id}}/{_kind.path}",
        _filing(_kind),
        methods=["POST"],
        name=f"request_{_kind.kind.value}",
        status_code=status.HTTP_201_CREATED,
        responses=FILING,
        openapi_extra=KEYED,
        dependencies=[Depends(_kept(_kind))],
        route_class_override=_FilingRoute,
    )


async def _created(
    response: Response, session: AsyncSession, request: ChangeRequest
) -> RequestPublic:
    response.headers["Location"] = f"/requests/{request.id}"
    return await present(session, request)
