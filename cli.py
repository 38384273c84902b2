"""The ``signoff`` command."""

import asyncio
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from pydantic import ValidationError

from settings import VAR_DIR, Settings, get_settings

if TYPE_CHECKING:
    from api.services.customer_import import ImportReport
    from models.customer_import import ImportFile

app = typer.Typer(help="Signoff: durable approval workflows for customer change requests.")
db_app = typer.Typer(help="Database schema.")
app.add_typer(db_app, name="db")
staff_app = typer.Typer(help="The service team's own accounts.")
app.add_typer(staff_app, name="staff")


@app.command()
def api(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """Run one API process."""
    import uvicorn

    from api.main import create_app
    from telemetry import configure_logging

    settings = _settings()
    configure_logging(settings.log_json)
    # Forwarded headers are the app's to trust (SIGNOFF_TRUSTED_PROXIES), not the server's.
    uvicorn.run(create_app(settings), host=host, port=port, log_config=None, proxy_headers=False)


@app.command()
def worker() -> None:
    """Run one worker process."""
    import worker as worker_module

    _settings()  # refused here, with the reason, rather than deep in the worker

    worker_module.main()


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Bring the database schema up to date."""
    from alembic import command

    from migrations import alembic_config

    settings = _settings()
    _ensure_var_dir(settings.database_url)
    command.upgrade(alembic_config(settings.database_url), revision)


@app.command("demo-data")
def demo_data(
    as_json: Annotated[bool, typer.Option("--json", help="Print the data as JSON.")] = False,
) -> None:
    """Load the demo customers, contacts and staff (idempotent) and print their tokens."""
    from devstack.demo_data import load_demo_data
    from models.database import create_db_engine, session_factory

    settings = _settings()

    async def load() -> dict[str, Any]:
        engine = create_db_engine(settings.database_url)
        try:
            return await load_demo_data(session_factory(engine), settings.secret_key)
        finally:
            await engine.dispose()

    data = asyncio.run(load())
    if as_json:
        print(json.dumps(data, indent=2))
        return
    for customer in data["customers"]:
        print(f"{customer['name']}  ({customer['id']})")
        for contact in customer["contacts"]:
            print(f"  {contact['name']:<22} {','.join(contact['roles']):<42} {contact['token']}")
    for staff in data["staff"]:
        print(f"Staff: {staff['name']:<22} {staff['token']}")


@staff_app.command("add")
def staff_add(
    email: Annotated[str, typer.Argument(help="Their email: they sign in with it.")],
    name: Annotated[str, typer.Option(help="Their name, as the portal shows it.")],
    admin: Annotated[
        bool, typer.Option("--admin", help="A team admin: manages the team in the portal.")
    ] = False,
) -> None:
    """Add a member to the service team, or bring back a deactivated one (an active one's
    name and role are set as given); the first team admin comes from here."""
    from sqlalchemy.exc import DBAPIError

    from api.errors import Conflict
    from api.services.staff import Enrolled, enrol
    from models.database import create_db_engine, session_factory
    from models.problems import ValidationProblems
    from models.staff import Enrolment, StaffCreate

    settings = _settings()
    try:
        form = StaffCreate(name=name, email=email, admin=admin)
    except ValidationError as error:
        for problem in error.errors():
            where = "--name" if problem["loc"] == ("name",) else "EMAIL"
            print(
                f"signoff: {where}: {problem['msg'].removeprefix('Value error, ')}", file=sys.stderr
            )
        raise typer.Exit(1) from None

    async def add() -> Enrolled:
        engine = create_db_engine(settings.database_url)
        try:
            async with session_factory(engine)() as session:
                return await enrol(session, form)
        finally:
            await engine.dispose()

    try:
        enrolled = asyncio.run(add())
    except ValidationProblems as refused:
        print(
            f"signoff: {form.email}: {refused} (a customer's contact); not added to the team",
            file=sys.stderr,
        )
        raise typer.Exit(1) from None
    except Conflict as refused:
        print(f"signoff: {form.email}: {refused.detail}", file=sys.stderr)
        raise typer.Exit(1) from None
    except DBAPIError as error:
        print(
            f"signoff: the database could not be used ({type(error.orig).__name__}); "
            "is its schema up to date? (signoff db upgrade)",
            file=sys.stderr,
        )
        raise typer.Exit(1) from None
    member = enrolled.member
    role = "a team admin" if member.admin else "a member"
    said = {
        Enrolment.CREATED: f"{member.name} is on the team now, as {role}.",
        Enrolment.REACTIVATED: f"{member.name} is back on the team, as {role}.",
        Enrolment.UPDATED: f"{member.name} was on the team already: updated, as {role}.",
    }
    print(said[enrolled.outcome])
    print(
        f"{member.name} can sign in at {settings.public_url}/portal/sign-in with "
        f"{member.email}: Signoff emails them a sign-in link."
    )


@app.command("import")
def import_customers(
    file: Annotated[Path, typer.Argument(help="The CSV file: one row per contact.")],
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Say what would change, and every problem; change nothing."),
    ] = False,
    welcome: Annotated[
        bool,
        typer.Option(
            "--welcome",
            help="Email each new contact the link that activates their account (needs Temporal "
            "and a worker); without it their accounts are active at once.",
        ),
    ] = False,
) -> None:
    """Import customers and their contacts from a CSV file; running it again changes nothing.
    Exit status: 0 every row went in, 1 some customer was left out, 2 the file or the
    header could not be read."""
    from api.services.customer_import import describe
    from models.customer_import import UnreadableFile, read_file

    settings = _settings()
    try:
        parsed = read_file(file.read_bytes().decode("utf-8-sig"))
    except OSError as error:
        _refuse(f"{file}: {error.strerror or error}")
    except UnicodeDecodeError:
        _refuse(f'{file}: not UTF-8 text (save it as "CSV UTF-8")')
    except UnreadableFile as error:
        _refuse(f"{file}: {error}")
    report = asyncio.run(_import(settings, parsed, dry_run, welcome))
    for line in describe(report, welcome):
        print(line)
    raise typer.Exit(0 if report.complete else 1)


async def _import(
    settings: Settings, parsed: "ImportFile", dry_run: bool, welcome: bool
) -> "ImportReport":
    from api.services.customer_import import ImportRun, import_file
    from models.database import create_db_engine, session_factory

    temporal = None
    if welcome and not dry_run:
        from worker import TemporalUnreachable, connect

        try:
            temporal = await connect(settings)
        except TemporalUnreachable as error:
            _refuse(f"{error}: nothing was imported")
    engine = create_db_engine(settings.database_url)
    try:
        run = ImportRun(session_factory(engine), settings, temporal, dry_run)
        with _progress(len(parsed.customers)) as advance:
            return await import_file(run, parsed, advance)
    finally:
        await engine.dispose()


@contextmanager
def _progress(total: int) -> Iterator[Callable[[], None]]:
    """A progress bar while customers are imported, on a terminal only."""
    if not sys.stdout.isatty():
        yield lambda: None
        return
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    with Progress(
        TextColumn("Importing customers"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        transient=True,
    ) as progress:
        task = progress.add_task("import", total=total)
        yield lambda: progress.advance(task)


def _refuse(reason: str) -> NoReturn:
    print(f"signoff import: {reason}", file=sys.stderr)
    raise typer.Exit(2)


@app.command()
def mailcatcher(
    smtp_port: Annotated[int, typer.Option(help="SMTP port to accept mail on.")] = 1025,
    http_port: Annotated[int, typer.Option(help="Port of the outbox web page.")] = 8025,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
) -> None:
    """Run the local SMTP catcher with its outbox page (development)."""
    from devstack.outbox import serve_outbox

    asyncio.run(serve_outbox(host, smtp_port, host, http_port, VAR_DIR / "outbox"))


@app.command()
def dev(
    api_port: Annotated[int, typer.Option(help="API port.")] = 8000,
    smtp_port: Annotated[int, typer.Option(help="SMTP catcher port.")] = 1025,
    outbox_port: Annotated[int, typer.Option(help="Outbox page port.")] = 8025,
    temporal_port: Annotated[int, typer.Option(help="Temporal gRPC port.")] = 7233,
    ui_port: Annotated[int, typer.Option(help="Temporal UI port.")] = 8233,
) -> None:
    """Run the whole embedded stack: Temporal, SMTP catcher, worker, API, demo data."""
    from devstack.stack import run_dev_stack

    raise typer.Exit(run_dev_stack(api_port, smtp_port, outbox_port, temporal_port, ui_port))


def _settings() -> Settings:
    """The settings, or exit saying which of them is wrong."""
    try:
        return get_settings()
    except ValidationError as error:
        for problem in error.errors():
            where = ".".join(str(part) for part in problem["loc"])
            name = f"SIGNOFF_{where.upper()}: " if where else ""
            print(f"signoff: {name}{problem['msg'].removeprefix('Value error, ')}", file=sys.stderr)
        raise typer.Exit(2) from None


def _ensure_var_dir(database_url: str) -> None:
    if database_url.startswith("sqlite"):
        VAR_DIR.mkdir(exist_ok=True)


if __name__ == "__main__":
    app()
