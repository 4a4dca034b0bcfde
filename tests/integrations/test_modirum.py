"""The Modirum VPOS gateway: the form it builds, the messages it accepts.

The bank itself (card page, confirmations, StatusRequest over HTTP) is in
``tests/simulators/test_bank.py``; the digest vectors computed with OpenSSL
in ``test_bank_digest.py``.
"""

from decimal import Decimal
from municipality.integrations.bank import CANCELLED
from municipality.integrations.bank import digest
from municipality.integrations.bank import FAILED
from municipality.integrations.bank import ForgedMessage
from municipality.integrations.bank import IPaymentGateway
from municipality.integrations.bank import PAID
from municipality.integrations.bank import PaymentFormError
from municipality.integrations.bank import PENDING
from municipality.integrations.errors import ExternalSystemBadResponse
from municipality.integrations.errors import ExternalSystemRejected
from municipality.integrations.modirum import canonical
from municipality.integrations.modirum import clean_description
from municipality.integrations.modirum import DSIG_NS
from municipality.integrations.modirum import ModirumGateway
from municipality.integrations.modirum import outcome_of
from municipality.integrations.modirum import parse_form
from municipality.integrations.modirum import parse_xml
from municipality.integrations.modirum import request_fields
from municipality.integrations.modirum import sign
from municipality.integrations.modirum import VPOS_NS
from urllib.parse import urlencode
from zope.interface.verify import verifyObject
from ZPublisher.HTTPRequest import HTTPRequest
from ZPublisher.HTTPResponse import HTTPResponse

import io
import pytest


SECRET = "Cardlink1"
MID = "0020000000"
CONFIRM = "https://dimos.example.gr/@@vpos/confirm"
CANCEL = "https://dimos.example.gr/@@vpos/cancel"


@pytest.fixture
def gateway():
    return ModirumGateway("https://ecommerce-test.cardlink.gr/", MID, SECRET, timeout=3)


def form(gateway, **overrides):
    arguments = {
        "order_id": "PAY2026000001",
        "amount": Decimal("12.50"),
        "description": "Τέλος καθαριότητας",
        "confirm_url": CONFIRM,
        "cancel_url": CANCEL,
    }
    arguments.update(overrides)
    return gateway.payment_form(**arguments)


def answer(status="CAPTURED", secret=SECRET, mid=MID, **overrides):
    """A bank message as the bank signs it (Cardlink's field order)."""
    fields = {
        "version": "2",
        "mid": mid,
        "orderid": "PAY2026000001",
        "status": status,
        "orderAmount": "12.50",
        "currency": "EUR",
        "paymentTotal": "12.50",
        "message": "OK, 00 - Approved",
        "riskScore": "0",
        "payMethod": "visa",
        "txId": "900000001",
        "paymentRef": "138104",
    }
    fields.update(overrides)
    return list(sign([(k, v) for k, v in fields.items() if v is not None], secret))


# The gateway


def test_gateway_provides_the_interface(gateway):
    assert verifyObject(IPaymentGateway, gateway)
    assert gateway.name == "modirum"
    assert gateway.system == "bank"


def test_gateway_needs_merchant_and_secret():
    with pytest.raises(ValueError, match="merchant id"):
        ModirumGateway("https://ecommerce-test.cardlink.gr", "", SECRET)
    with pytest.raises(ValueError, match="shared secret"):
        ModirumGateway("https://ecommerce-test.cardlink.gr", MID, "")


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8090/bank",
        "http://localhost:8090/bank",
        "https://ecommerce-test.cardlink.gr",
        "https://alphaecommerce-test.cardlink.gr",
        "https://eurocommerce-test.cardlink.gr",
    ],
)
def test_the_public_test_secret_with_the_simulator_or_a_test_host(url):
    assert ModirumGateway(url, MID, "Cardlink1").shared_secret == "Cardlink1"


@pytest.mark.parametrize(
    "url",
    [
        "https://ecommerce.cardlink.gr",
        "https://www.alphaecommerce.gr",
        "https://vpos.eurocommerce.gr",
        "https://ecommerce-test.cardlink.gr.example.com",
    ],
)
def test_the_public_test_secret_is_refused_for_a_live_gateway(url):
    # Anyone could sign a CAPTURED with it: no gateway is built.
    with pytest.raises(ValueError, match="public test secret"):
        ModirumGateway(url, MID, "Cardlink1")


def test_from_registry_reads_the_bank_settings(integration):
    from plone import api

    api.portal.set_registry_record("municipality.bank.url", "https://vpos.example/x/")
    api.portal.set_registry_record("municipality.bank.merchant_id", "0099")
    api.portal.set_registry_record("municipality.bank.shared_secret", "s3cret")
    api.portal.set_registry_record("municipality.bank.timeout", 4.0)
    gateway = ModirumGateway.from_registry()
    assert gateway.action == "https://vpos.example/x/vpos/shophandlermpi"
    assert (gateway.merchant_id, gateway.shared_secret) == ("0099", "s3cret")
    assert gateway.timeout == 4.0


# The payment form


def test_form_fields_in_the_documented_order(gateway):
    result = form(gateway, email="maria@example.gr", lang="en")
    assert result.action == "https://ecommerce-test.cardlink.gr/vpos/shophandlermpi"
    assert [name for name, _ in result.fields] == [
        "version",
        "mid",
        "lang",
        "orderid",
        "orderDesc",
        "orderAmount",
        "currency",
        "payerEmail",
        "trType",
        "confirmUrl",
        "cancelUrl",
        "digest",
    ]
    values = dict(result.fields)
    assert values["version"] == "2"
    assert values["lang"] == "en"
    assert values["orderAmount"] == "12.50"
    assert values["currency"] == "EUR"
    assert values["trType"] == "1"
    assert values["digest"] == digest([v for _, v in result.fields[:-1]], SECRET)


def test_form_leaves_out_an_email_that_is_not_one(gateway):
    names = [name for name, _ in form(gateway, email="not an email").fields]
    assert "payerEmail" not in names
    names = [name for name, _ in form(gateway, email=("x" * 60) + "@ex.gr").fields]
    assert "payerEmail" not in names


@pytest.mark.parametrize(
    ("amount", "text"),
    [(Decimal("12.5"), "12.50"), (7, "7.00"), (Decimal("1234567.89"), "1234567.89")],
)
def test_amount_is_written_with_two_places(gateway, amount, text):
    assert dict(form(gateway, amount=amount).fields)["orderAmount"] == text


@pytest.mark.parametrize(
    "amount",
    [
        Decimal("0"),
        Decimal("-1.00"),
        Decimal("12.505"),
        Decimal("NaN"),
        Decimal("100000000.00"),
        12.5,
        "12.50",
        True,
    ],
)
def test_bad_amounts_are_refused(gateway, amount):
    with pytest.raises(PaymentFormError) as info:
        form(gateway, amount=amount)
    assert info.value.field == "amount"


@pytest.mark.parametrize(
    "order_id", ["", "PAY-2026-1", "ΠΛΗ1", "A" * 51, "with space", None]
)
def test_bad_order_ids_are_refused(gateway, order_id):
    with pytest.raises(PaymentFormError) as info:
        form(gateway, order_id=order_id)
    assert info.value.field == "order_id"


def test_order_id_of_fifty_characters_is_fine(gateway):
    assert dict(form(gateway, order_id="A" * 50).fields)["orderid"] == "A" * 50


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("confirm_url", "/@@vpos/confirm"),
        ("cancel_url", "javascript:alert(1)"),
        ("lang", "de"),
        ("description", " \n\t<> "),
    ],
)
def test_other_bad_arguments_are_refused(gateway, field, value):
    with pytest.raises(PaymentFormError) as info:
        form(gateway, **{field: value})
    assert info.value.field == field


def test_description_is_cleaned_and_cut():
    assert clean_description("  Τέλη\n\tκαθαριότητας  <b>2026</b> ") == (
        "Τέλη καθαριότητας b 2026 /b"
    )
    assert clean_description('Κλήση "ΚΟΚ" \\ 12/2026 & πρόστιμο') == (
        "Κλήση ΚΟΚ 12/2026 & πρόστιμο"
    )
    long = clean_description("Δημοτικό τέλος " * 20)
    assert len(long) == 128
    assert long == long.strip()
    # Decomposed Greek (combining accent) becomes the composed letters.
    assert clean_description("Δη\u0301μος") == "Δήμος"


# Verifying the bank's messages


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        ("CAPTURED", PAID),
        ("AUTHORIZED", PAID),
        ("REFUSED", FAILED),
        ("ERROR", FAILED),
        ("CANCELED", CANCELLED),
        ("PROCESSING", PENDING),
        ("", PENDING),
    ],
)
def test_status_outcomes(status, outcome):
    assert outcome_of(status) == outcome


def test_verify_reads_a_good_message(gateway):
    message = gateway.verify(answer())
    assert message.order_id == "PAY2026000001"
    assert message.status == "CAPTURED"
    assert message.outcome == PAID
    assert message.amount == Decimal("12.50")
    assert message.currency == "EUR"
    assert (message.transaction_id, message.payment_ref) == ("900000001", "138104")
    assert message.pay_method == "visa"
    assert message.fields == tuple(answer())


def test_verify_reads_a_cancellation_without_amount(gateway):
    message = gateway.verify(
        answer(
            "CANCELED",
            orderAmount=None,
            paymentTotal=None,
            txId=None,
            paymentRef=None,
            payMethod=None,
        )
    )
    assert message.outcome == CANCELLED
    assert message.amount is None


def test_verify_skips_unsigned_fields(gateway):
    fields = [("_charset_", "UTF-8"), *answer()]
    fields.insert(5, ("xlsbonusadjamt", "1.00"))
    fields.append(("submitButton", "Συνέχεια"))
    assert gateway.verify(fields).outcome == PAID


def test_verify_takes_a_mapping_in_its_order(gateway):
    assert gateway.verify(dict(answer())).outcome == PAID


def forged(gateway, fields):
    with pytest.raises(ForgedMessage) as info:
        gateway.verify(fields)
    return info.value


def test_amount_changed_after_signing_is_forged(gateway):
    fields = [(n, "0.01" if n == "orderAmount" else v) for n, v in answer("CAPTURED")]
    error = forged(gateway, fields)
    assert (error.reason, error.field) == ("digest", "digest")


def test_status_changed_after_signing_is_forged(gateway):
    fields = [(n, "CAPTURED" if n == "status" else v) for n, v in answer("REFUSED")]
    assert forged(gateway, fields).reason == "digest"


def test_signed_with_another_secret_is_forged(gateway):
    assert forged(gateway, answer(secret="Cardlink2")).reason == "digest"


def test_fields_reordered_are_forged(gateway):
    fields = answer()
    fields[2], fields[3] = fields[3], fields[2]
    assert forged(gateway, fields).reason == "digest"


def test_a_field_added_is_forged(gateway):
    fields = answer()
    fields.insert(3, ("extra", "1"))
    assert forged(gateway, fields).reason == "digest"


def test_missing_digest_is_forged(gateway):
    error = forged(gateway, answer()[:-1])
    assert (error.reason, error.field) == ("missing", "digest")
    fields = [*answer()[:-1], ("digest", "")]
    assert forged(gateway, fields).reason == "missing"


def test_another_merchant_is_forged(gateway):
    error = forged(gateway, answer(mid="0020000001"))
    assert (error.reason, error.field) == ("merchant", "mid")


@pytest.mark.parametrize("name", ["orderid", "status"])
def test_missing_order_or_status_is_forged(gateway, name):
    error = forged(gateway, answer(**{name: None}))
    assert (error.reason, error.field) == ("missing", name)


@pytest.mark.parametrize("amount", ["12,50", "abc", "-1.00", "12.505", "NaN"])
def test_unreadable_amount_is_forged(gateway, amount):
    error = forged(gateway, answer(orderAmount=amount))
    assert (error.reason, error.field) == ("amount", "orderAmount")


def test_a_field_sent_twice_is_forged(gateway):
    fields = answer()
    fields.insert(4, ("status", "CAPTURED"))
    error = forged(gateway, fields)
    assert (error.reason, error.field) == ("malformed", "status")


# Reading the fields in the order posted


def test_parse_form_keeps_order_and_empty_values():
    body = urlencode(
        [("b", "2"), ("a", ""), ("message", "Απόρριψη & λάθος+1"), ("z", "x y")]
    ).encode("ascii")
    assert parse_form(body) == [
        ("b", "2"),
        ("a", ""),
        ("message", "Απόρριψη & λάθος+1"),
        ("z", "x y"),
    ]


def test_parse_form_decodes_in_the_charset_given():
    body = urlencode([("message", "Δήμος")], encoding="iso-8859-7").encode()
    assert parse_form(body, "iso-8859-7") == [("message", "Δήμος")]
    # Browsers say it in _charset_ when the Content-Type does not.
    body = urlencode(
        [("_charset_", "iso-8859-7"), ("m", "Δήμος")], encoding="iso-8859-7"
    )
    assert parse_form(body.encode())[1] == ("m", "Δήμος")


def test_parse_form_refuses_what_is_not_text_or_too_long():
    with pytest.raises(ForgedMessage) as info:
        parse_form(b"message=%CE%28", "utf-8")
    assert (info.value.reason, info.value.field) == ("malformed", "message")
    with pytest.raises(ForgedMessage):
        parse_form(b"a=1", "no-such-charset")
    with pytest.raises(ForgedMessage):
        parse_form("&".join(f"f{i}=1" for i in range(101)).encode())


def zope_request(body, query="", content_type="application/x-www-form-urlencoded"):
    environ = {
        "REQUEST_METHOD": "POST",
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": str(len(body)),
        "QUERY_STRING": query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
    }
    request = HTTPRequest(io.BytesIO(body), environ, HTTPResponse())
    request.processInputs()
    return request


def test_request_fields_reads_zopes_body_in_order(gateway):
    fields = [("_charset_", "UTF-8"), *answer(message="Εγκρίθηκε")]
    body = urlencode(fields).encode("ascii")
    # A query string on the confirm URL: Zope merges it into request.form
    # first, which would break the digest; the body alone is signed.
    request = zope_request(body, query="lang=el")
    assert list(request.form)[0] == "lang"
    assert request_fields(request) == fields
    assert gateway.verify(request_fields(request)).message == "Εγκρίθηκε"


def test_request_fields_uses_the_content_type_charset():
    body = urlencode([("message", "Δήμος")], encoding="iso-8859-7").encode()
    request = zope_request(
        body, content_type="application/x-www-form-urlencoded; charset=iso-8859-7"
    )
    assert request_fields(request) == [("message", "Δήμος")]


# The XML API's answers (the HTTP exchange is tested against the simulator)


def vpos(message_xml, secret=SECRET, digest_text=None):
    """A signed VPOS document around ``message_xml`` (a Message element)."""
    document = (
        f'<VPOS xmlns="{VPOS_NS}" xmlns:ns2="{DSIG_NS}">{message_xml}'
        "<Digest>DIGEST</Digest></VPOS>"
    )
    message = parse_xml(document.encode()).find("Message")
    signature = digest_text or digest([canonical(message)], secret)
    return document.replace("DIGEST", signature).encode("utf-8")


def details(order_id="PAY2026000001", status="CAPTURED", date="", amount="12.50"):
    when = f"<TxDate>{date}</TxDate>" if date else ""
    return (
        f"<TransactionDetails><OrderId>{order_id}</OrderId>"
        f"<OrderAmount>{amount}</OrderAmount><Currency>EUR</Currency>"
        f"<Status>{status}</Status><TxId>9</TxId>{when}"
        '<Attribute name="SETTLEMENT STATUS">0</Attribute></TransactionDetails>'
    )


def status_message(*transactions):
    return (
        '<Message messageId="M1" timeStamp="2026-03-02T10:00:00+02:00" '
        f'version="2.1"><StatusResponse>{"".join(transactions)}'
        "</StatusResponse></Message>"
    )


def test_status_response_latest_transaction_wins(gateway):
    body = vpos(
        status_message(
            details(status="CAPTURED", date="2026-03-02T10:05:00+02:00"),
            details(status="REFUSED", date="2026-03-02T09:59:00+02:00"),
        )
    )
    assert gateway.read_status_response(body, "PAY2026000001").status == "CAPTURED"
    # Without dates, the last one listed.
    body = vpos(status_message(details(status="REFUSED"), details(status="ERROR")))
    answer = gateway.read_status_response(body, "PAY2026000001")
    assert (answer.status, answer.outcome) == ("ERROR", FAILED)


def test_status_response_without_transactions_is_no_order(gateway):
    body = vpos(status_message())
    assert gateway.read_status_response(body, "PAY2026000001") is None


def test_status_response_forged(gateway):
    body = vpos(status_message(details()), secret="other")
    with pytest.raises(ForgedMessage) as info:
        gateway.read_status_response(body, "PAY2026000001")
    assert (info.value.reason, info.value.field) == ("digest", "Digest")
    tampered = vpos(status_message(details())).replace(b"12.50", b"0.01")
    with pytest.raises(ForgedMessage):
        gateway.read_status_response(tampered, "PAY2026000001")
    unsigned = vpos(status_message(details())).split(b"<Digest>")[0] + b"</VPOS>"
    with pytest.raises(ForgedMessage) as info:
        gateway.read_status_response(unsigned, "PAY2026000001")
    assert info.value.reason == "missing"


def test_status_response_about_another_order_is_forged(gateway):
    body = vpos(status_message(details(order_id="OTHER1")))
    with pytest.raises(ForgedMessage) as info:
        gateway.read_status_response(body, "PAY2026000001")
    assert info.value.field == "OrderId"


def test_status_error_answer_is_rejected(gateway):
    body = (
        f'<VPOS xmlns="{VPOS_NS}"><Message version="1.0" messageId="E1" '
        'timeStamp="2026-03-02T10:00:00+02:00"><ErrorCode>SE</ErrorCode>'
        "<ErrorMessage>Security error</ErrorMessage>"
        "<Description>Invalid digest</Description></Message></VPOS>"
    ).encode()
    with pytest.raises(
        ExternalSystemRejected, match="SE Security error Invalid digest"
    ):
        gateway.read_status_response(body, "PAY2026000001")


@pytest.mark.parametrize(
    "body",
    [
        b"not xml",
        b"<html><body>Maintenance</body></html>",
        b'<?xml version="1.0"?><!DOCTYPE VPOS [<!ENTITY a "aaaa">]><VPOS>&a;</VPOS>',
        b"<VPOS><Digest>x</Digest></VPOS>",
        b"<" + b"a" * 1_000_001 + b"/>",
    ],
)
def test_status_answers_that_are_not_vpos_xml(gateway, body):
    with pytest.raises(ExternalSystemBadResponse):
        gateway.read_status_response(body, "PAY2026000001")


def test_status_response_without_status_response_element(gateway):
    body = vpos('<Message messageId="M1" timeStamp="t" version="2.1"/>')
    with pytest.raises(ExternalSystemBadResponse, match="StatusResponse"):
        gateway.read_status_response(body, "PAY2026000001")


def test_canonical_form_of_nested_namespaces_and_inherited_xml_attributes():
    document = (
        f'<VPOS xmlns="{VPOS_NS}" xmlns:ns2="{DSIG_NS}" xml:lang="el">'
        '<Message b="2" a="1&#10;&#9;&quot;"><X xmlns:p="urn:p" p:z="1" y="2">'
        '<Y xmlns="">a&gt;b&#13;</Y><!-- gone --><?pi kept?><Z/></X></Message></VPOS>'
    )
    message = parse_xml(document.encode()).find("Message")
    assert canonical(message) == (
        f'<Message xmlns="{VPOS_NS}" xmlns:ns2="{DSIG_NS}" a="1&#xA;&#x9;&quot;" '
        'b="2" xml:lang="el"><X xmlns:p="urn:p" y="2" p:z="1">'
        '<Y xmlns="">a&gt;b&#xD;</Y><?pi kept?><Z></Z></X></Message>'
    )
