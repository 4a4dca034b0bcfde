"""Municipal-tax declarations through their API, on the integration site.

Install (folder, permissions, series, workflow), the Greek messages, the
rule version following the settings, declaring (who, what is stored, the
payment made), nil declarations, a second declaration of the same period,
the workflow following the payment's real state changes (``ledger.change_state``
fires ``PaymentStateChanged`` as settlement does), and privacy.
"""

from .businesses import create_business
from datetime import date
from decimal import Decimal
from municipality.payments import api as payments
from municipality.payments import ledger
from municipality.payments import tax
from plone import api
from plone.app.testing import login
from plone.app.testing import logout
from zExceptions import Unauthorized

import pytest


ON = date(2025, 5, 10)
Q1 = {
    "category": "food",
    "period_kind": "quarterly",
    "period": "1",
    "year": "2025",
    "gross_revenue": "10000.00",
    "vat_filing_date": "2025-04-20",
}


@pytest.fixture
def portal(integration):
    return integration["portal"]


@pytest.fixture
def business(portal):
    userid, afm = create_business(name="Ταβέρνα Το Λιμάνι Ο.Ε.")
    return api.user.get(userid=userid), afm


def _declare(member, data=None, **kwargs):
    kwargs.setdefault("declared_on", ON)
    return tax.declare(member, {**Q1, **(data or {})}, **kwargs)


def _history(obj):
    return obj.workflow_history[tax.WORKFLOW_ID]


# -- install --------------------------------------------------------------------


def test_install(portal):
    folder = portal[tax.FOLDER_ID]
    assert folder.portal_type == "MunicipalTaxFolder"
    assert folder.title == "Δημοτικός φόρος"
    workflow = api.portal.get_tool("portal_workflow")
    assert workflow.getChainForPortalType(tax.PORTAL_TYPE) == (tax.WORKFLOW_ID,)
    assert workflow.getChainForPortalType("MunicipalTaxFolder") == ()
    series = api.portal.get_registry_record("municipality.reference.series")
    assert series[tax.PORTAL_TYPE] == "ΔΦ"
    adders = {
        r["name"] for r in folder.rolesOfPermission(tax.ADD_PERMISSION) if r["selected"]
    }
    assert adders == {"VerifiedBusiness", "Manager", "Site Administrator"}
    assert "municipal_tax_keys" in api.portal.get_tool("portal_catalog").indexes()
    # Installing again changes nothing and keeps the folder.
    tax.install(portal)
    assert portal[tax.FOLDER_ID].UID() == folder.UID()


# -- messages and settings ---------------------------------------------------------


def test_errors_are_greek(portal):
    with pytest.raises(tax.TaxInputError) as info:
        tax.calculate(
            {**Q1, "category": "bakery", "gross_revenue": "-5", "year": "1999"},
            declared_on=ON,
        )
    errors = info.value.errors
    assert errors["category"] == "Επιλέξτε το είδος της επιχείρησης από τη λίστα."
    assert (
        errors["gross_revenue"] == "Τα ακαθάριστα έσοδα δεν μπορεί να είναι αρνητικά."
    )
    assert errors["year"] == "Το έτος πρέπει να είναι από 2000 έως 2025."
    with pytest.raises(tax.TaxInputError) as info:
        tax.calculate({**Q1, "period": "2"}, declared_on=ON)
    assert info.value.errors["period"] == (
        "Η περίοδος αυτή δεν έχει λήξει ακόμη: μπορεί να δηλωθεί από 01/07/2025."
    )


def test_rule_version_follows_the_settings(portal):
    before = tax.calculate(Q1, declared_on=ON)
    api.portal.set_registry_record(
        "municipality.payments.tax_penalty_per_month", Decimal("3")
    )
    late = {**Q1, "vat_filing_date": "2025-05-20"}
    after = tax.calculate(late, declared_on=date(2025, 6, 2))
    assert after.rule_version != before.rule_version
    assert after.penalty_per_month == Decimal("3")
    assert after.surcharge == Decimal("3.00")  # 50.00 × 3% × 2 months
    lines = api.portal.get_registry_record("municipality.payments.tax_categories")
    api.portal.set_registry_record(
        "municipality.payments.tax_categories",
        [line.replace("|0.5|", "|0.7|", 1) for line in lines],
    )
    raised = tax.calculate(Q1, declared_on=ON)
    assert raised.tax == Decimal("70.00")
    assert raised.rule_version not in (before.rule_version, after.rule_version)


# -- declaring ------------------------------------------------------------------------


def test_declare_makes_the_declaration_and_its_payment(portal, business):
    member, afm = business
    # The name comes from the verification, not the editable profile.
    member.setMemberProperties({"fullname": "Άλλο όνομα"})
    obj, payment = _declare(member)
    assert obj.reference_number.startswith("ΔΦ-")
    assert obj.aq_parent.UID() == portal[tax.FOLDER_ID].UID()
    assert obj.business_afm == afm
    assert obj.business_name == "Ταβέρνα Το Λιμάνι Ο.Ε."
    assert obj.business_userid == member.getId()
    assert (obj.category, obj.period_kind, obj.period, obj.year) == (
        "food",
        "quarterly",
        1,
        2025,
    )
    assert obj.gross_revenue == Decimal("10000.00")
    assert obj.vat_filing_date == date(2025, 4, 20)
    assert obj.declared_on == ON
    calc = obj.get_calculation()
    assert calc.total == Decimal("51.00")  # 50.00 + 2% for one month late
    assert tax.replay(obj.calculation) == calc
    assert tax.review_state(obj) == tax.PENDING
    assert "Owner" in obj.get_local_roles_for_userid(member.getId())
    assert obj.Creator() == member.getId()
    # The payment: one item, the declaration's, for the computed total.
    assert obj.payment_token == payment.token
    assert payment.state == "started"
    assert payment.channel == "municipal_tax"
    assert payment.amount == Decimal("51.00")
    assert payment.context_uid == obj.UID()
    assert payment.payer == {
        "userid": member.getId(),
        "fullname": "Ταβέρνα Το Λιμάνι Ο.Ε.",
        "afm": afm,
    }
    (item,) = payment.items
    assert item["kind"] == "declaration"
    assert item["ref"] == obj.UID()
    assert item["amount"] == "51.00"
    assert item["category"] == "gross_revenue"
    assert obj.reference_number in item["description"]
    assert item["details"]["gross_revenue"] == "10000.00"
    assert item["details"]["period"] == 1
    assert item["details"]["rule_version"] == calc.rule_version
    assert payments.live_payments([obj.UID()])[obj.UID()] is payment
    assert payment.email == member.getProperty("email")


def test_sojourner_fee_is_a_visitor_levy(portal, business):
    member, _afm = business
    obj, payment = _declare(member, {"category": "accommodation"})
    assert payment.items[0]["category"] == "visitor_levy"
    assert obj.get_calculation().levy == "visitor_levy"


def test_nil_declaration_is_accepted_at_once(portal, business):
    member, _afm = business
    obj, payment = _declare(member, {"gross_revenue": "0"})
    assert payment is None
    assert tax.review_state(obj) == tax.ACCEPTED
    assert not obj.payment_token
    assert _history(obj)[-1]["comments"] == (
        "Δεν υπάρχει ποσό πληρωμής: η δήλωση έγινε δεκτή όπως υποβλήθηκε."
    )


def test_only_verified_businesses_declare(portal):
    folder = portal[tax.FOLDER_ID]
    plain, _afm = create_business(verified=False)
    from municipality.certificates.testing import create_verified_citizen

    create_verified_citizen("maria")
    for userid in (plain, "maria"):
        with pytest.raises(Unauthorized):
            _declare(api.user.get(userid=userid))
    assert not folder.objectIds()


def test_a_bad_email_stores_nothing(portal, business):
    member, _afm = business
    folder = portal[tax.FOLDER_ID]
    with pytest.raises(tax.TaxInputError) as info:
        _declare(member, email="not an address")
    assert set(info.value.errors) == {"email"}
    assert not folder.objectIds()
    # No number was spent on it either.
    obj, _payment = _declare(member)
    assert obj.reference_number.endswith("/000001")


def test_amounts_changed_since_shown(portal, business):
    member, _afm = business
    with pytest.raises(tax.TaxInputError) as info:
        _declare(member, expected={"total": "50.00", "rule_version": ""})
    assert "άλλαξαν" in info.value.errors[""]
    with pytest.raises(tax.TaxInputError):
        _declare(member, expected={"total": "51.00", "rule_version": "0123456789ab"})
    assert not portal[tax.FOLDER_ID].objectIds()
    obj, _payment = _declare(
        member,
        expected={
            "total": "51.00",
            "rule_version": tax.calculate(Q1, declared_on=ON).rule_version,
        },
    )
    assert obj is not None


# -- a second declaration of the same period ------------------------------------------


def test_second_declaration_while_paying_is_refused(portal, business):
    member, _afm = business
    first, payment = _declare(member)
    with pytest.raises(tax.TaxInputError) as info:
        _declare(member)
    assert first.reference_number in info.value.errors["period"]
    assert "αναμένει την πληρωμή" in info.value.errors["period"]
    # Months overlap: March of the same year, declared monthly.
    with pytest.raises(tax.TaxInputError):
        _declare(member, {"period_kind": "monthly", "period": "3"})
    # Another kind of business, or another quarter, is another declaration.
    _declare(member, {"category": "accommodation"})
    _declare(member, {"period": "4", "year": "2024", "vat_filing_date": "2025-01-20"})
    # Once the payment failed, the declaration is rejected: declare again.
    ledger.change_state(payment, "failed")
    assert tax.review_state(first) == tax.REJECTED
    again, _payment = _declare(member)
    assert again.reference_number != first.reference_number


def test_second_declaration_after_acceptance_is_refused(portal, business):
    member, afm = business
    first, payment = _declare(member)
    ledger.change_state(payment, "paid")
    with pytest.raises(tax.TaxInputError) as info:
        _declare(member)
    assert "έγινε δεκτή" in info.value.errors["period"]
    # Another business declares the same period: its own declaration.
    other, _other_afm = create_business()
    _declare(api.user.get(userid=other))
    # A new account of the same business (its first verification revoked)
    # finds the declaration the old account made.
    from municipality.core.identity import verification

    with api.env.adopt_roles(["Manager"]):
        verification.revoke(member.getId(), "Άλλαξε ο εκπρόσωπος", "clerk")
    successor, _same = create_business(afm=afm)
    with pytest.raises(tax.TaxInputError):
        _declare(api.user.get(userid=successor))
    found = tax.standing_declaration(afm, first.get_calculation())
    assert found.UID() == first.UID()


# -- the payment decides ---------------------------------------------------------


@pytest.mark.parametrize(
    ("outcome", "reason"),
    [
        ("failed", "δεν ολοκληρώθηκε (η τράπεζα δεν την ενέκρινε)"),
        ("cancelled", "ακυρώθηκε στη σελίδα της τράπεζας"),
        ("expired", "δεν ολοκληρώθηκε εγκαίρως"),
    ],
)
def test_unpaid_rejects_with_the_reason(portal, business, outcome, reason):
    member, _afm = business
    obj, payment = _declare(member)
    ledger.change_state(payment, outcome)
    assert tax.review_state(obj) == tax.REJECTED
    last = _history(obj)[-1]
    assert last["action"] == "reject"
    assert reason in last["comments"]
    assert "υποβάλετε νέα δήλωση" in last["comments"]


def test_paid_accepts_and_posted_changes_nothing(portal, business):
    member, _afm = business
    obj, payment = _declare(member)
    ledger.change_state(payment, "paid")
    assert tax.review_state(obj) == tax.ACCEPTED
    assert payment.id in _history(obj)[-1]["comments"]
    ledger.change_state(payment, "posted")
    assert tax.review_state(obj) == tax.ACCEPTED
    assert [step["review_state"] for step in _history(obj)] == [
        tax.PENDING,
        tax.ACCEPTED,
    ]


def test_late_paid_after_rejection_accepts(portal, business):
    member, _afm = business
    obj, payment = _declare(member)
    ledger.change_state(payment, "expired")
    assert tax.review_state(obj) == tax.REJECTED
    ledger.change_state(payment, "paid")
    assert tax.review_state(obj) == tax.ACCEPTED
    comment = _history(obj)[-1]["comments"]
    assert payment.id in comment
    assert "αφού η δήλωση είχε απορριφθεί" in comment


@pytest.mark.parametrize("other_state", ["accepted", "pending", "nil"])
def test_late_paid_when_the_period_was_declared_again_stays_rejected(
    portal, business, other_state
):
    """The business declared the period again after the rejection: a late
    «paid» of the first must not make a second accepted declaration (and a
    second tax kept); the operators are told, the history says why."""
    from municipality.core import outbox

    api.portal.set_registry_record(
        "municipality.outbox.alert_email", "operators@example.gr"
    )
    member, _afm = business
    first, late = _declare(member)
    ledger.change_state(late, "expired")
    assert tax.review_state(first) == tax.REJECTED
    second, paying = _declare(
        member, {"gross_revenue": "0"} if other_state == "nil" else None
    )
    if other_state == "accepted":
        ledger.change_state(paying, "paid")
    expected = tax.PENDING if other_state == "pending" else tax.ACCEPTED
    assert tax.review_state(second) == expected
    steps = len(_history(first))

    ledger.change_state(late, "paid")  # the bank took the money after all

    assert tax.review_state(first) == tax.REJECTED
    assert tax.review_state(second) == expected
    assert len(_history(first)) == steps + 1
    note = _history(first)[-1]
    assert note["review_state"] == tax.REJECTED
    assert note["action"] is None
    assert late.id in note["comments"]
    assert second.reference_number in note["comments"]
    assert "παραμένει απορριφθείσα" in note["comments"]
    # The payment is flagged and the operators are emailed, once.
    assert "εξοφληθεί και με άλλη πληρωμή" in late.attention
    if paying is not None:
        assert paying.id in late.attention
    mail = outbox.get_item(f"payments.attention:{late.id}:paid_twice")
    assert mail is not None
    assert mail.payload["to"] == "operators@example.gr"
    assert late.id in mail.payload["subject"]
    # Posting it to finance later changes nothing more.
    ledger.change_state(late, "posted")
    assert tax.review_state(first) == tax.REJECTED
    assert len(_history(first)) == steps + 1
    accepted = [
        obj
        for obj in portal[tax.FOLDER_ID].objectValues()
        if tax.review_state(obj) == tax.ACCEPTED
    ]
    assert len(accepted) == (0 if other_state == "pending" else 1)


def test_late_bank_confirmation_when_declared_again(portal, business):
    """The same through settlement, as the bank's late background
    confirmation arrives (a verified, signed message)."""
    from .conftest import signed
    from municipality.core import outbox
    from municipality.payments import settlement

    api.portal.set_registry_record("municipality.bank.url", "http://127.0.0.1:9/bank")
    api.portal.set_registry_record(
        "municipality.outbox.alert_email", "operators@example.gr"
    )
    member, _afm = business
    first, late = _declare(member)
    ledger.change_state(late, "failed")
    second, paying = _declare(member)
    ledger.change_state(paying, "paid")
    result = settlement.receive_notification(signed(late))
    assert result.outcome == "applied"
    assert late.state == "paid"
    assert tax.review_state(first) == tax.REJECTED
    assert tax.review_state(second) == tax.ACCEPTED
    assert late.attention
    assert outbox.get_item(f"payments.attention:{late.id}:paid_twice") is not None
    assert outbox.get_item(f"payments.attention:{late.id}:paid_after_failed")


def test_other_payments_leave_declarations_alone(portal, business):
    member, _afm = business
    obj, _payment = _declare(member)
    other = payments.create_payment(
        [
            payments.Item(
                "debt", "D-1", "Οφειλή", Decimal("10.00"), category="gross_revenue"
            )
        ],
        "municipal_tax",
        context=obj,  # even one that names the declaration
    )
    ledger.change_state(other, "failed")
    assert tax.review_state(obj) == tax.PENDING


def test_nobody_moves_a_declaration_by_hand(portal, business):
    member, _afm = business
    obj, _payment = _declare(member)
    workflow = api.portal.get_tool("portal_workflow")
    login(portal, member.getId())
    try:
        assert not [t["id"] for t in workflow.getTransitionsFor(obj)]
        assert not api.user.has_permission("Modify portal content", obj=obj)
    finally:
        logout()


# -- money is text; finance that cannot answer ------------------------------------


def test_a_float_amount_is_refused_in_greek(portal):
    with pytest.raises(tax.TaxInputError) as info:
        tax.calculate({**Q1, "gross_revenue": 10000.5}, declared_on=ON)
    assert info.value.errors == {
        "gross_revenue": 'Γράψτε το ποσό ως κείμενο, π.χ. "1234.56".'
    }
    assert tax.calculate({**Q1, "gross_revenue": 10000}, declared_on=ON).tax == (
        Decimal("50.00")
    )


def test_finance_not_configured_or_refusing_input_is_unavailable(portal):
    from plone.registry.interfaces import IRegistry
    from zope.component import getUtility

    # An ΑΦΜ the client will not send (ValueError): not a 500.
    with pytest.raises(tax.FinanceUnavailable):
        tax.certified_debts({"afm": "12345"})
    with pytest.raises(tax.FinanceUnavailable):
        tax.payment_orders({"afm": "12345"})
    # No finance settings at all (an upgrade not run, a record removed).
    del getUtility(IRegistry).records["municipality.finance.url"]
    with pytest.raises(tax.FinanceUnavailable):
        tax.certified_debts({"afm": "800000002"})
    with pytest.raises(tax.FinanceUnavailable):
        tax.payment_orders({"afm": "800000002"})


# -- privacy ----------------------------------------------------------------------


def test_only_the_business_and_revenue_staff_see_it(portal, business):
    from municipality.certificates.testing import create_clerk

    member, _afm = business
    obj, _payment = _declare(member)
    other, _other_afm = create_business()
    create_clerk("revenue", group="revenue-officers")
    create_clerk("protocol", group="protocol-clerks")
    expected = {member.getId(): True, other: False, "revenue": True, "protocol": False}
    for userid, allowed in expected.items():
        login(portal, userid)
        try:
            assert bool(api.user.has_permission("View", obj=obj)) is allowed, userid
            found = api.content.find(portal_type=tax.PORTAL_TYPE)
            assert bool(found) is allowed, userid
        finally:
            logout()
    login(portal, other)
    try:
        assert tax.my_declarations(api.user.get_current()) == []
    finally:
        logout()
    logout()
    assert not api.content.find(portal_type=tax.PORTAL_TYPE)
