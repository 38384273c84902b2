"""Archive customer, on the customer's page (the team's admins): it cannot be undone, so the
form asks first on a page of its own, which archives only with its own button."""

import uuid

from fastapi import APIRouter
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, Response

from api.errors import Conflict
from api.portal.auth import PostedForm
from api.portal.customers import ArchiveTyped, customer_page, staff_only
from api.portal.forms import FormErrors, sentence
from api.portal.render import redirect, render
from api.services import customer_archive

router = APIRouter()

REASON = "reason"
# The confirmation page's button sends confirm=yes; the customer page's form does not (as
# the team page's Deactivate asks first).
CONFIRM, YES = "confirm", "yes"


@router.post("/portal/customers/{customer_id}/archive", response_class=HTMLResponse)
async def archive(customer_id: uuid.UUID, sent: PostedForm) -> Response:
    """From the customer's page: the confirmation page. From the confirmation page:
    archive, then back to the customer's page. A refusal shows on the customer's page,
    with the reason as typed."""
    request, person, session, _, _ = sent
    staff_only(person)
    posted = await request.form()
    reason = str(posted.get(REASON, ""))
    try:
        if posted.get(CONFIRM) != YES:
            asked = await customer_archive.archivable(
                session, person.principal, customer_id, reason
            )
            title = f"Archive {asked.customer.legal_name}?"
            return render(request, "customer_archive.html", person, title, asked=asked)
        await customer_archive.archive_customer(session, person.principal, customer_id, reason)
    except RequestValidationError as refused:
        errors = FormErrors(
            labels={REASON: "Reason"},
            empty={REASON: "Enter the reason for archiving the customer"},
        )
        errors.refuse(refused.errors())
        typed = ArchiveTyped(reason=reason, errors=errors)
        return await customer_page(request, person, session, customer_id, typed, 422)
    except Conflict as conflict:
        typed = ArchiveTyped(reason=reason, errors=FormErrors(general=[sentence(conflict.detail)]))
        return await customer_page(request, person, session, customer_id, typed, 409)
    return redirect(f"/portal/customers/{customer_id}", "archived")
