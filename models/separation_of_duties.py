"""Separation of duties for approvals, the one rule every approval path goes through: the
requester never approves their own request, and one person never approves for both sides.

People are told apart by their email in a canonical form: case aside, and a ``+tag`` on
the local part aside (``derek+approve@`` reaches Derek's own mailbox).
"""

from collections.abc import Sequence

from models.problems import Loc, Problem


def canonical_email(email: str) -> str:
    local, at, domain = email.strip().lower().rpartition("@")
    if not at:
        return domain
    return f"{local.split('+', 1)[0]}@{domain}"


def approver_problems(
    requester_email: str | None, named: Sequence[tuple[Loc, str]]
) -> list[Problem]:
    """Every way the approvers a form names (where in the form, and their email) break
    separation of duties."""
    problems: list[Problem] = []
    requester = canonical_email(requester_email) if requester_email else None
    seen: set[str] = set()
    for loc, email in named:
        person = canonical_email(email)
        if person in seen:
            problems.append(
                Problem(loc, "the two approvers must be different people", "same_approver")
            )
        if person == requester:
            problems.append(
                Problem(
                    loc, "the requester may not approve their own request", "requester_approves"
                )
            )
        seen.add(person)
    return problems
