"""The outbox over real HTTP and SMTP: delivery, back-off, exactly once, alerts."""

from municipality.core import outbox
from municipality.core.notifications import notify
from municipality.core.notifications import render
from municipality.core.protocol import protocol_key
from municipality.core.protocol import protocol_pending
from municipality.core.protocol import refresh_protocol
from municipality.core.protocol import register_in_protocol
from municipality.core.worker import OutboxWorker
from municipality.core.worker import run_once
from plone import api
from plone.dexterity.interfaces import IDexterityFTI
from zope.component import getUtility

import pytest
import re
import time
import transaction


FAR_FUTURE = time.time() + 10 * 86400


def make_cases(portal, count):
    fti = getUtility(IDexterityFTI, name="Document")
    fti.behaviors = (
        *fti.behaviors,
        "municipality.reference_number",
        "municipality.protocol_data",
    )
    with api.env.adopt_roles(["Manager"]):
        return [
            api.content.create(
                container=portal, type="Document", id=f"case-{i}", title=f"Θέμα {i}"
            )
            for i in range(count)
        ]


def document(case):
    return {
        "subject": case.title,
        "text": "Κείμενο",
        "sender": {"name": "Μαρία Παπαδοπούλου", "email": "maria@example.gr"},
        "reference": case.reference_number,
    }


def test_backoff_doubles_and_is_capped():
    config = {"base_delay": 10, "max_delay": 100}
    delays = [outbox.backoff(n, config) for n in range(1, 8)]
    for delay, expected in zip(delays, [10, 20, 40, 80, 100, 100, 100], strict=True):
        assert expected * 0.9 <= delay <= expected * 1.1


def test_enqueue_with_a_known_key_returns_the_same_item(wired):
    first = outbox.enqueue("mail", {"to": "a@b.gr", "subject": "s", "body": "b"}, "k1")
    again = outbox.enqueue("mail", {"to": "x@y.gr", "subject": "s", "body": "b"}, "k1")
    assert first is again
    assert len(outbox.pending_items()) == 1


def test_unknown_kind_is_refused(wired):
    with pytest.raises(ValueError, match="No outbox handler"):
        outbox.enqueue("fax", {})


def test_mail_is_sent_once_in_greek(wired, simulators):
    notify(
        "case_received",
        "maria@example.gr",
        {
            "kind": "complaint",
            "name": "Μαρία",
            "title": "Σπασμένο φανάρι",
            "reference": "ΑΙΤ-2026/000007",
            "deadline": "04/12/2026",
            "url": "http://example.gr/x",
        },
    )
    transaction.commit()
    assert outbox.process_due(wired)["delivered"] == 1
    assert outbox.process_due(wired, now=FAR_FUTURE)["delivered"] == 0
    messages = simulators.mail(to="maria@example.gr")
    assert len(messages) == 1
    message = messages[0]
    assert "ΑΙΤ-2026/000007" in message["subject"]
    assert "Παραλάβαμε την καταγγελία σας" in message["text"]
    assert "Σπασμένο φανάρι" in message["text"]
    assert "Δήμος Παραδείγματος" in message["text"]
    assert dict(message["headers"])["X-Municipality-Key"]


def test_render_fills_kind_phrases_and_keeps_unknown_placeholders(wired):
    message = render("case_answered", {"kind": "request", "title": "Τ"})
    assert "απάντησε στο αίτημά σας" in message["body"]
    assert "${answer}" not in message["subject"]


def test_smtp_down_means_retry_with_backoff_then_one_mail(wired, simulators):
    api.portal.set_registry_record("plone.smtp_port", 1)  # nothing listens there
    notify("case_closed", "nikos@example.gr", {"title": "Τ", "reference": "R-1"})
    transaction.commit()
    before = time.time()
    counts = outbox.process_due(wired)
    assert counts["failed"] == 1
    transaction.begin()
    (item,) = outbox.pending_items()
    assert item.status == "failing"
    assert item.attempts == 1
    assert item.last_error
    assert item.next_attempt >= before + 15 * 0.9
    # Not due yet: nothing happens.
    assert outbox.process_due(wired)["failed"] == 0
    # Still down at the next attempt: the wait doubles.
    outbox.process_due(wired, now=item.next_attempt + 1)
    transaction.begin()
    assert item.attempts == 2
    assert item.next_attempt - item.last_attempt >= 30 * 0.9
    api.portal.set_registry_record("plone.smtp_port", simulators.smtp_port)
    transaction.commit()
    assert outbox.process_due(wired, now=FAR_FUTURE)["delivered"] == 1
    assert len(simulators.messages(to="nikos@example.gr")) == 1
    transaction.begin()
    assert outbox.pending_items() == []
    assert item.status == "delivered"


def test_protocol_down_then_up_registers_each_case_once(wired, simulators):
    cases = make_cases(wired, 5)
    for case in cases:
        register_in_protocol(case, document(case))
        # Twice is harmless: same key, same item.
        register_in_protocol(case, document(case))
    transaction.commit()
    simulators.set_mode("protocol", mode="down")
    counts = outbox.process_due(wired)
    assert counts["failed"] == 5
    transaction.begin()
    assert all(protocol_pending(case) for case in cases)
    simulators.set_mode("protocol", mode="up")
    counts = outbox.process_due(wired, now=FAR_FUTURE)
    assert counts["delivered"] == 5
    transaction.begin()
    numbers = sorted(int(case.protocol_number) for case in cases)
    assert numbers == list(range(numbers[0], numbers[0] + 5))
    assert not any(protocol_pending(case) for case in cases)
    assert all(case.protocol_date for case in cases)
    registered = simulators.get("/protocol/documents").json()["items"]
    keys = [entry["idempotency_key"] for entry in registered]
    assert sorted(keys) == sorted(protocol_key(case) for case in cases)
    # Once more changes nothing.
    assert outbox.process_due(wired, now=FAR_FUTURE + 3600)["delivered"] == 0
    assert register_in_protocol(cases[0], document(cases[0])) is None


def test_refresh_finds_a_registration_the_worker_did_not_record(wired, simulators):
    (case,) = make_cases(wired, 1)
    register_in_protocol(case, document(case))
    transaction.commit()
    # The protocol system registered it, but our side never heard back.
    answer = simulators.post(
        "/protocol/documents",
        json={
            "idempotency_key": protocol_key(case),
            "subject": case.title,
            "sender": {"name": "Μαρία Παπαδοπούλου"},
        },
    )
    assert answer.status_code == 201
    assert refresh_protocol(case) is True
    transaction.commit()
    assert case.protocol_number == str(answer.json()["number"])
    assert not protocol_pending(case)
    assert outbox.process_due(wired, now=FAR_FUTURE)["delivered"] == 0
    assert len(simulators.get("/protocol/documents").json()["items"]) == 1


def test_refresh_while_the_protocol_is_down_changes_nothing(wired, simulators):
    (case,) = make_cases(wired, 1)
    register_in_protocol(case, document(case))
    transaction.commit()
    simulators.set_mode("protocol", mode="down")
    assert refresh_protocol(case) is False
    assert protocol_pending(case)


def test_a_claim_left_by_a_dead_worker_runs_out(wired, simulators):
    item = notify("case_closed", "eleni@example.gr", {"title": "Τ", "reference": "R"})
    item.claimed_until = time.time() + 300
    transaction.commit()
    assert outbox.process_due(wired)["delivered"] == 0
    assert outbox.process_due(wired, now=time.time() + 301)["delivered"] == 1
    assert len(simulators.messages(to="eleni@example.gr")) == 1


def test_operators_are_alerted_once_about_a_long_failure(wired, simulators):
    api.portal.set_registry_record("municipality.outbox.alert_email", "ops@dimos.gr")
    (case,) = make_cases(wired, 1)
    register_in_protocol(case, document(case))
    transaction.commit()
    simulators.set_mode("protocol", mode="error")
    outbox.process_due(wired)
    later = time.time() + 31 * 60
    counts = outbox.process_due(wired, now=later)
    assert counts["alerted"] == 1
    assert outbox.process_due(wired, now=later + 3600)["alerted"] == 0
    alerts = simulators.mail(to="ops@dimos.gr")
    assert len(alerts) == 1
    assert "protocol.register" in alerts[0]["subject"]
    assert "HTTP 500" in alerts[0]["text"]
    assert "@@outbox-controlpanel" in alerts[0]["text"]


def test_retry_now_makes_an_item_due(wired):
    api.portal.set_registry_record("plone.smtp_port", 1)
    item = notify("case_closed", "a@b.gr", {"title": "Τ", "reference": "R"})
    transaction.commit()
    outbox.process_due(wired)
    transaction.begin()
    assert item.next_attempt > time.time()
    assert outbox.retry_now(item.id)
    assert item.next_attempt <= time.time()


def test_the_worker_delivers_from_its_own_connection(functional, wired, simulators):
    notify("case_closed", "kostas@example.gr", {"title": "Τ", "reference": "R"})
    transaction.commit()
    results = run_once(functional["zodbDB"])
    assert results == {
        wired.getId(): {"delivered": 1, "failed": 0, "skipped": 0, "alerted": 0}
    }
    assert len(simulators.messages(to="kostas@example.gr")) == 1


def test_the_worker_thread_picks_up_new_items(functional, wired, simulators):
    worker = OutboxWorker(functional["zodbDB"], interval=0.1)
    worker.start()
    try:
        notify("case_closed", "sofia@example.gr", {"title": "Τ", "reference": "R"})
        transaction.commit()
        deadline = time.monotonic() + 10
        while not simulators.messages(to="sofia@example.gr"):
            assert time.monotonic() < deadline, "the worker delivered nothing"
            time.sleep(0.1)
    finally:
        worker.stop()
    assert not worker.is_alive()
    assert len(simulators.messages(to="sofia@example.gr")) == 1


def test_operators_page_shows_failures_and_retries(wired, functional):
    import requests

    api.portal.set_registry_record("plone.smtp_port", 1)
    notify("case_closed", "a@b.gr", {"title": "Τ", "reference": "R"})
    transaction.commit()
    outbox.process_due(wired)
    from plone.app.testing import SITE_OWNER_NAME
    from plone.app.testing import SITE_OWNER_PASSWORD

    session = requests.Session()
    session.auth = (SITE_OWNER_NAME, SITE_OWNER_PASSWORD)
    url = f"{wired.absolute_url()}/@@outbox-controlpanel"
    page = session.get(url, timeout=10)
    assert page.status_code == 200
    assert "ConnectionRefusedError" in page.text or "Errno 111" in page.text
    # Without the CSRF token a retry is refused.
    refused = session.post(url, data={"retry_all": "1"}, timeout=10)
    assert refused.status_code == 403
    # With the token the page's form carries, it is done.
    token = re.search(
        r'name="_authenticator"\s+type="hidden"\s+value="([0-9a-f]+)"', page.text
    )
    assert token, "the form carries no plain CSRF token"
    done = session.post(
        url, data={"retry_all": "1", "_authenticator": token.group(1)}, timeout=10
    )
    assert done.status_code == 200
    anonymous = requests.get(url, timeout=10)
    assert "outbox-failing" not in anonymous.text
