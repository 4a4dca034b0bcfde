"""The finance client against the finance simulator, over HTTP."""

from datetime import date
from datetime import datetime
from decimal import Decimal
from municipality.certificates.testing import afm_for
from municipality.integrations.errors import ExternalSystemBadResponse
from municipality.integrations.errors import ExternalSystemRejected
from municipality.integrations.errors import ExternalSystemUnavailable
from municipality.integrations.finance import Debt
from municipality.integrations.finance import DEBT_CATEGORIES
from municipality.integrations.finance import FinanceClient
from municipality.integrations.finance import Fine
from municipality.integrations.finance import format_rf
from municipality.integrations.finance import MUNICIPAL_TAX_CATEGORIES
from municipality.integrations.finance import normalize_afm
from municipality.integrations.finance import normalize_plate
from municipality.integrations.finance import normalize_rf
from municipality.integrations.finance import PaymentOrder

import pytest


@pytest.fixture
def client(simulators):
    return FinanceClient(f"{simulators.url}/finance", timeout=2)


def test_without_debts(client):
    statement = client.tap_statement("100000001")
    assert not statement.has_debts
    assert statement.total == Decimal("0.00")
    assert statement.address == "Ερμού 10"
    assert statement.area == 85


def test_with_debts(client):
    statement = client.tap_statement("100000002")
    assert statement.has_debts
    assert [d.amount for d in statement.debts] == [Decimal("93.70")] * 2
    assert statement.total == Decimal("187.40")
    assert statement.debts[0].due_date.isoformat() == "2025-12-15"


def test_unknown_is_none(client):
    assert client.tap_statement("999999999") is None


def test_malformed_is_rejected(client):
    with pytest.raises(ExternalSystemRejected) as info:
        client.tap_statement("12ab")
    assert info.value.status == 400


def test_down_is_unavailable(client, simulators):
    simulators.set_mode("finance", mode="down")
    with pytest.raises(ExternalSystemUnavailable):
        client.tap_statement("100000001")


def test_error_mode_is_unavailable(client, simulators):
    simulators.set_mode("finance", mode="error", status=500)
    with pytest.raises(ExternalSystemUnavailable):
        client.tap_statement("100000001")


def test_statement_of_another_shape_is_a_bad_response(client):
    with pytest.raises(ExternalSystemBadResponse):
        client._statement({"no": "debts"})
    with pytest.raises(ExternalSystemBadResponse):
        client._statement({"debts": [{"id": "x", "amount": "δέκα"}]})


# Certified debts, payment orders, the fines register.

CITIZEN = "123456783"
BUSINESS = "800000002"


@pytest.mark.parametrize(
    ("typed", "plate"),
    [
        ("ΙΚΤ-1234", "IKT1234"),  # Greek capitals
        ("IKT-1234", "IKT1234"),  # Latin capitals
        ("ικτ 1234", "IKT1234"),  # Greek lower case
        ("ikt1234", "IKT1234"),  # Latin lower case
        ("ΊΚΤ 1234", "IKT1234"),  # accented Greek
        ("ϊκτ.1234", "IKT1234"),  # diaeresis, a dot
        ("ΰχή–5678", "YXH5678"),  # accents and an en dash
        (" Ι Κ Τ - 1 2 3 4 ", "IKT1234"),
        ("ΒΟ-4410", "BO4410"),  # older, 2 letters
        ("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ"[:3] + "0001", "ABE0001"),
        ("Ζμ-9999", "ZM9999"),  # Greek and Latin mixed
    ],
)
def test_normalize_plate(typed, plate):
    assert normalize_plate(typed) == plate


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("", "empty"),
        (" - ", "empty"),
        ("ΓΚΤ-1234", "«Γ»"),  # Γ has no Latin twin
        ("ΣΚΤ-1234", "«Σ»"),
        ("ABC-1234", "«C»"),  # a Latin letter Greek plates do not use
        ("ΙΚΤ-123", "2 or 3 letters and 4 digits"),
        ("ΙΚΤ-12345", "2 or 3 letters and 4 digits"),
        ("ΙΚΤΑ-1234", "2 or 3 letters and 4 digits"),
        ("Ι-1234", "2 or 3 letters and 4 digits"),
        ("1234-ΙΚΤ", "2 or 3 letters and 4 digits"),
        ("ΙΚΤ/1234", "«/»"),
        ("ΙΚΤ-١٢٣٤", "«١»"),  # Arabic-Indic digits
    ],
)
def test_normalize_plate_refuses(typed, problem):
    with pytest.raises(ValueError, match=problem):
        normalize_plate(typed)


def test_normalize_afm_and_rf():
    assert normalize_afm("094 259 216") == "094259216"
    assert normalize_afm("94259216") == "094259216"
    for bad in ("123456781", "", None, "000000000", "12345678X"):
        with pytest.raises(ValueError, match="ΑΦΜ"):
            normalize_afm(bad)
    assert normalize_rf("rf18 5390 0754 7034") == "RF18539007547034"
    assert format_rf("RF18539007547034") == "RF18 5390 0754 7034"
    for bad in ("", "RF17539007547034", "539007547034", "RF18" + "1" * 22):
        with pytest.raises(ValueError, match="payment code"):
            normalize_rf(bad)


def test_debts(client):
    debts = client.debts(CITIZEN)
    assert len(debts) >= 4
    for debt in debts:
        assert isinstance(debt, Debt)
        assert isinstance(debt.amount, Decimal)
        assert debt.amount == debt.principal + debt.surcharges
        assert debt.category in DEBT_CATEGORIES
        assert debt.afm == CITIZEN
        assert debt.kind == "debt"
        assert normalize_rf(debt.rf_code) == debt.rf_code
    assert any(debt.surcharges > 0 for debt in debts)
    assert client.debts(afm_for("fin-client-none")) == ()


def test_debts_as_of_a_day(client):
    afm = afm_for("fin-client-as-of")
    debt = client.certify_debt(
        afm,
        "ΔΟΚΙΜΑΣΤΙΚΗ ΟΦΕΙΛΕΤΡΙΑ",
        "tap",
        "ΤΑΠ 2024",
        Decimal("80.00"),
        date(2025, 3, 31),
    )
    [found] = client.debts(afm, as_of=date(2025, 6, 1))
    assert found.id == debt.id
    assert found.as_of == date(2025, 6, 1)
    assert found.due_date == date(2025, 3, 31)
    # April, May and a day of June: 3 × 0.73 % of 80.00 = 1.752.
    assert found.surcharges == Decimal("1.75")
    assert found.amount == Decimal("81.75")


def test_certify_debt(client):
    afm = afm_for("fin-client-certify")
    debt = client.certify_debt(
        afm,
        "ΔΟΚΙΜΑΣΤΙΚΗ ΟΦΕΙΛΕΤΡΙΑ",
        "rents",
        "Μίσθωμα περιπτέρου",
        "120.5",
        date(2099, 1, 31),
        reference="ΒΕΒ-2099/000001",
    )
    assert debt.principal == debt.amount == Decimal("120.50")
    assert debt.surcharges == Decimal("0.00")
    assert debt.reference == "ΒΕΒ-2099/000001"
    assert debt.debtor == "ΔΟΚΙΜΑΣΤΙΚΗ ΟΦΕΙΛΕΤΡΙΑ"
    with pytest.raises(ExternalSystemRejected) as info:
        client.certify_debt(afm, "Χ", "parking", "Χ", "1.00", date(2099, 1, 1))
    assert info.value.status == 400
    assert "category" in info.value.message
    with pytest.raises(TypeError):
        client.certify_debt(afm, "Χ", "rents", "Χ", 1.5, date(2099, 1, 1))


def test_municipal_tax_debts(client):
    debts = client.municipal_tax_debts(BUSINESS)
    assert {d.category for d in debts} == set(MUNICIPAL_TAX_CATEGORIES)
    assert len(client.debts(BUSINESS)) > len(debts)
    assert client.municipal_tax_debts(CITIZEN) == ()


def test_debt_by_code(client):
    debt = client.debts(CITIZEN)[0]
    assert client.debt_by_code(format_rf(debt.rf_code)) == debt
    assert client.debt_by_code("RF18539007547034") is None
    with pytest.raises(ValueError, match="not a valid RF payment code"):
        client.debt_by_code("RF17539007547034")


def test_a_fine_by_its_code(client):
    fine = client.find_fine("000087", "ΥΧΗ-5678")
    debt = client.debt_by_code(fine.rf_code)
    assert debt.kind == "fine"
    assert debt.id == fine.id
    assert debt.category == "traffic_fines"
    assert debt.amount == fine.total == Decimal("60.00")


def test_a_paid_code_is_409(client):
    fine = client.find_fine("000045", "ΚΗΜ-4321")
    assert fine.status == "paid"
    with pytest.raises(ExternalSystemRejected) as info:
        client.debt_by_code(fine.rf_code)
    assert info.value.status == 409


def test_payment_orders(client):
    orders = client.payment_orders(BUSINESS)
    assert {o.status for o in orders} == {"issued", "paid"}
    assert [o.date for o in orders] == sorted((o.date for o in orders), reverse=True)
    for order in orders:
        assert isinstance(order, PaymentOrder)
        assert isinstance(order.amount, Decimal)
        assert (order.paid_date is not None) == (order.status == "paid")
    assert client.payment_orders(CITIZEN) == ()


def test_find_fine(client):
    fine = client.find_fine("000123", "ικτ-1234")
    assert isinstance(fine, Fine)
    assert fine.plate == "IKT1234"
    assert fine.ticket_type == "Ε1Α"
    assert fine.total == fine.amount == Decimal("30.00")
    assert fine.status == "unpaid"
    assert client.find_fine("000123", "ΙΚΤ-4321") is None
    assert client.find_fine("424242", "ΙΚΤ-1234") is None
    with pytest.raises(ValueError, match="«Γ» is not a letter of Greek plates"):
        client.find_fine("000123", "ΓΚΤ-1234")
    with pytest.raises(ExternalSystemRejected) as info:
        client.find_fine("12-AB", "ΙΚΤ-1234")
    assert info.value.status == 400


def test_register_fine(client):
    issued = datetime(2026, 3, 1, 9, 30)
    fine = client.register_fine(
        "9999",
        "Ε1Β",
        "008800",
        "ΜΝΟ 4567",
        issued,
        Decimal("40.00"),
        location="Ερμού 1",
    )
    assert fine.registered_by == "portal"
    assert fine.plate == "MNO4567"
    assert fine.issued_at == "2026-03-01T09:30"
    assert fine.total == Decimal("40.00")
    assert fine.location == "Ερμού 1"
    # Idempotent on number and plate.
    assert (
        client.register_fine("9999", "Ε1Β", "008800", "MNO4567", issued, "40") == fine
    )
    assert client.find_fine("008800", "ΜΝΟ-4567") == fine
    with pytest.raises(ExternalSystemRejected) as info:
        client.register_fine("9999", "Ε1Β", "008800", "ΑΒΕ-1111", issued, "40.00")
    assert info.value.status == 409
    with pytest.raises(ExternalSystemRejected) as info:
        client.register_fine("1234", "Ε1Β", "008801", "ΑΒΕ-1111", issued, "40.00")
    assert info.value.status == 400
    assert "municipality_code" in info.value.message


@pytest.mark.parametrize(
    "call",
    [
        lambda c: c.debts(CITIZEN),
        lambda c: c.municipal_tax_debts(BUSINESS),
        lambda c: c.debt_by_code("RF18539007547034"),
        lambda c: c.certify_debt(CITIZEN, "Χ", "tap", "Χ", "1.00", date(2099, 1, 1)),
        lambda c: c.payment_orders(BUSINESS),
        lambda c: c.find_fine("000123", "IKT1234"),
        lambda c: c.register_fine(
            "9999", "Ε1Α", "1", "IKT1234", "2026-01-01T10:00", "30.00"
        ),
    ],
)
@pytest.mark.parametrize("mode", [{"mode": "down"}, {"mode": "error", "status": 503}])
def test_down_or_error_is_unavailable(client, simulators, call, mode):
    simulators.set_mode("finance", **mode)
    with pytest.raises(ExternalSystemUnavailable):
        call(client)


def test_slow_is_unavailable(simulators):
    client = FinanceClient(f"{simulators.url}/finance", timeout=0.3)
    simulators.set_mode("finance", mode="slow", delay=1)
    with pytest.raises(ExternalSystemUnavailable, match="no answer"):
        client.debts(CITIZEN)


def test_a_bad_afm_is_refused_before_calling(client, simulators):
    # The system is down: a ValueError, not Unavailable, shows no call was made.
    simulators.set_mode("finance", mode="down")
    with pytest.raises(ValueError, match="not a valid ΑΦΜ"):
        client.debts("123456781")
    with pytest.raises(ValueError, match="not a valid ΑΦΜ"):
        client.payment_orders("")
    with pytest.raises(ValueError, match="not a letter of Greek plates"):
        client.find_fine("000123", "ΓΓΓ-1234")


def test_answers_of_another_shape_are_bad_responses(client):
    good = {
        "id": "D1",
        "category": "tap",
        "principal": "1.00",
        "surcharges": "0.00",
        "amount": "1.00",
        "as_of": "2026-01-01",
    }
    assert client._debt(good).amount == Decimal("1.00")
    for bad in (
        {**good, "amount": 1.0},  # a float
        {**good, "amount": "1.005"},  # not in cents
        {**good, "amount": "NaN"},
        {**good, "as_of": "yesterday"},
        {**good, "kind": "gift"},
        {k: v for k, v in good.items() if k != "id"},
        [good],
    ):
        with pytest.raises(ExternalSystemBadResponse):
            client._debt(bad)
    with pytest.raises(ExternalSystemBadResponse):
        client._debts({"items": []})
    with pytest.raises(ExternalSystemBadResponse):
        client._fine({"id": "F1"})
