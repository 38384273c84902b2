"""What the pages people reach by an emailed link share with the portal and the API."""

from collections.abc import Awaitable, Callable
from pathlib import Path
from urllib.parse import quote

from fastapi import HTTPException, Request, status
from fastapi.templating import Jinja2Templates

TEMPLATES = Jinja2Templates(directory=Path(__file__).parent / "templates")

# The URL carries a token: never cache the page, never leak it in a Referer, never frame it.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    # Not "no-referrer": with it, browsers send "Origin: null" with the page's form (the
    # activation's, which signs in), and the same-origin check must refuse that.
    # "strict-origin" keeps the form's Origin and sends any Referer as the origin alone, so
    # the token in the page's address goes nowhere, not even to Signoff's own access log.
    "Referrer-Policy": "strict-origin",
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


def opened_in_browser(page: str) -> Callable[[Request], Awaitable[None]]:
    """Emails sent before the portal linked to the JSON paths: a browser opening one (it
    sends no token and asks for HTML) is sent to the portal's page, ``page`` naming it with
    the path's parameters. A JSON client without a token still gets its 401."""

    async def to_the_page(request: Request) -> None:
        if "authorization" in request.headers:
            return
        if "text/html" not in request.headers.get("accept", ""):
            return
        params = {name: quote(str(value), safe="") for name, value in request.path_params.items()}
        raise HTTPException(
            status.HTTP_303_SEE_OTHER,
            "this address is the API's; the page for people is in the portal",
            headers={"Location": page.format(**params)},
        )

    return to_the_page


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


class LinkProblem(Exception):
    """A link that cannot be used: unknown (404), or used or expired (410)."""

    def __init__(self, status_code: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.title = title
        self.message = message
