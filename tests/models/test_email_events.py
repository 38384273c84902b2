"""Each email event says in words what it was, and whether it went to the service team (the
customer's Messages sent list the others)."""

import pytest

from models.conversation import on_comment, on_ticket_raised
from models.enums import Audience, Capacity, EmailEvent, Side


def test_every_event_has_a_label_of_its_own_in_plain_words() -> None:
    labels = [event.label for event in EmailEvent]
    assert len(set(labels)) == len(labels)
    for label in labels:
        assert label[:1].isupper() and "_" not in label, label


@pytest.mark.parametrize("written_as", list(Capacity))
@pytest.mark.parametrize("to_approver", [None, Side.CUSTOMER])
@pytest.mark.parametrize("of_request", [False, True])
def test_a_tickets_news_goes_to_the_service_team_exactly_when_its_event_says(
    written_as: Capacity, to_approver: Side | None, of_request: bool
) -> None:
    emails = [
        *on_ticket_raised(),
        *on_comment(1, written_as, to_approver, of_request, raiser_contact_id="someone"),
    ]
    for email in emails:
        assert email.event.to_service_team is (email.audience is Audience.SERVICE_TEAM), email
