"""docker-compose.yml runs the same product as the embedded stack: checked by reading it."""

import tomllib
from pathlib import Path
from typing import Any

import yaml

from settings import Settings

COMPOSE = Path(__file__).parents[2] / "docker-compose.yml"
APP_SERVICES = ("api", "worker")
NEEDED = ("postgresql", "temporal", "temporal-setup", "temporal-ui", "mailpit", *APP_SERVICES)
SEARCH_ATTRIBUTES = ("CustomerId", "RequestKind", "RequestStatus", "TicketNumber")


def compose() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return loaded


def test_every_service_the_product_needs_is_there() -> None:
    assert set(NEEDED) <= set(compose()["services"])


def test_api_and_worker_get_every_setting_and_point_at_the_stack() -> None:
    services = compose()["services"]
    every_variable = {f"SIGNOFF_{name.upper()}" for name in Settings.model_fields}
    for name in APP_SERVICES:
        env = services[name]["environment"]
        assert every_variable <= set(env), f"{name} misses {sorted(every_variable - set(env))}"
        assert (
            env["SIGNOFF_DATABASE_URL"].startswith("postgresql://")
            and "@postgresql:5432/" in env["SIGNOFF_DATABASE_URL"]
        )
        assert env["SIGNOFF_TEMPORAL_ADDRESS"] == "temporal:7233"
        assert (env["SIGNOFF_SMTP_HOST"], str(env["SIGNOFF_SMTP_PORT"])) == ("mailpit", "1025")
        assert "SIGNOFF_SECRET_KEY" in env and "?" in env["SIGNOFF_SECRET_KEY"], (
            "refuses to start without a secret"
        )
        Settings(
            **{
                key.removeprefix("SIGNOFF_").lower(): value
                for key, value in env.items()
                if "${" not in str(value)
            }
        )


def test_start_order_waits_for_health() -> None:
    services = compose()["services"]
    assert services["temporal"]["depends_on"]["postgresql"]["condition"] == "service_healthy"
    assert services["temporal-setup"]["depends_on"]["temporal"]["condition"] == "service_healthy"
    for name in APP_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["temporal-setup"]["condition"] == "service_completed_successfully"
    assert services["api"]["depends_on"]["postgresql"]["condition"] == "service_healthy"
    assert services["api"]["depends_on"]["mailpit"]["condition"] == "service_healthy"
    assert services["worker"]["depends_on"]["api"]["condition"] == "service_healthy", (
        "after the schema"
    )


def test_health_checks_restart_policies_and_ports() -> None:
    services = compose()["services"]
    for name in ("postgresql", "temporal", "mailpit", "api", "worker"):
        assert services[name]["healthcheck"]["test"], name
    for name in ("postgresql", "temporal", "temporal-ui", "mailpit", "api", "worker"):
        assert services[name]["restart"] == "unless-stopped", name
    assert "/readyz" in " ".join(services["api"]["healthcheck"]["test"])
    published = {port for service in services.values() for port in service.get("ports", [])}
    assert {"8000:8000", "8233:8080", "8025:8025", "7233:7233", "9464:9464"} <= published


def test_schema_and_search_attributes_come_first() -> None:
    services = compose()["services"]
    assert "signoff db upgrade &&" in " ".join(services["api"]["command"])
    setup = " ".join(services["temporal-setup"]["command"])
    assert all(name in setup for name in SEARCH_ATTRIBUTES)
    assert "--type Keyword" in setup


def test_one_image_for_api_and_worker() -> None:
    services = compose()["services"]
    assert services["api"]["build"] == services["worker"]["build"] == "."
    dockerfile = (COMPOSE.parent / "Dockerfile").read_text()
    assert "pip install ." in dockerfile and "USER signoff" in dockerfile


def test_the_image_gets_every_module_the_package_declares() -> None:
    pyproject = tomllib.loads((COMPOSE.parent / "pyproject.toml").read_text())
    setuptools = pyproject["tool"]["setuptools"]
    copied = " ".join(
        line
        for line in (COMPOSE.parent / "Dockerfile").read_text().splitlines()
        if line.startswith("COPY")
    ).split()
    for package in {name.split(".")[0] for name in setuptools["packages"]}:
        assert package in copied, f"the Dockerfile does not copy {package}/"
    for module in setuptools["py-modules"]:
        assert f"{module}.py" in copied, f"the Dockerfile does not copy {module}.py"
