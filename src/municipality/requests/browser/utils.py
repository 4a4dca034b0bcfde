"""Helpers shared by the views of the requests add-on: dates, titles, CSRF."""

from DateTime import DateTime
from datetime import date
from datetime import datetime
from DateTime.interfaces import DateTimeError
from plone.app.event.base import default_timezone
from plone.protect.authenticator import check
from Products.CMFCore.utils import getToolByName
from zExceptions import Forbidden
from zope.component import queryUtility
from zope.i18n import translate
from zope.i18nmessageid import Message
from zope.schema.interfaces import IVocabularyFactory


KINDS_VOCABULARY = "municipality.requests.kinds"
CATEGORIES_VOCABULARY = "municipality.requests.categories"
DEPARTMENTS_VOCABULARY = "municipality.requests.departments"

PORTAL_TYPE = "CitizenRequest"

# The permissions the views check by title (as Zope's checkPermission wants).
HANDLE_CASES = "municipality: Handle citizen cases"
USE_CITIZEN_SERVICES = "municipality: Use citizen services"


def format_date(value, context=None):
    """A date as «dd/mm/yyyy», in the site's time zone; "" for nothing.

    Accepts ``date``, ``datetime``, Zope's ``DateTime`` and ISO strings (as
    catalog metadata may hold them).
    """
    if value is None or value == "" or value == "None":
        return ""
    if isinstance(value, str):
        try:
            value = DateTime(value)
        except DateTimeError:  # not a date: show it as it is
            return value
    if isinstance(value, DateTime):
        if value.year() <= 1000 or value.year() >= 2499:
            # DateIndex's and the catalog's stand-ins for "no date".
            return ""
        value = value.toZone(default_timezone(context)).asdatetime()
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(default_timezone(context, as_tzinfo=True))
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    return str(value)


def format_datetime(value, context=None):
    """«dd/mm/yyyy HH:MM» in the site's time zone; "" for nothing."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            value = DateTime(value)
        except DateTimeError:
            return value
    if isinstance(value, DateTime):
        value = value.toZone(default_timezone(context)).asdatetime()
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(default_timezone(context, as_tzinfo=True))
        return value.strftime("%d/%m/%Y %H:%M")
    return format_date(value, context)


def as_date(value):
    """``value`` (date, datetime, DateTime, ISO string) as a ``date``, or None."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = DateTime(value)
        except DateTimeError:
            return None
    if isinstance(value, DateTime):
        if value.year() <= 1000 or value.year() >= 2499:
            return None
        return value.asdatetime().date()
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return None


def iso_date(value):
    """The ``datetime`` attribute of a ``<time>`` element (YYYY-MM-DD)."""
    value = as_date(value)
    return value.isoformat() if value else ""


def tr(request, message):
    """Translate a message id (or return a plain string as it is)."""
    if message is None:
        return ""
    if isinstance(message, Message):
        return translate(message, context=request)
    return str(message)


def vocabulary(context, name):
    """The named vocabulary for ``context``, or None when it is not registered."""
    factory = queryUtility(IVocabularyFactory, name=name)
    if factory is None:
        return None
    try:
        return factory(context)
    except (KeyError, LookupError, ValueError, TypeError):
        # e.g. the registry records are missing
        return None


def vocabulary_options(context, request, name):
    """``[{"value", "title"}]`` of a vocabulary, titles translated."""
    terms = vocabulary(context, name)
    if terms is None:
        return []
    return [
        {"value": term.value, "title": tr(request, term.title or term.value)}
        for term in terms
    ]


def term_title(context, request, name, value):
    """The translated title of ``value`` in the named vocabulary, else the value."""
    if not value:
        return ""
    terms = vocabulary(context, name)
    if terms is not None:
        try:
            term = terms.getTerm(value)
        except LookupError:
            term = None
        if term is not None:
            return tr(request, term.title or term.value)
    return value


def state_title(context, request, state, portal_type=PORTAL_TYPE):
    """The translated title of a workflow state of ``portal_type``."""
    if not state:
        return ""
    wftool = getToolByName(context, "portal_workflow")
    title = wftool.getTitleForStateOnType(state, portal_type) or state
    # The workflow's titles are message ids of our domain; Plone's own states
    # are translated in Plone's.
    translated = translate(Message(title, domain="municipality"), context=request)
    if translated == title:
        translated = translate(Message(title, domain="plone"), context=request)
    return translated


def check_csrf(request):
    """True when the form carries a valid ``_authenticator`` and came by POST."""
    if request.get("REQUEST_METHOD", "GET").upper() != "POST":
        return False
    try:
        check(request)
    except Forbidden:
        return False
    return True


def client_address(request):
    """The visitor's address: Zope honours ``trusted-proxy`` for X-Forwarded-For."""
    getter = getattr(request, "getClientAddr", None)
    address = getter() if getter is not None else None
    return address or request.get("REMOTE_ADDR", "") or ""
