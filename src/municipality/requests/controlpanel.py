"""The «Citizen requests» control panel, in Site Setup and at ``@controlpanels``."""

from municipality import _
from municipality.requests.interfaces import IRequestsLayer
from municipality.requests.interfaces import IRequestsSettings
from municipality.requests.interfaces import REGISTRY_PREFIX
from plone.app.registry.browser.controlpanel import ControlPanelFormWrapper
from plone.app.registry.browser.controlpanel import RegistryEditForm
from plone.restapi.controlpanels import RegistryConfigletPanel
from plone.z3cform import layout
from zope.component import adapter
from zope.interface import Interface


CONFIGLET_ID = "municipality-requests"


class RequestsSettingsForm(RegistryEditForm):
    """Categories and their deadlines, departments, limits."""

    schema = IRequestsSettings
    schema_prefix = REGISTRY_PREFIX
    label = _("Citizen requests")
    description = _(
        "Categories of requests with the working days to answer them and the "
        "department they go to; departments; limits against abuse."
    )


RequestsSettingsView = layout.wrap_form(RequestsSettingsForm, ControlPanelFormWrapper)


@adapter(Interface, IRequestsLayer)
class RequestsSettingsPanel(RegistryConfigletPanel):
    """The settings over plone.restapi (``@controlpanels/municipality-requests``)."""

    schema = IRequestsSettings
    schema_prefix = REGISTRY_PREFIX
    configlet_id = CONFIGLET_ID
    configlet_category_id = "plone-general"
    title = _("Citizen requests")
    group = "General"
