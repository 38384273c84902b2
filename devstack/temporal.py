"""The Temporal dev server as Signoff runs it (``make dev``, the bench, the fault tests): its
search attributes registered before any worker runs, its SQLite file in WAL mode."""

from pathlib import Path

from workflows.search_attributes import ALL


def dev_server_command(
    binary: Path | str,
    port: int,
    db_file: Path,
    ui_port: int | None = None,
    log_level: str = "warn",
) -> list[str]:
    """``temporal server start-dev`` on ``db_file``; with the UI on ``ui_port`` if given."""
    command = [str(binary), "server", "start-dev", "--ip", "127.0.0.1", "--port", str(port)]
    command += ["--ui-port", str(ui_port)] if ui_port else ["--headless"]
    command += ["--db-filename", str(db_file)]
    for key in ALL:
        command += ["--search-attribute", f"{key.name}=Keyword"]
    # WAL: about twice the throughput of SQLite's default journal.
    command += ["--sqlite-pragma", "journal_mode=wal", "--sqlite-pragma", "synchronous=normal"]
    return [*command, "--log-level", log_level]
