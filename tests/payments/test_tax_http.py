"""The municipal tax over real HTTP: the pages, the REST services, the bank
simulator and the finance simulator.

A verified business computes, declares and is sent to the bank; paying with
a good card accepts the declaration, a refused one rejects it; people who
are not verified businesses are refused; another business sees nothing of
it; certified municipal-tax debts come from finance and are paid with the
amount finance says; finance down is said in Greek and changes nothing.
"""

from .businesses import create_business
from .businesses import PASSWORD
from .businesses import SEEDED_AFM
from .conftest import CARD_OK
from .conftest import CARD_REFUSED
from .conftest import forms
from .conftest import pay_at_bank
from .conftest import TIMEOUT
from datetime import date
from decimal import Decimal
from municipality.integrations.finance import FinanceClient
from municipality.payments import ledger
from municipality.payments import tax

import json
import pytest
import re
import requests
import transaction


DENIED = (401, 403, 404)


def last_quarter():
    """The last quarter that has ended, and a VAT date after it."""
    today = tax.today()
    quarter = (today.month - 1) // 3  # the current one's predecessor
    year = today.year
    if quarter == 0:
        quarter, year = 4, year - 1
    end = tax.period_bounds("quarterly", quarter, year)[1]
    return quarter, year, min(tax.add_months(end, 1).replace(day=10), today)


QUARTER, YEAR, FILED = last_quarter()
FORM = {
    "category": "food",
    "period": f"quarterly-{QUARTER}",
    "year": str(YEAR),
    "gross_revenue": "24.680,00",
    "vat_filing_date": FILED.isoformat(),
}
JSON = {
    "category": "food",
    "period_kind": "quarterly",
    "period": QUARTER,
    "year": YEAR,
    "gross_revenue": "24680.00",
    "vat_filing_date": FILED.isoformat(),
}


@pytest.fixture
def site(paying):
    return paying


@pytest.fixture
def business(site):
    userid, afm = create_business(name="Καφέ Η Πλατεία Ο.Ε.")
    transaction.commit()
    return userid, afm


def session(user=None):
    s = requests.Session()
    if user:
        s.auth = (user, PASSWORD)
    return s


def rest(user=None):
    s = session(user)
    s.headers["Accept"] = "application/json"
    return s


def url(portal, path):
    return f"{portal.absolute_url()}/{path}"


def token(s, page_url):
    response = s.get(page_url, timeout=TIMEOUT)
    assert response.status_code == 200, response.text[:500]
    match = re.search(r'name="_authenticator"[^>]*value="([^"]+)"', response.text)
    assert match, "no CSRF token in the form"
    return match.group(1)


def declarations(portal):
    transaction.begin()
    return list(portal[tax.FOLDER_ID].objectValues())


def calculate(s, portal, data=FORM, view="@@declare-municipal-tax"):
    page = url(portal, view)
    return s.post(
        page,
        data={**data, "_authenticator": token(s, page), "form.action": "calculate"},
        timeout=TIMEOUT,
    )


def submit_form(s, response):
    """Post the «Υποβολή και πληρωμή» form of a calculation page."""
    (form,) = [f for f in forms(response.text) if f["id"].endswith("-submit-form")]
    fields = [(n, v) for n, v, tag in form["fields"] if tag == "input"]
    return s.post(form["action"], data=fields, timeout=TIMEOUT, allow_redirects=False)


def state_of(portal, obj):
    transaction.begin()
    return tax.review_state(portal[tax.FOLDER_ID][obj.getId()])


# -- the form ---------------------------------------------------------------------


def test_declare_compute_submit_and_pay(site, business):
    userid, afm = business
    s = session(userid)
    form = s.get(url(site, "@@declare-municipal-tax"), timeout=TIMEOUT)
    assert form.status_code == 200
    assert "Καφέ Η Πλατεία Ο.Ε." in form.text
    assert afm in form.text
    assert "Τριμηνιαία δήλωση ΦΠΑ" in form.text
    computed = calculate(s, site)
    assert computed.status_code == 200
    assert "Υπολογισμός" in computed.text
    assert "123,40 €" in computed.text  # 24.680,00 × 0,5%
    assert "0,5%" in computed.text
    assert "ν. 3756/2009" in computed.text
    assert "Υποβολή και πληρωμή" in computed.text
    assert not declarations(site)  # computing stores nothing
    sent = submit_form(s, computed)
    assert sent.status_code == 302
    (obj,) = declarations(site)
    payment = tax.payment_of(obj)
    assert sent.headers["Location"] == f"{ledger.payment_url(payment)}/bank"
    assert payment.amount == obj.get_calculation().total
    assert obj.business_afm == afm
    # The bank: a good card. The bank's confirmation accepts the declaration.
    back = pay_at_bank(s, sent.headers["Location"], card=CARD_OK)
    assert back.status_code == 200
    assert state_of(site, obj) == tax.ACCEPTED
    page = s.get(obj.absolute_url(), timeout=TIMEOUT)
    assert page.status_code == 200
    assert obj.reference_number in page.text
    assert "Έγινε δεκτή" in page.text
    assert "Πληρώθηκε με κάρτα" in page.text
    listing = s.get(url(site, "municipal-tax"), timeout=TIMEOUT)
    assert obj.reference_number in listing.text
    assert "Έγινε δεκτή" in listing.text


def test_refused_card_rejects_and_offers_to_declare_again(site, business):
    userid, _afm = business
    s = session(userid)
    sent = submit_form(s, calculate(s, site))
    (obj,) = declarations(site)
    pay_at_bank(s, sent.headers["Location"], card=CARD_REFUSED)
    assert state_of(site, obj) == tax.REJECTED
    page = s.get(obj.absolute_url(), timeout=TIMEOUT)
    assert "Απορρίφθηκε" in page.text
    assert "η τράπεζα δεν την ενέκρινε" in page.text
    assert "Νέα δήλωση" in page.text
    # Declaring the same period again is possible now.
    again = submit_form(s, calculate(s, site))
    assert again.status_code == 302
    assert len(declarations(site)) == 2


def test_errors_are_greek_and_store_nothing(site, business):
    userid, _afm = business
    s = session(userid)
    response = calculate(
        s,
        site,
        {**FORM, "category": "", "gross_revenue": "-12", "vat_filing_date": ""},
    )
    assert response.status_code == 400
    assert "Επιλέξτε το είδος της επιχείρησης από τη λίστα." in response.text
    assert "Τα ακαθάριστα έσοδα δεν μπορεί να είναι αρνητικά." in response.text
    assert "Γράψτε την ημερομηνία υποβολής της δήλωσης ΦΠΑ." in response.text
    assert 'aria-invalid="true"' in response.text
    assert "Υποβολή και πληρωμή" not in response.text
    # Submitting bad input straight away stores nothing either.
    page = url(site, "@@declare-municipal-tax")
    response = s.post(
        page,
        data={
            **FORM,
            "year": "2999",
            "_authenticator": token(s, page),
            "form.action": "submit",
        },
        timeout=TIMEOUT,
    )
    assert response.status_code == 400
    assert "Το έτος πρέπει να είναι από 2000 έως" in response.text
    assert not declarations(site)


def test_changed_amounts_are_shown_again(site, business):
    userid, _afm = business
    s = session(userid)
    computed = calculate(s, site)
    (form,) = [f for f in forms(computed.text) if f["id"].endswith("-submit-form")]
    fields = [
        (n, "99999,00" if n == "gross_revenue" else v)
        for n, v, tag in form["fields"]
        if tag == "input"
    ]
    response = s.post(form["action"], data=fields, timeout=TIMEOUT)
    assert response.status_code == 400
    assert "Τα ποσά άλλαξαν" in response.text
    assert "500,00 €" in response.text  # 99.999,00 × 0,5%, shown afresh
    assert not declarations(site)


def test_post_without_csrf_token_is_refused(site, business):
    userid, _afm = business
    response = session(userid).post(
        url(site, "@@declare-municipal-tax"),
        data={**FORM, "form.action": "submit"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 403
    assert not declarations(site)


def test_gross_revenue_and_sojourner_forms(site, business):
    userid, _afm = business
    s = session(userid)
    gross = s.get(url(site, "@@declare-gross-revenue-fee"), timeout=TIMEOUT)
    assert "Δήλωση τέλους επί των ακαθαρίστων εσόδων" in gross.text
    assert 'value="food"' in gross.text
    assert 'value="entertainment"' in gross.text
    assert 'value="accommodation"' not in gross.text
    sojourner = s.get(url(site, "@@declare-sojourner-fee"), timeout=TIMEOUT)
    assert 'value="accommodation"' in sojourner.text
    assert 'value="food"' not in sojourner.text
    # The only kind is chosen already.
    computed = calculate(
        s, site, {**FORM, "category": ""}, view="@@declare-sojourner-fee"
    )
    assert computed.status_code == 200
    assert "Τέλος διαμονής παρεπιδημούντων" in computed.text


def test_who_may_declare(site):
    plain, _afm = create_business(verified=False)
    from municipality.certificates.testing import create_verified_citizen

    create_verified_citizen("maria")
    transaction.commit()
    for userid in (plain, "maria"):
        s = session(userid)
        page = s.get(url(site, "@@declare-municipal-tax"), timeout=TIMEOUT)
        assert page.status_code == 403
        assert "Πώς πιστοποιείται μια επιχείρηση" in page.text
        assert 'name="gross_revenue"' not in page.text
        # Even with a valid token from a page they may see, nothing is made.
        form_token = token(s, url(site, "@@personal-information"))
        response = s.post(
            url(site, "@@declare-municipal-tax"),
            data={**FORM, "_authenticator": form_token, "form.action": "submit"},
            timeout=TIMEOUT,
        )
        assert response.status_code == 403
        answer = rest(userid).post(
            url(site, "@municipal-tax/declarations"), json=JSON, timeout=TIMEOUT
        )
        assert answer.status_code == 403
        error = answer.json()["error"]
        assert error["type"] == "Forbidden"
        assert "πιστοποιήσει ο δήμος" in error["message"]
        assert error["errors"] == [{"field": None, "message": error["message"]}]
    assert not declarations(site)
    anonymous = session().get(url(site, "@@declare-municipal-tax"), timeout=TIMEOUT)
    assert "/login" in anonymous.url
    assert (
        rest()
        .post(url(site, "@municipal-tax/calculate"), json=JSON, timeout=TIMEOUT)
        .status_code
        == 401
    )


def test_another_business_sees_nothing(site, business):
    userid, _afm = business
    other, _other_afm = create_business(name="Άλλη Επιχείρηση")
    transaction.commit()
    answer = rest(userid).post(
        url(site, "@municipal-tax/declarations"), json=JSON, timeout=TIMEOUT
    )
    assert answer.status_code == 201
    declaration = answer.json()["declaration"]
    them = rest(other)
    assert them.get(declaration["@id"], timeout=TIMEOUT).status_code in DENIED
    for who in (other, None):
        page = session(who).get(
            declaration["@id"], timeout=TIMEOUT, allow_redirects=False
        )
        assert page.status_code in (*DENIED, 302), who
        if page.status_code == 302:
            assert "login" in page.headers["Location"]
        assert "Καφέ" not in page.text
    mine = them.get(url(site, "@municipal-tax/declarations"), timeout=TIMEOUT).json()
    assert mine["items"] == []
    one = them.get(
        url(site, f"@municipal-tax/declarations/{declaration['UID']}"),
        timeout=TIMEOUT,
    )
    assert one.status_code == 404
    listing = session(other).get(url(site, "municipal-tax"), timeout=TIMEOUT)
    assert declaration["reference"] not in listing.text
    # The revenue staff see it.
    from municipality.certificates.testing import create_clerk

    create_clerk("revenue", group="revenue-officers")
    transaction.commit()
    staff = session("revenue").get(url(site, "municipal-tax"), timeout=TIMEOUT)
    assert declaration["reference"] in staff.text
    assert rest("revenue").get(declaration["@id"], timeout=TIMEOUT).status_code == 200


# -- REST -------------------------------------------------------------------------


def test_rest_calculate_declare_and_list(site, business):
    userid, afm = business
    s = rest(userid)
    calc = s.post(url(site, "@municipal-tax/calculate"), json=JSON, timeout=TIMEOUT)
    assert calc.status_code == 200
    calculation = calc.json()["calculation"]
    assert calculation["tax"] == "123.40"
    assert calculation["gross_revenue"] == "24680.00"
    assert calculation["rate"] == "0.5"
    assert len(calculation["rule_version"]) == 12
    assert not declarations(site)
    made = s.post(url(site, "@municipal-tax/declarations"), json=JSON, timeout=TIMEOUT)
    assert made.status_code == 201, made.text
    body = made.json()
    declaration = body["declaration"]
    assert made.headers["Location"] == declaration["@id"]
    assert declaration["reference"].startswith("ΔΦ-")
    assert declaration["review_state"] == "pending_payment"
    assert declaration["business_afm"] == afm
    assert declaration["calculation"]["total"] == body["payment"]["amount"]
    assert body["payment"]["state"] == "started"
    assert "/bank/vpos/shophandlermpi" in body["bank"]["action"]
    names = [name for name, _value in body["bank"]["fields"]]
    assert names[-1] == "digest"
    assert "orderAmount" in names
    listed = s.get(url(site, "@municipal-tax/declarations"), timeout=TIMEOUT).json()
    assert [item["reference"] for item in listed["items"]] == [declaration["reference"]]
    reference = declaration["reference"].replace("/", "-")
    one = s.get(url(site, f"@municipal-tax/declarations/{reference}"), timeout=TIMEOUT)
    assert one.json()["UID"] == declaration["UID"]
    # The same period again, while its payment is live: refused, by field.
    again = s.post(url(site, "@municipal-tax/declarations"), json=JSON, timeout=TIMEOUT)
    assert again.status_code == 400
    (error,) = again.json()["error"]["errors"]
    assert error["field"] == "period"
    assert declaration["reference"] in error["message"]


def test_rest_field_errors(site, business):
    userid, _afm = business
    s = rest(userid)
    bad = {
        **JSON,
        "category": "bakery",
        "period": 9,
        "gross_revenue": "1.234,56",
        "vat_filing_date": "31/02/2020",
    }
    answer = s.post(url(site, "@municipal-tax/declarations"), json=bad, timeout=TIMEOUT)
    assert answer.status_code == 400
    errors = {e["field"]: e["message"] for e in answer.json()["error"]["errors"]}
    assert set(errors) == {"category", "period", "gross_revenue", "vat_filing_date"}
    assert (
        errors["period"]
        == "Σε τριμηνιαία δήλωση ΦΠΑ η περίοδος είναι τρίμηνο, από 1 έως 4."
    )
    # Money is never float: a JSON number with decimals is refused, by field.
    answer = s.post(
        url(site, "@municipal-tax/calculate"),
        json={**JSON, "gross_revenue": 24680.5},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["errors"] == [
        {
            "field": "gross_revenue",
            "message": 'Γράψτε το ποσό ως κείμενο, π.χ. "1234.56".',
        }
    ]
    answer = s.post(
        url(site, "@municipal-tax/calculate"),
        data="[1, 2]",
        headers={"Content-Type": "application/json"},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 400
    answer = s.post(
        url(site, "@municipal-tax/declarations"),
        json={**JSON, "email": "nobody"},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 400
    assert answer.json()["error"]["errors"][0]["field"] == "email"
    missing = s.get(url(site, "@municipal-tax/nothing"), timeout=TIMEOUT)
    assert missing.status_code == 404
    error = missing.json()["error"]
    assert error["type"] == "NotFound"
    assert error["errors"] == [{"field": None, "message": error["message"]}]
    assert not declarations(site)


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        # What a page of another site can make a browser send with the
        # user's cookie: a form (text/plain, urlencoded, multipart).
        ("text/plain", None),
        ("application/x-www-form-urlencoded", "category=food&period=1"),
        (None, None),
    ],
)
def test_rest_posts_need_a_json_content_type(site, business, content_type, body):
    userid, _afm = business
    headers = {"Content-Type": content_type} if content_type else {}
    data = (body if body is not None else json.dumps(JSON)).encode("utf-8")
    for path in ("calculate", "declarations"):
        answer = rest(userid).post(
            url(site, f"@municipal-tax/{path}"),
            data=data,
            headers=headers,
            timeout=TIMEOUT,
        )
        assert answer.status_code == 415, answer.text[:300]
        error = answer.json()["error"]
        assert error["errors"] == [
            {
                "field": None,
                "message": "Το σώμα του αιτήματος πρέπει να είναι αντικείμενο JSON.",
            }
        ]
    # The same through ++api++, which needs no Accept header (a form can
    # send none).
    s = session(userid)
    answer = s.post(
        f"{site.absolute_url()}/++api++/@municipal-tax/declarations",
        data=data,
        headers=headers,
        timeout=TIMEOUT,
    )
    assert answer.status_code == 415
    assert not declarations(site)


def test_rest_nil_declaration(site, business):
    userid, _afm = business
    answer = rest(userid).post(
        url(site, "@municipal-tax/declarations"),
        json={**JSON, "gross_revenue": 0},
        timeout=TIMEOUT,
    )
    assert answer.status_code == 201
    body = answer.json()
    assert body["payment"] is None
    assert body["bank"] is None
    assert body["declaration"]["review_state"] == "accepted"


# -- certified municipal-tax debts ----------------------------------------------------


def certify(afm, category="gross_revenue", principal="212.35"):
    return FinanceClient.from_registry().certify_debt(
        afm,
        "Καφέ Η Πλατεία Ο.Ε.",
        category,
        "Τέλος 0,5% επί των ακαθαρίστων εσόδων, βεβαίωση από έλεγχο",
        Decimal(principal),
        date(tax.today().year - 1, 3, 31),
    )


def test_certified_debts_listed_confirmed_and_paid(site, business):
    userid, afm = business
    debt = certify(afm)
    certify(afm, category="tap", principal="40.00")  # not municipal tax
    s = session(userid)
    listing = s.get(url(site, "@@municipal-tax-debts"), timeout=TIMEOUT)
    assert listing.status_code == 200
    assert "Τέλος 0,5% επί των ακαθαρίστων εσόδων" in listing.text
    amount = f"{debt.amount:,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    assert f"{amount} €" in listing.text
    assert "40,00 €" not in listing.text
    confirm = s.get(url(site, f"@@municipal-tax-debts?debt={debt.id}"), timeout=TIMEOUT)
    assert "Επιβεβαίωση" in confirm.text or "debt-confirm" in confirm.text
    assert debt.rf_code in confirm.text
    (form,) = [f for f in forms(confirm.text) if f["id"] == "municipal-tax-debts-pay"]
    fields = [(n, v) for n, v, _tag in form["fields"]] + [
        ("email", "accounts@example.gr"),
        ("amount", "0.01"),  # ignored: amounts come from finance
    ]
    sent = s.post(form["action"], data=fields, timeout=TIMEOUT, allow_redirects=False)
    assert sent.status_code == 302
    transaction.begin()
    payment = ledger.live_payments([debt.id])[debt.id]
    assert sent.headers["Location"] == f"{ledger.payment_url(payment)}/bank"
    assert payment.amount == debt.amount
    assert payment.channel == "municipal_tax"
    assert payment.email == "accounts@example.gr"
    assert payment.payer["afm"] == afm
    assert payment.items[0]["rf_code"] == debt.rf_code
    # The list now points at the payment instead of offering it again.
    listing = s.get(url(site, "@@municipal-tax-debts"), timeout=TIMEOUT)
    assert ledger.payment_url(payment) in listing.text


def test_another_business_debt_is_refused(site, business):
    userid, _afm = business
    other, other_afm = create_business()
    transaction.commit()
    theirs = certify(other_afm)
    answer = rest(userid).post(
        url(site, "@municipal-tax/debts"), json={"debt": theirs.id}, timeout=TIMEOUT
    )
    assert answer.status_code == 400
    (error,) = answer.json()["error"]["errors"]
    assert error["field"] == "debt"
    assert "δεν είναι μία από τις απλήρωτες" in error["message"]
    transaction.begin()
    assert not ledger.live_payments([theirs.id])


def test_rest_debts(site):
    userid, _afm = create_business(afm=SEEDED_AFM, name="ΑΡΤΟΠΟΙΙΑ ΚΩΝΣΤΑΝΤΙΝΟΥ Α.Ε.")
    transaction.commit()
    s = rest(userid)
    listed = s.get(url(site, "@municipal-tax/debts"), timeout=TIMEOUT).json()
    categories = sorted(item["category"] for item in listed["items"])
    assert categories == ["gross_revenue", "gross_revenue", "visitor_levy"]
    assert Decimal(listed["total"]) == sum(
        Decimal(item["amount"]) for item in listed["items"]
    )
    first = listed["items"][0]
    paid = s.post(
        url(site, "@municipal-tax/debts"), json={"debt": first["id"]}, timeout=TIMEOUT
    )
    assert paid.status_code == 201
    assert paid.json()["payment"]["amount"] == first["amount"]
    assert paid.json()["bank"]["fields"][-1][0] == "digest"
    again = s.post(
        url(site, "@municipal-tax/debts"), json={"debt": first["id"]}, timeout=TIMEOUT
    )
    assert again.status_code == 400
    assert again.json()["error"]["errors"][0]["field"] == "debt"
    listed = s.get(url(site, "@municipal-tax/debts"), timeout=TIMEOUT).json()
    (busy,) = [item for item in listed["items"] if item["payment"]]
    assert busy["id"] == first["id"]
    assert (
        s.post(
            url(site, "@municipal-tax/debts"), json={"debt": 12}, timeout=TIMEOUT
        ).json()["error"]["errors"][0]["field"]
        == "debt"
    )


def test_finance_down_changes_nothing(site, business, simulators):
    userid, afm = business
    debt = certify(afm)
    simulators.set_mode("finance", mode="down")
    s = session(userid)
    page = s.get(url(site, "@@municipal-tax-debts"), timeout=TIMEOUT)
    assert page.status_code == 503
    assert "δεν είναι διαθέσιμο αυτή τη στιγμή" in page.text
    confirm_url = url(site, f"@@municipal-tax-debts?debt={debt.id}")
    response = s.post(
        url(site, "@@municipal-tax-debts"),
        data={
            "debt": debt.id,
            "form.pay": "1",
            "_authenticator": token(s, url(site, "@@declare-municipal-tax")),
        },
        timeout=TIMEOUT,
    )
    assert response.status_code == 503
    assert "Δεν έγινε καμία αλλαγή" in response.text
    assert s.get(confirm_url, timeout=TIMEOUT).status_code == 503
    answer = rest(userid).post(
        url(site, "@municipal-tax/debts"), json={"debt": debt.id}, timeout=TIMEOUT
    )
    assert answer.status_code == 503
    error = answer.json()["error"]
    assert error["type"] == "ServiceUnavailable"
    assert "δεν είναι διαθέσιμο" in error["message"]
    assert error["errors"] == [{"field": None, "message": error["message"]}]
    assert (
        rest(userid).get(url(site, "@municipal-tax/debts"), timeout=TIMEOUT).status_code
        == 503
    )
    transaction.begin()
    assert not ledger.live_payments([debt.id])
    # Declaring needs no finance: it still works.
    made = rest(userid).post(
        url(site, "@municipal-tax/declarations"), json=JSON, timeout=TIMEOUT
    )
    assert made.status_code == 201


def _finance_unavailable_everywhere(portal, userid, debt_id):
    """Every page and service that asks finance answers 503 in Greek."""
    s = session(userid)
    for page in ("@@municipal-tax-debts", f"@@municipal-tax-debts?debt={debt_id}"):
        answer = s.get(url(portal, page), timeout=TIMEOUT)
        assert answer.status_code == 503, page
        assert "δεν είναι διαθέσιμο αυτή τη στιγμή" in answer.text
    orders = s.get(url(portal, "@@payment-orders"), timeout=TIMEOUT)
    assert orders.status_code == 503
    assert "δεν είναι διαθέσιμο αυτή τη στιγμή" in orders.text
    answers = [
        rest(userid).get(url(portal, "@municipal-tax/debts"), timeout=TIMEOUT),
        rest(userid).get(url(portal, "@payment-orders"), timeout=TIMEOUT),
        rest(userid).post(
            url(portal, "@municipal-tax/debts"), json={"debt": debt_id}, timeout=TIMEOUT
        ),
    ]
    for answer in answers:
        assert answer.status_code == 503, answer.text[:300]
        error = answer.json()["error"]
        assert error["type"] == "ServiceUnavailable"
        assert "δεν είναι διαθέσιμο" in error["message"]
        assert error["errors"] == [{"field": None, "message": error["message"]}]
    transaction.begin()
    assert not ledger.live_payments([debt_id])


@pytest.mark.parametrize("status", [403, 409, 422])
def test_finance_refusing_is_unavailable_not_an_error(
    site, business, simulators, status
):
    userid, afm = business
    debt = certify(afm)
    # A refusal (4xx) finance gives for none of the reasons we handle.
    simulators.set_mode("finance", mode="error", status=status)
    _finance_unavailable_everywhere(site, userid, debt.id)


def test_finance_not_configured_is_unavailable(site, business):
    from plone.registry.interfaces import IRegistry
    from zope.component import getUtility

    userid, afm = business
    debt = certify(afm)
    # The finance settings are missing (a profile upgrade not run); the
    # functional layer throws this change away after the test.
    del getUtility(IRegistry).records["municipality.finance.url"]
    transaction.commit()
    _finance_unavailable_everywhere(site, userid, debt.id)


def test_nil_declaration_through_the_form(site, business):
    userid, _afm = business
    s = session(userid)
    computed = calculate(s, site, {**FORM, "gross_revenue": "0"})
    assert "Υποβολή της δήλωσης" in computed.text
    assert "Υποβολή και πληρωμή" not in computed.text
    sent = submit_form(s, computed)
    assert sent.status_code == 302
    (obj,) = declarations(site)
    assert sent.headers["Location"] == obj.absolute_url()
    assert tax.review_state(obj) == tax.ACCEPTED
    assert tax.payment_of(obj) is None
    mine = s.get(url(site, "@@my-declarations"), timeout=TIMEOUT)
    assert mine.url == url(site, "municipal-tax")
    assert obj.reference_number in mine.text
