"""The mail catcher: a real SMTP server that keeps what it receives in memory.

Plone's MailHost points at it; tests and developers read the messages back
over HTTP (see :mod:`municipality.simulators.app`). Nothing is ever relayed.
"""

from aiosmtpd.controller import Controller
from collections import OrderedDict
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import UTC
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

import itertools
import logging
import threading


logger = logging.getLogger(__name__)

DEFAULT_LIMIT = 1000

_parser = BytesParser(policy=policy.default)


def _decode(message: EmailMessage, name: str, value: str) -> str:
    """Return a raw header value decoded from RFC 2047, or as is if it won't parse."""
    try:
        # A value folded right after the colon decodes with a leading space.
        return str(message.policy.header_fetch_parse(name, value)).strip()
    except Exception:
        # A malformed header must not hide the rest of the message.
        return str(value)


def _headers(message: EmailMessage) -> list[list[str]]:
    """Return every header line as a decoded ``[name, value]`` pair, in order."""
    # raw_items() keeps the undecoded values, so each can fail on its own.
    return [
        [name, _decode(message, name, value)] for name, value in message.raw_items()
    ]


def _header(message: EmailMessage, name: str) -> str | None:
    """Return the first header called ``name``, decoded, or ``None``."""
    for key, value in message.raw_items():
        if key.lower() == name.lower():
            return _decode(message, key, value)
    return None


def _text(part: EmailMessage | None) -> str | None:
    """Return a text part decoded to ``str`` with ``\\n`` line ends, or ``None``."""
    if part is None:
        return None
    try:
        text = part.get_content()
    except (LookupError, UnicodeDecodeError):
        payload = part.get_payload(decode=True) or b""
        text = payload.decode("utf-8", errors="replace")
    # SMTP carries CRLF; callers compare with what they wrote in Python.
    return text.replace("\r\n", "\n")


@dataclass(frozen=True)
class StoredMessage:
    """One message as received: SMTP envelope, raw bytes and the parsed form."""

    id: int
    mail_from: str
    rcpt_tos: tuple[str, ...]
    raw: bytes
    received_at: datetime
    message: EmailMessage = field(repr=False, compare=False)

    @property
    def subject(self) -> str | None:
        """The decoded ``Subject`` header."""
        return _header(self.message, "subject")

    def summary(self) -> dict:
        """Return the JSON form for the message list.

        ``from`` and ``to`` are the SMTP envelope (so Bcc recipients show up);
        the headers are in :meth:`detail`.
        """
        return {
            "id": self.id,
            "from": self.mail_from,
            "to": list(self.rcpt_tos),
            "subject": self.subject,
            "date": _header(self.message, "date"),
            "received_at": self.received_at.isoformat(timespec="milliseconds"),
        }

    def detail(self) -> dict:
        """Return the summary plus decoded bodies, headers and attachments.

        ``headers`` is a list of ``[name, value]`` pairs, not a dict, because
        headers such as ``Received`` repeat.
        """
        message = self.message
        attachments = []
        for part in message.iter_attachments():
            payload = part.get_payload(decode=True) or b""
            attachments.append(
                {
                    "filename": part.get_filename(),
                    "content_type": part.get_content_type(),
                    "size": len(payload),
                }
            )
        return {
            **self.summary(),
            "text": _text(message.get_body(preferencelist=("plain",))),
            "html": _text(message.get_body(preferencelist=("html",))),
            "headers": _headers(message),
            "attachments": attachments,
            "size": len(self.raw),
        }


class MailStore:
    """The last ``limit`` received messages, oldest first. Thread-safe."""

    def __init__(self, limit: int = DEFAULT_LIMIT):
        self.limit = limit
        self._lock = threading.Lock()
        self._messages: OrderedDict[int, StoredMessage] = OrderedDict()
        # Ids are never reused, so a stale id cannot show another message.
        self._ids = itertools.count(1)

    def add(self, mail_from: str, rcpt_tos: list[str], raw: bytes) -> StoredMessage:
        """Parse and keep a message, dropping the oldest beyond the limit."""
        parsed = _parser.parsebytes(raw)
        with self._lock:
            stored = StoredMessage(
                id=next(self._ids),
                mail_from=mail_from,
                rcpt_tos=tuple(rcpt_tos),
                raw=raw,
                received_at=datetime.now(UTC),
                message=parsed,
            )
            self._messages[stored.id] = stored
            while len(self._messages) > self.limit:
                self._messages.popitem(last=False)
        return stored

    def list(self, recipient: str | None = None) -> list[StoredMessage]:
        """Return the messages, oldest first; only those to ``recipient`` if set."""
        with self._lock:
            messages = list(self._messages.values())
        if recipient:
            wanted = recipient.lower()
            messages = [
                m for m in messages if wanted in (r.lower() for r in m.rcpt_tos)
            ]
        return messages

    def get(self, message_id: int) -> StoredMessage | None:
        """Return the message with that id, or ``None``."""
        with self._lock:
            return self._messages.get(message_id)

    def delete(self, message_id: int) -> bool:
        """Forget one message; tell whether it was there."""
        with self._lock:
            return self._messages.pop(message_id, None) is not None

    def clear(self) -> int:
        """Forget every message; return how many there were."""
        with self._lock:
            count = len(self._messages)
            self._messages.clear()
        return count

    def __len__(self) -> int:
        with self._lock:
            return len(self._messages)


class MailHandler:
    """aiosmtpd handler that accepts every message into a :class:`MailStore`."""

    def __init__(self, store: MailStore):
        self.store = store

    async def handle_DATA(self, server, session, envelope) -> str:
        """Store the message exactly as sent (``original_content`` is the bytes)."""
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode("utf-8", errors="surrogateescape")
        stored = self.store.add(envelope.mail_from, list(envelope.rcpt_tos), raw)
        logger.info(
            "mail #%d from %s to %s: %s",
            stored.id,
            stored.mail_from,
            ", ".join(stored.rcpt_tos),
            stored.subject,
        )
        return "250 Message accepted for delivery"


class _Controller(Controller):
    """aiosmtpd's Controller, also able to listen on port 0 (any free port)."""

    def _trigger_server(self):
        # Controller's start-up self test connects to self.port; with port 0
        # that must be the port the OS actually picked.
        if self.port == 0 and self.server is not None:
            self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class MailServer:
    """The SMTP server, run by aiosmtpd in its own thread with its own loop."""

    def __init__(self, store: MailStore, host: str = "127.0.0.1", port: int = 8025):
        self.store = store
        self.host = host
        self.port = port
        self._controller: Controller | None = None

    def start(self) -> None:
        """Listen; return once the server answers. ``port`` 0 picks a free one."""
        controller = _Controller(
            MailHandler(self.store),
            hostname=self.host,
            port=self.port,
            # Skips socket.getfqdn(), which can hang on a DNS lookup.
            server_hostname="municipality-simulators",
        )
        controller.start()
        self._controller = controller
        self.port = controller.port

    def stop(self) -> None:
        """Stop listening and end the thread. Safe to call when not running."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()
