"""«Οι οφειλές μου» over real HTTP against the finance simulator.

Anonymous visitors are offered to log in and to pay by code; people who are
not verified read how to be; a verified citizen sees the certified debts of
the ΑΦΜ of their verified identity, grouped by category, confirms a choice
and is sent to the bank with a payment whose amounts came from finance. Ids
of another person's debts, a missing CSRF token, a payment already in
progress and a finance system that is down are refused, and nothing is
created.
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
from municipality.payments.browser import services
from plone import api as ploneapi

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


def fresh_afm():
    return afm_for(f"debts-{uuid.uuid4().hex}")


def person(verified=True, afm=None, email=None):
    """A new citizen (verified in person with a fresh ΑΦΜ, unless told not)."""
    userid = f"c{uuid.uuid4().hex[:10]}"
    afm = afm or fresh_afm()
    if verified:
        create_verified_citizen(
            userid, "Μαρία Παπαδοπούλου", email or f"{userid}@example.gr", afm=afm
        )
    else:
        create_citizen(userid, "Απλός Χρήστης", email or f"{userid}@example.gr")
    transaction.commit()
    return userid, afm


def certify(afm, category="tap", principal="48.60", days_late=40, description=None):
    """A debt certified at the finance simulator (``days_late`` past due)."""
    return FinanceClient.from_registry().certify_debt(
        afm,
        "ΠΑΠΑΔΟΠΟΥΛΟΥ ΜΑΡΙΑ",
        category,
        description or f"Οφειλή δοκιμής {uuid.uuid4().hex[:6]}",
        Decimal(principal),
        date.today() - timedelta(days=days_late),
    )


def session(user=None):
    s = requests.Session()
    if user:
        s.auth = (user, PASSWORD)
    return s


def url(portal, path=""):
    return f"{portal.absolute_url()}/@@my-debts{path}"


def token_of(html):
    match = re.search(r'name="_authenticator"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def payments_of(userid):
    transaction.begin()  # see what the server committed
    return api.payments_of(userid)


def confirm(s, portal, ids):
    response = s.get(url(portal, "/confirm"), params={"debts": ids}, timeout=TIMEOUT)
    return response


def pay(s, portal, ids, email="maria@example.gr", token=None):
    if token is None:
        token = token_of(confirm(s, portal, ids).text)
    return s.post(
        url(portal, "/pay"),
        data={"debts": ids, "email": email, "_authenticator": token},
        allow_redirects=False,
        timeout=TIMEOUT,
    )


# -- who sees what ------------------------------------------------------------------


def test_anonymous_reads_about_the_service_and_may_pay_by_code(site):
    response = session().get(url(site), timeout=TIMEOUT)
    assert response.status_code == 200
    assert "Οι οφειλές μου" in response.text
    assert "/login?came_from=" in response.text
    assert "@@taxisnet-login?came_from=" in response.text
    assert f'action="{site.absolute_url()}/@@pay-by-code"' in response.text
    assert 'name="debts"' not in response.text


def test_not_verified_reads_how_to_get_verified(site):
    userid, afm = person(verified=False)
    certify(afm)
    response = session(userid).get(url(site), timeout=TIMEOUT)
    assert response.status_code == 403
    assert "δεν έχει πιστοποιηθεί" in response.text
    assert "TaxisNet" in response.text
    assert "Γραφείο Εξυπηρέτησης Δημοτών" in response.text
    assert 'name="debts"' not in response.text
    # Not even by going to the confirmation directly.
    response = session(userid).get(url(site, "/confirm"), timeout=TIMEOUT)
    assert response.status_code == 403


def test_verified_citizen_sees_own_debts_by_category(site):
    userid, afm = person()
    tap = certify(afm, "tap", "48.60", days_late=40)
    rent = certify(afm, "rents", "650.00", days_late=-10)
    other = certify(fresh_afm(), "tap", "99.99")
    response = session(userid).get(url(site), timeout=TIMEOUT)
    assert response.status_code == 200
    text = response.text
    assert "Τέλος ακίνητης περιουσίας" in text
    assert "Μισθώματα" in text
    assert tap.description in text
    assert rent.description in text
    assert other.description not in text
    # Late: principal, surcharges and the amount today, Greek formatted.
    assert tap.surcharges > 0
    assert "48,60 €" in text
    assert services.format_amount(tap.amount) in text
    assert "650,00 €" in text
    assert services.group_rf(tap.rf_code) in text
    assert tap.reference in text
    assert f'value="{tap.id}"' in text
    assert f'value="{rent.id}"' in text
    # The category headings come in the order of the eight (ΤΑΠ before rents).
    assert text.index("Τέλος ακίνητης περιουσίας") < text.index("Μισθώματα")


def test_no_debts(site):
    userid, _afm = person()
    response = session(userid).get(url(site), timeout=TIMEOUT)
    assert response.status_code == 200
    assert 'id="my-debts-none"' in response.text


def test_afm_is_the_verified_identitys_not_the_profiles(site):
    userid, afm = person()
    mine = certify(afm)
    someone = fresh_afm()
    theirs = certify(someone)
    # The citizen edits the profile's ΑΦΜ after being verified.
    ploneapi.user.get(userid=userid).setMemberProperties({"afm": someone})
    transaction.commit()
    response = session(userid).get(url(site), timeout=TIMEOUT)
    assert theirs.description not in response.text
    assert theirs.id not in response.text
    if response.status_code == 200:
        assert mine.description in response.text
    else:
        # The changed ΑΦΜ ends the verification: no debts at all.
        assert response.status_code == 403


# -- paying -------------------------------------------------------------------------


def test_choose_confirm_and_go_to_the_bank(site):
    userid, afm = person(email="maria@example.gr")
    first = certify(afm, "tap", "48.60", days_late=70)
    second = certify(afm, "other_fines", "150.00", days_late=5)
    s = session(userid)
    page = confirm(s, site, [first.id, second.id])
    assert page.status_code == 200
    assert first.description in page.text
    assert second.description in page.text
    total = first.amount + second.amount
    assert services.format_amount(total) in page.text
    # The receipt email comes from the profile.
    assert 'value="maria@example.gr"' in page.text

    response = pay(s, site, [first.id, second.id], token=token_of(page.text))
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(f"{site.absolute_url()}/@@payment/")
    assert location.endswith("/bank")

    (payment,) = payments_of(userid)
    assert payment.state == "started"
    assert payment.channel == "debts"
    assert payment.amount == total
    assert payment.email == "maria@example.gr"
    assert payment.payer == {
        "userid": userid,
        "fullname": "Μαρία Παπαδοπούλου",
        "afm": afm,
    }
    assert [(i["kind"], i["ref"], Decimal(i["amount"])) for i in payment.items] == [
        ("debt", first.id, first.amount),
        ("debt", second.id, second.amount),
    ]
    assert payment.items[0]["rf_code"] == first.rf_code
    assert payment.items[0]["details"]["reference"] == first.reference
    assert location == api.bank_redirect_url(payment)

    # The list now says the payment is under way, and offers no checkbox.
    listing = s.get(url(site), timeout=TIMEOUT)
    assert "Πληρωμή σε εξέλιξη" in listing.text
    assert f'value="{first.id}"' not in listing.text
    assert api.payment_url(payment) in listing.text
    # Paying them again is refused.
    again = s.get(url(site, "/confirm"), params={"debts": [first.id]}, timeout=30)
    assert again.status_code == 409
    assert len(payments_of(userid)) == 1


def test_amounts_are_not_taken_from_the_browser(site):
    userid, afm = person()
    debt = certify(afm, "tap", "48.60")
    s = session(userid)
    token = token_of(confirm(s, site, [debt.id]).text)
    response = s.post(
        url(site, "/pay"),
        data={
            "debts": [debt.id],
            "amount": "0.01",
            "total": "0.01",
            "email": "",
            "_authenticator": token,
        },
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.status_code == 302
    (payment,) = payments_of(userid)
    assert payment.amount == debt.amount


def test_another_citizens_debt_is_refused(site):
    userid, afm = person()
    mine = certify(afm)
    theirs = certify(fresh_afm())
    s = session(userid)
    page = confirm(s, site, [mine.id, theirs.id])
    assert page.status_code == 400
    assert "δεν είναι στις απλήρωτες οφειλές σας" in page.text
    token = token_of(confirm(s, site, [mine.id]).text)
    response = pay(s, site, [mine.id, theirs.id], token=token)
    assert response.status_code == 400
    assert "δεν είναι στις απλήρωτες οφειλές σας" in response.text
    assert payments_of(userid) == []
    transaction.begin()
    assert api.live_payments([mine.id, theirs.id]) == {}


def test_nothing_chosen(site):
    userid, afm = person()
    certify(afm)
    response = confirm(session(userid), site, [])
    assert response.status_code == 400
    assert "Επιλέξτε τουλάχιστον μία οφειλή" in response.text


def test_pay_without_csrf_token_is_refused(site):
    userid, afm = person()
    debt = certify(afm)
    response = session(userid).post(
        url(site, "/pay"),
        data={"debts": [debt.id], "email": ""},
        allow_redirects=False,
        timeout=TIMEOUT,
    )
    assert response.status_code == 403
    assert payments_of(userid) == []


def test_bad_email_is_refused(site):
    userid, afm = person()
    debt = certify(afm)
    response = pay(session(userid), site, [debt.id], email="not-an-email")
    assert response.status_code == 400
    assert "Η διεύθυνση email δεν είναι έγκυρη" in response.text
    assert payments_of(userid) == []


def test_pay_is_post_only(site):
    userid, afm = person()
    debt = certify(afm)
    response = session(userid).get(
        url(site, "/pay"), params={"debts": debt.id}, allow_redirects=False
    )
    assert response.status_code == 302
    assert payments_of(userid) == []


def test_finance_down(site, simulators):
    userid, afm = person()
    debt = certify(afm)
    s = session(userid)
    token = token_of(confirm(s, site, [debt.id]).text)
    simulators.set_mode("finance", mode="down")
    listing = s.get(url(site), timeout=TIMEOUT)
    assert listing.status_code == 503
    assert "σύστημα οικονομικών" in listing.text
    response = pay(s, site, [debt.id], token=token)
    assert response.status_code == 503
    assert "σύστημα οικονομικών" in response.text
    assert payments_of(userid) == []


# -- helpers ------------------------------------------------------------------------


def test_mask_name():
    assert services.mask_name("ΠΑΠΑΔΟΠΟΥΛΟΥ ΜΑΡΙΑ") == "Π*********** Μ****"
    assert services.mask_name("") == ""


def test_group_rf():
    assert services.group_rf("RF18539007547034") == "RF18 5390 0754 7034"
