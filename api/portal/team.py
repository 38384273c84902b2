"""The service team's own accounts, for its team admins: the members, a form that adds one
(or brings one back), and deactivation once a page has asked to confirm it. Anyone else
finds no such page (404), as contacts find none of the service team's."""

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SessionDep, SettingsDep
from api.errors import Conflict, NotFound
from api.portal.auth import PostedBy, SignedInDep, clear_session_cookie
from api.portal.forms import FormErrors, sentence
from api.portal.render import redirect, render
from api.services import staff
from api.services.portal_sessions import SignedIn
from api.services.staff import LastAdmin
from models.access import may_manage_team
from models.ids import ascii_uuid
from models.problems import ValidationProblems
from models.staff import Enrolment, StaffCreate

router = APIRouter()

FIELDS = {"name": "Name", "email": "Email", "admin": "Team admin"}
KNOWN = frozenset(FIELDS)
# The form's field that says yes to "Team admin", and the one a confirmation page posts.
YES = "yes"


def _admins_only(person: SignedIn) -> None:
    if not may_manage_team(person.principal):
        raise NotFound("this page is for the team's admins")


def _member_id(staff_id: str) -> uuid.UUID:
    found = ascii_uuid(staff_id)
    if found is None:
        raise NotFound("no member of the team has this id")
    return found


async def _page(
    request: Request,
    person: SignedIn,
    session: SessionDep,
    values: dict[str, str] | None = None,
    errors: FormErrors | None = None,
    refused: dict[uuid.UUID, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The team page; ``refused``: why a member could not be deactivated, beside them."""
    return render(
        request,
        "team.html",
        person,
        "Team",
        status_code=status_code,
        members=await staff.list_staff(session, person.principal),
        fields=FIELDS,
        values=values or {},
        errors=errors or FormErrors(),
        refused=refused or {},
        me=person.principal.user_id,
    )


@router.get("/portal/team", response_class=HTMLResponse)
async def team(request: Request, person: SignedInDep, session: SessionDep) -> HTMLResponse:
    _admins_only(person)
    return await _page(request, person, session)


@router.post("/portal/team", response_class=HTMLResponse)
async def add_to_the_team(request: Request, person: PostedBy, session: SessionDep) -> Response:
    """Add to the team: a new member, or a deactivated one brought back."""
    _admins_only(person)
    posted = await request.form()
    values = {
        "name": str(posted.get("name", "")),
        "email": str(posted.get("email", "")),
        "admin": YES if posted.get("admin") == YES else "",
    }
    errors = FormErrors(labels=FIELDS, known=KNOWN)
    form = errors.parse(
        StaffCreate,
        {"name": values["name"], "email": values["email"].strip(), "admin": bool(values["admin"])},
    )
    if form is None:
        return await _page(request, person, session, values, errors, status_code=422)
    try:
        added = await staff.add_staff(session, person.principal, form)
    except ValidationProblems as refused:
        errors.add_problems(refused.problems)
        return await _page(request, person, session, values, errors, status_code=422)
    except Conflict as refused:
        errors.add("email", sentence(refused.detail))
        return await _page(request, person, session, values, errors, status_code=409)
    back = added.outcome is Enrolment.REACTIVATED
    return redirect("/portal/team", "staff-reactivated" if back else "staff-added")


@router.post("/portal/team/{staff_id}/deactivate", response_class=HTMLResponse)
async def deactivate(
    staff_id: str,
    request: Request,
    person: PostedBy,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Deactivate <name>: first a page that asks to confirm (it changes nothing), whose form
    posts here again with ``confirm``."""
    _admins_only(person)
    member_id = _member_id(staff_id)
    member = await staff.staff_member(session, person.principal, member_id)
    myself = member.id == person.principal.user_id
    refusal = (
        f"{member.name} is the last active team admin, so they cannot be deactivated: make "
        "another member a team admin first."
    )
    if (await request.form()).get("confirm") != YES:
        if not member.active:
            return redirect("/portal/team")
        try:
            await staff.check_deactivation(session, person.principal, member_id)
        except LastAdmin:
            refused = {member.id: refusal}
            return await _page(request, person, session, refused=refused, status_code=409)
        return render(
            request,
            "team_deactivate.html",
            person,
            f"Deactivate {member.name}?",
            member=member,
            myself=myself,
        )
    try:
        await staff.deactivate_staff(session, person.principal, member_id)
    except LastAdmin:
        refused = {member.id: refusal}
        return await _page(request, person, session, refused=refused, status_code=409)
    if myself:
        # Their own session has ended with the rest.
        response = redirect("/portal/sign-in", "signed-out")
        clear_session_cookie(response, settings)
        return response
    return redirect("/portal/team", "staff-deactivated")
