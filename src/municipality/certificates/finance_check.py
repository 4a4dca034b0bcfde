"""The ΤΑΠ check of a non-debt certificate: does the property owe anything?

:func:`tap_debts` asks the finance system (a read-only call, made before
anything is written) for the unpaid ΤΑΠ charges of the application's
property, by its electricity supply number. The staff page shows the result
and the issuing code (:func:`municipality.certificates.issuing.issue`)
refuses to issue while there are debts.
"""

from municipality import _
from municipality import logger
from municipality.core import serial
from municipality.integrations.errors import ExternalSystemError
from municipality.integrations.errors import ExternalSystemRejected


class FinanceCheckError(Exception):
    """The check could not be made; ``message`` says why (a msgid)."""

    message = _("The ΤΑΠ debts could not be checked.")

    def __init__(self, message=None):
        if message is not None:
            self.message = message
        super().__init__(str(self.message))


class FinanceUnavailable(FinanceCheckError):
    """The finance system is down or answered nonsense: try again later."""

    message = _(
        "The finance system cannot be reached right now, so the ΤΑΠ debts "
        "cannot be checked. Please try again later."
    )


class UnknownProperty(FinanceCheckError):
    """The finance system has no property billed on this supply number."""

    message = _(
        "The finance system has no property billed on this electricity "
        "supply number. Check the number with the applicant."
    )


class NotATapApplication(FinanceCheckError):
    message = _("Only ΤΑΠ non-debt applications are checked for ΤΑΠ debts.")


def _client():
    from municipality.integrations.finance import FinanceClient

    return FinanceClient.from_registry()


def tap_statement(application):
    """The finance system's :class:`~municipality.integrations.finance.TapStatement`
    of the application's property.

    :raises NotATapApplication: for a civil-registry application.
    :raises UnknownProperty: when the supply number is unknown (or refused).
    :raises FinanceUnavailable: when the finance system cannot answer.
    """
    if getattr(application, "kind", None) != "tap":
        raise NotATapApplication()
    supply_number = getattr(application, "property_supply_number", None) or ""
    if not supply_number:
        raise UnknownProperty()
    try:
        # A write request (the issuing POST) lets other writers in meanwhile.
        with serial.outside():
            statement = _client().tap_statement(supply_number)
    except ExternalSystemRejected as e:
        logger.info("Finance refused supply number %s: %s", supply_number, e)
        raise UnknownProperty() from e
    except ExternalSystemError as e:
        logger.info("ΤΑΠ check of %s failed: %s", supply_number, e)
        raise FinanceUnavailable() from e
    if statement is None:
        raise UnknownProperty()
    return statement


def tap_debts(application):
    """The unpaid ΤΑΠ charges of the application's property; empty when none.

    :returns: A list of :class:`~municipality.integrations.finance.TapDebt`
        (``id``, ``period``, ``description``, ``amount`` as ``Decimal``,
        ``due_date``).
    :raises FinanceCheckError: (a subclass) when the check cannot be made:
        :class:`FinanceUnavailable` (try later), :class:`UnknownProperty`,
        :class:`NotATapApplication`. ``.message`` is a msgid to show.
    """
    return list(tap_statement(application).debts)
