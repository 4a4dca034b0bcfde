"""The Greek working-day calendar.

Expected dates are written out by hand, not computed with the library under
test: Orthodox Easter was/is 20 April 2025, 12 April 2026 and 2 May 2027;
Clean Monday is 48 days before Easter, Whit (Holy Spirit) Monday 50 days
after it.
"""

from datetime import date
from datetime import datetime
from datetime import timedelta
from datetime import UTC
from municipality.core.calendar import add_working_days
from municipality.core.calendar import holidays_for
from municipality.core.calendar import ICalendarSettings
from municipality.core.calendar import InvalidLocalHoliday
from municipality.core.calendar import is_overdue
from municipality.core.calendar import is_working_day
from municipality.core.calendar import LOCAL_HOLIDAYS_RECORD
from municipality.core.calendar import working_days_between
from plone import api
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD
from plone.registry.interfaces import IRegistry
from plone.testing.zope import Browser
from zope.component import getUtility
from zope.component.hooks import getSite

import pytest
import transaction


NO_LOCAL = ()

FIXED = [(1, 1), (6, 1), (25, 3), (15, 8), (28, 10), (25, 12), (26, 12)]

EASTER = {2025: date(2025, 4, 20), 2026: date(2026, 4, 12), 2027: date(2027, 5, 2)}

MOVABLE = {
    # year: (Clean Monday, Good Friday, Easter Monday, Whit Monday)
    2025: (date(2025, 3, 3), date(2025, 4, 18), date(2025, 4, 21), date(2025, 6, 9)),
    2026: (date(2026, 2, 23), date(2026, 4, 10), date(2026, 4, 13), date(2026, 6, 1)),
    2027: (date(2027, 3, 15), date(2027, 4, 30), date(2027, 5, 3), date(2027, 6, 21)),
}


@pytest.fixture
def no_site():
    """The pure-function tests run with no Plone site: national holidays only."""
    assert getSite() is None


# National holidays


@pytest.mark.parametrize("year", [2025, 2026, 2027])
@pytest.mark.parametrize(("day", "month"), FIXED)
def test_fixed_national_holidays(no_site, year, day, month):
    assert date(year, month, day) in holidays_for(year)


@pytest.mark.parametrize("year", sorted(MOVABLE))
def test_orthodox_easter_feasts(no_site, year):
    clean_monday, good_friday, easter_monday, whit_monday = MOVABLE[year]
    # The hand-written dates agree with Easter itself.
    assert clean_monday == EASTER[year] - timedelta(days=48)
    assert good_friday == EASTER[year] - timedelta(days=2)
    assert easter_monday == EASTER[year] + timedelta(days=1)
    assert whit_monday == EASTER[year] + timedelta(days=50)
    days = holidays_for(year)
    for feast in MOVABLE[year]:
        assert feast in days
        assert is_working_day(feast) is False
    assert days[good_friday] == "Μεγάλη Παρασκευή"
    assert days[easter_monday] == "Δευτέρα του Πάσχα"
    assert days[clean_monday] == "Καθαρά Δευτέρα"
    assert days[whit_monday] == "Δευτέρα του Αγίου Πνεύματος"


def test_no_other_national_holidays_in_2026(no_site):
    assert sorted(holidays_for(2026)) == sorted(
        [date(2026, month, day) for day, month in FIXED]
        + list(MOVABLE[2026])
        + [date(2026, 5, 1)]
    )


def test_names_are_greek(no_site):
    days = holidays_for(2026)
    assert days[date(2026, 3, 25)] == "Εικοστή Πέμπτη Μαρτίου"
    assert days[date(2026, 12, 25)] == "Χριστούγεννα"


def test_labour_day_moves_out_of_easter_week(no_site):
    # 2027: 1 May is Holy Saturday; as in 2021 (same Easter date), the day off
    # moves to the Tuesday after Easter.
    days = holidays_for(2027)
    assert date(2027, 5, 4) in days
    assert is_working_day(date(2027, 5, 4)) is False
    assert date(2026, 5, 1) in holidays_for(2026)


def test_christmas_eve_is_a_working_day(no_site):
    # The library knows 24 and 31 December as half days for shops; public
    # services work.
    assert is_working_day(date(2026, 12, 24)) is True
    assert is_working_day(date(2026, 12, 31)) is True


# Working days


def test_weekends_are_not_working_days(no_site):
    assert is_working_day(date(2026, 3, 7)) is False  # Saturday
    assert is_working_day(date(2026, 3, 8)) is False  # Sunday
    assert is_working_day(date(2026, 3, 9)) is True  # Monday


def test_easter_weekend(no_site):
    # Maundy Thursday 9 April 2026 is the last working day before Easter;
    # Good Friday to Easter Monday are four days off.
    thursday = date(2026, 4, 9)
    assert is_working_day(thursday) is True
    for offset in range(1, 5):
        assert is_working_day(thursday + timedelta(days=offset)) is False
    assert add_working_days(thursday, 1) == date(2026, 4, 14)
    assert add_working_days(thursday, 2) == date(2026, 4, 15)
    assert working_days_between(thursday, date(2026, 4, 14)) == 1
    assert working_days_between(thursday, date(2026, 4, 13)) == 0


def test_long_weekend_of_clean_monday(no_site):
    friday = date(2026, 2, 20)
    assert add_working_days(friday, 1) == date(2026, 2, 24)
    assert working_days_between(friday, date(2026, 2, 24)) == 1


def test_a_ten_day_deadline(no_site):
    # Submitted Monday 23 March 2026: 25 March (Wednesday) is a holiday.
    assert add_working_days(date(2026, 3, 23), 10) == date(2026, 4, 7)


def test_start_day_is_not_counted(no_site):
    monday = date(2026, 3, 2)
    assert add_working_days(monday, 1) == date(2026, 3, 3)
    assert add_working_days(date(2026, 3, 6), 1) == date(2026, 3, 9)  # Friday


def test_zero_days(no_site):
    assert add_working_days(date(2026, 3, 2), 0) == date(2026, 3, 2)
    assert add_working_days(date(2026, 3, 7), 0) == date(2026, 3, 9)  # Saturday
    assert add_working_days(date(2026, 4, 10), 0) == date(2026, 4, 14)


def test_negative_days_count_back(no_site):
    assert add_working_days(date(2026, 4, 14), -1) == date(2026, 4, 9)


def test_year_boundary(no_site):
    # Wednesday 31 December 2025; 1 January is a holiday, 2 January a Friday.
    assert add_working_days(date(2025, 12, 31), 1) == date(2026, 1, 2)
    assert add_working_days(date(2025, 12, 31), 2) == date(2026, 1, 5)
    # Christmas 2026 on Friday, 26 December on Saturday; 1 January 2027 Friday.
    assert add_working_days(date(2026, 12, 24), 1) == date(2026, 12, 28)
    assert add_working_days(date(2026, 12, 31), 1) == date(2027, 1, 4)
    assert working_days_between(date(2025, 12, 24), date(2026, 1, 9)) == 8


def test_between_is_the_inverse_of_add(no_site):
    start = date(2025, 12, 15)
    for days in range(0, 130, 7):
        end = add_working_days(start, days)
        assert working_days_between(start, end) == days
        assert working_days_between(end, start) == -days


def test_between_same_day_and_backwards(no_site):
    day = date(2026, 6, 3)
    assert working_days_between(day, day) == 0
    assert working_days_between(date(2026, 6, 5), date(2026, 5, 29)) == -4


def test_datetimes_count_by_their_greek_date(no_site):
    # 22:30 UTC on Thursday 9 April 2026 is already Good Friday in Athens.
    late = datetime(2026, 4, 9, 22, 30, tzinfo=UTC)
    assert is_working_day(late) is False
    assert add_working_days(late, 0) == date(2026, 4, 14)


def test_is_overdue(no_site):
    deadline = date(2026, 4, 14)
    assert is_overdue(deadline, today=date(2026, 4, 14)) is False
    assert is_overdue(deadline, today=date(2026, 4, 15)) is True
    assert is_overdue(deadline, today=date(2026, 4, 1)) is False
    assert is_overdue(None) is False
    assert is_overdue(date(2000, 1, 1)) is True
    assert is_overdue(date(2999, 1, 1)) is False


# Local holidays


def test_every_year_local_holiday(no_site):
    local = ["11/11 Άγιος Μηνάς"]
    for year in (2025, 2026, 2027):
        assert holidays_for(year, local=local)[date(year, 11, 11)] == "Άγιος Μηνάς"
    assert is_working_day(date(2026, 11, 11), local=local) is False
    assert is_working_day(date(2026, 11, 11)) is True
    # Tuesday 10 November 2026 + 1 working day skips the patron saint.
    assert add_working_days(date(2026, 11, 10), 1, local=local) == date(2026, 11, 12)


def test_one_off_local_holiday(no_site):
    local = ["24/12/2026"]
    assert is_working_day(date(2026, 12, 24), local=local) is False
    assert is_working_day(date(2027, 12, 24), local=local) is True
    assert date(2026, 12, 24) in holidays_for(2026, local=local)
    assert date(2025, 12, 24) not in holidays_for(2025, local=local)
    assert add_working_days(date(2026, 12, 23), 1, local=local) == date(2026, 12, 28)
    assert working_days_between(date(2026, 12, 23), date(2026, 12, 28), local) == 1


def test_local_holiday_without_a_name_gets_one(no_site):
    name = holidays_for(2026, local=["7/9"])[date(2026, 9, 7)]
    assert name == "Local holiday"  # a message id, Greek once translated


def test_local_holiday_on_a_national_one_keeps_the_national_name(no_site):
    days = holidays_for(2026, local=["15/08 Πανηγύρι"])
    assert days[date(2026, 8, 15)] == "Κοίμηση της Θεοτόκου"


def test_29_february_every_year(no_site):
    local = ["29/02"]
    assert date(2028, 2, 29) in holidays_for(2028, local=local)
    assert len(holidays_for(2027, local=local)) == len(holidays_for(2027))


def test_bad_lines_in_storage_are_skipped(no_site):
    # The form refuses them; a line written around it must not break deadlines.
    local = ["not a date", "31/02", "11/11"]
    assert add_working_days(date(2026, 11, 10), 1, local=local) == date(2026, 11, 12)


def test_no_working_day_at_all_is_an_error(no_site):
    every_day = [
        f"{day.day}/{day.month}"
        for day in (date(2028, 1, 1) + timedelta(days=n) for n in range(366))
    ]
    with pytest.raises(ValueError, match="no working day"):
        add_working_days(date(2026, 1, 1), 1, local=every_day)


# The setting's validation


FIELD = ICalendarSettings["local_holidays"]


@pytest.mark.parametrize(
    "lines",
    [
        [],
        ["11/11"],
        ["1/5/2026"],
        ["24/12/2026", "06/12 Άγιος Νικόλαος", ""],
        ["29/02"],
        ["29/02/2028"],
    ],
)
def test_good_lines_accepted(lines):
    FIELD.validate(lines)


@pytest.mark.parametrize(
    "line",
    [
        "11-11",
        "11.11.2026",
        "32/01",
        "31/04",
        "29/02/2026",
        "11/13",
        "11/11/26",
        "Άγιος Μηνάς",
        "2026-11-11",
    ],
)
def test_bad_lines_rejected(line):
    with pytest.raises(InvalidLocalHoliday) as raised:
        FIELD.validate(["11/11", line])
    message = raised.value.doc()
    assert message.mapping == {"line": line}
    assert "DD/MM" in message
    assert message.domain == "municipality"


def test_only_text_lines():
    with pytest.raises(InvalidLocalHoliday):
        FIELD.validate([b"11/11"])


# In a site


def test_registry_record_after_install(integration):
    registry = getUtility(IRegistry)
    assert LOCAL_HOLIDAYS_RECORD in registry
    assert registry[LOCAL_HOLIDAYS_RECORD] == []
    settings = registry.forInterface(ICalendarSettings, prefix="municipality.calendar")
    assert settings.local_holidays == []


def test_local_holidays_from_the_registry(integration):
    tuesday = date(2026, 11, 10)
    assert add_working_days(tuesday, 1) == date(2026, 11, 11)
    api.portal.set_registry_record(LOCAL_HOLIDAYS_RECORD, ["11/11 Άγιος Μηνάς"])
    assert add_working_days(tuesday, 1) == date(2026, 11, 12)
    assert holidays_for(2026)[date(2026, 11, 11)] == "Άγιος Μηνάς"
    assert is_working_day(date(2026, 11, 11)) is False
    # An explicit list wins over the registry.
    assert add_working_days(tuesday, 1, local=[]) == date(2026, 11, 11)


@pytest.fixture
def browser(functional):
    browser = Browser(functional["app"])
    browser.handleErrors = False
    browser.addHeader("Authorization", f"Basic {SITE_OWNER_NAME}:{SITE_OWNER_PASSWORD}")
    browser.addHeader("Accept-Language", "el")
    browser.open(f"{functional['portal'].absolute_url()}/@@municipality-controlpanel")
    return browser


def test_control_panel_calendar_tab(browser):
    widget = browser.getControl(name="form.widgets.calendar.local_holidays")
    widget.value = "11/11 Άγιος Μηνάς\n24/12/2026"
    browser.getControl(name="form.buttons.save").click()
    transaction.begin()
    assert api.portal.get_registry_record(LOCAL_HOLIDAYS_RECORD) == [
        "11/11 Άγιος Μηνάς",
        "24/12/2026",
    ]


def test_control_panel_refuses_a_bad_line(browser):
    widget = browser.getControl(name="form.widgets.calendar.local_holidays")
    widget.value = "11/11\n31/11"
    browser.getControl(name="form.buttons.save").click()
    assert "Υπάρχουν σφάλματα" in browser.contents
    assert "«31/11»" in browser.contents
    transaction.begin()
    assert api.portal.get_registry_record(LOCAL_HOLIDAYS_RECORD) == []
