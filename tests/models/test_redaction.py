"""Finding a person in free text in the forms people write them, and nobody and nothing else."""

import pytest

from models.redaction import REDACTED, Person, redact, redaction_for

TIMOTHY = Person.from_details(
    [
        {
            "salutation": "Mr",
            "first_name": "Timothy",
            "last_name": "Ester",
            "email": "timothy.ester@energy.example.com",
            "phone": "+44 161 496 0003",
            "job_title": "Systems Engineer",
        },
        # An earlier email and phone, from before an update.
        {"email": "tim@energy.example.com", "phone": "+44 161 496 0093"},
    ]
)


def _redacted(text: str, *people: Person) -> str:
    return redact(text, redaction_for(people or (TIMOTHY,)))


@pytest.mark.parametrize(
    "written",
    [
        "TIMOTHY ESTER",
        "Timothy Ester",
        "Timothy  Ester",
        "Ester Timothy",
        "Ester, Timothy",
        "Ester,Timothy",
        "Mr T. Ester",
        "Mr. Ester",
        "Ms Ester",
        "T. Ester",
        "T Ester",
        "Ester, T.",
        "Dr Timothy Ester",
        "timothy.ester@energy.example.com",
        "Timothy.Ester@Energy.Example.com",
        "tim@energy.example.com",
        "+44 161 496 0003",
        "+441614960003",
        "0161 496 0003",
        "0161-496 0003",
        "01614960003",
        "(0161) 496-0003",
        "+44 (0)161 496 0003",
        "+44 (0)161 4960003",
        "0044 161 496 0003",
        "0161.496.0003",
        "0161 496 0093",
    ],
)
def test_what_names_the_person_goes_wherever_it_stands(written: str) -> None:
    assert _redacted(f"Please ask {written} today.") == f"Please ask {REDACTED} today."


@pytest.mark.parametrize("lone", ["Timothy", "Ester", "TIMOTHY", "Systems Engineer"])
def test_a_lone_name_or_job_title_stays_in_a_text_that_does_not_name_him(lone: str) -> None:
    text = f"Please ask {lone} today."
    assert _redacted(text) == text


def test_a_lone_name_and_job_title_go_from_a_text_that_names_him() -> None:
    text = "Timothy Ester leaves. Timothy was our Systems Engineer; ask Ester's team."
    assert _redacted(text) == (
        f"{REDACTED} leaves. {REDACTED} was our {REDACTED}; ask {REDACTED}'s team."
    )
    by_email = "From tim@energy.example.com: Timothy here, systems engineer."
    assert _redacted(by_email) == f"From {REDACTED}: {REDACTED} here, {REDACTED}."


def test_a_phone_alone_goes_but_does_not_name_him() -> None:
    assert _redacted("Timothy is on 0161 496 0003") == f"Timothy is on {REDACTED}"


def test_a_sentence_keeps_everything_that_is_not_the_person() -> None:
    text = (
        "Ester, Timothy (Systems Engineer, 0161 496 0003) leaves; Teresa Echie takes over "
        "on +44 161 496 0002. Estera and Timothyson are other people; tester stays."
    )
    assert _redacted(text) == (
        f"{REDACTED} ({REDACTED}, {REDACTED}) leaves; Teresa Echie takes over on "
        "+44 161 496 0002. Estera and Timothyson are other people; tester stays."
    )


def test_a_longer_number_that_merely_contains_the_phone_is_kept() -> None:
    assert _redacted("Order 9016149600031 shipped") == "Order 9016149600031 shipped"


def test_ordinary_words_that_are_someones_name_are_kept() -> None:
    """The hostile tester's names: a purchaser contact "Invoice Team", an approver "March
    Please", contacts called May, Will and Grant."""
    people = (
        Person.named("Invoice Team", "invoices@partners.example.com"),
        Person.named("March Please", "march@partners.example.com"),
        Person.from_details([{"first_name": "May", "last_name": "Grant", "email": "m@x.example"}]),
        Person.from_details([{"first_name": "Ivan", "last_name": "Will", "email": "i@x.example"}]),
    )
    for text in (
        "Invoice total for March looks wrong",
        "The grant may be approved; I will check. May we? Grant it.",
        "Please march the invoice team through it",
    ):
        assert _redacted(text, *people) == text
    named = "Invoice Team sent it; March Please approved; Ms Grant and I. Will agree."
    assert _redacted(named, *people) == (
        f"{REDACTED} sent it; {REDACTED} approved; {REDACTED} and {REDACTED} agree."
    )


def test_only_the_named_persons_lone_names_go() -> None:
    may = Person.from_details([{"first_name": "May", "last_name": "Grant", "email": "m@x.example"}])
    text = "Timothy Ester says May can help. Timothy agrees."
    assert _redacted(text, TIMOTHY, may) == f"{REDACTED} says May can help. {REDACTED} agrees."


def test_texts_that_belong_together_are_named_together() -> None:
    redaction = redaction_for([TIMOTHY])
    assert redaction is not None
    subject, body = redaction.redact_together(["About Timothy", "Ester, Timothy asked."])
    assert (subject, body) == (f"About {REDACTED}", f"{REDACTED} asked.")
    assert redaction.redact_together(["About Timothy", "Nothing here"]) == [
        "About Timothy",
        "Nothing here",
    ]


def test_the_issues_example() -> None:
    """Kept: "Invoice total for March"; erased: "Timothy Ester", "Ester, Timothy" and "Mr T.
    Ester"."""
    approvers = (
        Person.named("March Please", "march@x.example"),
        Person.named("Invoice Team", None),
    )
    text = (
        "Invoice total for March looks wrong. Timothy Ester, or Ester, Timothy, or Mr T. "
        "Ester will know."
    )
    assert _redacted(text, TIMOTHY, *approvers) == (
        f"Invoice total for March looks wrong. {REDACTED}, or {REDACTED}, or {REDACTED} will know."
    )


def test_a_name_typed_whole_is_found_with_its_parts() -> None:
    percy = Person.named("Percy Approver", "percy.approver@partners.example.com")
    text = "Percy Approver said yes; so did P. Approver; Percy agrees; " + next(iter(percy.emails))
    assert _redacted(text, percy) == (
        f"{REDACTED} said yes; so did {REDACTED}; {REDACTED} agrees; {REDACTED}"
    )


def test_accents_may_be_left_out_by_whoever_typed_it() -> None:
    zoe = Person.from_details([{"first_name": "Zoë", "last_name": "Müller"}])
    assert _redacted("Zoe Muller and Zoë Müller", zoe) == f"{REDACTED} and {REDACTED}"


def test_surname_particles_are_not_redacted_on_their_own() -> None:
    anna = Person.from_details([{"first_name": "Anna", "last_name": "van der Berg"}])
    assert _redacted("van Gogh, and Berg", anna) == "van Gogh, and Berg"
    assert _redacted("Anna van der Berg", anna) == REDACTED
    assert _redacted("Anna van der Berg: van Gogh, and Berg", anna) == (
        f"{REDACTED}: van Gogh, and {REDACTED}"
    )


def test_nothing_to_find_changes_nothing() -> None:
    assert redaction_for([Person()]) is None
    assert redact("Timothy", None) == "Timothy"
