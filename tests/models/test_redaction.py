"""Finding a person in free text in every form people write them, and nobody else."""

import pytest

from models.redaction import REDACTED, Person, redact, redaction_pattern

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
        # An earlier email and phone, from the request that created him.
        {"email": "tim@energy.example.com", "phone": "+44 161 496 0093"},
    ]
)


def _redacted(text: str, *people: Person) -> str:
    return redact(text, redaction_pattern(people or (TIMOTHY,)))


@pytest.mark.parametrize(
    "written",
    [
        "Timothy",
        "timothy",
        "TIMOTHY ESTER",
        "Timothy Ester",
        "Ester",
        "Ester, Timothy",
        "Ester,Timothy",
        "Mr T. Ester",
        "Mr. Ester",
        "T Ester",
        "Dr Timothy Ester",
        "Systems Engineer",
        "systems  engineer",
        "timothy.ester@energy.example.com",
        "Timothy.Ester@Energy.Example.com",
        "tim@energy.example.com",
        "+44 161 496 0003",
        "+441614960003",
        "0161 496 0003",
        "01614960003",
        "(0161) 496-0003",
        "+44 (0)161 496 0003",
        "0044 161 496 0003",
        "0161.496.0003",
        "0161 496 0093",
    ],
)
def test_every_form_of_the_person_is_redacted_whole(written: str) -> None:
    assert _redacted(f"Please ask {written} today.") == f"Please ask {REDACTED} today."


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
    assert _redacted("van Gogh, and Berg", anna) == f"van Gogh, and {REDACTED}"
    assert _redacted("Anna van der Berg", anna) == REDACTED


def test_nothing_to_find_changes_nothing() -> None:
    assert redaction_pattern([Person()]) is None
    assert redact("Timothy", None) == "Timothy"
