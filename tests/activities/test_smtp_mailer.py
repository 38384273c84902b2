"""The SMTP mailer keeps connections open between emails and replaces one the server dropped."""

import asyncio
import socket
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import aiosmtplib
import pytest
from aiosmtpd.controller import Controller

from activities.smtp import SmtpMailer


class PeerRecorder:
    """Records, per message received, the client address and port it came from."""

    def __init__(self) -> None:
        self.peers: list[tuple[str, int]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.peers.append(session.peer)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, port: int) -> None:
        self.port = port
        self.recorder = PeerRecorder()
        self._controller: Controller | None = None

    def start(self) -> None:
        self._controller = Controller(
            self.recorder, hostname="127.0.0.1", port=self.port, server_hostname="localhost"
        )
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None


@pytest.fixture
def server() -> Iterator[Server]:
    running = Server(_free_port())
    running.start()
    yield running
    running.stop()


def _message(number: int) -> EmailMessage:
    message = EmailMessage()
    message["From"] = "signoff@example.com"
    message["To"] = "someone@example.com"
    message["Subject"] = f"Message {number}"
    message.set_content("Hello.")
    return message


async def test_one_connection_carries_many_emails(server: Server) -> None:
    async with SmtpMailer("127.0.0.1", server.port, timeout=5) as mailer:
        for number in range(3):
            await mailer.send(_message(number))
    assert len(server.recorder.peers) == 3
    assert len(set(server.recorder.peers)) == 1


async def test_concurrent_emails_use_at_most_the_configured_connections(server: Server) -> None:
    async with SmtpMailer("127.0.0.1", server.port, timeout=5, connections=2) as mailer:
        await asyncio.gather(*(mailer.send(_message(number)) for number in range(10)))
    assert len(server.recorder.peers) == 10
    assert len(set(server.recorder.peers)) <= 2


async def test_a_connection_the_server_dropped_is_replaced(server: Server) -> None:
    async with SmtpMailer("127.0.0.1", server.port, timeout=5) as mailer:
        await mailer.send(_message(1))
        server.stop()
        server.recorder.peers.clear()
        server.start()
        await mailer.send(_message(2))
    assert len(server.recorder.peers) == 1


async def test_an_unreachable_server_fails_the_send(server: Server) -> None:
    async with SmtpMailer("127.0.0.1", server.port, timeout=5) as mailer:
        await mailer.send(_message(1))
        server.stop()
        with pytest.raises((aiosmtplib.SMTPException, OSError)):
            await mailer.send(_message(2))
        server.start()
        await mailer.send(_message(3))
    assert len(server.recorder.peers) == 2
