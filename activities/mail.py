"""Rendering emails from Jinja2 templates and handing them to an SMTP server."""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from pathlib import Path
from typing import Any

import aiosmtplib
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "email_templates"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


class EmailRenderer:
    """``<event>.txt`` sets ``subject`` and renders the text part; ``<event>.html`` the HTML."""

    def __init__(self, templates_dir: Path = TEMPLATES_DIR) -> None:
        self._env = Environment(
            loader=FileSystemLoader(templates_dir),
            autoescape=select_autoescape(enabled_extensions=("html",), default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def render(self, event: str, context: dict[str, Any]) -> RenderedEmail:
        text_module = self._env.get_template(f"{event}.txt").make_module(context)
        subject = " ".join(str(getattr(text_module, "subject", "")).split())
        if not subject:
            raise ValueError(f"template {event}.txt does not set a subject")
        html = self._env.get_template(f"{event}.html").render(context)
        return RenderedEmail(subject=subject, text=str(text_module).strip() + "\n", html=html)


def message_id(key: str, sender: str) -> str:
    """Stable per idempotency key, so a resent email is recognisably the same one."""
    _, at, domain = parseaddr(sender)[1].rpartition("@")
    digest = hashlib.sha256(key.encode()).hexdigest()[:40]
    return f"<{digest}@{domain if at and domain else 'signoff.localhost'}>"


def build_message(
    rendered: RenderedEmail, sender: str, to_name: str, to_address: str, key: str, at: datetime
) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = sender
    message["To"] = Address(display_name=to_name, addr_spec=to_address)
    message["Date"] = format_datetime(at)
    message["Message-ID"] = message_id(key, sender)
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message


class SmtpMailer:
    def __init__(self, host: str, port: int, timeout: float) -> None:
        self._host = host
        self._port = port
        self._timeout = timeout

    async def send(self, message: EmailMessage) -> None:
        await aiosmtplib.send(message, hostname=self._host, port=self._port, timeout=self._timeout)
