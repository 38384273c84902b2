"""Filing a contact change: the batch validated against the contacts as they are; a change
to the purchaser's side goes to the purchaser's approver first."""

import uuid

from api.identity import require_requester
from api.services import requests
from api.services.customers import load_customer
from models.approvers import approver_problems
from models.contact import Contact
from models.contact_change import (
    ContactChangeCreate,
    contact_change_problems,
    purchaser_approver_problems,
    purchaser_side_changes,
    purchasers_approver,
)
from models.enums import RequestKind, RequestStatus
from models.problems import ValidationProblems
from models.queries import (
    contact_state,
    emails_elsewhere,
    living_contacts,
    purchaser_responsibility,
)
from models.request import ChangeRequest


async def request_contact_change(
    filing: requests.Filing, customer_id: uuid.UUID, batch: ContactChangeCreate
) -> ChangeRequest:
    session, settings, principal = filing.session, filing.settings, filing.principal
    require_requester(principal, customer_id)
    await load_customer(session, principal, customer_id)
    contacts = await living_contacts(session, customer_id)
    current = [contact_state(contact) for contact in contacts]
    purchaser = await purchaser_responsibility(session, customer_id)
    problems = contact_change_problems(
        current,
        batch,
        settings.required_roles,
        purchaser,
        await emails_elsewhere(session, customer_id, batch),
    )
    needed = bool(purchaser_side_changes(current, batch, purchaser))
    holder = purchasers_approver(current)
    problems += purchaser_approver_problems(needed, batch.approver, holder)
    approver = (batch.approver or holder) if needed else None
    if approver is not None:
        requester = await session.get(Contact, principal.contact_id)
        problems += approver_problems(
            requester.email if requester else None,
            [(("body", "approver", "email"), str(approver.email))],
        )
    if problems:
        raise ValidationProblems(problems)
    requested = batch.model_dump(mode="json", exclude_unset=True, exclude={"approver"})
    if approver is not None:
        requested["approver"] = approver.model_dump(mode="json")
    return await requests.submit(
        filing,
        customer_id,
        RequestKind.CONTACT_CHANGE,
        requested,
        status=RequestStatus.AWAITING_APPROVAL if approver else RequestStatus.IN_REVIEW,
    )
