"""Where a stored form names people, and the form without them.

A person's entry is blanked in place, not dropped: what was asked (ops, ids, roles) stays,
marked ``"erased": true``; who it was does not. Forms are stored as the API received them
(JSON), so these work on plain dicts.
"""

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from models.contact_fields import Approver
from models.enums import Side
from models.redaction import Person

ERASED = "erased"


def is_erased(entry: Any) -> bool:
    """An entry whose person was erased (forms erased before the marker have no email)."""
    if not isinstance(entry, dict):
        return True
    if entry.get(ERASED):
        return True
    person = entry.get("contact", entry)
    return isinstance(person, dict) and "email" in person and person["email"] is None


@dataclass(frozen=True)
class FormPeople:
    """Where a kind's stored form names people (each kind's entry in ``models/kinds.py``)."""

    # Where the form names each side's approver, as a path of keys.
    approvers: Mapping[Side, tuple[str, ...]] = field(default_factory=dict)
    # "contacts": the contacts it brings (a purchaser addition's).
    contacts: bool = False
    # "changes": contacts added, and details updated (a contact change's).
    changes: bool = False
    # It names people who may never be the customer's contacts (another organisation's, say):
    # a form never applied is erased whole, and erasing a person looks for them in these
    # forms at every customer.
    outsiders: bool = False


def people_in(where: FormPeople, requested: dict[str, Any]) -> list[Person]:
    """Everyone the form names who is not erased yet."""
    people = [
        Person.from_details([change.get("contact", {})])
        for change in (requested.get("changes", []) if where.changes else [])
        if change.get("op") == "add" and not is_erased(change)
    ]
    people += [
        Person.named(approver.get("name"), approver.get("email"))
        for approver in _approvers(where, requested).values()
        if not is_erased(approver)
    ]
    people += [
        Person.from_details([contact])
        for contact in (requested.get("contacts", []) if where.contacts else [])
        if not is_erased(contact)
    ]
    return people


def approver_named(where: FormPeople, requested: dict[str, Any], side: Side) -> Approver | None:
    """The approver the form names for ``side``; None once they have been erased."""
    approver = _approvers(where, requested).get(side)
    if approver is None or is_erased(approver):
        return None
    return Approver.model_validate(approver)


def details_given(
    where: FormPeople,
    requested: dict[str, Any],
    outcome: dict[str, Any] | None,
    contact_id: uuid.UUID,
) -> list[dict[str, Any]]:
    """The details this form gave a contact: those it was created with, and the updates
    asked for it (their past values, or ones it never took)."""
    added = [str(id_) for id_ in (outcome or {}).get("added", [])]
    target = str(contact_id)
    given: list[dict[str, Any]] = []
    if where.changes:
        changes = requested.get("changes", [])
        adds = [change for change in changes if change.get("op") == "add"]
        given += [
            change.get("contact", {})
            for position, change in enumerate(adds)
            if position < len(added) and added[position] == target
        ]
        given += [
            change.get("fields", {})
            for change in changes
            if change.get("op") == "update" and change.get("contact_id") == target
        ]
    if where.contacts:
        contacts = requested.get("contacts", [])
        given += [
            contacts[position]
            for position, id_ in enumerate(added)
            if id_ == target and position < len(contacts)
        ]
    return given


def without_person(
    where: FormPeople,
    requested: dict[str, Any],
    contact_id: uuid.UUID | None,
    emails: frozenset[str],
) -> dict[str, Any]:
    """The form with one person blanked wherever it names them: by their contact id, or by
    any email they ever had."""

    def named(entry: dict[str, Any]) -> bool:
        return str(entry.get("email") or "").lower() in emails

    form = {**requested}
    if where.changes:
        changes = []
        for change in requested.get("changes", []):
            op = change.get("op")
            if op == "update" and contact_id and change.get("contact_id") == str(contact_id):
                change = _blanked(change, "fields")
            elif op == "add" and named(change.get("contact", {})):
                change = _blanked(change, "contact")
            changes.append(change)
        form["changes"] = changes
    if where.contacts:
        form["contacts"] = [
            _blanked_contact(contact) if named(contact) else contact
            for contact in requested.get("contacts", [])
        ]
    for side, approver in _approvers(where, requested).items():
        if named(approver):
            form = _replaced(form, where.approvers[side], _blanked(approver))
    return form


def without_people(where: FormPeople, requested: dict[str, Any]) -> dict[str, Any]:
    """The form with everyone it names, and the details it brought, blanked: what was asked
    (ops, ids, roles) stays, who and what it would have written does not."""
    form = {**requested}
    if where.changes:
        inner = {"add": "contact", "update": "fields"}
        form["changes"] = [
            _blanked(change, inner[change["op"]]) if change.get("op") in inner else change
            for change in requested.get("changes", [])
        ]
    if where.contacts:
        form["contacts"] = [_blanked_contact(c) for c in requested.get("contacts", [])]
    for side, approver in _approvers(where, requested).items():
        form = _replaced(form, where.approvers[side], _blanked(approver))
    return form


def _approvers(where: FormPeople, requested: dict[str, Any]) -> dict[Side, dict[str, Any]]:
    found: dict[Side, dict[str, Any]] = {}
    for side, path in where.approvers.items():
        entry: Any = requested
        for key in path:
            entry = entry.get(key) if isinstance(entry, dict) else None
        if isinstance(entry, dict) and entry:
            found[side] = entry
    return found


def _replaced(form: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """``form`` with the entry at ``path`` replaced, the dicts on the way copied."""
    head, *rest = path
    return {**form, head: _replaced(form[head], tuple(rest), value) if rest else value}


def _blanked(entry: dict[str, Any], inner: str | None = None) -> dict[str, Any]:
    """``entry`` with its personal values (or those of its ``inner`` dict) set to null."""
    if inner is None:
        return {**{name: None for name in entry if name != ERASED}, ERASED: True}
    details = entry.get(inner) or {}
    return {**entry, inner: {name: None for name in details}, ERASED: True}


def _blanked_contact(contact: dict[str, Any]) -> dict[str, Any]:
    """A purchaser contact with its details blanked and its roles kept."""
    return {**_blanked(contact), "roles": contact.get("roles", [])}
