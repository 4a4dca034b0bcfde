"""The protocol simulator's JSON contract, over real HTTP (docs/protocol.md)."""

from concurrent.futures import ThreadPoolExecutor
from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from municipality.simulators.systems.protocol import ATHENS
from municipality.simulators.systems.protocol import ProtocolBook
from municipality.simulators.systems.protocol import validate_document

import pytest
import requests
import threading


TIMEOUT = 10


def document(key="k-1", **overrides):
    data = {
        "idempotency_key": key,
        "subject": "Αίτημα για λακκούβα στην οδό Ερμού",
        "sender": {"name": "Μαρία Παπαδοπούλου", "email": "maria@example.gr"},
        "kind": "complaint",
        "reference": "ΑΙΤ-2026/000123",
        "text": "Υπάρχει λακκούβα μπροστά στο νούμερο 12.",
    }
    data.update(overrides)
    return data


@pytest.fixture
def protocol(simulators):
    """Post and get under /protocol of the simulators, every system up and empty."""

    class Protocol:
        url = f"{simulators.url}/protocol"

        def post(self, body=None, **kwargs):
            """POST ``body`` as JSON, or ``data=`` as it is."""
            if body is not None:
                kwargs["json"] = body
            return requests.post(f"{self.url}/documents", timeout=TIMEOUT, **kwargs)

        def get(self, path="/documents", **kwargs):
            return requests.get(f"{self.url}{path}", timeout=TIMEOUT, **kwargs)

        def items(self):
            response = self.get()
            assert response.status_code == 200
            data = response.json()
            assert data["count"] == len(data["items"])
            return data["items"]

    return Protocol()


def post_all(protocol, bodies):
    """POST every body at once from its own thread; return the responses."""
    barrier = threading.Barrier(len(bodies))

    def post(body):
        barrier.wait(TIMEOUT)
        return protocol.post(body)

    with ThreadPoolExecutor(len(bodies)) as pool:
        return list(pool.map(post, bodies))


# Registration


def test_register_answers_number_date_and_display_form(protocol):
    response = protocol.post(document(attachments=[]))
    assert response.status_code == 201
    assert response.headers["Content-Type"].startswith("application/json")
    data = response.json()
    today = datetime.now(ATHENS).date()
    assert data["number"] == "1"
    assert data["year"] == today.year
    assert data["date"] == today.isoformat()
    when = datetime.fromisoformat(data["datetime"])
    assert when.date() == today
    assert when.utcoffset() in (timedelta(hours=2), timedelta(hours=3))
    assert data["protocol"] == f"1/{today:%d-%m-%Y}"
    assert data["idempotency_key"] == "k-1"
    assert data["subject"] == "Αίτημα για λακκούβα στην οδό Ερμού"
    assert data["direction"] == "incoming"
    assert data["sender"] == {
        "name": "Μαρία Παπαδοπούλου",
        "email": "maria@example.gr",
        "tax_number": None,
    }
    assert data["reference"] == "ΑΙΤ-2026/000123"
    assert data["attachments"] == []


def test_numbers_are_consecutive(protocol):
    numbers = [protocol.post(document(f"k-{n}")).json()["number"] for n in range(1, 4)]
    assert numbers == ["1", "2", "3"]
    assert [item["number"] for item in protocol.items()] == ["1", "2", "3"]


def test_outgoing_with_attachments(protocol):
    attachments = [
        {"filename": "φωτογραφία.jpg", "content_type": "image/jpeg", "size": 123456},
        {"filename": "σχέδιο.pdf", "content_type": "application/pdf", "size": 0},
    ]
    response = protocol.post(
        document(direction="outgoing", attachments=attachments, kind=None)
    )
    assert response.status_code == 201
    data = response.json()
    assert data["direction"] == "outgoing"
    assert data["attachments"] == attachments
    assert data["kind"] is None


def test_same_key_again_answers_the_same_registration(protocol):
    first = protocol.post(document())
    again = protocol.post(document())
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json() == first.json()
    (item,) = protocol.items()
    assert item["requests"] == 2
    assert item["conflicts"] == 0
    # The next key still gets the next number: the replay took none.
    assert protocol.post(document("k-2")).json()["number"] == "2"


def test_same_key_spelled_differently_is_the_same_document(protocol):
    protocol.post(document(direction="incoming", attachments=[]))
    again = protocol.post(
        {
            key: value
            for key, value in document().items()
            if key not in ("direction", "attachments")
        }
    )
    assert again.status_code == 200


def test_twenty_concurrent_keys_get_twenty_consecutive_numbers(protocol):
    responses = post_all(protocol, [document(f"k-{n}") for n in range(20)])
    assert [r.status_code for r in responses] == [201] * 20
    numbers = sorted(int(r.json()["number"]) for r in responses)
    assert numbers == list(range(1, 21))
    by_key = {r.json()["idempotency_key"]: r.json()["number"] for r in responses}
    assert len(by_key) == 20
    assert len(protocol.items()) == 20


def test_ten_concurrent_requests_with_one_key_take_one_number(protocol):
    responses = post_all(protocol, [document("same")] * 10)
    assert sorted(r.status_code for r in responses) == [200] * 9 + [201]
    assert {r.json()["protocol"] for r in responses} == {
        responses[0].json()["protocol"]
    }
    (item,) = protocol.items()
    assert item["number"] == "1"
    assert item["requests"] == 10


def test_same_key_with_another_subject_is_409(protocol):
    first = protocol.post(document()).json()
    response = protocol.post(document(subject="Κάτι άλλο"))
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["field"] == "idempotency_key"
    assert error["differs"] == ["subject"]
    assert error["protocol"] == first["protocol"]
    assert "idempotency_key" in error["message"]
    (item,) = protocol.items()
    assert item["subject"] == first["subject"]
    assert item["requests"] == 1
    assert item["conflicts"] == 1


def test_same_key_with_another_sender_is_409(protocol):
    protocol.post(document())
    response = protocol.post(document(sender={"name": "Άλλος"}))
    assert response.status_code == 409
    assert response.json()["error"]["differs"] == ["sender"]


# Bad input: 400 naming the field, nothing stored


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"idempotency_key": None}, "idempotency_key"),
        ({"idempotency_key": "   "}, "idempotency_key"),
        ({"idempotency_key": "k" * 201}, "idempotency_key"),
        ({"idempotency_key": 7}, "idempotency_key"),
        ({"subject": None}, "subject"),
        ({"subject": ""}, "subject"),
        ({"subject": "θ" * 501}, "subject"),
        ({"direction": "sideways"}, "direction"),
        ({"sender": None}, "sender"),
        ({"sender": "Μαρία"}, "sender"),
        ({"sender": {"email": "maria@example.gr"}}, "sender.name"),
        ({"sender": {"name": "Μαρία", "email": "not-an-address"}}, "sender.email"),
        ({"sender": {"name": "Μαρία", "tax_number": "12345"}}, "sender.tax_number"),
        ({"sender": {"name": "Μαρία", "phone": "210"}}, "sender.phone"),
        ({"text": "κ" * 20001}, "text"),
        ({"kind": ["complaint"]}, "kind"),
        ({"attachments": {"filename": "a.pdf"}}, "attachments"),
        ({"attachments": ["a.pdf"]}, "attachments[0]"),
        (
            {"attachments": [{"content_type": "application/pdf", "size": 1}]},
            "attachments[0].filename",
        ),
        (
            {"attachments": [{"filename": "a", "content_type": "pdf", "size": 1}]},
            "attachments[0].content_type",
        ),
        (
            {
                "attachments": [
                    {"filename": "a", "content_type": "image/png", "size": 1},
                    {"filename": "b", "content_type": "image/png", "size": -1},
                ]
            },
            "attachments[1].size",
        ),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_is_400_naming_the_field(protocol, overrides, field):
    response = protocol.post(document(**overrides))
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["field"] == field
    assert field.split("[")[0].split(".")[0] in error["message"]
    assert protocol.items() == []


@pytest.mark.parametrize("body", [b"subject=x", b"[1, 2]", b"\xff"])
def test_body_that_is_not_a_json_object_is_400(protocol, body):
    response = protocol.post(data=body)
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "body"
    assert protocol.items() == []


def test_the_longest_valid_values_are_accepted(protocol):
    response = protocol.post(document("k" * 200, subject="θ" * 500, text="κ" * 20000))
    assert response.status_code == 201


# Reading


def test_lookup_by_key(protocol):
    created = protocol.post(document("protocol:abc/1 ά")).json()
    response = protocol.get("/documents", params={"key": "protocol:abc/1 ά"})
    assert response.status_code == 200
    assert response.json() == created


def test_lookup_of_an_unknown_key_is_404(protocol):
    protocol.post(document())
    response = protocol.get("/documents", params={"key": "nope"})
    assert response.status_code == 404
    assert response.json()["error"]["field"] == "key"


def test_lookup_with_an_empty_key_is_400(protocol):
    response = protocol.get("/documents", params={"key": ""})
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "key"


def test_get_by_year_and_number(protocol):
    protocol.post(document("k-1"))
    second = protocol.post(document("k-2", subject="Δεύτερο")).json()
    response = protocol.get(f"/documents/{second['year']}/2")
    assert response.status_code == 200
    assert response.json() == second


@pytest.mark.parametrize(
    "path", ["/documents/2026/3", "/documents/1999/1", "/documents/x/1"]
)
def test_get_of_an_unknown_number_is_404(protocol, path):
    protocol.post(document("k-1"))
    protocol.post(document("k-2"))
    response = protocol.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["message"]


def test_listing_starts_empty(protocol):
    assert protocol.get().json() == {"items": [], "count": 0}


# Failure modes and reset


def test_down_registers_nothing(protocol, simulators):
    simulators.set_mode("protocol", mode="down")
    assert protocol.post(document()).status_code == 503
    simulators.set_mode("protocol", mode="up")
    assert protocol.items() == []
    assert protocol.post(document()).json()["number"] == "1"


def test_error_mode_registers_nothing(protocol, simulators):
    simulators.set_mode("protocol", mode="error", status=502)
    response = protocol.post(document())
    assert response.status_code == 502
    assert response.headers["Content-Type"].startswith("text/plain")
    simulators.set_mode("protocol", mode="up")
    assert protocol.items() == []


def test_slow_mode_registers_after_the_delay(protocol, simulators):
    simulators.set_mode("protocol", mode="slow", delay=0.3)
    response = protocol.post(document())
    assert response.status_code == 201
    assert response.elapsed >= timedelta(seconds=0.3)


def test_reset_forgets_every_registration(protocol, simulators):
    protocol.post(document("k-1"))
    protocol.post(document("k-2"))
    simulators.set_mode("protocol", mode="slow", delay=0.1)
    simulators.reset()
    assert simulators.get("/_admin/systems/protocol").json()["mode"] == "up"
    assert protocol.items() == []
    assert protocol.get("/documents", params={"key": "k-1"}).status_code == 404
    # Numbering starts again, and a key seen before the reset is new.
    again = protocol.post(document("k-2"))
    assert again.status_code == 201
    assert again.json()["number"] == "1"


def test_admin_lists_the_protocol_routes(simulators):
    routes = simulators.get("/_admin/systems/protocol").json()["routes"]
    assert "POST /documents" in routes
    assert "GET /documents" in routes
    assert "GET /documents/{year}/{number}" in routes


# The book in process: its clock is the only thing HTTP cannot set


def test_numbering_starts_again_each_year_in_athens_time():
    times = iter(
        [
            datetime(2026, 12, 31, 21, 59, tzinfo=UTC),  # 23:59 Athens
            datetime(2026, 12, 31, 21, 59, 30, tzinfo=UTC),
            datetime(2026, 12, 31, 22, 0, 1, tzinfo=UTC),  # 00:00:01 Jan
            datetime(2027, 1, 2, 9, 0, tzinfo=UTC),
        ]
    )
    book = ProtocolBook(now=lambda: next(times))
    registered = [
        book.register(validate_document(document(f"k-{n}")))[0] for n in range(4)
    ]
    assert [(r["year"], r["number"]) for r in registered] == [
        (2026, "1"),
        (2026, "2"),
        (2027, "1"),
        (2027, "2"),
    ]
    assert registered[1]["protocol"] == "2/31-12-2026"
    assert registered[2]["protocol"] == "1/01-01-2027"
    assert registered[2]["date"] == date(2027, 1, 1).isoformat()
    assert registered[2]["datetime"] == "2027-01-01T00:00:01+02:00"
    assert book.by_number(2026, 1)["idempotency_key"] == "k-0"
    assert book.by_number(2027, 1)["idempotency_key"] == "k-2"


def test_summer_time_offset_is_plus_three():
    book = ProtocolBook(now=lambda: datetime(2026, 7, 1, 9, 0, tzinfo=UTC))
    registration, created = book.register(validate_document(document()))
    assert created
    assert registration["datetime"] == "2026-07-01T12:00:00+03:00"
