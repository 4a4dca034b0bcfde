"""Payment by RF code (``@@pay-by-code``) over real HTTP, anonymous or not.

The code is typed as people type it (spaces, small letters); its check
digits are checked before finance is asked; the debt is shown with the
debtor's name masked; unknown and paid codes and a finance system that is
down get clear Greek messages; look-ups are rate-limited per address; paying
sends the visitor to the bank with the amount finance says, and nothing is
created on bad input.
"""

from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from decimal import Decimal
from municipality.certificates.testing import afm_for
from municipality.certificates.testing import create_citizen
from municipality.certificates.testing import PASSWORD
from municipality.integrations.finance import FinanceClient
from municipality.payments import api
from municipality.payments import ledger
from municipality.payments import rf
from municipality.payments.browser import services

import pytest
import re
import requests
import transaction
import uuid


TIMEOUT = 30


@pytest.fixture
def site(wired):
    services.lookups.reset()
    return wired


def certify(principal="75.30", days_late=45, debtor="ΠΑΠΑΔΟΠΟΥΛΟΥ ΜΑΡΙΑ"):
    return FinanceClient.from_registry().certify_debt(
        afm_for(f"code-{uuid.uuid4().hex}"),
        debtor,
        "common_spaces",
        f"Τέλος κοινοχρήστων χώρων {uuid.uuid4().hex[:6]}",
        Decimal(principal),
        date.today() - timedelta(days=days_late),
    )


def spaced(code):
    """As a person types it: in groups, small letters."""
    return services.group_rf(code).lower()


def url(portal, path=""):
    return f"{portal.absolute_url()}/@@pay-by-code{path}"


def lookup(portal, code, s=None):
    return (s or requests).get(url(portal), params={"rf": code}, timeout=TIMEOUT)


def token_of(html):
    match = re.search(r'name="_authenticator"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def anonymous_token(portal):
    """A visitor's CSRF token, from the page of a debt that can be paid."""
    return token_of(lookup(portal, certify().rf_code).text)


def pay(portal, code, email="", s=None, token=None):
    """«Πληρωμή» of ``code``, with a CSRF token even when its page has no form
    (a paid code): the token of another debt's page."""
    s = s or requests.Session()
    if token is None:
        page = lookup(portal, code, s)
        if 'name="_authenticator"' in page.text:
            token = token_of(page.text)
        else:
            token = anonymous_token(portal)
    return s.post(
        url(portal, "/pay"),
        data={"rf": code, "email": email, "_authenticator": token},
        allow_redirects=False,
        timeout=TIMEOUT,
    )


def all_payments():
    transaction.begin()
    book = ledger.get_ledger()
    return list(book.payments.values()) if book is not None else []


def test_lookup_shows_the_debt_with_the_debtor_masked(site):
    debt = certify()
    response = lookup(site, spaced(debt.rf_code))
    assert response.status_code == 200
    text = response.text
    assert "Π*********** Μ****" in text
    assert "ΠΑΠΑΔΟΠΟΥΛΟΥ" not in text
    assert debt.afm not in text
    assert debt.description in text
    assert debt.surcharges > 0
    assert services.format_amount(debt.amount) in text
    assert 'id="pay-by-code-pay"' in text
    assert "Τέλη κοινοχρήστων χώρων" in text


def test_pay_anonymously(site):
    debt = certify()
    response = pay(site, spaced(debt.rf_code), email="payer@example.gr")
    assert response.status_code == 302
    (payment,) = all_payments()
    assert response.headers["Location"] == api.bank_redirect_url(payment)
    assert payment.channel == "code"
    assert payment.payer is None
    assert payment.email == "payer@example.gr"
    assert payment.amount == debt.amount
    (item,) = payment.items
    assert (item["kind"], item["ref"], item["rf_code"]) == (
        "debt",
        debt.id,
        debt.rf_code,
    )
    # Shown as under way now; no second payment.
    page = lookup(site, debt.rf_code)
    assert "Πληρωμή σε εξέλιξη" in page.text
    assert 'id="pay-by-code-pay"' not in page.text
    again = pay(site, debt.rf_code)
    assert again.status_code == 409
    assert len(all_payments()) == 1


def test_pay_logged_in_records_the_payer(site):
    create_citizen("payer", "Νίκος Πληρωτής", "payer@example.gr")
    transaction.commit()
    debt = certify()
    s = requests.Session()
    s.auth = ("payer", PASSWORD)
    # The receipt email is offered from the profile.
    assert 'value="payer@example.gr"' in lookup(site, debt.rf_code, s).text
    response = pay(site, debt.rf_code, email="payer@example.gr", s=s)
    assert response.status_code == 302
    (payment,) = all_payments()
    assert payment.payer["userid"] == "payer"
    assert payment.payer["afm"] == ""


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("", "Γράψτε τον κωδικό πληρωμής"),
        ("12345", "ξεκινά με RF"),
        ("RF19 5390 0754 7034", "ψηφία ελέγχου"),
    ],
)
def test_bad_codes(site, code, message):
    response = lookup(site, code or " ")
    assert response.status_code == 400
    assert message in response.text
    assert 'id="pay-by-code-pay"' not in response.text


def test_unknown_code(site):
    code = rf.generate("99991999999999")
    response = lookup(site, code)
    assert response.status_code == 404
    assert "Δεν υπάρχει απλήρωτη οφειλή με αυτόν τον κωδικό πληρωμής" in response.text


def settle_at_finance(debt):
    """Pay ``debt`` at the finance system's cash desk, as if in person."""
    FinanceClient.from_registry().post_payment(
        f"CASH-TEST-{uuid.uuid4().hex[:12]}",
        [
            {
                "kind": "debt",
                "ref": debt.id,
                "amount": str(debt.amount),
                "description": debt.description,
            }
        ],
        debt.amount,
        "EUR",
        datetime.now(UTC),
        "",
        "cash",
        None,
    )


def test_paid_code(site):
    debt = certify()
    settle_at_finance(debt)
    response = lookup(site, debt.rf_code)
    assert response.status_code == 409
    assert "έχει ήδη εξοφληθεί" in response.text
    response = pay(site, debt.rf_code)
    assert response.status_code == 409
    assert all_payments() == []


def test_bad_email_creates_nothing(site):
    debt = certify()
    response = pay(site, debt.rf_code, email="nobody@")
    assert response.status_code == 400
    assert "Η διεύθυνση email δεν είναι έγκυρη" in response.text
    # The debt is still shown, to correct the address.
    assert debt.description in response.text
    assert all_payments() == []


def test_pay_without_csrf_token(site):
    debt = certify()
    response = requests.post(
        url(site, "/pay"),
        data={"rf": debt.rf_code, "email": ""},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.status_code == 403
    assert all_payments() == []


def test_lookups_are_rate_limited(site, monkeypatch):
    monkeypatch.setattr(services, "LOOKUP_LIMIT", 3)
    debt = certify()
    for _ in range(3):
        assert lookup(site, debt.rf_code).status_code == 200
    response = lookup(site, debt.rf_code)
    assert response.status_code == 429
    assert "Πάρα πολλές αναζητήσεις" in response.text
    assert re.search(r"Δοκιμάστε ξανά σε (9|10) λεπτά", response.text)
    assert debt.description not in response.text


def test_finance_down(site, simulators):
    debt = certify()
    token = anonymous_token(site)
    simulators.set_mode("finance", mode="down")
    response = lookup(site, debt.rf_code)
    assert response.status_code == 503
    assert "σύστημα οικονομικών" in response.text
    response = pay(site, debt.rf_code, token=token)
    assert response.status_code == 503
    assert all_payments() == []


def test_my_debts_links_here(site):
    page = requests.get(f"{site.absolute_url()}/@@my-debts", timeout=TIMEOUT)
    assert f"{site.absolute_url()}/@@pay-by-code" in page.text
