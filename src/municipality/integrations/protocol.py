"""The client of the municipality's document protocol.

The protocol gives an incoming or outgoing document its protocol number and
date. Registration is idempotent by a key the caller chooses, so a call that
timed out can be sent again without taking a second number. The JSON
contract is in ``docs/protocol.md``.
"""

from datetime import date
from datetime import datetime
from municipality.integrations.base import ExternalSystemClient
from municipality.integrations.errors import ExternalSystemBadResponse
from municipality.integrations.errors import ExternalSystemRejected
from urllib.parse import quote


def parse_registration(data, system="protocol"):
    """Return a registration answer with its date and time parsed.

    :param data: [required] The JSON answer of the protocol system.
    :type data: dict
    :param system: Name used in the error raised for a bad answer.
    :type system: string
    :returns: A copy of ``data`` where ``date`` is a ``datetime.date``,
        ``datetime`` (when given) a timezone-aware ``datetime.datetime`` and
        ``number`` a string; every other field is kept as it came.
    :rtype: dict
    :raises:
        :class:`~municipality.integrations.errors.ExternalSystemBadResponse`
        when ``number``, ``date`` or ``protocol`` is missing or malformed.
    :Example:

    .. code-block:: python

        registration = parse_registration(item.result)
        obj.protocol_number = registration["protocol"]
        obj.protocol_date = registration["date"]
    """
    if not isinstance(data, dict):
        raise ExternalSystemBadResponse(system, "registration is not a JSON object")
    for name in ("number", "date", "protocol"):
        if data.get(name) in (None, ""):
            raise ExternalSystemBadResponse(system, f"registration has no {name}")
    result = dict(data)
    result["number"] = str(data["number"])
    try:
        result["date"] = date.fromisoformat(data["date"])
    except (TypeError, ValueError) as e:
        raise ExternalSystemBadResponse(
            system, f"registration date is not a date: {data['date']!r}"
        ) from e
    if data.get("datetime"):
        try:
            result["datetime"] = datetime.fromisoformat(data["datetime"])
        except (TypeError, ValueError) as e:
            raise ExternalSystemBadResponse(
                system, f"registration datetime is not a time: {data['datetime']!r}"
            ) from e
    return result


class ProtocolClient(ExternalSystemClient):
    """Register documents in the protocol and look registrations up.

    Build it with ``ProtocolClient.from_registry()`` (records
    ``municipality.protocol.url``, ``.username``, ``.password``,
    ``.timeout``) or with explicit arguments in tests.
    """

    system = "protocol"

    def register(self, key, document):
        """Register ``document`` under the idempotency ``key``.

        Safe to call again after any failure: the protocol answers a key it
        has seen with the registration it made then, never a second number.

        :param key: [required] The idempotency key, at most 200 characters,
            e.g. ``"protocol:<uid>"``.
        :type key: string
        :param document: [required] ``subject`` and ``sender`` (``name``,
            optional ``email``, ``tax_number``) are required; ``direction``
            (``"incoming"``, the default, or ``"outgoing"``), ``kind``,
            ``reference``, ``text`` and ``attachments`` (``filename``,
            ``content_type``, ``size``) are optional. An
            ``idempotency_key`` in it is replaced by ``key``.
        :type document: dict
        :returns: The registration, as :func:`parse_registration` returns it:
            ``number``, ``year``, ``date`` (a ``datetime.date``),
            ``datetime``, ``protocol`` (display form ``"1234/22-11-2026"``)
            and the document's fields.
        :rtype: dict
        :raises:
            :class:`~municipality.integrations.errors.ExternalSystemUnavailable`
            (unreachable, timeout, 5xx: try again later),
            :class:`~municipality.integrations.errors.ExternalSystemRejected`
            (invalid document, or ``key`` already used for a different
            document: status 409),
            :class:`~municipality.integrations.errors.ExternalSystemBadResponse`
        :Example:

        .. code-block:: python

            client = ProtocolClient.from_registry()
            registration = client.register(
                f"protocol:{obj.UID()}",
                {"subject": obj.title, "sender": {"name": "Μαρία Παπαδοπούλου"}},
            )
            registration["protocol"]  # "1234/22-11-2026"
        """
        body = {**document, "idempotency_key": key}
        return self._registration(
            self.request("POST", "documents", json=body), expected_key=key
        )

    def lookup(self, key):
        """Return the registration made with ``key``, or ``None``.

        A read-only call: use it to learn whether an earlier ``register``
        whose answer was lost went through.

        :param key: [required] The idempotency key given to :meth:`register`.
        :type key: string
        :returns: The registration as :meth:`register` returns it, or
            ``None`` when the protocol has none with that key.
        :rtype: dict or None
        :raises:
            :class:`~municipality.integrations.errors.ExternalSystemUnavailable`,
            :class:`~municipality.integrations.errors.ExternalSystemRejected`,
            :class:`~municipality.integrations.errors.ExternalSystemBadResponse`
        :Example:

        .. code-block:: python

            registration = ProtocolClient.from_registry().lookup(key)
            if registration is None:
                ...  # not registered (yet)
        """
        try:
            data = self.request("GET", "documents", params={"key": key})
        except ExternalSystemRejected as e:
            if e.status == 404:
                return None
            raise
        return self._registration(data, expected_key=key)

    def get(self, year, number):
        """Return registration ``number`` of ``year``, or ``None``.

        :param year: [required] The protocol year, e.g. ``2026``.
        :type year: int
        :param number: [required] The protocol number within the year.
        :type number: int or string
        :returns: The registration as :meth:`register` returns it, or
            ``None`` when there is no such number.
        :rtype: dict or None
        :raises:
            :class:`~municipality.integrations.errors.ExternalSystemUnavailable`,
            :class:`~municipality.integrations.errors.ExternalSystemRejected`,
            :class:`~municipality.integrations.errors.ExternalSystemBadResponse`
        :Example:

        .. code-block:: python

            ProtocolClient.from_registry().get(2026, 1234)["subject"]
        """
        path = f"documents/{int(year)}/{quote(str(number), safe='')}"
        try:
            data = self.request("GET", path)
        except ExternalSystemRejected as e:
            if e.status == 404:
                return None
            raise
        return self._registration(data)

    def _registration(self, data, expected_key=None):
        registration = parse_registration(data, self.system)
        # Another document's number would end up on ours: refuse it.
        if expected_key is not None and registration.get("idempotency_key") not in (
            None,
            expected_key,
        ):
            raise ExternalSystemBadResponse(
                self.system, "registration answered for another idempotency key"
            )
        return registration
