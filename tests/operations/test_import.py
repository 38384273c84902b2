"""``signoff import`` on the real stack: a file of good and bad customers checked in a dry
run that changes nothing, imported leaving the bad ones out by name (exit 1), imported
again changing nothing, a changed row updating its contact; with ``--welcome``, each new
contact emailed one activation link that works, and a welcome that could not start
started by the next run."""

import asyncio
import os
import sys
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from api import gateway
from api.errors import Unavailable
from api.services.customer_import import ImportReport, ImportRun, describe, import_file
from models.audit import AuditEvent
from models.contact import Contact
from models.customer import Customer
from models.customer_import import COLUMNS, read_file
from models.email_log import EmailLog
from models.enums import UserState
from models.tables import metadata
from models.user import User
from tests.conftest import PUBLIC_URL, Stack, _environment

HEADER = ",".join(COLUMNS)
HARBOUR = "ACC-100,Harbour Lights Ltd,2 Quay Street,Bristol,BS1 4DJ,GB"
QUAYSIDE = "ACC-200,Quayside Metals Ltd,7 Dock Road,Hull,HU1 1AA,gb"
GOOD = [
    f"{HARBOUR},Ms,Hannah,Arbour,hannah.arbour@harbour.example.com,,Director,Management;Cust Admin",
    f"{HARBOUR},Mr,Felix,Inance,felix.inance@harbour.example.com,+44 117 496 0101,,"
    "financial;agreement",
    f"{QUAYSIDE},,Quentin,Side,quentin@quayside.example.com,,,"
    "management;cust_admin;Financial;Agreement",
]
MISSING_ROLE = "ACC-300,Missing Roles Ltd,1 Mill Lane,York,YO1 7AA,GB"
BAD_EMAIL = "ACC-400,Bad Email Ltd,1 Mill Lane,York,YO1 7AA,GB"
DUPLICATES = "ACC-500,Duplicate Email Ltd,1 Mill Lane,York,YO1 7AA,GB"
UNKNOWN_ROLE = "ACC-600,Unknown Role Ltd,1 Mill Lane,York,YO1 7AA,GB"
ALL_ROLES = "Management;Cust Admin;Financial;Agreement"
BAD = [
    f"{MISSING_ROLE},,Mia,Ssing,mia@missing.example.com,,,Management;Cust Admin;Agreement",
    f"{BAD_EMAIL},,Bea,Demail,bea.at.bad.example.com,,,{ALL_ROLES}",
    f"{DUPLICATES},,Derek,Again,derek.emonstration@energy.example.com,,,{ALL_ROLES}",
    f"{DUPLICATES},,Dora,Uble,dora@duplicate.example.com,,,Technical",
    f"{DUPLICATES},,Dora,Twice,Dora@Duplicate.example.com,,,Security",
    f"{UNKNOWN_ROLE},,Una,Known,una@unknown.example.com,,,{ALL_ROLES};Boss",
]
# Lines: the header is 1, the good rows 2-4, the bad 5-10.
PROBLEMS = [
    "Left out ACC-300 (Missing Roles Ltd):",
    "  line 5, roles: the required role Financial would be held by no contact",
    "Left out ACC-400 (Bad Email Ltd):",
    "  line 6, email: not a valid email address",
    "Left out ACC-500 (Duplicate Email Ltd):",
    "  line 7, email: this email is already used by another account",
    "  line 8, email: this email is also on line 9: an email names one person",
    "  line 9, email: this email is also on line 8: an email names one person",
    "Left out ACC-600 (Unknown Role Ltd):",
    '  line 10, roles: no role is called "Boss" (the roles: Management, Cust Admin, '
    "Financial, Agreement, Technical, Application, Security, Procurement, Purchaser)",
]


def csv_text(rows: list[str]) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text(csv_text(rows), encoding="utf-8")
    return path


async def signoff_import(stack: Stack, *args: str) -> tuple[int, list[str]]:
    """``signoff import`` as an operator runs it: its exit status and what it prints."""
    environment = {**os.environ, **_environment(stack.settings)}
    process = await asyncio.create_subprocess_exec(
        str(Path(sys.executable).parent / "signoff"),
        "import",
        *args,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, (out + err).decode().splitlines()


async def run_import(stack: Stack, rows: list[str], welcome: bool = False) -> ImportReport:
    """The import's service, called directly on a file of these rows."""
    run = ImportRun(stack.sessions, stack.settings, stack.temporal if welcome else None)
    return await import_file(run, read_file(csv_text(rows)))


async def table_counts(stack: Stack) -> dict[str, int]:
    async with stack.sessions() as session:
        return {
            table.name: int(await session.scalar(select(func.count()).select_from(table)) or 0)
            for table in metadata.sorted_tables
        }


async def customer_named(stack: Stack, reference: str) -> tuple[Customer, list[Contact]]:
    async with stack.sessions() as session:
        customer = (
            await session.exec(select(Customer).where(Customer.reference == reference))
        ).one()
        contacts = await session.exec(
            select(Contact)
            .where(Contact.customer_id == customer.id)
            .order_by(col(Contact.created_at), col(Contact.email).desc())
        )
        return customer, list(contacts)


async def test_dry_run_then_import_leaving_the_bad_customers_out_then_again_unchanged(
    stack: Stack, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "customers.csv", GOOD + BAD)
    before = await table_counts(stack)

    status, said = await signoff_import(stack, str(path), "--dry-run")
    assert status == 1, said
    assert said == [
        "Would create ACC-100 (Harbour Lights Ltd) with 2 contacts",
        "Would create ACC-200 (Quayside Metals Ltd) with 1 contact",
        *PROBLEMS,
        "New contacts' accounts would be active at once: they sign in with the portal's "
        "emailed link (no welcome email without --welcome).",
        "Dry run, nothing changed: 2 to create, 0 to update, 0 unchanged, 4 left out; "
        "contacts: 3 to add, 0 to update.",
    ]
    assert await table_counts(stack) == before

    status, said = await signoff_import(stack, str(path))
    assert status == 1, said
    assert said[:2] == [
        "Created ACC-100 (Harbour Lights Ltd) with 2 contacts",
        "Created ACC-200 (Quayside Metals Ltd) with 1 contact",
    ]
    assert said[2:-2] == PROBLEMS
    assert said[-1] == (
        "2 created, 0 updated, 0 unchanged, 4 left out; contacts: 3 added, 0 updated."
    )
    harbour, contacts = await customer_named(stack, "ACC-100")
    assert harbour.legal_name == harbour.payment_name == "Harbour Lights Ltd"
    assert (harbour.legal_postal_code, harbour.payment_street) == ("BS1 4DJ", "2 Quay Street")
    assert [(c.email, c.job_title, c.roles) for c in contacts] == [
        ("hannah.arbour@harbour.example.com", "Director", ["cust_admin", "management"]),
        ("felix.inance@harbour.example.com", None, ["agreement", "financial"]),
    ]
    quayside, _ = await customer_named(stack, "ACC-200")
    assert quayside.legal_country == "GB"
    async with stack.sessions() as session:
        left_out = await session.scalar(
            select(func.count()).select_from(Customer).where(col(Customer.reference) >= "ACC-300")
        )
        states = set(
            await session.exec(
                select(User.state).where(col(User.contact_id).in_([c.id for c in contacts]))
            )
        )
        events = list(
            await session.exec(select(AuditEvent).where(AuditEvent.action == "customer_imported"))
        )
    assert left_out == 0
    assert states == {UserState.ACTIVE}  # no --welcome: they sign in with the portal's link
    assert {(e.customer_id, e.actor) for e in events} == {
        (harbour.id, "system:import"),
        (quayside.id, "system:import"),
    }
    harbour_event = next(e for e in events if e.customer_id == harbour.id)
    assert harbour_event.detail == {"contacts_added": [str(c.id) for c in contacts]}
    assert stack.mail.messages == []  # a migration emails no one unasked
    imported = await table_counts(stack)

    again = await run_import(stack, GOOD + BAD)
    assert describe(again, welcome=False)[-1] == (
        "0 created, 0 updated, 2 unchanged, 4 left out; contacts: 0 added, 0 updated."
    )
    assert not again.complete
    assert await table_counts(stack) == imported  # no audit event either

    changed = [GOOD[0], GOOD[1].replace("+44 117 496 0101", "+44 117 496 0199"), GOOD[2]]
    updated = await run_import(stack, changed)
    assert describe(updated, welcome=False) == [
        "Updated ACC-100 (Harbour Lights Ltd): 1 contact updated",
        "0 created, 1 updated, 1 unchanged, 0 left out; contacts: 0 added, 1 updated.",
    ]
    assert updated.complete
    _, contacts = await customer_named(stack, "ACC-100")
    felix = contacts[1]
    assert felix.phone == "+44 117 496 0199"
    assert {"phone": "+44 117 496 0101"} in felix.former_details  # erasure finds it
    async with stack.sessions() as session:
        event = (
            await session.exec(
                select(AuditEvent).where(AuditEvent.action == "customer_updated_by_import")
            )
        ).one()
    assert event.detail == {
        "contacts_added": [],
        "profile_changed": False,
        "contacts_updated": [str(felix.id)],
    }


async def test_a_file_without_the_columns_is_refused_whole(stack: Stack, tmp_path: Path) -> None:
    path = tmp_path / "contacts.csv"
    path.write_text("reference,name,email\nACC-1,Harbour,h@example.com\n", encoding="utf-8")
    before = await table_counts(stack)
    status, said = await signoff_import(stack, str(path))
    assert status == 2
    assert said[0].startswith(
        f'signoff import: {path}: line 1: the header lacks the columns "customer_reference", '
    )
    assert await table_counts(stack) == before


async def welcome_link(stack: Stack, email: str) -> str:
    welcome = await stack.wait_for_mail(lambda m: m.recipients == (email,))
    return next(url for url in welcome.links if url.startswith(f"{PUBLIC_URL}/activate/"))


async def test_with_welcome_each_new_contact_is_emailed_one_link_that_activates(
    stack: Stack, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "customers.csv", GOOD[:2])
    status, said = await signoff_import(stack, str(path), "--welcome")
    assert status == 0, said
    assert said == [
        "Created ACC-100 (Harbour Lights Ltd) with 2 contacts",
        "Welcome emails started for 2 contacts: each is emailed the link that activates "
        "their account.",
        "1 created, 0 updated, 0 unchanged, 0 left out; contacts: 2 added, 0 updated.",
    ]
    for email in ("hannah.arbour@harbour.example.com", "felix.inance@harbour.example.com"):
        link = await welcome_link(stack, email)
        activated = await stack.http.post(
            link.removeprefix(PUBLIC_URL), headers={"Accept": "application/json"}
        )
        assert activated.status_code == 200, activated.text
        assert activated.json()["token"]

    again = await run_import(stack, GOOD[:2], welcome=True)
    assert again.complete and again.count("unchanged") == 1
    assert sum(imported.welcomed for imported in again.customers) == 0
    await asyncio.sleep(1)
    assert len(stack.mail.messages) == 2
    async with stack.sessions() as session:
        welcomes = await session.scalar(
            select(func.count()).select_from(EmailLog).where(col(EmailLog.key).like("welcome-%"))
        )
    assert welcomes == 2


async def test_a_welcome_that_could_not_start_is_started_by_the_next_run(
    stack: Stack, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def temporal_down(*_: object) -> None:
        raise Unavailable("Temporal is not answering")

    monkeypatch.setattr(gateway, "welcome", temporal_down)
    first = await run_import(stack, GOOD[2:], welcome=True)
    assert not first.complete  # the customer is in, its welcome is not
    assert first.count("created") == 1
    assert describe(first, welcome=True)[1] == (
        "Welcome emails not started for ACC-200 (Quayside Metals Ltd): "
        "Temporal is not answering. Its contacts are in; run the import again with "
        "--welcome to start them."
    )
    monkeypatch.undo()

    second = await run_import(stack, GOOD[2:], welcome=True)
    assert second.complete and second.count("unchanged") == 1
    assert describe(second, welcome=True) == [
        "Welcome emails started for 1 contact: each is emailed the link that activates "
        "their account.",
        "0 created, 0 updated, 1 unchanged, 0 left out; contacts: 0 added, 0 updated.",
    ]
    link = await welcome_link(stack, "quentin@quayside.example.com")
    activated = await stack.http.post(
        link.removeprefix(PUBLIC_URL), headers={"Accept": "application/json"}
    )
    assert activated.status_code == 200, activated.text


async def test_a_customer_with_an_open_request_is_left_out_until_it_closes(
    stack: Stack,
) -> None:
    """What a request shows as the customer stands must not change under it."""
    assert (await run_import(stack, GOOD[2:])).complete
    customer, _ = await customer_named(stack, "ACC-200")
    filed = await stack.http.post(
        f"/customers/{customer.id}/profile-change-requests",
        json={
            "legal": {
                "name": "Quayside Metals Group Ltd",
                "address": {
                    "street": "7 Dock Road",
                    "city": "Hull",
                    "postal_code": "HU1 1AA",
                    "country": "GB",
                },
            },
            "on_behalf_reason": "Quentin asked by phone.",
        },
        headers=stack.auth("Sam"),
    )
    assert filed.status_code == 201, filed.text
    unchanged = await run_import(stack, GOOD[2:])
    assert unchanged.complete and unchanged.count("unchanged") == 1
    changed = [GOOD[2].replace("Quentin,Side", "Quentin,Sider")]
    refused = await run_import(stack, changed)
    assert not refused.complete and refused.count("left out") == 1
    assert "a request of this customer is open" in "\n".join(describe(refused, welcome=False))
    _, contacts = await customer_named(stack, "ACC-200")
    assert [contact.last_name for contact in contacts] == ["Side"]
