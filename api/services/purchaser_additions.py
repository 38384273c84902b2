"""Filing a purchaser addition: validated, then sent to both approvers."""

import uuid

from api.errors import Conflict
from api.identity import require_requester
from api.services import requests
from api.services.customers import load_customer
from models.contact import Contact
from models.enums import RequestKind
from models.problems import ValidationProblems
from models.purchaser_addition import (
    PurchaserAdditionCreate,
    emails_of,
    purchaser_addition_problems,
)
from models.queries import emails_in_use, purchaser_of
from models.request import ChangeRequest


async def request_purchaser_addition(
    filing: requests.Filing, customer_id: uuid.UUID, form: PurchaserAdditionCreate
) -> ChangeRequest:
    session, principal = filing.session, filing.principal
    require_requester(principal, customer_id)
    await load_customer(session, principal, customer_id)
    if await purchaser_of(session, customer_id) is not None:
        raise Conflict("a purchaser is already assigned to this customer: remove it first")
    requester = await session.get(Contact, principal.contact_id)
    problems = purchaser_addition_problems(
        form,
        requester.email if requester else None,
        await emails_in_use(session, emails_of(form)),
    )
    if problems:
        raise ValidationProblems(problems)
    return await requests.submit(
        filing,
        customer_id,
        RequestKind.PURCHASER_ADDITION,
        form.model_dump(mode="json"),
    )
