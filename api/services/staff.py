"""The service team's own accounts: listed, added (or brought back), deactivated.

Only a team admin manages the team. The command line is trusted (whoever runs it runs
Signoff) and calls ``enrol`` beneath that check: that is how the first admin comes to be.
Each change locks the team's rows before it checks anything, so that two changes at once
cannot both pass a check that the other would make fail (two deactivations leaving no
admin, the same email added twice).

No audit event: the audit trail is each customer's, and the team belongs to none. The log
names members by id only.
"""

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.errors import Conflict, Forbidden, NotFound
from api.identity import Principal, require_team_admin
from models.contact import Contact
from models.database import begin_write
from models.enums import UserState
from models.link import LinkToken
from models.portal_session import PortalSession
from models.problems import Problem, ValidationProblems
from models.staff import (
    ALREADY_ON_THE_TEAM,
    EMAIL_IN_USE,
    LAST_ADMIN,
    Enrolment,
    StaffCreate,
    StaffPublic,
)
from models.types import utcnow
from models.user import ApiToken, User

log = logging.getLogger("signoff.team")


class LastAdmin(Conflict):
    """The change would leave the team without an active admin (409)."""


@dataclass(frozen=True)
class Enrolled:
    """A member added: who they are now, and whether they are new, back, or updated."""

    member: StaffPublic
    outcome: Enrolment


async def list_staff(session: AsyncSession, principal: Principal) -> list[StaffPublic]:
    """Every member, active and deactivated, by name: team admins only (403)."""
    require_team_admin(principal)
    rows = await session.exec(
        select(User)
        .where(col(User.is_staff))
        .order_by(func.lower(col(User.name)), col(User.created_at), col(User.id))
    )
    return [StaffPublic.of(user) for user in rows]


async def staff_member(
    session: AsyncSession, principal: Principal, staff_id: uuid.UUID
) -> StaffPublic:
    """One member: team admins only (403); an id that is no member's is 404."""
    require_team_admin(principal)
    user = await session.get(User, staff_id)
    if user is None or not user.is_staff:
        raise NotFound("no member of the team has this id")
    return StaffPublic.of(user)


async def add_staff(session: AsyncSession, principal: Principal, form: StaffCreate) -> Enrolled:
    """Add a member: team admins only (403). A living contact's email is refused (422,
    beside ``email``), as is an active member's (409); a deactivated member's email brings
    them back, with the name and role given."""
    require_team_admin(principal)
    return await _enrol(session, form, by=principal.user_id)


async def enrol(session: AsyncSession, form: StaffCreate) -> Enrolled:
    """``add_staff`` for the command line, which nobody signs in to: an active member's
    name and role are set as given (never taking the last active admin's role away), where
    the API refuses (409)."""
    return await _enrol(session, form, by=None)


async def _enrol(session: AsyncSession, form: StaffCreate, by: uuid.UUID | None) -> Enrolled:
    await begin_write(session)
    try:
        team = await _lock_team(session, by)
        if await _contact_uses(session, form.email):
            raise ValidationProblems([Problem(("body", "email"), EMAIL_IN_USE, "email_in_use")])
        member = next((user for user in team if (user.email or "").lower() == form.email), None)
        if member is None:
            member = User(
                is_staff=True,
                is_admin=form.admin,
                name=form.name,
                email=form.email,
                state=UserState.ACTIVE,
                created_at=utcnow(),
            )
            session.add(member)
            outcome = Enrolment.CREATED
        elif member.state == UserState.ACTIVE:
            if by is not None:
                raise Conflict(ALREADY_ON_THE_TEAM)
            if member.is_admin and not form.admin and _last_admin(team, member):
                raise LastAdmin(LAST_ADMIN)
            member.name, member.is_admin = form.name, form.admin
            outcome = Enrolment.UPDATED
        else:
            member.name, member.is_admin = form.name, form.admin
            member.state, member.archived_at = UserState.ACTIVE, None
            outcome = Enrolment.REACTIVATED
        await session.flush()
        enrolled = Enrolled(StaffPublic.of(member), outcome)
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    log.info("team member %s: %s", enrolled.member.id, outcome.value)
    return enrolled


async def check_deactivation(
    session: AsyncSession, principal: Principal, staff_id: uuid.UUID
) -> StaffPublic:
    """The member, if deactivating them would be allowed now (the portal asks before it
    confirms); ``deactivate_staff`` checks again as it deactivates."""
    member = await staff_member(session, principal, staff_id)
    if member.active and member.admin:
        admins = await session.scalar(
            select(func.count()).where(
                col(User.is_staff), col(User.is_admin), User.state == UserState.ACTIVE
            )
        )
        if (admins or 0) <= 1:
            raise LastAdmin(LAST_ADMIN)
    return member


async def deactivate_staff(
    session: AsyncSession, principal: Principal, staff_id: uuid.UUID
) -> StaffPublic:
    """Deactivate a member: team admins only (403), any member but the last active admin
    (409), oneself included. In the same transaction every portal session of theirs ends,
    every API token and unused sign-in link of theirs is revoked. Again changes nothing.
    Adding their email again brings them back."""
    require_team_admin(principal)
    await begin_write(session)
    try:
        team = await _lock_team(session, principal.user_id)
        member = next((user for user in team if user.id == staff_id), None)
        if member is None:
            raise NotFound("no member of the team has this id")
        ended = member.state == UserState.ACTIVE
        if ended:
            if member.is_admin and _last_admin(team, member):
                raise LastAdmin(LAST_ADMIN)
            now = utcnow()
            member.state, member.archived_at = UserState.ARCHIVED, now
            await _end_access(session, member.id, now)
            await session.flush()
        deactivated = StaffPublic.of(member)
        await session.commit()
    except BaseException:
        await session.rollback()
        raise
    if ended:
        log.info("team member %s: deactivated", deactivated.id)
    return deactivated


async def _lock_team(session: AsyncSession, by: uuid.UUID | None) -> Sequence[User]:
    """Every member's row, locked until the transaction ends and read afresh (the caller's
    own row may have been read before, when they were authenticated). SQLite has one
    writer at a time (``begin_write``); PostgreSQL makes the next change wait here. ``by``,
    the member who asks, must still be an active admin now (403): another admin may have
    deactivated them since their request was authenticated."""
    rows = await session.exec(
        select(User)
        .where(col(User.is_staff))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    team = rows.all()
    if by is not None and not any(
        user.id == by and user.is_admin and user.state == UserState.ACTIVE for user in team
    ):
        raise Forbidden("only a team admin may manage the team")
    return team


def _last_admin(team: Sequence[User], member: User) -> bool:
    """Whether ``member`` is the team's only active admin."""
    admins = [user.id for user in team if user.is_admin and user.state == UserState.ACTIVE]
    return admins == [member.id]


async def _contact_uses(session: AsyncSession, email: str) -> bool:
    """Whether a living contact has the email (a removed contact's is erased)."""
    found = await session.scalar(
        select(Contact.id).where(
            func.lower(col(Contact.email)) == email.lower(), col(Contact.removed_at).is_(None)
        )
    )
    return found is not None


async def _end_access(session: AsyncSession, user_id: uuid.UUID, at: datetime) -> None:
    """Everything that lets the member in ends: sessions, API tokens, sign-in links."""
    await session.exec(
        update(PortalSession)
        .where(col(PortalSession.user_id) == user_id, col(PortalSession.ended_at).is_(None))
        .values(ended_at=at)
    )
    await session.exec(
        update(ApiToken)
        .where(col(ApiToken.user_id) == user_id, col(ApiToken.revoked_at).is_(None))
        .values(revoked_at=at)
    )
    await session.exec(
        update(LinkToken)
        .where(col(LinkToken.user_id) == user_id, col(LinkToken.used_at).is_(None))
        .values(used_at=at)
    )
