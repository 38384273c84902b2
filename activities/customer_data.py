"""Changes to the customer's master data, each applied in one transaction."""

from dataclasses import replace
from datetime import datetime

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.audit import load_request, record
from activities.erasure import erase_contact, erase_request_data, forget_addition_people
from activities.ticket_clock import follow_request
from models.contact import Contact
from models.contact_accounts import new_contact
from models.contact_change import (
    ApplyContactChange,
    contact_change_problems,
    project,
    stored_batch,
)
from models.contact_state import ContactState
from models.customer import Customer
from models.database import SessionFactory, transaction
from models.enums import CommentKind, RequestStatus, Side
from models.payloads import (
    ApplyChange,
    ApplyResult,
    CloseRequest,
    EraseRequest,
)
from models.problems import Problem
from models.profile_change import ProfileChangeCreate
from models.purchaser import Purchaser
from models.purchaser_addition import (
    ApplyPurchaserAddition,
    emails_of,
    purchaser_addition_problems,
    roles_after_addition,
    stored_addition,
)
from models.purchaser_removal import (
    ApplyPurchaserRemoval,
    PurchaserRemoval,
    purchaser_removal_problems,
    roles_after_removal,
)
from models.queries import (
    contact_state,
    emails_taken,
    living_contacts,
    purchaser_of,
    purchaser_responsibility,
)
from models.request import ChangeRequest
from models.sla import Targets
from models.ticket import Ticket, TicketComment


def _already(request: ChangeRequest, status: RequestStatus) -> bool:
    """True when this outcome was applied before (a retry); refuses any other closed state."""
    if request.status is status:
        return True
    if not request.status.is_open:
        raise ApplicationError(
            f"request {request.id} is already {request.status.value}",
            type="RequestClosed",
            non_retryable=True,
        )
    return False


def _applied_before(request: ChangeRequest) -> ApplyResult:
    """The result a retry gives: the contacts the first attempt added, and those whose roles
    it moved, from its outcome."""
    outcome = request.outcome or {}
    return ApplyResult(
        applied=True,
        new_contact_ids=tuple(outcome.get("added", ())),
        roles_moved_from=tuple(outcome.get("roles_moved", {})),
    )


class CustomerDataActivities:
    def __init__(self, sessions: SessionFactory, link_secret: str, targets: Targets) -> None:
        self._sessions = sessions
        self._link_secret = link_secret
        self._targets = targets

    @activity.defn
    async def apply_profile_change(self, command: ApplyChange) -> None:
        async with transaction(self._sessions) as session:
            request = await load_request(session, command.request_id)
            if _already(request, RequestStatus.IMPLEMENTED):
                return
            customer = await session.get(Customer, request.customer_id, with_for_update=True)
            if customer is None or request.requested is None:
                raise ApplicationError(
                    "customer or requested data missing", type="DataMissing", non_retryable=True
                )
            change = ProfileChangeCreate.model_validate(request.requested)
            # What it replaced, so that the request still shows its before and after.
            request.outcome = {"previous": customer.profile().model_dump(mode="json")}
            customer.set_profile(change.effective(), command.at)
            await _close(session, request, RequestStatus.IMPLEMENTED, command.at, self._targets)
            record(session, request, "implemented", command.at, actor=command.actor)

    @activity.defn
    async def apply_contact_change(self, command: ApplyContactChange) -> ApplyResult:
        """Apply the batch in one transaction, or return it if it no longer fits the data."""
        async with transaction(self._sessions) as session:
            request = await load_request(session, command.request_id)
            if _already(request, RequestStatus.IMPLEMENTED):
                return _applied_before(request)
            assert request.requested is not None
            batch = stored_batch(request.requested)
            contacts = await living_contacts(session, request.customer_id, lock=True)
            current = [contact_state(contact) for contact in contacts]
            taken = await emails_taken(session, batch.emails_given())
            problems = contact_change_problems(
                current,
                batch,
                command.required_roles,
                await purchaser_responsibility(session, request.customer_id),
                frozenset(email for email, at in taken.items() if at != request.customer_id),
            )
            if problems:
                comment_id = await _return_to_service_team(session, request, problems, command.at)
                return ApplyResult(applied=False, comment_id=comment_id)

            by_id = {contact.id: contact for contact in contacts if contact.id is not None}
            projected = project(current, batch)
            outcome: dict[str, list[str]] = {"added": [], "updated": [], "removed": []}
            # Removals first, so that an email they free can be taken by a new contact.
            for state in projected:
                if state.change == "removed" and state.id is not None:
                    await erase_contact(session, by_id[state.id], command.at)
                    outcome["removed"].append(str(state.id))
            await session.flush()
            for state in projected:
                if state.change == "updated" and state.id is not None:
                    _write(by_id[state.id], state)
                    outcome["updated"].append(str(state.id))
                elif state.change == "added":
                    contact = await self._create(
                        session, request, state, command.at, command.activation_expiry_seconds
                    )
                    outcome["added"].append(str(contact.id))
            request.outcome = outcome
            await _close(session, request, RequestStatus.IMPLEMENTED, command.at, self._targets)
            record(session, request, "implemented", command.at, actor=command.actor, **outcome)
            return ApplyResult(applied=True, new_contact_ids=tuple(outcome["added"]))

    @activity.defn
    async def apply_purchaser_addition(self, command: ApplyPurchaserAddition) -> ApplyResult:
        """Assign the purchaser, create its contacts, and move its roles off customer contacts."""
        async with transaction(self._sessions) as session:
            request = await load_request(session, command.request_id)
            if _already(request, RequestStatus.IMPLEMENTED):
                return _applied_before(request)
            assert request.requested is not None
            form, erased = stored_addition(request.requested)
            problems = purchaser_addition_problems(
                form, None, frozenset(await emails_taken(session, emails_of(form)))
            )
            if erased:
                problems.append(
                    Problem(
                        ("body", "contacts"),
                        "a purchaser contact it names was removed since, and their details erased",
                        "contact_erased",
                    )
                )
            if await purchaser_responsibility(session, request.customer_id) is not None:
                problems.append(
                    Problem(("body",), "a purchaser is already assigned", "purchaser_assigned")
                )
            if problems:
                comment_id = await _return_to_service_team(session, request, problems, command.at)
                return ApplyResult(applied=False, comment_id=comment_id)

            session.add(
                Purchaser(
                    customer_id=request.customer_id,
                    name=form.purchaser.name,
                    street=form.purchaser.address.street,
                    city=form.purchaser.address.city,
                    postal_code=form.purchaser.address.postal_code,
                    country=form.purchaser.address.country,
                    responsibility=form.responsibility,
                    request_id=request.id,
                    assigned_at=command.at,
                )
            )
            contacts = await living_contacts(session, request.customer_id, lock=True)
            by_id = {contact.id: contact for contact in contacts}
            moved: dict[str, list[str]] = {}
            for state, roles in roles_after_addition(
                [contact_state(contact) for contact in contacts], form.responsibility
            ):
                assert state.id is not None
                _write(by_id[state.id], replace(state, roles=state.roles - roles))
                moved[str(state.id)] = sorted(role.value for role in roles)
            added = []
            for new in form.contacts:
                state = ContactState(
                    id=None,
                    side=Side.PURCHASER,
                    details=new.model_dump(exclude={"roles"}),
                    roles=frozenset(new.roles),
                )
                contact = await self._create(
                    session, request, state, command.at, command.activation_expiry_seconds
                )
                added.append(str(contact.id))
            request.outcome = {"added": added, "roles_moved": moved}
            await _close(session, request, RequestStatus.IMPLEMENTED, command.at, self._targets)
            record(
                session,
                request,
                "implemented",
                command.at,
                actor=command.actor,
                added=added,
                roles_moved=moved,
            )
            return ApplyResult(
                applied=True, new_contact_ids=tuple(added), roles_moved_from=tuple(moved)
            )

    @activity.defn
    async def apply_purchaser_removal(self, command: ApplyPurchaserRemoval) -> ApplyResult:
        """Remove the purchaser and erase its contacts; give their roles back as requested."""
        async with transaction(self._sessions) as session:
            request = await load_request(session, command.request_id)
            if _already(request, RequestStatus.IMPLEMENTED):
                return ApplyResult(applied=True)
            assert request.requested is not None
            form = PurchaserRemoval.model_validate(request.requested)
            purchaser = await purchaser_of(session, request.customer_id)
            contacts = await living_contacts(session, request.customer_id, lock=True)
            current = [contact_state(contact) for contact in contacts]
            problems = purchaser_removal_problems(current, form, command.required_roles, None)
            if purchaser is None:
                problems.append(Problem(("body",), "no purchaser is assigned", "no_purchaser"))
            if problems:
                comment_id = await _return_to_service_team(session, request, problems, command.at)
                return ApplyResult(applied=False, comment_id=comment_id)
            assert purchaser is not None

            removed = []
            for contact in contacts:
                if contact.side is Side.PURCHASER:
                    await erase_contact(session, contact, command.at)
                    removed.append(str(contact.id))
            by_id = {contact.id: contact for contact in contacts}
            given: dict[str, list[str]] = {}
            for state, roles in roles_after_removal(current, form):
                if roles != state.roles and state.id is not None:
                    _write(by_id[state.id], replace(state, roles=roles))
                    given[str(state.id)] = sorted(role.value for role in roles - state.roles)
            await forget_addition_people(session, purchaser.request_id, command.at)
            outcome = {"purchaser": str(purchaser.id), "removed": removed, "roles_given": given}
            await session.delete(purchaser)
            request.outcome = outcome
            await _close(session, request, RequestStatus.IMPLEMENTED, command.at, self._targets)
            record(session, request, "implemented", command.at, actor=command.actor, **outcome)
            return ApplyResult(applied=True)

    @activity.defn
    async def erase_request(self, command: EraseRequest) -> None:
        """Erase what a request that will never be applied brought in: closing it as
        rejected or expired, or once it was declined or cancelled."""
        async with transaction(self._sessions) as session:
            request = await load_request(session, command.request_id)
            closing = not _already(request, command.status)
            erased = await erase_request_data(session, request, command.at)
            if closing:
                await _close(session, request, command.status, command.at, self._targets)
                record(session, request, command.status.value, command.at, erased=True)
            elif erased:
                record(session, request, "erased", command.at)

    async def _create(
        self,
        session: AsyncSession,
        request: ChangeRequest,
        state: ContactState,
        at: datetime,
        activation_expiry_seconds: int,
    ) -> Contact:
        """A new contact, its user account pending activation, and the link to activate it."""
        return await new_contact(
            session,
            request.customer_id,
            state.side,
            state.details,
            state.roles,
            at,
            (self._link_secret, activation_expiry_seconds),
            request.id,
        )

    @activity.defn
    async def close_request(self, command: CloseRequest) -> None:
        """Record a decline or cancellation (the decline reason is already on the ticket)."""
        async with transaction(self._sessions) as session:
            request = await load_request(session, command.request_id)
            if _already(request, command.status):
                return
            await _close(session, request, command.status, command.at, self._targets)
            record(
                session,
                request,
                command.status.value,
                command.at,
                actor=command.actor,
                note=command.note_id,
            )


def _write(contact: Contact, state: ContactState) -> None:
    contact.set_details(state.details)
    contact.roles = sorted(role.value for role in state.roles)


async def _return_to_service_team(
    session: AsyncSession, request: ChangeRequest, problems: list[Problem], at: datetime
) -> int:
    """Put the reasons on the ticket; the request stays with the service team."""
    ticket = await session.scalar(select(Ticket).where(Ticket.request_id == request.id))
    if ticket is None or ticket.id is None:
        raise ApplicationError("the request has no ticket", type="DataMissing", non_retryable=True)
    # A retry of the same attempt to implement (same time) finds the comment it wrote.
    written = await session.scalar(
        select(TicketComment.id).where(
            TicketComment.ticket_id == ticket.id,
            TicketComment.kind == CommentKind.SYSTEM,
            TicketComment.created_at == at,
        )
    )
    if written is not None:
        return int(written)
    reasons = "\n".join(f"- {_where(problem)}{problem.msg}" for problem in problems)
    comment = TicketComment(
        ticket_id=ticket.id,
        kind=CommentKind.SYSTEM,
        body=(
            "This request can no longer be applied as it stands, because the data changed "
            f"since it was submitted:\n{reasons}\nIt is back with the service team."
        ),
        created_at=at,
    )
    session.add(comment)
    request.updated_at = at
    record(session, request, "returned", at, problems=[problem.type for problem in problems])
    await session.flush()
    assert comment.id is not None
    return comment.id


def _where(problem: Problem) -> str:
    position = [str(part) for part in problem.loc if isinstance(part, int)]
    return f"change {position[0]}: " if position else ""


async def _close(
    session: AsyncSession,
    request: ChangeRequest,
    status: RequestStatus,
    at: datetime,
    targets: Targets,
) -> None:
    request.status = status
    request.updated_at = at
    request.closed_at = at
    await follow_request(session, request.id, at, targets)
