"""Every kind of request is described once, and each place that presents kinds has them all."""

from api.services.approvals import _ASKED
from api.services.request_views import _VIEWS
from models.enums import RequestKind, Side
from models.kinds import KINDS


def test_every_kind_is_described() -> None:
    assert set(KINDS) == set(RequestKind)


def test_every_kind_has_a_view_and_every_approved_kind_an_approval_page() -> None:
    assert set(_VIEWS) == set(KINDS)
    assert set(_ASKED) == {kind for kind, described in KINDS.items() if described.people.approvers}


def test_the_approval_sides_are_those_the_kept_form_names() -> None:
    approver = {"name": "Percy Approver", "email": "percy@example.com"}
    addition = {"approvers": {"customer": approver, "purchaser": approver}}
    assert KINDS[RequestKind.PURCHASER_ADDITION].approval_sides(addition) == (
        Side.CUSTOMER,
        Side.PURCHASER,
    )
    assert KINDS[RequestKind.PURCHASER_REMOVAL].approval_sides({"approver": approver}) == (
        Side.CUSTOMER,
    )
    changes = KINDS[RequestKind.CONTACT_CHANGE]
    assert changes.approval_sides({"changes": [], "approver": approver}) == (Side.PURCHASER,)
    assert changes.approval_sides({"changes": []}) == ()
    assert KINDS[RequestKind.PROFILE_CHANGE].approval_sides({"legal": {}}) == ()
