"""Registering cases in the municipality's document protocol, through the outbox.

:func:`register_in_protocol` enqueues the registration with the key
``protocol:<UID>``; the outbox worker calls the protocol system with that
key, so the case gets exactly one protocol number however often it is
retried. When the number arrives it is stored on the case (behavior
``municipality.protocol_data``) and :class:`ProtocolNumberAssigned` is
fired, e.g. to email the citizen. Until then :func:`protocol_pending` is
true and the citizen sees «protocol number pending».
"""

from datetime import date
from municipality import logger
from municipality.core import outbox
from municipality.core import serial
from municipality.core.behaviors.protocol import IProtocolData
from municipality.integrations.errors import ExternalSystemError
from plone.app.uuid.utils import uuidToObject
from zope.event import notify
from zope.interface import implementer
from zope.interface.interfaces import IObjectEvent
from zope.interface.interfaces import ObjectEvent


KIND = "protocol.register"


class IProtocolNumberAssigned(IObjectEvent):
    """A case got its protocol number; ``registration`` holds the system's answer."""


@implementer(IProtocolNumberAssigned)
class ProtocolNumberAssigned(ObjectEvent):
    def __init__(self, object, registration):
        super().__init__(object)
        self.registration = registration


def protocol_key(obj):
    """The idempotency key of ``obj``'s registration."""
    return f"protocol:{obj.UID()}"


def _client():
    from municipality.integrations.protocol import ProtocolClient

    return ProtocolClient.from_registry()


def register_in_protocol(obj, document):
    """Ask for a protocol number for ``obj``; return the outbox item.

    Safe to call more than once: a case already registered, or waiting to
    be, is left as it is (the existing item is returned, or ``None`` when
    the number is already there).

    :param document: What the protocol records: ``subject``, ``text``,
        ``sender`` (``name``, ``email``), ``kind``, ``reference`` and
        ``direction`` (``incoming`` by default).
    """
    if IProtocolData(obj).protocol_number:
        return None
    document = dict(document)
    document.setdefault("direction", "incoming")
    return outbox.enqueue(
        KIND, {"document": document}, key=protocol_key(obj), context=obj
    )


def protocol_pending(obj):
    """True while ``obj``'s registration waits in the outbox."""
    if IProtocolData(obj).protocol_number:
        return False
    return bool(outbox.pending_items(obj, kind=KIND))


def _normalise(registration):
    """The parts of the protocol system's answer we keep, JSON-able."""
    registered = registration.get("date")
    if isinstance(registered, date):
        registered = registered.isoformat()
    return {
        "number": str(registration["number"]),
        "date": registered,
        "protocol": registration.get("protocol") or "",
        "year": registration.get("year"),
    }


def apply_registration(obj, registration):
    """Store the protocol number and date on ``obj`` and announce it, once."""
    data = IProtocolData(obj)
    if data.protocol_number:
        return False
    obj.protocol_number = str(registration["number"])
    obj.protocol_date = date.fromisoformat(registration["date"])
    obj.reindexObject(idxs=["protocol_number"])
    notify(ProtocolNumberAssigned(obj, registration))
    return True


def refresh_protocol(obj):
    """Look the case up at the protocol system now («Ενημέρωση»).

    Only a lookup by key, which changes nothing there, so it is safe inside
    a request that Zope may retry; other write requests are not held up
    while it waits (:func:`municipality.core.serial.outside`). When the
    system already registered the case, the number is stored and the outbox
    item is marked delivered.
    Returns True when a number was stored.
    """
    if IProtocolData(obj).protocol_number:
        return False
    item = outbox.get_item(protocol_key(obj))
    if item is None or item.is_delivered:
        return False
    try:
        with serial.outside():
            registration = _client().lookup(item.key)
    except ExternalSystemError as e:
        logger.info("Protocol lookup of %s failed: %s", item.key, e)
        return False
    if registration is None:
        return False
    registration = _normalise(registration)
    apply_registration(obj, registration)
    outbox.mark_delivered(item, registration)
    return True


@implementer(outbox.IOutboxHandler)
class ProtocolRegistrationHandler:
    """Registers a document in the protocol system, idempotently by key."""

    title = "Protocol registration"

    def deliver(self, item):
        return _normalise(_client().register(item.key, dict(item.payload["document"])))

    def delivered(self, item, result):
        obj = uuidToObject(item.context_uid, unrestricted=True)
        if obj is None:
            logger.warning(
                "Protocol number %s arrived for a deleted item %s",
                result["number"],
                item.context_uid,
            )
            return
        apply_registration(obj, result)
