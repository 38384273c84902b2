"""The documentation pages work offline: every file they need comes from Signoff itself."""

import re

import pytest

from tests.conftest import Stack

CONTENT_TYPES = {"js": "javascript", "css": "text/css", "png": "image/png"}
PAGES = [("/docs", {"js", "css", "png"}), ("/redoc", {"js", "png"})]


@pytest.mark.parametrize(("page", "kinds"), PAGES)
async def test_page_loads_only_files_signoff_serves(
    stack: Stack, page: str, kinds: set[str]
) -> None:
    answer = await stack.http.get(page)

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert re.search(r"https?:|//[a-z]", answer.text) is None, "a file from another host"
    assets = _assets(answer.text)
    assert {asset.rsplit(".", 1)[-1] for asset in assets} == kinds
    for asset in assets:
        served = await stack.http.get(asset)
        assert served.status_code == 200, asset
        assert CONTENT_TYPES[asset.rsplit(".", 1)[-1]] in served.headers["content-type"], asset


async def test_swagger_ui_reads_the_schema_the_api_serves(stack: Stack) -> None:
    page = (await stack.http.get("/docs")).text
    schema = await stack.http.get("/openapi.json")
    script = next(asset for asset in _assets(page) if asset.endswith("swagger-ui-bundle.js"))
    bundle = (await stack.http.get(script)).text

    assert re.search(r"""url: ['"]/openapi\.json['"]""", page)
    assert schema.status_code == 200
    assert schema.json()["info"]["title"] == "Signoff"
    if schema.json()["openapi"].startswith("3.1"):
        # Swagger UI before 5 answers a 3.1 schema with "Unable to render this definition".
        assert "isOAS31" in bundle


async def test_swagger_ui_oauth2_redirect_page_is_served(stack: Stack) -> None:
    answer = await stack.http.get("/docs/oauth2-redirect")

    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")


def _assets(html: str) -> list[str]:
    """The files a page loads by ``src`` or ``href`` (its links included: there are none)."""
    return re.findall(r'(?:src|href)="([^"]*)"', html)
