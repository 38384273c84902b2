"""The customer's contacts and their roles, read-only (the Contacts Manager comes later)."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import SessionDep
from api.portal.auth import SignedInDep
from api.portal.profile import customer_of
from api.portal.render import render
from api.services import customers

router = APIRouter()


@router.get("/portal/contacts", response_class=HTMLResponse)
async def contacts(request: Request, person: SignedInDep, session: SessionDep) -> HTMLResponse:
    """The contacts of the person's own customer, by the same service as the API's."""
    customer_id = customer_of(person)
    view = await customers.customer_view(session, person.principal, customer_id)
    return render(
        request,
        "contacts.html",
        person,
        "Contacts",
        view=view,
        contacts=await customers.contacts_view(session, person.principal, customer_id),
    )
