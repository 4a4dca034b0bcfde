"""The certificates add-on's model: install, type, settings, vocabularies, the
applicant's snapshot, validation (conditional fields), privacy at the object
and catalog level, the protocol registration queued on submit."""

from AccessControl import Unauthorized as AccessDenied
from municipality.certificates import api as capi
from municipality.certificates.interfaces import ICertificatesLayer
from municipality.certificates.interfaces import ICertificatesSettings
from municipality.certificates.interfaces import InvalidTypeLine
from municipality.certificates.testing import AFM_MARIA
from municipality.certificates.testing import certificates_folder
from municipality.certificates.testing import CIVIL_REGISTRY
from municipality.certificates.testing import create_application
from municipality.certificates.testing import create_citizen
from municipality.certificates.testing import create_clerk
from municipality.certificates.testing import create_verified_citizen
from municipality.certificates.testing import TAP
from municipality.core.outbox import pending_items
from municipality.core.protocol import KIND as PROTOCOL_KIND
from municipality.core.refnumbers import last_number
from plone import api
from plone.app.testing import login
from plone.app.testing import logout
from plone.dexterity.interfaces import IDexterityFTI
from zExceptions import Unauthorized
from zope.component import getUtility
from zope.component import queryUtility
from zope.schema.interfaces import IVocabularyFactory

import pytest


PORTAL_TYPE = "CertificateApplication"


@pytest.fixture
def folder(portal):
    return certificates_folder()


@pytest.fixture
def maria(portal):
    create_verified_citizen("maria", "Μαρία Παπαδοπούλου", "maria@example.gr")
    return api.user.get(userid="maria")


@pytest.fixture
def nikos(portal):
    create_verified_citizen("nikos", "Νίκος Γεωργίου", "nikos@example.gr")
    return api.user.get(userid="nikos")


@pytest.fixture
def plain(portal):
    create_citizen("plain", "Απλός Χρήστης", "plain@example.gr")
    return api.user.get(userid="plain")


# -- install ------------------------------------------------------------------


class TestInstall:
    def test_addon_installed(self, installer):
        assert installer.is_product_installed("municipality.certificates")

    def test_browser_layer(self, portal):
        from plone.browserlayer.utils import registered_layers

        assert ICertificatesLayer in registered_layers()

    def test_types(self, portal):
        for name in (PORTAL_TYPE, "CertificatesFolder"):
            assert queryUtility(IDexterityFTI, name=name) is not None
        fti = getUtility(IDexterityFTI, name=PORTAL_TYPE)
        assert "municipality.reference_number" in fti.behaviors
        assert "municipality.protocol_data" in fti.behaviors
        assert "municipality.signed_document" in fti.behaviors
        assert not fti.global_allow

    def test_workflow(self, portal):
        chain = api.portal.get_tool("portal_workflow").getChainForPortalType(
            PORTAL_TYPE
        )
        assert chain == ("certificate_application_workflow",)

    def test_folder_created_and_secured(self, folder):
        assert folder.portal_type == "CertificatesFolder"
        roles = {
            r["name"]
            for r in folder.rolesOfPermission(capi.ADD_PERMISSION)
            if r["selected"]
        }
        assert {"VerifiedCitizen", "VerifiedBusiness"} <= roles
        assert "Citizen" not in roles

    def test_series(self, portal):
        series = api.portal.get_registry_record("municipality.reference.series")
        assert series[PORTAL_TYPE] == "ΠΙΣ"
        assert series["CitizenRequest"] == "ΑΙΤ"

    def test_settings_default_types(self, portal):
        types = api.portal.get_registry_record("municipality.certificates.types")
        assert any(line.startswith("family_status|") for line in types)
        assert len(types) == len(ICertificatesSettings["types"].default)

    def test_bad_type_line(self, portal):
        field = ICertificatesSettings["types"].value_type
        with pytest.raises(InvalidTypeLine):
            field.validate("Χωρίς κωδικό")


class TestVocabularies:
    def test_types_follow_the_setting(self, portal):
        factory = getUtility(IVocabularyFactory, "municipality.certificates.types")
        assert "family_status" in factory(portal)
        api.portal.set_registry_record(
            "municipality.certificates.types",
            ["custom|Ειδικό πιστοποιητικό", "bad line"],
        )
        vocabulary = factory(portal)
        assert [t.value for t in vocabulary] == ["custom"]
        assert vocabulary.getTerm("custom").title == "Ειδικό πιστοποιητικό"

    def test_kinds_and_deliveries(self, portal):
        kinds = getUtility(IVocabularyFactory, "municipality.certificates.kinds")
        deliveries = getUtility(
            IVocabularyFactory, "municipality.certificates.deliveries"
        )
        assert [t.value for t in kinds(portal)] == ["civil_registry", "tap"]
        assert [t.value for t in deliveries(portal)] == [
            "download",
            "email",
            "post",
            "office",
        ]


# -- submitting -----------------------------------------------------------------


class TestSubmit:
    def test_civil_registry(self, folder, maria):
        before = last_number("ΠΙΣ")
        obj = create_application("maria")
        assert obj.portal_type == PORTAL_TYPE
        assert obj.getId().startswith("application-")
        assert obj.reference_number.startswith("ΠΙΣ-")
        assert last_number("ΠΙΣ") == before + 1
        assert obj.title == "Πιστοποιητικό οικογενειακής κατάστασης"
        assert api.content.get_state(obj) == "submitted"
        # The applicant's snapshot, from the profile.
        assert obj.applicant_userid == "maria"
        assert obj.applicant_fullname == "Μαρία Παπαδοπούλου"
        assert obj.Creator() == "maria"
        assert "Owner" in obj.get_local_roles_for_userid("maria")

    def test_profile_fields_are_snapshotted(self, folder, maria):
        member = api.user.get(userid="maria")
        if member.getProperty("afm", None) is None:
            pytest.skip("the member schema has no afm field yet")
        obj = create_application("maria")
        assert obj.applicant_afm == AFM_MARIA
        assert obj.applicant_fathername == "Γεώργιος"

    def test_tap(self, folder, maria):
        obj = create_application(
            "maria", kind="tap", property_supply_number="1 00000001-0"
        )
        assert obj.kind == "tap"
        assert obj.property_supply_number == "1000000010"
        assert obj.property_area == 85
        assert obj.certificate_type is None
        assert obj.title == "Βεβαίωση μη οφειλής ΤΑΠ – Ερμού 10"

    def test_fields_of_the_other_kind_are_dropped(self, folder, maria):
        obj = create_application("maria", property_address="Ερμού 10")
        assert obj.property_address is None
        obj = create_application("maria", kind="tap", certificate_type="birth")
        assert obj.certificate_type is None

    def test_protocol_registration_queued(self, folder, maria):
        obj = create_application("maria")
        items = pending_items(obj, kind=PROTOCOL_KIND)
        assert len(items) == 1
        document = items[0].payload["document"]
        assert document["subject"] == obj.title
        assert document["reference"] == obj.reference_number
        assert document["sender"]["name"] == "Μαρία Παπαδοπούλου"
        assert document["direction"] == "incoming"

    def test_received_mail_queued(self, folder, maria):
        obj = create_application("maria")
        mails = list(pending_items(obj, kind="mail"))
        assert len(mails) == 1
        assert mails[0].payload["to"] == "maria@example.gr"
        assert obj.reference_number in mails[0].payload["subject"]

    def test_not_verified_cannot_apply(self, folder, plain):
        assert not capi.may_apply(folder, plain)
        before = last_number("ΠΙΣ")
        with pytest.raises(Unauthorized):
            capi.submit(folder, plain, dict(CIVIL_REGISTRY))
        assert last_number("ΠΙΣ") == before
        assert not folder.objectIds()

    def test_staff_cannot_apply_as_staff(self, folder, portal):
        create_clerk("clerk")
        with pytest.raises(Unauthorized):
            capi.submit(folder, api.user.get(userid="clerk"), dict(CIVIL_REGISTRY))

    def test_anonymous_cannot_apply(self, folder):
        with pytest.raises(Unauthorized):
            capi.submit(folder, None, dict(CIVIL_REGISTRY))


class TestValidation:
    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"certificate_type": ""}, "certificate_type"),
            ({"certificate_type": "no-such-type"}, "certificate_type"),
            ({"purpose": "   "}, "purpose"),
            ({"purpose": "x" * 2001}, "purpose"),
            ({"delivery": "pigeon"}, "delivery"),
            ({"delivery": "post"}, "postal_address"),
            ({"delivery": "email", "delivery_email": "not-an-email"}, "delivery_email"),
            ({"kind": "other"}, "kind"),
        ],
    )
    def test_civil_registry_errors(self, folder, maria, changes, field):
        before = last_number("ΠΙΣ")
        with pytest.raises(capi.SubmissionError) as info:
            capi.submit(folder, maria, {**CIVIL_REGISTRY, **changes})
        assert field in info.value.errors
        assert info.value.errors[field]
        assert last_number("ΠΙΣ") == before
        assert not folder.objectIds()

    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"property_address": ""}, "property_address"),
            ({"property_supply_number": ""}, "property_supply_number"),
            ({"property_supply_number": "12ab"}, "property_supply_number"),
            ({"property_supply_number": "123"}, "property_supply_number"),
            ({"property_municipal_unit": ""}, "property_municipal_unit"),
            ({"property_area": "πολύ"}, "property_area"),
            ({"property_area": 0}, "property_area"),
        ],
    )
    def test_tap_errors(self, folder, maria, changes, field):
        with pytest.raises(capi.SubmissionError) as info:
            capi.submit(folder, maria, {**TAP, **changes})
        assert field in info.value.errors
        assert not folder.objectIds()

    def test_messages_are_greek(self, folder, maria):
        with pytest.raises(capi.SubmissionError) as info:
            capi.submit(folder, maria, {**CIVIL_REGISTRY, "delivery": "post"})
        assert "ταχυδρομική διεύθυνση" in info.value.errors["postal_address"]

    def test_email_delivery_defaults_to_the_members_email(self, folder, maria):
        obj = capi.submit(folder, maria, {**CIVIL_REGISTRY, "delivery": "email"})
        assert obj.delivery_email == "maria@example.gr"

    def test_post_keeps_the_address_other_deliveries_drop_it(self, folder, maria):
        obj = capi.submit(
            folder,
            maria,
            {
                **CIVIL_REGISTRY,
                "delivery": "post",
                "postal_address": "Ερμού 25\n10563 Αθήνα",
            },
        )
        assert obj.postal_address == "Ερμού 25\n10563 Αθήνα"
        obj = capi.submit(
            folder, maria, {**CIVIL_REGISTRY, "postal_address": "Ερμού 25"}
        )
        assert obj.postal_address is None

    def test_applicant_fields_cannot_be_sent(self, folder, maria):
        obj = capi.submit(
            folder,
            maria,
            {
                **CIVIL_REGISTRY,
                "applicant_fullname": "Κάποιος Άλλος",
                "applicant_userid": "nikos",
                "staff_note": "ok",
            },
        )
        assert obj.applicant_fullname == "Μαρία Παπαδοπούλου"
        assert obj.applicant_userid == "maria"
        assert obj.staff_note is None


# -- privacy ------------------------------------------------------------------


class TestPrivacy:
    def test_only_owner_and_staff_see_it(self, folder, maria, nikos, portal):
        create_clerk("clerk")
        create_clerk("employee", group="employees")
        create_citizen("plain")
        obj = create_application("maria")
        path = "/".join(obj.getPhysicalPath())
        for user_id, allowed in (
            ("maria", True),
            ("clerk", True),
            ("nikos", False),
            ("employee", False),
            ("plain", False),
        ):
            login(portal, user_id)
            assert bool(api.user.has_permission("View", obj=obj)) is allowed, user_id
            found = api.content.find(path=path, portal_type=PORTAL_TYPE)
            assert bool(found) is allowed, user_id
            logout()
        found = api.content.find(path=path, portal_type=PORTAL_TYPE)
        assert not found
        with pytest.raises(AccessDenied):
            portal.restrictedTraverse(path.replace("/plone/", ""))

    def test_my_applications(self, folder, maria, nikos, portal):
        mine = create_application("maria")
        create_application("nikos")
        login(portal, "maria")
        assert [b.UID for b in capi.my_applications("maria")] == [mine.UID()]
        assert capi.my_applications("nikos") == []
