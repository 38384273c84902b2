"""The person's own API tokens: listed, created (shown once), revoked."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SessionDep
from api.errors import NotFound
from api.portal.auth import PostedBy, SignedInDep
from api.portal.forms import FormErrors, posted_form_key
from api.portal.render import redirect, render
from api.services import tokens
from api.services.portal_sessions import SignedIn
from api.services.tokens import AlreadyMade, TokenCreated
from models.ids import ascii_number
from models.user import TOKEN_NAME_MAX, ApiTokenCreate

router = APIRouter()

FIELDS = {"name": "Token name"}
KNOWN = frozenset(FIELDS)


async def _page(
    request: Request,
    person: SignedIn,
    session: SessionDep,
    created: TokenCreated | None = None,
    values: dict[str, str] | None = None,
    errors: FormErrors | None = None,
    status_code: int = 200,
    made_already: bool = False,
) -> HTMLResponse:
    return render(
        request,
        "tokens.html",
        person,
        "API tokens",
        status_code=status_code,
        tokens=await tokens.own_tokens(session, person.principal),
        created=created,
        fields=FIELDS,
        name_max=TOKEN_NAME_MAX,
        values=values or {},
        errors=errors or FormErrors(),
        made_already=made_already,
    )


@router.get("/portal/tokens", response_class=HTMLResponse)
async def token_list(request: Request, person: SignedInDep, session: SessionDep) -> HTMLResponse:
    return await _page(request, person, session)


@router.post("/portal/tokens", response_class=HTMLResponse)
async def create_token(request: Request, person: PostedBy, session: SessionDep) -> Response:
    """Create token. Unlike every other form, this answers with a page and not a redirect: the
    token exists only in this answer (it is stored hashed), so it cannot wait for a GET.
    The page is never cached; reloading it posts the same form again, which makes no second
    token and says so (the form's key)."""
    posted = await request.form()
    values = {"name": str(posted.get("name", ""))}
    form_key = posted_form_key(posted)
    errors = FormErrors(labels=FIELDS, known=KNOWN)
    form = errors.parse(ApiTokenCreate, values)
    if form_key is None:
        errors.general.append("The form is out of date: reload the page and try again.")
    if form is None or form_key is None or errors:
        return await _page(request, person, session, None, values, errors, status_code=422)
    try:
        created = await tokens.create_token(session, person.principal, form, form_key)
    except AlreadyMade:
        return await _page(request, person, session, made_already=True, status_code=409)
    return await _page(request, person, session, created, status_code=201)


@router.post("/portal/tokens/{token_id}/revoke")
async def revoke_token(token_id: str, person: PostedBy, session: SessionDep) -> Response:
    """Revoke: only the person's own tokens; any other id answers 404."""
    number = ascii_number(token_id, 18)
    if number is None:
        raise NotFound("token not found")
    await tokens.revoke_token(session, person.principal, number)
    return redirect("/portal/tokens", "token-revoked")
