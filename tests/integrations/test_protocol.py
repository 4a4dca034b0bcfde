"""The protocol client against the real protocol simulator."""

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from datetime import datetime
from municipality.integrations.errors import ExternalSystemBadResponse
from municipality.integrations.errors import ExternalSystemRejected
from municipality.integrations.errors import ExternalSystemUnavailable
from municipality.integrations.protocol import parse_registration
from municipality.integrations.protocol import ProtocolClient
from plone import api
from zoneinfo import ZoneInfo

import pytest
import threading
import time


TIMEOUT = 5


def document(**overrides):
    data = {
        "subject": "Αίτημα για λακκούβα στην οδό Ερμού",
        "text": "Υπάρχει λακκούβα μπροστά στο νούμερο 12.",
        "sender": {"name": "Μαρία Παπαδοπούλου", "email": "maria@example.gr"},
        "kind": "complaint",
        "reference": "ΑΙΤ-2026/000123",
        "direction": "incoming",
    }
    data.update(overrides)
    return data


@pytest.fixture
def client(simulators):
    return ProtocolClient(f"{simulators.url}/protocol", timeout=TIMEOUT)


def registrations(simulators):
    """Every registration the simulator holds, with its request counters."""
    return simulators.get("/protocol/documents").json()["items"]


def in_parallel(calls):
    """Run every call at once from its own thread; return results or errors."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait(TIMEOUT)
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def test_register_returns_number_and_parsed_date(client):
    registration = client.register("protocol:uid-1", document())
    today = datetime.now(ZoneInfo("Europe/Athens")).date()
    assert registration["number"] == "1"
    assert registration["date"] == today
    assert isinstance(registration["date"], date)
    assert registration["datetime"].date() == today
    assert registration["datetime"].tzinfo is not None
    assert registration["protocol"] == f"1/{today:%d-%m-%Y}"
    # Raw fields are kept as they came.
    assert registration["year"] == today.year
    assert registration["idempotency_key"] == "protocol:uid-1"
    assert registration["reference"] == "ΑΙΤ-2026/000123"


def test_register_twice_takes_one_number(client, simulators):
    first = client.register("protocol:uid-1", document())
    again = client.register("protocol:uid-1", document())
    assert again == first
    (item,) = registrations(simulators)
    assert item["requests"] == 2
    assert client.register("protocol:uid-2", document())["number"] == "2"


def test_key_in_the_document_is_replaced_by_the_key_given(client):
    registration = client.register("right", document(idempotency_key="wrong"))
    assert registration["idempotency_key"] == "right"
    assert client.lookup("wrong") is None


def test_lookup_and_get(client):
    created = client.register("protocol:uid-1", document())
    assert client.lookup("protocol:uid-1") == created
    assert client.get(created["year"], created["number"]) == created
    assert client.get(created["year"], 1) == created


def test_lookup_and_get_of_what_is_not_there_is_none(client):
    client.register("protocol:uid-1", document())
    assert client.lookup("protocol:uid-2") is None
    assert client.get(date.today().year, 2) is None
    assert client.get(1999, 1) is None


def test_key_reused_for_another_document_is_rejected(client, simulators):
    client.register("protocol:uid-1", document())
    with pytest.raises(ExternalSystemRejected) as info:
        client.register("protocol:uid-1", document(subject="Άλλο θέμα"))
    assert info.value.status == 409
    assert "idempotency_key" in info.value.message
    assert not isinstance(info.value, ExternalSystemUnavailable)
    (item,) = registrations(simulators)
    assert item["subject"] == "Αίτημα για λακκούβα στην οδό Ερμού"


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"subject": ""}, "subject"),
        ({"sender": {"email": "maria@example.gr"}}, "sender.name"),
        ({"direction": "sideways"}, "direction"),
        ({"text": "κ" * 20001}, "text"),
    ],
)
def test_invalid_document_is_rejected_naming_the_field(
    client, simulators, overrides, field
):
    with pytest.raises(ExternalSystemRejected) as info:
        client.register("protocol:uid-1", document(**overrides))
    assert info.value.status == 400
    assert field in info.value.message
    assert registrations(simulators) == []


def test_twenty_concurrent_registrations_get_consecutive_numbers(simulators):
    url = f"{simulators.url}/protocol"

    def register(n):
        # One client per thread, as the outbox worker would have.
        return lambda: ProtocolClient(url, timeout=TIMEOUT).register(
            f"protocol:uid-{n}", document(subject=f"Αίτημα {n}")
        )

    results = in_parallel([register(n) for n in range(20)])
    assert sorted(int(r["number"]) for r in results) == list(range(1, 21))
    assert len({r["idempotency_key"] for r in results}) == 20


def test_ten_concurrent_registrations_of_one_key_take_one_number(simulators):
    url = f"{simulators.url}/protocol"

    def register():
        return ProtocolClient(url, timeout=TIMEOUT).register("same", document())

    results = in_parallel([register] * 10)
    assert {r["protocol"] for r in results} == {results[0]["protocol"]}
    (item,) = registrations(simulators)
    assert item["requests"] == 10


def test_down_is_unavailable_and_registers_nothing(client, simulators):
    simulators.set_mode("protocol", mode="down")
    with pytest.raises(ExternalSystemUnavailable) as info:
        client.register("protocol:uid-1", document())
    assert info.value.status == 503
    with pytest.raises(ExternalSystemUnavailable):
        client.lookup("protocol:uid-1")
    simulators.set_mode("protocol", mode="up")
    assert client.lookup("protocol:uid-1") is None
    assert client.register("protocol:uid-1", document())["number"] == "1"


@pytest.mark.parametrize("status", [500, 502])
def test_error_mode_is_unavailable(client, simulators, status):
    simulators.set_mode("protocol", mode="error", status=status)
    with pytest.raises(ExternalSystemUnavailable) as info:
        client.register("protocol:uid-1", document())
    assert info.value.status == status
    with pytest.raises(ExternalSystemUnavailable):
        client.get(2026, 1)


def test_error_mode_with_a_4xx_is_rejected(client, simulators):
    simulators.set_mode("protocol", mode="error", status=403)
    with pytest.raises(ExternalSystemRejected) as info:
        client.lookup("protocol:uid-1")
    assert info.value.status == 403


def test_slow_beyond_the_timeout_is_unavailable_and_retry_is_safe(simulators):
    simulators.set_mode("protocol", mode="slow", delay=1)
    impatient = ProtocolClient(f"{simulators.url}/protocol", timeout=0.3)
    started = time.monotonic()
    with pytest.raises(ExternalSystemUnavailable, match="no answer within"):
        impatient.register("protocol:uid-1", document())
    assert time.monotonic() - started < 0.9
    # The protocol registered it anyway once the delay was over: the answer
    # was lost, not the registration. A retry gets that same number.
    simulators.set_mode("protocol", mode="up")
    client = ProtocolClient(f"{simulators.url}/protocol", timeout=TIMEOUT)
    deadline = time.monotonic() + TIMEOUT
    while (found := client.lookup("protocol:uid-1")) is None:
        assert time.monotonic() < deadline, "the slow registration never landed"
        time.sleep(0.05)
    assert client.register("protocol:uid-1", document()) == found
    (item,) = registrations(simulators)
    assert item["requests"] == 2


def test_reset_forgets_registrations(client, simulators):
    client.register("protocol:uid-1", document())
    simulators.reset()
    assert client.lookup("protocol:uid-1") is None
    assert client.register("protocol:uid-2", document())["number"] == "1"


@pytest.mark.parametrize(
    "data",
    [
        [],
        {"date": "2026-11-22", "protocol": "1/22-11-2026"},
        {"number": "1", "date": "22/11/2026", "protocol": "1/22-11-2026"},
        {"number": "1", "date": "2026-11-22", "protocol": ""},
        {"number": 1, "date": "2026-11-22", "protocol": "1", "datetime": "noon"},
    ],
)
def test_malformed_registration_is_a_bad_response(data):
    with pytest.raises(ExternalSystemBadResponse):
        parse_registration(data)


def test_parse_registration_keeps_raw_fields():
    parsed = parse_registration(
        {"number": 7, "date": "2026-11-22", "protocol": "7/22-11-2026", "x": [1]}
    )
    assert parsed == {
        "number": "7",
        "date": date(2026, 11, 22),
        "protocol": "7/22-11-2026",
        "x": [1],
    }


def test_built_from_the_registry(portal, simulators):
    api.portal.set_registry_record(
        "municipality.protocol.url", f"{simulators.url}/protocol"
    )
    api.portal.set_registry_record("municipality.protocol.timeout", 3.0)
    client = ProtocolClient.from_registry()
    assert client.timeout == 3.0
    assert client.register("protocol:uid-1", document())["number"] == "1"
