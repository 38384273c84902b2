"""The portal: pages for people, on the same services and access policy as the JSON API."""

from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from api.errors import (
    DATABASE_DOWN,
    ApiError,
    LinkProblem,
    database_down,
    invalid_json,
    json_error,
)
from api.kinds import kind_api
from api.portal import (
    customer_archive,
    customer_notes,
    customers,
    links,
    new_customer,
    queue,
    request_pages,
    roles,
    sign_in,
    team,
    ticket_desk,
    tickets,
    tokens,
)
from api.portal.auth import FileInForm, FormRefused, SignInRequired, from_this_site
from api.portal.render import redirect, render
from models.kinds import KINDS

STATIC_DIR = Path(__file__).resolve().parent.parent / "static"


def _pages() -> APIRouter:
    """Every portal page, behind the same-origin check: the kinds' pages (each kind's form
    and what it shows beside) found through the registry once the app is built, so that
    importing a kind's module first does not import it again half-loaded."""
    pages = APIRouter(dependencies=[Depends(from_this_site)], include_in_schema=False)
    # The New customer form before the customer pages, whose address would take "new".
    shared = (sign_in, roles, request_pages, queue, tickets, ticket_desk, tokens, team)
    for module in (*shared, new_customer, customers, customer_archive, customer_notes):
        pages.include_router(module.router)
    for kind in KINDS:
        pages.include_router(kind_api(kind).pages)
    return pages


_TITLES = {
    403: "Not allowed",
    404: "Not found",
    409: "That cannot be done now",
    413: "Too large to send",
    422: "That cannot be done",
    503: "Please try again shortly",
}


# Forms refused before they are read: the answer, and why, as the page says it.
_REFUSALS: dict[type[Exception], tuple[int, str]] = {
    FormRefused: (403, "this form was not sent from a page of Signoff in this browser session"),
    FileInForm: (422, "this form takes text only, and a file was sent with it"),
}


def _is_page(request: Request) -> bool:
    return request.url.path == "/" or request.url.path.startswith("/portal")


def _problem(request: Request, status_code: int, message: str) -> Response:
    return render(
        request,
        "problem.html",
        None,
        _TITLES.get(status_code, "Something went wrong"),
        status_code=status_code,
        message=message[:1].upper() + message[1:] + ("" if message.endswith(".") else "."),
    )


def too_large_page(scope: Scope, message: str) -> Response | None:
    """The body limit's refusal (``api.limits``), as a page when a page was asked for."""
    request = Request(scope)
    if not _is_page(request):
        return None
    return _problem(request, 413, f"{message}, so nothing was sent. Go back and try again")


def install_portal(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.include_router(_pages())

    @app.exception_handler(SignInRequired)
    async def _sign_in_first(_request: Request, needed: SignInRequired) -> Response:
        return redirect("/portal/sign-in?" + urlencode({"next": needed.next_path}))

    @app.exception_handler(FormRefused)
    @app.exception_handler(FileInForm)
    async def _refused(request: Request, refusal: Exception) -> Response:
        status_code, why = _REFUSALS[type(refusal)]
        return _problem(
            request,
            status_code,
            f"{why}, so nothing was done. Go back, reload the page and try again",
        )

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, error: ApiError) -> Response:
        if not _is_page(request):
            return json_error(error)
        return _problem(request, error.status_code, error.detail)

    @app.exception_handler(LinkProblem)
    async def _link_problem(request: Request, problem: LinkProblem) -> Response:
        if not _is_page(request):
            return links.link_problem_page(request, problem)
        return render(
            request,
            "problem.html",
            None,
            problem.title,
            status_code=problem.status_code,
            message=problem.message,
            sign_in_again=True,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> Response:
        # No such page (404), or a page asked for with a method it does not take (405).
        if _is_page(request) and error.status_code in (404, 405):
            return _problem(request, 404, "there is no such page")
        # A form that passed the body limit as it arrived (``api.limits``).
        if error.status_code == 413 and (page := too_large_page(request.scope, str(error.detail))):
            return page
        return await http_exception_handler(request, error)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> Response:
        if not _is_page(request):
            return invalid_json(error)
        if any(problem["loc"][:1] in (("path",), ("query",)) for problem in error.errors()):
            return _problem(request, 404, "there is no such page")
        # The pages' forms report their own problems beside each field; what is left is a
        # form no page of the portal makes (a field far too long, say).
        return _problem(request, 422, "the form could not be read, so nothing was done")

    @app.exception_handler(DBAPIError)
    async def _database(request: Request, error: DBAPIError) -> Response:
        if not _is_page(request) or not database_down(error):
            return json_error(error)
        return _problem(request, 503, DATABASE_DOWN)
