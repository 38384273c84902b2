"""Which required roles a purchaser's removal hands back to the customer."""

from models.enums import Role, Side
from models.purchaser_removal import roles_to_hand_back

REQUIRED = (Role.MANAGEMENT, Role.CUST_ADMIN, Role.FINANCIAL, Role.AGREEMENT)


def test_only_required_roles_held_on_the_purchaser_side_in_the_settings_order() -> None:
    holdings = [
        (Side.CUSTOMER, [Role.MANAGEMENT, Role.CUST_ADMIN]),
        (Side.PURCHASER, [Role.PURCHASER, Role.FINANCIAL]),
        (Side.PURCHASER, [Role.AGREEMENT, Role.TECHNICAL, Role.FINANCIAL]),
    ]
    assert roles_to_hand_back(holdings, REQUIRED) == [Role.FINANCIAL, Role.AGREEMENT]


def test_nothing_to_hand_back_without_purchaser_contacts() -> None:
    holdings = [(Side.CUSTOMER, [Role.FINANCIAL, Role.AGREEMENT])]
    assert roles_to_hand_back(holdings, REQUIRED) == []
    assert roles_to_hand_back([], REQUIRED) == []


def test_a_role_required_twice_is_asked_for_once() -> None:
    holdings = [(Side.PURCHASER, [Role.FINANCIAL])]
    assert roles_to_hand_back(holdings, (Role.FINANCIAL, Role.FINANCIAL)) == [Role.FINANCIAL]
