"""The «Digital signatures» control panel, in Site Setup and at ``@controlpanels``."""

from municipality import _
from municipality.signing.interfaces import ISigningLayer
from municipality.signing.interfaces import ISigningSettings
from municipality.signing.interfaces import REGISTRY_PREFIX
from plone.app.registry.browser.controlpanel import ControlPanelFormWrapper
from plone.app.registry.browser.controlpanel import RegistryEditForm
from plone.restapi.controlpanels import RegistryConfigletPanel
from plone.z3cform import layout
from z3c.form.interfaces import NOT_CHANGED
from zope.component import adapter
from zope.interface import Interface


CONFIGLET_ID = "municipality-signing"


class SigningSettingsForm(RegistryEditForm):
    """Trusted certificates, the time-stamping authority, signature texts, tokens."""

    schema = ISigningSettings
    schema_prefix = REGISTRY_PREFIX
    label = _("Digital signatures")
    description = _(
        "How documents are signed: the certification authorities trusted when "
        "verifying, the time-stamping authority, the texts of a signature and "
        "the hardware-token modules allowed. Employees' certificates are "
        "managed at «Signing certificates»."
    )

    def applyChanges(self, data):
        # A password widget never shows the stored secret: empty keeps it.
        data = dict(data)
        if not data.get("tsa_password"):
            data["tsa_password"] = NOT_CHANGED
        return super().applyChanges(data)


SigningSettingsView = layout.wrap_form(SigningSettingsForm, ControlPanelFormWrapper)


@adapter(Interface, ISigningLayer)
class SigningSettingsPanel(RegistryConfigletPanel):
    """The settings over plone.restapi (``@controlpanels/municipality-signing``)."""

    schema = ISigningSettings
    schema_prefix = REGISTRY_PREFIX
    configlet_id = CONFIGLET_ID
    configlet_category_id = "plone-general"
    title = _("Digital signatures")
    group = "General"
