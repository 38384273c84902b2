"""Approvals: one per side, each with its own emailed link, recorded once."""

import uuid

from sqlmodel import col, select
from temporalio import activity

from activities.audit import load_request, record
from models.approval import Approval
from models.database import SessionFactory, transaction
from models.enums import ApprovalStatus, LinkPurpose, RequestStatus
from models.link import LinkToken
from models.payloads import OpenApprovals, RecordApproval, RequestStep
from models.tokens import hash_token, link_token, new_nonce


class ApprovalActivities:
    def __init__(self, sessions: SessionFactory, link_secret: str) -> None:
        self._sessions = sessions
        self._link_secret = link_secret

    @activity.defn
    async def open_approvals(self, command: OpenApprovals) -> None:
        """A pending approval and a link for each side (those already opened are kept)."""
        async with transaction(self._sessions) as session:
            request = await load_request(session, command.request_id)
            opened = set(
                await session.exec(select(Approval.side).where(Approval.request_id == request.id))
            )
            for side in command.sides:
                if side in opened:
                    continue
                session.add(
                    Approval(request_id=request.id, side=side, status=ApprovalStatus.PENDING)
                )
                nonce = new_nonce()
                session.add(
                    LinkToken(
                        purpose=LinkPurpose.APPROVAL,
                        nonce=nonce,
                        token_hash=hash_token(link_token(self._link_secret, nonce)),
                        request_id=request.id,
                        side=side,
                        expires_at=command.expires_at,
                        created_at=command.at,
                    )
                )
                record(session, request, "approval_requested", command.at, side=side.value)

    @activity.defn
    async def complete_approvals(self, command: RequestStep) -> None:
        """Every approver approved: the request goes to the service team."""
        async with transaction(self._sessions) as session:
            request = await load_request(session, command.request_id)
            if request.status is not RequestStatus.AWAITING_APPROVAL:
                return
            request.status = RequestStatus.IN_REVIEW
            request.updated_at = command.at
            record(session, request, "approvals_complete", command.at)

    @activity.defn
    async def record_approval(self, command: RecordApproval) -> None:
        """Record a side's decision and spend its link."""
        async with transaction(self._sessions) as session:
            request = await load_request(session, command.request_id)
            approval = (
                await session.exec(
                    select(Approval).where(
                        Approval.request_id == request.id, Approval.side == command.side
                    )
                )
            ).one()
            if approval.status is command.status:
                return
            approval.status = command.status
            approval.decided_at = command.at
            link = (
                await session.exec(
                    select(LinkToken).where(
                        LinkToken.request_id == uuid.UUID(command.request_id),
                        LinkToken.side == command.side,
                        col(LinkToken.used_at).is_(None),
                    )
                )
            ).first()
            if link is not None:
                link.used_at = command.at
            request.updated_at = command.at
            record(
                session,
                request,
                command.status.value,
                command.at,
                actor=f"approver:{command.side.value}",
                comment=command.comment_id,
            )
