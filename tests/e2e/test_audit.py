"""The audit trail: who changed what and when, for staff and the customer's Management."""

import csv
import io

from tests.conftest import Stack
from tests.e2e.profile import NEW_LEGAL, submitted


def _staff_actor(stack: Stack) -> str:
    return f"staff:{stack.demo['staff'][0]['id']}"


async def test_a_request_leaves_its_trail_as_json_and_csv(stack: Stack) -> None:
    request = await submitted(stack)
    done = await stack.http.post(f"/requests/{request['id']}/implement", headers=stack.auth("Sam"))
    assert done.status_code == 200, done.text
    await stack.wait_for_mail(lambda m: "implemented" in m.subject)
    await stack.run_ended(request["id"])  # its last emails sent, the trail is complete
    url = f"/customers/{stack.customer_id}/audit"

    trail = (await stack.http.get(url, headers=stack.auth("Derek"))).json()
    ours = [event for event in trail if event["request_id"] == request["id"]]
    actions = [event["action"] for event in ours]
    assert actions[0] == "ticket_raised" and "implemented" in actions
    assert actions.index("ticket_raised") < actions.index("implemented")
    implemented = next(event for event in ours if event["action"] == "implemented")
    assert implemented["actor"] == _staff_actor(stack)
    assert [event["at"] for event in trail] == sorted(event["at"] for event in trail)

    text = str(trail)
    people = [c for customer in stack.demo["customers"] for c in customer["contacts"]]
    personal = [p["email"] for p in people] + ["Derek", "Sam", NEW_LEGAL["name"]]
    assert [value for value in personal if value in text] == []

    as_csv = await stack.http.get(url, headers={**stack.auth("Sam"), "Accept": "text/csv"})
    assert as_csv.status_code == 200
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [row["action"] for row in rows] == [event["action"] for event in trail]
    assert rows[0].keys() == {"at", "request_id", "actor", "action", "detail"}


async def test_only_staff_and_the_customers_management_may_read_it(stack: Stack) -> None:
    url = f"/customers/{stack.customer_id}/audit"
    other = stack.demo["customers"][1]["contacts"][0]["name"].split()[0]
    assert (await stack.http.get(url)).status_code == 401
    assert (await stack.http.get(url, headers=stack.auth("Teresa"))).status_code == 403
    assert (await stack.http.get(url, headers=stack.auth(other))).status_code == 404
    assert (await stack.http.get(url, headers=stack.auth("Derek"))).status_code == 200
    assert (await stack.http.get(url, headers=stack.auth("Sam"))).status_code == 200
