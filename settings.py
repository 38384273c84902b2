"""Configuration from the environment (every variable is prefixed ``SIGNOFF_``)."""

import ipaddress
from functools import lru_cache
from pathlib import Path
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from models.enums import Role
from models.sla import Targets

VAR_DIR = Path("var")
DEV_SECRET_KEY = "signoff-development-secret-change-me"
# Where the built-in key may run: links to this machine only.
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SIGNOFF_", env_file=".env", extra="ignore")

    database_url: str = f"sqlite:///{VAR_DIR / 'signoff.db'}"
    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    task_queue: str = "signoff"
    smtp_host: str = "localhost"
    smtp_port: int = 1025
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "Signoff <signoff@localhost>"
    service_team_email: str = "service-team@localhost"
    public_url: str = "http://localhost:8000"
    secret_key: str = DEV_SECRET_KEY
    approval_reminder_seconds: int = Field(default=3 * 24 * 3600, gt=0)
    approval_expiry_seconds: int = Field(default=14 * 24 * 3600, gt=0)
    review_reminder_seconds: int = Field(default=3 * 24 * 3600, gt=0)
    activation_expiry_seconds: int = Field(default=14 * 24 * 3600, gt=0)
    # The portal: how long an emailed sign-in link works, and when a session ends unused
    # (idle) or however used (absolute).
    sign_in_link_seconds: int = Field(default=15 * 60, gt=0)
    session_idle_seconds: int = Field(default=2 * 3600, gt=0)
    session_absolute_seconds: int = Field(default=12 * 3600, gt=0)
    log_json: bool = False
    # The service desk: a resolved ticket closes by itself after this long; the service
    # targets for the first response and for the resolution (whose clock pauses while the
    # customer has to answer); the owner is warned once 80% of a target has passed.
    ticket_close_after_seconds: int = Field(default=7 * 24 * 3600, gt=0)
    first_response_seconds: int = Field(default=8 * 3600, gt=0)
    resolution_seconds: int = Field(default=5 * 24 * 3600, gt=0)
    # Files attached to a ticket: the largest one, and how many one ticket keeps.
    attachment_max_bytes: int = Field(default=10 * 1024 * 1024, gt=0)
    attachments_per_ticket: int = Field(default=20, gt=0)
    # Failed token or link attempts one client may make in a minute before it gets 429s.
    failed_attempts_per_minute: int = Field(default=20, gt=0)
    # The proxies (addresses or networks) whose X-Forwarded-For names the client; none
    # by default, so the header is ignored.
    trusted_proxies: Annotated[tuple[str, ...], NoDecode] = ()
    # The largest request body the API reads; a larger one is answered 413 unread.
    max_body_bytes: int = Field(default=256 * 1024, gt=0)
    # Approval emails one customer's filings may send in a day to people who are not its
    # contacts (a purchaser's approver, say): past it, a filing is refused (429).
    outside_approval_emails_per_day: int = Field(default=10, gt=0)
    # How long the answer to a request with an Idempotency-Key is kept for its retries.
    idempotency_ttl_seconds: int = Field(default=24 * 3600, gt=0)
    # How often expired answers are purged (a Temporal schedule, in the Temporal UI).
    purge_interval_seconds: int = Field(default=3600, gt=0)
    # The bearer token Prometheus scrapes the API's /metrics with ("": not served).
    metrics_token: str = ""
    # Where the worker serves Temporal SDK metrics for Prometheus ("" turns them off).
    worker_metrics_address: str = "127.0.0.1:9464"
    # How long a stopping worker lets in-flight activities finish.
    worker_shutdown_grace_seconds: float = Field(default=30.0, ge=0)
    required_roles: Annotated[tuple[Role, ...], NoDecode] = (
        Role.MANAGEMENT,
        Role.CUST_ADMIN,
        Role.FINANCIAL,
        Role.AGREEMENT,
    )

    @property
    def ticket_targets(self) -> Targets:
        return Targets(
            self.first_response_seconds,
            self.resolution_seconds,
            self.ticket_close_after_seconds,
        )

    @field_validator("required_roles", "trusted_proxies", mode="before")
    @classmethod
    def _split_commas(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for proxy in value:
            ipaddress.ip_network(proxy, strict=False)  # a ValueError names the bad one
        return value

    @field_validator("required_roles")
    @classmethod
    def _some_roles(cls, value: tuple[Role, ...]) -> tuple[Role, ...]:
        if not value:
            raise ValueError("name at least one required role")
        return tuple(dict.fromkeys(value))

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _own_secret_key_beyond_this_machine(self) -> "Settings":
        # With the built-in key, anyone holding a copy of the database computes every link.
        host = urlsplit(self.public_url).hostname or ""
        if self.secret_key == DEV_SECRET_KEY and host not in LOCAL_HOSTS:
            raise ValueError(
                f"SIGNOFF_SECRET_KEY is the built-in development key, but SIGNOFF_PUBLIC_URL "
                f"({self.public_url}) is not on this machine: set SIGNOFF_SECRET_KEY to a long "
                "random value"
            )
        return self


@lru_cache
def get_settings() -> Settings:
    return Settings()
