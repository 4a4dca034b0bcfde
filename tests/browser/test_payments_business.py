"""A business declares the municipal tax and its card is refused, in a real
browser, through the bank simulator's card page.

A verified business logs in, opens «Δήλωση δημοτικού φόρου» from the home
page, fills in the period and the gross revenue, «Υπολογισμός» shows the
tax, «Υποβολή και πληρωμή» takes it to the bank, where the refused test
card 4000000000000002 is used; back on the portal, the payment did not go
through and the declaration reads «Απορρίφθηκε» with the reason.
"""

from municipality.certificates.testing import afm_for
from municipality.certificates.testing import PASSWORD
from municipality.payments import tax

import pytest
import re
import transaction
import uuid


pytestmark = pytest.mark.browser

CARD_REFUSED = "4000000000000002"


def log_in(page, url, user):
    page.goto(f"{url}/login")
    page.locator("input[name='__ac_name']").fill(user)
    page.locator("input[name='__ac_password']").fill(PASSWORD)
    page.locator("input[name='__ac_password']").press("Enter")
    page.wait_for_load_state()
    assert page.locator("input[name='__ac_password']").count() == 0, "login failed"


def verified_business():
    from municipality.core.identity import verification
    from plone import api

    userid = f"b{uuid.uuid4().hex[:8]}"
    with api.env.adopt_roles(["Manager"]):
        user = api.user.create(
            username=userid,
            email=f"{userid}@example.gr",
            password=PASSWORD,
            properties={"fullname": "Καφέ Η Πλατεία Ο.Ε."},
        )
        user.setMemberProperties({"afm": afm_for(userid)})
        api.group.add_user(groupname="businesses", username=userid)
        verification.verify_business(
            userid,
            "Ιωάννης Παπαδάκης",
            afm_for(f"rep-{userid}"),
            "legal_representative",
            "gemi_certificate",
            "clerk",
        )
    transaction.commit()
    return userid


def test_refused_card_rejects_the_declaration(wired, chromium, page):
    url = wired.absolute_url()
    userid = verified_business()
    today = tax.today()
    year = today.year - 1  # the fourth quarter of last year has ended

    log_in(page, url, userid)
    page.goto(url)
    page.locator("a[href$='@@declare-municipal-tax']").first.click()
    page.wait_for_url(re.compile(r".*/@@declare-municipal-tax$"))
    assert "Καφέ Η Πλατεία Ο.Ε." in page.locator("#business-name").inner_text()
    page.locator("#declare-municipal-tax-category").select_option("food")
    page.locator("#declare-municipal-tax-period").select_option("quarterly-4")
    page.locator("#declare-municipal-tax-year").fill(str(year))
    page.locator("#declare-municipal-tax-gross-revenue").fill("24.680,00")
    page.locator("#declare-municipal-tax-vat-filing-date").fill(f"{year + 1}-01-20")
    page.locator("#declare-municipal-tax-calculate").click()
    page.wait_for_selector("#municipal-tax-calculation")
    assert page.locator("#calculation-tax").inner_text().strip() == "123,40 €"
    total = page.locator("#calculation-total").inner_text().strip()
    page.locator("#declare-municipal-tax-submit").click()

    # The bank's card page: the refused test card.
    page.wait_for_selector("#cardNumber")
    assert total.replace(" €", "") in page.content()
    page.locator("#cardNumber").fill(CARD_REFUSED)
    page.locator("#expiry").fill("12/39")
    page.locator("#cvv").fill("123")
    page.locator("button[name='action'][value='pay']").click()
    page.wait_for_url(re.compile(re.escape(url) + r"/@@payment/[^/]+$"))
    assert "δεν ολοκληρώθηκε" in page.locator("#payment-headline").inner_text()

    # The declaration: rejected, with the reason, and «Νέα δήλωση».
    page.goto(f"{url}/municipal-tax")
    row = page.locator("#my-declarations tbody tr").first
    assert "Απορρίφθηκε" in row.inner_text()
    row.locator("a").first.click()
    page.wait_for_selector("#declaration-state")
    assert page.locator("#declaration-state").inner_text().strip() == "Απορρίφθηκε"
    reason = page.locator("#declaration-rejected").inner_text()
    assert "η τράπεζα δεν την ενέκρινε" in reason
    assert page.locator("#declaration-rejected a").inner_text().strip() == (
        "Νέα δήλωση"
    )
    transaction.begin()
    (declaration,) = wired[tax.FOLDER_ID].objectValues()
    assert tax.review_state(declaration) == tax.REJECTED
    assert tax.payment_of(declaration).state == "failed"
