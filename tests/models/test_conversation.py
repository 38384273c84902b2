"""Who hears of a ticket's news: the pure rules of ``models.conversation``."""

from datetime import UTC, datetime

import pytest

from models.conversation import Email, on_comment, on_copied
from models.enums import Audience, Capacity, EmailEvent, Side

RAISER, TERESA, URSULA = "raiser-id", "teresa-id", "ursula-id"


def _reply(contact_id: str, step: str = "comment-7") -> Email:
    return Email(EmailEvent.TICKET_REPLY, Audience.CONTACT, step, contact_id=contact_id)


def test_the_service_teams_reply_goes_to_the_raiser_and_each_copied_contact_once() -> None:
    emails = on_comment(7, Capacity.SERVICE_TEAM, None, False, RAISER, [TERESA, URSULA, TERESA])
    assert emails == [
        _reply(RAISER),
        _reply(TERESA, f"comment-7-copy-{TERESA}"),
        _reply(URSULA, f"comment-7-copy-{URSULA}"),
    ]


def test_on_a_requests_ticket_the_requester_hears_and_the_copied_contacts_too() -> None:
    emails = on_comment(7, Capacity.SERVICE_TEAM, None, True, None, [TERESA])
    assert emails == [
        Email(EmailEvent.TICKET_COMMENT, Audience.REQUESTER, "comment-7"),
        _reply(TERESA, f"comment-7-copy-{TERESA}"),
    ]


def test_the_raiser_copied_is_not_told_twice() -> None:
    assert on_comment(7, Capacity.SERVICE_TEAM, None, False, RAISER, [RAISER]) == [_reply(RAISER)]


def test_copied_contacts_hear_a_reply_whose_raiser_is_gone() -> None:
    emails = on_comment(7, Capacity.SERVICE_TEAM, None, False, None, [TERESA])
    assert emails == [_reply(TERESA, f"comment-7-copy-{TERESA}")]


@pytest.mark.parametrize(
    "written_as",
    [Capacity.REQUESTER, Capacity.CONTACT, Capacity.APPROVER_QUESTION, Capacity.SYSTEM],
)
def test_copied_contacts_never_hear_anyone_elses_comment(written_as: Capacity) -> None:
    emails = on_comment(7, written_as, None, False, RAISER, [TERESA])
    assert emails == [Email(EmailEvent.COMMENT_TO_SERVICE_TEAM, Audience.SERVICE_TEAM, "comment-7")]


def test_a_reply_to_an_approver_goes_to_that_approver_alone() -> None:
    emails = on_comment(7, Capacity.SERVICE_TEAM, Side.PURCHASER, True, None, [TERESA])
    assert emails == [
        Email(
            EmailEvent.REPLY_TO_APPROVER, Audience.APPROVER, "comment-7-purchaser", Side.PURCHASER
        )
    ]


def test_each_copy_is_told_under_a_key_of_its_own() -> None:
    first = on_copied(TERESA, datetime(2026, 12, 7, 9, 0, tzinfo=UTC))
    again = on_copied(TERESA, datetime(2026, 12, 8, 9, 0, tzinfo=UTC))
    assert [e.contact_id for e in first] == [TERESA] and first[0].event is EmailEvent.TICKET_COPIED
    assert first[0].step != again[0].step
