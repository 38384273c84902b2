"""Role exclusivity between a customer and its purchaser, as pure rules."""

from models.enums import Responsibility, Role, Side

_RESPONSIBILITY_ROLES = {
    Responsibility.FINANCIAL: frozenset({Role.FINANCIAL}),
    Responsibility.CONTRACTUAL: frozenset({Role.AGREEMENT}),
    Responsibility.BOTH: frozenset({Role.FINANCIAL, Role.AGREEMENT}),
}


def responsibility_roles(responsibility: Responsibility) -> frozenset[Role]:
    """The roles a purchaser takes over from its customer."""
    return _RESPONSIBILITY_ROLES[responsibility]


def purchaser_roles(responsibility: Responsibility) -> frozenset[Role]:
    """The roles only purchaser contacts may hold while the purchaser is assigned."""
    return _RESPONSIBILITY_ROLES[responsibility] | {Role.PURCHASER}


def roles_not_allowed(
    side: Side, roles: frozenset[Role], purchaser: Responsibility | None
) -> frozenset[Role]:
    """The roles a contact of ``side`` may not hold; empty when all are allowed.

    With no purchaser assigned there are no purchaser contacts and no Purchaser role.
    """
    if purchaser is None:
        return roles & {Role.PURCHASER}
    exclusive = purchaser_roles(purchaser)
    if side is Side.PURCHASER:
        return roles - exclusive
    return roles & exclusive
