"""The roles' information follows the access policy: what a role is said to grant is what
its holder may do, on the side that holds it."""

from api.portal.role_guide import all_roles, role_information
from models.enums import REQUESTER_ROLES, Responsibility, Role, Side
from settings import Settings

REQUIRED = Settings().required_roles


def _grants(role: Role, purchaser: Responsibility | None = None) -> str:
    return " ".join(role_information(role, frozenset(REQUIRED), purchaser).grants)


def test_every_role_is_explained_the_required_first() -> None:
    explained = all_roles(REQUIRED, None)
    assert [info.role for info in explained][: len(REQUIRED)] == list(REQUIRED)
    assert {info.role for info in explained} == set(Role)
    assert all(info.for_whom and info.grants and info.emails for info in explained)
    assert [info.role for info in explained if info.required] == list(REQUIRED)


def test_only_the_requester_roles_grant_requesting_changes_and_management_the_audit() -> None:
    for role in Role:
        assert ("Request changes" in _grants(role)) is (role in REQUESTER_ROLES), role
        assert ("audit trail" in _grants(role)) is (role is Role.MANAGEMENT), role


def test_a_role_the_purchaser_takes_over_is_explained_as_the_purchasers() -> None:
    ours = role_information(Role.FINANCIAL, frozenset(REQUIRED), None)
    assert ours.held_by is Side.CUSTOMER
    assert "Follow the customer's requests" in " ".join(ours.grants)
    assert any("takes this role over" in email for email in ours.emails)

    theirs = role_information(Role.FINANCIAL, frozenset(REQUIRED), Responsibility.FINANCIAL)
    assert theirs.held_by is Side.PURCHASER
    # A purchaser's contacts do not see the customer's requests.
    assert "Follow the customer's requests" not in " ".join(theirs.grants)
    assert not any("takes this role over" in email for email in theirs.emails)
    contractual = role_information(Role.FINANCIAL, frozenset(REQUIRED), Responsibility.CONTRACTUAL)
    assert contractual.held_by is Side.CUSTOMER


def test_the_purchaser_role_is_the_purchasers_and_approves_its_side() -> None:
    for purchaser in (None, *Responsibility):
        info = role_information(Role.PURCHASER, frozenset(REQUIRED), purchaser)
        assert info.held_by is Side.PURCHASER
        assert "Approve or reject" in " ".join(info.grants)
        assert any("approval request" in email for email in info.emails)
