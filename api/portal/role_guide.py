"""What each role is for, what it lets its holder do and which automated emails it brings,
as the portal's role information shows it. What a role grants is read from the access
policy itself, so the page cannot promise what the rules do not allow. Pure: no I/O."""

import uuid
from dataclasses import dataclass

from models.access import Principal, may_file, may_read_audit, sees_requests
from models.enums import Responsibility, Role, Side
from models.roles import roles_not_allowed

_NOBODY = uuid.UUID(int=0)
_CUSTOMER = uuid.UUID(int=1)

_FOR_WHOM = {
    Role.MANAGEMENT: "The people who run the customer's relationship with the service team "
    "and answer for its data.",
    Role.CUST_ADMIN: "The customer's administrators, who keep its profile and contacts up to "
    "date on Management's behalf.",
    Role.FINANCIAL: "Whoever handles invoices and payments: accounts payable, a finance manager.",
    Role.AGREEMENT: "Whoever signs and keeps the customer's contracts and licence agreements.",
    Role.TECHNICAL: "The people who install and run what the service team delivers.",
    Role.APPLICATION: "The people who use the delivered application day to day and answer "
    "for how it is set up.",
    Role.SECURITY: "Whoever answers for security: notices of vulnerabilities and incidents "
    "are for them.",
    Role.PROCUREMENT: "Whoever manages the relationship with a purchaser organisation, when "
    "one pays or contracts on the customer's behalf.",
    Role.PURCHASER: "The purchaser organisation's own lead contact, who speaks for it.",
}

_EVERYONE = (
    "See the customer's profile, its contacts and their roles.",
    "Raise support tickets, follow them and reply on them.",
    "Create and revoke their own API tokens.",
)


@dataclass(frozen=True)
class RoleInformation:
    role: Role
    for_whom: str
    grants: tuple[str, ...]
    emails: tuple[str, ...]
    required: bool
    # Which side's contacts hold it: with no purchaser assigned, every role but Purchaser
    # is the customer's.
    held_by: Side

    @property
    def label(self) -> str:
        return self.role.label


def _holder(role: Role, side: Side) -> Principal:
    return Principal(
        user_id=_NOBODY, is_staff=False, customer_id=_CUSTOMER, side=side, roles=frozenset({role})
    )


def _grants(role: Role, side: Side) -> tuple[str, ...]:
    holder = _holder(role, side)
    grants = list(_EVERYONE)
    if sees_requests(holder, _CUSTOMER):
        grants.insert(1, "Follow the customer's requests: their status, approvals and tickets.")
    if may_file(holder, _CUSTOMER):
        grants.append(
            "Request changes: the profile, the contacts and their roles (the Contacts "
            "Manager), and a purchaser organisation's addition or removal."
        )
        grants.append("Cancel any of the customer's open requests.")
    if may_read_audit(holder, _CUSTOMER):
        grants.append("Read and download the customer's audit trail.")
    if role is Role.PURCHASER:
        grants.append(
            "Approve or reject, through an emailed link, a contact change that touches the "
            "purchaser's side (its contacts, or the roles it holds)."
        )
    return tuple(grants)


def _emails(role: Role, side: Side) -> tuple[str, ...]:
    emails = []
    if may_file(_holder(role, side), _CUSTOMER):
        emails.append(
            "For each request they file: its receipt, the approvers' answers, the service "
            "team's replies on its ticket, and its outcome (implemented, declined, cancelled "
            "or expired)."
        )
    if role in (Role.FINANCIAL, Role.AGREEMENT) and side is Side.CUSTOMER:
        emails.append("A notice when a purchaser organisation takes this role over from them.")
    if role is Role.PURCHASER:
        emails.append(
            "An approval request, with reminders, for each contact change that touches the "
            "purchaser's side, and the request's outcome."
        )
    emails.append("Replies from the service team on the tickets they raise.")
    return tuple(emails)


def role_information(
    role: Role, required: frozenset[Role], purchaser: Responsibility | None
) -> RoleInformation:
    """``role`` explained, for a customer whose purchaser (if any) has ``purchaser``'s
    responsibility and who must always have some contact holding each of ``required``."""
    side = (
        Side.PURCHASER
        if roles_not_allowed(Side.CUSTOMER, frozenset({role}), purchaser)
        else Side.CUSTOMER
    )
    return RoleInformation(
        role=role,
        for_whom=_FOR_WHOM[role],
        grants=_grants(role, side),
        emails=_emails(role, side),
        required=role in required,
        held_by=side,
    )


def all_roles(
    required: tuple[Role, ...], purchaser: Responsibility | None
) -> list[RoleInformation]:
    """Every role explained, the required first, as the Contacts Manager's columns go."""
    order = list(required) + [role for role in Role if role not in required]
    return [role_information(role, frozenset(required), purchaser) for role in order]
