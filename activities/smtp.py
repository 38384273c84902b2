"""Email messages as Signoff sends them, handed to an SMTP server."""

import asyncio
import hashlib
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Self

import aiosmtplib

from activities.rendering import RenderedEmail


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
    """Hands messages to one SMTP server over a few connections kept open between emails.

    A kept connection that the server has closed meanwhile is replaced once; any other
    failure closes the connection and reaches the caller, whose activity retries.
    """

    def __init__(self, host: str, port: int, timeout: float, connections: int = 4) -> None:
        self._host = host
        self._port = port
        self._timeout = timeout
        self._slots = asyncio.Semaphore(connections)
        self._idle: list[aiosmtplib.SMTP] = []

    async def send(self, message: EmailMessage) -> None:
        async with self._slots:
            kept = self._idle.pop() if self._idle else None
            if kept is not None:
                try:
                    await kept.send_message(message)
                except (aiosmtplib.SMTPServerDisconnected, ConnectionError):
                    await _close(kept)
                except BaseException:
                    await _close(kept)
                    raise
                else:
                    self._idle.append(kept)
                    return
            connection = aiosmtplib.SMTP(
                hostname=self._host, port=self._port, timeout=self._timeout
            )
            try:
                await connection.connect()
                await connection.send_message(message)
            except BaseException:
                await _close(connection)
                raise
            self._idle.append(connection)

    async def close(self) -> None:
        idle, self._idle = self._idle, []
        for connection in idle:
            await _close(connection)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()


async def _close(connection: aiosmtplib.SMTP) -> None:
    if not connection.is_connected:
        return
    try:
        await connection.quit()
    except (aiosmtplib.SMTPException, OSError, TimeoutError):
        connection.close()
