import os
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from models.enums import Role
from settings import DEV_SECRET_KEY, Settings

DAY = 24 * 3600
TIMINGS = ("approval_reminder_seconds", "approval_expiry_seconds", "review_reminder_seconds")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only what a test sets: no SIGNOFF_ variables from the shell, no .env file."""
    for name in list(os.environ):
        if name.upper().startswith("SIGNOFF_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def test_defaults_match_the_contract() -> None:
    settings = Settings()

    assert settings.temporal_address == "localhost:7233"
    assert settings.temporal_namespace == "default"
    assert settings.approval_reminder_seconds == 3 * DAY
    assert settings.approval_expiry_seconds == 14 * DAY
    assert settings.required_roles == (
        Role.MANAGEMENT,
        Role.CUST_ADMIN,
        Role.FINANCIAL,
        Role.AGREEMENT,
    )
    assert settings.database_url.startswith("sqlite:///var/")
    assert not settings.public_url.endswith("/")


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNOFF_TEMPORAL_ADDRESS", "temporal.internal:7233")
    monkeypatch.setenv("SIGNOFF_TEMPORAL_NAMESPACE", "signoff-prod")
    monkeypatch.setenv("SIGNOFF_APPROVAL_EXPIRY_SECONDS", "60")
    monkeypatch.setenv("SIGNOFF_SMTP_PORT", "2525")

    settings = Settings()

    assert settings.temporal_address == "temporal.internal:7233"
    assert settings.temporal_namespace == "signoff-prod"
    assert settings.approval_expiry_seconds == 60
    assert settings.smtp_port == 2525


def test_dotenv_file_in_working_directory_is_read(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("SIGNOFF_TASK_QUEUE=from-dotenv\n")

    assert Settings().task_queue == "from-dotenv"


@pytest.mark.parametrize(
    "value, roles",
    [
        ("management, technical", (Role.MANAGEMENT, Role.TECHNICAL)),
        ("financial", (Role.FINANCIAL,)),
        (" agreement ,security,, ", (Role.AGREEMENT, Role.SECURITY)),
    ],
)
def test_required_roles_from_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, roles: tuple[Role, ...]
) -> None:
    monkeypatch.setenv("SIGNOFF_REQUIRED_ROLES", value)

    settings = Settings()

    assert settings.required_roles == roles
    assert all(isinstance(role, Role) for role in settings.required_roles)


def test_required_roles_as_a_value() -> None:
    settings = Settings(required_roles="management, technical")

    assert settings.required_roles == (Role.MANAGEMENT, Role.TECHNICAL)


def test_duplicate_required_roles_are_folded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SIGNOFF_REQUIRED_ROLES", "financial,management,financial")

    assert Settings().required_roles == (Role.FINANCIAL, Role.MANAGEMENT)


@pytest.mark.parametrize(
    "value", ["management, boss", "Management", "management;financial", "", " , "]
)
def test_unknown_role_is_rejected(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("SIGNOFF_REQUIRED_ROLES", value)

    with pytest.raises(ValidationError) as caught:
        Settings()

    assert {problem["loc"][0] for problem in caught.value.errors()} == {"required_roles"}


@pytest.mark.parametrize(
    "value, expected",
    [
        ("https://signoff.example.com/", "https://signoff.example.com"),
        ("https://signoff.example.com//", "https://signoff.example.com"),
        ("https://example.com/signoff/", "https://example.com/signoff"),
        ("https://signoff.example.com", "https://signoff.example.com"),
    ],
)
def test_public_url_trailing_slash_is_stripped(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: str
) -> None:
    monkeypatch.setenv("SIGNOFF_PUBLIC_URL", value)
    monkeypatch.setenv("SIGNOFF_SECRET_KEY", "a-long-random-production-key")

    assert Settings().public_url == expected


@pytest.mark.parametrize("field", TIMINGS)
@pytest.mark.parametrize("value", ["0", "-1", "-259200"])
def test_non_positive_timings_are_rejected(
    monkeypatch: pytest.MonkeyPatch, field: str, value: str
) -> None:
    monkeypatch.setenv(f"SIGNOFF_{field.upper()}", value)

    with pytest.raises(ValidationError) as caught:
        Settings()

    assert [(problem["loc"], problem["type"]) for problem in caught.value.errors()] == [
        ((field,), "greater_than")
    ]


@pytest.mark.parametrize("field", TIMINGS)
def test_short_timings_are_accepted(monkeypatch: pytest.MonkeyPatch, field: str) -> None:
    # Tests run whole approval rounds in seconds.
    monkeypatch.setenv(f"SIGNOFF_{field.upper()}", "1")

    assert getattr(Settings(), field) == 1


@pytest.mark.parametrize(
    "url", ["http://localhost:8000", "http://127.0.0.1:9000", "http://[::1]:8000"]
)
def test_the_built_in_key_runs_on_this_machine(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("SIGNOFF_PUBLIC_URL", url)
    assert Settings().secret_key == DEV_SECRET_KEY


@pytest.mark.parametrize("command", ["api", "worker"])
def test_the_built_in_key_is_refused_beyond_this_machine(
    monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    monkeypatch.setenv("SIGNOFF_PUBLIC_URL", "https://signoff.example.com")
    with pytest.raises(ValidationError, match="SIGNOFF_SECRET_KEY is the built-in"):
        Settings()
    signoff = Path(sys.executable).parent / "signoff"
    started = subprocess.run(
        [str(signoff), command], capture_output=True, text=True, timeout=60, env=os.environ
    )
    assert started.returncode == 2
    assert "set SIGNOFF_SECRET_KEY to a long random value" in started.stderr
    monkeypatch.setenv("SIGNOFF_SECRET_KEY", "a-long-random-production-key")
    assert Settings().public_url == "https://signoff.example.com"
