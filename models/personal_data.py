"""Where each kind of request's stored form names people, and the form without them.

A person's entry is blanked in place, not dropped: what was asked (ops, ids, roles) stays,
marked ``"erased": true``; who it was does not. Forms are stored as the API received them
(JSON), so these work on plain dicts.
"""

import uuid
from typing import Any

from models.enums import RequestKind
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


def people_in(kind: RequestKind, requested: dict[str, Any]) -> list[Person]:
    """Everyone the form names who is not erased yet."""
    people = [
        Person.from_details([change.get("contact", {})])
        for change in requested.get("changes", [])
        if change.get("op") == "add" and not is_erased(change)
    ]
    people += [
        Person.named(approver.get("name"), approver.get("email"))
        for approver in _approvers(kind, requested).values()
        if not is_erased(approver)
    ]
    if kind is RequestKind.PURCHASER_ADDITION:
        people += [
            Person.from_details([contact])
            for contact in requested.get("contacts", [])
            if not is_erased(contact)
        ]
    return people


def details_given(
    kind: RequestKind,
    requested: dict[str, Any],
    outcome: dict[str, Any] | None,
    contact_id: uuid.UUID,
) -> list[dict[str, Any]]:
    """The details this form gave a contact: those it was created with, and the updates
    asked for it (their past values, or ones it never took)."""
    added = [str(id_) for id_ in (outcome or {}).get("added", [])]
    target = str(contact_id)
    if kind is RequestKind.CONTACT_CHANGE:
        changes = requested.get("changes", [])
        adds = [change for change in changes if change.get("op") == "add"]
        given = [
            change.get("contact", {})
            for position, change in enumerate(adds)
            if position < len(added) and added[position] == target
        ]
        return given + [
            change.get("fields", {})
            for change in changes
            if change.get("op") == "update" and change.get("contact_id") == target
        ]
    if kind is RequestKind.PURCHASER_ADDITION:
        contacts = requested.get("contacts", [])
        return [
            contacts[position]
            for position, id_ in enumerate(added)
            if id_ == target and position < len(contacts)
        ]
    return []


def without_person(
    kind: RequestKind,
    requested: dict[str, Any],
    contact_id: uuid.UUID | None,
    emails: frozenset[str],
) -> dict[str, Any]:
    """The form with one person blanked wherever it names them: by their contact id, or by
    any email they ever had."""

    def named(entry: dict[str, Any]) -> bool:
        return str(entry.get("email") or "").lower() in emails

    if kind is RequestKind.CONTACT_CHANGE:
        changes = []
        for change in requested.get("changes", []):
            op = change.get("op")
            if op == "update" and contact_id and change.get("contact_id") == str(contact_id):
                change = _blanked(change, "fields")
            elif op == "add" and named(change.get("contact", {})):
                change = _blanked(change, "contact")
            changes.append(change)
        form = {**requested, "changes": changes}
    else:
        form = {**requested}
    if kind is RequestKind.PURCHASER_ADDITION:
        form["contacts"] = [
            _blanked_contact(contact) if named(contact) else contact
            for contact in requested.get("contacts", [])
        ]
        form["approvers"] = {
            side: _blanked(approver) if named(approver) else approver
            for side, approver in requested.get("approvers", {}).items()
        }
    if kind is not RequestKind.PURCHASER_ADDITION and named(requested.get("approver") or {}):
        form["approver"] = _blanked(requested["approver"])
    return form


def without_people(kind: RequestKind, requested: dict[str, Any]) -> dict[str, Any]:
    """The form with everyone it names, and the details it brought, blanked: what was asked
    (ops, ids, roles) stays, who and what it would have written does not."""
    form = {**requested}
    if kind is RequestKind.CONTACT_CHANGE:
        inner = {"add": "contact", "update": "fields"}
        form["changes"] = [
            _blanked(change, inner[change["op"]]) if change.get("op") in inner else change
            for change in requested.get("changes", [])
        ]
    if kind is RequestKind.PURCHASER_ADDITION:
        form["contacts"] = [_blanked_contact(c) for c in requested.get("contacts", [])]
        form["approvers"] = {
            side: _blanked(a) for side, a in requested.get("approvers", {}).items()
        }
    if requested.get("approver"):
        form["approver"] = _blanked(requested["approver"])
    return form


def _approvers(kind: RequestKind, requested: dict[str, Any]) -> dict[str, dict[str, Any]]:
    if kind is RequestKind.PURCHASER_ADDITION:
        return dict(requested.get("approvers", {}))
    if not requested.get("approver"):
        return {}
    # A removal's approver is the customer's; a contact change's, the purchaser's.
    side = "customer" if kind is RequestKind.PURCHASER_REMOVAL else "purchaser"
    return {side: requested["approver"]}


def _blanked(entry: dict[str, Any], inner: str | None = None) -> dict[str, Any]:
    """``entry`` with its personal values (or those of its ``inner`` dict) set to null."""
    if inner is None:
        return {**{name: None for name in entry if name != ERASED}, ERASED: True}
    details = entry.get(inner) or {}
    return {**entry, inner: {name: None for name in details}, ERASED: True}


def _blanked_contact(contact: dict[str, Any]) -> dict[str, Any]:
    """A purchaser contact with its details blanked and its roles kept."""
    return {**_blanked(contact), "roles": contact.get("roles", [])}
