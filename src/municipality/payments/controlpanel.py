"""The «Payments» control panel: bank timings, receipts, tickets, municipal tax."""

from municipality import _
from municipality.payments.interfaces import IPaymentsLayer
from municipality.payments.interfaces import IPaymentsSettings
from municipality.payments.interfaces import REGISTRY_PREFIX
from plone.app.registry.browser.controlpanel import ControlPanelFormWrapper
from plone.app.registry.browser.controlpanel import RegistryEditForm
from plone.restapi.controlpanels import RegistryConfigletPanel
from plone.z3cform import layout
from zope.component import adapter
from zope.interface import Interface


class PaymentsSettingsForm(RegistryEditForm):
    schema = IPaymentsSettings
    schema_prefix = REGISTRY_PREFIX
    label = _("Payments")
    description = _(
        "When unfinished payments are looked up at the bank, the traffic "
        "tickets the municipality collects, and the municipal tax rates. The "
        "bank's address, merchant id and secret are in the «Municipality» "
        "control panel."
    )


PaymentsSettingsView = layout.wrap_form(PaymentsSettingsForm, ControlPanelFormWrapper)


@adapter(Interface, IPaymentsLayer)
class PaymentsSettingsPanel(RegistryConfigletPanel):
    """The settings over plone.restapi: ``@controlpanels/municipality-payments``."""

    schema = IPaymentsSettings
    schema_prefix = REGISTRY_PREFIX
    configlet_id = "municipality-payments"
    configlet_category_id = "plone-general"
