"""Rendering a portal page: one layout, the navigation the person may use, the form token."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import HTTPException, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from api.portal.auth import form_token
from api.portal.due import due_in_words, next_due_in_words
from api.portal.forms import new_form_key
from api.services.portal_sessions import SignedIn
from models.access import may_manage_team
from models.file_types import EXTENSIONS, size_in_words
from settings import Settings

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent.parent / "templates")

# Everything a page uses is served by Signoff itself; the portal runs no inline code.
PORTAL_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'; "
        "form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    # Emailed links carry a token in the page's address. Not "no-referrer": with it,
    # browsers send "Origin: null" with the page's form (the activation's and the sign-in
    # link's, which sign in), and the same-origin check must refuse that. "strict-origin"
    # keeps the form's Origin and sends any Referer as the origin alone, so the token goes
    # nowhere, not even to Signoff's own access log.
    "Referrer-Policy": "strict-origin",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}

# What a page says after a form succeeded (the redirect names one of these, never free text).
NOTICES = {
    "signed-in": "You are signed in.",
    "activated": "Your account is activated and you are signed in. Welcome to Signoff.",
    "signed-out": "You are signed out.",
    "filed": "Your request is filed. The service team has been told; you can follow it here.",
    "cancelled": "The request is cancelled.",
    "implemented": "The request is implemented.",
    "declined": "The request is declined; the requester has been told why.",
    "replied": "Your reply is added to the ticket.",
    "noted": "Your note is added. Only the service team sees it; nobody is emailed.",
    "attached": "Your file is attached to the ticket.",
    "raised": "Your ticket is raised. The service team has been told.",
    "copied": "The contact is copied on the ticket: they are told so, and emailed the service "
    "team's replies.",
    "uncopied": "The contact is no longer copied on the ticket.",
    "ticket-resolved": "The ticket is resolved. It closes by itself unless someone replies.",
    "ticket-assigned": "The ticket's owner is changed.",
    "token-revoked": "The token is revoked: it no longer works.",
    "archived": (
        "The customer is archived: its contacts' accounts have ended and their personal data "
        "is erased."
    ),
    "accepted": "Your decision was delivered and is being applied; this page shows it shortly.",
    "customer-created": "The customer is created. Each of its contacts is emailed a link to "
    "activate their account.",
    "staff-added": "The new member is on the team. They sign in with their email: Signoff "
    "emails them a sign-in link.",
    "staff-reactivated": "The member is back on the team. They sign in with their email: "
    "Signoff emails them a sign-in link.",
    "staff-deactivated": "The member is deactivated: their portal sessions and API tokens have "
    "ended. Adding their email again brings them back.",
}


@dataclass(frozen=True)
class NavItem:
    label: str
    path: str


_CONTACT_NAV = (
    NavItem("Profile", "/portal/profile"),
    NavItem("Contacts", "/portal/contacts"),
    NavItem("Requests", "/portal/requests"),
    NavItem("Tickets", "/portal/tickets"),
    NavItem("API tokens", "/portal/tokens"),
)
_STAFF_NAV = (
    NavItem("Queue", "/portal/queue"),
    NavItem("Customers", "/portal/customers"),
    NavItem("Tickets", "/portal/tickets"),
    NavItem("API tokens", "/portal/tokens"),
)
# Team admins also manage the team.
_ADMIN_NAV = (*_STAFF_NAV, NavItem("Team", "/portal/team"))


def navigation(person: SignedIn | None) -> tuple[NavItem, ...]:
    if person is None:
        return ()
    if may_manage_team(person.principal):
        return _ADMIN_NAV
    return _STAFF_NAV if person.principal.is_staff else _CONTACT_NAV


def day_in_words(moment: datetime) -> str:
    """``7 December 2026``: a day as people write it (UTC)."""
    return f"{moment.day} {moment:%B %Y}"


TEMPLATES.env.filters["day_in_words"] = day_in_words
TEMPLATES.env.globals["due_in_words"] = due_in_words
TEMPLATES.env.globals["next_due_in_words"] = next_due_in_words
TEMPLATES.env.filters["size_in_words"] = size_in_words
# What a file field offers to choose (what a ticket takes is told by the file's content).
TEMPLATES.env.globals["file_accept"] = ",".join(
    f".{extension}" for extensions in EXTENSIONS.values() for extension in extensions
)


def render(
    request: Request,
    template: str,
    person: SignedIn | None,
    title: str,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    settings: Settings = request.app.state.signoff.settings
    notice = NOTICES.get(request.query_params.get("done", ""))
    return TEMPLATES.TemplateResponse(
        request,
        f"portal/{template}",
        {
            "person": person,
            "title": title,
            "nav": navigation(person),
            "current": request.url.path,
            "csrf_token": form_token(settings, person) if person else "",
            "form_key": new_form_key(),
            "notice": notice,
            **context,
        },
        status_code=status_code,
        headers=PORTAL_HEADERS,
    )


def redirect(path: str, done: str | None = None) -> RedirectResponse:
    """After a successful POST: to a GET, so that reloading resubmits nothing."""
    if done:
        path += ("&" if "?" in path else "?") + f"done={done}"
    return RedirectResponse(path, status_code=303, headers=PORTAL_HEADERS)


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def opened_in_browser(page: str) -> Callable[[Request], Awaitable[None]]:
    """Emails sent before the portal linked to the JSON paths: a browser opening one (it
    sends no token and asks for HTML) is sent to the portal's page, ``page`` naming it with
    the path's parameters. A JSON client without a token still gets its 401."""

    async def to_the_page(request: Request) -> None:
        if "authorization" in request.headers:
            return
        if "text/html" not in request.headers.get("accept", ""):
            return
        params = {name: quote(str(value), safe="") for name, value in request.path_params.items()}
        raise HTTPException(
            status.HTTP_303_SEE_OTHER,
            "this address is the API's; the page for people is in the portal",
            headers={"Location": page.format(**params)},
        )

    return to_the_page
