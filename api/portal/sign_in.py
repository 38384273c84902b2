"""The portal's entry: signing in by an emailed link, and signing out."""

from typing import Annotated

from email_validator import EmailNotValidError, validate_email
from fastapi import APIRouter, BackgroundTasks, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import SessionDep, SettingsDep, TemporalDep
from api.portal.auth import (
    COOKIE,
    HOME,
    NEXT_MAX,
    MaybeSignedIn,
    PostedBy,
    clear_session_cookie,
    safe_next,
    set_session_cookie,
)
from api.portal.render import NOTICES, redirect, render
from api.services import portal_sessions, sign_in

router = APIRouter(include_in_schema=False)

Token = Annotated[str, Path(max_length=200)]
Next = Annotated[str, Form(max_length=NEXT_MAX)]


@router.get("/")
async def entry() -> RedirectResponse:
    return redirect(HOME)


@router.get("/portal")
async def home(person: MaybeSignedIn, request: Request) -> RedirectResponse:
    """Home: the queue for the service team, the customer's profile for a contact."""
    done = request.query_params.get("done")
    done = done if done in NOTICES else None
    if person is None:
        return redirect("/portal/sign-in", done)
    return redirect("/portal/queue" if person.principal.is_staff else "/portal/profile", done)


@router.get("/portal/sign-in", response_class=HTMLResponse)
async def sign_in_page(request: Request, person: MaybeSignedIn, next: str = "") -> Response:
    if person is not None:
        return redirect(safe_next(next))
    return render(request, "sign_in.html", None, "Sign in", next=safe_next(next), email="")


@router.post("/portal/sign-in", response_class=HTMLResponse)
async def ask_for_link(
    request: Request,
    background: BackgroundTasks,
    settings: SettingsDep,
    temporal: TemporalDep,
    # Longer than any address may be, so that email-validator says what is wrong with it.
    email: Annotated[str, Form(max_length=2000)] = "",
    next: Next = "",
) -> HTMLResponse:
    """Whether or not the address has an account, the answer is the same; the link is sent
    after it."""
    try:
        address = validate_email(email.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return render(
            request,
            "sign_in.html",
            None,
            "Sign in",
            status_code=422,
            next=safe_next(next),
            email=email,
            error="Enter your email address, like name@example.com.",
        )
    background.add_task(
        sign_in.send_link,
        request.app.state.signoff.sessions,
        temporal,
        settings,
        address,
        safe_next(next),
    )
    return render(request, "sign_in_sent.html", None, "Check your email", email=address)


@router.get("/portal/sign-in/{token}", response_class=HTMLResponse)
# HEAD answers as GET does (link checkers and mail scanners): neither signs anyone in.
@router.head("/portal/sign-in/{token}", response_class=HTMLResponse)
async def sign_in_link_page(
    token: Token, request: Request, session: SessionDep, next: str = ""
) -> HTMLResponse:
    view = await sign_in.sign_in_view(session, token)
    return render(
        request, "sign_in_link.html", None, "Sign in", next=safe_next(next), expires=view.expires
    )


@router.post("/portal/sign-in/{token}")
async def redeem_link(
    token: Token, request: Request, session: SessionDep, settings: SettingsDep, next: Next = ""
) -> RedirectResponse:
    key = await sign_in.redeem(session, token, settings, request.cookies.get(COOKIE))
    response = redirect(safe_next(next), "signed-in")
    set_session_cookie(response, key, settings)
    return response


@router.post("/portal/sign-out")
async def sign_out(
    request: Request, person: PostedBy, session: SessionDep, settings: SettingsDep
) -> RedirectResponse:
    await portal_sessions.end(session, request.cookies[COOKIE])
    response = redirect("/portal/sign-in", "signed-out")
    clear_session_cookie(response, settings)
    return response
