"""Card payments at Cardlink, Nexi (Alpha Bank) and Worldline (Eurobank).

All three run Modirum's VPOS. The protocol, with its sources, is in
``docs/bank.md``; in short:

* **Redirect.** The citizen's browser POSTs a signed form to
  ``<host>/vpos/shophandlermpi`` (:meth:`ModirumGateway.payment_form`). The
  bank answers on its own card page, then POSTs the signed outcome back to
  our ``confirmUrl`` (paid) or ``cancelUrl`` (anything else) through the
  browser, and again server to server (the *background confirmation*).
* **Digest** of a form: ``Base64(SHA-256(UTF-8(v1 + v2 + … + secret)))`` over
  the values in the order sent (:func:`municipality.integrations.bank.digest`).
  On the way back the order is the order *received*, so the fields must be
  read from the raw body (:func:`parse_form`, :func:`request_fields`), never
  from a dict rebuilt by a framework.
* **XML API.** ``<host>/vpos/xmlpayvpos`` takes
  ``<VPOS><Message …><StatusRequest>…</StatusRequest></Message><Digest/></VPOS>``;
  the digest is over the canonical form (inclusive Canonical XML 1.0) of the
  ``Message`` element plus the secret (:meth:`ModirumGateway.status`).

Nothing here touches Plone except :meth:`ModirumGateway.from_registry` and
:func:`request_fields`, so the simulator and the tests use it directly.
"""

from datetime import datetime
from decimal import Decimal
from decimal import InvalidOperation
from municipality.integrations.bank import BankMessage
from municipality.integrations.bank import CANCELLED
from municipality.integrations.bank import digest
from municipality.integrations.bank import FAILED
from municipality.integrations.bank import ForgedMessage
from municipality.integrations.bank import IPaymentGateway
from municipality.integrations.bank import PAID
from municipality.integrations.bank import PaymentFormError
from municipality.integrations.bank import PENDING
from municipality.integrations.bank import RedirectForm
from municipality.integrations.base import ExternalSystemClient
from municipality.integrations.errors import ExternalSystemBadResponse
from municipality.integrations.errors import ExternalSystemRejected
from municipality.integrations.errors import ExternalSystemUnavailable
from urllib.parse import parse_qsl
from urllib.parse import urlsplit
from xml.parsers import expat
from zoneinfo import ZoneInfo
from zope.interface import implementer

import hmac
import re
import requests
import secrets
import time
import unicodedata


SHOP_HANDLER = "/vpos/shophandlermpi"
# The banks' published test secret, which the simulator's demo merchant
# uses too. Anyone can sign a CAPTURED with it, so it is accepted only on
# this machine (the simulator) and on the banks' own test hosts.
DEMO_SECRET = "Cardlink1"  # noqa: S105 - public, see above
TEST_HOSTS = frozenset(
    {
        "ecommerce-test.cardlink.gr",
        "alphaecommerce-test.cardlink.gr",
        "eurocommerce-test.cardlink.gr",
    }
)
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})


def demo_secret_allowed(url):
    """True when the public test secret may be used with a gateway at ``url``."""
    host = (urlsplit(url).hostname or "").lower()
    return host in LOCAL_HOSTS or host.startswith("127.") or host in TEST_HOSTS


XML_API = "/vpos/xmlpayvpos"

VPOS_NS = "http://www.modirum.com/schemas/vposxmlapi41"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
XML_NS = "http://www.w3.org/XML/1998/namespace"

FORM_VERSION = "2"
XML_API_VERSION = "2.1"
CURRENCY = "EUR"
SALE = "1"
LANGUAGES = ("el", "en")

MAX_ORDER_ID = 50
MAX_DESCRIPTION = 128
MAX_EMAIL = 64
MAX_AMOUNT = Decimal("99999999.99")
CENT = Decimal("0.01")
# A bank message has about fifteen fields; more is not the bank.
MAX_FORM_FIELDS = 100
MAX_ANSWER = 1_000_000

# Posted by browsers or the bank but not signed (Cardlink's DigestService).
UNSIGNED_FIELDS = frozenset({"_charset_", "digest", "submitButton"})
UNSIGNED_PREFIX = "xlsbonus"

# The bank's transaction status → what it means for the payment.
OUTCOMES = {
    "CAPTURED": PAID,
    "AUTHORIZED": PAID,
    "REFUSED": FAILED,
    "ERROR": FAILED,
    "CANCELED": CANCELLED,
}

ATHENS = ZoneInfo("Europe/Athens")

_ORDER_ID_RE = re.compile(rf"^[A-Za-z0-9]{{1,{MAX_ORDER_ID}}}$")
_EMAIL_RE = re.compile(r"^[^@\s<>\"']+@[^@\s<>\"']+\.[^@\s<>\"']+$")
_SPACES_RE = re.compile(r"\s+")
# Markup characters are refused by the bank's input filter and would only
# be noise on its page; the rest of Unicode (Greek included) is fine.
_REFUSED_IN_DESCRIPTION = str.maketrans(dict.fromkeys('<>"\\`', " "))


def outcome_of(status):
    """What the bank's ``status`` means: PAID, FAILED, CANCELLED or PENDING.

    :param status: [required] ``CAPTURED``, ``AUTHORIZED``, ``REFUSED``,
        ``ERROR``, ``CANCELED`` or anything else (``PROCESSING`` …), which is
        PENDING: the bank has the order but no final answer.
    """
    return OUTCOMES.get((status or "").strip().upper(), PENDING)


def format_amount(amount):
    """The ``orderAmount`` text of ``amount``: ``Decimal("12.5")`` → ``"12.50"``.

    :param amount: [required] A ``Decimal`` (or ``int``) of at most two
        decimal places, above zero. Floats are refused: money is exact.
    :raises: :class:`PaymentFormError` (field ``amount``).
    """
    if isinstance(amount, bool) or not isinstance(amount, Decimal | int):
        raise PaymentFormError("amount", "must be a Decimal, not a float or text")
    amount = Decimal(amount)
    if not amount.is_finite():
        raise PaymentFormError("amount", "must be a number")
    if amount != amount.quantize(CENT):
        raise PaymentFormError("amount", "has more than two decimal places")
    if amount <= 0:
        raise PaymentFormError("amount", "must be above zero")
    if amount > MAX_AMOUNT:
        raise PaymentFormError("amount", f"must be at most {MAX_AMOUNT}")
    return f"{amount.quantize(CENT):f}"


def clean_description(text):
    """``orderDesc`` as the bank takes it: one line, no markup, ≤ 128 characters.

    Control characters and markup characters become spaces, runs of spaces
    one space, and the text is cut at :data:`MAX_DESCRIPTION` characters
    (characters, not bytes: the bank counts characters of UTF-8 text).
    """
    text = unicodedata.normalize("NFC", str(text or ""))
    text = "".join(
        " " if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp") else c
        for c in text
    )
    text = _SPACES_RE.sub(" ", text.translate(_REFUSED_IN_DESCRIPTION)).strip()
    return text[:MAX_DESCRIPTION].rstrip()


def signed_values(fields):
    """The values the digest of a bank message covers, in order.

    Every field except ``_charset_``, ``digest``, ``submitButton`` and
    ``xlsbonus*`` (the loyalty fields carry their own digest).
    """
    return [
        value
        for name, value in fields
        if name not in UNSIGNED_FIELDS and not name.startswith(UNSIGNED_PREFIX)
    ]


def sign(fields, secret):
    """``fields`` with their ``digest`` appended, as the bank or we send them.

    :param fields: [required] (name, value) pairs in the order to send.
    :param secret: [required] The merchant's shared secret.
    :returns: A tuple of (name, value) pairs ending in ``("digest", …)``.
    """
    fields = tuple((str(name), str(value)) for name, value in fields)
    return (*fields, ("digest", digest(signed_values(fields), secret)))


def parse_form(body, charset=None):
    """The fields of an ``application/x-www-form-urlencoded`` body, in order.

    A digest over "the values in the order received" can only be checked on
    the raw body: a dict (Zope's ``request.form``, PHP's ``$_POST``) merges
    the query string in, folds repeated names and converts ``name:int``.

    :param body: [required] The raw request body (``bytes``).
    :param charset: The ``charset`` of the request's ``Content-Type``; when
        absent, the ``_charset_`` field a browser fills in, else UTF-8.
    :returns: A list of (name, value) text pairs, empty values kept.
    :raises: :class:`ForgedMessage` (reason ``malformed``) when the body has
        too many fields or is not text in that charset.
    """
    if isinstance(body, str):
        body = body.encode("utf-8")
    # Percent-escapes decode to bytes; latin-1 maps bytes 1:1 to text so
    # they can be re-encoded and decoded in the real charset afterwards.
    try:
        raw = parse_qsl(
            (body or b"").decode("latin-1"),
            keep_blank_values=True,
            encoding="latin-1",
            max_num_fields=MAX_FORM_FIELDS,
        )
    except ValueError as e:
        raise ForgedMessage("malformed", None, str(e)) from e
    if not charset:
        charset = next((v for n, v in raw if n == "_charset_"), "") or "utf-8"
    try:
        "".encode(charset)
    except LookupError as e:
        raise ForgedMessage("malformed", "_charset_", f"unknown {charset}") from e
    fields = []
    for name, value in raw:
        try:
            fields.append(
                (
                    name.encode("latin-1").decode(charset),
                    value.encode("latin-1").decode(charset),
                )
            )
        except UnicodeError as e:
            raise ForgedMessage("malformed", name, f"not {charset} text") from e
    return fields


def request_fields(request):
    """The fields the bank POSTed to a Zope ``request``, in the order sent.

    Zope keeps the body of a form POST readable (``request.get("BODY")``
    re-reads the seekable input), so the fields are parsed from it with
    the ``charset`` of the ``Content-Type``. Should a server not keep the
    body, ``request.form`` is used: Zope fills it in body order, so only
    the rare cases it folds (repeated names, ``:int`` suffixes, a query
    string on the confirm URL) would then fail the digest.
    """
    body = request.get("BODY")
    if body is None:
        return [(str(n), str(v)) for n, v in request.form.items()]
    content_type = request.get("CONTENT_TYPE") or ""
    charset = None
    for parameter in content_type.split(";")[1:]:
        key, _, value = parameter.partition("=")
        if key.strip().lower() == "charset":
            charset = value.strip().strip('"') or None
    return parse_form(body, charset)


# Canonical XML


class _Element:
    """An element read by :func:`parse_xml`: just what canonical XML needs."""

    __slots__ = ("attributes", "children", "name", "namespaces", "parent")

    def __init__(self, name, attributes, parent):
        self.name = name
        self.attributes = attributes
        self.parent = parent
        self.children = []  # _Element, str (text) or ("pi", target, data)
        inherited = parent.namespaces if parent is not None else {}
        declared = {
            ("" if key == "xmlns" else key[6:]): value
            for key, value in attributes.items()
            if key == "xmlns" or key.startswith("xmlns:")
        }
        self.namespaces = {**inherited, **declared} if declared else inherited

    @property
    def local_name(self):
        return self.name.rpartition(":")[2]

    @property
    def namespace(self):
        prefix, _, _ = self.name.rpartition(":")
        return self.namespaces.get(prefix, "")

    def elements(self, local_name=None):
        """The child elements, or those of ``local_name``."""
        return [
            child
            for child in self.children
            if isinstance(child, _Element)
            and (local_name is None or child.local_name == local_name)
        ]

    def find(self, local_name):
        """The first child element of ``local_name``, or ``None``."""
        found = self.elements(local_name)
        return found[0] if found else None

    def text(self):
        """The element's text (of its text children only), trimmed."""
        return "".join(c for c in self.children if isinstance(c, str)).strip()


class _Forbidden(Exception):
    pass


def _forbid(*args):
    raise _Forbidden()


def parse_xml(body, system="bank"):
    """Parse ``body`` into a light tree, refusing DTDs (so any entities).

    :raises: :class:`ExternalSystemBadResponse` when ``body`` is too large,
        not well-formed or declares a document type.
    """
    if isinstance(body, str):
        body = body.encode("utf-8")
    if len(body) > MAX_ANSWER:
        raise ExternalSystemBadResponse(system, "the XML answer is too large")
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    parser.UnparsedEntityDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    stack = []
    root = None

    def start(name, attributes):
        nonlocal root
        parent = stack[-1] if stack else None
        element = _Element(name, attributes, parent)
        if parent is None:
            root = element
        else:
            parent.children.append(element)
        stack.append(element)

    def end(name):
        stack.pop()

    def text(data):
        if not stack:
            return
        children = stack[-1].children
        if children and isinstance(children[-1], str):
            children[-1] += data
        else:
            children.append(data)

    def instruction(target, data):
        if stack:
            stack[-1].children.append(("pi", target, data))

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.ProcessingInstructionHandler = instruction
    try:
        parser.Parse(body, True)
    except _Forbidden as e:
        raise ExternalSystemBadResponse(
            system, "the XML answer declares a document type"
        ) from e
    except expat.ExpatError as e:
        raise ExternalSystemBadResponse(system, f"the answer is not XML: {e}") from e
    return root


def _escape_text(text):
    return (
        text.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\r", "&#xD;")
    )


def _escape_attribute(value):
    return (
        value.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace('"', "&quot;")
        .replace("\t", "&#x9;")
        .replace("\n", "&#xA;")
        .replace("\r", "&#xD;")
    )


def canonical(element):
    """Inclusive Canonical XML 1.0 (without comments) of ``element``'s subtree.

    What Modirum signs: the element carries every namespace in scope (so the
    ``Message`` inside ``<VPOS xmlns=… xmlns:ns2=…>`` gets both
    declarations) and the ``xml:*`` attributes of its ancestors;
    attributes are sorted, empty elements written as a start and end tag,
    text and attributes escaped as the recommendation says
    (https://www.w3.org/TR/2001/REC-xml-c14n-20010315).
    """
    inherited = {}
    ancestor = element.parent
    while ancestor is not None:
        for key, value in ancestor.attributes.items():
            if key.startswith("xml:") and key not in inherited:
                inherited[key] = value
        ancestor = ancestor.parent
    out = []
    _canonical(element, {"": ""}, out, inherited)
    return "".join(out)


def _canonical(element, rendered, out, extra=None):
    declarations = []
    for prefix, uri in element.namespaces.items():
        if rendered.get(prefix, "") != uri or (prefix and prefix not in rendered):
            declarations.append((prefix, uri))
    declarations.sort(key=lambda item: item[0])
    attributes = {
        key: value
        for key, value in element.attributes.items()
        if key != "xmlns" and not key.startswith("xmlns:")
    }
    for key, value in (extra or {}).items():
        attributes.setdefault(key, value)

    def sort_key(key):
        prefix, _, local = key.rpartition(":")
        if not prefix:
            return ("", local)
        return (
            XML_NS if prefix == "xml" else element.namespaces.get(prefix, ""),
            local,
        )

    out.append(f"<{element.name}")
    for prefix, uri in declarations:
        name = f"xmlns:{prefix}" if prefix else "xmlns"
        out.append(f' {name}="{_escape_attribute(uri)}"')
    for key in sorted(attributes, key=sort_key):
        out.append(f' {key}="{_escape_attribute(attributes[key])}"')
    out.append(">")
    now_rendered = {**rendered, **dict(declarations)}
    for child in element.children:
        if isinstance(child, _Element):
            _canonical(child, now_rendered, out)
        elif isinstance(child, str):
            out.append(_escape_text(child))
        else:
            _, target, data = child
            out.append(f"<?{target} {data}?>" if data else f"<?{target}?>")
    out.append(f"</{element.name}>")


def _xml_text(text):
    return _escape_text(str(text))


def _message_id():
    # Cardlink's samples use M + milliseconds; the random tail keeps two
    # requests of one millisecond apart.
    return f"M{int(time.time() * 1000)}{secrets.randbelow(10**6):06d}"


def _timestamp():
    now = datetime.now(ATHENS)
    return now.isoformat(timespec="milliseconds")


def _parse_amount(text, field):
    try:
        amount = Decimal(text.strip())
    except (InvalidOperation, AttributeError) as e:
        raise ForgedMessage("amount", field, f"not an amount: {text!r}") from e
    if not amount.is_finite() or amount < 0 or amount != amount.quantize(CENT):
        raise ForgedMessage("amount", field, f"not an amount: {text!r}")
    return amount.quantize(CENT)


def _tx_date(details):
    text = details.get("TxDate", "")
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


@implementer(IPaymentGateway)
class ModirumGateway(ExternalSystemClient):
    """The Modirum VPOS of Cardlink, Nexi and Worldline.

    :param url: [required] The bank's host, e.g.
        ``https://ecommerce-test.cardlink.gr`` (the simulator:
        ``http://127.0.0.1:8090/bank``); the paths are added here.
    :param merchant_id: [required] The merchant id (``mid``).
    :param shared_secret: [required] The secret that signs every message.
    :param timeout: Seconds to wait for the XML API.
    """

    system = "bank"
    name = "modirum"

    def __init__(self, url, merchant_id, shared_secret, timeout=10.0, session=None):
        if not url:
            raise ValueError("bank: the gateway's address is not set")
        if not merchant_id or not shared_secret:
            raise ValueError("bank: the merchant id and shared secret are not set")
        if shared_secret == DEMO_SECRET and not demo_secret_allowed(url):
            raise ValueError(
                "bank: the shared secret is still the public test secret, which "
                f"is accepted only with the simulator or a bank's test host, not {url}"
            )
        super().__init__(url, timeout=timeout, session=session)
        self.merchant_id = merchant_id
        self.shared_secret = shared_secret

    @classmethod
    def from_registry(cls, registry=None):
        """Build the gateway from the ``municipality.bank.*`` settings."""
        if registry is None:
            from plone.registry.interfaces import IRegistry
            from zope.component import getUtility

            registry = getUtility(IRegistry)
        prefix = "municipality.bank"
        return cls(
            url=registry[f"{prefix}.url"],
            merchant_id=registry.get(f"{prefix}.merchant_id") or "",
            shared_secret=registry.get(f"{prefix}.shared_secret") or "",
            timeout=registry.get(f"{prefix}.timeout") or 10.0,
        )

    @property
    def action(self):
        """Where the browser posts the payment form."""
        return self.url + SHOP_HANDLER

    # The redirect

    def payment_form(
        self,
        order_id,
        amount,
        description,
        confirm_url,
        cancel_url,
        email="",
        lang="el",
    ):
        """The signed form that sends the citizen to the bank's card page.

        Fields, in this order (the digest depends on it): ``version`` 2,
        ``mid``, ``lang``, ``orderid``, ``orderDesc``, ``orderAmount``,
        ``currency`` EUR, ``payerEmail`` (only when given), ``trType`` 1
        (sale), ``confirmUrl``, ``cancelUrl``, then ``digest``. The billing
        and shipping fields of the specification are optional and left out:
        an absent field and an empty one sign the same.

        :param order_id: [required] Unique per attempt, 1–50 ASCII letters
            and digits.
        :param amount: [required] ``Decimal`` above zero, two places at most.
        :param description: [required] Shown on the bank's page; cleaned
            and cut to 128 characters (:func:`clean_description`).
        :param confirm_url: [required] Where the bank posts a payment.
        :param cancel_url: [required] Where it posts anything else.
        :param email: The payer's email, sent when it looks like one.
        :param lang: ``el`` or ``en``: the language of the bank's page.
        :returns: :class:`~municipality.integrations.bank.RedirectForm`.
        :raises: :class:`~municipality.integrations.bank.PaymentFormError`.
        """
        if not isinstance(order_id, str) or not _ORDER_ID_RE.match(order_id):
            raise PaymentFormError(
                "order_id", f"must be 1-{MAX_ORDER_ID} ASCII letters and digits"
            )
        order_amount = format_amount(amount)
        order_description = clean_description(description)
        if not order_description:
            raise PaymentFormError("description", "is empty")
        for field, url in (("confirm_url", confirm_url), ("cancel_url", cancel_url)):
            parts = urlsplit(url or "")
            if parts.scheme not in ("http", "https") or not parts.netloc:
                raise PaymentFormError(field, "must be an absolute http(s) URL")
        if lang not in LANGUAGES:
            raise PaymentFormError("lang", f"must be one of {', '.join(LANGUAGES)}")
        fields = [
            ("version", FORM_VERSION),
            ("mid", self.merchant_id),
            ("lang", lang),
            ("orderid", order_id),
            ("orderDesc", order_description),
            ("orderAmount", order_amount),
            ("currency", CURRENCY),
        ]
        email = (email or "").strip()
        if email and len(email) <= MAX_EMAIL and _EMAIL_RE.match(email):
            fields.append(("payerEmail", email))
        fields += [
            ("trType", SALE),
            ("confirmUrl", confirm_url),
            ("cancelUrl", cancel_url),
        ]
        return RedirectForm(action=self.action, fields=sign(fields, self.shared_secret))

    def verify(self, fields):
        """Check a message the bank posted (browser return or background).

        :param fields: [required] The posted (name, value) pairs in the order
            received (:func:`request_fields`); a mapping is read in its order.
        :returns: :class:`~municipality.integrations.bank.BankMessage`; its
            ``amount`` and ``currency`` are the bank's, for the caller to
            compare with the payment's.
        :raises: :class:`~municipality.integrations.bank.ForgedMessage`:
            ``missing`` (no ``digest``, ``orderid`` or ``status``),
            ``malformed`` (a field sent twice), ``digest`` (it does not match:
            tampered, reordered or signed with another secret), ``merchant``
            (``mid`` is not ours), ``amount`` (``orderAmount`` is no amount).
        """
        if hasattr(fields, "items"):
            fields = fields.items()
        pairs = tuple((str(name), str(value)) for name, value in fields)
        received = {}
        for name, value in pairs:
            if name in received:
                raise ForgedMessage("malformed", name, "sent twice")
            received[name] = value
        given = received.get("digest", "")
        if not given:
            raise ForgedMessage("missing", "digest")
        expected = digest(signed_values(pairs), self.shared_secret)
        if not hmac.compare_digest(expected.encode(), given.encode("utf-8")):
            raise ForgedMessage("digest", "digest", "does not match the fields")
        if received.get("mid", "") != self.merchant_id:
            raise ForgedMessage("merchant", "mid", "not our merchant id")
        for name in ("orderid", "status"):
            if not received.get(name, "").strip():
                raise ForgedMessage("missing", name)
        amount = received.get("orderAmount", "")
        status = received["status"].strip().upper()
        return BankMessage(
            order_id=received["orderid"].strip(),
            status=status,
            outcome=outcome_of(status),
            amount=_parse_amount(amount, "orderAmount") if amount.strip() else None,
            currency=received.get("currency", "").strip(),
            transaction_id=received.get("txId", "").strip(),
            payment_ref=received.get("paymentRef", "").strip(),
            message=received.get("message", ""),
            pay_method=received.get("payMethod", "").strip(),
            fields=pairs,
        )

    # The XML API

    def status_request(self, order_id, message_id=None, timestamp=None):
        """The signed ``StatusRequest`` document for ``order_id`` (bytes).

        Built directly in canonical form, so the ``Message`` signed is the
        ``Message`` sent (with the namespaces it inherits from ``VPOS``).
        """
        if not isinstance(order_id, str) or not _ORDER_ID_RE.match(order_id):
            raise PaymentFormError(
                "order_id", f"must be 1-{MAX_ORDER_ID} ASCII letters and digits"
            )
        message_id = message_id or _message_id()
        timestamp = timestamp or _timestamp()
        content = (
            "<StatusRequest>"
            f"<Authentication><Mid>{_xml_text(self.merchant_id)}</Mid></Authentication>"
            f"<TransactionInfo><OrderId>{_xml_text(order_id)}</OrderId></TransactionInfo>"
            "</StatusRequest>"
        )
        attributes = (
            f'messageId="{_escape_attribute(message_id)}" '
            f'timeStamp="{_escape_attribute(timestamp)}" '
            f'version="{XML_API_VERSION}"'
        )
        signed = (
            f'<Message xmlns="{VPOS_NS}" xmlns:ns2="{DSIG_NS}" {attributes}>'
            f"{content}</Message>"
        )
        document = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<VPOS xmlns="{VPOS_NS}" xmlns:ns2="{DSIG_NS}">'
            f"<Message {attributes}>{content}</Message>"
            f"<Digest>{digest([signed], self.shared_secret)}</Digest>"
            "</VPOS>"
        )
        return document.encode("utf-8")

    def status(self, order_id):
        """Ask the bank about ``order_id`` (XML API ``StatusRequest``).

        :returns: :class:`~municipality.integrations.bank.BankMessage` of the
            order's latest transaction (by ``TxDate``, else the last listed),
            or ``None`` when the bank lists no transaction for the order.
        :raises: ``ExternalSystemUnavailable`` (unreachable, timed out,
            5xx), ``ExternalSystemBadResponse`` (not the XML expected),
            ``ExternalSystemRejected`` (4xx, or the bank's error answer, e.g.
            to a request signed with the wrong secret),
            :class:`~municipality.integrations.bank.ForgedMessage` (the
            answer's digest does not match, or it is about another order).
        """
        body = self._post(XML_API, self.status_request(order_id))
        return self.read_status_response(body, order_id)

    def read_status_response(self, body, order_id):
        """Check and read a ``StatusResponse`` (see :meth:`status`)."""
        root = parse_xml(body, self.system)
        if root is None or root.local_name != "VPOS":
            raise ExternalSystemBadResponse(self.system, "the answer is not VPOS XML")
        message = root.find("Message")
        if message is None:
            raise ExternalSystemBadResponse(self.system, "the answer has no Message")
        error = message.find("ErrorMessage")
        if error is not None or message.find("ErrorCode") is not None:
            # Unsigned (version 1.0) and settles nothing: safe to report.
            code = message.find("ErrorCode")
            description = message.find("Description")
            raise ExternalSystemRejected(
                self.system,
                " ".join(
                    part
                    for part in (
                        code.text() if code is not None else "",
                        error.text() if error is not None else "",
                        description.text() if description is not None else "",
                    )
                    if part
                ),
            )
        signature = root.find("Digest")
        if signature is None or not signature.text():
            raise ForgedMessage("missing", "Digest")
        expected = digest([canonical(message)], self.shared_secret)
        if not hmac.compare_digest(expected.encode(), signature.text().encode()):
            raise ForgedMessage("digest", "Digest", "does not match the Message")
        response = message.find("StatusResponse")
        if response is None:
            raise ExternalSystemBadResponse(
                self.system, "the answer has no StatusResponse"
            )
        transactions = []
        for position, element in enumerate(response.elements("TransactionDetails")):
            details = {
                child.local_name: child.text()
                for child in element.elements()
                if child.local_name != "Attribute"
            }
            transactions.append((position, details))
        if not transactions:
            return None
        # The latest by TxDate; without dates, the last one listed.
        _, latest = max(
            transactions,
            key=lambda item: (_tx_date(item[1]) or float("-inf"), item[0]),
        )
        if latest.get("OrderId", "") != order_id:
            raise ForgedMessage("order", "OrderId", "about another order")
        status = latest.get("Status", "").upper()
        amount = latest.get("OrderAmount", "")
        return BankMessage(
            order_id=order_id,
            status=status,
            outcome=outcome_of(status),
            amount=_parse_amount(amount, "OrderAmount") if amount else None,
            currency=latest.get("Currency", ""),
            transaction_id=latest.get("TxId", ""),
            payment_ref=latest.get("PaymentRef", ""),
            message=latest.get("Description", ""),
            pay_method=latest.get("PaymentMethod", ""),
            fields=tuple(latest.items()),
        )

    def _post(self, path, body):
        url = self.url + path
        try:
            response = self.session.post(
                url,
                data=body,
                headers={
                    "Content-Type": "application/xml; charset=UTF-8",
                    "Accept": "application/xml",
                },
                timeout=self.timeout,
            )
        except requests.Timeout as e:
            raise ExternalSystemUnavailable(
                self.system, f"no answer within {self.timeout} s"
            ) from e
        except requests.RequestException as e:
            raise ExternalSystemUnavailable(self.system, f"unreachable: {e}") from e
        if response.status_code >= 500:
            raise ExternalSystemUnavailable(
                self.system, f"HTTP {response.status_code}", response.status_code
            )
        if response.status_code >= 400:
            raise ExternalSystemRejected(
                self.system, f"HTTP {response.status_code}", response.status_code
            )
        return response.content

    def health(self):
        """Whether the XML API answers at all (an unknown order is fine)."""
        self.status("HEALTH0CHECK")
        return {"status": "ok"}
