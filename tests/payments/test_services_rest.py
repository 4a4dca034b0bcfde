"""The citizens' payment services over plone.restapi, real HTTP, real simulators.

``@my-debts`` (401 / 403 / 200, paying some), ``@payment-code`` (GET the
debt, POST to pay), ``@traffic-fines`` (types, auto-fill, find or register,
pay). Errors name their field in the shared JSON shape and create nothing;
paying answers the payment and the bank's signed form.
"""

from datetime import date
from datetime import timedelta
from decimal import Decimal
from municipality.certificates.testing import afm_for
from municipality.certificates.testing import create_citizen
from municipality.certificates.testing import create_verified_citizen
from municipality.certificates.testing import PASSWORD
from municipality.integrations.finance import FinanceClient
from municipality.payments import api
from municipality.payments import ledger
from municipality.payments import rf
from municipality.payments.browser import fines
from municipality.payments.browser import services

import pytest
import random
import requests
import transaction
import uuid


TIMEOUT = 30


@pytest.fixture
def site(wired):
    services.lookups.reset()
    return wired


def rest(user=None):
    s = requests.Session()
    s.headers["Accept"] = "application/json"
    if user:
        s.auth = (user, PASSWORD)
    return s


def endpoint(portal, name):
    return f"{portal.absolute_url()}/{name}"


def verified():
    userid = f"r{uuid.uuid4().hex[:10]}"
    afm = afm_for(userid)
    create_verified_citizen(userid, "Ελένη Δημητρίου", f"{userid}@example.gr", afm=afm)
    transaction.commit()
    return userid, afm


def certify(afm=None, principal="120.00", days_late=35, category="other_fines"):
    return FinanceClient.from_registry().certify_debt(
        afm or afm_for(uuid.uuid4().hex),
        "ΔΗΜΗΤΡΙΟΥ ΕΛΕΝΗ",
        category,
        f"Οφειλή REST {uuid.uuid4().hex[:6]}",
        Decimal(principal),
        date.today() - timedelta(days=days_late),
    )


def all_payments():
    transaction.begin()
    book = ledger.get_ledger()
    return list(book.payments.values()) if book is not None else []


def fields_of(answer):
    assert set(answer) == {"error"}, answer
    assert answer["error"]["message"]
    return {e["field"] for e in answer["error"]["errors"]}


def check_paid_answer(response, portal, amount):
    assert response.status_code == 201, response.text
    answer = response.json()
    payment = answer["payment"]
    assert payment["state"] == "started"
    assert payment["amount"] == str(amount)
    assert payment["currency"] == "EUR"
    assert payment["url"].startswith(f"{portal.absolute_url()}/@@payment/")
    assert response.headers["Location"] == payment["url"]
    bank = answer["bank"]
    assert bank["action"].endswith("/vpos/shophandlermpi")
    names = [name for name, _value in bank["fields"]]
    assert names[0] == "version"
    assert names[-1] == "digest"
    assert dict(bank["fields"])["orderAmount"] == str(amount)
    (stored,) = [p for p in all_payments() if p.token == payment["token"]]
    assert api.payment_url(stored) == payment["url"]
    return stored


# -- @my-debts ----------------------------------------------------------------


def test_my_debts_anonymous_is_401(site):
    response = rest().get(endpoint(site, "@my-debts"), timeout=TIMEOUT)
    assert response.status_code == 401
    response = rest().post(endpoint(site, "@my-debts"), json={}, timeout=TIMEOUT)
    assert response.status_code == 401


def test_my_debts_not_verified_is_403(site):
    create_citizen("plain", "Απλός Χρήστης", "plain@example.gr")
    transaction.commit()
    response = rest("plain").get(endpoint(site, "@my-debts"), timeout=TIMEOUT)
    assert response.status_code == 403
    assert response.json()["error"]["type"] == "Forbidden"
    assert "TaxisNet" in response.json()["error"]["message"]


def test_my_debts_lists_and_pays(site):
    userid, afm = verified()
    tap = certify(afm, "48.60", category="tap")
    rent = certify(afm, "650.00", days_late=-5, category="rents")
    theirs = certify()
    s = rest(userid)
    response = s.get(endpoint(site, "@my-debts"), timeout=TIMEOUT)
    assert response.status_code == 200
    answer = response.json()
    assert answer["afm"] == afm
    ids = [item["id"] for item in answer["items"]]
    assert ids == [tap.id, rent.id]
    first = answer["items"][0]
    assert first["amount"] == str(tap.amount)
    assert first["principal"] == "48.60"
    assert first["surcharges"] == str(tap.surcharges)
    assert first["rf_code"] == tap.rf_code
    assert first["category_title"] == "Τέλος ακίνητης περιουσίας"
    assert first["payable"] is True
    assert answer["total"] == str(tap.amount + rent.amount)
    assert [c["id"] for c in answer["categories"]] == ["tap", "rents"]

    # Another person's debt: refused, naming the field; nothing created.
    response = s.post(
        endpoint(site, "@my-debts"),
        json={"debts": [tap.id, theirs.id], "email": ""},
        timeout=TIMEOUT,
    )
    assert response.status_code == 400
    assert response.json()["error"]["type"] == "ValidationError"
    assert fields_of(response.json()) == {"debts"}
    assert all_payments() == []

    response = s.post(
        endpoint(site, "@my-debts"),
        json={"debts": [tap.id], "email": "eleni@example.gr"},
        timeout=TIMEOUT,
    )
    stored = check_paid_answer(response, site, tap.amount)
    assert stored.payer["afm"] == afm
    assert stored.email == "eleni@example.gr"

    listed = s.get(endpoint(site, "@my-debts"), timeout=TIMEOUT).json()["items"]
    assert listed[0]["in_progress"] is True
    assert listed[0]["payable"] is False
    assert listed[0]["payment_url"] == response.json()["payment"]["url"]
    again = s.post(
        endpoint(site, "@my-debts"), json={"debts": [tap.id]}, timeout=TIMEOUT
    )
    assert again.status_code == 409
    assert again.json()["error"]["type"] == "Conflict"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"debts": []}, "debts"),
        ({"debts": "D000001"}, "debts"),
        ({"debts": [1, 2]}, "debts"),
        ({"debts": None}, "debts"),
        ({"debts": ["x"], "email": "no"}, "email"),
    ],
)
def test_my_debts_field_errors(site, body, field):
    userid, afm = verified()
    certify(afm)
    response = rest(userid).post(endpoint(site, "@my-debts"), json=body, timeout=30)
    assert response.status_code == 400
    assert field in fields_of(response.json())
    assert all_payments() == []


def test_my_debts_wants_json(site):
    userid, afm = verified()
    debt = certify(afm)
    response = rest(userid).post(
        endpoint(site, "@my-debts"), data={"debts": debt.id}, timeout=TIMEOUT
    )
    assert response.status_code == 415
    assert all_payments() == []


def test_my_debts_finance_down(site, simulators):
    userid, _afm = verified()
    simulators.set_mode("finance", mode="down")
    response = rest(userid).get(endpoint(site, "@my-debts"), timeout=TIMEOUT)
    assert response.status_code == 503
    assert response.json()["error"]["type"] == "ServiceUnavailable"


# -- @payment-code ----------------------------------------------------------------


def test_payment_code(site):
    debt = certify()
    s = rest()
    code = services.group_rf(debt.rf_code).lower()
    response = s.get(endpoint(site, "@payment-code"), params={"rf": code}, timeout=30)
    assert response.status_code == 200
    answer = response.json()
    assert answer["debtor"] == "Δ******** Ε****"
    assert answer["amount"] == str(debt.amount)
    assert answer["rf_code"] == debt.rf_code
    assert "id" not in answer
    assert "afm" not in answer
    response = s.post(
        endpoint(site, "@payment-code"), json={"rf": code, "email": ""}, timeout=30
    )
    stored = check_paid_answer(response, site, debt.amount)
    assert stored.channel == "code"


@pytest.mark.parametrize(
    ("code", "status"),
    [
        ("", 400),
        ("RF00 1234", 400),
        (rf.generate("99991888888888"), 404),
    ],
)
def test_payment_code_errors(site, code, status):
    s = rest()
    response = s.get(endpoint(site, "@payment-code"), params={"rf": code}, timeout=30)
    assert response.status_code == status
    assert fields_of(response.json()) == {"rf"}
    response = s.post(endpoint(site, "@payment-code"), json={"rf": code}, timeout=30)
    assert response.status_code == status
    assert all_payments() == []


# -- @traffic-fines ----------------------------------------------------------------


def fine_body(**overrides):
    day = (fines.now() - timedelta(days=2)).date().isoformat()
    body = {
        "municipality_code": "9999",
        "ticket_type": "Ε1Α",
        "ticket_number": str(random.randrange(10**8, 10**9)),
        "plate": "ΚΗΧ-7788",
        "date": day,
        "time": "11:20",
    }
    body.update(overrides)
    return body


def test_traffic_fine_types(site):
    response = rest().get(endpoint(site, "@traffic-fines/types"), timeout=TIMEOUT)
    assert response.status_code == 200
    answer = response.json()
    assert answer["municipality_code"] == "9999"
    codes = {item["code"]: item["amount"] for item in answer["items"]}
    assert codes["Ε1Α"] == "30.00"
    assert "ΤΡ" not in codes


def test_traffic_fine_lookup_registers_and_pay(site):
    s = rest()
    body = fine_body()
    response = s.post(endpoint(site, "@traffic-fines/lookup"), json=body, timeout=30)
    assert response.status_code == 200
    fine = response.json()
    assert fine["registered_now"] is True
    assert fine["plate"] == "KHX7788"
    assert fine["total"] == "30.00"
    assert fine["payable"] is True
    # The auto-fill now knows it; nothing about people.
    auto = s.get(
        endpoint(site, "@traffic-fines/lookup"),
        params={"ticket_number": body["ticket_number"], "plate": "khx 7788"},
        timeout=TIMEOUT,
    ).json()
    assert auto == {
        "found": True,
        "ticket_type": "Ε1Α",
        "date": body["date"],
        "time": "11:20",
        "paid": False,
    }
    response = s.post(
        endpoint(site, "@traffic-fines"),
        json={**body, "plate": "KHX7788", "email": "driver@example.gr"},
        timeout=TIMEOUT,
    )
    stored = check_paid_answer(response, site, Decimal("30.00"))
    assert stored.items[0]["ref"] == fine["id"]
    assert stored.channel == "fine"


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"municipality_code": "1234"}, {"municipality_code"}),
        ({"ticket_type": "ΤΡ"}, {"ticket_type"}),
        ({"plate": "ΔΔΔ-12"}, {"plate"}),
        ({"ticket_number": "AB-12"}, {"ticket_number"}),
        ({"date": "31/02/2026", "time": "25:00"}, {"date", "time"}),
        ({"ticket_number": None, "plate": 7}, {"ticket_number", "plate"}),
    ],
)
def test_traffic_fine_field_errors(site, overrides, fields):
    body = fine_body(**overrides)
    s = rest()
    for name in ("@traffic-fines/lookup", "@traffic-fines"):
        response = s.post(endpoint(site, name), json=body, timeout=TIMEOUT)
        assert response.status_code == 400
        assert response.json()["error"]["type"] == "ValidationError"
        assert fields_of(response.json()) == fields
    assert all_payments() == []
    number = body.get("ticket_number")
    if isinstance(number, str) and number.isdigit():
        assert FinanceClient.from_registry().find_fine(number, "KHX7788") is None


def test_traffic_fine_other_plate_is_409(site):
    response = rest().post(
        endpoint(site, "@traffic-fines"),
        json=fine_body(ticket_number="000123", plate="ΑΑΑ-1111"),
        timeout=TIMEOUT,
    )
    assert response.status_code == 409
    assert fields_of(response.json()) == {"plate"}
    assert all_payments() == []


def test_unknown_sub_path(site):
    response = rest().get(endpoint(site, "@traffic-fines/nothing"), timeout=TIMEOUT)
    assert response.status_code == 404
