"""The municipal-tax computation as pure functions: no site, no request.

The rules are given explicitly (the shipped defaults: 0.5% and 5% of gross
revenue, 0.5% sojourner fee, 2% a month capped at 100%), so each case reads
as its own worked example.
"""

from datetime import date
from decimal import Decimal
from municipality.payments import tax
from municipality.payments.interfaces import DEFAULT_TAX_CATEGORIES
from municipality.payments.interfaces import parse_tax_category

import json
import pytest


BASIS = "άρθρο 20 ν. 2539/1997 (προσαύξηση για εκπρόθεσμη δήλωση)"


def rules(penalty="2", cap="100", basis=BASIS, lines=DEFAULT_TAX_CATEGORIES):
    categories = {}
    for line in lines:
        category = parse_tax_category(line)
        categories[category["code"]] = category
    return {
        "categories": categories,
        "penalty_per_month": Decimal(penalty),
        "penalty_cap": Decimal(cap),
        "penalty_legal_basis": basis,
    }


RULES = rules()


def compute(
    gross="10000.00",
    category="food",
    kind="quarterly",
    period=1,
    year=2025,
    filed=date(2025, 4, 20),
    on=date(2025, 4, 30),
    rules=RULES,
):
    return tax.compute(
        category,
        kind,
        period,
        year,
        Decimal(gross),
        filed,
        on,
        rules=rules,
    )


# -- the table ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "kwargs", "months", "tax_", "surcharge", "total"),
    [
        # Q1 2025: deadline 30/04/2025.
        ("on the deadline", {"on": date(2025, 4, 30)}, 0, "50.00", "0.00", "50.00"),
        ("early", {"on": date(2025, 4, 21)}, 0, "50.00", "0.00", "50.00"),
        ("1 day late = 1 month", {"on": date(2025, 5, 1)}, 1, "50.00", "1.00", "51.00"),
        ("a whole month late", {"on": date(2025, 5, 31)}, 1, "50.00", "1.00", "51.00"),
        ("1 month and 1 day", {"on": date(2025, 6, 1)}, 2, "50.00", "2.00", "52.00"),
        (
            "13 months (entertainment, 5%)",
            {
                "category": "entertainment",
                "gross": "1000",
                "kind": "monthly",
                "period": 1,
                "year": 2024,
                "filed": date(2024, 2, 20),
                # deadline 29/02/2024 (leap year); 12 months → 28/02/2025
                "on": date(2025, 3, 30),
            },
            13,
            "50.00",
            "13.00",
            "63.00",
        ),
        (
            "capped at 100% of the tax",
            {"on": date(2030, 1, 15), "year": 2025},
            57,
            "50.00",
            "50.00",
            "100.00",
        ),
        (
            "a lower cap (30%): 20 months give 30%, not 40%",
            {"on": date(2026, 12, 31), "rules": rules(cap="30")},
            20,
            "50.00",
            "15.00",
            "65.00",
        ),
        ("zero revenue: nil", {"gross": "0"}, 0, "0.00", "0.00", "0.00"),
        (
            "zero revenue, late: nil",
            {"gross": "0", "on": date(2025, 9, 1)},
            5,
            "0.00",
            "0.00",
            "0.00",
        ),
        # 1001 × 0.5% = 5.005 → 5.01 (half-up; half-even would give 5.00)
        ("tax rounds half-up", {"gross": "1001"}, 0, "5.01", "0.00", "5.01"),
        # 250 × 0.5% = 1.25; × 2% = 0.025 → 0.03 (half-even: 0.02)
        (
            "surcharge rounds half-up",
            {"gross": "250", "on": date(2025, 5, 2)},
            1,
            "1.25",
            "0.03",
            "1.28",
        ),
        # 0.99 × 0.5% = 0.00495 → 0.00
        ("below a cent", {"gross": "0.99"}, 0, "0.00", "0.00", "0.00"),
        (
            "sojourner fee",
            {"category": "accommodation", "gross": "123456.78"},
            0,
            "617.28",
            "0.00",
            "617.28",
        ),
    ],
)
def test_table(case, kwargs, months, tax_, surcharge, total):
    calc = compute(**kwargs)
    assert calc.months_late == months, case
    assert calc.tax == Decimal(tax_), case
    assert calc.surcharge == Decimal(surcharge), case
    assert calc.total == Decimal(total), case
    assert calc.is_nil == (calc.total == 0)
    for amount in (calc.tax, calc.surcharge, calc.total):
        assert amount.as_tuple().exponent == -2


@pytest.mark.parametrize(
    ("kind", "period", "year", "start", "end", "deadline"),
    [
        ("quarterly", 1, 2025, date(2025, 1, 1), date(2025, 3, 31), date(2025, 4, 30)),
        ("quarterly", 2, 2025, date(2025, 4, 1), date(2025, 6, 30), date(2025, 7, 31)),
        ("quarterly", 3, 2025, date(2025, 7, 1), date(2025, 9, 30), date(2025, 10, 31)),
        (
            "quarterly",
            4,
            2024,
            date(2024, 10, 1),
            date(2024, 12, 31),
            date(2025, 1, 31),
        ),
        ("monthly", 1, 2024, date(2024, 1, 1), date(2024, 1, 31), date(2024, 2, 29)),
        ("monthly", 1, 2025, date(2025, 1, 1), date(2025, 1, 31), date(2025, 2, 28)),
        (
            "monthly",
            11,
            2024,
            date(2024, 11, 1),
            date(2024, 11, 30),
            date(2024, 12, 31),
        ),
        ("monthly", 12, 2024, date(2024, 12, 1), date(2024, 12, 31), date(2025, 1, 31)),
    ],
)
def test_periods_and_deadlines(kind, period, year, start, end, deadline):
    assert tax.period_bounds(kind, period, year) == (start, end)
    assert tax.deadline_of(kind, period, year) == deadline
    calc = compute(
        kind=kind,
        period=period,
        year=year,
        filed=date(deadline.year, deadline.month, 1),
        on=deadline,
    )
    assert (calc.period_start, calc.period_end, calc.deadline) == (start, end, deadline)
    assert calc.months_late == 0


def test_months_late_counts_months_or_parts_of_months():
    deadline = date(2025, 1, 31)
    assert tax.months_late(deadline, date(2025, 1, 31)) == 0
    assert tax.months_late(deadline, date(2025, 2, 1)) == 1
    assert tax.months_late(deadline, date(2025, 2, 28)) == 1
    assert tax.months_late(deadline, date(2025, 3, 1)) == 2
    assert tax.months_late(deadline, date(2025, 3, 31)) == 2
    assert tax.months_late(deadline, date(2026, 1, 31)) == 12
    assert tax.months_late(deadline, date(2026, 2, 1)) == 13
    # A deadline that is not a month's last day counts from the same day.
    assert tax.months_late(date(2025, 3, 15), date(2025, 4, 15)) == 1
    assert tax.months_late(date(2025, 3, 15), date(2025, 4, 16)) == 2


def test_add_months_keeps_the_end_of_the_month():
    assert tax.add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert tax.add_months(date(2024, 2, 29), 1) == date(2024, 3, 31)
    assert tax.add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert tax.add_months(date(2024, 1, 30), 1) == date(2024, 2, 29)
    assert tax.add_months(date(2024, 1, 15), 13) == date(2025, 2, 15)


# -- what a computation keeps -----------------------------------------------------


def test_it_keeps_inputs_rule_and_version():
    calc = compute(on=date(2025, 5, 2))
    data = calc.as_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["gross_revenue"] == "10000.00"
    assert data["vat_filing_date"] == "2025-04-20"
    assert data["declared_on"] == "2025-05-02"
    assert data["rate"] == "0.5"
    assert data["penalty_per_month"] == "2"
    assert data["penalty_cap"] == "100"
    assert "ν. 3756/2009" in data["legal_basis"]
    assert data["penalty_legal_basis"] == BASIS
    assert data["deadline_rule"] == tax.DEADLINE_RULE
    assert data["deadline"] == "2025-04-30"
    assert data["levy"] == "gross_revenue"
    assert len(data["rule_version"]) == 12
    assert data["computed_at"][:4].isdigit()
    assert calc.inputs() == {
        "category": "food",
        "period_kind": "quarterly",
        "period": 1,
        "year": 2025,
        "gross_revenue": "10000.00",
        "vat_filing_date": "2025-04-20",
        "declared_on": "2025-05-02",
    }
    assert tax.Calculation.from_dict(data) == calc


def test_replay_gives_the_same_whatever_the_settings_say_now():
    calc = compute(on=date(2025, 6, 3))
    stored = calc.as_dict()
    assert tax.replay(stored) == calc
    # An altered amount does not survive a replay …
    altered = {**stored, "total": "1.00"}
    assert tax.replay(altered).total == calc.total != Decimal("1.00")
    # … and an altered rule no longer matches its version.
    with pytest.raises(ValueError, match="rule version"):
        tax.replay({**stored, "rate": "0.1"})


def test_rule_version_changes_with_a_setting():
    base = compute().rule_version
    assert compute().rule_version == base
    assert compute(rules=rules(penalty="3")).rule_version != base
    assert compute(rules=rules(cap="50")).rule_version != base
    assert compute(rules=rules(basis="άλλη διάταξη")).rule_version != base
    other_rate = [
        line.replace("|0.5|", "|0.75|", 1) if line.startswith("food|") else line
        for line in DEFAULT_TAX_CATEGORIES
    ]
    assert compute(rules=rules(lines=other_rate)).rule_version != base
    # The same rate written otherwise, or a new title, is the same rule.
    same_rate = [
        line.replace("|0.5|", "|0,50|", 1) if line.startswith("food|") else line
        for line in DEFAULT_TAX_CATEGORIES
    ]
    assert compute(rules=rules(lines=same_rate)).rule_version == base
    retitled = [
        line.replace("Καταστήματα", "Μαγαζιά", 1) if line.startswith("food|") else line
        for line in DEFAULT_TAX_CATEGORIES
    ]
    assert compute(rules=rules(lines=retitled)).rule_version == base
    # Each category has its own rule.
    assert compute(category="entertainment").rule_version != base


def test_defaults_without_a_site_are_the_shipped_settings():
    assert tax.current_rules()["penalty_per_month"] == Decimal("2")
    assert tax.current_rules()["penalty_cap"] == Decimal("100")
    assert compute(rules=None).rule_version == compute().rule_version


def test_levies():
    assert tax.levy_of("food") == "gross_revenue"
    assert tax.levy_of("entertainment") == "gross_revenue"
    assert tax.levy_of("accommodation") == "visitor_levy"
    assert tax.levy_of("rooms", "άρθρο 1 ν. 339/1976") == "visitor_levy"
    assert set(tax.categories("visitor_levy", RULES)) == {"accommodation"}
    assert set(tax.categories("gross_revenue", RULES)) == {"food", "entertainment"}


# -- validation -------------------------------------------------------------------

ON = date(2025, 5, 10)


def errors_of(**changes):
    args = {
        "category": "food",
        "period_kind": "quarterly",
        "period": 1,
        "year": 2025,
        "gross_revenue": Decimal("100"),
        "vat_filing_date": date(2025, 4, 20),
        "declared_on": ON,
        **changes,
    }
    with pytest.raises(tax.TaxInputError) as info:
        tax.compute(rules=RULES, **args)
    return info.value.errors


@pytest.mark.parametrize(
    ("changes", "fields"),
    [
        ({"category": "bakery"}, {"category"}),
        ({"category": None}, {"category"}),
        ({"period_kind": "weekly"}, {"period_kind"}),
        ({"period_kind": "monthly", "period": 13}, {"period"}),
        ({"period_kind": "monthly", "period": 0}, {"period"}),
        ({"period": 5}, {"period"}),
        ({"period": None}, {"period"}),
        ({"year": 1999}, {"year"}),
        ({"year": 2026}, {"year"}),
        ({"year": True}, {"year"}),
        # Q2 2025 ends on 30/06/2025, after ON
        ({"period": 2, "vat_filing_date": date(2025, 5, 1)}, {"period"}),
        ({"period_kind": "monthly", "period": 5}, {"period"}),
        ({"gross_revenue": Decimal("-0.01")}, {"gross_revenue"}),
        ({"gross_revenue": Decimal("10.005")}, {"gross_revenue"}),
        ({"gross_revenue": Decimal("1000000000")}, {"gross_revenue"}),
        ({"gross_revenue": Decimal("NaN")}, {"gross_revenue"}),
        ({"gross_revenue": None}, {"gross_revenue"}),
        ({"vat_filing_date": date(2025, 3, 31)}, {"vat_filing_date"}),
        ({"vat_filing_date": date(2025, 5, 11)}, {"vat_filing_date"}),
        ({"vat_filing_date": None}, {"vat_filing_date"}),
        (
            {"category": "x", "period": 9, "gross_revenue": Decimal("-1"), "year": 1},
            {"category", "period", "gross_revenue", "year"},
        ),
    ],
)
def test_validation_names_the_fields(changes, fields):
    assert set(errors_of(**changes)) == fields


def test_the_largest_revenue_and_the_last_day_pass():
    calc = tax.compute(
        "food",
        "quarterly",
        1,
        2025,
        tax.MAX_GROSS_REVENUE,
        ON,
        ON,
        rules=RULES,
    )
    assert calc.tax == Decimal("5000000.00")
    # The day after the period is the first day a VAT return can be filed.
    assert compute(filed=date(2025, 4, 1), on=date(2025, 4, 1)).months_late == 0


# -- reading forms and JSON ---------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "greek", "expected"),
    [
        ("1234.56", False, "1234.56"),
        ("0", False, "0"),
        (1234, False, "1234"),
        ("-3", False, "-3"),
        ("1.234,56", True, "1234.56"),
        ("1234,56", True, "1234.56"),
        ("1.234", True, "1234"),
        ("1.234.567,8", True, "1234567.8"),
        ("12.5", True, "12.5"),
        (" 12 345,00 € ", True, "12345.00"),
    ],
)
def test_parse_amount(text, greek, expected):
    assert tax.parse_amount(text, greek=greek) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "greek"),
    [
        ("1.234,56", False),
        ("12,5", False),
        ("abc", False),
        ("", False),
        (True, False),
        (None, False),
        ([], False),
        ("1,2,3", True),
        ("12.34.5", True),
        ("1e5", False),
        ("Infinity", False),
        # Money is never float: a JSON number with decimals is refused.
        (12.5, False),
        (1234.0, False),
        (0.1, True),
    ],
)
def test_parse_amount_refuses(text, greek):
    with pytest.raises(ValueError):  # noqa: PT011 - the message is the input
        tax.parse_amount(text, greek=greek)


def test_parse_date():
    assert tax.parse_date("2025-04-20") == date(2025, 4, 20)
    assert tax.parse_date("20/04/2025") == date(2025, 4, 20)
    assert tax.parse_date("1/4/2025") == date(2025, 4, 1)
    for bad in ("31/02/2025", "2025-4-20", "yesterday", 20250420, None):
        with pytest.raises(ValueError):  # noqa: PT011 - the message is the input
            tax.parse_date(bad)


def test_calculate_reads_and_checks_everything_at_once():
    calc = tax.calculate(
        {
            "category": "food",
            "period_kind": "quarterly",
            "period": "1",
            "year": "2025",
            "gross_revenue": "10.000,00",
            "vat_filing_date": "20/04/2025",
        },
        declared_on=ON,
        greek=True,
        rules=RULES,
    )
    assert calc.tax == Decimal("50.00")
    with pytest.raises(tax.TaxInputError) as info:
        tax.calculate(
            {
                "category": "food",
                "period_kind": "quarterly",
                "period": "one",
                "year": "2025",
                "gross_revenue": "",
                "vat_filing_date": "tomorrow",
            },
            declared_on=ON,
            rules=RULES,
        )
    assert set(info.value.errors) == {"period", "gross_revenue", "vat_filing_date"}


def test_calculate_refuses_a_float_amount():
    data = {
        "category": "food",
        "period_kind": "quarterly",
        "period": 1,
        "year": 2025,
        "gross_revenue": 10000.1,
        "vat_filing_date": "2025-04-20",
    }
    with pytest.raises(tax.TaxInputError) as info:
        tax.calculate(data, declared_on=ON, rules=RULES)
    assert set(info.value.errors) == {"gross_revenue"}
    # The same amount as text, or a whole number, is read exactly.
    text = tax.calculate(
        {**data, "gross_revenue": "10000.10"}, declared_on=ON, rules=RULES
    )
    assert text.gross_revenue == Decimal("10000.10")
    whole = tax.calculate({**data, "gross_revenue": 10000}, declared_on=ON, rules=RULES)
    assert whole.tax == Decimal("50.00")
