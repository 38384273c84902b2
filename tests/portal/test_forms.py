"""A form's problems are worded one way and put beside their fields: the schema's and the
rules' alike, for every form of the portal."""

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from api.portal.forms import FormErrors
from models.common import Line, Text
from models.contact_fields import Email
from models.enums import Responsibility, Role
from models.problems import Problem


class Address(BaseModel):
    country: Literal["GB", "FR"]


class Sample(BaseModel):
    name: Line
    email: Email
    responsibility: Responsibility
    roles: Annotated[list[Role], Field(min_length=1)]
    address: Address
    body: Text


LABELS = {
    "name": "Legal name",
    "email": "Contact email",
    "responsibility": "Responsibility",
    "roles": "Roles of the new contact",
    "address.country": "Country",
    "description": "Description",
}


def errors_for(data: dict[str, object]) -> FormErrors:
    errors = FormErrors(
        labels=LABELS,
        names={"body": "description"},
        empty={"description": "Describe what you need from the service team"},
    )
    assert errors.parse(Sample, data) is None
    return errors


def test_the_schema_s_problems_in_words_beside_their_fields() -> None:
    errors = errors_for(
        {
            "name": " ",
            "email": "not-an-email",
            "responsibility": "",
            "roles": [],
            "address": {"country": "Atlantis"},
            "body": "",
        }
    )
    assert dict(errors.fields) == {
        "name": ["Enter the legal name."],
        "email": ["Enter a valid email address, such as name@example.com."],
        "responsibility": ["Choose the responsibility."],
        "roles": ["Choose at least one role."],
        "address.country": ["Choose the country from the list."],
        "description": ["Describe what you need from the service team."],
    }
    assert errors.general == []


def test_blank_and_too_long_say_what_to_do() -> None:
    errors = errors_for(
        {
            "name": "x" * 201,
            "email": "",
            "responsibility": "financial",
            "roles": ["management"],
            "address": {"country": "GB"},
            "body": "ok",
        }
    )
    assert errors.fields["name"] == ["Make the legal name at most 200 characters long."]
    assert errors.fields["email"] == ["Enter the contact email."]


def test_the_rules_problems_go_beside_the_nearest_field_they_name() -> None:
    errors = FormErrors(labels=LABELS, known=frozenset({"address"}), names={"body": "description"})
    errors.add_problems(
        [
            Problem(("body", "address", "country", "extra"), "not here"),
            Problem(("body", "body"), "too vague"),
        ]
    )
    assert errors.fields["address.country"] == ["Not here."]
    assert errors.fields["description"] == ["Too vague."]
    whole = FormErrors(labels=LABELS)
    whole.add_problems([Problem(("body",), "about the whole form")])
    assert whole.general == ["About the whole form."] and not whole.fields


def test_a_form_may_place_problems_itself() -> None:
    errors = FormErrors(where=lambda loc, role: ["a", "b"] if role else [])
    errors.add_problems([Problem(("body", "x"), "held by none", role=Role.FINANCIAL)])
    errors.add_problems([Problem(("body", "x"), "general")])
    assert errors.fields["a"] == errors.fields["b"] == ["Held by none."]
    assert errors.general == ["General."]
