"""Filing a contact change: the batch validated against the contacts as they are."""

import uuid

from api.identity import require_requester
from api.services import requests
from api.services.customers import load_customer
from models.contact_change import ContactChangeCreate, contact_change_problems
from models.enums import RequestKind
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
    problems = contact_change_problems(
        [contact_state(contact) for contact in contacts],
        batch,
        settings.required_roles,
        await purchaser_responsibility(session, customer_id),
        await emails_elsewhere(session, customer_id, batch),
    )
    if problems:
        raise ValidationProblems(problems)
    return await requests.submit(
        filing,
        customer_id,
        RequestKind.CONTACT_CHANGE,
        batch.model_dump(mode="json", exclude_unset=True),
    )
