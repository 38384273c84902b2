"""Creating a customer with its first contacts: checked as a contact change is, every
problem at once; stored in one transaction, then its contacts welcomed by a workflow."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api import gateway
from api.errors import Conflict
from api.identity import Principal, require_staff
from models.audit import AuditEvent
from models.contact_accounts import new_contact
from models.customer import Customer, profile_columns
from models.database import begin_write
from models.enums import Side
from models.new_customer import (
    READING,
    CustomerCreate,
    contacts_problems,
    new_customer_problems,
    readable_contacts,
    readable_reference,
    reference_problems,
)
from models.payloads import Welcome
from models.problems import Loc, Problem, ValidationProblems
from models.queries import emails_taken
from models.types import utcnow
from settings import Settings


@dataclass(frozen=True)
class Onboarding:
    """What creating a customer needs: the database, Temporal, the settings and the caller."""

    session: AsyncSession
    temporal: Client
    settings: Settings
    principal: Principal


async def reference_taken(
    session: AsyncSession, reference: str | None, besides: Customer | None = None
) -> bool:
    """Whether another customer has the account reference (any case)."""
    if reference is None:
        return False
    statement = select(Customer.id).where(func.lower(Customer.reference) == reference.lower())
    if besides is not None:
        statement = statement.where(Customer.id != besides.id)
    return await session.scalar(statement) is not None


async def create_customer(onboarding: Onboarding, form: CustomerCreate) -> Customer:
    """The service team's only (403). Refused with every problem at once (422), storing
    nothing. Each contact's welcome is asked of Temporal before the customer is committed,
    so that none is ever stored without one: if Temporal cannot take them, nothing is
    stored (503); if the commit fails, the welcomes are stopped (and one left running finds
    no contact and ends)."""
    session, settings, principal = onboarding.session, onboarding.settings, onboarding.principal
    require_staff(principal)
    await begin_write(session)
    problems = new_customer_problems(
        form,
        settings.required_roles,
        frozenset(await emails_taken(session, form.emails())),
        await reference_taken(session, form.reference),
    )
    if problems:
        await session.rollback()
        raise ValidationProblems(problems)
    now = utcnow()
    customer = Customer.model_validate(
        {
            **profile_columns(form.profile()),
            "reference": form.reference,
            "created_at": now,
            "updated_at": now,
        }
    )
    session.add(customer)
    await session.flush()
    activation = (settings.secret_key, settings.activation_expiry_seconds)
    contacts = [
        await new_contact(
            session,
            customer.id,
            Side.CUSTOMER,
            new.model_dump(exclude={"roles"}),
            new.roles,
            now,
            activation,
        )
        for new in form.contacts
    ]
    contact_ids = tuple(str(contact.id) for contact in contacts)
    session.add(
        AuditEvent(
            customer_id=customer.id,
            actor=principal.actor,
            action="customer_created",
            detail={"contacts": list(contact_ids)},
            at=now,
        )
    )
    await session.flush()
    welcome = Welcome(
        customer_id=str(customer.id),
        contact_ids=contact_ids,
        at=now,
        lifetime_seconds=settings.activation_expiry_seconds,
    )
    try:
        await gateway.welcome(onboarding.temporal, settings.task_queue, welcome)
    except BaseException:
        await session.rollback()
        raise
    try:
        await session.commit()
    except BaseException as error:
        await gateway.forget_welcomes(onboarding.temporal, contact_ids)
        if isinstance(error, IntegrityError):
            # Another customer took one of these emails, or the reference, at this moment.
            raise Conflict(
                "another account took one of these emails, or another customer this account "
                "reference, at the same moment: check them and try again"
            ) from error
        raise
    return customer


async def problems_beside_schema(
    onboarding: Onboarding, body: Any, schema_locs: Sequence[Loc]
) -> list[Problem]:
    """A form its schema refused: the caller is checked as in ``create_customer`` (403 for
    anyone but the team), then the rules' problems with what of ``body`` can be read, those
    the schema's do not already cover. Nothing is stored."""
    session, settings = onboarding.session, onboarding.settings
    require_staff(onboarding.principal)
    taken_reference = await reference_taken(session, readable_reference(body))
    batch = readable_contacts(body)
    if batch is None:
        problems = reference_problems(taken_reference)
    else:
        taken = frozenset(await emails_taken(session, batch.emails_given()))
        problems = contacts_problems(batch, settings.required_roles, taken, taken_reference)
    return READING.beside_schema(schema_locs, problems)
