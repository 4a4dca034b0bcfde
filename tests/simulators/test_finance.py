"""The finance simulator over HTTP (contract: docs/finance.md).

Every test starts from the demo data: the ``simulators`` fixture resets the
simulators, and the finance system seeds its books again on reset. Tests
that need debts of their own certify them for an ΑΦΜ of their own.
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from decimal import Decimal
from municipality.certificates.testing import afm_for
from stdnum import iso11649
from urllib.parse import quote
from zoneinfo import ZoneInfo

import pytest
import re


def test_property_without_debts(simulators):
    response = simulators.get(
        "/finance/tap/debts", params={"supply_number": "100000001"}
    )
    assert response.status_code == 200
    data = response.json()
    assert data["supply_number"] == "100000001"
    assert data["property"]["address"] == "Ερμού 10"
    assert data["debts"] == []
    assert data["total"] == "0.00"


def test_property_with_debts(simulators):
    data = simulators.get(
        "/finance/tap/debts", params={"supply_number": "100000002"}
    ).json()
    assert len(data["debts"]) == 2
    assert data["total"] == "187.40"
    assert {"id", "period", "description", "amount", "due_date"} <= set(
        data["debts"][0]
    )


def test_unknown_property_is_404(simulators):
    response = simulators.get(
        "/finance/tap/debts", params={"supply_number": "999999999"}
    )
    assert response.status_code == 404
    assert response.json()["error"]["field"] == "supply_number"


def test_malformed_number_is_400(simulators):
    for value in ("", "12ab5678", "123"):
        response = simulators.get("/finance/tap/debts", params={"supply_number": value})
        assert response.status_code == 400
        assert response.json()["error"]["field"] == "supply_number"


def test_down(simulators):
    simulators.set_mode("finance", mode="down")
    response = simulators.get(
        "/finance/tap/debts", params={"supply_number": "100000001"}
    )
    assert response.status_code == 503


# Certified debts, payments, payment orders and the fines register.


CITIZEN = "123456783"
BUSINESS = "800000002"
TEST_TAXPAYERS = ("068933130", "094259216", "111111114")
CATEGORIES = {
    "gross_revenue",
    "visitor_levy",
    "common_spaces",
    "tap",
    "traffic_fines",
    "other_fines",
    "installments",
    "rents",
}
ATHENS = ZoneInfo("Europe/Athens")
RECEIPT = re.compile(r"^ΓΡ-\d{4}/\d{6}$")


def _debts(simulators, afm, **params):
    response = simulators.get("/finance/debts", params={"afm": afm, **params})
    assert response.status_code == 200, response.text
    return response.json()


def _certify(simulators, afm, principal="100.00", due_date="2025-01-15", **extra):
    body = {
        "afm": afm,
        "debtor": "ΔΟΚΙΜΑΣΤΙΚΟΣ ΟΦΕΙΛΕΤΗΣ",
        "category": "other_fines",
        "description": "Πρόστιμο δοκιμής",
        "principal": principal,
        "due_date": due_date,
        **extra,
    }
    response = simulators.post("/finance/debts", json=body)
    assert response.status_code == 201, response.text
    return response.json()


def _payment(transaction_id, *items, **extra):
    total = sum((Decimal(item["amount"]) for item in items), Decimal(0))
    return {
        "transaction_id": transaction_id,
        "items": list(items),
        "amount": str(total),
        "currency": "EUR",
        "paid_at": datetime.now(ATHENS).replace(microsecond=0).isoformat(),
        "bank_reference": "482910",
        "channel": "debts",
        "payer": {"userid": "verified", "fullname": "Γιώργος Νικολάου"},
        **extra,
    }


def _item(debt, amount=None, kind="debt"):
    return {
        "kind": kind,
        "ref": debt["id"],
        "amount": amount or debt["amount"],
        "description": debt["description"],
        "details": {},
    }


def _error(response, status, field):
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["field"] == field, error
    assert error["message"]
    return error


# Debts by ΑΦΜ


def test_demo_debts_of_the_verified_citizen(simulators):
    data = _debts(simulators, CITIZEN)
    debts = data["debts"]
    assert {d["category"] for d in debts} >= {
        "tap",
        "traffic_fines",
        "other_fines",
        "installments",
    }
    assert data["currency"] == "EUR"
    assert [d["due_date"] for d in debts] == sorted(d["due_date"] for d in debts)
    for debt in debts:
        assert debt["afm"] == CITIZEN
        assert debt["status"] == "unpaid"
        assert debt["as_of"] == data["as_of"]
        assert debt["category_title"]
        assert Decimal(debt["principal"]) + Decimal(debt["surcharges"]) == Decimal(
            debt["amount"]
        )
    # Overdue ones carry surcharges, the one not yet due none.
    assert any(Decimal(d["surcharges"]) > 0 for d in debts)
    assert any(
        d["due_date"] > data["as_of"] and d["surcharges"] == "0.00" for d in debts
    )
    assert Decimal(data["total"]) == sum(Decimal(d["amount"]) for d in debts)


def test_demo_debts_of_the_business_and_the_test_taxpayers(simulators):
    categories = {d["category"] for d in _debts(simulators, BUSINESS)["debts"]}
    assert categories == {
        "gross_revenue",
        "visitor_levy",
        "common_spaces",
        "rents",
    }
    gross = [
        d
        for d in _debts(simulators, BUSINESS)["debts"]
        if d["category"] == "gross_revenue"
    ]
    assert len(gross) == 2
    for afm in TEST_TAXPAYERS:
        assert _debts(simulators, afm)["debts"], afm


def test_rf_codes_of_all_demo_debts_and_fines_are_valid(simulators):
    codes = []
    for afm in (CITIZEN, BUSINESS, *TEST_TAXPAYERS):
        codes += [d["rf_code"] for d in _debts(simulators, afm)["debts"]]
    for number, plate in (("000123", "IKT1234"), ("000087", "YXH5678")):
        fine = simulators.get(
            "/finance/fines", params={"ticket_number": number, "plate": plate}
        ).json()
        codes.append(fine["rf_code"])
    assert len(codes) == len(set(codes)) > 15
    for code in codes:
        assert iso11649.is_valid(code), code
        assert code == iso11649.compact(code)
        assert len(code) <= 25
        # The reference starts with the municipality's code.
        assert code[4:8] == "9999"


def test_a_taxpayer_without_debts(simulators):
    data = _debts(simulators, afm_for("fin-nobody"))
    assert data["debts"] == []
    assert data["total"] == "0.00"


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "afm"),
        ({"afm": ""}, "afm"),
        ({"afm": "123456781"}, "afm"),
        ({"afm": "12345"}, "afm"),
        ({"afm": "000000000"}, "afm"),
        ({"afm": CITIZEN, "as_of": "2026-13-01"}, "as_of"),
        ({"afm": CITIZEN, "as_of": "01/02/2026"}, "as_of"),
    ],
)
def test_debts_refuse_bad_input(simulators, params, field):
    _error(simulators.get("/finance/debts", params=params), 400, field)


@pytest.mark.parametrize(
    ("as_of", "months", "surcharges"),
    [
        ("2025-01-10", 0, "0.00"),  # before the due date
        ("2025-01-15", 0, "0.00"),  # on the due date
        ("2025-01-16", 1, "0.73"),  # a day late: part of a month
        ("2025-02-15", 1, "0.73"),
        ("2025-02-16", 2, "1.46"),
        ("2026-01-15", 12, "8.76"),  # 8.76 % a year
        ("2026-01-16", 13, "9.49"),
    ],
)
def test_surcharges_per_month_or_part_of_a_month(simulators, as_of, months, surcharges):
    afm = afm_for("fin-surcharges")
    _certify(simulators, afm, principal="100.00", due_date="2025-01-15")
    [debt] = _debts(simulators, afm, as_of=as_of)["debts"]
    assert debt["as_of"] == as_of
    assert debt["months_late"] == months
    assert debt["principal"] == "100.00"
    assert debt["surcharges"] == surcharges
    assert Decimal(debt["amount"]) == Decimal("100.00") + Decimal(surcharges)


def test_surcharges_round_half_up_and_months_end_on_short_months(simulators):
    afm = afm_for("fin-rounding")
    # 50.00 × 0.73 % = 0.365: half up to 0.37 (not the banker's 0.36).
    _certify(simulators, afm, principal="50.00", due_date="2025-01-31")
    [debt] = _debts(simulators, afm, as_of="2025-02-28")["debts"]
    assert (debt["months_late"], debt["surcharges"]) == (1, "0.37")
    [debt] = _debts(simulators, afm, as_of="2025-03-01")["debts"]
    assert (debt["months_late"], debt["surcharges"]) == (2, "0.73")


# Certifying a debt


def test_certify_a_debt(simulators):
    afm = afm_for("fin-certify")
    debt = _certify(
        simulators,
        afm,
        principal="12.5",
        due_date="2099-12-31",
        category="rents",
        reference="ΒΕΒ-2026/009999",
    )
    assert debt["id"].startswith("D")
    assert debt["category"] == "rents"
    assert debt["category_title"] == "Μισθώματα"
    assert debt["principal"] == debt["amount"] == "12.50"
    assert debt["surcharges"] == "0.00"
    assert debt["reference"] == "ΒΕΒ-2026/009999"
    assert iso11649.is_valid(debt["rf_code"])
    assert [d["id"] for d in _debts(simulators, afm)["debts"]] == [debt["id"]]
    # Without a reference the system numbers the assessment.
    other = _certify(simulators, afm)
    assert re.match(r"^ΒΕΒ-\d{4}/\d{6}$", other["reference"])
    assert other["rf_code"] != debt["rf_code"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"afm": "123456781"}, "afm"),
        ({"debtor": ""}, "debtor"),
        ({"category": "parking"}, "category"),
        ({"description": None}, "description"),
        ({"principal": 12.5}, "principal"),
        ({"principal": "12.345"}, "principal"),
        ({"principal": "0.00"}, "principal"),
        ({"principal": "-5"}, "principal"),
        ({"principal": "δέκα"}, "principal"),
        ({"due_date": "31/12/2025"}, "due_date"),
        ({"due_date": None}, "due_date"),
        ({"interest": "5"}, "interest"),
    ],
)
def test_certify_refuses_bad_input(simulators, change, field):
    body = {
        "afm": afm_for("fin-bad-debt"),
        "debtor": "ΔΟΚΙΜΑΣΤΙΚΟΣ ΟΦΕΙΛΕΤΗΣ",
        "category": "tap",
        "description": "ΤΑΠ",
        "principal": "10.00",
        "due_date": "2025-12-31",
    }
    body.update(change)
    _error(simulators.post("/finance/debts", json=body), 400, field)
    assert _debts(simulators, afm_for("fin-bad-debt"))["debts"] == []


def test_certify_refuses_a_body_that_is_not_json(simulators):
    response = simulators.post("/finance/debts", data="afm=123456783")
    _error(response, 400, "body")


# Debts by payment code


def test_debt_by_code(simulators):
    debt = _debts(simulators, CITIZEN)["debts"][0]
    spaced = iso11649.format(debt["rf_code"]).lower()
    response = simulators.get("/finance/debts/by-code", params={"rf": spaced})
    assert response.status_code == 200
    found = response.json()
    assert found == debt
    assert found["kind"] == "debt"


def test_debt_by_code_as_of(simulators):
    debt = _certify(simulators, afm_for("fin-code-as-of"), due_date="2025-01-15")
    found = simulators.get(
        "/finance/debts/by-code", params={"rf": debt["rf_code"], "as_of": "2025-02-16"}
    ).json()
    assert found["surcharges"] == "1.46"
    assert found["amount"] == "101.46"


def test_a_fine_by_its_code(simulators):
    fine = simulators.get(
        "/finance/fines", params={"ticket_number": "000087", "plate": "YXH5678"}
    ).json()
    found = simulators.get(
        "/finance/debts/by-code", params={"rf": fine["rf_code"]}
    ).json()
    assert found["kind"] == "fine"
    assert found["id"] == fine["id"]
    assert found["category"] == "traffic_fines"
    assert found["amount"] == fine["total"] == "60.00"
    assert "000087" in found["description"]


def test_debt_by_code_errors(simulators):
    _error(simulators.get("/finance/debts/by-code"), 400, "rf")
    # A wrong check digit.
    _error(
        simulators.get("/finance/debts/by-code", params={"rf": "RF17539007547034"}),
        400,
        "rf",
    )
    _error(
        simulators.get("/finance/debts/by-code", params={"rf": "539007547034"}),
        400,
        "rf",
    )
    # Valid, but nobody's.
    _error(
        simulators.get("/finance/debts/by-code", params={"rf": "RF18539007547034"}),
        404,
        "rf",
    )


def test_a_paid_fine_by_its_code_is_409(simulators):
    fine = simulators.get(
        "/finance/fines", params={"ticket_number": "000045", "plate": "KHM4321"}
    ).json()
    assert fine["status"] == "paid"
    error = _error(
        simulators.get("/finance/debts/by-code", params={"rf": fine["rf_code"]}),
        409,
        "rf",
    )
    assert error["receipt_number"] == fine["receipt_number"]
    assert RECEIPT.match(error["receipt_number"])


# Municipal tax


def test_municipal_tax_debts(simulators):
    response = simulators.get("/finance/municipal-tax/debts", params={"afm": BUSINESS})
    assert response.status_code == 200
    debts = response.json()["debts"]
    assert len(debts) == 3
    assert {d["category"] for d in debts} == {"gross_revenue", "visitor_levy"}
    everything = _debts(simulators, BUSINESS)["debts"]
    assert [
        d for d in everything if d["category"] in ("gross_revenue", "visitor_levy")
    ] == debts
    citizen = simulators.get("/finance/municipal-tax/debts", params={"afm": CITIZEN})
    assert citizen.json()["debts"] == []
    _error(
        simulators.get("/finance/municipal-tax/debts", params={"afm": "1"}), 400, "afm"
    )


# Payment orders


def test_payment_orders(simulators):
    response = simulators.get("/finance/payment-orders", params={"afm": BUSINESS})
    assert response.status_code == 200
    orders = response.json()["orders"]
    assert 3 <= len(orders) <= 4
    assert [o["date"] for o in orders] == sorted(
        (o["date"] for o in orders), reverse=True
    )
    statuses = {o["status"] for o in orders}
    assert statuses == {"issued", "paid"}
    for order in orders:
        assert order["number"].startswith("ΧΕ ")
        assert Decimal(order["amount"]) > 0
        assert (order["paid_date"] is not None) == (order["status"] == "paid")
    empty = simulators.get("/finance/payment-orders", params={"afm": CITIZEN})
    assert empty.json()["orders"] == []
    _error(simulators.get("/finance/payment-orders"), 400, "afm")


# Posting payments


def test_post_a_payment(simulators):
    debts = _debts(simulators, CITIZEN)["debts"]
    body = _payment("PAY-fin-1", _item(debts[0]), _item(debts[1]))
    response = simulators.post("/finance/payments", json=body)
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["transaction_id"] == "PAY-fin-1"
    assert RECEIPT.match(receipt["receipt_number"])
    assert receipt["duplicate"] is False
    assert receipt["amount"] == body["amount"]
    # Paid debts leave the list; their codes answer «already paid».
    left = {d["id"] for d in _debts(simulators, CITIZEN)["debts"]}
    assert debts[0]["id"] not in left
    assert debts[1]["id"] not in left
    assert debts[2]["id"] in left
    error = _error(
        simulators.get("/finance/debts/by-code", params={"rf": debts[0]["rf_code"]}),
        409,
        "rf",
    )
    assert error["receipt_number"] == receipt["receipt_number"]
    # Receipt numbers follow on.
    other = _debts(simulators, BUSINESS)["debts"][0]
    second = simulators.post(
        "/finance/payments", json=_payment("PAY-fin-2", _item(other))
    ).json()
    first_number = int(receipt["receipt_number"][-6:])
    assert second["receipt_number"] == receipt["receipt_number"][:-6] + (
        f"{first_number + 1:06d}"
    )


def test_a_repeated_posting_is_a_duplicate_with_the_same_receipt(simulators):
    debt = _debts(simulators, CITIZEN)["debts"][0]
    body = _payment("PAY-fin-repeat", _item(debt))
    first = simulators.post("/finance/payments", json=body)
    again = simulators.post("/finance/payments", json=body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["duplicate"] is True
    assert again.json()["receipt_number"] == first.json()["receipt_number"]
    assert again.json()["warnings"] == []
    posting = simulators.get("/finance/payments/PAY-fin-repeat").json()
    assert posting["requests"] == 2
    assert posting["receipt_number"] == first.json()["receipt_number"]
    listed = simulators.get("/finance/payments").json()
    assert [p["transaction_id"] for p in listed["items"]] == ["PAY-fin-repeat"]


def test_concurrent_repeats_post_once(simulators):
    debt = _debts(simulators, CITIZEN)["debts"][0]
    body = _payment("PAY-fin-race", _item(debt))
    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(
            pool.map(
                lambda _: simulators.post("/finance/payments", json=body), range(8)
            )
        )
    assert sorted(r.status_code for r in responses) == [200] * 7 + [201]
    assert len({r.json()["receipt_number"] for r in responses}) == 1
    assert all(r.json()["warnings"] == [] for r in responses)
    assert simulators.get("/finance/payments/PAY-fin-race").json()["requests"] == 8


def test_a_posting_repeated_with_other_content_is_409(simulators):
    debts = _debts(simulators, CITIZEN)["debts"]
    simulators.post(
        "/finance/payments", json=_payment("PAY-fin-conflict", _item(debts[0]))
    )
    response = simulators.post(
        "/finance/payments",
        json=_payment("PAY-fin-conflict", _item(debts[0]), _item(debts[1])),
    )
    error = _error(response, 409, "transaction_id")
    assert set(error["differs"]) == {"items", "amount"}
    # The second debt was not paid by it.
    assert debts[1]["id"] in {d["id"] for d in _debts(simulators, CITIZEN)["debts"]}
    assert simulators.get("/finance/payments/PAY-fin-conflict").json()["conflicts"] == 1


def test_paying_a_paid_debt_is_accepted_with_a_refund_warning(simulators):
    debt = _debts(simulators, CITIZEN)["debts"][0]
    first = simulators.post(
        "/finance/payments", json=_payment("PAY-fin-a", _item(debt))
    ).json()
    response = simulators.post(
        "/finance/payments", json=_payment("PAY-fin-b", _item(debt))
    )
    assert response.status_code == 201
    receipt = response.json()
    assert receipt["receipt_number"] != first["receipt_number"]
    [warning] = receipt["warnings"]
    assert warning["code"] == "already_paid"
    assert warning["ref"] == debt["id"]
    assert warning["refund"] == debt["amount"]
    assert warning["receipt_number"] == first["receipt_number"]


def test_posting_warns_about_other_amounts_and_unknown_refs(simulators):
    debt = _certify(simulators, afm_for("fin-warn"), due_date="2099-01-01")
    body = _payment(
        "PAY-fin-warn",
        _item(debt, amount="90.00"),
        {"kind": "debt", "ref": "D999999", "amount": "5.00", "description": "?"},
        {"kind": "declaration", "ref": "uid-of-a-declaration", "amount": "12.00"},
    )
    receipt = simulators.post("/finance/payments", json=body).json()
    codes = {w["ref"]: w for w in receipt["warnings"]}
    assert set(codes) == {debt["id"], "D999999"}
    assert codes[debt["id"]]["code"] == "amount_differs"
    assert (codes[debt["id"]]["paid"], codes[debt["id"]]["due"]) == ("90.00", "100.00")
    assert codes["D999999"]["code"] == "unknown"
    # Marked paid all the same: the office reconciles the difference.
    assert _debts(simulators, afm_for("fin-warn"))["debts"] == []


def test_posting_a_fine_marks_it_paid(simulators):
    fine = simulators.get(
        "/finance/fines", params={"ticket_number": "000123", "plate": "IKT1234"}
    ).json()
    body = _payment(
        "PAY-fin-fine",
        {"kind": "fine", "ref": fine["id"], "amount": fine["total"]},
        channel="fine",
        payer=None,
    )
    receipt = simulators.post("/finance/payments", json=body).json()
    assert receipt["warnings"] == []
    fine = simulators.get(
        "/finance/fines", params={"ticket_number": "000123", "plate": "IKT1234"}
    ).json()
    assert fine["status"] == "paid"
    assert fine["receipt_number"] == receipt["receipt_number"]


def test_a_payment_is_read_back_by_its_id(simulators):
    debt = _debts(simulators, CITIZEN)["debts"][0]
    transaction_id = "ΠΛΗ-2026.000012"
    body = _payment(transaction_id, _item(debt), paid_at="2026-03-02T10:15:00+02:00")
    receipt = simulators.post("/finance/payments", json=body).json()
    response = simulators.get(f"/finance/payments/{quote(transaction_id)}")
    assert response.status_code == 200
    posting = response.json()
    assert posting["receipt_number"] == receipt["receipt_number"]
    assert posting["items"][0]["ref"] == debt["id"]
    assert posting["payer"] == body["payer"]
    assert posting["paid_at"] == "2026-03-02T10:15:00+02:00"
    _error(simulators.get("/finance/payments/PAY-never"), 404, "transaction_id")


def _bad(body, **change):
    body = dict(body)
    body.update(change)
    return body


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"transaction_id": ""}, "transaction_id"),
        ({"transaction_id": "PAY/1"}, "transaction_id"),
        ({"transaction_id": "PAY 1"}, "transaction_id"),
        ({"items": []}, "items"),
        ({"items": "D000101"}, "items"),
        ({"items": ["D000101"]}, "items[0]"),
        ({"items": [{"kind": "gift", "ref": "D1", "amount": "1.00"}]}, "items[0].kind"),
        ({"items": [{"kind": "debt", "ref": "", "amount": "1.00"}]}, "items[0].ref"),
        (
            {"items": [{"kind": "debt", "ref": "D1", "amount": "0.00"}]},
            "items[0].amount",
        ),
        ({"items": [{"kind": "debt", "ref": "D1", "amount": 1.0}]}, "items[0].amount"),
        (
            {"items": [{"kind": "debt", "ref": "D1", "amount": "1.005"}]},
            "items[0].amount",
        ),
        (
            {"items": [{"kind": "debt", "ref": "D1", "amount": "1.00", "x": 1}]},
            "items[0].x",
        ),
        (
            {
                "items": [
                    {"kind": "debt", "ref": "D1", "amount": "1.00"},
                    {"kind": "debt", "ref": "D1", "amount": "1.00"},
                ],
                "amount": "2.00",
            },
            "items[1].ref",
        ),
        ({"amount": "10.01"}, "amount"),
        ({"amount": None}, "amount"),
        ({"currency": "USD"}, "currency"),
        ({"paid_at": "yesterday"}, "paid_at"),
        ({"paid_at": None}, "paid_at"),
        ({"payer": "Γιώργος"}, "payer"),
        ({"payer": {"afm": "123456781"}}, "payer.afm"),
        ({"refund": True}, "refund"),
    ],
)
def test_posting_refuses_malformed_input(simulators, change, field):
    good = _payment(
        "PAY-fin-bad", {"kind": "debt", "ref": "D000101", "amount": "10.00"}
    )
    body = _bad(good, **change)
    if "items" in change and "amount" not in change:
        body["amount"] = "1.00"
    _error(simulators.post("/finance/payments", json=body), 400, field)
    # Nothing was posted or paid.
    assert simulators.get("/finance/payments").json()["count"] == 0
    assert "D000101" in {d["id"] for d in _debts(simulators, CITIZEN)["debts"]}


# The fines register


@pytest.mark.parametrize("plate", ["ΙΚΤ-1234", "ικτ 1234", "IKT1234", "ikt-1234"])
def test_find_a_demo_ticket_by_number_and_plate(simulators, plate):
    response = simulators.get(
        "/finance/fines", params={"ticket_number": "000123", "plate": plate}
    )
    assert response.status_code == 200
    fine = response.json()
    assert fine["plate"] == "IKT1234"
    assert fine["ticket_type"] == "Ε1Α"
    assert fine["municipality_code"] == "9999"
    assert (fine["amount"], fine["surcharges"], fine["total"]) == (
        "30.00",
        "0.00",
        "30.00",
    )
    assert fine["status"] == "unpaid"
    assert fine["registered_by"] == "municipal police"
    assert iso11649.is_valid(fine["rf_code"])


def test_an_older_ticket_has_surcharges(simulators):
    fine = simulators.get(
        "/finance/fines", params={"ticket_number": "000087", "plate": "ΥΧΗ-5678"}
    ).json()
    assert (fine["amount"], fine["surcharges"], fine["total"]) == (
        "40.00",
        "20.00",
        "60.00",
    )


def test_find_fine_errors(simulators):
    def find(**params):
        return simulators.get("/finance/fines", params=params)

    # The number exists, with another plate: not found.
    _error(find(ticket_number="000123", plate="ΙΚΤ-1235"), 404, "ticket_number")
    _error(find(ticket_number="999999", plate="ΙΚΤ-1234"), 404, "ticket_number")
    _error(find(ticket_number="", plate="ΙΚΤ-1234"), 400, "ticket_number")
    _error(find(ticket_number="12AB", plate="ΙΚΤ-1234"), 400, "ticket_number")
    _error(find(ticket_number="000123", plate="ΣΚΤ-1234"), 400, "plate")
    _error(find(ticket_number="000123"), 400, "plate")


def _ticket(**change):
    body = {
        "municipality_code": "9999",
        "ticket_type": "Ε1Α",
        "ticket_number": "004711",
        "plate": "ΝΒΧ-2211",
        "issued_at": "2026-03-01T09:30",
        "amount": "30.00",
    }
    body.update(change)
    return body


def test_register_a_ticket(simulators):
    response = simulators.post(
        "/finance/fines", json=_ticket(location="Ερμού 3", violation="Ρ-69")
    )
    assert response.status_code == 201, response.text
    fine = response.json()
    assert fine["plate"] == "NBX2211"
    assert fine["registered_by"] == "portal"
    assert fine["status"] == "unpaid"
    assert (fine["amount"], fine["total"]) == ("30.00", "30.00")
    assert fine["issued_at"] == "2026-03-01T09:30"
    assert fine["location"] == "Ερμού 3"
    assert iso11649.is_valid(fine["rf_code"])
    found = simulators.get(
        "/finance/fines", params={"ticket_number": "004711", "plate": "nbx 2211"}
    ).json()
    assert found == fine
    # Again, the plate typed otherwise: the same ticket.
    again = simulators.post("/finance/fines", json=_ticket(plate="NBX2211"))
    assert again.status_code == 200
    assert again.json() == fine


def test_registering_a_known_ticket_answers_the_register(simulators):
    response = simulators.post(
        "/finance/fines",
        json=_ticket(ticket_number="000087", plate="YXH5678", amount="30.00"),
    )
    assert response.status_code == 200
    fine = response.json()
    assert fine["registered_by"] == "municipal police"
    assert fine["total"] == "60.00"


def test_registering_a_number_with_another_plate_is_409(simulators):
    response = simulators.post(
        "/finance/fines", json=_ticket(ticket_number="000123", plate="ΑΒΕ-1111")
    )
    _error(response, 409, "plate")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"municipality_code": "1234"}, "municipality_code"),
        ({"municipality_code": ""}, "municipality_code"),
        ({"ticket_type": ""}, "ticket_type"),
        ({"ticket_type": "Ε1Α; DROP"}, "ticket_type"),
        ({"ticket_number": "ΑΒ12"}, "ticket_number"),
        ({"plate": "ΙΚΤ-12"}, "plate"),
        ({"plate": "ΓΔΛ-1234"}, "plate"),
        ({"issued_at": "01/03/2026 09:30"}, "issued_at"),
        ({"issued_at": "2999-01-01T09:30"}, "issued_at"),
        ({"amount": "0"}, "amount"),
        ({"amount": 30}, "amount"),
        ({"officer": "12"}, "officer"),
    ],
)
def test_register_refuses_bad_input(simulators, change, field):
    _error(simulators.post("/finance/fines", json=_ticket(**change)), 400, field)
    response = simulators.get(
        "/finance/fines", params={"ticket_number": "004711", "plate": "ΝΒΧ-2211"}
    )
    assert response.status_code == 404


# Reset and failure modes


def test_reset_restores_the_demo_books(simulators):
    debt = _debts(simulators, CITIZEN)["debts"][0]
    simulators.post("/finance/payments", json=_payment("PAY-fin-reset", _item(debt)))
    simulators.post("/finance/fines", json=_ticket())
    simulators.reset()
    assert debt["id"] in {d["id"] for d in _debts(simulators, CITIZEN)["debts"]}
    assert simulators.get("/finance/payments").json()["count"] == 0
    response = simulators.get(
        "/finance/fines", params={"ticket_number": "004711", "plate": "ΝΒΧ-2211"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "kwargs"),
    [
        ("GET", "/finance/debts", {"params": {"afm": CITIZEN}}),
        ("GET", "/finance/payment-orders", {"params": {"afm": BUSINESS}}),
        ("POST", "/finance/payments", {"json": {}}),
        ("POST", "/finance/fines", {"json": {}}),
    ],
)
def test_failure_modes_apply_to_every_endpoint(simulators, method, path, kwargs):
    simulators.set_mode("finance", mode="error", status=502)
    assert simulators.request(method, path, **kwargs).status_code == 502
    simulators.set_mode("finance", mode="down")
    assert simulators.request(method, path, **kwargs).status_code == 503
