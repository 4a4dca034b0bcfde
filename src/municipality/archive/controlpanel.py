"""The «Historical archive» control panel: OCR languages, images, search."""

from municipality import _
from municipality.archive.interfaces import IArchiveLayer
from municipality.archive.interfaces import IArchiveSettings
from municipality.archive.interfaces import REGISTRY_PREFIX
from plone.app.registry.browser.controlpanel import ControlPanelFormWrapper
from plone.app.registry.browser.controlpanel import RegistryEditForm
from plone.restapi.controlpanels import RegistryConfigletPanel
from plone.z3cform import layout
from zope.component import adapter
from zope.interface import Interface


class ArchiveSettingsForm(RegistryEditForm):
    schema = IArchiveSettings
    schema_prefix = REGISTRY_PREFIX
    label = _("Historical archive")
    description = _(
        "How the ingestion tool reads the scanned council decisions, and how "
        "the public archive shows them."
    )


ArchiveSettingsView = layout.wrap_form(ArchiveSettingsForm, ControlPanelFormWrapper)


@adapter(Interface, IArchiveLayer)
class ArchiveSettingsPanel(RegistryConfigletPanel):
    """The settings over plone.restapi: ``@controlpanels/municipality-archive``."""

    schema = IArchiveSettings
    schema_prefix = REGISTRY_PREFIX
    configlet_id = "municipality-archive"
    configlet_category_id = "plone-general"
