"""Who wrote a ticket comment in what capacity, and who hears of a ticket's news: pure rules.

The service team hears of every ticket raised and of every comment that is not its own; the
service team's replies go to whom they answer (the approver of a side, the requester of a
request, the contact who raised a stand-alone ticket), and, but for those to an approver, to
the contacts copied on the ticket. Nobody else is emailed: another organisation's people never
hear of a ticket they cannot see (``models.access.may_be_copied``).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

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
    copied_contact_ids: Sequence[str] = (),
) -> list[Email]:
    """Who hears of a comment: the service team of anyone else's; whom the service team
    answers of its own, and the contacts copied on the ticket as its raiser is (each once:
    the raiser, who hears already, is not told twice)."""
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
    emails = []
    if of_request:
        emails.append(Email(EmailEvent.TICKET_COMMENT, Audience.REQUESTER, step))
    elif raiser_contact_id is not None:
        emails.append(
            Email(EmailEvent.TICKET_REPLY, Audience.CONTACT, step, contact_id=raiser_contact_id)
        )
    copied = dict.fromkeys(c for c in copied_contact_ids if c != raiser_contact_id)
    return emails + [
        Email(EmailEvent.TICKET_REPLY, Audience.CONTACT, f"{step}-copy-{c}", contact_id=c)
        for c in copied
    ]


def on_copied(contact_id: str, at: datetime) -> list[Email]:
    """A contact copied on a ticket is told so, once per time they are copied."""
    step = f"copied-{contact_id}-{at:%Y%m%dT%H%M%S%f}"
    return [Email(EmailEvent.TICKET_COPIED, Audience.CONTACT, step, contact_id=contact_id)]
