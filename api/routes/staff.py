"""The service team's own accounts, managed by its team admins."""

import uuid

from fastapi import APIRouter, Response, status

from api.deps import CurrentUser, SessionDep
from api.errors import error_responses
from api.idempotency import KEYED
from api.services import staff
from models.staff import Enrolment, StaffCreate, StaffPublic

router = APIRouter(prefix="/staff", tags=["staff"], responses=error_responses(401, 403, 429, 503))


@router.get("")
async def list_staff(user: CurrentUser, session: SessionDep) -> list[StaffPublic]:
    """Every member of the service team, active and deactivated, by name (team admins only)."""
    return await staff.list_staff(session, user)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": StaffPublic, "description": "A deactivated member, brought back"},
        **error_responses(400, 409, 413),
    },
    openapi_extra=KEYED,
)
async def add_staff(
    form: StaffCreate, user: CurrentUser, session: SessionDep, response: Response
) -> StaffPublic:
    """Add a member to the team (team admins only): 201. The email of a deactivated member
    brings them back with the name and role given: 200. An active member's email is 409; a
    contact's is 422. They sign in to the portal with their email (an emailed link)."""
    added = await staff.add_staff(session, user, form)
    if added.outcome is Enrolment.REACTIVATED:
        response.status_code = status.HTTP_200_OK
    return added.member


@router.post("/{staff_id}/deactivate", responses=error_responses(404, 409))
async def deactivate_staff(
    staff_id: uuid.UUID, user: CurrentUser, session: SessionDep
) -> StaffPublic:
    """Deactivate a member (team admins only): their portal sessions and API tokens end at
    once. The last active team admin cannot be deactivated (409). Again changes nothing;
    adding their email again brings them back."""
    return await staff.deactivate_staff(session, user, staff_id)
