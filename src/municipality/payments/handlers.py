"""The outbox handlers of payments: status query, finance posting, receipt, mail.

Each is a named :class:`~municipality.core.outbox.IOutboxHandler` (see
``payments.zcml``). ``deliver`` makes the external call outside any writing
transaction; ``delivered`` applies its result in the worker's recording
transaction (under the process's write lock). Keys, so each happens once:

=====================  ===================================  =====================
kind                   key                                  enqueued by
=====================  ===================================  =====================
``payments.status``    ``payments.status:<number>:<n>``     creating the payment
                                                            (n = 1), then each
                                                            check still pending,
                                                            and one last check
                                                            after an expiry
``payments.post``      ``payments.post:<number>``           becoming paid
``payments.receipt``   ``payments.receipt:<number>``        becoming paid
``payments.mail``      ``payments.mail:<number>``           the receipt stored
=====================  ===================================  =====================

A status check that finds no final answer schedules the next one (a new
key) rather than failing, so waiting for a citizen still at the bank's page
never alerts the operators; a bank that cannot be asked does fail, and the
outbox retries it with back-off.

Expiry (``expire_after``) waits for the bank: while its latest answer is
PENDING (the card is still being processed) the payment is asked about
again instead, until :data:`~municipality.payments.ledger.PENDING_LIMIT`
after it started; then it expires and the operators are told. A payment
that expires because the bank knows no such order gets one last check
(``"final": true``) :data:`~municipality.payments.ledger.LATE_CHECK_AFTER`
later: a capture made after all, whose notification was lost, is still
applied (paid after expired: the operators are told).
"""

from email.header import Header
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr
from email.utils import formatdate
from municipality.core import outbox
from municipality.core.notifications import _registry_value
from municipality.core.notifications import render
from municipality.integrations.bank import PENDING
from municipality.payments import ledger as ledgers
from municipality.payments import settlement
from municipality.payments.ledger import as_text
from municipality.payments.ledger import EXPIRED
from municipality.payments.ledger import PAID
from municipality.payments.ledger import POSTED
from municipality.payments.ledger import STARTED
from Products.CMFCore.utils import getToolByName
from zope.component.hooks import getSite
from zope.interface import implementer

import hashlib
import quopri
import threading
import time


MAIL_TEMPLATE = "payment_receipt"


def _payment(item):
    return ledgers.get_by_number(item.payload.get("payment"))


def _asked_state(item):
    """The state a payment must still be in for this check to ask the bank:
    ``started``, or ``expired`` for the last check after an expiry."""
    return EXPIRED if item.payload.get("final") else STARTED


@implementer(outbox.IOutboxHandler)
class StatusHandler:
    """Asks the bank about a payment still waiting for its answer."""

    title = "Payment status at the bank"

    def deliver(self, item):
        payment = _payment(item)
        if payment is None or payment.state != _asked_state(item):
            return {"skipped": payment.state if payment is not None else "unknown"}
        message = settlement.gateway().status(payment.order_id)
        return {"message": settlement.message_to_json(message), "asked_at": time.time()}

    def delivered(self, item, result):
        payment = _payment(item)
        if (
            payment is None
            or result.get("skipped")
            or payment.state != _asked_state(item)
        ):
            return
        now = time.time()
        message = settlement.message_from_json(result.get("message"))
        pending = message is not None and message.outcome == PENDING
        # A final answer settles it (a PAID of an expired payment too: the
        # operators are told); PENDING, no such order or a message that
        # does not match are logged and the payment waits on.
        settlement.apply_status(payment, message, "status", now)
        if item.payload.get("final"):
            # Still being processed at the bank: look once more later.
            if pending and payment.state == EXPIRED:
                if now < ledgers.pending_limit(payment):
                    ledgers.schedule_status_check(payment, now=now, final=True)
            return
        if payment.state != STARTED:
            return
        if now < ledgers.expiry_time(payment):
            ledgers.schedule_status_check(payment, now=now)
            return
        if pending and now < ledgers.pending_limit(payment):
            # The card is still being processed: not expired yet.
            ledgers.schedule_status_check(payment, now=now)
            return
        ledgers.change_state(payment, EXPIRED, now)
        if pending:
            reason = "expired: the bank still reports the payment as processing"
        elif message is None:
            reason = "expired: the bank knows no such order"
        else:
            reason = "expired: the bank has no completed payment"
        payment.append_log(
            {"time": now, "source": "system", "outcome": "applied", "reason": reason}
        )
        if pending:
            settlement._needs_attention(payment, "pending_too_long", now)
        elif message is None:
            # A capture made after all (a stale tab), its notification
            # lost: the last check finds it.
            ledgers.schedule_status_check(payment, now=now, final=True)


@implementer(outbox.IOutboxHandler)
class PostHandler:
    """Posts a paid payment to the finance system, once (by its number)."""

    title = "Payment posting to finance"

    def deliver(self, item):
        from municipality.integrations.finance import FinanceClient

        payment = _payment(item)
        if payment is None or payment.paid_amount is None:
            return {"skipped": "no paid payment"}
        items = [
            {
                "kind": entry["kind"],
                "ref": entry["ref"],
                "amount": entry["amount"],
                "description": entry["description"],
                "category": entry.get("category") or "",
                "rf_code": entry.get("rf_code") or "",
                "details": dict(entry.get("details") or {}),
            }
            for entry in payment.items
        ]
        payer = None
        if payment.payer or payment.email:
            payer = {
                "userid": payment.payer_userid,
                "fullname": payment.payer_name,
                "afm": payment.payer_afm,
                "email": payment.email,
            }
        receipt = FinanceClient.from_registry().post_payment(
            transaction_id=payment.transaction_id,
            items=items,
            amount=as_text(payment.paid_amount),
            currency=payment.paid_currency,
            paid_at=settlement.iso_time(payment.paid_at),
            bank_reference=payment.bank_payment_ref or payment.bank_transaction_id,
            channel=payment.channel,
            payer=payer,
        )
        return {
            "receipt_number": receipt.receipt_number,
            "posted_at": receipt.posted_at,
            "duplicate": receipt.duplicate,
            "warnings": [dict(w) for w in getattr(receipt, "warnings", ()) or ()],
        }

    def delivered(self, item, result):
        payment = _payment(item)
        if payment is None or result.get("skipped"):
            return
        payment.receipt_number = result.get("receipt_number", "")
        payment.posted_at = result.get("posted_at", "")
        reason = f"posted to finance: receipt {payment.receipt_number}"
        if result.get("warnings"):
            reason += "; finance warns: " + "; ".join(
                str(w.get("message") or w) for w in result["warnings"]
            )
        payment.append_log({"source": "system", "outcome": "applied", "reason": reason})
        if payment.state == PAID:
            ledgers.change_state(payment, POSTED)


# Receipts rendered by ``deliver``, handed to ``delivered`` in this process.
# The PDF is deterministic, so one rendered again (after a restart) is the
# same document.
_rendered = {}
_rendered_lock = threading.Lock()


@implementer(outbox.IOutboxHandler)
class ReceiptHandler:
    """Makes the receipt PDF, stores it on the payment, enqueues its mail."""

    title = "Payment receipt"

    def _render(self, payment):
        from municipality.payments.receipt import render_receipt

        return render_receipt(payment)

    def deliver(self, item):
        payment = _payment(item)
        if payment is None or not payment.is_paid:
            return {"skipped": "not paid"}
        data = self._render(payment)
        with _rendered_lock:
            _rendered[item.key] = data
        return {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}

    def delivered(self, item, result):
        from plone.namedfile.file import NamedBlobFile

        payment = _payment(item)
        if payment is None or result.get("skipped"):
            return
        with _rendered_lock:
            data = _rendered.pop(item.key, None)
        if data is None or hashlib.sha256(data).hexdigest() != result.get("sha256"):
            data = self._render(payment)
        if payment.receipt is None:
            from municipality.payments.receipt import receipt_filename

            payment.receipt = NamedBlobFile(
                data=data,
                contentType="application/pdf",
                filename=receipt_filename(payment),
            )
            payment.receipt_at = time.time()
            payment.append_log(
                {"source": "system", "outcome": "info", "reason": "receipt made"}
            )
        enqueue_receipt_mail(payment)


def enqueue_receipt_mail(payment):
    """The receipt mail to the payer (PDF attached when it is sent), once."""
    if not payment.email:
        return None
    from municipality.payments.browser import format_amount
    from municipality.payments.browser import format_time

    mapping = {
        "name": payment.payer_name or "",
        "number": payment.id,
        "amount": format_amount(payment.paid_amount or payment.amount),
        "paid_at": format_time(payment.paid_at or payment.settled),
        "bank_reference": payment.bank_payment_ref or payment.bank_transaction_id,
        "items": "\n".join(
            f"- {item['description']}: {format_amount(item['amount'])}"
            for item in payment.items
        ),
        "url": _public_payment_url(payment),
    }
    message = render(MAIL_TEMPLATE, mapping)
    return outbox.enqueue(
        settlement.MAIL_KIND,
        {"to": payment.email, "payment": payment.id, **message},
        key=f"{settlement.MAIL_KIND}:{payment.id}",
        context=payment.context_uid,
    )


def _public_payment_url(payment):
    site = getSite()
    box = outbox.get_outbox(site, create=False)
    base = (box.public_url if box is not None else "") or site.absolute_url()
    return f"{base}/@@payment/{payment.token}"


@implementer(outbox.IOutboxHandler)
class ReceiptMailHandler:
    """Sends the receipt mail with the PDF attached."""

    title = "Payment receipt by email"

    def deliver(self, item):
        payment = _payment(item)
        if payment is None:
            return {"skipped": "no payment"}
        site = getSite()
        mailhost = getToolByName(site, "MailHost")
        from_address = _registry_value("plone.email_from_address")
        if not from_address:
            raise ValueError("No sender address (Site Setup → Mail)")
        message = MIMEMultipart("mixed")
        message["Subject"] = Header(item.payload["subject"], "utf-8")
        message["From"] = formataddr(
            (_registry_value("plone.email_from_name"), from_address), "utf-8"
        )
        message["To"] = item.payload["to"]
        message["Date"] = formatdate(localtime=True)
        domain = from_address.rpartition("@")[2] or "localhost"
        message["Message-ID"] = f"<{item.id}@{domain}>"
        message["X-Municipality-Key"] = item.key
        text = MIMEText(item.payload["body"], "plain", "utf-8")
        text.replace_header("Content-Transfer-Encoding", "quoted-printable")
        text.set_payload(
            quopri.encodestring(item.payload["body"].encode("utf-8")).decode("ascii")
        )
        message.attach(text)
        if payment.receipt is not None:
            attachment = MIMEApplication(bytes(payment.receipt.data), "pdf")
            attachment.add_header(
                "Content-Disposition",
                "attachment",
                filename=("utf-8", "", payment.receipt.filename or "receipt.pdf"),
            )
            message.attach(attachment)
        mailhost.send(message.as_string(), immediate=True, charset="utf-8")
        return {"message_id": message["Message-ID"]}

    def delivered(self, item, result):
        payment = _payment(item)
        if payment is not None and not result.get("skipped"):
            payment.append_log(
                {
                    "source": "system",
                    "outcome": "info",
                    "reason": f"receipt mailed to {item.payload.get('to')}",
                }
            )
