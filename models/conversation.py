"""Who wrote a ticket comment in what capacity, and who hears of a ticket's news: pure rules.

The service team hears of every ticket raised and of every comment that is not its own; the
service team's replies go to whom they answer (the approver of a side, the requester of a
request, the contact who raised a stand-alone ticket). Nobody else is emailed: another
organisation's people never hear of a ticket they cannot see.
"""

from dataclasses import dataclass

from models.enums import Audience, Capacity, CommentKind, EmailEvent, Side


def capacity(kind: CommentKind, by_staff: bool, by_requester: bool) -> Capacity:
    """The capacity a comment of ``kind`` was written in."""
    if kind is CommentKind.SYSTEM:
        return Capacity.SYSTEM
    if kind is CommentKind.APPROVER:
        return Capacity.APPROVER_DECISION
    if kind is CommentKind.APPROVER_QUESTION:
        return Capacity.APPROVER_QUESTION
    if by_staff or kind in (CommentKind.DECLINE_REASON, CommentKind.REPLY_TO_APPROVER):
        return Capacity.SERVICE_TEAM
    return Capacity.REQUESTER if by_requester else Capacity.CONTACT


@dataclass(frozen=True)
class Email:
    """One email a ticket's news makes: its event, to whom, and the step that keys it."""

    event: EmailEvent
    audience: Audience
    step: str
    side: Side | None = None
    contact_id: str | None = None


def on_ticket_raised() -> list[Email]:
    return [Email(EmailEvent.TICKET_RAISED, Audience.SERVICE_TEAM, "raised")]


def on_comment(
    comment_id: int,
    written_as: Capacity,
    to_approver: Side | None,
    of_request: bool,
    raiser_contact_id: str | None,
) -> list[Email]:
    """Who hears of a comment: the service team of anyone else's; whom the service team
    answers of its own."""
    step = f"comment-{comment_id}"
    if written_as is not Capacity.SERVICE_TEAM:
        return [Email(EmailEvent.COMMENT_TO_SERVICE_TEAM, Audience.SERVICE_TEAM, step)]
    if to_approver is not None:
        return [
            Email(
                EmailEvent.REPLY_TO_APPROVER,
                Audience.APPROVER,
                f"{step}-{to_approver}",
                to_approver,
            )
        ]
    if of_request:
        return [Email(EmailEvent.TICKET_COMMENT, Audience.REQUESTER, step)]
    if raiser_contact_id is not None:
        return [
            Email(EmailEvent.TICKET_REPLY, Audience.CONTACT, step, contact_id=raiser_contact_id)
        ]
    return []
