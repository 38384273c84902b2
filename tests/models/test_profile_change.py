from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from models.common import Address, NamedAddress
from models.customer import CustomerProfile
from models.profile_change import ProfileChangeCreate, profile_change_problems

COUNTRIES = ("GB", "DE", "FR", "NL", "SE", "CH", "US", "JP", "BR", "ZA")


def address(**overrides: Any) -> dict[str, Any]:
    return {
        "street": "1 Power Lane",
        "city": "Leeds",
        "postal_code": "LS1 4AP",
        "country": "GB",
        **overrides,
    }


def named(name: str = "Example Energy plc", **address_overrides: Any) -> dict[str, Any]:
    return {"name": name, "address": address(**address_overrides)}


def error_locs(error: ValidationError) -> set[tuple[int | str, ...]]:
    return {tuple(problem["loc"]) for problem in error.errors()}


def error_types(error: ValidationError) -> dict[tuple[int | str, ...], str]:
    return {tuple(problem["loc"]): problem["type"] for problem in error.errors()}


LEGAL = NamedAddress.model_validate(named())
PAYMENT = NamedAddress.model_validate(
    named("Example Energy Payments Ltd", street="PO Box 12", city="Bradford", postal_code="BD1")
)


def test_valid_request_is_accepted() -> None:
    change = ProfileChangeCreate.model_validate({"legal": named(), "payment": None})

    assert change.legal == LEGAL
    assert change.payment is None


def test_payment_may_be_omitted() -> None:
    assert ProfileChangeCreate.model_validate({"legal": named()}).payment is None


def test_every_problem_is_reported_at_once() -> None:
    body = {
        "legal": {
            "name": "",
            "address": {"street": "1 Power Lane", "postal_code": "LS1 4AP", "country": "XX"},
        },
        "payment": named(postal_code="P" * 41),
    }

    with pytest.raises(ValidationError) as caught:
        ProfileChangeCreate.model_validate(body)

    assert error_types(caught.value) == {
        ("legal", "name"): "string_too_short",
        ("legal", "address", "city"): "missing",
        ("legal", "address", "country"): "country_alpha2",
        ("payment", "address", "postal_code"): "string_too_long",
    }


@pytest.mark.parametrize(
    "name",
    [
        "Example\nEnergy",
        "Example\rEnergy",
        "Example\r\nBcc: x",
        "Ex\x00ample",
        "Example\u2028Energy",
        "Example\x85Energy",
        "Example\x0bEnergy",
        "Example\x1b[31mEnergy",
    ],
)
def test_line_breaks_and_nul_in_a_name_are_rejected(name: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ProfileChangeCreate.model_validate({"legal": named(name)})

    assert error_locs(caught.value) == {("legal", "name")}
    assert "single line" in caught.value.errors()[0]["msg"]


@pytest.mark.parametrize("field", ["street", "city", "postal_code"])
def test_line_breaks_in_an_address_are_rejected(field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ProfileChangeCreate.model_validate({"legal": named(**{field: "Leeds\nBcc: x"})})

    assert error_locs(caught.value) == {("legal", "address", field)}


def test_whitespace_is_stripped() -> None:
    change = ProfileChangeCreate.model_validate(
        {
            "legal": {
                "name": "  Example Energy plc\t",
                "address": {
                    "street": " 1 Power Lane ",
                    "city": "\tLeeds ",
                    "postal_code": "  LS1 4AP  ",
                    "country": "GB",
                },
            }
        }
    )

    assert change.legal == LEGAL


@pytest.mark.parametrize("blank", ["", "   ", "\t "])
def test_blank_name_is_rejected(blank: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ProfileChangeCreate.model_validate({"legal": named(blank)})

    assert error_types(caught.value) == {("legal", "name"): "string_too_short"}


@pytest.mark.parametrize(
    "body, loc",
    [
        ({"legal": named(), "tax_id": "GB123"}, ("tax_id",)),
        ({"legal": {**named(), "vat": "GB123"}}, ("legal", "vat")),
        (
            {"legal": {"name": "Example", "address": address(region="Yorkshire")}},
            ("legal", "address", "region"),
        ),
    ],
)
def test_unknown_fields_are_rejected(body: dict[str, Any], loc: tuple[str, ...]) -> None:
    with pytest.raises(ValidationError) as caught:
        ProfileChangeCreate.model_validate(body)

    assert error_types(caught.value) == {loc: "extra_forbidden"}


@pytest.mark.parametrize(
    "field, limit",
    [("name", 200), ("street", 200), ("city", 200), ("postal_code", 40)],
)
def test_max_lengths(field: str, limit: int) -> None:
    def body(value: str) -> dict[str, Any]:
        if field == "name":
            return {"legal": named(value)}
        return {"legal": named(**{field: value})}

    longest = ProfileChangeCreate.model_validate(body("a" * limit))
    # The limit applies after stripping: surrounding blanks do not count.
    padded = ProfileChangeCreate.model_validate(body(f"  {'a' * limit}  "))
    assert longest == padded

    with pytest.raises(ValidationError) as caught:
        ProfileChangeCreate.model_validate(body("a" * (limit + 1)))
    loc = ("legal", "name") if field == "name" else ("legal", "address", field)
    assert error_types(caught.value) == {loc: "string_too_long"}


def test_country_is_normalised_to_upper_case() -> None:
    change = ProfileChangeCreate.model_validate({"legal": named(country="gb")})

    assert change.legal.address.country == "GB"


@pytest.mark.parametrize("country", ["XX", "GBR", "United Kingdom", ""])
def test_country_must_be_iso_alpha2(country: str) -> None:
    with pytest.raises(ValidationError) as caught:
        ProfileChangeCreate.model_validate({"legal": named(country=country)})

    assert error_locs(caught.value) == {("legal", "address", "country")}


def test_effective_payment_defaults_to_legal() -> None:
    profile = ProfileChangeCreate(legal=LEGAL, payment=None).effective()

    assert profile == CustomerProfile(legal=LEGAL, payment=LEGAL)


def test_effective_keeps_an_explicit_payment() -> None:
    profile = ProfileChangeCreate(legal=LEGAL, payment=PAYMENT).effective()

    assert profile.legal == LEGAL
    assert profile.payment == PAYMENT


def test_no_change_when_requested_equals_current() -> None:
    current = CustomerProfile(legal=LEGAL, payment=PAYMENT)

    problems = profile_change_problems(current, ProfileChangeCreate(legal=LEGAL, payment=PAYMENT))

    assert len(problems) == 1
    assert problems[0].type == "no_change"
    assert problems[0].loc == ("body",)


def test_no_change_compares_the_effective_profile() -> None:
    # Omitting payment means "same as legal", which is what the customer already has.
    current = CustomerProfile(legal=LEGAL, payment=LEGAL)

    problems = profile_change_problems(current, ProfileChangeCreate(legal=LEGAL))

    assert [problem.type for problem in problems] == ["no_change"]


def test_no_change_ignores_surrounding_whitespace_and_country_case() -> None:
    current = CustomerProfile(legal=LEGAL, payment=LEGAL)
    change = ProfileChangeCreate.model_validate(
        {"legal": named("  Example Energy plc ", country="gb")}
    )

    assert [problem.type for problem in profile_change_problems(current, change)] == ["no_change"]


@pytest.mark.parametrize(
    "change",
    [
        ProfileChangeCreate(legal=PAYMENT, payment=PAYMENT),
        ProfileChangeCreate(legal=LEGAL, payment=LEGAL),
        ProfileChangeCreate(legal=LEGAL, payment=None),
        ProfileChangeCreate(
            legal=LEGAL,
            payment=PAYMENT.model_copy(
                update={"address": PAYMENT.address.model_copy(update={"city": "Wakefield"})}
            ),
        ),
        ProfileChangeCreate.model_validate({"legal": named(country="IE"), "payment": PAYMENT}),
    ],
    ids=["legal", "payment", "payment-defaults-to-legal", "payment-city", "legal-country"],
)
def test_any_difference_is_a_change(change: ProfileChangeCreate) -> None:
    current = CustomerProfile(legal=LEGAL, payment=PAYMENT)

    assert profile_change_problems(current, change) == []


single_line = st.text(
    alphabet=st.characters(categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=200
).filter(lambda value: value.strip() != "")
short_line = st.text(
    alphabet=st.characters(categories=("L", "N", "P", "S", "Zs")), min_size=1, max_size=40
).filter(lambda value: value.strip() != "")

named_addresses = st.builds(
    NamedAddress,
    name=single_line,
    address=st.builds(
        Address,
        street=single_line,
        city=single_line,
        postal_code=short_line,
        country=st.sampled_from(COUNTRIES),
    ),
)


@given(legal=named_addresses)
def test_payment_defaults_to_any_valid_legal(legal: NamedAddress) -> None:
    profile = ProfileChangeCreate(legal=legal, payment=None).effective()

    assert profile.payment == legal
    assert profile.legal == legal


@given(legal=named_addresses, payment=named_addresses)
def test_explicit_payment_always_kept(legal: NamedAddress, payment: NamedAddress) -> None:
    assert ProfileChangeCreate(legal=legal, payment=payment).effective().payment == payment
