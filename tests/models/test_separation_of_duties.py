"""Separation of duties: people are told apart by their email in a canonical form."""

import pytest

from models.separation_of_duties import approver_problems, canonical_email


@pytest.mark.parametrize(
    "alias",
    [
        "derek@energy.example.com",
        "Derek@Energy.Example.com",
        "derek+approve@energy.example.com",
        " DEREK+a+b@ENERGY.example.com ",
    ],
)
def test_an_alias_is_the_same_person(alias: str) -> None:
    assert canonical_email(alias) == "derek@energy.example.com"


def test_other_people_stay_other() -> None:
    assert canonical_email("derek.e@energy.example.com") != canonical_email(
        "derek@energy.example.com"
    )
    assert canonical_email("derek@energy.example.org") != canonical_email(
        "derek@energy.example.com"
    )


def test_the_requester_and_the_same_person_twice_are_each_reported_where_named() -> None:
    customer, purchaser = ("body", "approvers", "customer"), ("body", "approvers", "purchaser")
    problems = approver_problems(
        "Derek@energy.example.com",
        [(customer, "derek+ok@energy.example.com"), (purchaser, "DEREK@energy.example.com")],
    )
    assert [(p.loc, p.type) for p in problems] == [
        (customer, "requester_approves"),
        (purchaser, "same_approver"),
        (purchaser, "requester_approves"),
    ]
    assert approver_problems(None, [(customer, "a@x.example"), (purchaser, "b@x.example")]) == []
