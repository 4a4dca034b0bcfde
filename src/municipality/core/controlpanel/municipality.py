"""The «Municipality» control panel: who the municipality is, its calendar,
and one tab per external system, each tab stored under its own registry prefix."""

from municipality import _
from municipality.core.calendar import ICalendarSettings
from municipality.core.interfaces import EXTERNAL_SYSTEMS
from municipality.core.interfaces import IMunicipalitySettings
from plone.app.registry.browser.controlpanel import ControlPanelFormWrapper
from plone.app.registry.browser.controlpanel import RegistryEditForm
from plone.registry.interfaces import IRegistry
from plone.z3cform import layout
from plone.z3cform.fieldsets.group import Group
from plone.z3cform.fieldsets.group import GroupFactory
from z3c.form import field
from z3c.form.interfaces import NOT_CHANGED
from zope import schema
from zope.component import getUtility


# Tab name -> (schema, tab title); the name is the last part of the tab's
# registry prefix (``municipality.calendar``, ``municipality.protocol``).
TABS = {
    "calendar": (ICalendarSettings, _("Calendar")),
    **EXTERNAL_SYSTEMS,
}


class SettingsGroup(Group):
    """One tab, read from and written to its own prefix.

    The group's name is its key in ``TABS`` and the last part of its
    registry prefix (``municipality.protocol``).
    """

    def getContent(self):
        schema_ = TABS[self.__name__][0]
        return getUtility(IRegistry).forInterface(
            schema_, prefix=f"municipality.{self.__name__}"
        )

    def applyChanges(self, data):
        # A password widget never shows the stored secret, so an empty
        # submission means "keep it", not "erase it".
        data = dict(data)
        for name, form_field in self.fields.items():
            if isinstance(form_field.field, schema.Password) and not data.get(name):
                data[name] = NOT_CHANGED
        return super().applyChanges(data)


class MunicipalitySettingsForm(RegistryEditForm):
    """Edit the municipality's identity, its calendar and its external systems."""

    schema = IMunicipalitySettings
    schema_prefix = "municipality"
    label = _("Municipality")
    description = _(
        "The municipality's name, codes and contacts, and how the portal "
        "reaches the systems the municipality already has."
    )
    group_class = SettingsGroup
    groups = tuple(
        GroupFactory(name, field.Fields(schema_, prefix=name), label)
        for name, (schema_, label) in TABS.items()
    )


MunicipalitySettingsView = layout.wrap_form(
    MunicipalitySettingsForm, ControlPanelFormWrapper
)
