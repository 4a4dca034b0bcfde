"""What issue 3 must show: the protocol down under load, and concurrent numbering.

* 50 named requests submitted while the protocol system is down are all
  accepted with «protocol number pending»; once it is back each is
  registered exactly once and each citizen gets exactly one email about it.
* Many citizens submitting at once over REST get distinct, consecutive
  reference numbers, none lost.
"""

from concurrent.futures import ThreadPoolExecutor
from municipality.core import outbox
from municipality.core.protocol import protocol_key
from municipality.core.protocol import protocol_pending
from municipality.core.refnumbers import parse_number
from municipality.requests.api import submit_named
from plone import api

import requests
import time
import transaction


FAR_FUTURE = time.time() + 10 * 86400
PASSWORD = "Kodikos-2026!"  # noqa: S105


def make_citizens(count, prefix="politis"):
    users = []
    for i in range(count):
        users.append(
            api.user.create(
                username=f"{prefix}{i}",
                email=f"{prefix}{i}@example.gr",
                password=PASSWORD,
                properties={"fullname": f"Πολίτης {i}"},
            )
        )
    return users


def data(i):
    return {
        "kind": ("request", "complaint", "proposal")[i % 3],
        "category": "lighting",
        "title": f"Σβηστός φανοστάτης {i}",
        "text": f"Ο φανοστάτης στην οδό Ερμού {i} δεν ανάβει.",
        "desired_action": "Επισκευή.",
    }


def test_fifty_requests_while_the_protocol_is_down(wired, simulators):
    portal = wired
    simulators.set_mode("protocol", mode="down")
    citizens = make_citizens(50)
    cases = [
        submit_named(portal["requests"], member, data(i))
        for i, member in enumerate(citizens)
    ]
    transaction.commit()
    numbers = [parse_number(case.reference_number)[2] for case in cases]
    assert numbers == list(range(numbers[0], numbers[0] + 50))

    # The worker runs while the protocol is down: receipts go out, the
    # registrations fail and wait.
    counts = outbox.process_due(portal)
    assert counts["failed"] == 50
    assert counts["delivered"] == 50  # the «received» mails
    transaction.begin()
    assert all(protocol_pending(case) for case in cases)
    assert all(not case.protocol_number for case in cases)

    # The citizen's page says the number is pending.
    page = requests.get(
        cases[0].absolute_url(), auth=("politis0", PASSWORD), timeout=30
    )
    assert page.status_code == 200
    assert "requests-protocol-pending" in page.text

    # Still down at the next attempt: nothing changes, nothing is lost.
    outbox.process_due(portal, now=time.time() + 3600)
    transaction.begin()
    assert all(protocol_pending(case) for case in cases)

    simulators.set_mode("protocol", mode="up")
    # Registrations, then the «protocol number» mails and one operators' alert.
    counts = outbox.process_due(portal, now=FAR_FUTURE)
    assert counts["delivered"] == 50 + 1
    counts = outbox.process_due(portal, now=FAR_FUTURE)
    assert counts["delivered"] == 50
    assert outbox.process_due(portal, now=FAR_FUTURE + 86400)["delivered"] == 0
    transaction.begin()
    assert outbox.pending_items() == []

    registered = simulators.get("/protocol/documents").json()["items"]
    keys = [entry["idempotency_key"] for entry in registered]
    assert sorted(keys) == sorted(protocol_key(case) for case in cases)
    assert all(entry["requests"] == 1 for entry in registered)
    assert len({case.protocol_number for case in cases}) == 50
    assert not any(protocol_pending(case) for case in cases)

    for i, case in enumerate(cases):
        mails = simulators.mail(to=f"politis{i}@example.gr")
        about_protocol = [m for m in mails if "αριθμός πρωτοκόλλου" in m["subject"]]
        received = [m for m in mails if "παραλάβαμε" in m["subject"]]
        assert len(about_protocol) == 1, (i, [m["subject"] for m in mails])
        assert len(received) == 1
        assert case.reference_number in about_protocol[0]["text"]
        assert (
            f"Αριθμός πρωτοκόλλου: {case.protocol_number}"
            in (about_protocol[0]["text"])
        )
    citizens_mail = [
        m for m in simulators.messages() if m["to"][0].startswith("politis")
    ]
    assert len(citizens_mail) == 100
    (alert,) = [m for m in simulators.messages() if "Ειδοποίηση" in m["subject"]]
    assert "50" in alert["subject"]


def test_concurrent_rest_submissions_get_consecutive_numbers(wired):
    """20 citizens submit 5 requests each at once over plone.restapi."""
    portal = wired
    make_citizens(20, prefix="tautochrona")
    transaction.commit()
    url = f"{portal.absolute_url()}/requests"

    def submit(i):
        session = requests.Session()
        session.auth = (f"tautochrona{i}", PASSWORD)
        session.headers["Accept"] = "application/json"
        numbers = []
        for n in range(5):
            answer = session.post(
                url, json={"@type": "CitizenRequest", **data(n)}, timeout=60
            )
            assert answer.status_code == 201, answer.text
            numbers.append(answer.json()["reference_number"])
        return numbers

    with ThreadPoolExecutor(20) as pool:
        results = [n for numbers in pool.map(submit, range(20)) for n in numbers]
    numbers = sorted(parse_number(n)[2] for n in results)
    assert numbers == list(range(numbers[0], numbers[0] + 100))
    transaction.begin()
    stored = [case.reference_number for case in portal["requests"].objectValues()]
    assert sorted(stored) == sorted(results)
