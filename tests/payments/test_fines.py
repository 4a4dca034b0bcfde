"""Traffic fines (``@@pay-traffic-fine``) over real HTTP, against the finance
simulator's fines register.

Step 1 refuses another municipality's code and kinds of ticket not paid
here; step 2 checks the plate (Greek and Latin look-alikes are one plate),
the date and time; a ticket in the register is shown as the register has it
(paid ones as paid), one it lacks is registered with the kind's amount, a
number registered with another plate is refused; paying sends the visitor to
the bank with the register's amount. The JSON auto-fill says only what the
number and plate identify.
"""

from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from municipality.integrations.finance import FinanceClient
from municipality.payments import api
from municipality.payments import ledger
from municipality.payments.browser import fines
from municipality.payments.browser import services

import pytest
import random
import re
import requests
import transaction


TIMEOUT = 30
CODE = "9999"  # the municipality's code (core setting, default)

# The finance simulator's demo tickets (simulators/systems/finance.py).
RECENT = {"ticket_number": "000123", "plate": "IKT1234", "ticket_type": "Ε1Α"}
WITH_SURCHARGES = {"ticket_number": "000087", "plate": "YXH5678", "ticket_type": "Ε1Β"}
PAID = {"ticket_number": "000045", "plate": "KHM4321", "ticket_type": "Ε2"}


@pytest.fixture
def site(wired):
    services.lookups.reset()
    return wired


def url(portal, path=""):
    return f"{portal.absolute_url()}/@@pay-traffic-fine{path}"


def new_number():
    return f"{random.randrange(10**8, 10**9)}"


def yesterday():
    moment = fines.now() - timedelta(days=1)
    return moment.strftime("%Y-%m-%d"), "09:30"


def ticket(**overrides):
    day, hour = yesterday()
    data = {
        "municipality_code": CODE,
        "ticket_type": "Ε1Α",
        "ticket_number": new_number(),
        "plate": "ΝΙΚ-2045",
        "date": day,
        "time": hour,
    }
    data.update(overrides)
    return data


def token_of(html):
    match = re.search(r'name="_authenticator"[^>]*value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def step1(portal, s, code=CODE, kind="Ε1Α"):
    return s.get(
        url(portal),
        params={"municipality_code": code, "ticket_type": kind},
        timeout=TIMEOUT,
    )


def submit(portal, data, s=None):
    """Steps 1 and 2 as a visitor goes through them; the answer of step 2."""
    s = s or requests.Session()
    page = step1(portal, s, data["municipality_code"], data["ticket_type"])
    assert page.status_code == 200, page.text[:300]
    return s.post(
        url(portal),
        data={
            **data,
            "form.submitted": "find",
            "_authenticator": token_of(page.text),
        },
        timeout=TIMEOUT,
    )


def pay(portal, data, email=""):
    """«Πληρωμή» with the ticket's details (the token from the first step)."""
    s = requests.Session()
    page = step1(portal, s)
    return s.post(
        url(portal, "/pay"),
        data={**data, "email": email, "_authenticator": token_of(page.text)},
        allow_redirects=False,
        timeout=TIMEOUT,
    )


def all_payments():
    transaction.begin()
    book = ledger.get_ledger()
    return list(book.payments.values()) if book is not None else []


def register():
    return FinanceClient.from_registry()


# -- step 1 -------------------------------------------------------------------------


def test_step1_lists_the_payable_kinds_with_amounts(site):
    page = requests.get(url(site), timeout=TIMEOUT)
    assert page.status_code == 200
    assert 'value="Ε1Α"' in page.text
    assert "30,00 €" in page.text
    assert "100,00 €" in page.text
    assert 'value="ΤΡ"' not in page.text
    assert "9999" in page.text


def test_another_municipalitys_ticket(site):
    page = step1(site, requests.Session(), code="1234")
    assert page.status_code == 400
    assert "Η κλήση δεν ανήκει στον Δήμο Παραδείγματος" in page.text
    assert "πληρώνεται στον δήμο που την εξέδωσε" in page.text
    assert 'name="ticket_number"' not in page.text


def test_a_kind_not_paid_here(site):
    page = step1(site, requests.Session(), kind="ΤΡ")
    assert page.status_code == 400
    assert "δεν πληρώνονται στον Δήμο" in page.text
    assert 'name="ticket_number"' not in page.text


def test_step1_shows_the_kinds_amount_and_step2(site):
    page = step1(site, requests.Session(), kind="Ε1Β")
    assert page.status_code == 200
    assert 'id="pay-traffic-fine-type-amount"' in page.text
    assert "40,00 €" in page.text
    assert 'name="ticket_number"' in page.text
    assert "++resource++municipality.payments.fines.js" in page.text
    # «Αλλαγή» goes back to step 1 with the choice kept.
    change = re.search(r'href="([^"]*change=1[^"]*)"', page.text).group(1)
    back = requests.get(change.replace("&amp;", "&"), timeout=TIMEOUT)
    assert 'id="pay-traffic-fine-step1"' in back.text
    (radio,) = re.findall(
        r'<input[^>]*name="ticket_type"[^>]*value="Ε1Β"[^>]*>', back.text
    )
    assert 'checked="checked"' in radio
    assert 'value="9999"' in back.text


# -- step 2 -------------------------------------------------------------------------


def test_bad_plate_registers_nothing(site):
    data = ticket(plate="ΔΦΓ-1234")
    response = submit(site, data)
    assert response.status_code == 400
    assert "δεν είναι ελληνική πινακίδα" in response.text
    assert register().find_fine(data["ticket_number"], "ABE1234") is None


def test_future_date_is_refused(site):
    tomorrow = (fines.now() + timedelta(days=1)).strftime("%Y-%m-%d")
    response = submit(site, ticket(date=tomorrow))
    assert response.status_code == 400
    assert "δεν μπορεί να είναι μελλοντική" in response.text


def test_found_ticket_greek_and_latin_plates_are_one(site):
    # The register has IKT1234 (Latin); the visitor types Greek small letters.
    issued = register().find_fine(RECENT["ticket_number"], RECENT["plate"])
    day = datetime.fromisoformat(issued.issued_at)
    response = submit(
        site,
        ticket(
            ticket_number=RECENT["ticket_number"],
            plate="ικτ-1234",
            date=day.strftime("%d/%m/%Y"),
            time=day.strftime("%H:%M"),
        ),
    )
    assert response.status_code == 200
    assert 'id="pay-traffic-fine-registered"' not in response.text
    assert 'id="pay-traffic-fine-differences"' not in response.text
    assert "Ερμού 14" in response.text
    assert "30,00 €" in response.text
    assert 'id="pay-traffic-fine-pay"' in response.text
    assert "μπορεί να διαφέρει" in response.text


def test_found_ticket_with_other_details_shows_the_registers(site):
    response = submit(
        site,
        ticket(
            ticket_number=WITH_SURCHARGES["ticket_number"],
            plate="ΥΧΗ 5678",
            ticket_type="Ε1Α",
        ),
    )
    assert response.status_code == 200
    assert 'id="pay-traffic-fine-differences"' in response.text
    assert "Στάθμευση σε θέση φορτοεκφόρτωσης ή σε πεζοδρόμιο" in response.text
    # The register's amounts: 40,00 € and 20,00 € of surcharges.
    assert "40,00 €" in response.text
    assert "20,00 €" in response.text
    assert "60,00 €" in response.text


def test_paid_ticket(site):
    response = submit(
        site, ticket(ticket_number=PAID["ticket_number"], plate=PAID["plate"])
    )
    assert response.status_code == 200
    assert "έχει ήδη εξοφληθεί" in response.text
    assert 'id="pay-traffic-fine-pay"' not in response.text
    response = pay(site, ticket(ticket_number=PAID["ticket_number"], plate="KHM4321"))
    assert response.status_code == 409
    assert all_payments() == []


def test_unknown_ticket_is_registered_with_the_kinds_amount(site):
    data = ticket(ticket_type="Ε2", plate="ΝΙΚ-2045")
    response = submit(site, data)
    assert response.status_code == 200
    assert 'id="pay-traffic-fine-registered"' in response.text
    assert "100,00 €" in response.text
    fine = register().find_fine(data["ticket_number"], "NIK2045")
    assert fine is not None
    assert fine.registered_by == "portal"
    assert fine.ticket_type == "Ε2"
    assert fine.amount == Decimal("100.00")
    assert fine.issued_at.startswith(data["date"])
    # Submitting again finds it; it is not registered twice.
    again = submit(site, data)
    assert 'id="pay-traffic-fine-registered"' not in again.text


def test_number_with_another_plate(site):
    response = submit(
        site, ticket(ticket_number=RECENT["ticket_number"], plate="ΑΒΕ-9999")
    )
    assert response.status_code == 409
    assert "άλλο όχημα" in response.text
    assert register().find_fine(RECENT["ticket_number"], "ABE9999") is None


def test_pay_a_new_ticket(site):
    data = ticket(ticket_type="Ε1Β")
    response = pay(site, data, email="driver@example.gr")
    assert response.status_code == 302
    (payment,) = all_payments()
    assert response.headers["Location"] == api.bank_redirect_url(payment)
    fine = register().find_fine(data["ticket_number"], data["plate"])
    assert payment.channel == "fine"
    assert payment.payer is None
    assert payment.email == "driver@example.gr"
    assert payment.amount == fine.total == Decimal("40.00")
    (item,) = payment.items
    assert (item["kind"], item["ref"]) == ("fine", fine.id)
    assert item["category"] == "traffic_fines"
    assert item["details"]["plate"] == "NIK2045"
    # Being paid: shown so, and not paid twice.
    page = submit(site, data)
    assert "Πληρωμή σε εξέλιξη" in page.text
    assert 'id="pay-traffic-fine-pay"' not in page.text
    assert pay(site, data).status_code == 409
    assert len(all_payments()) == 1


def test_pay_without_csrf_token(site):
    response = requests.post(
        url(site, "/pay"), data=ticket(), allow_redirects=False, timeout=TIMEOUT
    )
    assert response.status_code == 403
    assert all_payments() == []


def test_finance_down(site, simulators):
    data = ticket()
    s = requests.Session()
    page = step1(site, s)
    simulators.set_mode("finance", mode="down")
    response = s.post(
        url(site),
        data={**data, "form.submitted": "find", "_authenticator": token_of(page.text)},
        timeout=TIMEOUT,
    )
    assert response.status_code == 503
    assert "σύστημα οικονομικών" in response.text


# -- the auto-fill --------------------------------------------------------------------


def test_autofill_found(site):
    response = requests.get(
        url(site, "/lookup"),
        params={"ticket_number": RECENT["ticket_number"], "plate": "ικτ 1234"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    answer = response.json()
    issued = datetime.fromisoformat(
        register().find_fine(RECENT["ticket_number"], RECENT["plate"]).issued_at
    )
    assert answer == {
        "found": True,
        "ticket_type": "Ε1Α",
        "date": issued.date().isoformat(),
        "time": issued.strftime("%H:%M"),
        "paid": False,
    }


def test_autofill_not_found(site):
    response = requests.get(
        url(site, "/lookup"),
        params={"ticket_number": RECENT["ticket_number"], "plate": "ΑΒΕ-1111"},
        timeout=TIMEOUT,
    )
    assert response.json() == {"found": False}
    response = requests.get(
        url(site, "/lookup"), params={"ticket_number": "", "plate": ""}, timeout=30
    )
    assert response.json() == {"found": False}


def test_a_register_ticket_of_a_kind_the_settings_do_not_list(site):
    # The municipal police registered a kind the municipality does not list
    # as paid here: it is shown, not offered for payment.
    number = new_number()
    day, hour = yesterday()
    register().register_fine(
        municipality_code=CODE,
        ticket_type="Ζ9",
        ticket_number=number,
        plate="ΝΙΚ-2046",
        issued_at=f"{day}T{hour}:00",
        amount=Decimal("50.00"),
    )
    response = submit(site, ticket(ticket_number=number, plate="NIK2046"))
    assert response.status_code == 200
    assert "Ζ9" in response.text
    assert 'id="pay-traffic-fine-pay"' not in response.text
    response = pay(site, ticket(ticket_number=number, plate="NIK2046"))
    assert response.status_code in (400, 409, 422)
    assert all_payments() == []
