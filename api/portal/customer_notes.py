"""Add note, on a customer's page: the service team's note on the customer, signed and dated
by Signoff, which none of its contacts ever sees."""

import uuid

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from api.errors import Conflict
from api.portal.auth import PostedForm
from api.portal.customers import NoteTyped, customer_page, staff_only
from api.portal.forms import FormErrors, posted_form_key, sentence
from api.portal.render import redirect
from api.services import team_notes
from models.team_note import NoteCreate

router = APIRouter()

NOTE = "note"
_LABELS = {NOTE: "Customer note"}
_EMPTY = {NOTE: "Write the note before adding it"}


@router.post("/portal/customers/{customer_id}/notes", response_class=HTMLResponse)
async def add_note(customer_id: uuid.UUID, sent: PostedForm) -> Response:
    """Add note: by the same service as the API's; a refusal shows beside the field, with
    the note as typed."""
    request, person, session, _, _ = sent
    staff_only(person)
    posted = await request.form()
    body = str(posted.get(NOTE, ""))
    errors = FormErrors(
        labels=_LABELS, known=frozenset(_LABELS), names={"body": NOTE}, empty=_EMPTY
    )
    form = errors.parse(NoteCreate, {"body": body})
    if form is not None:
        try:
            await team_notes.add_customer_note(
                session, person.principal, customer_id, form, posted_form_key(posted)
            )
        except Conflict as conflict:
            errors.add(NOTE, sentence(conflict.detail))
        else:
            return redirect(f"/portal/customers/{customer_id}", "noted")
    typed = NoteTyped(body=body, error=" ".join([*errors.fields[NOTE], *errors.general]))
    status_code = 409 if form is not None else 422
    return await customer_page(
        request, person, session, customer_id, note=typed, status_code=status_code
    )
