"""Each kind of request, described once: the form it is filed with and where, the rules it
is checked by, the workflow that runs it and its input, who approves it and where its form
names people.

Adding a kind is one entry here, plus its workflow and its rules.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from typing import Any

from pydantic import BaseModel

from models import contact_change, purchaser_addition, purchaser_removal
from models.asks import Asks, Standing
from models.contact_change import (
    ContactChangeCreate,
    ContactChangeInput,
    contact_change_problems,
    purchaser_approver_problems,
    purchaser_side_changes,
    purchasers_approver,
)
from models.contact_fields import Approver
from models.enums import RequestKind, RequestStatus, Responsibility, Side
from models.filing import FilingContext
from models.payloads import RequestInput
from models.personal_data import FormPeople, approver_named
from models.problems import Problem
from models.profile_change import ProfileChangeCreate, profile_change_problems
from models.purchaser_addition import (
    PurchaserAdditionCreate,
    PurchaserAdditionInput,
    emails_of,
    purchaser_addition_problems,
)
from models.purchaser_removal import (
    PurchaserRemovalCreate,
    PurchaserRemovalInput,
    purchaser_removal_problems,
)
from models.reading import Reading
from models.separation_of_duties import approver_problems

Form = Any  # the kind's own form: each entry's functions take the kind's form


@dataclass(frozen=True)
class Offer:
    """A link to a kind's form: where it is and what its button says."""

    page: str
    button: str


@dataclass(frozen=True)
class Kind:
    kind: RequestKind
    form: type[BaseModel]
    # The workflow type that runs it, and the input it starts with.
    workflow: str
    input: type[RequestInput]
    problems: Callable[[Form, FilingContext], list[Problem]]
    # Why it cannot be filed at all as the customer stands (409), if it cannot.
    conflict: Callable[[Responsibility | None], str | None] = lambda purchaser: None
    # Its form's page, offered on the customer's profile while it can be filed.
    offered: Offer | None = None
    # Its form's page as the customer's page offers it to the service team acting for the
    # customer (the form of a kind offered on the profile, by default).
    acting: Offer | None = None
    # The emails the form gives, checked against those in use.
    emails: Callable[[Form], Iterable[str]] = lambda form: ()
    # The form as it is kept, with what filing settles (the approver it will ask).
    stored: Callable[[Form, FilingContext], dict[str, Any]] = lambda form, context: form.model_dump(
        mode="json"
    )
    # Where its kept form names people: approvers, contacts brought in, details given.
    people: FormPeople = field(default_factory=FormPeople)
    # Its form read past its schema, for the rules' problems beside the schema's (a kind
    # whose rules weigh the whole form at once has none).
    reading: Reading | None = None
    # What it asks its approvers, in words (a kind that asks none has none).
    asks: Callable[[dict[str, Any], Standing], Asks] | None = None

    @property
    def path(self) -> str:
        return f"{self.kind.slug}-requests"

    def approval_sides(self, requested: dict[str, Any]) -> tuple[Side, ...]:
        """The sides whose approvers decide before the service team: those the kept form
        names an approver for."""
        return tuple(
            side for side in self.people.approvers if approver_named(self.people, requested, side)
        )

    def approvers(self, requested: dict[str, Any]) -> list[Approver]:
        """The approvers the kept form asks, one a side."""
        named = (approver_named(self.people, requested, side) for side in self.people.approvers)
        return [approver for approver in named if approver is not None]

    def initial_status(self, requested: dict[str, Any]) -> RequestStatus:
        if self.approval_sides(requested):
            return RequestStatus.AWAITING_APPROVAL
        return RequestStatus.IN_REVIEW

    def workflow_input(self, values: dict[str, Any]) -> RequestInput:
        """Its workflow's input, taken from ``values`` (the request's ids, the settings it
        keeps for its whole life, its approval sides)."""
        wanted = (f.name for f in fields(self.input) if f.name in values)
        return self.input(**{name: values[name] for name in wanted})


def _purchaser_approver(batch: ContactChangeCreate, context: FilingContext) -> Approver | None:
    """Who approves a batch for the purchaser: none unless it changes the purchaser's side."""
    if not purchaser_side_changes(context.contacts, batch, context.purchaser):
        return None
    return batch.approver or purchasers_approver(context.contacts)


def _contact_change_problems(batch: ContactChangeCreate, context: FilingContext) -> list[Problem]:
    problems = contact_change_problems(
        context.contacts,
        batch,
        context.required_roles,
        context.purchaser,
        context.emails_elsewhere,
    )
    needed = bool(purchaser_side_changes(context.contacts, batch, context.purchaser))
    holder = purchasers_approver(context.contacts)
    problems += purchaser_approver_problems(needed, batch.approver, holder)
    approver = _purchaser_approver(batch, context)
    if approver is not None:
        named = [(("body", "approver", "email"), str(approver.email))]
        problems += approver_problems(context.requester_email, named)
    return problems


def _contact_change_stored(batch: ContactChangeCreate, context: FilingContext) -> dict[str, Any]:
    stored = batch.model_dump(mode="json", exclude_unset=True, exclude={"approver"})
    approver = _purchaser_approver(batch, context)
    if approver is not None:
        stored["approver"] = approver.model_dump(mode="json")
    return stored


KINDS: dict[RequestKind, Kind] = {
    kind.kind: kind
    for kind in (
        Kind(
            RequestKind.PROFILE_CHANGE,
            ProfileChangeCreate,
            workflow="ProfileChangeWorkflow",
            input=RequestInput,
            problems=lambda change, context: profile_change_problems(context.profile, change),
            acting=Offer("/portal/profile", "Request a profile change"),
        ),
        Kind(
            RequestKind.CONTACT_CHANGE,
            ContactChangeCreate,
            workflow="ContactChangeWorkflow",
            input=ContactChangeInput,
            problems=_contact_change_problems,
            emails=lambda batch: batch.emails_given(),
            stored=_contact_change_stored,
            people=FormPeople(approvers={Side.PURCHASER: ("approver",)}, changes=True),
            reading=Reading(
                contact_change.readable_batch,
                contact_change.WHOLE_BATCH,
                frozenset(contact_change.CHANGE_OPS),
            ),
            asks=contact_change.asks,
            acting=Offer("/portal/contacts", "Change contacts and roles"),
        ),
        Kind(
            RequestKind.PURCHASER_ADDITION,
            PurchaserAdditionCreate,
            workflow="PurchaserAdditionWorkflow",
            input=PurchaserAdditionInput,
            problems=lambda form, context: purchaser_addition_problems(
                form, context.requester_email, context.emails_in_use
            ),
            conflict=lambda purchaser: (
                "a purchaser is already assigned to this customer: remove it first"
                if purchaser is not None
                else None
            ),
            offered=Offer("/portal/purchaser/addition", "Request purchaser addition"),
            emails=emails_of,
            people=FormPeople(
                approvers={side: ("approvers", side.value) for side in Side},
                contacts=True,
                outsiders=True,
            ),
            reading=Reading(purchaser_addition.readable_addition, purchaser_addition.ALL_CONTACTS),
            asks=purchaser_addition.asks,
        ),
        Kind(
            RequestKind.PURCHASER_REMOVAL,
            PurchaserRemovalCreate,
            workflow="PurchaserRemovalWorkflow",
            input=PurchaserRemovalInput,
            problems=lambda form, context: purchaser_removal_problems(
                context.contacts, form, context.required_roles, context.requester_email
            ),
            conflict=lambda purchaser: (
                "no purchaser is assigned to this customer, so there is none to remove"
                if purchaser is None
                else None
            ),
            offered=Offer("/portal/purchaser/removal", "Request purchaser removal"),
            people=FormPeople(approvers={Side.CUSTOMER: ("approver",)}, outsiders=True),
            reading=Reading(purchaser_removal.readable_removal, purchaser_removal.ALL_ASSIGNMENTS),
            asks=purchaser_removal.asks,
        ),
    )
}


def offers(purchaser: Responsibility | None) -> list[Offer]:
    """The kinds' forms that can be filed as the customer stands (its purchaser)."""
    return [
        kind.offered
        for kind in KINDS.values()
        if kind.offered is not None and kind.conflict(purchaser) is None
    ]


def acting_offers(purchaser: Responsibility | None) -> list[Offer]:
    """Every kind's form the service team may file for the customer as it stands."""
    return [
        offer
        for kind in KINDS.values()
        if (offer := kind.acting or kind.offered) is not None and kind.conflict(purchaser) is None
    ]
