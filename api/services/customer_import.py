"""Importing customers and their contacts from a CSV file (``signoff import``): each
customer is planned against the database and, unless it is a dry run, stored in a
transaction of its own; a customer with any problem is left out whole. New contacts are
welcomed by a workflow only when asked; otherwise their accounts are active at once."""

import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client
from temporalio.service import RPCError

from api import gateway
from api.errors import ApiError
from models.audit import AuditEvent
from models.contact import Contact
from models.contact_accounts import new_contact
from models.contact_state import ContactState
from models.customer import Customer, profile_columns
from models.customer_import import (
    CustomerRows,
    Existing,
    ImportFile,
    Plan,
    RowProblem,
    plan_customer,
)
from models.database import SessionFactory, transaction
from models.email_log import EmailLog
from models.enums import OPEN_STATUSES, LinkPurpose, Side, UserState
from models.link import LinkToken
from models.payloads import Welcome
from models.purchaser import Purchaser
from models.queries import contact_state, emails_taken
from models.request import ChangeRequest
from models.types import utcnow
from models.user import User
from settings import Settings

# Who the audit trail says made the change: the import, run by an operator.
ACTOR = "system:import"
CHANGED_MEANWHILE = (
    "the database changed while this customer was imported (an email or the reference "
    "taken meanwhile): nothing of it was stored; run the import again"
)


@dataclass(frozen=True)
class ImportRun:
    """What an import needs. With ``temporal``, new contacts wait for their welcome email's
    link; without, their accounts are active at once. A dry run changes nothing."""

    sessions: SessionFactory
    settings: Settings
    temporal: Client | None = None
    dry_run: bool = False


@dataclass
class Imported:
    """A customer of the file: what importing it did (or would do), and its welcome."""

    plan: Plan
    customer_id: uuid.UUID | None = None
    added: list[uuid.UUID] = field(default_factory=list)
    welcomed: int = 0
    welcome_failed: str | None = None

    @property
    def outcome(self) -> str:
        return self.plan.outcome


@dataclass
class ImportReport:
    customers: list[Imported]
    # Rows that name no customer (no reference), left out.
    stray: list[RowProblem]
    dry_run: bool

    def count(self, outcome: str) -> int:
        return sum(1 for customer in self.customers if customer.outcome == outcome)

    @property
    def complete(self) -> bool:
        """Whether every row went in (or would), and every welcome asked for started."""
        return not self.stray and all(
            customer.outcome != "left out" and customer.welcome_failed is None
            for customer in self.customers
        )


# Customers planned together, from one read of what the database holds of them; the
# emails looked up in one query (well within any database's limit on parameters).
CHUNK = 200
EMAILS_AT_ONCE = 1000


async def import_file(
    run: ImportRun, file: ImportFile, advance: Callable[[], None] = lambda: None
) -> ImportReport:
    """Import each customer of the file in turn (``advance`` is called after each). They
    are planned a chunk at a time from one read; one that changes something is planned
    again, and stored, in its own transaction."""
    report = ImportReport([], list(file.problems), run.dry_run)
    for start in range(0, len(file.customers), CHUNK):
        chunk = file.customers[start : start + CHUNK]
        async with run.sessions() as session:
            plans = await _plans(session, chunk, run.settings)
        for customer, plan in zip(chunk, plans, strict=True):
            goes_in = plan.outcome in ("created", "updated")
            # With --welcome, an unchanged customer may have a welcome to start again.
            if run.dry_run or not (goes_in or (run.temporal and plan.outcome == "unchanged")):
                report.customers.append(Imported(plan))
            else:
                report.customers.append(await import_customer(run, customer))
            advance()
    return report


async def import_customer(run: ImportRun, customer: CustomerRows) -> Imported:
    """Plan the customer and store it, in one transaction; then have its new contacts
    welcomed if asked (and those of an earlier run whose welcome never started)."""
    welcome: list[uuid.UUID] = []
    try:
        async with transaction(run.sessions) as session:
            [plan] = await _plans(session, [customer], run.settings)
            imported = Imported(plan)
            if plan.outcome == "left out":
                return imported
            now = utcnow()
            imported.customer_id, imported.added = await _store(session, plan, now, run)
            if run.temporal is not None:
                welcome = imported.added + await _unwelcomed(session, plan.listed, now)
    except IntegrityError:
        problem = RowProblem(customer.first_line, None, CHANGED_MEANWHILE)
        left_out = Plan(customer.reference, customer.name, customer.first_line, None, [problem])
        return Imported(left_out)
    if run.temporal is not None and welcome:
        try:
            await gateway.welcome(
                run.temporal,
                run.settings.task_queue,
                Welcome(
                    customer_id=str(imported.customer_id),
                    contact_ids=tuple(str(contact_id) for contact_id in welcome),
                    at=now,
                    lifetime_seconds=run.settings.activation_expiry_seconds,
                ),
            )
            imported.welcomed = len(welcome)
        except (ApiError, RPCError) as error:
            imported.welcome_failed = str(error)
    return imported


async def _plans(
    session: AsyncSession, customers: Sequence[CustomerRows], settings: Settings
) -> list[Plan]:
    """What importing each customer does, against the customer its reference names (in
    any case) and the accounts its emails name: a few queries for them all."""
    references = {customer.reference.lower() for customer in customers}
    found = await session.exec(
        select(Customer).where(func.lower(Customer.reference).in_(references))
    )
    by_reference = {str(customer.reference).lower(): customer for customer in found}
    ids = [customer.id for customer in by_reference.values()]
    contacts: dict[uuid.UUID, list[ContactState]] = defaultdict(list)
    for contact in await session.exec(
        select(Contact)
        .where(col(Contact.customer_id).in_(ids), col(Contact.removed_at).is_(None))
        .order_by(col(Contact.last_name), col(Contact.first_name), col(Contact.id))
    ):
        contacts[contact.customer_id].append(contact_state(contact))
    purchasers = await session.exec(select(Purchaser).where(col(Purchaser.customer_id).in_(ids)))
    open_requests = set(
        await session.exec(
            select(ChangeRequest.customer_id).where(
                col(ChangeRequest.customer_id).in_(ids),
                col(ChangeRequest.status).in_(OPEN_STATUSES),
            )
        )
    )
    responsibility = {purchaser.customer_id: purchaser.responsibility for purchaser in purchasers}
    emails = [email for customer in customers for email in customer.emails()]
    taken: dict[str, uuid.UUID | None] = {}
    for start in range(0, len(emails), EMAILS_AT_ONCE):
        taken |= await emails_taken(session, emails[start : start + EMAILS_AT_ONCE])
    plans = []
    for customer in customers:
        row = by_reference.get(customer.reference.lower())
        existing = None
        if row is not None:
            existing = Existing(
                id=row.id,
                profile=row.profile(),
                contacts=tuple(contacts[row.id]),
                purchaser=responsibility.get(row.id),
                archived=row.archived_at is not None,
                open_request=row.id in open_requests,
            )
        theirs = {email: taken[email] for email in customer.emails() if email in taken}
        plans.append(plan_customer(customer, existing, theirs, settings.required_roles))
    return plans


async def _store(
    session: AsyncSession, plan: Plan, now: datetime, run: ImportRun
) -> tuple[uuid.UUID, list[uuid.UUID]]:
    """Create or update the customer as planned, with its audit event (ids only): its id,
    and the ids of the contacts it adds."""
    if plan.existing is not None and plan.outcome == "unchanged":
        return plan.existing.id, []
    if plan.existing is None:
        assert plan.profile is not None
        customer = Customer.model_validate(
            {
                **profile_columns(plan.profile),
                "reference": plan.reference,
                "created_at": now,
                "updated_at": now,
            }
        )
        session.add(customer)
        await session.flush()
    else:
        customer = await session.get_one(Customer, plan.existing.id)
        if plan.profile is not None:
            customer.set_profile(plan.profile, now)
    settings = run.settings
    activation = (settings.secret_key, settings.activation_expiry_seconds) if run.temporal else None
    added, updated = [], []
    for state in plan.contacts:
        if state.change == "updated" and state.id is not None:
            contact = await session.get_one(Contact, state.id)
            contact.set_details(state.details)
            contact.roles = sorted(role.value for role in state.roles)
            updated.append(contact.id)
        else:
            contact = await new_contact(
                session, customer.id, Side.CUSTOMER, state.details, state.roles, now, activation
            )
            added.append(contact.id)
    detail: dict[str, object] = {"contacts_added": [str(contact_id) for contact_id in added]}
    if plan.existing is not None:
        detail["profile_changed"] = plan.profile is not None
        detail["contacts_updated"] = [str(contact_id) for contact_id in updated]
    session.add(
        AuditEvent(
            customer_id=customer.id,
            actor=ACTOR,
            action="customer_imported" if plan.existing is None else "customer_updated_by_import",
            detail=detail,
            at=now,
        )
    )
    return customer.id, added


async def _unwelcomed(
    session: AsyncSession, contact_ids: Sequence[uuid.UUID], now: datetime
) -> list[uuid.UUID]:
    """Of these contacts, those still waiting for a welcome email no one has sent, their
    link open: an earlier run's, whose welcome did not start."""
    if not contact_ids:
        return []
    pending = set(
        await session.exec(
            select(Contact.id)
            .join(User, col(User.contact_id) == Contact.id)
            .join(LinkToken, col(LinkToken.user_id) == User.id)
            .where(
                col(Contact.id).in_(contact_ids),
                User.state == UserState.PENDING_ACTIVATION,
                LinkToken.purpose == LinkPurpose.ACTIVATION,
                col(LinkToken.used_at).is_(None),
                LinkToken.expires_at > now,
            )
        )
    )
    keys = {f"welcome-{contact_id}": contact_id for contact_id in pending}
    sent = set(await session.exec(select(EmailLog.key).where(col(EmailLog.key).in_(keys))))
    return [
        contact_id
        for contact_id in contact_ids
        if contact_id in pending and f"welcome-{contact_id}" not in sent
    ]


def describe(report: ImportReport, welcome: bool) -> list[str]:
    """What the import did (or, in a dry run, would do), customer by customer, then in
    figures: the lines ``signoff import`` prints. ``welcome``: whether it was asked to
    welcome new contacts."""
    dry = report.dry_run
    lines: list[str] = []
    for imported in report.customers:
        plan = imported.plan
        who = f"{plan.reference} ({plan.name})" if plan.name else plan.reference
        if imported.outcome == "created":
            verb = "Would create" if dry else "Created"
            lines.append(f"{verb} {who} with {_count(len(plan.added()), 'contact')}")
        elif imported.outcome == "updated":
            verb = "Would update" if dry else "Updated"
            lines.append(f"{verb} {who}: {_changes(plan)}")
        elif imported.outcome == "left out":
            lines.append(f"Left out {who}:")
            lines += [f"  {problem}" for problem in plan.problems]
        if imported.welcome_failed is not None:
            lines.append(
                f"Welcome emails not started for {who}: {imported.welcome_failed}. Its "
                "contacts are in; run the import again with --welcome to start them."
            )
    if report.stray:
        lines.append("Left out, naming no customer:")
        lines += [f"  {problem}" for problem in report.stray]
    lines += _contacts_summary(report, welcome)
    return lines


def _changes(plan: Plan) -> str:
    parts = ["name and address"] if plan.profile is not None else []
    if added := len(plan.added()):
        parts.append(f"{_count(added, 'contact')} added")
    if updated := len(plan.updated()):
        parts.append(f"{_count(updated, 'contact')} updated")
    said = ", ".join(parts)
    if plan.unlisted:
        said += f"; {_count(plan.unlisted, 'contact')} not in the file left as they are"
    return said


def _contacts_summary(report: ImportReport, welcome: bool) -> list[str]:
    dry = report.dry_run
    going_in = [c for c in report.customers if c.outcome in ("created", "updated")]
    added = sum(len(c.plan.added()) for c in going_in)
    updated = sum(len(c.plan.updated()) for c in going_in)
    unlisted = sum(c.plan.unlisted for c in report.customers if c.outcome != "left out")
    figures = (
        f"{report.count('created')} {'to create' if dry else 'created'}, "
        f"{report.count('updated')} {'to update' if dry else 'updated'}, "
        f"{report.count('unchanged')} unchanged, {report.count('left out')} left out; "
        f"contacts: {added} {'to add' if dry else 'added'}, "
        f"{updated} {'to update' if dry else 'updated'}"
    )
    lines = []
    if unlisted:
        lines.append(
            f"{_count(unlisted, 'contact')} of these customers not in the file: left as they are."
        )
    welcomed = sum(c.welcomed for c in report.customers)
    if welcome and dry and added:
        lines.append("New contacts would be emailed the link that activates their account.")
    elif welcome and welcomed:
        lines.append(
            f"Welcome emails started for {_count(welcomed, 'contact')}: each is emailed the "
            "link that activates their account."
        )
    elif added and not welcome:
        lines.append(
            f"New contacts' accounts {'would be' if dry else 'are'} active at once: they sign "
            "in with the portal's emailed link (no welcome email without --welcome)."
        )
    lines.append(f"{'Dry run, nothing changed: ' if dry else ''}{figures}.")
    return lines


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
