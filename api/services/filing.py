"""Filing a request of any kind: checked against the customer as it stands, every problem
at once; then stored and its workflow started."""

import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pydantic import BaseModel
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import (
    Client,
)

from api import gateway
from api.errors import (
    Conflict,
    TooMany,
    temporal_errors,
)
from api.identity import Principal, require_requester
from api.services.customers import ARCHIVED, load_customer, require_not_archived
from models.contact import Contact
from models.customer import Customer
from models.database import begin_write
from models.enums import OPEN_STATUSES, REQUESTER_ROLES, RequestKind, Side
from models.filing import FilingContext
from models.kinds import KINDS
from models.on_behalf import FIELD, on_behalf_problems
from models.payloads import (
    RequestInput,
)
from models.problems import Loc, Problem, ValidationProblems
from models.queries import contact_state, emails_taken, living_contacts, purchaser_responsibility
from models.request import ChangeRequest
from models.user import User
from settings import Settings
from telemetry import CHANGE_REQUEST_ID


@dataclass(frozen=True)
class Filing:
    """What filing any request needs: the database, Temporal, the settings and the caller."""

    session: AsyncSession
    temporal: Client
    settings: Settings
    principal: Principal


async def file_request(
    filing: Filing, customer_id: uuid.UUID, kind: RequestKind, form: BaseModel
) -> ChangeRequest:
    """Only the customer's Management or Cust Admin may request changes, and nothing is
    filed for an archived customer (409)."""
    described = KINDS[kind]
    require_requester(filing.principal, customer_id)
    customer = await load_customer(filing.session, filing.principal, customer_id)
    require_not_archived(customer)
    context = await _context(filing, customer, described.emails(form))
    conflict = described.conflict(context.purchaser)
    if conflict is not None:
        raise Conflict(conflict)
    reason = getattr(form, FIELD, None)
    problems = on_behalf_problems(filing.principal.is_staff, reason) + described.problems(
        form, context
    )
    if problems:
        raise ValidationProblems(problems)
    stored = described.stored(form, context)
    contacts = {str(contact.details.get("email") or "").lower() for contact in context.contacts}
    outside = [a for a in described.approvers(stored) if a.email.lower() not in contacts]
    return await submit(filing, customer_id, kind, stored, len(outside), reason)


async def problems_beside_schema(
    filing: Filing,
    customer_id: uuid.UUID,
    kind: RequestKind,
    body: Any,
    schema_locs: Sequence[Loc],
) -> list[Problem]:
    """A form its schema refused: who may file it is checked as in ``file_request`` (a
    caller who may not file learns nothing of the rules), then the rules' problems with
    what of ``body`` can be read, those the schema's errors do not already cover. Nothing
    is stored."""
    described = KINDS[kind]
    require_requester(filing.principal, customer_id)
    customer = await load_customer(filing.session, filing.principal, customer_id)
    require_not_archived(customer)
    reason = body.get(FIELD) if isinstance(body, dict) else None
    on_behalf = [
        problem
        for problem in on_behalf_problems(filing.principal.is_staff, reason)
        if problem.loc not in schema_locs
    ]
    if described.reading is None:
        return on_behalf
    form = described.reading.read(body)
    if form is None:
        return on_behalf
    context = await _context(filing, customer, described.emails(form))
    # As filing it would: an open request of the kind is answered (409) before any rule.
    conflict = described.conflict(context.purchaser)
    if conflict is not None:
        raise Conflict(conflict)
    if await _open_of_kind(filing.session, customer_id, kind):
        raise Conflict(f"an open {kind.label} request already exists for this customer")
    return on_behalf + described.reading.beside_schema(
        schema_locs, described.problems(form, context)
    )


async def _open_of_kind(session: AsyncSession, customer_id: uuid.UUID, kind: RequestKind) -> bool:
    found = await session.scalar(
        select(ChangeRequest.id).where(
            ChangeRequest.customer_id == customer_id,
            ChangeRequest.kind == kind,
            col(ChangeRequest.status).in_(OPEN_STATUSES),
        )
    )
    return found is not None


async def _context(filing: Filing, customer: Customer, emails: Iterable[str]) -> FilingContext:
    session, principal = filing.session, filing.principal
    taken = await emails_taken(session, emails)
    return FilingContext(
        profile=customer.profile(),
        contacts=[contact_state(c) for c in await living_contacts(session, customer.id)],
        purchaser=await purchaser_responsibility(session, customer.id),
        requester_email=await _email_of(session, principal),
        required_roles=filing.settings.required_roles,
        emails_in_use=frozenset(taken),
        emails_elsewhere=frozenset(email for email, at in taken.items() if at != customer.id),
    )


async def _email_of(session: AsyncSession, principal: Principal) -> str | None:
    """The filer's own email: a contact's, or a member of the team's (who files for a
    customer, and may no more approve it than a contact their own request)."""
    if principal.contact_id is not None:
        contact = await session.get(Contact, principal.contact_id)
        return contact.email if contact else None
    user = await session.get(User, principal.user_id)
    return user.email if user else None


def workflow_id(kind: RequestKind, customer_id: uuid.UUID) -> str:
    """Readable, and the guard of "one open request per kind and customer"."""
    return f"{kind.slug}-{customer_id}"


async def submit(
    filing: Filing,
    customer_id: uuid.UUID,
    kind: RequestKind,
    requested: dict[str, Any],
    outside_approval_emails: int = 0,
    on_behalf_reason: str | None = None,
) -> ChangeRequest:
    """Store the request and start its workflow; undone if the workflow cannot start.
    ``outside_approval_emails``: how many of its approvers are not the customer's contacts,
    counted against the customer's daily limit; ``on_behalf_reason``: why the service team
    files it for the customer, whose Management and Cust Admin are then told."""
    session, principal = filing.session, filing.principal
    request = ChangeRequest(
        kind=kind,
        status=KINDS[kind].initial_status(requested),
        customer_id=customer_id,
        requester_id=principal.user_id,
        requested=requested,
        workflow_id=workflow_id(kind, customer_id),
        outside_approval_emails=outside_approval_emails,
        on_behalf_reason=on_behalf_reason,
    )
    filed_for = await _requesters(session, customer_id) if on_behalf_reason else ()
    await begin_write(session)
    # Locked: an archiving under way finishes first, and this one then finds it archived.
    archived = await session.scalar(
        select(Customer.archived_at).where(Customer.id == customer_id).with_for_update()
    )
    if archived is not None:
        await session.rollback()
        raise Conflict(ARCHIVED)
    if outside_approval_emails:
        limit = filing.settings.outside_approval_emails_per_day
        await _within_daily_limit(session, request, limit)
    session.add(request)
    await session.commit()
    CHANGE_REQUEST_ID.set(str(request.id))
    try:
        with temporal_errors(f"an open {kind.label} request already exists for this customer"):
            await gateway.start_request(
                filing.temporal,
                filing.settings.task_queue,
                request,
                workflow_input(request, filing.settings, filed_for),
                f"**Requested by** {'the service team:' if principal.is_staff else ''} "
                f"user `{principal.user_id}`",
            )
    except BaseException:
        await begin_write(session)
        await session.delete(request)
        await session.commit()
        raise
    # The run id is recorded with the ticket, by the workflow's first step.
    return request


OUTSIDE_APPROVALS_COUNTED_FOR = timedelta(days=1)


async def _within_daily_limit(session: AsyncSession, request: ChangeRequest, limit: int) -> None:
    """Refuse (429) a request whose approval emails to people who are not the customer's
    contacts would take the customer's filings of the last day past ``limit``: nobody can be
    sent requester-written text without end."""
    # One customer's filings take turns here (SQLite's writers always do).
    await session.exec(
        select(Customer.id).where(Customer.id == request.customer_id).with_for_update()
    )
    since = request.created_at - OUTSIDE_APPROVALS_COUNTED_FOR
    earlier = list(
        await session.exec(
            select(ChangeRequest.created_at, ChangeRequest.outside_approval_emails)
            .where(
                ChangeRequest.customer_id == request.customer_id,
                col(ChangeRequest.created_at) > since,
                col(ChangeRequest.outside_approval_emails) > 0,
            )
            .order_by(col(ChangeRequest.created_at))
        )
    )
    sent = sum(count for _, count in earlier)
    if sent + request.outside_approval_emails <= limit:
        return
    await session.rollback()
    # When enough of those emails are a day old for this one to go.
    frees = earlier[-1][0] if earlier else request.created_at
    for at, count in earlier:
        sent -= count
        if sent + request.outside_approval_emails <= limit:
            frees = at
            break
    wait = frees + OUTSIDE_APPROVALS_COUNTED_FOR - request.created_at
    hours = max(1, math.ceil(wait.total_seconds() / 3600))
    raise TooMany(
        f"approval emails to people who are not this customer's contacts are limited to "
        f"{limit} a day, and this request would go past it: name approvers who are its "
        f"contacts, or try again in {hours} hour{'s' if hours > 1 else ''}",
        retry_after=max(1, math.ceil(wait.total_seconds())),
    )


async def _requesters(session: AsyncSession, customer_id: uuid.UUID) -> tuple[str, ...]:
    """The ids of the customer's Management and Cust Admin contacts."""
    return tuple(
        str(contact.id)
        for contact in await living_contacts(session, customer_id)
        if contact.side is Side.CUSTOMER and contact.role_set & REQUESTER_ROLES
    )


def workflow_input(
    request: ChangeRequest, settings: Settings, filed_for: tuple[str, ...] = ()
) -> RequestInput:
    """The workflow's input: ids, its approval sides, whom to tell the team filed it for
    them, and the settings it keeps for its whole life."""
    described = KINDS[request.kind]
    return described.workflow_input(
        {
            **settings.model_dump(),
            "request_id": str(request.id),
            "customer_id": str(request.customer_id),
            "kind": request.kind,
            "requester_id": str(request.requester_id),
            "approval_sides": described.approval_sides(request.requested or {}),
            "filed_for": filed_for,
        }
    )
