"""The profile fields: ΑΦΜ, father's name, phone, address.

What is typed is normalised or refused with a Greek message on the field; the
fields join the site's member schema without removing anything of it; a
verified person cannot change their ΑΦΜ on their profile.
"""

from municipality.core.identity import userdata
from municipality.core.identity import validators
from municipality.core.identity import verification
from municipality.core.identity.demo import DEMO_PROFILES
from municipality.core.interfaces import IMunicipalityLayer
from plone import api
from plone.app.testing import login
from plone.app.testing import logout
from plone.app.users.browser.schemaeditor import get_schema
from plone.app.users.browser.schemaeditor import getFromBaseSchema
from plone.app.users.browser.schemaeditor import set_schema
from plone.app.users.schema import IUserDataSchema
from plone.protect.authenticator import createToken
from zope.i18n import translate
from zope.interface import alsoProvides

import pytest
import re
import requests
import transaction


PASSWORD = "a-long-test-password-1"
TIMEOUT = 30

BAD_AFM_GREEK = "Ο ΑΦΜ δεν είναι έγκυρος"
LOCKED_GREEK = "ελέγχθηκε αυτοπροσώπως"


# -- the checks themselves


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("094259216", "094259216"),
        ("94259216", "094259216"),  # the old 8-digit form
        ("094 259 216", "094259216"),
        ("EL094259216", "094259216"),
        (" 094-259-216 ", "094259216"),
    ],
)
def test_valid_afm_is_normalised(typed, stored):
    assert validators.normalize_afm(typed) == stored
    assert validators.is_valid_afm(typed)


@pytest.mark.parametrize(
    "typed",
    ["123456781", "094259217", "000000000", "12345", "0942592160", "ΑΒΓΔΕΖΗΘΙ", ""],
)
def test_invalid_afm_is_refused(typed):
    with pytest.raises(validators.InvalidAFM):
        validators.normalize_afm(typed)
    assert not validators.is_valid_afm(typed)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("6912345678", "6912345678"),
        ("+30 691 234 5678", "6912345678"),
        ("0030-210-1234567", "2101234567"),
        ("(2310) 123 456", "2310123456"),
        ("210.123.4567", "2101234567"),
    ],
)
def test_greek_phones_are_normalised(typed, stored):
    assert validators.normalize_phone(typed) == stored


@pytest.mark.parametrize(
    "typed",
    ["691234567", "69123456789", "6812345678", "1101234567", "+44 20 7946 0958", "abc"],
)
def test_other_phones_are_refused(typed):
    with pytest.raises(validators.InvalidPhone):
        validators.normalize_phone(typed)


def test_postal_code_street_city():
    assert validators.normalize_postal_code("104 31") == "10431"
    for bad in ("1043", "104311", "00000", "95000", "ΤΚ104"):
        with pytest.raises(validators.InvalidPostalCode):
            validators.normalize_postal_code(bad)
    assert validators.normalize_street("  Ερμού   25 ") == "Ερμού 25"
    with pytest.raises(validators.InvalidStreet):
        validators.normalize_street("25")
    assert validators.normalize_city("Άγιος  Δημήτριος") == "Άγιος Δημήτριος"
    with pytest.raises(validators.InvalidCity):
        validators.normalize_city("Αθήνα 2")


def test_message_is_greek(integration):
    message = validators.InvalidAFM("1").doc()
    assert translate(message, target_language="el").startswith(BAD_AFM_GREEK)


# -- the member schema


@pytest.fixture
def portal(integration):
    alsoProvides(integration["request"], IMunicipalityLayer)
    return integration["portal"]


def test_fields_are_member_properties_and_in_the_forms(portal):
    memberdata = portal.portal_memberdata
    for name in userdata.FIELDS:
        assert memberdata.hasProperty(name), name
    profile = getFromBaseSchema(IUserDataSchema, form_name="In User Profile")
    register = getFromBaseSchema(IUserDataSchema, form_name="On Registration")
    assert {"afm", "fathername", "phone", "street", "postal_code", "city"} <= set(
        profile
    )
    assert {"afm", "phone", "street", "postal_code", "city"} <= set(register)
    assert "fathername" not in register
    # Plone's own fields are still there.
    assert {"home_page", "portrait"} <= set(profile)
    # The loaded fields are marked, so the converter and validators apply.
    assert userdata.IAFMField.providedBy(profile["afm"])
    assert userdata.IIdentityField.providedBy(profile["phone"])
    assert not userdata.IIdentityField.providedBy(profile["home_page"])


def test_field_constraint_refuses_what_is_not_normal(portal):
    field = getFromBaseSchema(IUserDataSchema)["afm"]
    field.validate("094259216")
    with pytest.raises(validators.InvalidAFM):
        field.validate("123456781")
    with pytest.raises(validators.InvalidAFM):
        field.validate("94259216")  # valid, but not the stored form


def test_install_is_idempotent_and_keeps_an_operators_changes(portal):
    before = get_schema(portal)
    verification.install(portal)
    assert get_schema(portal) == before
    # An operator renames the phone field's title and drops our marker.
    changed = before.replace('identity:kind="phone"', "").replace(">Phone<", ">Κινητό<")
    assert changed != before
    set_schema(changed, portal)
    verification.upgrade(None)
    after = get_schema(portal)
    assert ">Κινητό<" in after
    assert 'identity:kind="phone"' in after


def _submit_personal_information(portal, request, **values):
    request.form.update(
        {
            "form.widgets.email": "maria@example.org",
            "form.widgets.fullname": "Μαρία Παπαδοπούλου",
            "form.buttons.save": "Save",
            "_authenticator": createToken(),
        }
    )
    for name, value in values.items():
        request.form[f"form.widgets.{name}"] = value
    request.method = "POST"
    request["REQUEST_METHOD"] = "POST"
    view = portal.restrictedTraverse("@@personal-information")
    view.update() if hasattr(view, "update") else None
    html = view()
    return view, html


@pytest.fixture
def maria(portal):
    with api.env.adopt_roles(["Manager"]):
        api.user.create(
            username="maria",
            email="maria@example.org",
            password=PASSWORD,
            properties={"fullname": "Μαρία Παπαδοπούλου"},
        )
    login(portal, "maria")
    yield api.user.get(userid="maria")
    logout()


def _form_errors(html):
    return re.findall(r'class="invalid-feedback[^"]*"[^>]*>(.*?)</div>', html, re.S)


def test_personal_information_normalises_good_values(portal, maria):
    request = portal.REQUEST
    _submit_personal_information(
        portal,
        request,
        afm="94259216",
        phone="+30 691-234 5678",
        street="Ερμού  25",
        postal_code="105 63",
        city="Αθήνα",
        fathername="Ιωάννης",
    )
    member = api.user.get(userid="maria")
    assert member.getProperty("afm") == "094259216"
    assert member.getProperty("phone") == "6912345678"
    assert member.getProperty("street") == "Ερμού 25"
    assert member.getProperty("postal_code") == "10563"
    assert member.getProperty("city") == "Αθήνα"
    assert member.getProperty("fathername") == "Ιωάννης"


def test_personal_information_refuses_bad_values_and_saves_nothing(portal, maria):
    request = portal.REQUEST
    request["LANGUAGE"] = "el"
    view, html = _submit_personal_information(
        portal, request, afm="123456781", phone="12345", postal_code="ABCDE"
    )
    errors = {widget.__name__ for widget in view.widgets.values() if widget.error}
    assert errors == {"afm", "phone", "postal_code"}
    message = translate(view.widgets["afm"].error.message, context=request)
    assert message.startswith(BAD_AFM_GREEK)
    member = api.user.get(userid="maria")
    assert not member.getProperty("afm")
    assert not member.getProperty("phone")


def test_verified_person_cannot_change_their_afm(portal, maria):
    maria.setMemberProperties({"afm": "094259216"})
    with api.env.adopt_roles(["Manager"]):
        api.user.create(username="clerk", email="clerk@example.org", password=PASSWORD)
    verification.verify_citizen("maria", "identity_card", "clerk")
    login(portal, "maria")  # the logged-in user object sees the new ΑΦΜ
    request = portal.REQUEST
    request["LANGUAGE"] = "el"
    view, html = _submit_personal_information(portal, request, afm="123456783")
    assert view.widgets["afm"].error is not None
    message = translate(view.widgets["afm"].error.message, context=request)
    assert LOCKED_GREEK in message
    assert api.user.get(userid="maria").getProperty("afm") == "094259216"
    # Nor cleared.
    view, html = _submit_personal_information(portal, request, afm="")
    assert view.widgets["afm"].error is not None
    assert api.user.get(userid="maria").getProperty("afm") == "094259216"
    # Other fields may change, the same ΑΦΜ may be sent again.
    view, html = _submit_personal_information(
        portal, request, afm="094259216", phone="6912345678"
    )
    assert view.widgets["afm"].error is None
    assert api.user.get(userid="maria").getProperty("phone") == "6912345678"


def test_demo_profiles_pass_the_checks():
    for afm, fathername, phone, street, postal_code, city in DEMO_PROFILES.values():
        assert validators.normalize_afm(afm) == afm
        assert validators.normalize_phone(phone) == phone
        assert validators.normalize_street(street) == street
        assert validators.normalize_postal_code(postal_code) == postal_code
        assert validators.normalize_city(city) == city
        if fathername:
            assert validators.normalize_name(fathername) == fathername


# -- registration over HTTP


@pytest.fixture
def open_site(functional):
    portal = functional["portal"]
    api.portal.set_registry_record("plone.enable_self_reg", True)
    api.portal.set_registry_record("plone.enable_user_pwd_choice", True)
    transaction.commit()
    return portal


def _register(portal, **fields):
    session = requests.Session()
    url = f"{portal.absolute_url()}/@@register"
    page = session.get(url, timeout=TIMEOUT)
    assert page.status_code == 200, page.text[:300]
    token = re.search(r'name="_authenticator"[^>]*value="([^"]+)"', page.text)
    data = {
        "_authenticator": token.group(1),
        "form.widgets.fullname": "Νίκος Γεωργίου",
        "form.widgets.username": "nikos",
        "form.widgets.email": "nikos@example.org",
        "form.widgets.password": PASSWORD,
        "form.widgets.password_ctl": PASSWORD,
        "form.buttons.register": "Εγγραφή",
    }
    data.update({f"form.widgets.{k}": v for k, v in fields.items()})
    return session.post(url, data=data, timeout=TIMEOUT)


def test_registration_with_a_bad_afm_is_refused(open_site):
    response = _register(open_site, afm="123456781", phone="6912345678")
    assert response.status_code == 200
    assert BAD_AFM_GREEK in response.text
    transaction.begin()
    assert api.user.get(userid="nikos") is None


def test_registration_stores_normal_forms(open_site):
    response = _register(
        open_site,
        afm="EL 94259216",
        phone="+30 210 123 4567",
        street="Πατησίων 100",
        postal_code="112 57",
        city="Αθήνα",
    )
    assert response.status_code == 200
    assert BAD_AFM_GREEK not in response.text
    transaction.begin()
    user = api.user.get(userid="nikos")
    assert user is not None, response.text[:2000]
    assert user.getProperty("afm") == "094259216"
    assert user.getProperty("phone") == "2101234567"
    assert user.getProperty("postal_code") == "11257"
    assert not verification.is_verified("nikos")


def test_schema_editor_round_trip_keeps_the_markers(portal):
    """Saving in Site Setup → Member fields serialises the schema again."""
    from plone.app.users.browser.schemaeditor import serialize_ttw_schema

    xml = serialize_ttw_schema()
    assert 'identity:kind="afm"' in xml
    assert 'identity:kind="postal_code"' in xml
    set_schema(xml, portal)
    profile = getFromBaseSchema(IUserDataSchema, form_name="In User Profile")
    assert userdata.IAFMField.providedBy(profile["afm"])
