"""The Greek working-day calendar: deadlines counted in working days.

A working day is a weekday (Monday to Friday) that is neither a national
public holiday nor one of the municipality's own days off.

National holidays come from the ``holidays`` library: the fixed ones (1 and 6
January, 25 March, 1 May, 15 August, 28 October, 25 and 26 December) and the
feasts that move with Orthodox Easter (Clean Monday, Good Friday, Easter
Monday, Whit Monday), with 1 May moved when it falls in Holy or Easter week.
These are the days the civil service code (ν. 3528/2007, άρθρο 48) gives
public services off, except the town's patron saint: that one, and any day
off declared for one year only, is a local holiday, kept in the registry
(``municipality.calendar.local_holidays``) and edited in the «Calendar» tab
of the «Municipality» control panel.

Every function reads the local holidays of the active site; with no site
(a script, a test without Plone) only national holidays count. Pass
``local=`` to give the lines yourself.
"""

from collections.abc import Iterable
from datetime import date
from datetime import datetime
from datetime import timedelta
from functools import lru_cache
from municipality import _
from municipality import logger
from plone.registry.interfaces import IRegistry
from plone.supermodel import model
from types import MappingProxyType
from zoneinfo import ZoneInfo
from zope import schema
from zope.component import queryUtility
from zope.component.hooks import getSite

import holidays
import re


REGISTRY_PREFIX = "municipality.calendar"
LOCAL_HOLIDAYS_RECORD = f"{REGISTRY_PREFIX}.local_holidays"

# Greece has one time zone: "today" and the date of an aware datetime are
# the dates at the town hall, not the server's.
TIMEZONE = ZoneInfo("Europe/Athens")

# "DD/MM" or "DD/MM/YYYY", optionally followed by a name for the day.
_LINE = re.compile(
    r"^\s*(?P<day>\d{1,2})/(?P<month>\d{1,2})(?:/(?P<year>\d{4}))?"
    r"(?:\s+(?P<name>\S.*?))?\s*$"
)

# Enough to cross any run of holidays; only a calendar with no working day
# at all (every day listed as a local holiday) reaches it.
_MAX_DAYS_OFF_IN_A_ROW = 366


class InvalidLocalHoliday(schema.ValidationError):
    """A local holiday line that is not a date in one of the two forms."""

    def doc(self):
        return _(
            "«${line}» is not a day: write DD/MM for a holiday every year "
            "(e.g. 11/11) or DD/MM/YYYY for one year only (e.g. 24/12/2026).",
            mapping={"line": self.args[0] if self.args else ""},
        )


def _parse_line(line):
    """Return ``(day, month, year or None, name or None)`` of a local holiday
    line, or ``None`` for a blank line; raise ``ValueError`` if it is neither."""
    if not isinstance(line, str):
        raise ValueError(line)
    if not line.strip():
        return None
    match = _LINE.match(line)
    if match is None:
        raise ValueError(line)
    day, month = int(match["day"]), int(match["month"])
    year = int(match["year"]) if match["year"] else None
    # 2000 is a leap year: 29/02 is a valid every-year holiday (kept only in
    # leap years), 30/02 is not.
    date(year or 2000, month, day)
    return day, month, year, match["name"]


def valid_local_holidays(value):
    """Constraint of the local holidays field: every line is a day.

    Blank lines are allowed (and ignored); the first bad line is named in the
    error.
    """
    for line in value or ():
        try:
            _parse_line(line)
        except ValueError:
            raise InvalidLocalHoliday(line) from None
    return True


class ICalendarSettings(model.Schema):
    """The municipality's own days off: the «Calendar» tab of the control panel.

    Stored in plone.registry under the prefix ``municipality.calendar``.
    """

    local_holidays = schema.List(
        title=_("Local holidays"),
        description=_(
            "One day a line. DD/MM for a day off every year, such as the feast "
            "of the town's patron saint (e.g. 11/11); DD/MM/YYYY for a day off "
            "declared for one year only (e.g. 24/12/2026). A name may follow "
            "the date. National holidays, Orthodox Easter's included, are "
            "known already: do not list them."
        ),
        value_type=schema.TextLine(),
        required=False,
        default=[],
        missing_value=[],
        constraint=valid_local_holidays,
    )


@lru_cache(maxsize=64)
def _national(year):
    # A year's national holidays never change: compute them once.
    return MappingProxyType(
        dict(holidays.country_holidays("GR", years=year, language="el"))
    )


def _registry_lines():
    if getSite() is None:
        return ()
    registry = queryUtility(IRegistry)
    if registry is None:
        return ()
    return registry.get(LOCAL_HOLIDAYS_RECORD) or ()


def _local_lines(local):
    return _registry_lines() if local is None else local


def _local(year, lines):
    days = {}
    for line in lines:
        try:
            parsed = _parse_line(line)
        except ValueError:
            # The form refuses such lines, but the registry can be written
            # around it (@registry, a script): a deadline must still compute.
            logger.warning("Ignoring local holiday %r: not DD/MM[/YYYY]", line)
            continue
        if parsed is None:
            continue
        day, month, only_in, name = parsed
        if only_in not in (None, year):
            continue
        try:
            holiday = date(year, month, day)
        except ValueError:  # 29/02 in a common year
            continue
        days[holiday] = name or _("Local holiday")
    return days


def _as_date(day):
    if isinstance(day, datetime):
        if day.tzinfo is not None:
            day = day.astimezone(TIMEZONE)
        return day.date()
    return day


class _Calendar:
    """Holidays of the years one computation touches, local lines read once."""

    def __init__(self, local):
        self.lines = tuple(_local_lines(local))
        self.years = {}

    def holidays(self, year):
        if year not in self.years:
            self.years[year] = {**_local(year, self.lines), **_national(year)}
        return self.years[year]

    def is_working_day(self, day):
        return day.weekday() < 5 and day not in self.holidays(day.year)

    def next_working_day(self, day, step=1):
        for _i in range(_MAX_DAYS_OFF_IN_A_ROW):
            if self.is_working_day(day):
                return day
            day += timedelta(days=step)
        raise ValueError("The calendar has no working day: check the local holidays.")


def holidays_for(year: int, local: Iterable[str] | None = None) -> dict[date, str]:
    """Get the holidays of a year, national and local, by date.

    :param year: [required] The year, e.g. ``2026``.
    :type year: int
    :param local: Local holiday lines (``"DD/MM"``, ``"DD/MM/YYYY"``, each
        optionally followed by a name). By default those of the registry of
        the active site, none when there is no site.
    :type local: iterable of str
    :returns: ``{date: name}``, names in Greek; a local holiday without a name
        is called «Local holiday» (a message id). Weekends are not listed.
    :rtype: dict
    :Example: ``holidays_for(2026)[date(2026, 4, 10)] == "Μεγάλη Παρασκευή"``
    """
    return dict(sorted(_Calendar(local).holidays(year).items()))


def is_working_day(day: date, local: Iterable[str] | None = None) -> bool:
    """Tell whether public services are open on a day.

    :param day: [required] The day; an aware datetime counts by its date in
        Greek time.
    :type day: date or datetime
    :param local: Local holiday lines, see ``holidays_for``.
    :returns: ``False`` on Saturdays, Sundays, national and local holidays.
    :rtype: bool
    :Example: ``is_working_day(date(2026, 4, 13)) is False`` (Easter Monday)
    """
    return _Calendar(local).is_working_day(_as_date(day))


def add_working_days(
    start: date, days: int, local: Iterable[str] | None = None
) -> date:
    """Get the day a deadline of some working days ends.

    The start day itself is not counted: a request submitted on Friday with a
    deadline of 1 working day is due on Monday (if Monday is not a holiday).

    :param start: [required] The day the period starts, e.g. submission.
    :type start: date or datetime
    :param days: [required] How many working days. ``0`` gives ``start`` if it
        is a working day, else the next working day; a negative number counts
        back.
    :type days: int
    :param local: Local holiday lines, see ``holidays_for``.
    :returns: The ``days``-th working day after ``start``.
    :rtype: date
    :raises ValueError: if the local holidays leave no working day.
    :Example: ``add_working_days(date(2026, 4, 9), 1) == date(2026, 4, 14)``
    """
    calendar = _Calendar(local)
    day = _as_date(start)
    if days == 0:
        return calendar.next_working_day(day)
    step = 1 if days > 0 else -1
    for _i in range(abs(days)):
        day = calendar.next_working_day(day + timedelta(days=step), step)
    return day


def working_days_between(
    start: date, end: date, local: Iterable[str] | None = None
) -> int:
    """Count the working days from one day to another.

    Counts the working days after ``start`` up to and including ``end``, so
    that ``working_days_between(start, add_working_days(start, n)) == n``.

    :param start: [required] The first day (not counted).
    :type start: date or datetime
    :param end: [required] The last day (counted).
    :type end: date or datetime
    :param local: Local holiday lines, see ``holidays_for``.
    :returns: The number of working days; negative if ``end`` is before
        ``start``, ``0`` if they are the same day.
    :rtype: int
    :Example: ``working_days_between(date(2026, 4, 9), date(2026, 4, 14)) == 1``
    """
    start, end = _as_date(start), _as_date(end)
    if end < start:
        return -working_days_between(end, start, local)
    calendar = _Calendar(local)
    return sum(
        calendar.is_working_day(start + timedelta(days=offset))
        for offset in range(1, (end - start).days + 1)
    )


def current_date() -> date:
    """Get today's date in Greece, whatever the server's time zone.

    :returns: The date at the town hall now.
    :rtype: date
    """
    return datetime.now(TIMEZONE).date()


def is_overdue(deadline: date | None, today: date | None = None) -> bool:
    """Tell whether a deadline has passed.

    A deadline is met on its own day: it is overdue from the next day on.

    :param deadline: The last day; ``None`` (no deadline) is never overdue.
    :type deadline: date or datetime
    :param today: The day to judge on; by default today in Greece.
    :type today: date
    :returns: ``True`` if ``today`` is after ``deadline``.
    :rtype: bool
    :Example: ``is_overdue(date(2026, 4, 14), today=date(2026, 4, 15)) is True``
    """
    if deadline is None:
        return False
    if today is None:
        today = current_date()
    return _as_date(today) > _as_date(deadline)
