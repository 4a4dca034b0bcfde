"""Checks of what an applicant sends, shared by the forms, REST and the schema.

Each field check raises a :class:`zope.schema.ValidationError` whose ``doc()``
is a translatable message; :func:`check_conditional` gives the checks that
depend on other fields (what the kind and the delivery method require) as
``{field: message}``, so the form, the REST service and the schema's
invariant all say the same thing about the same field.
"""

from municipality import _
from zope import schema

import re


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]{2,}$")
# The electricity supply number (αριθμός παροχής) the ΤΑΠ is billed on:
# digits, written with spaces or dashes on the bill («1 23456789-01 2»).
_SUPPLY_SEPARATORS = re.compile(r"[\s\-./]")
SUPPLY_MIN_DIGITS = 8
SUPPLY_MAX_DIGITS = 14


class Blank(schema.ValidationError):
    __doc__ = _("This field cannot be empty.")


class TextTooLong(schema.ValidationError):
    def doc(self):
        return _(
            "Write at most ${max} characters (you wrote ${length}).",
            mapping={"max": self.args[0], "length": self.args[1]},
        )


class InvalidEmail(schema.ValidationError):
    __doc__ = _("This is not a valid email address, e.g. name@example.gr.")


class InvalidSupplyNumber(schema.ValidationError):
    __doc__ = _(
        "Write the electricity supply number as it appears on the bill: "
        "8 to 14 digits, e.g. 1 23456789-01 2."
    )


def text_constraint(max_length, required=True):
    """A text field's constraint: not blank (if required), at most ``max_length``."""

    def check(value):
        if required and not (value or "").strip():
            raise Blank(value)
        if value and len(value) > max_length:
            raise TextTooLong(max_length, len(value))
        return True

    return check


def is_email(value):
    """Constraint of the email field."""
    if value and not _EMAIL.match(value.strip()):
        raise InvalidEmail(value)
    return True


def normalise_supply_number(value):
    """The supply number's digits alone (``"1 23456789-01 2"`` → ``"123456789012"``)."""
    return _SUPPLY_SEPARATORS.sub("", value or "")


def is_supply_number(value):
    """Constraint of ``property_supply_number``."""
    if not value:
        return True
    digits = normalise_supply_number(value)
    if (
        not digits.isdigit()
        or not SUPPLY_MIN_DIGITS <= len(digits) <= SUPPLY_MAX_DIGITS
    ):
        raise InvalidSupplyNumber(value)
    return True


# Kind -> the fields it requires, with the message when one is missing.
REQUIRED_BY_KIND = {
    "civil_registry": {
        "certificate_type": _("Choose the kind of certificate."),
    },
    "tap": {
        "property_address": _("Write the address of the property."),
        "property_supply_number": _(
            "Write the electricity supply number of the property."
        ),
        "property_municipal_unit": _(
            "Write the municipal unit (δημοτική ενότητα) of the property."
        ),
    },
}

# Delivery method -> the field it requires, with the message.
REQUIRED_BY_DELIVERY = {
    "email": ("delivery_email", _("Write the email address to send it to.")),
    "post": (
        "postal_address",
        _(
            "Write the postal address to send it to: street and number, "
            "postal code, town."
        ),
    ),
}


def _blank(value):
    return value is None or (isinstance(value, str) and not value.strip())


def check_conditional(values):
    """What the kind and the delivery method require of the other fields.

    :param values: ``{field: value}`` (missing keys are empty).
    :returns: ``{field: message}``, empty when everything needed is there.
    """
    errors = {}
    for name, message in REQUIRED_BY_KIND.get(values.get("kind"), {}).items():
        if _blank(values.get(name)):
            errors[name] = message
    required = REQUIRED_BY_DELIVERY.get(values.get("delivery"))
    if required is not None:
        name, message = required
        if _blank(values.get(name)):
            errors[name] = message
    return errors
