"""The simulated document protocol: register a document, get its number.

The contract is documented with examples in ``docs/protocol.md``. In short:

* ``POST /protocol/documents`` registers a document under the client's
  ``idempotency_key`` and answers 201 with the protocol number and date.
  The same key with the same document answers 200 with the same
  registration; the same key with a different document answers 409.
* ``GET /protocol/documents?key=<key>`` and
  ``GET /protocol/documents/<year>/<number>`` read one registration.
* ``GET /protocol/documents`` lists every registration with how many
  ``POST`` requests it answered, so tests can see retries.

Numbers are consecutive per year, starting at 1, and kept in memory;
``POST /_admin/reset`` forgets them.
"""

from dataclasses import dataclass
from datetime import datetime
from municipality.simulators.registry import error_response
from municipality.simulators.registry import json_response
from municipality.simulators.registry import read_json
from municipality.simulators.registry import System
from municipality.simulators.registry import system
from municipality.simulators.registry import ValidationError
from zoneinfo import ZoneInfo

import re
import threading


ATHENS = ZoneInfo("Europe/Athens")
DIRECTIONS = ("incoming", "outgoing")

MAX_KEY = 200
MAX_SUBJECT = 500
MAX_TEXT = 20000
MAX_NAME = 200
MAX_EMAIL = 254
MAX_SHORT = 100
MAX_FILENAME = 255
MAX_ATTACHMENTS = 100

DOCUMENT_FIELDS = frozenset(
    {
        "idempotency_key",
        "subject",
        "direction",
        "sender",
        "kind",
        "reference",
        "text",
        "attachments",
    }
)
SENDER_FIELDS = frozenset({"name", "email", "tax_number"})
ATTACHMENT_FIELDS = frozenset({"filename", "content_type", "size"})

_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_TAX_NUMBER_RE = re.compile(r"^[0-9]{9}$")
_CONTENT_TYPE_RE = re.compile(r"^[\w.+-]+/[\w.+-]+$", re.ASCII)
_DIGITS_RE = re.compile(r"^[0-9]{1,9}$")


def now_in_athens() -> datetime:
    """Return the current time in Europe/Athens, to the second."""
    return datetime.now(ATHENS).replace(microsecond=0)


# Validation


def _check_unknown(data: dict, allowed: frozenset, prefix: str = "") -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        name = f"{prefix}{unknown[0]}"
        raise ValidationError(name, f"{name} is not a field of the protocol contract")


def _text(
    data: dict, name: str, limit: int, required: bool = False, prefix: str = ""
) -> str | None:
    """Return ``data[name]`` as a string of at most ``limit`` characters."""
    field = f"{prefix}{name}"
    value = data.get(name)
    if value is None:
        if required:
            raise ValidationError(field, f"{field} is required")
        return None
    if not isinstance(value, str):
        raise ValidationError(field, f"{field} must be a string")
    if not value.strip():
        if required:
            raise ValidationError(field, f"{field} is required")
        return None
    if len(value) > limit:
        raise ValidationError(
            field, f"{field} is longer than {limit} characters ({len(value)})"
        )
    return value


def _sender(data: dict) -> dict:
    sender = data.get("sender")
    if sender is None:
        raise ValidationError("sender", "sender is required")
    if not isinstance(sender, dict):
        raise ValidationError("sender", "sender must be an object")
    _check_unknown(sender, SENDER_FIELDS, "sender.")
    result = {"name": _text(sender, "name", MAX_NAME, True, "sender.")}
    email = _text(sender, "email", MAX_EMAIL, prefix="sender.")
    if email is not None and not _EMAIL_RE.match(email):
        raise ValidationError("sender.email", "sender.email is not an email address")
    tax_number = _text(sender, "tax_number", 9, prefix="sender.")
    if tax_number is not None and not _TAX_NUMBER_RE.match(tax_number):
        raise ValidationError(
            "sender.tax_number", "sender.tax_number must be 9 digits (ΑΦΜ)"
        )
    result["email"] = email
    result["tax_number"] = tax_number
    return result


def _attachments(data: dict) -> list[dict]:
    attachments = data.get("attachments")
    if attachments is None:
        return []
    if not isinstance(attachments, list):
        raise ValidationError("attachments", "attachments must be a list")
    if len(attachments) > MAX_ATTACHMENTS:
        raise ValidationError(
            "attachments", f"attachments: at most {MAX_ATTACHMENTS} files"
        )
    result = []
    for index, attachment in enumerate(attachments):
        prefix = f"attachments[{index}]."
        if not isinstance(attachment, dict):
            raise ValidationError(
                f"attachments[{index}]", f"attachments[{index}] must be an object"
            )
        _check_unknown(attachment, ATTACHMENT_FIELDS, prefix)
        filename = _text(attachment, "filename", MAX_FILENAME, True, prefix)
        content_type = _text(attachment, "content_type", MAX_SHORT, True, prefix)
        if not _CONTENT_TYPE_RE.match(content_type):
            raise ValidationError(
                f"{prefix}content_type",
                f"{prefix}content_type must look like type/subtype",
            )
        size = attachment.get("size")
        # bool is an int subclass; true as a size is a client bug.
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise ValidationError(
                f"{prefix}size", f"{prefix}size must be a whole number of bytes"
            )
        result.append(
            {"filename": filename, "content_type": content_type, "size": size}
        )
    return result


def validate_document(data: dict) -> dict:
    """Return the registration request ``data`` normalized, or raise.

    Raises :class:`ValidationError` naming the first bad field, dotted for
    nested ones (``sender.name``, ``attachments[0].size``). Optional fields
    that are missing come back as ``None`` (``[]`` for attachments), so two
    requests for the same document compare equal however they were spelled.
    """
    _check_unknown(data, DOCUMENT_FIELDS)
    key = _text(data, "idempotency_key", MAX_KEY, required=True)
    subject = _text(data, "subject", MAX_SUBJECT, required=True)
    direction = data.get("direction")
    if direction is None:
        direction = "incoming"
    elif direction not in DIRECTIONS:
        raise ValidationError(
            "direction", f"direction must be one of: {', '.join(DIRECTIONS)}"
        )
    return {
        "idempotency_key": key,
        "subject": subject,
        "direction": direction,
        "sender": _sender(data),
        "kind": _text(data, "kind", MAX_SHORT),
        "reference": _text(data, "reference", MAX_SHORT),
        "text": _text(data, "text", MAX_TEXT),
        "attachments": _attachments(data),
    }


# The book


class IdempotencyConflict(Exception):
    """A key already registered a different document."""

    def __init__(self, registration: dict, differs: list[str]):
        super().__init__(", ".join(differs))
        self.registration = registration
        self.differs = differs


@dataclass
class Entry:
    """One registration and how many requests asked for it."""

    registration: dict
    requests: int = 1
    conflicts: int = 0

    def as_item(self) -> dict:
        """Return the listing form: the registration plus the counters."""
        return {
            **self.registration,
            "requests": self.requests,
            "conflicts": self.conflicts,
        }


class ProtocolBook:
    """The protocol book: registrations by key and by year and number.

    One lock guards everything, so a number is taken, dated and bound to its
    key in one step: concurrent requests with the same key get one number,
    and numbers within a year have no gaps.
    """

    def __init__(self, now=now_in_athens):
        self._now = now
        self._lock = threading.Lock()
        self._by_key: dict[str, Entry] = {}
        self._by_number: dict[tuple[int, int], Entry] = {}
        self._last: dict[int, int] = {}

    def register(self, document: dict) -> tuple[dict, bool]:
        """Register a validated ``document``; return ``(registration, created)``.

        Raises :class:`IdempotencyConflict` when its key already registered
        a different document.
        """
        key = document["idempotency_key"]
        with self._lock:
            entry = self._by_key.get(key)
            if entry is not None:
                differs = [
                    name
                    for name, value in document.items()
                    if entry.registration[name] != value
                ]
                if differs:
                    entry.conflicts += 1
                    raise IdempotencyConflict(entry.registration, differs)
                entry.requests += 1
                return entry.registration, False
            when = self._now().astimezone(ATHENS)
            year = when.year
            number = self._last.get(year, 0) + 1
            self._last[year] = number
            registration = {
                "number": str(number),
                "year": year,
                "date": when.date().isoformat(),
                "datetime": when.isoformat(),
                "protocol": f"{number}/{when:%d-%m-%Y}",
                **document,
            }
            entry = Entry(registration)
            self._by_key[key] = entry
            self._by_number[(year, number)] = entry
            return registration, True

    def by_key(self, key: str) -> dict | None:
        """Return the registration made with ``key``, or ``None``."""
        with self._lock:
            entry = self._by_key.get(key)
            return None if entry is None else entry.registration

    def by_number(self, year: int, number: int) -> dict | None:
        """Return registration ``number`` of ``year``, or ``None``."""
        with self._lock:
            entry = self._by_number.get((year, number))
            return None if entry is None else entry.registration

    def items(self) -> list[dict]:
        """Return every registration with its counters, by year and number."""
        with self._lock:
            return [
                self._by_number[position].as_item()
                for position in sorted(self._by_number)
            ]

    def clear(self) -> None:
        """Forget every registration; numbering starts at 1 again."""
        with self._lock:
            self._by_key.clear()
            self._by_number.clear()
            self._last.clear()


# The endpoints

protocol = system("protocol")
book = ProtocolBook()


def _reset():
    # The registry resets a system's failure mode only; the book goes too.
    # System.reset, not a saved bound method, so reloading does not chain.
    book.clear()
    return System.reset(protocol)


protocol.reset = _reset


@protocol.route("POST", "/documents")
def register_document(request):
    """Register a document: 201 when new, 200 when its key was seen."""
    document = validate_document(read_json(request))
    try:
        registration, created = book.register(document)
    except IdempotencyConflict as conflict:
        existing = conflict.registration
        return error_response(
            409,
            f"idempotency_key {document['idempotency_key']!r} already registered "
            f"a different document as {existing['protocol']} "
            f"(different: {', '.join(conflict.differs)})",
            field="idempotency_key",
            differs=conflict.differs,
            protocol=existing["protocol"],
        )
    return json_response(registration, status=201 if created else 200)


@protocol.route("GET", "/documents")
def find_documents(request):
    """Look a registration up by ``?key=``, or list them all without it."""
    if "key" not in request.GET:
        items = book.items()
        return {"items": items, "count": len(items)}
    key = request.GET["key"]
    if not key:
        raise ValidationError("key", "key must not be empty")
    registration = book.by_key(key)
    if registration is None:
        return error_response(
            404, f"No document registered with key {key!r}", field="key"
        )
    return registration


@protocol.route("GET", "/documents/{year}/{number}")
def get_document(request, year, number):
    """Return registration ``number`` of ``year``."""
    registration = None
    if _DIGITS_RE.match(year) and _DIGITS_RE.match(number):
        registration = book.by_number(int(year), int(number))
    if registration is None:
        return error_response(404, f"No document {number}/{year} in the protocol")
    return registration
