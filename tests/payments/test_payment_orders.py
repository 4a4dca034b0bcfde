"""«Ενταλματοποιημένες πληρωμές» over real HTTP against the finance simulator.

The simulator's demo supplier (ΑΦΜ 800000002) has four payment orders, two
paid; a business verified with that ΑΦΜ sees them with Greek dates and
amounts and the totals, over the page and REST; a business without orders
reads so; others are refused; finance down is said in Greek.
"""

from .businesses import create_business
from .businesses import PASSWORD
from .businesses import SEEDED_AFM
from .conftest import TIMEOUT
from decimal import Decimal
from municipality.integrations.finance import FinanceClient

import pytest
import requests
import transaction


@pytest.fixture
def supplier(wired):
    userid, _afm = create_business(afm=SEEDED_AFM, name="ΑΡΤΟΠΟΙΙΑ ΚΩΝΣΤΑΝΤΙΝΟΥ Α.Ε.")
    transaction.commit()
    return userid


def _get(portal, path, user=None, json=False):
    session = requests.Session()
    if user:
        session.auth = (user, PASSWORD)
    if json:
        session.headers["Accept"] = "application/json"
    return session.get(f"{portal.absolute_url()}/{path}", timeout=TIMEOUT)


def _greek(amount):
    text = f"{Decimal(amount):,.2f}".replace(",", "X").replace(".", ",")
    return text.replace("X", ".") + " €"


def test_page_lists_orders_and_totals(wired, supplier):
    orders = FinanceClient.from_registry().payment_orders(SEEDED_AFM)
    assert len(orders) == 4
    page = _get(wired, "@@payment-orders", supplier)
    assert page.status_code == 200
    assert "Ενταλματοποιημένες πληρωμές" in page.text
    for order in orders:
        assert order.number in page.text
        assert order.date.strftime("%d/%m/%Y") in page.text
        assert _greek(order.amount) in page.text
        if order.paid_date:
            assert order.paid_date.strftime("%d/%m/%Y") in page.text
    issued = sum(order.amount for order in orders)
    paid = sum(order.amount for order in orders if order.status == "paid")
    assert (issued, paid) == (Decimal("6360.10"), Decimal("2266.30"))
    assert f'id="payment-orders-issued">{_greek(issued)}' in page.text
    assert f'id="payment-orders-paid">{_greek(paid)}' in page.text
    assert f'id="payment-orders-unpaid">{_greek(issued - paid)}' in page.text
    assert page.text.count("Εκδόθηκε, δεν έχει πληρωθεί") == 2


def test_rest(wired, supplier):
    answer = _get(wired, "@payment-orders", supplier, json=True)
    assert answer.status_code == 200
    body = answer.json()
    assert body["items_total"] == 4
    assert body["totals"] == {
        "issued": "6360.10",
        "paid": "2266.30",
        "unpaid": "4093.80",
    }
    statuses = sorted(item["status"] for item in body["items"])
    assert statuses == ["issued", "issued", "paid", "paid"]
    for item in body["items"]:
        assert (item["paid_date"] is None) == (item["status"] == "issued")
        assert item["number"].startswith("ΧΕ ")


def test_business_without_orders(wired):
    userid, _afm = create_business()
    transaction.commit()
    page = _get(wired, "@@payment-orders", userid)
    assert page.status_code == 200
    assert "Δεν έχουν εκδοθεί εντάλματα πληρωμής" in page.text
    body = _get(wired, "@payment-orders", userid, json=True).json()
    assert body["items"] == []
    assert body["totals"]["issued"] == "0.00"


def test_only_verified_businesses(wired):
    # The ΑΦΜ in the profile is not enough: the account must be verified.
    unverified, _afm = create_business(afm=SEEDED_AFM, verified=False)
    from municipality.certificates.testing import create_verified_citizen

    create_verified_citizen("maria")
    transaction.commit()
    for userid in (unverified, "maria"):
        page = _get(wired, "@@payment-orders", userid)
        assert page.status_code == 403
        assert "ΧΕ " not in page.text
        assert "Πώς πιστοποιείται μια επιχείρηση" in page.text
        answer = _get(wired, "@payment-orders", userid, json=True)
        assert answer.status_code == 403
        assert "items" not in answer.json()
    anonymous = _get(wired, "@@payment-orders")
    assert "/login" in anonymous.url
    assert _get(wired, "@payment-orders", json=True).status_code == 401


def test_finance_down(wired, supplier, simulators):
    simulators.set_mode("finance", mode="down")
    page = _get(wired, "@@payment-orders", supplier)
    assert page.status_code == 503
    assert "δεν είναι διαθέσιμο αυτή τη στιγμή" in page.text
    assert "ΧΕ " not in page.text
    answer = _get(wired, "@payment-orders", supplier, json=True)
    assert answer.status_code == 503
    assert answer.json()["error"]["type"] == "ServiceUnavailable"
