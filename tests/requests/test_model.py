"""The requests add-on's model: install, types, settings, vocabularies, catalog,
privacy at the object and catalog level, attachments."""

from AccessControl import Unauthorized as AccessDenied
from datetime import date
from io import BytesIO
from municipality.core.calendar import add_working_days
from municipality.core.calendar import current_date
from municipality.core.outbox import pending_items
from municipality.core.refnumbers import last_number
from municipality.requests import api as rapi
from municipality.requests import ratelimit
from municipality.requests import validation
from municipality.requests.interfaces import InvalidCategoryLine
from municipality.requests.interfaces import IRequestsLayer
from municipality.requests.interfaces import IRequestsSettings
from municipality.requests.testing import create_citizen
from municipality.requests.testing import create_staff
from municipality.requests.testing import GPS_IFD
from municipality.requests.testing import jpeg_with_gps
from municipality.requests.testing import pdf_bytes
from municipality.requests.testing import png_bytes
from municipality.requests.testing import requests_folder
from PIL import Image
from plone import api
from plone.app.testing import login
from plone.app.testing import logout
from plone.dexterity.interfaces import IDexterityFTI
from plone.registry.interfaces import IRegistry
from zExceptions import Unauthorized
from zope.component import getUtility
from zope.component import queryUtility
from zope.schema.interfaces import IVocabularyFactory
from zope.schema.interfaces import WrongContainedType

import pytest


TYPES = ("RequestsFolder", "CitizenRequest", "RequestAttachment")
WORKFLOW = "municipality_request_workflow"
VALID = {
    "kind": "complaint",
    "category": "lighting",
    "title": "Καμένη λάμπα στην οδό Ερμού",
    "text": "Η λάμπα του στύλου 12 είναι καμένη εδώ και μία εβδομάδα.",
    "desired_action": "Αντικατάσταση της λάμπας.",
}


@pytest.fixture(autouse=True)
def _fresh_limiter():
    ratelimit.anonymous_submissions.reset()
    yield
    ratelimit.anonymous_submissions.reset()


@pytest.fixture
def folder(portal):
    return requests_folder()


@pytest.fixture
def maria(portal):
    create_citizen("maria", "Μαρία Παπαδοπούλου", "maria@example.gr")
    return api.user.get(userid="maria")


@pytest.fixture
def nikos(portal):
    create_citizen("nikos", "Νίκος Γεωργίου", "nikos@example.gr")
    return api.user.get(userid="nikos")


def submit_as(user_id, folder, data=None, attachments=()):
    with api.env.adopt_user(username=user_id):
        return rapi.submit_named(
            folder, api.user.get_current(), dict(data or VALID), attachments
        )


def _series_number():
    return last_number("ΑΙΤ")


# -- install ------------------------------------------------------------------


class TestInstall:
    def test_addon_installed(self, installer):
        assert installer.is_product_installed("municipality.requests")

    def test_browserlayer(self, browser_layers):
        assert IRequestsLayer in browser_layers

    def test_profile_version(self, setup_tool, profile_last_version):
        profile = "municipality.requests:default"
        assert setup_tool.getLastVersionForProfile(profile) == (
            profile_last_version(profile),
        )
        assert setup_tool.listUpgrades(profile) == []

    @pytest.mark.parametrize("portal_type", TYPES)
    def test_types(self, portal, portal_type):
        fti = queryUtility(IDexterityFTI, name=portal_type)
        assert fti is not None
        assert fti.global_allow is False

    @pytest.mark.parametrize(
        ("portal_type", "behaviors"),
        [
            (
                "CitizenRequest",
                {"municipality.reference_number", "municipality.protocol_data"},
            ),
            ("RequestAttachment", {"plone.namefromfilename"}),
            ("RequestsFolder", {"plone.basic", "plone.excludefromnavigation"}),
        ],
    )
    def test_behaviors(self, portal, portal_type, behaviors):
        assert set(getUtility(IDexterityFTI, name=portal_type).behaviors) == behaviors

    def test_allowed_types(self, portal):
        types = api.portal.get_tool("portal_types")
        assert types["RequestsFolder"].allowed_content_types == ("CitizenRequest",)
        assert types["CitizenRequest"].allowed_content_types == ("RequestAttachment",)

    def test_workflow_chains(self, portal):
        wftool = api.portal.get_tool("portal_workflow")
        assert wftool.getChainForPortalType("CitizenRequest") == (WORKFLOW,)
        assert wftool.getChainForPortalType("RequestAttachment") == ()
        assert wftool.getChainForPortalType("RequestsFolder") == ()
        workflow = wftool[WORKFLOW]
        assert set(workflow.states) == {
            "submitted",
            "in_progress",
            "answered",
            "closed",
            "rejected",
        }
        assert workflow.initial_state == "submitted"
        assert set(workflow.transitions) == {
            "assign",
            "answer",
            "reject",
            "close",
            "reopen",
        }

    def test_folder(self, folder):
        assert folder.portal_type == "RequestsFolder"
        assert folder.title == "Requests – Complaints" or "Αιτήματα" in folder.title
        assert folder.exclude_from_nav is True

    def test_registry_defaults(self, portal):
        registry = getUtility(IRegistry)
        settings = registry.forInterface(
            IRequestsSettings, prefix="municipality.requests"
        )
        assert settings.default_deadline_days == 20
        assert settings.anonymous_per_hour == 5
        assert settings.max_attachments == 5
        assert settings.max_attachment_mb == 10
        assert "lighting|Ηλεκτροφωτισμός|5|technical" in settings.categories
        assert "citizens|Γραφείο Εξυπηρέτησης Δημοτών" in settings.departments

    def test_reference_series(self, portal):
        series = api.portal.get_registry_record("municipality.reference.series")
        assert series["CitizenRequest"] == "ΑΙΤ"

    def test_controlpanel(self, portal, controlpanel_actions):
        assert "municipality-requests" in controlpanel_actions

    def test_controlpanel_view(self, portal, http_request):
        from zope.interface import alsoProvides

        alsoProvides(http_request, IRequestsLayer)
        with api.env.adopt_roles(["Site Administrator"]):
            view = api.content.get_view("requests-controlpanel", portal, http_request)
            assert "Ηλεκτροφωτισμός" in view()

    @pytest.mark.parametrize(
        ("index", "meta_type"),
        [
            ("request_kind", "FieldIndex"),
            ("request_department", "FieldIndex"),
            ("request_deadline", "DateIndex"),
            ("reference_number", "FieldIndex"),
            ("protocol_number", "FieldIndex"),
            ("tracking_token_hash", "FieldIndex"),
        ],
    )
    def test_catalog_indexes(self, portal, index, meta_type):
        catalog = api.portal.get_tool("portal_catalog")
        assert catalog.Indexes[index].meta_type == meta_type

    def test_token_hash_is_no_metadata(self, portal):
        catalog = api.portal.get_tool("portal_catalog")
        assert "tracking_token_hash" not in catalog.schema()
        assert "request_deadline" in catalog.schema()


class TestUninstall:
    @pytest.fixture(autouse=True)
    def _uninstall(self, portal, installer, maria, folder):
        self.request = submit_as("maria", folder)
        installer.uninstall_product("municipality.requests")

    def test_uninstalled(self, installer):
        assert not installer.is_product_installed("municipality.requests")

    def test_types_and_workflow_removed(self, portal):
        types = api.portal.get_tool("portal_types")
        for portal_type in TYPES:
            assert portal_type not in types.objectIds()
        assert WORKFLOW not in api.portal.get_tool("portal_workflow").objectIds()

    def test_registry_removed(self, portal):
        registry = getUtility(IRegistry)
        assert "municipality.requests.categories" not in registry
        assert "municipality.requests.anonymous_per_hour" not in registry

    def test_controlpanel_and_layer_removed(self, controlpanel_actions, browser_layers):
        assert "municipality-requests" not in controlpanel_actions
        assert IRequestsLayer not in browser_layers

    def test_own_indexes_removed(self, portal):
        catalog = api.portal.get_tool("portal_catalog")
        for index in ("request_kind", "request_deadline", "tracking_token_hash"):
            assert index not in catalog.indexes()
        assert "request_kind" not in catalog.schema()

    def test_requests_are_kept_and_come_back(self, portal, installer):
        # The municipality's records survive the add-on; installing it again
        # gives them their type and workflow back.
        assert self.request.getId() in portal["requests"]
        installer.install_product("municipality.requests")
        obj = portal["requests"][self.request.getId()]
        assert api.content.get_state(obj) == "submitted"
        assert obj.getTypeInfo() is not None
        catalog = api.portal.get_tool("portal_catalog")
        assert "request_kind" in catalog.indexes()


# -- settings and vocabularies ----------------------------------------------------


class TestVocabularies:
    def _vocabulary(self, name, context):
        return getUtility(IVocabularyFactory, name=name)(context)

    def test_kinds(self, folder):
        vocabulary = self._vocabulary("municipality.requests.kinds", folder)
        assert [term.value for term in vocabulary] == [
            "request",
            "complaint",
            "proposal",
        ]

    def test_categories_follow_the_settings(self, folder):
        vocabulary = self._vocabulary("municipality.requests.categories", folder)
        assert [term.value for term in vocabulary] == [
            "cleanliness",
            "lighting",
            "roads",
            "green",
            "other",
        ]
        assert vocabulary.getTerm("roads").title == "Οδοποιία – κακοτεχνίες"
        api.portal.set_registry_record(
            "municipality.requests.categories",
            ["noise|Θόρυβος|3|environment"],
        )
        vocabulary = self._vocabulary("municipality.requests.categories", folder)
        assert [term.value for term in vocabulary] == ["noise"]

    def test_departments(self, folder):
        vocabulary = self._vocabulary("municipality.requests.departments", folder)
        assert vocabulary.getTerm("technical").title == "Τεχνική Υπηρεσία"
        assert len(vocabulary) == 4

    def test_officers_are_the_employees(self, folder):
        create_staff("eleni", "protocol-clerks", "Ελένη Κ")
        create_citizen("plain")
        vocabulary = self._vocabulary("municipality.requests.officers", folder)
        assert "eleni" in vocabulary
        assert "plain" not in vocabulary
        assert vocabulary.getTerm("eleni").title == "Ελένη Κ"

    @pytest.mark.parametrize(
        "line",
        [
            "lighting|Ηλεκτροφωτισμός|5",
            "lighting|Ηλεκτροφωτισμός|five|technical",
            "Lighting Big|Φως|5|technical",
            "lighting||5|technical",
            "lighting|Φως|999|technical",
        ],
    )
    def test_bad_category_line_is_refused(self, line):
        field = IRequestsSettings["categories"]
        with pytest.raises(WrongContainedType) as error:
            field.validate([line])
        (inner,) = error.value.errors
        assert isinstance(inner, InvalidCategoryLine)

    def test_bad_line_in_the_registry_is_skipped(self, folder):
        api.portal.set_registry_record(
            "municipality.requests.categories",
            ["noise|Θόρυβος|3|environment", "broken line"],
        )
        vocabulary = self._vocabulary("municipality.requests.categories", folder)
        assert [term.value for term in vocabulary] == ["noise"]


# -- named submission -----------------------------------------------------------


class TestNamedSubmission:
    def test_reference_deadline_department_submitter(self, folder, maria):
        obj = submit_as("maria", folder)
        assert obj.reference_number.startswith("ΑΙΤ-")
        assert obj.reference_number.endswith(f"/{_series_number():06d}")
        assert obj.deadline == add_working_days(current_date(), 5)
        assert obj.department == "technical"  # lighting's department
        assert obj.submitter_name == "Μαρία Παπαδοπούλου"
        assert obj.submitter_email == "maria@example.gr"
        assert obj.anonymous is False
        assert api.content.get_state(obj) == "submitted"

    def test_default_deadline_without_category(self, folder, maria):
        data = dict(VALID, category="")
        obj = submit_as("maria", folder, data)
        assert obj.category is None
        assert obj.deadline == add_working_days(current_date(), 20)
        assert obj.department is None

    def test_owner_is_the_citizen(self, folder, maria):
        obj = submit_as("maria", folder)
        assert obj.Creator() == "maria"
        assert obj.getOwner().getId() == "maria"
        assert "Owner" in obj.get_local_roles_for_userid("maria")

    def test_id_says_nothing_about_the_request(self, folder, maria):
        obj = submit_as("maria", folder)
        assert obj.getId().startswith("request-")
        assert "lampa" not in obj.getId()

    def test_numbers_are_consecutive(self, folder, maria):
        first = submit_as("maria", folder)
        second = submit_as("maria", folder)
        n1 = int(first.reference_number.rsplit("/", 1)[1])
        n2 = int(second.reference_number.rsplit("/", 1)[1])
        assert n2 == n1 + 1

    def test_received_mail_is_queued(self, folder, maria):
        obj = submit_as("maria", folder)
        (item,) = pending_items(obj, kind="mail")
        assert item.payload["to"] == "maria@example.gr"
        assert item.payload["template"] == "case_received"
        assert obj.reference_number in item.payload["subject"]
        assert "Μαρία Παπαδοπούλου" in item.payload["body"]
        assert obj.absolute_url().split("/plone/")[1] in item.payload["body"]

    @pytest.mark.portal(roles=["Manager"])
    def test_catalog(self, folder, maria):
        obj = submit_as("maria", folder)
        brains = api.content.find(
            portal_type="CitizenRequest", reference_number=obj.reference_number
        )
        (brain,) = brains
        assert brain.request_kind == "complaint"
        assert brain.request_department == "technical"
        assert brain.request_deadline.asdatetime().date() == obj.deadline
        assert brain.reference_number == obj.reference_number
        assert len(api.content.find(request_kind="complaint")) == 1
        assert len(api.content.find(request_department="technical")) == 1

    def test_anonymous_user_cannot_submit_named(self, folder):
        with pytest.raises(Unauthorized):
            rapi.submit_named(folder, None, dict(VALID))

    def test_staff_only_and_system_fields_are_not_taken(self, folder, maria):
        data = dict(
            VALID,
            department="cleaning",
            answer="Έγινε",
            anonymous=True,
            deadline=date(2000, 1, 1),
            tracking_token_hash="x" * 64,
        )
        obj = submit_as("maria", folder, data)
        assert obj.department == "technical"
        assert obj.answer is None
        assert obj.anonymous is False
        assert obj.deadline != date(2000, 1, 1)
        assert obj.tracking_token_hash is None


class TestBadInput:
    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"title": ""}, "title"),
            ({"title": "   "}, "title"),
            ({"title": "Θ" * 201}, "title"),
            ({"text": ""}, "text"),
            ({"text": " \n "}, "text"),
            ({"text": "κ" * 10001}, "text"),
            ({"desired_action": "δ" * 2001}, "desired_action"),
            ({"kind": "praise"}, "kind"),
            ({"category": "weather"}, "category"),
            ({"email": "not-an-address"}, "email"),
        ],
    )
    def test_field_errors_store_nothing(self, folder, maria, changes, field):
        before = set(folder.objectIds())
        number = _series_number()
        with pytest.raises(rapi.SubmissionError) as error:
            submit_as("maria", folder, dict(VALID, **changes))
        assert set(error.value.errors) == {field}
        assert error.value.errors[field]
        assert set(folder.objectIds()) == before
        assert _series_number() == number

    def test_messages_are_greek(self, folder, maria):
        with pytest.raises(rapi.SubmissionError) as error:
            submit_as("maria", folder, dict(VALID, title="", kind="praise"))
        assert error.value.errors["title"] == "Το πεδίο είναι υποχρεωτικό."
        assert error.value.errors["kind"] == "Η τιμή δεν είναι αποδεκτή."

    def test_long_text_message_says_the_limit(self, folder, maria):
        with pytest.raises(rapi.SubmissionError) as error:
            submit_as("maria", folder, dict(VALID, title="Θ" * 250))
        assert "200" in error.value.errors["title"]
        assert "250" in error.value.errors["title"]

    def test_several_errors_at_once(self, folder, maria):
        with pytest.raises(rapi.SubmissionError) as error:
            submit_as(
                "maria",
                folder,
                dict(VALID, title="", text=""),
                [("notes.pdf", b"just some text")],
            )
        assert set(error.value.errors) == {"title", "text", "attachments"}


# -- attachments ------------------------------------------------------------------


class TestAttachmentChecks:
    def test_sniff(self):
        assert validation.sniff(pdf_bytes()) == "application/pdf"
        assert validation.sniff(jpeg_with_gps()) == "image/jpeg"
        assert validation.sniff(png_bytes()) == "image/png"
        assert validation.sniff(b"hello") is None

    @pytest.mark.parametrize(
        ("filename", "data", "content_type", "error"),
        [
            ("notes.pdf", b"just some text, not a PDF", None, "UnsupportedFileType"),
            ("photo.jpg", png_bytes(), None, "FileTypeMismatch"),
            ("report.pdf", jpeg_with_gps(), None, "FileTypeMismatch"),
            ("photo.jpg", jpeg_with_gps(), "application/pdf", "FileTypeMismatch"),
            ("photo.jpg", jpeg_with_gps()[:200], None, "BrokenFile"),
            ("report.pdf", b"%PDF-1.4 truncated", None, "BrokenFile"),
            ("empty.pdf", b"", None, "EmptyFile"),
            ("page.html", b"<html><script>x</script></html>", None, "Unsupported"),
        ],
    )
    def test_refused(self, portal, filename, data, content_type, error):
        with pytest.raises(validation.AttachmentError) as raised:
            validation.check_attachment(data, filename, content_type)
        assert type(raised.value).__name__.startswith(error)
        assert filename in str(raised.value.doc().mapping["name"])

    @pytest.mark.parametrize(
        ("filename", "data", "content_type"),
        [
            ("report.pdf", pdf_bytes(), "application/pdf"),
            ("photo.JPG", jpeg_with_gps(), "image/jpeg"),
            ("photo", jpeg_with_gps(), None),
            ("plan.png", png_bytes(), "application/octet-stream"),
        ],
    )
    def test_accepted(self, portal, filename, data, content_type):
        assert validation.check_attachment(data, filename, content_type) in (
            "application/pdf",
            "image/jpeg",
            "image/png",
        )

    def test_too_large(self, portal):
        api.portal.set_registry_record("municipality.requests.max_attachment_mb", 1)
        big = pdf_bytes() + b"\n" * (1024 * 1024) + b"%%EOF\n"
        with pytest.raises(validation.FileTooLarge):
            validation.check_attachment(big, "big.pdf")

    def test_decompression_bomb(self, portal):
        bomb = BytesIO()
        Image.new("1", (12000, 12000)).save(bomb, "PNG")
        with pytest.raises(validation.BrokenFile):
            validation.check_attachment(bomb.getvalue(), "bomb.png")


class TestAttachments:
    def test_named_with_attachments(self, folder, maria):
        photo = jpeg_with_gps()
        pdf = pdf_bytes()
        assert Image.open(BytesIO(photo)).getexif().get_ifd(GPS_IFD)
        obj = submit_as(
            "maria",
            folder,
            attachments=[
                ("photo.jpg", photo),
                ("report.pdf", pdf),
                ("C:\\Users\\maria\\plan.png", png_bytes()),
            ],
        )
        attachments = {a.file.filename: a for a in obj.objectValues()}
        assert set(attachments) == {"photo.jpg", "report.pdf", "plan.png"}
        assert attachments["report.pdf"].file.data == pdf
        assert attachments["photo.jpg"].file.contentType == "image/jpeg"
        assert attachments["photo.jpg"].Title() == "photo.jpg"
        for attachment in attachments.values():
            assert attachment.getOwner().getId() == "maria"

    def test_gps_is_stripped(self, folder, maria):
        obj = submit_as("maria", folder, attachments=[("photo.jpg", jpeg_with_gps())])
        data = obj.objectValues()[0].file.data
        image = Image.open(BytesIO(data))
        assert image.format == "JPEG"
        assert not image.getexif()
        assert not image.getexif().get_ifd(GPS_IFD)
        assert b"Exif" not in data
        assert b"PhoneCam" not in data
        assert image.size == (64, 48)

    def test_orientation_is_applied_before_stripping(self, folder, maria):
        # EXIF orientation 6: the camera was turned; the pixels are turned
        # instead, so the photo stays upright without its EXIF.
        photo = jpeg_with_gps(size=(64, 48), orientation=6)
        obj = submit_as("maria", folder, attachments=[("photo.jpg", photo)])
        image = Image.open(BytesIO(obj.objectValues()[0].file.data))
        assert image.size == (48, 64)
        assert not image.getexif()

    def test_png_text_chunks_are_dropped(self, folder, maria):
        from PIL.PngImagePlugin import PngInfo

        info = PngInfo()
        info.add_text("Location", "37.97N 23.72E")
        out = BytesIO()
        Image.new("RGBA", (20, 20), (0, 0, 255, 128)).save(out, "PNG", pnginfo=info)
        obj = submit_as("maria", folder, attachments=[("map.png", out.getvalue())])
        data = obj.objectValues()[0].file.data
        assert b"37.97N" not in data
        image = Image.open(BytesIO(data))
        assert image.mode == "RGBA"
        assert image.getpixel((1, 1)) == (0, 0, 255, 128)

    @pytest.mark.parametrize(
        "attachments",
        [
            [("notes.pdf", b"this is text, not a PDF")],
            [("photo.png", jpeg_with_gps())],
            [("ok.pdf", pdf_bytes()), ("virus.exe", b"MZ\x90\x00")],
        ],
    )
    def test_bad_attachment_stores_nothing(self, folder, maria, attachments):
        before = set(folder.objectIds())
        number = _series_number()
        with pytest.raises(rapi.SubmissionError) as error:
            submit_as("maria", folder, attachments=attachments)
        assert set(error.value.errors) == {"attachments"}
        assert set(folder.objectIds()) == before
        assert _series_number() == number

    def test_too_many_attachments(self, folder, maria):
        api.portal.set_registry_record("municipality.requests.max_attachments", 2)
        with pytest.raises(rapi.SubmissionError) as error:
            submit_as("maria", folder, attachments=[("a.pdf", pdf_bytes())] * 3)
        assert "2" in error.value.errors["attachments"]
        assert not folder.objectIds()

    def test_too_large_attachment(self, folder, maria):
        api.portal.set_registry_record("municipality.requests.max_attachment_mb", 1)
        big = pdf_bytes() + b"\n" * (1024 * 1024) + b"%%EOF\n"
        with pytest.raises(rapi.SubmissionError) as error:
            submit_as("maria", folder, attachments=[("big.pdf", big)])
        assert "big.pdf" in error.value.errors["attachments"]
        assert "1 MB" in error.value.errors["attachments"]
        assert not folder.objectIds()


# -- anonymous submission ----------------------------------------------------------


class TestAnonymous:
    DATA = {
        "title": "Σκουπίδια στην πλατεία",
        "text": "Οι κάδοι δεν έχουν αδειάσει.",
        "desired_action": "",
        "email": "",
    }

    def test_submit_and_track(self, folder):
        obj, token = rapi.submit_anonymous(folder, dict(self.DATA), "10.0.0.1")
        assert len(token) >= 40
        assert obj.anonymous is True
        assert obj.tracking_token_hash == rapi.hash_token(token)
        assert token not in repr(obj.__dict__)
        assert obj.reference_number.startswith("ΑΙΤ-")
        assert obj.kind == "request"
        assert rapi.find_by_token(folder, token) == obj
        assert rapi.find_by_token(folder, token[:-1] + "x") is None
        assert rapi.find_by_token(folder, "") is None
        assert rapi.find_by_token(folder, None) is None

    def test_no_owner_creator_anonymous(self, folder, maria):
        # Even when a logged-in citizen uses the anonymous form.
        login(api.portal.get(), "maria")
        try:
            obj, _token = rapi.submit_anonymous(folder, dict(self.DATA), "10.0.0.2")
        finally:
            logout()
        assert obj.Creator() == "anonymous"
        assert not [
            principal for principal, roles in obj.get_local_roles() if "Owner" in roles
        ]
        assert obj.submitter_name is None
        login(api.portal.get(), "maria")
        try:
            assert not api.user.has_permission("View", obj=obj)
            assert rapi.my_requests("maria") == []
        finally:
            logout()

    def test_anonymous_cannot_see_it(self, folder):
        obj, _token = rapi.submit_anonymous(folder, dict(self.DATA), "10.0.0.3")
        logout()
        assert not api.user.has_permission("View", obj=obj)
        with pytest.raises((Unauthorized, AccessDenied)):
            folder.restrictedTraverse(obj.getId())
        assert len(api.content.find(portal_type="CitizenRequest")) == 0

    def test_email_gets_the_tracking_link(self, folder):
        obj, token = rapi.submit_anonymous(
            folder, dict(self.DATA, email="anon@example.gr"), "10.0.0.4"
        )
        (item,) = pending_items(obj, kind="mail")
        assert item.payload["to"] == "anon@example.gr"
        assert f"/requests/@@track/{token}" in item.payload["body"]
        assert obj.submitter_email == "anon@example.gr"

    def test_no_email_no_mail(self, folder):
        obj, _token = rapi.submit_anonymous(folder, dict(self.DATA), "10.0.0.5")
        assert pending_items(obj, kind="mail") == []

    def test_bad_input(self, folder):
        number = _series_number()
        with pytest.raises(rapi.SubmissionError) as error:
            rapi.submit_anonymous(
                folder, dict(self.DATA, title="", email="x@"), "10.0.0.6"
            )
        assert set(error.value.errors) == {"title", "email"}
        assert list(folder.objectIds()) == []
        assert _series_number() == number

    def test_rate_limit_per_address(self, folder):
        api.portal.set_registry_record("municipality.requests.anonymous_per_hour", 2)
        rapi.submit_anonymous(folder, dict(self.DATA), "10.0.0.7")
        rapi.submit_anonymous(folder, dict(self.DATA), "10.0.0.7")
        count = len(folder.objectIds())
        with pytest.raises(rapi.RateLimited) as error:
            rapi.submit_anonymous(folder, dict(self.DATA), "10.0.0.7")
        assert 0 < error.value.retry_after <= 3601
        assert len(folder.objectIds()) == count
        # Another address is not affected.
        rapi.submit_anonymous(folder, dict(self.DATA), "10.0.0.8")

    def test_bad_input_does_not_count(self, folder):
        api.portal.set_registry_record("municipality.requests.anonymous_per_hour", 1)
        with pytest.raises(rapi.SubmissionError):
            rapi.submit_anonymous(folder, dict(self.DATA, text=""), "10.0.0.9")
        rapi.submit_anonymous(folder, dict(self.DATA), "10.0.0.9")


class TestSlidingWindow:
    def test_window_slides(self):
        limiter = ratelimit.SlidingWindowLimiter(window=100)
        for t in (0, 10, 20):
            assert limiter.allowed("a", 3, now=t)
            limiter.hit("a", now=t)
        assert not limiter.allowed("a", 3, now=50)
        assert limiter.retry_after("a", 3, now=50) == 51
        assert limiter.allowed("a", 3, now=100.5)
        assert limiter.allowed("b", 3, now=50)

    def test_memory_is_bounded(self):
        limiter = ratelimit.SlidingWindowLimiter(window=100, max_keys=10)
        for i in range(25):
            limiter.hit(f"10.0.0.{i}", now=i)
        assert len(limiter._hits) <= 10


# -- privacy ------------------------------------------------------------------------


class TestPrivacy:
    def test_a_citizen_never_sees_anothers_request(self, folder, maria, nikos):
        marias = submit_as("maria", folder)
        nikos_own = submit_as("nikos", folder)
        login(api.portal.get(), "nikos")
        try:
            assert not api.user.has_permission("View", obj=marias)
            assert not api.user.has_permission(
                "Access contents information", obj=marias
            )
            with pytest.raises((Unauthorized, AccessDenied)):
                folder.restrictedTraverse(marias.getId())
            found = {b.UID for b in api.content.find(portal_type="CitizenRequest")}
            assert found == {nikos_own.UID()}
            assert {b.UID for b in rapi.my_requests("nikos")} == {nikos_own.UID()}
            assert rapi.my_requests("maria") == []
            listed = {b.UID for b in api.content.find(context=folder, depth=1)}
            assert listed == {nikos_own.UID()}
        finally:
            logout()

    def test_nor_its_attachments(self, folder, maria, nikos):
        marias = submit_as("maria", folder, attachments=[("a.pdf", pdf_bytes())])
        attachment = marias.objectValues()[0]
        login(api.portal.get(), "nikos")
        try:
            assert not api.user.has_permission("View", obj=attachment)
            assert len(api.content.find(portal_type="RequestAttachment")) == 0
        finally:
            logout()

    def test_employees_see_every_request(self, folder, maria):
        marias = submit_as("maria", folder)
        create_staff("eleni", "employees")
        login(api.portal.get(), "eleni")
        try:
            assert api.user.has_permission("View", obj=marias)
            assert len(rapi.inbox()) == 1
            # but may not change it: that needs a case-handling group
            assert not api.user.has_permission("Modify portal content", obj=marias)
        finally:
            logout()

    def test_add_permission_only_in_the_folder(self, portal, folder, maria):
        login(portal, "maria")
        try:
            assert api.user.has_permission(
                "municipality.requests: Add CitizenRequest", obj=folder
            )
            assert not api.user.has_permission(
                "municipality.requests: Add CitizenRequest", obj=portal
            )
            allowed = [fti.getId() for fti in folder.allowedContentTypes()]
            assert allowed == ["CitizenRequest"]
        finally:
            logout()

    def test_anonymous_cannot_add(self, folder):
        logout()
        assert not api.user.has_permission(
            "municipality.requests: Add CitizenRequest", obj=folder
        )
        assert folder.allowedContentTypes() == []

    def test_owner_cannot_edit_after_submitting(self, folder, maria):
        obj = submit_as("maria", folder)
        login(api.portal.get(), "maria")
        try:
            assert api.user.has_permission("View", obj=obj)
            assert not api.user.has_permission("Modify portal content", obj=obj)
            assert not api.user.has_permission("Delete objects", obj=obj)
            assert api.user.has_permission(
                "municipality.requests: Add RequestAttachment", obj=obj
            )
        finally:
            logout()
