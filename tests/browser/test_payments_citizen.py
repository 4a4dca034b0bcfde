"""Citizens pay, in a real browser, through the bank simulator's card page.

(a) A verified citizen logs in, opens «Οι οφειλές μου», picks a debt,
confirms, pays with the test card at the bank's page, comes back and sees
the payment completed; once the outbox has run, the receipt link.
(b) An anonymous visitor pays a traffic ticket the register did not have
(registered on the way) with the test card.
(c) The ticket form fills in the kind, date and time of a ticket the
register has, from its number and plate, as they are typed.
"""

from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from municipality.certificates.testing import afm_for
from municipality.certificates.testing import create_verified_citizen
from municipality.certificates.testing import PASSWORD
from municipality.core import outbox
from municipality.integrations.errors import ExternalSystemRejected
from municipality.integrations.finance import FinanceClient
from municipality.payments import ledger
from municipality.payments.browser import fines
from municipality.payments.browser import services

import pytest
import random
import re
import transaction
import uuid


pytestmark = pytest.mark.browser

CARD_OK = "4111111111111111"


@pytest.fixture
def site(wired):
    services.lookups.reset()
    return wired


def log_in(page, url, user):
    page.goto(f"{url}/login")
    page.locator("input[name='__ac_name']").fill(user)
    page.locator("input[name='__ac_password']").fill(PASSWORD)
    page.locator("input[name='__ac_password']").press("Enter")
    page.wait_for_load_state()
    assert page.locator("input[name='__ac_password']").count() == 0, "login failed"


def pay_with_card(page, portal_url):
    """From our «Πληρωμή» to the bank's card page and back to the payment."""
    page.wait_for_selector("#cardNumber")
    page.locator("#cardNumber").fill(CARD_OK)
    page.locator("#expiry").fill("12/39")
    page.locator("#cvv").fill("123")
    page.locator("button[name='action'][value='pay']").click()
    # The bank posts the browser back to us; we show the payment's page.
    page.wait_for_url(re.compile(re.escape(portal_url) + r"/@@payment/[^/]+$"))
    page.wait_for_selector("#payment-done")


def run_outbox(portal):
    """The outbox worker's rounds: finance posting, receipt, mail."""
    transaction.commit()
    for _ in range(4):
        outbox.process_due(portal)


def test_verified_citizen_pays_a_debt(site, chromium, page):
    url = site.absolute_url()
    userid = f"b{uuid.uuid4().hex[:8]}"
    afm = afm_for(userid)
    create_verified_citizen(userid, "Μαρία Παπαδοπούλου", "maria@example.gr", afm=afm)
    transaction.commit()
    debt = FinanceClient.from_registry().certify_debt(
        afm,
        "ΠΑΠΑΔΟΠΟΥΛΟΥ ΜΑΡΙΑ",
        "tap",
        "Τέλος ακίνητης περιουσίας, ακίνητο Ερμού 25",
        Decimal("48.60"),
        date.today() - timedelta(days=45),
    )

    log_in(page, url, userid)
    page.goto(f"{url}/@@my-debts")
    assert page.locator("h1").first.inner_text().strip() == "Οι οφειλές μου"
    row = page.locator(f"tr[data-debt='{debt.id}']")
    assert "Ερμού 25" in row.inner_text()
    row.locator("input[type='checkbox']").check()
    page.locator("#my-debts-continue").click()
    page.wait_for_url(re.compile(r".*/@@my-debts/confirm.*"))
    assert page.locator("#my-debts-total").inner_text().strip() == (
        services.format_amount(debt.amount)
    )
    assert page.locator("#my-debts-email").input_value() == "maria@example.gr"
    page.locator("#my-debts-pay-button").click()

    pay_with_card(page, url)
    assert "ολοκληρώθηκε" in page.locator("#payment-headline").inner_text()
    assert services.format_amount(debt.amount) in page.locator("#content").inner_text()

    # The outbox posts it to finance and makes the receipt: the link appears.
    run_outbox(site)
    page.reload()
    assert page.locator("#payment-receipt").is_visible()
    # Finance has it paid now.
    with pytest.raises(ExternalSystemRejected) as paid:
        FinanceClient.from_registry().debt_by_code(debt.rf_code)
    assert paid.value.status == 409


def test_anonymous_visitor_pays_a_new_traffic_ticket(site, chromium, page):
    url = site.absolute_url()
    number = str(random.randrange(10**8, 10**9))
    day = fines.now() - timedelta(days=1)

    page.goto(f"{url}/@@pay-traffic-fine")
    page.locator("#pay-traffic-fine-municipality_code").fill("9999")
    page.locator("input[name='ticket_type'][value='Ε1Β']").check()
    page.locator("#pay-traffic-fine-continue").click()
    page.wait_for_selector("#pay-traffic-fine-step2")
    assert page.locator("#pay-traffic-fine-type-amount").inner_text() == "40,00 €"
    page.locator("#pay-traffic-fine-ticket_number").fill(number)
    page.locator("#pay-traffic-fine-plate").fill("ΝΙΚ-2045")
    page.locator("#pay-traffic-fine-date").fill(day.strftime("%Y-%m-%d"))
    page.locator("#pay-traffic-fine-time").fill("09:30")
    page.locator("#pay-traffic-fine-submit").click()
    page.wait_for_selector("#pay-traffic-fine-ticket")
    assert page.locator("#pay-traffic-fine-registered").is_visible()
    assert page.locator("#pay-traffic-fine-plate").inner_text() == "NIK2045"
    assert page.locator("#pay-traffic-fine-total").inner_text() == "40,00 €"
    assert page.locator("#pay-traffic-fine-notice").is_visible()
    page.locator("#pay-traffic-fine-email").fill("driver@example.gr")
    page.locator("#pay-traffic-fine-pay-button").click()

    pay_with_card(page, url)
    assert "ολοκληρώθηκε" in page.locator("#payment-headline").inner_text()
    transaction.begin()
    (payment,) = ledger.get_ledger().payments.values()
    assert payment.channel == "fine"
    assert payment.payer is None
    assert payment.email == "driver@example.gr"
    assert payment.amount == Decimal("40.00")
    assert payment.state in ("paid", "posted")


def test_ticket_form_fills_in_a_registered_ticket(site, chromium, page):
    url = site.absolute_url()
    registered = FinanceClient.from_registry().find_fine("000123", "IKT1234")
    issued = datetime.fromisoformat(registered.issued_at)

    page.goto(f"{url}/@@pay-traffic-fine?municipality_code=9999&ticket_type=Ε2")
    page.wait_for_selector("#pay-traffic-fine-step2")
    page.locator("#pay-traffic-fine-ticket_number").fill("000123")
    page.locator("#pay-traffic-fine-plate").fill("ικτ-1234")
    page.wait_for_selector("#pay-traffic-fine-autofill:not(.d-none)")
    assert page.locator("#pay-traffic-fine-ticket_type").input_value() == "Ε1Α"
    assert page.locator("#pay-traffic-fine-date").input_value() == (
        issued.date().isoformat()
    )
    assert page.locator("#pay-traffic-fine-time").input_value() == (
        issued.strftime("%H:%M")
    )
    page.locator("#pay-traffic-fine-submit").click()
    page.wait_for_selector("#pay-traffic-fine-ticket")
    assert page.locator("#pay-traffic-fine-differences").count() == 0
    assert page.locator("#pay-traffic-fine-registered").count() == 0
    assert "Ερμού 14" in page.locator("#pay-traffic-fine-ticket").inner_text()
