"""The payments settings as Python values, with the shipped defaults as fallback."""

from municipality import logger
from municipality.payments.interfaces import IPaymentsSettings
from municipality.payments.interfaces import parse_tax_category
from municipality.payments.interfaces import parse_ticket_type
from municipality.payments.interfaces import REGISTRY_PREFIX
from plone.registry.interfaces import IRegistry
from zope.component import queryUtility


def get(name):
    """The value of setting ``name``; the schema's default when it is unset."""
    registry = queryUtility(IRegistry)
    value = None
    if registry is not None:
        value = registry.get(f"{REGISTRY_PREFIX}.{name}")
    if value is None:
        value = IPaymentsSettings[name].default
    return value


def _parsed(name, parse):
    result = {}
    for line in get(name) or ():
        try:
            item = parse(line)
        except ValueError:
            logger.warning("Skipping the bad %s line %r", name, line)
            continue
        result[item["code"]] = item
    return result


def ticket_types(payable_only=False):
    """``{code: {code, title, amount (Decimal), payable, legal_basis}}``, in order."""
    types = _parsed("ticket_types", parse_ticket_type)
    if payable_only:
        return {code: t for code, t in types.items() if t["payable"]}
    return types


def tax_categories():
    """``{code: {code, title, rate (Decimal %), legal_basis}}``, in order."""
    return _parsed("tax_categories", parse_tax_category)


def municipality_code():
    """The municipality's code (core setting ``municipality.code``), on tickets."""
    registry = queryUtility(IRegistry)
    return (registry.get("municipality.code") if registry is not None else "") or ""
