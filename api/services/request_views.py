"""The "existing versus requested" view of a request, per kind."""

from dataclasses import replace
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.approval import Approval
from models.contact_change import project, stored_batch
from models.contact_state import ContactState
from models.customer import Customer, CustomerPublic
from models.enums import RequestKind, Role, Side
from models.profile_change import ProfileChangeCreate
from models.purchaser import Purchaser
from models.purchaser_addition import roles_after_addition, stored_addition
from models.purchaser_removal import PurchaserRemoval, roles_after_removal
from models.queries import contact_state, living_contacts, purchaser_of
from models.request import ApprovalPublic, ChangeRequest, RequestPublic


async def _profile_view(
    session: AsyncSession, request: ChangeRequest
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    customer = await session.get(Customer, request.customer_id)
    existing = customer.profile().model_dump(mode="json") if customer else None
    if request.outcome and "previous" in request.outcome:
        # Implemented: the details it replaced, not today's.
        existing = request.outcome["previous"]
    requested = (
        ProfileChangeCreate.model_validate(request.requested).effective().model_dump(mode="json")
        if request.requested is not None
        else None
    )
    return existing, requested


async def _contacts_view(
    session: AsyncSession, request: ChangeRequest
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """Contacts and roles now; the batch asked for and, while it is open, the contacts as they
    will be, each marked unchanged, updated, added or removed."""
    contacts = await living_contacts(session, request.customer_id)
    current = [contact_state(contact) for contact in contacts]
    existing = {"contacts": [_contact(state) for state in current]}
    if request.requested is None:
        return existing, None
    requested: dict[str, Any] = {"changes": request.requested["changes"]}
    if request.requested.get("approver"):
        requested["approver"] = request.requested["approver"]
    if request.status.is_open:
        batch = stored_batch(request.requested)
        requested["contacts"] = [_contact(state) for state in project(current, batch)]
    return existing, requested


def _contact(state: ContactState) -> dict[str, Any]:
    return {
        "id": str(state.id) if state.id else None,
        "side": state.side.value,
        **{
            name: (str(value) if value is not None else None)
            for name, value in state.details.items()
        },
        "roles": sorted((role.value for role in state.roles), key=_ROLE_ORDER.index),
        "change": state.change,
    }


async def _purchaser_view(
    session: AsyncSession, request: ChangeRequest
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The purchaser and contacts now; the purchaser, its contacts and approvers asked for,
    and the roles customer contacts would give up to it."""
    existing, current = await _purchaser_and_contacts(session, request)
    if request.requested is None:
        return existing, None
    # As stored: once its purchaser has been removed, the people in it are blanked out.
    requested = dict(request.requested)
    if request.status.is_open:
        form, _ = stored_addition(request.requested)
        requested["roles_moving"] = [
            {"contact_id": str(state.id), "roles": sorted(role.value for role in roles)}
            for state, roles in roles_after_addition(current, form.responsibility)
        ]
    return existing, requested


async def _removal_view(
    session: AsyncSession, request: ChangeRequest
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    """The purchaser and contacts now; the roles given back and, while open, every customer
    contact's roles once the purchaser and its contacts have gone."""
    existing, current = await _purchaser_and_contacts(session, request)
    if request.requested is None:
        return existing, None
    requested = dict(request.requested)
    if request.status.is_open:
        form = PurchaserRemoval.model_validate(request.requested)
        requested["contacts"] = [
            _contact(
                replace(
                    state, roles=roles, change="updated" if roles != state.roles else "unchanged"
                )
            )
            for state, roles in roles_after_removal(current, form)
        ] + [
            _contact(replace(state, change="removed"))
            for state in current
            if state.side is Side.PURCHASER
        ]
    return existing, requested


async def _purchaser_and_contacts(
    session: AsyncSession, request: ChangeRequest
) -> tuple[dict[str, Any], list[ContactState]]:
    purchaser = await purchaser_of(session, request.customer_id)
    current = [contact_state(c) for c in await living_contacts(session, request.customer_id)]
    existing = {
        "purchaser": _purchaser(purchaser) if purchaser else None,
        "contacts": [_contact(state) for state in current],
    }
    return existing, current


def _purchaser(purchaser: Purchaser) -> dict[str, Any]:
    return {
        **purchaser.named_address().model_dump(mode="json"),
        "id": str(purchaser.id),
        "responsibility": purchaser.responsibility.value,
    }


_ROLE_ORDER = [role.value for role in Role]
_VIEWS = {
    RequestKind.PROFILE_CHANGE: _profile_view,
    RequestKind.CONTACT_CHANGE: _contacts_view,
    RequestKind.PURCHASER_ADDITION: _purchaser_view,
    RequestKind.PURCHASER_REMOVAL: _removal_view,
}


async def present(session: AsyncSession, request: ChangeRequest) -> RequestPublic:
    existing, requested = await _VIEWS[request.kind](session, request)
    approvals = await session.exec(
        select(Approval).where(Approval.request_id == request.id).order_by(col(Approval.id))
    )
    return RequestPublic.model_validate(
        {
            **request.model_dump(),
            "existing": existing,
            "requested": requested,
            "approvals": [
                ApprovalPublic(side=approval.side.value, status=approval.status.value)
                for approval in approvals
            ],
        }
    )


async def open_of_kind(
    session: AsyncSession, customer: CustomerPublic, kind: RequestKind
) -> RequestPublic | None:
    """The customer's open request of ``kind`` as its page shows it, if it has one."""
    found = next((r for r in customer.open_requests if r.kind is kind), None)
    if found is None:
        return None
    return await present(session, await session.get_one(ChangeRequest, found.id))
