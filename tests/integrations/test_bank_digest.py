"""Digest vectors of the Modirum VPOS computed outside our code (docs/bank.md).

Every expected digest below was computed on the command line with
OpenSSL, never with the code under test; the command is next to each
vector (run in a UTF-8 shell: ``LC_ALL=C.UTF-8``). The first two are the
sample of Cardlink's test shop (merchant 0101119349, secret ``Cardlink1``)
as published in the ``yiannis54/cardlink-go`` tests
(``redirect/signer_test.go``).
"""

from decimal import Decimal
from municipality.integrations.bank import digest
from municipality.integrations.bank import PAID
from municipality.integrations.modirum import canonical
from municipality.integrations.modirum import ModirumGateway
from municipality.integrations.modirum import parse_xml
from municipality.integrations.modirum import signed_values


SECRET = "Cardlink1"
MID = "0020000000"

# Cardlink's sample request (its test shop sends deviceCategory and the
# billing fields, which our form leaves out).
# printf '%s' '20101119349en0O170911143656Test order some items0.12EUR
#   cardlink@cardlink.gr30-6900000000GR12345AthensStreet 45
#   https://ecommerce-test.cardlink.gr/vpostestsv4/shops/shopdemo.jsp?cmd=confirm
#   https://ecommerce-test.cardlink.gr/vpostestsv4/shops/shopdemo.jsp?cmd=cancel
#   Cardlink1' | openssl dgst -sha256 -binary | base64    (one line, no breaks)
CARDLINK_REQUEST = (
    ("version", "2"),
    ("mid", "0101119349"),
    ("lang", "en"),
    ("deviceCategory", "0"),
    ("orderid", "O170911143656"),
    ("orderDesc", "Test order some items"),
    ("orderAmount", "0.12"),
    ("currency", "EUR"),
    ("payerEmail", "cardlink@cardlink.gr"),
    ("payerPhone", "30-6900000000"),
    ("billCountry", "GR"),
    ("billZip", "12345"),
    ("billCity", "Athens"),
    ("billAddress", "Street 45"),
    (
        "confirmUrl",
        "https://ecommerce-test.cardlink.gr/vpostestsv4/shops/shopdemo.jsp?cmd=confirm",
    ),
    (
        "cancelUrl",
        "https://ecommerce-test.cardlink.gr/vpostestsv4/shops/shopdemo.jsp?cmd=cancel",
    ),
)
CARDLINK_REQUEST_DIGEST = "ybXX2tQkFlxzHM5SjH0oGrD9zms21SUQnwkYaFrnGdc="

# Cardlink's sample answer to it.
# printf '%s' '20101119349O170911143656CAPTURED0.12EUR0.12OK, 00 - Approved0visa
#   926012471138104Cardlink1' | openssl dgst -sha256 -binary | base64
CARDLINK_RESPONSE = (
    ("version", "2"),
    ("mid", "0101119349"),
    ("orderid", "O170911143656"),
    ("status", "CAPTURED"),
    ("orderAmount", "0.12"),
    ("currency", "EUR"),
    ("paymentTotal", "0.12"),
    ("message", "OK, 00 - Approved"),
    ("riskScore", "0"),
    ("payMethod", "visa"),
    ("txId", "926012471"),
    ("paymentRef", "138104"),
    ("digest", "FpwgGyCRwhmF6CWtRFLqfkuQpdPyX8Xh3tJg3E891SA="),
)

# Our form, Greek (two-byte UTF-8) and an em dash (three bytes) in orderDesc.
# printf '%s' '20020000000elPAY2026000123Τέλη καθαριότητας 2026 — ΑΦΜ 123456783
#   12.50EURmaria@example.gr1https://dimos.example.gr/@@vpos/confirm
#   https://dimos.example.gr/@@vpos/cancelCardlink1'
#   | openssl dgst -sha256 -binary | base64    (one line, no breaks)
OUR_FORM = (
    ("version", "2"),
    ("mid", MID),
    ("lang", "el"),
    ("orderid", "PAY2026000123"),
    ("orderDesc", "Τέλη καθαριότητας 2026 — ΑΦΜ 123456783"),
    ("orderAmount", "12.50"),
    ("currency", "EUR"),
    ("payerEmail", "maria@example.gr"),
    ("trType", "1"),
    ("confirmUrl", "https://dimos.example.gr/@@vpos/confirm"),
    ("cancelUrl", "https://dimos.example.gr/@@vpos/cancel"),
    ("digest", "Vu5fJSw1jjgjkZ6wzWOT9Fa+WXdo6yVVW4hR+CxVy+k="),
)

# A refusal with a Greek message, as posted by a browser: _charset_ first,
# the loyalty field and the button last (none of them signed).
# printf '%s' '20020000000PAY2026000123REFUSED12.50EUR12.50Απόρριψη — ανεπαρκές
#   υπόλοιπο0visa900000123Cardlink1' | openssl dgst -sha256 -binary | base64
GREEK_RESPONSE = (
    ("_charset_", "UTF-8"),
    ("version", "2"),
    ("mid", MID),
    ("orderid", "PAY2026000123"),
    ("status", "REFUSED"),
    ("orderAmount", "12.50"),
    ("currency", "EUR"),
    ("paymentTotal", "12.50"),
    ("message", "Απόρριψη — ανεπαρκές υπόλοιπο"),
    ("riskScore", "0"),
    ("payMethod", "visa"),
    ("txId", "900000123"),
    ("xlsbonusadjamt", "0.00"),
    ("digest", "Li8bYMtKnABoBJibdKuRVEnnftKyNp6/eu3dvhEnE3U="),
    ("submitButton", "Συνέχεια"),
)

# The StatusRequest's Message in canonical form (the namespaces it inherits
# from VPOS written on it).
# printf '%s' '<Message xmlns="http://www.modirum.com/schemas/vposxmlapi41"
#   xmlns:ns2="http://www.w3.org/2000/09/xmldsig#" messageId="M1700000000000000001"
#   timeStamp="2026-03-02T10:15:30.123+02:00" version="2.1"><StatusRequest>
#   <Authentication><Mid>0020000000</Mid></Authentication><TransactionInfo>
#   <OrderId>PAY2026000123</OrderId></TransactionInfo></StatusRequest>
#   </Message>Cardlink1' | openssl dgst -sha256 -binary | base64
#   (one line; a single space only between the attributes)
STATUS_REQUEST_DIGEST = "JyPsrN3E/FjsdmPGmTKGRMFX4tNuQbzO+ZjnYD+PY+g="

# A StatusResponse as the bank indents it, attributes in another order and
# a character reference: canonical XML sorts the attributes, keeps the
# whitespace and writes & as &amp;.
STATUS_RESPONSE = """<?xml version="1.0" encoding="UTF-8"?>
<VPOS xmlns="http://www.modirum.com/schemas/vposxmlapi41" \
xmlns:ns2="http://www.w3.org/2000/09/xmldsig#">
  <Message version="2.1" timeStamp="2026-03-02T10:15:31.456+02:00" \
messageId="M1700000000000000001">
    <StatusResponse>
      <TransactionDetails>
        <OrderId>PAY2026000123</OrderId>
        <OrderAmount>12.50</OrderAmount>
        <Currency>EUR</Currency>
        <Status>CAPTURED</Status>
        <TxId>900000124</TxId>
        <TxDate>2026-03-02T10:14:02+02:00</TxDate>
        <PaymentRef>138104</PaymentRef>
        <PaymentMethod>visa</PaymentMethod>
        <Description>Εγκρίθηκε &#38; καταχωρίστηκε</Description>
      </TransactionDetails>
    </StatusResponse>
  </Message>
  <Digest>47Phfki9ye8p64JYA692x6GqM3VxHv6ATTb9ci2SZ0o=</Digest>
</VPOS>
"""
# The canonical Message, written out by hand from the recommendation:
# cat > m.txt <<'EOF' … (STATUS_RESPONSE_CANONICAL) … EOF
# printf '%s' "$(cat m.txt)Cardlink1" | openssl dgst -sha256 -binary | base64
STATUS_RESPONSE_CANONICAL = """<Message \
xmlns="http://www.modirum.com/schemas/vposxmlapi41" \
xmlns:ns2="http://www.w3.org/2000/09/xmldsig#" messageId="M1700000000000000001" \
timeStamp="2026-03-02T10:15:31.456+02:00" version="2.1">
    <StatusResponse>
      <TransactionDetails>
        <OrderId>PAY2026000123</OrderId>
        <OrderAmount>12.50</OrderAmount>
        <Currency>EUR</Currency>
        <Status>CAPTURED</Status>
        <TxId>900000124</TxId>
        <TxDate>2026-03-02T10:14:02+02:00</TxDate>
        <PaymentRef>138104</PaymentRef>
        <PaymentMethod>visa</PaymentMethod>
        <Description>Εγκρίθηκε &amp; καταχωρίστηκε</Description>
      </TransactionDetails>
    </StatusResponse>
  </Message>"""
STATUS_RESPONSE_DIGEST = "47Phfki9ye8p64JYA692x6GqM3VxHv6ATTb9ci2SZ0o="


def gateway(mid=MID):
    return ModirumGateway("https://ecommerce-test.cardlink.gr", mid, SECRET)


def test_cardlink_sample_request_digest():
    assert digest([v for _, v in CARDLINK_REQUEST], SECRET) == CARDLINK_REQUEST_DIGEST


def test_cardlink_sample_response_verifies():
    message = gateway("0101119349").verify(list(CARDLINK_RESPONSE))
    assert message.outcome == PAID
    assert message.amount == Decimal("0.12")
    assert message.transaction_id == "926012471"
    assert message.payment_ref == "138104"


def test_cardlink_sample_response_digest():
    values = signed_values(CARDLINK_RESPONSE)
    assert digest(values, SECRET) == dict(CARDLINK_RESPONSE)["digest"]


def test_our_form_digest_and_fields():
    values = [value for _, value in OUR_FORM[:-1]]
    assert digest(values, SECRET) == OUR_FORM[-1][1]
    form = gateway().payment_form(
        "PAY2026000123",
        Decimal("12.5"),
        "Τέλη καθαριότητας 2026 — ΑΦΜ 123456783",
        "https://dimos.example.gr/@@vpos/confirm",
        "https://dimos.example.gr/@@vpos/cancel",
        email="maria@example.gr",
    )
    assert form.action == "https://ecommerce-test.cardlink.gr/vpos/shophandlermpi"
    assert form.fields == OUR_FORM


def test_greek_response_digest_and_verify():
    assert (
        digest(signed_values(GREEK_RESPONSE), SECRET) == dict(GREEK_RESPONSE)["digest"]
    )
    message = gateway().verify(list(GREEK_RESPONSE))
    assert message.status == "REFUSED"
    assert message.message == "Απόρριψη — ανεπαρκές υπόλοιπο"


def test_status_request_digest():
    document = gateway().status_request(
        "PAY2026000123",
        message_id="M1700000000000000001",
        timestamp="2026-03-02T10:15:30.123+02:00",
    )
    assert f"<Digest>{STATUS_REQUEST_DIGEST}</Digest>".encode() in document
    # What the bank canonicalizes from the document is what was signed.
    message = parse_xml(document).find("Message")
    assert digest([canonical(message)], SECRET) == STATUS_REQUEST_DIGEST


def test_status_response_canonical_form_and_digest():
    message = parse_xml(STATUS_RESPONSE.encode("utf-8")).find("Message")
    assert canonical(message) == STATUS_RESPONSE_CANONICAL
    assert digest([STATUS_RESPONSE_CANONICAL], SECRET) == STATUS_RESPONSE_DIGEST
    answer = gateway().read_status_response(
        STATUS_RESPONSE.encode("utf-8"), "PAY2026000123"
    )
    assert answer.outcome == PAID
    assert answer.amount == Decimal("12.50")
    assert answer.transaction_id == "900000124"
    assert answer.message == "Εγκρίθηκε & καταχωρίστηκε"
