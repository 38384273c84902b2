"""Tokens at rest: the database holds hashes and nonces, never a token that works."""

import re

from models.tokens import hash_token
from tests.conftest import Stack
from tests.e2e.purchaser import approval_links, decide, filed_addition, token_of
from tests.erasure import every_cell


async def test_no_api_or_link_token_is_stored_only_its_hash(stack: Stack) -> None:
    request = await filed_addition(stack)
    links = await approval_links(stack)
    tokens = [*stack.tokens.values(), *(token_of(path) for path in links.values())]
    for path in links.values():
        assert (await decide(stack, path, "approve")).status_code == 200
    await stack.wait_for_request(request["id"], lambda r: r["status"] == "in_review")
    implemented = await stack.http.post(
        f"/requests/{request['id']}/implement", headers=stack.auth("Sam")
    )
    assert implemented.status_code == 200, implemented.text
    welcome = await stack.wait_for_mail(lambda m: "Welcome" in m.subject)
    activation = next(url for url in welcome.links if "/activate/" in url)
    activated = await stack.http.post(
        "/activate/" + activation.partition("/activate/")[2],
        headers={"Accept": "application/json"},
    )
    assert activated.status_code == 200, activated.text
    match = re.search(r"/activate/([^/?]+)", activation)
    assert match
    tokens += [match.group(1), activated.json()["token"]]

    dump = "\n".join(text for _, _, text in await every_cell(stack.sessions))

    assert [token for token in tokens if token in dump] == []
    assert all(hash_token(token) in dump for token in tokens), "each one known by its hash"
