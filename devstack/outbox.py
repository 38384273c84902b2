"""Local SMTP catcher that keeps every message in an outbox readable in a browser."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import threading
from collections.abc import Awaitable, Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from email.utils import format_datetime, getaddresses, parsedate_to_datetime
from pathlib import Path
from types import TracebackType

import jinja2
import uvicorn
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from fastapi import FastAPI, HTTPException, Request, Response, status
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from pydantic import BaseModel, Field

ACCEPTED = "250 Message accepted for delivery"
TEMPLATES_DIR = Path(__file__).parent / "templates"

# The SMTP envelope is not part of the message itself, so it is stored as extra headers in
# front of it: a reloaded outbox then shows the same sender, recipients and time.
MAIL_FROM_HEADER = "X-Outbox-Mail-From"
RCPT_TO_HEADER = "X-Outbox-Rcpt-To"
RECEIVED_HEADER = "X-Outbox-Received"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        # A srcdoc iframe inherits this policy: the message's inline styles and data: images
        # render, its scripts and remote resources do not.
        "style-src 'unsafe-inline'",
        "img-src data:",
        "frame-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # The messages carry approval and activation links: no copy of a page may be kept.
    "Cache-Control": "no-store",
}

_POLL_SECONDS = 0.05
_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_LINK = re.compile(r"https?://[^\s<>\"']+")
_LINK_TRAILER = ".,;:!?)]}'\""
_STORED_NAME = re.compile(r"\d+", re.ASCII)
_PARSER = BytesParser(policy=policy.default)


@dataclass(frozen=True, slots=True)
class CapturedMessage:
    id: int
    sender: str
    recipients: tuple[str, ...]
    subject: str
    date: datetime
    message_id: str
    text: str | None
    html: str | None
    links: tuple[str, ...]
    raw: bytes


def find_links(text: str) -> tuple[str, ...]:
    """The distinct http(s) links in ``text``, in order of appearance."""
    links = (text[start:end] for start, end in _link_spans(text))
    return tuple(dict.fromkeys(links))


def linkify(text: str) -> Markup:
    """Escape ``text`` and turn its http(s) links into anchors."""
    parts: list[Markup] = []
    position = 0
    for start, end in _link_spans(text):
        parts.append(escape(text[position:start]))
        parts.append(
            Markup('<a href="{0}" rel="noopener noreferrer">{0}</a>').format(text[start:end])
        )
        position = end
    parts.append(escape(text[position:]))
    return Markup("").join(parts)


def _link_spans(text: str) -> Iterator[tuple[int, int]]:
    for match in _LINK.finditer(text):
        url = match.group().rstrip(_LINK_TRAILER)
        if url.partition("://")[2]:
            yield match.start(), match.start() + len(url)


def parse_stored_message(number: int, data: bytes) -> CapturedMessage:
    """Read a stored message (envelope headers followed by the message as received)."""
    message = _PARSER.parsebytes(data)
    text = _body(message, "plain")
    return CapturedMessage(
        id=number,
        sender=_sender(message),
        recipients=_recipients(message),
        subject=str(message.get("Subject", "")).strip(),
        date=_date(message),
        message_id=str(message.get("Message-ID", "")).strip(),
        text=text,
        html=_body(message, "html"),
        links=find_links(text or ""),
        raw=data,
    )


def _envelope_headers(mail_from: str, rcpt_tos: Sequence[str], received: datetime) -> bytes:
    lines = [
        f"{MAIL_FROM_HEADER}: {mail_from}",
        f"{RCPT_TO_HEADER}: {', '.join(rcpt_tos)}",
        f"{RECEIVED_HEADER}: {format_datetime(received)}",
    ]
    return "".join(f"{line}\r\n" for line in lines).encode()


def _sender(message: EmailMessage) -> str:
    envelope_sender = message.get(MAIL_FROM_HEADER)
    if envelope_sender is not None:
        return str(envelope_sender)
    addresses = getaddresses([str(value) for value in message.get_all("From", [])])
    return addresses[0][1] if addresses else ""


def _recipients(message: EmailMessage) -> tuple[str, ...]:
    envelope_recipients = message.get(RCPT_TO_HEADER)
    if envelope_recipients is not None:
        return tuple(part.strip() for part in str(envelope_recipients).split(",") if part.strip())
    headers = [str(value) for name in ("To", "Cc") for value in message.get_all(name, [])]
    return tuple(address for _, address in getaddresses(headers) if address)


def _date(message: EmailMessage) -> datetime:
    for header in ("Date", RECEIVED_HEADER):
        value = message.get(header)
        if value is None:
            continue
        try:
            parsed = parsedate_to_datetime(str(value))
        except (TypeError, ValueError):
            continue
        return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)
    return datetime.now(UTC)


def _body(message: EmailMessage, subtype: str) -> str | None:
    part = message.get_body(preferencelist=(subtype,))
    if not isinstance(part, EmailMessage):
        return None
    try:
        content: object = part.get_content()
    except (LookupError, UnicodeError):
        # An unknown or lying charset should not hide the message from the developer.
        payload = part.get_payload(decode=True)
        content = payload.decode(errors="replace") if isinstance(payload, bytes) else None
    # SMTP delivers CRLF line endings; readers expect plain newlines.
    return content.replace("\r\n", "\n") if isinstance(content, str) else None


class Outbox:
    """Captured messages, oldest first, optionally mirrored as ``<id>.eml`` files."""

    def __init__(self, directory: Path | None = None) -> None:
        # The SMTP handler may run on another thread than the readers (aiosmtpd's Controller).
        self._lock = threading.Lock()
        self._directory = directory
        self._messages: list[CapturedMessage] = []
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
            self._messages = _load_stored(directory)
        self._next_id = max((message.id for message in self._messages), default=0) + 1

    @property
    def directory(self) -> Path | None:
        return self._directory

    @property
    def messages(self) -> list[CapturedMessage]:
        with self._lock:
            return list(self._messages)

    def __len__(self) -> int:
        with self._lock:
            return len(self._messages)

    def get(self, message_id: int) -> CapturedMessage | None:
        with self._lock:
            return next((message for message in self._messages if message.id == message_id), None)

    def add(
        self,
        content: bytes,
        *,
        mail_from: str,
        rcpt_tos: Sequence[str],
        received: datetime | None = None,
    ) -> CapturedMessage:
        data = _envelope_headers(mail_from, rcpt_tos, received or datetime.now(UTC)) + content
        with self._lock:
            message = parse_stored_message(self._next_id, data)
            if self._directory is not None:
                _store(self._directory / _stored_name(message.id), data)
            self._messages.append(message)
            self._next_id += 1
        return message

    def clear(self) -> None:
        """Forget every message (and delete the stored files); ids keep increasing."""
        with self._lock:
            self._messages.clear()
            if self._directory is not None:
                for _, path in _stored_files(self._directory):
                    path.unlink(missing_ok=True)


def _stored_name(message_id: int) -> str:
    return f"{message_id:06d}.eml"


def _stored_files(directory: Path) -> list[tuple[int, Path]]:
    return sorted(
        (int(path.stem), path)
        for path in directory.glob("*.eml")
        if _STORED_NAME.fullmatch(path.stem)
    )


def _load_stored(directory: Path) -> list[CapturedMessage]:
    return [
        parse_stored_message(number, path.read_bytes()) for number, path in _stored_files(directory)
    ]


def _store(path: Path, data: bytes) -> None:
    # Written aside and renamed so that a crash never leaves half a message to reload.
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)


class OutboxHandler:
    """aiosmtpd handler that accepts every message into an :class:`Outbox`."""

    def __init__(
        self,
        outbox: Outbox,
        on_message: Callable[[CapturedMessage], None] | None = None,
    ) -> None:
        self.outbox = outbox
        self._on_message = on_message

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        message = self.outbox.add(
            envelope.original_content or b"",
            mail_from=envelope.mail_from or "",
            rcpt_tos=envelope.rcpt_tos,
        )
        if self._on_message is not None:
            self._on_message(message)
        return ACCEPTED


class _Controller(Controller):
    """aiosmtpd's Controller checks readiness on the configured port; with port 0 that is not
    the port the server listens on, so check the bound one and remember it."""

    def _trigger_server(self) -> None:
        assert self.server is not None
        sockets: list[socket.socket] = list(getattr(self.server, "sockets", ()))
        host, port = sockets[0].getsockname()[:2]
        self.port = port
        host = {"0.0.0.0": "127.0.0.1", "::": "::1"}.get(host, host)
        with socket.create_connection((host, port), timeout=1.0) as connection:
            connection.recv(1024)


class MailCatcher:
    """An SMTP server on a background thread that keeps what it receives in an outbox."""

    def __init__(
        self,
        hostname: str = "127.0.0.1",
        port: int = 0,
        outbox: Outbox | None = None,
        on_message: Callable[[CapturedMessage], None] | None = None,
    ) -> None:
        self.hostname = hostname
        self.outbox = outbox if outbox is not None else Outbox()
        self._requested_port = port
        self._handler = OutboxHandler(self.outbox, on_message)
        self._controller: _Controller | None = None

    @property
    def port(self) -> int:
        """The bound port while running (useful with port 0), else the requested one."""
        if self._controller is None:
            return self._requested_port
        port: int = self._controller.port
        return port

    @property
    def messages(self) -> list[CapturedMessage]:
        return self.outbox.messages

    def start(self) -> None:
        if self._controller is not None:
            raise RuntimeError("the mail catcher is already running")
        # A fixed server name: aiosmtpd would otherwise resolve the FQDN on every connection.
        controller = _Controller(
            self._handler,
            hostname=self.hostname,
            port=self._requested_port,
            server_hostname="localhost",
        )
        controller.start()
        self._controller = controller

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def clear(self) -> None:
        self.outbox.clear()

    async def wait_for(
        self,
        predicate: Callable[[CapturedMessage], bool],
        timeout: float = 10.0,
    ) -> CapturedMessage:
        """Poll until a captured message satisfies ``predicate`` and return the first one."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            messages = self.messages
            for message in messages:
                if predicate(message):
                    return message
            if loop.time() >= deadline:
                raise TimeoutError(_no_match_description(messages, timeout))
            await asyncio.sleep(_POLL_SECONDS)

    def __enter__(self) -> MailCatcher:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


def _no_match_description(messages: Sequence[CapturedMessage], timeout: float) -> str:
    seen = "; ".join(
        f"#{message.id} {message.subject!r} to {', '.join(message.recipients)}"
        for message in messages
    )
    return f"no captured message matched within {timeout:g} s; seen: {seen or 'no messages'}"


class MessagePublic(BaseModel):
    id: int
    from_: str = Field(serialization_alias="from")
    to: list[str]
    subject: str
    date: datetime
    message_id: str
    text: str | None
    html: str | None
    links: list[str]

    @classmethod
    def of(cls, message: CapturedMessage) -> MessagePublic:
        return cls(
            id=message.id,
            from_=message.sender,
            to=list(message.recipients),
            subject=message.subject,
            date=message.date,
            message_id=message.message_id,
            text=message.text,
            html=message.html,
            links=list(message.links),
        )


def _local_time(value: datetime) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _templates() -> Jinja2Templates:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["linkify"] = linkify
    environment.filters["local_time"] = _local_time
    return Jinja2Templates(env=environment)


def create_outbox_app(outbox: Outbox) -> FastAPI:
    """The outbox web app: an HTML view of the captured mail and a small JSON API."""
    app = FastAPI(title="Signoff outbox", docs_url=None, redoc_url=None, openapi_url=None)
    templates = _templates()

    @app.middleware("http")
    async def add_security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        return response

    @app.get("/", response_class=HTMLResponse)
    async def index(request: Request) -> HTMLResponse:
        """Captured messages, newest first."""
        messages = list(reversed(outbox.messages))
        return templates.TemplateResponse(request, "index.html", {"messages": messages})

    @app.get("/messages/{message_id}", response_class=HTMLResponse)
    async def show_message(request: Request, message_id: int) -> HTMLResponse:
        """One captured message."""
        message = outbox.get(message_id)
        if message is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "No such message")
        return templates.TemplateResponse(request, "message.html", {"message": message})

    @app.get("/api/messages")
    async def list_messages() -> list[MessagePublic]:
        """Captured messages, oldest first."""
        return [MessagePublic.of(message) for message in outbox.messages]

    @app.delete("/api/messages", status_code=status.HTTP_204_NO_CONTENT)
    async def clear_messages() -> None:
        """Forget every captured message."""
        outbox.clear()

    return app


class _OutboxServer(uvicorn.Server):
    # uvicorn re-raises the signals it caught once it has stopped, which would turn a clean
    # Ctrl-C into a KeyboardInterrupt; serve_outbox handles the signals itself instead.
    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


async def serve_outbox(
    smtp_host: str,
    smtp_port: int,
    http_host: str,
    http_port: int,
    directory: Path | None,
) -> None:
    """Run the mail catcher and the outbox web app until SIGINT or SIGTERM."""
    outbox = Outbox(directory)
    config = uvicorn.Config(
        create_outbox_app(outbox),
        host=http_host,
        port=http_port,
        log_level="warning",
        access_log=False,
        lifespan="off",
    )
    server = _OutboxServer(config)
    loop = asyncio.get_running_loop()
    for stop_signal in _STOP_SIGNALS:
        loop.add_signal_handler(stop_signal, _request_exit, server)
    catcher = MailCatcher(smtp_host, smtp_port, outbox, on_message=_announce)
    try:
        catcher.start()
        print(
            f"Outbox: SMTP on {smtp_host}:{catcher.port}, web on http://{http_host}:{http_port}"
            f"; {len(outbox)} stored message(s)",
            flush=True,
        )
        await server.serve()
    finally:
        catcher.stop()
        for stop_signal in _STOP_SIGNALS:
            loop.remove_signal_handler(stop_signal)


def _request_exit(server: uvicorn.Server) -> None:
    if server.should_exit:
        server.force_exit = True
    server.should_exit = True


def _announce(message: CapturedMessage) -> None:
    print(
        f"Captured #{message.id} to {', '.join(message.recipients)}: {message.subject}", flush=True
    )
