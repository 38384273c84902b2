"""A customer's profile, its contacts, and the requests filed against them."""

import functools
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status

from api.beside_schema import RulesBesideSchemaRoute
from api.deps import CurrentUser, OnboardingDep, SessionDep
from api.errors import error_responses
from api.idempotency import KEYED
from api.services import (
    audit,
    customer_archive,
    customer_directory,
    customer_messages,
    customers,
    team_notes,
)
from api.services import onboarding as onboarding_service
from models.audit import AuditEventPublic
from models.contact import ContactPublic
from models.customer import CustomerArchive, CustomerListItem, CustomerPublic
from models.email_log import MessagePublic
from models.new_customer import CustomerCreate
from models.team_note import NoteCreate, NotePublic

router = APIRouter(
    prefix="/customers", tags=["customers"], responses=error_responses(401, 404, 429, 503)
)


@router.get("", responses=error_responses(403))
async def list_customers(
    user: CurrentUser,
    session: SessionDep,
    query: Annotated[
        str | None, Query(max_length=customer_directory.QUERY_MAX, description="search")
    ] = None,
    q: Annotated[
        str | None, Query(max_length=customer_directory.QUERY_MAX, description="`query`'s old name")
    ] = None,
) -> list[CustomerListItem]:
    """The service team's directory: every customer, or those whose legal name contains
    `query` (any case), whose account reference is `query`, which have the ticket `query`,
    or one of whose contacts has the email `query`."""
    return await customer_directory.search_customers(session, user, query or q)


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


@router.post("/{customer_id}/archive", responses=error_responses(400, 403, 409, 413))
async def archive_customer(
    customer_id: uuid.UUID, body: CustomerArchive, user: CurrentUser, session: SessionDep
) -> CustomerPublic:
    """Retire the customer (the team's admins), with the reason, once none of its requests
    is open: every contact's account ends (sessions and tokens) and their personal data is
    erased, as a removal erases it; its profile, purchaser, requests and audit trail stay.
    It cannot be undone."""
    await customer_archive.archive_customer(session, user, customer_id, body.reason)
    return await customers.customer_view(session, user, customer_id)


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


# A paged list says how long it is in all.
TOTAL_COUNT: dict[int | str, dict[str, Any]] = {
    200: {
        "headers": {
            "X-Total-Count": {"description": "How many in all", "schema": {"type": "integer"}}
        }
    }
}


@router.get("/{customer_id}/notes", responses=TOTAL_COUNT)
async def list_notes(
    customer_id: uuid.UUID,
    response: Response,
    user: CurrentUser,
    session: SessionDep,
    limit: Annotated[int, Query(ge=1, le=team_notes.MAX_LIMIT)] = team_notes.PAGE_SIZE,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[NotePublic]:
    """The service team's notes on the customer, newest first, each with its author and
    the time it was added. The team's only: anyone else is answered 404."""
    page = await team_notes.customer_notes(session, user, customer_id, limit, offset)
    response.headers["X-Total-Count"] = str(page.total)
    return page.items


@router.post(
    "/{customer_id}/notes",
    status_code=status.HTTP_201_CREATED,
    responses=error_responses(400, 409, 413),
    openapi_extra=KEYED,
)
async def add_note(
    customer_id: uuid.UUID, body: NoteCreate, user: CurrentUser, session: SessionDep
) -> NotePublic:
    """A note on the customer (the service team's), dated and signed by Signoff; no contact
    ever sees it."""
    return await team_notes.add_customer_note(session, user, customer_id, body)


@router.get("/{customer_id}/messages", responses=TOTAL_COUNT)
async def list_messages(
    customer_id: uuid.UUID,
    response: Response,
    user: CurrentUser,
    session: SessionDep,
    limit: Annotated[
        int, Query(ge=1, le=customer_messages.MAX_LIMIT)
    ] = customer_messages.PAGE_SIZE,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> list[MessagePublic]:
    """The emails sent to the customer's contacts and approvers, newest first: when, to
    whom (null once that person was erased), the subject and what it was; never its text.
    The service team's only: anyone else is answered 404."""
    page = await customer_messages.messages_sent(session, user, customer_id, limit, offset)
    response.headers["X-Total-Count"] = str(page.total)
    return page.items


async def _keep(request: Request, onboarding: OnboardingDep) -> None:
    request.state.beside_schema = functools.partial(
        onboarding_service.problems_beside_schema, onboarding
    )


# Creating a customer: a body the schema refuses is answered with the rules' problems too.
creating = APIRouter(
    prefix="/customers",
    tags=["customers"],
    responses=error_responses(401, 429, 503),
    dependencies=[Depends(_keep)],
    route_class=RulesBesideSchemaRoute,
)


@creating.post(
    "", status_code=201, responses=error_responses(400, 403, 409, 413), openapi_extra=KEYED
)
async def create_customer(
    form: CustomerCreate, user: CurrentUser, session: SessionDep, onboarding: OnboardingDep
) -> CustomerPublic:
    """A new customer with its first contacts (the service team's). The rules of a contact
    change hold: every required role held, emails valid and unused by any account, each
    contact with a role; every problem at once, nothing stored on a refusal. Each contact
    is emailed the link that activates their account."""
    customer = await onboarding_service.create_customer(onboarding, form)
    return await customers.customer_view(session, user, customer.id)
