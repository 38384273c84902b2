"""Who is signed in to the portal, and the checks every form passes: same origin, and a
token bound to the session (signed with itsdangerous)."""

from typing import Annotated, NamedTuple
from urllib.parse import urlsplit

from fastapi import BackgroundTasks, Depends, Request, Response
from itsdangerous import BadData, URLSafeTimedSerializer
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.datastructures import UploadFile
from temporalio.client import Client

from api.deps import SessionDep, SettingsDep, TemporalDep
from api.services import portal_sessions
from api.services.portal_sessions import SignedIn
from models.types import utcnow
from settings import Settings

COOKIE = "signoff_session"
CSRF_FIELD = "csrf_token"
HOME = "/portal"
# The longest path a sign-in returns to; a longer one returns home.
NEXT_MAX = 500
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class SignInRequired(Exception):
    """The page needs a signed-in person; ``next_path`` is where to come back to."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


class FormRefused(Exception):
    """A form from another origin, or without this session's token (403)."""


class FileInForm(Exception):
    """A form that carries a file where the portal asks only for text (422)."""


def safe_next(path: str | None) -> str:
    """Where to go after signing in: a path of the portal itself, or the portal's home."""
    if not path or len(path) > NEXT_MAX or "\\" in path or path.startswith("//"):
        return HOME
    parts = urlsplit(path)
    if (
        parts.scheme
        or parts.netloc
        or not (parts.path == HOME or parts.path.startswith("/portal/"))
    ):
        return HOME
    return path


def here(request: Request) -> str:
    """The page asked for, as a path with its query."""
    query = request.url.query
    return request.url.path + (f"?{query}" if query else "")


def same_origin(request: Request, settings: SettingsDep) -> None:
    """A state-changing request a browser sends from another site is refused."""
    if request.method not in _UNSAFE:
        return
    fetch_site = request.headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        raise FormRefused("the form came from another site")
    origin = request.headers.get("origin")
    if origin is not None and origin not in _own_origins(request, settings):
        raise FormRefused("the form came from another origin")


async def from_this_site(request: Request, settings: SettingsDep) -> None:
    """``same_origin`` as the portal's dependency (a coroutine: FastAPI runs a plain
    function in its thread pool)."""
    same_origin(request, settings)


def _own_origins(request: Request, settings: Settings) -> set[str]:
    public = urlsplit(settings.public_url)
    return {f"{public.scheme}://{public.netloc}", f"{request.url.scheme}://{request.url.netloc}"}


async def _maybe_signed_in(
    request: Request, session: SessionDep, settings: SettingsDep, later: BackgroundTasks
) -> SignedIn | None:
    key = request.cookies.get(COOKIE)
    if not key or len(key) > 200:
        return None
    person = await portal_sessions.signed_in(session, key, settings)
    if person is not None and person.touch_due:
        sessions = request.app.state.signoff.sessions
        later.add_task(portal_sessions.touch, sessions, person.session_id, utcnow())
    return person


MaybeSignedIn = Annotated[SignedIn | None, Depends(_maybe_signed_in)]


async def _signed_in(request: Request, person: MaybeSignedIn) -> SignedIn:
    if person is None:
        raise SignInRequired(here(request))
    return person


SignedInDep = Annotated[SignedIn, Depends(_signed_in)]


def _form_signer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret_key, salt="signoff-portal-form")


def form_token(settings: Settings, person: SignedIn) -> str:
    return _form_signer(settings).dumps(person.session_id)


async def _posted_by(request: Request, person: SignedInDep, settings: SettingsDep) -> SignedIn:
    """The signed-in person, once the form's token proves it was made for their session.
    No form of the portal sends a file but those that attach one (``PostedUpload``): one
    that does is refused before it is read."""
    return await _checked(request, person, settings, files=frozenset())


async def _checked(
    request: Request, person: SignedIn, settings: Settings, files: frozenset[str]
) -> SignedIn:
    """The form read (files only in the fields ``files`` names, one each) and its token
    checked."""
    # Starlette's own limit where files are taken; the text forms name the file they refuse.
    form = await (request.form(max_files=len(files)) if files else request.form())
    sent = [name for name, value in form.multi_items() if isinstance(value, UploadFile)]
    if any(name not in files for name in sent) or len(sent) != len(set(sent)):
        raise FileInForm("a form of the portal takes no files")
    token = form.get(CSRF_FIELD)
    try:
        session_id = _form_signer(settings).loads(
            str(token or ""), max_age=settings.session_absolute_seconds
        )
    except BadData as error:
        raise FormRefused("the form's token is missing or not this session's") from error
    if session_id != person.session_id:
        raise FormRefused("the form's token is not this session's")
    return person


PostedBy = Annotated[SignedIn, Depends(_posted_by)]


class Posted(NamedTuple):
    """A form a signed-in person posted, with what handling it takes."""

    request: Request
    person: SignedIn
    session: AsyncSession
    temporal: Client
    settings: Settings


async def _posted(
    request: Request,
    person: PostedBy,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> Posted:
    return Posted(request, person, session, temporal, settings)


PostedForm = Annotated[Posted, Depends(_posted)]

# The field of the forms that attach a file to a ticket (a reply may carry one).
FILE_FIELD = "file"


async def _posted_upload(
    request: Request,
    person: SignedInDep,
    session: SessionDep,
    temporal: TemporalDep,
    settings: SettingsDep,
) -> Posted:
    await _checked(request, person, settings, files=frozenset({FILE_FIELD}))
    return Posted(request, person, session, temporal, settings)


# A form that may carry a file in its field ``FILE_FIELD``.
PostedUpload = Annotated[Posted, Depends(_posted_upload)]


def set_session_cookie(response: Response, key: str, settings: Settings) -> None:
    response.set_cookie(
        COOKIE,
        key,
        max_age=settings.session_absolute_seconds,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.public_url.startswith("https://"),
    )


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(
        COOKIE,
        path="/",
        httponly=True,
        samesite="lax",
        secure=settings.public_url.startswith("https://"),
    )
