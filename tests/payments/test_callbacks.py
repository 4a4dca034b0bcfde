"""Many bank notifications at once, as ``benchmarks/callbacks.py`` plays them,
in the functional test server: ~40 payments, 30 % duplicates, 5 % forged,
shuffled, from concurrent clients. Exactly one settlement per payment, no
forged one accepted, one finance posting and one receipt mail each."""

from .conftest import deliver_all
from .conftest import fresh
from .conftest import item
from .conftest import new_payment
from .conftest import OPERATORS
from .conftest import signed
from .conftest import TIMEOUT
from concurrent.futures import ThreadPoolExecutor
from municipality.payments import ledger as ledgers

import random
import requests
import transaction


PAYMENTS = 40
CLIENTS = 4


def _messages(payments, rng):
    good = [("good", p, signed(p)) for p in payments]
    duplicates = [("duplicate", p, fields) for _, p, fields in rng.sample(good, 12)]
    victim = payments[0]
    forged = [
        ("forged", victim, signed(victim, secret="guessed")),
        ("forged", victim, signed(victim, orderAmount="0.01", paymentTotal="0.01")),
        ("forged", victim, signed(victim, currency="USD")),
        ("forged", None, signed(victim, orderid="2026999999at1")),
    ]
    messages = good + duplicates + forged
    rng.shuffle(messages)
    return messages


def test_concurrent_notifications_settle_each_payment_once(paying, simulators):
    rng = random.Random(20260315)  # noqa: S311 - a reproducible shuffle
    payments = [new_payment(item(f"{10 + i}.{i:02d}")) for i in range(PAYMENTS)]
    transaction.begin()
    url = f"{paying.absolute_url()}/@@vpos/notify"
    messages = _messages(payments, rng)

    def post(message):
        kind, _payment, fields = message
        answer = requests.post(url, data=fields, timeout=TIMEOUT)
        return kind, answer.status_code

    with ThreadPoolExecutor(CLIENTS) as pool:
        answers = list(pool.map(post, messages))
    assert sorted({(k, s) for k, s in answers}) == [
        ("duplicate", 200),
        ("forged", 400),
        ("good", 200),
    ]

    for payment in payments:
        stored = fresh(payment)
        assert stored.state == "paid", stored
        applied = [e for e in stored.log if e["outcome"] == "applied"]
        assert len(applied) == 1, stored.log
        assert applied[0]["verified"]
    victim = fresh(payments[0])
    assert victim.paid_amount == victim.amount
    # The two the bank signed (amount, currency) are in its log; the one
    # with a guessed secret only in the site's rejected log.
    rejected = [e for e in victim.log if e["outcome"] == "rejected"]
    assert len(rejected) == 2
    assert all(e["verified"] for e in rejected)
    transaction.begin()
    site_log = ledgers.get_ledger(paying).rejected_entries()
    assert [e["reason"].split(":")[0] for e in site_log if not e["verified"]] == [
        "digest"
    ]

    deliver_all(paying, rounds=10)
    mails = simulators.mail()
    for payment in payments:
        assert fresh(payment).state == "posted"
        posting = simulators.get(f"/finance/payments/{payment.transaction_id}").json()
        assert posting["requests"] == 1
        assert posting["amount"] == ledgers.as_text(payment.amount)
        receipts = [m for m in mails if OPERATORS not in str(m["to"])]
        assert sum(payment.id in (m.get("subject") or "") for m in receipts) == 1
