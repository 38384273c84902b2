"""The person's own API tokens: listed, created (shown once), revoked."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import SessionDep
from api.errors import NotFound
from api.portal.auth import PostedBy, SignedInDep
from api.portal.forms import FormErrors, parse
from api.portal.render import redirect, render
from api.services import tokens
from api.services.portal_sessions import SignedIn
from api.services.tokens import TokenCreate, TokenCreated

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
        name_max=tokens.NAME_MAX,
        values=values or {},
        errors=errors or FormErrors(),
    )


@router.get("/portal/tokens", response_class=HTMLResponse)
async def token_list(request: Request, person: SignedInDep, session: SessionDep) -> HTMLResponse:
    return await _page(request, person, session)


@router.post("/portal/tokens", response_class=HTMLResponse)
async def create_token(request: Request, person: PostedBy, session: SessionDep) -> Response:
    """Create token. Unlike every other form, this answers with a page and not a redirect: the
    token exists only in this answer (it is stored hashed), so it cannot wait for a GET.
    The page is never cached (Cache-Control: no-store, as every portal page); reloading it
    asks the browser to post again, which makes another token, never shows this one again."""
    values = {"name": str((await request.form()).get("name", ""))}
    form, errors = parse(TokenCreate, values, KNOWN)
    if not isinstance(form, TokenCreate):
        return await _page(request, person, session, None, values, errors, status_code=422)
    created = await tokens.create_token(session, person.principal, form)
    return await _page(request, person, session, created, status_code=201)


@router.post("/portal/tokens/{token_id}/revoke")
async def revoke_token(token_id: str, person: PostedBy, session: SessionDep) -> Response:
    """Revoke: only the person's own tokens; any other id answers 404."""
    if not token_id.isdecimal() or len(token_id) > 18:
        raise NotFound("token not found")
    await tokens.revoke_token(session, person.principal, int(token_id))
    return redirect("/portal/tokens", "token-revoked")
