"""Every kind of request is described once: its registry entry, its workflow, its API module
and its partial template, found by its name."""

from pathlib import Path

from api.kinds import kind_api, partial
from models.enums import RequestKind, Side
from models.kinds import KINDS
from worker import REQUEST_WORKFLOWS

TEMPLATES = Path(__file__).resolve().parents[2] / "api" / "templates"


def test_every_kind_is_described() -> None:
    assert set(KINDS) == set(RequestKind)


def test_every_kinds_filing_route_is_at_its_registry_path() -> None:
    """The routes are written out; Idempotency-Key and the docs find them by the path."""
    for kind, described in KINDS.items():
        routes = [(r.path, r.name) for r in kind_api(kind).filing.routes]  # type: ignore[attr-defined]
        assert routes == [(f"/customers/{{customer_id}}/{described.path}", f"request_{kind.value}")]


def test_every_kind_has_its_workflow_module_and_partial() -> None:
    assert [w.__name__ for w in REQUEST_WORKFLOWS] == [k.workflow for k in KINDS.values()]
    for kind in KINDS:
        assert kind_api(kind).details is not None
        assert (TEMPLATES / partial(kind)).is_file()


def test_every_kind_that_asks_approvers_says_what_it_asks() -> None:
    for described in KINDS.values():
        assert (described.asks is not None) == bool(described.people.approvers)


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
