"""The roles' information: who each role is for, what it grants, which automated emails it
brings; one role a page, and all roles on one ("All roles…")."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from api.deps import SessionDep, SettingsDep
from api.errors import NotFound
from api.portal.auth import SignedInDep
from api.portal.render import render
from api.portal.role_guide import all_roles, role_information
from api.services import customers
from api.services.portal_sessions import SignedIn
from models.enums import Responsibility, Role

router = APIRouter()


async def _purchaser(
    session: SessionDep, person: SignedIn
) -> tuple[str | None, Responsibility | None]:
    """The name and responsibility of the person's customer's purchaser, if it has one; the
    service team, who belong to no customer, read the roles as they are without one."""
    customer_id = person.principal.customer_id
    if customer_id is None:
        return None, None
    view = await customers.customer_view(session, person.principal, customer_id)
    if view.purchaser is None:
        return None, None
    return view.purchaser.name, view.purchaser.responsibility


@router.get("/portal/roles", response_class=HTMLResponse)
async def every_role(
    request: Request, person: SignedInDep, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    """All roles: who each is for, what it grants, which automated emails it brings."""
    name, responsibility = await _purchaser(session, person)
    return render(
        request,
        "roles.html",
        person,
        "All roles",
        roles=all_roles(settings.required_roles, responsibility),
        purchaser_name=name,
    )


@router.get("/portal/roles/{role}", response_class=HTMLResponse)
async def one_role(
    request: Request, role: str, person: SignedInDep, session: SessionDep, settings: SettingsDep
) -> HTMLResponse:
    """One role's information, linked from its column in the Contacts Manager."""
    if role not in set(Role):
        raise NotFound("there is no such role")
    name, responsibility = await _purchaser(session, person)
    information = role_information(Role(role), frozenset(settings.required_roles), responsibility)
    return render(
        request,
        "roles.html",
        person,
        f"The {information.label} role",
        roles=[information],
        purchaser_name=name,
        one=True,
    )
