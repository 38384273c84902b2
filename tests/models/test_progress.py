"""What a request waits for, or how it ended, in the words its page shows."""

import pytest

from models.enums import ApprovalStatus, RequestStatus, Side
from models.progress import (
    ENDED,
    WAITING_FOR_EMAILS,
    WAITS_FOR,
    details,
    progress,
    waiting_for_approval,
    waiting_for_outcome,
    waiting_for_service_team,
)
from models.request import ApprovalPublic


def approval(side: Side, status: ApprovalStatus) -> ApprovalPublic:
    return ApprovalPublic(side=side.value, status=status.value)


def test_in_review_waits_for_the_service_team() -> None:
    shown = progress(RequestStatus.IN_REVIEW, [])
    assert shown.is_open and shown.label == WAITS_FOR
    assert shown.text.startswith("The service team's confirmation")
    assert "approv" not in shown.text


def test_both_approvers_pending_are_named_then_the_service_team() -> None:
    shown = progress(
        RequestStatus.AWAITING_APPROVAL,
        [
            approval(Side.CUSTOMER, ApprovalStatus.PENDING),
            approval(Side.PURCHASER, ApprovalStatus.PENDING),
        ],
    )
    assert shown.is_open and shown.label == WAITS_FOR
    assert shown.text.startswith(
        "The approval of the customer's approver and the purchaser's approver; then the "
        "service team's confirmation"
    )
    assert shown.text.endswith(".")


def test_one_approved_leaves_the_other_waited_for() -> None:
    shown = progress(
        RequestStatus.AWAITING_APPROVAL,
        [
            approval(Side.CUSTOMER, ApprovalStatus.APPROVED),
            approval(Side.PURCHASER, ApprovalStatus.PENDING),
        ],
    )
    assert shown.text.startswith(
        "The approval of the purchaser's approver (the customer's approver has approved); then"
    )


def test_approvals_not_yet_recorded_still_say_approvers() -> None:
    shown = progress(RequestStatus.AWAITING_APPROVAL, [])
    assert shown.text.startswith("The approval of the approvers it names; then")


def test_a_rejection_names_who_rejected() -> None:
    shown = progress(
        RequestStatus.REJECTED,
        [
            approval(Side.CUSTOMER, ApprovalStatus.APPROVED),
            approval(Side.PURCHASER, ApprovalStatus.REJECTED),
        ],
    )
    assert not shown.is_open and shown.label == ENDED
    assert shown.text.startswith("The purchaser's approver rejected it")
    assert "erased" in shown.text


def test_a_rejection_without_its_approvals_still_reads() -> None:
    assert progress(RequestStatus.REJECTED, []).text.startswith("An approver rejected it")


@pytest.mark.parametrize(
    ("status", "words"),
    [
        (RequestStatus.IMPLEMENTED, "implemented it"),
        (RequestStatus.DECLINED, "declined it; their reason is in the conversation"),
        (RequestStatus.CANCELLED, "cancelled"),
        (RequestStatus.EXPIRED, "expired"),
    ],
)
def test_a_closed_request_says_how_it_ended(status: RequestStatus, words: str) -> None:
    shown = progress(status, [approval(Side.CUSTOMER, ApprovalStatus.APPROVED)])
    assert not shown.is_open and shown.label == ENDED
    assert words in shown.text and shown.text.endswith(".")


def test_every_status_has_words() -> None:
    for status in RequestStatus:
        shown = progress(status, [])
        assert shown.is_open is status.is_open
        assert shown.text[:1].isupper()


def test_the_workflow_says_what_it_waits_for_in_the_words_people_know() -> None:
    """The status query and the Temporal UI have always said these."""
    both = waiting_for_approval([Side.CUSTOMER, Side.PURCHASER])
    assert both == "approval by the customer's approver and the purchaser's approver"
    assert waiting_for_approval([Side.PURCHASER]) == "approval by the purchaser's approver"
    assert (
        waiting_for_service_team("SR-12") == "the service team to implement or decline ticket SR-12"
    )
    assert waiting_for_outcome(RequestStatus.DECLINED) == "the declined outcome to be recorded"
    assert details(WAITING_FOR_EMAILS) == "Waiting for its emails to be delivered."
