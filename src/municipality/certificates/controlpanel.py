"""The «Certificates» control panel: the kinds of civil-registry certificate."""

from municipality import _
from municipality.certificates.interfaces import ICertificatesLayer
from municipality.certificates.interfaces import ICertificatesSettings
from municipality.certificates.interfaces import REGISTRY_PREFIX
from plone.app.registry.browser.controlpanel import ControlPanelFormWrapper
from plone.app.registry.browser.controlpanel import RegistryEditForm
from plone.restapi.controlpanels import RegistryConfigletPanel
from plone.z3cform import layout
from zope.component import adapter
from zope.interface import Interface


class CertificatesSettingsForm(RegistryEditForm):
    schema = ICertificatesSettings
    schema_prefix = REGISTRY_PREFIX
    label = _("Certificates")
    description = _("The kinds of civil-registry certificate citizens can apply for.")


CertificatesSettingsView = layout.wrap_form(
    CertificatesSettingsForm, ControlPanelFormWrapper
)


@adapter(Interface, ICertificatesLayer)
class CertificatesSettingsPanel(RegistryConfigletPanel):
    """The settings over plone.restapi: ``@controlpanels/municipality-certificates``."""

    schema = ICertificatesSettings
    schema_prefix = REGISTRY_PREFIX
    configlet_id = "municipality-certificates"
    configlet_category_id = "plone-general"
