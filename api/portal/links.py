"""Pages reached from emailed links, in the portal's layout. GET only shows; a form POST
acts. A client that accepts JSON gets JSON instead of a page."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Request, status
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import AfterValidator, BaseModel

from api.deps import SessionDep, SettingsDep, TemporalDep
from api.errors import LinkProblem, page_error_responses
from api.portal.auth import COOKIE, HOME, same_origin, set_session_cookie
from api.portal.forms import FORM_KEY_LENGTHS
from api.portal.render import PORTAL_HEADERS, redirect, render, wants_json
from api.services import activation, approver_link
from models.common import plain_text

# In the API's schema, unlike the portal's other pages: integrations activate accounts and
# decide approvals through these same paths.
router = APIRouter(tags=["links"], responses=page_error_responses(404, 410, 429, 503))
# A form posted: its body may be unreadable or too large.
POSTED = page_error_responses(400, 413)


class Activated(BaseModel):
    token: str


class Decided(BaseModel):
    decision: Literal["approve", "reject"]
    recorded: bool


def _or_json(model: type[BaseModel], description: str) -> dict[int | str, dict[str, Any]]:
    """A page (the route's own answer), or this JSON when the client accepts it."""
    json = {"application/json": {"schema": model.model_json_schema()}}
    return {200: {"description": description, "content": json}}


Token = Annotated[str, Path(max_length=200)]
Comment = Annotated[str, Form(max_length=5000), AfterValidator(plain_text)]
FormKey = Annotated[str | None, Form(max_length=max(FORM_KEY_LENGTHS))]


def link_problem_page(request: Request, problem: LinkProblem) -> Response:
    if wants_json(request):
        return JSONResponse(
            {"detail": problem.message}, status_code=problem.status_code, headers=PORTAL_HEADERS
        )
    return render(
        request,
        "link_problem.html",
        None,
        problem.title,
        status_code=problem.status_code,
        message=problem.message,
    )


@router.get("/activate/{token}", response_class=HTMLResponse)
# HEAD answers as GET does (link checkers); one operation in the schema is enough.
@router.head("/activate/{token}", response_class=HTMLResponse, include_in_schema=False)
async def activation_page(token: Token, request: Request, session: SessionDep) -> HTMLResponse:
    """The activation page: shows whose account it is; changes nothing."""
    view = await activation.activation_view(session, token)
    return render(request, "activate.html", None, "Activate your account", **vars(view))


@router.post(
    "/activate/{token}",
    response_class=RedirectResponse,
    status_code=status.HTTP_303_SEE_OTHER,
    responses={**_or_json(Activated, "The activated account's API token"), **POSTED},
)
async def activate_account(
    token: Token, request: Request, session: SessionDep, settings: SettingsDep
) -> Response:
    """Activate the account. A browser is signed in to the portal (303 to it); a client that
    accepts JSON gets the account's API token once, as `{"token"}`."""
    if wants_json(request):
        api_token = await activation.activate_for_api(session, token)
        return JSONResponse({"token": api_token}, headers=PORTAL_HEADERS)
    # This POST starts a session: only from a page of Signoff, like any portal form.
    same_origin(request, settings)
    key = await activation.activate_and_sign_in(
        session, token, settings, request.cookies.get(COOKIE)
    )
    response = redirect(HOME, "activated")
    set_session_cookie(response, key, settings)
    return response


@router.get("/approvals/{token}", response_class=HTMLResponse)
# HEAD answers as GET does (link checkers); one operation in the schema is enough.
@router.head("/approvals/{token}", response_class=HTMLResponse, include_in_schema=False)
async def approval_page(
    token: Token, request: Request, session: SessionDep, sent: bool = False
) -> HTMLResponse:
    """The approval page: the request and its forms; opening it decides nothing."""
    view = await approver_link.approval_page(session, token)
    return render(
        request,
        "approval.html",
        None,
        "Your approval is requested",
        comment_action=f"{token}/comments",
        notice="Your message was sent to the service team." if sent else None,
        **vars(view),
    )


@router.post(
    "/approvals/{token}",
    response_class=HTMLResponse,
    responses={**_or_json(Decided, "The decision, and whether it is recorded yet"), **POSTED},
)
async def decide_approval(
    token: Token,
    decision: Annotated[Literal["approve", "reject"], Form()],
    request: Request,
    session: SessionDep,
    temporal: TemporalDep,
    comment: Comment = "",
) -> Response:
    """Approve or reject, once; an optional comment goes to the service team's ticket."""
    approve = decision == "approve"
    decided = await approver_link.decide(session, temporal, token, approve, comment.strip() or None)
    if wants_json(request):
        answer = {"decision": decision, "recorded": decided.settled}
        return JSONResponse(answer, headers=PORTAL_HEADERS)
    return render(
        request, "approval_done.html", None, "Decision recorded", approved=approve, **vars(decided)
    )


@router.post(
    "/approvals/{token}/comments",
    response_class=RedirectResponse,
    status_code=status.HTTP_303_SEE_OTHER,
    responses=POSTED,
)
async def comment_on_approval(
    token: Token,
    comment: Comment,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
    form_key: FormKey = None,
) -> Response:
    """Send the service team a question without deciding (they are emailed it, once however
    often the page's form is sent); back to the page."""
    if comment.strip():
        key = form_key if form_key and len(form_key) in FORM_KEY_LENGTHS else None
        await approver_link.ask(
            session,
            temporal,
            settings.task_queue,
            settings.ticket_targets,
            token,
            comment.strip(),
            key,
        )
    return redirect(f"../{token}?sent=true")
