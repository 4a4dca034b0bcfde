"""The member fields of a person's profile: ΑΦΜ, father's name, phone, address.

They are plone.app.users member fields (the TTW member schema kept in the
site's annotations, edited in Site Setup → Users → Member fields), shown on
``@@register``, ``@@personal-information`` and the administrator's user forms.
:func:`install_member_fields` adds them to whatever schema the site has
(an operator's own fields stay), instead of a ``userschema.xml`` import,
which would replace the whole schema on every re-install.

Each of our fields carries ``identity:kind="afm"`` (…) in the schema XML. A
supermodel metadata handler reads it and marks the field, so that on every
form that shows it:

- :class:`IdentityFieldConverter` normalises what was typed
  (``+30 69-1234 5678`` → ``6912345678``) or puts the Greek message of
  ``validators.py`` on the field; nothing is saved while a field is wrong;
- the field's constraint refuses any value that is not in its normal form;
- :class:`AFMLockValidator` refuses to change (or clear) the ΑΦΜ of a
  person whose identity was verified in person (staff revoke the
  verification first); ``users_rest.py`` does the same over ``@users``.
"""

from lxml import etree
from municipality import _
from municipality.core.identity.validators import constraint
from municipality.core.identity.validators import normalize
from municipality.core.identity.validators import NORMALIZERS
from plone.app.users.browser.interfaces import IAccountPanelForm
from plone.app.users.browser.schemaeditor import applySchema
from plone.app.users.browser.schemaeditor import get_schema
from plone.app.users.browser.schemaeditor import USERS_NAMESPACE
from plone.app.users.schema import SCHEMATA_KEY
from plone.supermodel.interfaces import IFieldMetadataHandler
from plone.supermodel.utils import ns
from z3c.form.converter import BaseDataConverter
from z3c.form.interfaces import IWidget
from z3c.form.validator import SimpleFieldValidator
from z3c.form.validator import WidgetValidatorDiscriminators
from zope.component import adapter
from zope.interface import alsoProvides
from zope.interface import implementer
from zope.interface import Interface
from zope.schema import ValidationError


NAMESPACE = "http://namespaces.municipality.gov.gr/supermodel/identity"
PREFIX = "identity"
SCHEMA_NAMESPACE = "http://namespaces.plone.org/supermodel/schema"
FORM_NAMESPACE = "http://namespaces.plone.org/supermodel/form"
I18N_NAMESPACE = "http://xml.zope.org/namespaces/i18n"

ON_REGISTRATION = "On Registration"
IN_PROFILE = "In User Profile"

# name -> (kind, title, description, forms). The member property names are
# part of the platform's contract: ``afm`` is read by TaxisNet login and the
# certificates; ``fathername`` by civil-registry applications.
FIELDS = {
    "afm": (
        "afm",
        _("Tax number (AFM)"),
        _(
            "9 digits, as on your tax documents. Needed to be verified and to "
            "use the services of businesses."
        ),
        (ON_REGISTRATION, IN_PROFILE),
    ),
    "fathername": (
        "name",
        _("Father's name"),
        _("As on your identity card. Civil-registry certificates need it."),
        (IN_PROFILE,),
    ),
    "phone": (
        "phone",
        _("Phone"),
        _("A landline or mobile number, e.g. 6912345678 or +30 210 1234567."),
        (ON_REGISTRATION, IN_PROFILE),
    ),
    "street": (
        "street",
        _("Street and number"),
        _("Your postal address, e.g. «Ερμού 25»."),
        (ON_REGISTRATION, IN_PROFILE),
    ),
    "postal_code": (
        "postal_code",
        _("Postal code"),
        _("5 digits, e.g. 10431."),
        (ON_REGISTRATION, IN_PROFILE),
    ),
    "city": (
        "city",
        _("City"),
        _("City or village."),
        (ON_REGISTRATION, IN_PROFILE),
    ),
}


class IIdentityField(Interface):
    """A member field whose value ``validators.py`` checks and normalises."""


class IAFMField(IIdentityField):
    """The member field of the tax number (ΑΦΜ)."""


class AFMLocked(ValidationError):
    __doc__ = _(
        "Your tax number (AFM) was verified in person and cannot be changed "
        "here. If it is wrong, visit the municipality's offices: the "
        "verification is revoked and the number corrected."
    )


@implementer(IFieldMetadataHandler)
class IdentityFieldMetadata:
    """``identity:kind`` on a member field of the schema XML."""

    namespace = NAMESPACE
    prefix = PREFIX

    def read(self, fieldNode, schema, field):
        kind = fieldNode.get(ns("kind", self.namespace))
        if kind not in NORMALIZERS:
            return
        field.identity_kind = kind
        field.constraint = constraint(kind)
        alsoProvides(field, IAFMField if kind == "afm" else IIdentityField)

    def write(self, fieldNode, schema, field):
        kind = getattr(field, "identity_kind", None)
        if kind:
            fieldNode.set(ns("kind", self.namespace), kind)


@adapter(IIdentityField, IWidget)
class IdentityFieldConverter(BaseDataConverter):
    """Store what was typed in its normal form, or fail with the Greek message."""

    def toFieldValue(self, value):
        value = (value or "").strip()
        if not value:
            return self.field.missing_value
        return self.field.fromUnicode(normalize(self.field.identity_kind, value))


class AFMLockValidator(SimpleFieldValidator):
    """The ΑΦΜ of a person verified in person cannot be changed on their profile.

    Applies to ``@@personal-information`` and to the administrator's
    ``@@user-information`` alike: whoever must correct it revokes the
    verification first (``@@identity-verification``), which is recorded.
    """

    def validate(self, value, force=False):
        super().validate(value, force)
        member = getattr(self.view, "member", None)
        if member is None:
            return
        from municipality.core.identity.verification import is_verified

        current = member.getProperty("afm", "") or ""
        # Cleared is changed too: the verification is bound to the number.
        if (value or "") != current and is_verified(member.getId()):
            raise AFMLocked(value)


WidgetValidatorDiscriminators(AFMLockValidator, view=IAccountPanelForm, field=IAFMField)


def _field_element(name):
    kind, title, description, forms = FIELDS[name]
    field = etree.Element(
        f"{{{SCHEMA_NAMESPACE}}}field",
        attrib={
            "name": name,
            "type": "zope.schema.TextLine",
            f"{{{USERS_NAMESPACE}}}forms": "|".join(forms),
            f"{{{NAMESPACE}}}kind": kind,
        },
    )
    for tag, message in (("description", description), ("title", title)):
        child = etree.SubElement(field, f"{{{SCHEMA_NAMESPACE}}}{tag}")
        child.set(f"{{{I18N_NAMESPACE}}}domain", "municipality")
        child.set(f"{{{I18N_NAMESPACE}}}translate", "")
        child.text = str(message)
    required = etree.SubElement(field, f"{{{SCHEMA_NAMESPACE}}}required")
    required.text = "False"
    return field


def _model_root(xml):
    """The ``<model>`` of ``xml`` with our namespaces declared and a domain."""
    if xml:
        root = etree.fromstring(xml.encode("utf-8"))
    else:
        root = etree.Element(
            f"{{{SCHEMA_NAMESPACE}}}model", nsmap={None: SCHEMA_NAMESPACE}
        )
    nsmap = dict(root.nsmap)
    wanted = {
        None: SCHEMA_NAMESPACE,
        "form": FORM_NAMESPACE,
        "i18n": I18N_NAMESPACE,
        "users": USERS_NAMESPACE,
        PREFIX: NAMESPACE,
    }
    missing = {
        prefix: uri
        for prefix, uri in wanted.items()
        if uri not in nsmap.values() and prefix not in nsmap
    }
    if missing:
        new_root = etree.Element(
            root.tag, attrib=dict(root.attrib), nsmap={**nsmap, **missing}
        )
        new_root.text = root.text
        for child in list(root):
            new_root.append(child)
        root = new_root
    # plone.supermodel translates titles only when the model names a domain.
    domain = f"{{{I18N_NAMESPACE}}}domain"
    if root.get(domain) is None:
        root.set(domain, "plone")
    return root


def member_schema_with_fields(xml):
    """``xml`` (the member schema) with our fields added where missing.

    A field already there keeps an operator's changes (title, forms …) and
    only gets its ``identity:kind`` back if it lost it.
    """
    root = _model_root(xml)
    schema = None
    for element in root.iter(f"{{{SCHEMA_NAMESPACE}}}schema"):
        if element.get("name") == SCHEMATA_KEY:
            schema = element
            break
    if schema is None:
        schema = etree.SubElement(
            root, f"{{{SCHEMA_NAMESPACE}}}schema", name=SCHEMATA_KEY
        )
    existing = {
        element.get("name"): element
        for element in schema.findall(f"{{{SCHEMA_NAMESPACE}}}field")
    }
    for name, (kind, *_rest) in FIELDS.items():
        if name in existing:
            existing[name].set(f"{{{NAMESPACE}}}kind", kind)
        else:
            schema.append(_field_element(name))
    etree.indent(root, space="  ")
    return etree.tostring(root, encoding="unicode")


def install_member_fields(portal):
    """Add our fields to the site's member schema and member data; idempotent."""
    current = get_schema(portal)
    new = member_schema_with_fields(current)
    memberdata = portal.portal_memberdata
    if new != current or any(not memberdata.hasProperty(name) for name in FIELDS):
        applySchema(new)
