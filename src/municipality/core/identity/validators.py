"""Checks and normal forms of a person's profile data: ΑΦΜ, phone, address.

Each ``normalize_*`` function takes what a person typed and returns the form
that is stored (``"094 259 216"`` → ``"094259216"``), or raises a
:class:`zope.schema.ValidationError` whose ``doc()`` is a Greek message for
the form field. They are used by the member fields (``userdata.py``), by
verification (``verification.py``) and over plone.restapi.
"""

from municipality import _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.gr import vat
from zope.schema import ValidationError

import re


# What people put between digits: spaces, dashes, dots, slashes, brackets.
SEPARATORS = re.compile(r"[\s\-./()]+")

# Greek postal codes run from 10xxx (Athens) to 85xxx (Dodecanese).
POSTAL_CODE = re.compile(r"^[1-8]\d{4}$")

# A Greek subscriber number: 10 digits, landlines 2…, mobiles 69….
PHONE = re.compile(r"^(2\d{9}|69\d{8})$")

LETTER = re.compile(r"[^\W\d_]")
DIGIT = re.compile(r"\d")

MAX_STREET = 120
MAX_CITY = 60
MAX_NAME = 120


class InvalidAFM(ValidationError):
    __doc__ = _(
        "The tax number (AFM) is not valid: it has 9 digits and the last one "
        "is a check digit. Check it against your tax documents."
    )


class InvalidPhone(ValidationError):
    __doc__ = _(
        "Enter a Greek phone number of 10 digits: a landline starting with 2 "
        "or a mobile starting with 69 (+30 in front is allowed)."
    )


class InvalidPostalCode(ValidationError):
    __doc__ = _("The postal code has 5 digits, e.g. 10431 or 104 31.")


class InvalidStreet(ValidationError):
    __doc__ = _(
        "Enter the street and number, e.g. «Ερμού 25» (at most 120 characters)."
    )


class InvalidCity(ValidationError):
    __doc__ = _("Enter the city or village, in letters (at most 60 characters).")


class InvalidName(ValidationError):
    __doc__ = _("Enter a name in letters (at most 120 characters).")


def _clean(value):
    return (value or "").strip()


def normalize_afm(value):
    """The 9-digit ΑΦΜ of ``value``; raises :class:`InvalidAFM`.

    Spaces, dashes and an ``EL``/``GR`` prefix are dropped, and the old
    8-digit form gets its leading 0. The check digit must be right, and the
    all-zero number (which passes it) is refused.

    >>> normalize_afm("94259216")
    '094259216'
    """
    value = _clean(value)
    if not value:
        raise InvalidAFM(value)
    try:
        number = vat.validate(value)
    except StdnumError:
        raise InvalidAFM(value) from None
    if not number.strip("0"):
        raise InvalidAFM(value)
    return number


def is_valid_afm(value):
    """True when ``value`` is a valid ΑΦΜ (in any accepted spelling)."""
    try:
        normalize_afm(value)
    except InvalidAFM:
        return False
    return True


def normalize_phone(value):
    """A Greek phone number as its 10 digits; raises :class:`InvalidPhone`.

    ``+30``/``0030`` in front and spaces, dashes, dots or brackets between
    the digits are allowed: ``+30 210-123 4567`` → ``2101234567``.
    """
    value = SEPARATORS.sub("", _clean(value))
    if value.startswith("+30"):
        value = value[3:]
    elif value.startswith("0030"):
        value = value[4:]
    if not PHONE.match(value):
        raise InvalidPhone(value)
    return value


def normalize_postal_code(value):
    """A Greek postal code as its 5 digits; raises :class:`InvalidPostalCode`."""
    value = re.sub(r"\s+", "", _clean(value))
    if not POSTAL_CODE.match(value):
        raise InvalidPostalCode(value)
    return value


def _text(value, limit, error, need_letter=True, no_digits=False):
    value = re.sub(r"\s+", " ", _clean(value))
    if (
        len(value) < 2
        or len(value) > limit
        or (need_letter and not LETTER.search(value))
        or (no_digits and DIGIT.search(value))
    ):
        raise error(value)
    return value


def normalize_street(value):
    """Street and number, spaces tidied; raises :class:`InvalidStreet`."""
    return _text(value, MAX_STREET, InvalidStreet)


def normalize_city(value):
    """City or village, spaces tidied; raises :class:`InvalidCity`."""
    return _text(value, MAX_CITY, InvalidCity, no_digits=True)


def normalize_name(value):
    """A person's name (e.g. father's name); raises :class:`InvalidName`."""
    return _text(value, MAX_NAME, InvalidName, no_digits=True)


# Field kind (see userdata.py) -> (normaliser, its error).
NORMALIZERS = {
    "afm": (normalize_afm, InvalidAFM),
    "phone": (normalize_phone, InvalidPhone),
    "postal_code": (normalize_postal_code, InvalidPostalCode),
    "street": (normalize_street, InvalidStreet),
    "city": (normalize_city, InvalidCity),
    "name": (normalize_name, InvalidName),
}


def normalize(kind, value):
    """Normalise ``value`` as a field of ``kind``; "" stays "" (not given)."""
    if not _clean(value):
        return ""
    return NORMALIZERS[kind][0](value)


def constraint(kind):
    """A ``zope.schema`` constraint that accepts only the stored (normal) form.

    Forms normalise before validating (``userdata.IdentityFieldConverter``),
    so this catches values that bypass them.
    """
    error = NORMALIZERS[kind][1]

    def check(value):
        if value and normalize(kind, value) != value:
            raise error(value)
        return True

    return check
