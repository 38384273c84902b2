"""Filing a purchaser removal: the required roles go back to customer contacts."""

import uuid

from api.errors import Conflict
from api.identity import require_requester
from api.services import requests
from api.services.customers import load_customer
from models.contact import Contact
from models.enums import RequestKind
from models.problems import ValidationProblems
from models.purchaser_removal import PurchaserRemovalCreate, purchaser_removal_problems
from models.queries import contact_state, living_contacts, purchaser_of
from models.request import ChangeRequest


async def request_purchaser_removal(
    filing: requests.Filing, customer_id: uuid.UUID, form: PurchaserRemovalCreate
) -> ChangeRequest:
    session, settings, principal = filing.session, filing.settings, filing.principal
    require_requester(principal, customer_id)
    await load_customer(session, principal, customer_id)
    if await purchaser_of(session, customer_id) is None:
        raise Conflict("no purchaser is assigned to this customer")
    requester = await session.get(Contact, principal.contact_id)
    contacts = await living_contacts(session, customer_id)
    problems = purchaser_removal_problems(
        [contact_state(contact) for contact in contacts],
        form,
        settings.required_roles,
        requester.email if requester else None,
    )
    if problems:
        raise ValidationProblems(problems)
    return await requests.submit(
        filing,
        customer_id,
        RequestKind.PURCHASER_REMOVAL,
        form.model_dump(mode="json"),
    )
