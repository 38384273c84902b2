"""Pages reached from emailed links. GET only shows; a form POST acts."""

from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api.deps import SessionDep
from api.pages import PAGE_HEADERS, page, wants_json
from api.services import activation

router = APIRouter(tags=["links"])

Token = Annotated[str, Path(max_length=200)]


@router.api_route("/activate/{token}", methods=["GET", "HEAD"], response_class=HTMLResponse)
async def activation_page(token: Token, request: Request, session: SessionDep) -> HTMLResponse:
    """The activation page: shows whose account it is; changes nothing."""
    view = await activation.activation_view(session, token)
    return page(request, "activate.html", **vars(view))


@router.post("/activate/{token}", response_class=HTMLResponse)
async def activate_account(token: Token, request: Request, session: SessionDep) -> Response:
    """Activate the account and show its API token once (`{"token"}` when JSON is accepted)."""
    api_token = await activation.activate(session, token)
    if wants_json(request):
        return JSONResponse({"token": api_token}, headers=PAGE_HEADERS)
    return page(request, "activated.html", token=api_token)
