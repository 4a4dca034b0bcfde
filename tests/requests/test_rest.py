"""Citizen requests over plone.restapi, on real HTTP: citizens create and read
their own, never another's; bad input is a 400 naming the field and stores
nothing; staff act through ``@workflow``."""

from base64 import b64encode
from io import BytesIO
from municipality.requests import ratelimit
from municipality.requests.testing import create_citizen
from municipality.requests.testing import create_staff
from municipality.requests.testing import GPS_IFD
from municipality.requests.testing import jpeg_with_gps
from municipality.requests.testing import PASSWORD
from municipality.requests.testing import pdf_bytes
from municipality.requests.validation import Blank
from PIL import Image
from plone import api
from plone.app.testing import SITE_OWNER_NAME
from plone.app.testing import SITE_OWNER_PASSWORD
from zope.component.hooks import setSite
from zope.i18n import translate

import pytest
import requests
import transaction


DENIED = (401, 403, 404)
VALID = {
    "@type": "CitizenRequest",
    "kind": "complaint",
    "category": "cleanliness",
    "title": "Γεμάτοι κάδοι στην πλατεία",
    "text": "Οι κάδοι δεν έχουν αδειάσει εδώ και τρεις ημέρες.",
    "desired_action": "Αποκομιδή των απορριμμάτων.",
}


class Client:
    """plone.restapi over HTTP as one user (or anonymous)."""

    def __init__(self, base, user=None, password=PASSWORD):
        self.base = base
        self.auth = (user, password) if user else None

    def __call__(self, method, path, **kwargs):
        url = path if path.startswith("http") else f"{self.base}{path}"
        headers = {"Accept": "application/json"}
        return requests.request(
            method, url, headers=headers, auth=self.auth, timeout=30, **kwargs
        )

    def get(self, path, **kwargs):
        return self("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self("POST", path, **kwargs)

    def patch(self, path, **kwargs):
        return self("PATCH", path, **kwargs)


@pytest.fixture
def site(functional):
    portal = functional["portal"]
    setSite(portal)
    ratelimit.anonymous_submissions.reset()
    create_citizen("maria", "Μαρία Παπαδοπούλου", "maria@example.gr")
    create_citizen("nikos", "Νίκος Γεωργίου", "nikos@example.gr")
    create_staff("clerk", "protocol-clerks", "Γιώργος Υπάλληλος")
    create_staff("boss", "supervisors", "Άννα Προϊσταμένη")
    create_staff("kostas", "employees", "Κώστας Μηχανικός")
    transaction.commit()
    return portal.absolute_url()


@pytest.fixture
def maria(site):
    return Client(site, "maria")


@pytest.fixture
def nikos(site):
    return Client(site, "nikos")


@pytest.fixture
def clerk(site):
    return Client(site, "clerk")


@pytest.fixture
def boss(site):
    return Client(site, "boss")


@pytest.fixture
def anonymous(site):
    return Client(site)


@pytest.fixture
def owner(site):
    return Client(site, SITE_OWNER_NAME, SITE_OWNER_PASSWORD)


def set_setting(name, value):
    api.portal.set_registry_record(f"municipality.requests.{name}", value)
    transaction.commit()


def submit(client, **changes):
    response = client.post("/requests", json=dict(VALID, **changes))
    assert response.status_code == 201, response.text
    return response.json()


def number(reference):
    return int(reference.rsplit("/", 1)[1])


def file_json(data, filename, content_type):
    return {
        "data": b64encode(data).decode("ascii"),
        "encoding": "base64",
        "filename": filename,
        "content-type": content_type,
    }


def ids_in_folder(client):
    response = client.get("/requests", params={"b_size": 1000})
    assert response.status_code == 200
    return {item["@id"] for item in response.json()["items"]}


# -- creating ------------------------------------------------------------------


class TestCreate:
    def test_citizen_creates_a_request(self, maria):
        response = maria.post("/requests", json=VALID)
        assert response.status_code == 201, response.text
        data = response.json()
        assert data["@type"] == "CitizenRequest"
        assert data["reference_number"].startswith("ΑΙΤ-")
        assert data["title"] == VALID["title"]
        assert data["kind"]["token"] == "complaint"
        assert data["department"]["token"] == "cleaning"
        assert data["review_state"] == "submitted"
        assert data["deadline"]
        assert "tracking_token_hash" not in data
        assert response.headers["Location"] == data["@id"]
        assert "/requests/request-" in data["@id"]
        again = maria.get(data["@id"])
        assert again.status_code == 200
        assert again.json()["text"] == VALID["text"]

    def test_anonymous_cannot_post(self, anonymous, clerk):
        before = ids_in_folder(clerk)
        response = anonymous.post("/requests", json=VALID)
        assert response.status_code == 401
        assert ids_in_folder(clerk) == before

    def test_citizen_cannot_post_elsewhere(self, maria):
        response = maria.post("", json=VALID)
        assert response.status_code in (400, 401, 403)

    def test_staff_and_system_fields_are_ignored(self, maria):
        data = submit(
            maria,
            department="technical",
            answer="Λύθηκε",
            anonymous=True,
            deadline="2000-01-01",
            tracking_token_hash="0" * 64,
            submitter_name="Κάποιος άλλος",
        )
        assert data["department"]["token"] == "cleaning"
        assert data["answer"] is None
        assert data["anonymous"] is False
        assert data["deadline"] != "2000-01-01"
        assert data["submitter_name"] == "Μαρία Παπαδοπούλου"


class TestBadInput:
    @pytest.mark.parametrize(
        ("changes", "field"),
        [
            ({"title": ""}, "title"),
            ({"title": "Θ" * 201}, "title"),
            ({"text": ""}, "text"),
            ({"text": "   "}, "text"),
            ({"text": "κ" * 10001}, "text"),
            ({"kind": "praise"}, "kind"),
            ({"category": "weather"}, "category"),
            ({"email": "not-an-address"}, "email"),
            ({"desired_action": "δ" * 2001}, "desired_action"),
        ],
    )
    def test_400_names_the_field_and_stores_nothing(self, maria, clerk, changes, field):
        first = submit(maria)
        before = ids_in_folder(clerk)
        response = maria.post("/requests", json=dict(VALID, **changes))
        assert response.status_code == 400, response.text
        body = response.json()
        assert body["type"] == "BadRequest"
        assert f"'field': '{field}'" in body["message"]
        assert ids_in_folder(clerk) == before
        # No reference number was spent on it.
        second = submit(maria)
        assert (
            number(second["reference_number"]) == number(first["reference_number"]) + 1
        )

    def test_missing_required_field(self, maria):
        data = dict(VALID)
        del data["text"]
        response = maria.post("/requests", json=data)
        assert response.status_code == 400
        assert "'field': 'text'" in response.json()["message"]

    def test_messages_are_greek(self, maria):
        data = dict(VALID, title="", kind="praise")
        del data["text"]
        message = maria.post("/requests", json=data).json()["message"]
        assert "Το πεδίο είναι υποχρεωτικό." in message  # text
        assert "Η τιμή δεν είναι αποδεκτή." in message  # kind
        blank = translate(Blank.__doc__, target_language="el")
        assert f"'message': '{blank}', 'field': 'title'" in message


# -- privacy ---------------------------------------------------------------------


class TestPrivacy:
    def test_another_citizens_request_is_invisible(self, maria, nikos, anonymous):
        marias = submit(maria)
        nikos_own = submit(nikos)
        url = marias["@id"]
        for client in (nikos, anonymous):
            assert client.get(url).status_code in DENIED
            assert client.get(f"{url}/@workflow").status_code in DENIED
            assert client.get(f"{url}/@history").status_code in DENIED
            response = client.patch(url, json={"title": "Άλλαξε"})
            assert response.status_code in DENIED
        assert maria.get(url).json()["title"] == VALID["title"]
        assert nikos.get(nikos_own["@id"]).status_code == 200

    def test_search_and_listing_show_only_own(self, maria, nikos, anonymous, clerk):
        marias = submit(maria)
        nikos_own = submit(nikos)
        query = {"portal_type": "CitizenRequest", "b_size": 100}
        found = nikos.get("/@search", params=query).json()["items"]
        assert [item["@id"] for item in found] == [nikos_own["@id"]]
        found = nikos.get(
            "/@search", params={"SearchableText": "κάδοι", "b_size": 100}
        ).json()["items"]
        assert marias["@id"] not in [item["@id"] for item in found]
        found = nikos.get(
            "/@search", params={"reference_number": marias["reference_number"]}
        ).json()
        assert found["items_total"] == 0
        assert ids_in_folder(nikos) == {nikos_own["@id"]}
        assert ids_in_folder(maria) == {marias["@id"]}
        assert ids_in_folder(anonymous) == set()
        assert anonymous.get("/@search", params=query).json()["items_total"] == 0
        # Employees see them all.
        assert ids_in_folder(clerk) == {marias["@id"], nikos_own["@id"]}

    def test_folder_page_lists_only_own(self, site, maria, nikos):
        submit(maria, title="Το αίτημα της Μαρίας")
        submit(nikos, title="Το αίτημα του Νίκου")

        def page(user=None):
            auth = (user, PASSWORD) if user else None
            response = requests.get(f"{site}/requests", auth=auth, timeout=30)
            assert response.status_code == 200
            return response.text

        assert "Μαρίας" in page("maria")
        assert "Νίκου" not in page("maria")
        assert "Μαρίας" not in page("nikos")
        assert "Μαρίας" not in page()
        assert "Νίκου" not in page()

    def test_attachments_are_private_too(self, maria, nikos, anonymous):
        marias = submit(maria)
        response = maria.post(
            marias["@id"],
            json={
                "@type": "RequestAttachment",
                "file": file_json(pdf_bytes(), "plan.pdf", "application/pdf"),
            },
        )
        assert response.status_code == 201, response.text
        attachment = response.json()["@id"]
        assert maria.get(f"{attachment}/@@download/file").status_code == 200
        for client in (nikos, anonymous):
            assert client.get(attachment).status_code in DENIED
            response = client.get(f"{attachment}/@@download/file")
            assert response.status_code in DENIED
            assert b"%PDF" not in response.content


# -- attachments ---------------------------------------------------------------------


class TestAttachments:
    def test_photo_is_stored_without_gps(self, maria):
        marias = submit(maria)
        photo = jpeg_with_gps()
        response = maria.post(
            marias["@id"],
            json={
                "@type": "RequestAttachment",
                "file": file_json(photo, "photo.jpg", "image/jpeg"),
            },
        )
        assert response.status_code == 201, response.text
        download = maria.get(f"{response.json()['@id']}/@@download/file")
        assert download.status_code == 200
        image = Image.open(BytesIO(download.content))
        assert image.format == "JPEG"
        assert not image.getexif().get_ifd(GPS_IFD)
        assert b"Exif" not in download.content
        listed = maria.get(marias["@id"]).json()["items"]
        assert [item["title"] for item in listed] == ["photo.jpg"]

    @pytest.mark.parametrize(
        ("data", "filename", "content_type"),
        [
            (b"plain text pretending", "report.pdf", "application/pdf"),
            (jpeg_with_gps(), "report.pdf", "application/pdf"),
            (jpeg_with_gps(), "photo.jpg", "application/pdf"),
            (b"MZ\x90\x00\x03", "setup.exe", "application/octet-stream"),
        ],
    )
    def test_bad_file_is_400_naming_the_field(
        self, maria, data, filename, content_type
    ):
        marias = submit(maria)
        response = maria.post(
            marias["@id"],
            json={
                "@type": "RequestAttachment",
                "file": file_json(data, filename, content_type),
            },
        )
        assert response.status_code == 400, response.text
        assert "'field': 'file'" in response.json()["message"]
        assert maria.get(marias["@id"]).json()["items"] == []

    def test_too_large(self, maria):
        set_setting("max_attachment_mb", 1)
        marias = submit(maria)
        big = pdf_bytes() + b"\n" * (1024 * 1024) + b"%%EOF\n"
        response = maria.post(
            marias["@id"],
            json={
                "@type": "RequestAttachment",
                "file": file_json(big, "big.pdf", "application/pdf"),
            },
        )
        assert response.status_code == 400
        assert "'field': 'file'" in response.json()["message"]

    def test_too_many(self, maria):
        set_setting("max_attachments", 1)
        marias = submit(maria)
        body = {
            "@type": "RequestAttachment",
            "file": file_json(pdf_bytes(), "a.pdf", "application/pdf"),
        }
        assert maria.post(marias["@id"], json=body).status_code == 201
        response = maria.post(marias["@id"], json=body)
        assert response.status_code == 400
        assert "file" in response.json()["message"]
        assert len(maria.get(marias["@id"]).json()["items"]) == 1

    def test_not_into_anothers_request(self, maria, nikos):
        marias = submit(maria)
        response = nikos.post(
            marias["@id"],
            json={
                "@type": "RequestAttachment",
                "file": file_json(pdf_bytes(), "a.pdf", "application/pdf"),
            },
        )
        assert response.status_code in DENIED

    def test_only_while_submitted(self, maria, clerk):
        marias = submit(maria)
        response = clerk.post(f"{marias['@id']}/@workflow/assign", json={})
        assert response.status_code == 200, response.text
        response = maria.post(
            marias["@id"],
            json={
                "@type": "RequestAttachment",
                "file": file_json(pdf_bytes(), "late.pdf", "application/pdf"),
            },
        )
        assert response.status_code in DENIED


# -- staff -------------------------------------------------------------------------


class TestStaff:
    def test_assign_answer_close_through_workflow(self, maria, clerk, boss):
        url = submit(maria)["@id"]
        response = clerk.patch(
            url, json={"department": "technical", "officer": "kostas"}
        )
        assert response.status_code == 204, response.text
        response = clerk.post(
            f"{url}/@workflow/assign", json={"comment": "Στην Τεχνική Υπηρεσία"}
        )
        assert response.status_code == 200, response.text
        assert response.json()["review_state"] == "in_progress"

        # «answer» without an answer is refused, with a clear message.
        response = clerk.post(f"{url}/@workflow/answer", json={})
        assert response.status_code == 400
        assert response.json()["error"]["type"] == "WorkflowException"

        response = clerk.patch(url, json={"answer": "Θα επισκευαστεί αύριο."})
        assert response.status_code == 204
        response = clerk.post(f"{url}/@workflow/answer", json={"comment": "Απαντήθηκε"})
        assert response.status_code == 200
        response = boss.post(f"{url}/@workflow/close", json={"comment": "Τέλος"})
        assert response.status_code == 200
        assert response.json()["review_state"] == "closed"

        # The citizen reads the answer and the whole history.
        data = maria.get(url).json()
        assert data["answer"] == "Θα επισκευαστεί αύριο."
        assert data["review_state"] == "closed"
        history = maria.get(f"{url}/@workflow").json()["history"]
        assert [step["action"] for step in history] == [
            None,
            "assign",
            "answer",
            "close",
        ]
        assert [step["comments"] for step in history[1:]] == [
            "Στην Τεχνική Υπηρεσία",
            "Απαντήθηκε",
            "Τέλος",
        ]

    def test_reject_requires_a_comment(self, maria, boss):
        url = submit(maria)["@id"]
        response = boss.post(f"{url}/@workflow/reject", json={})
        assert response.status_code == 400, response.text
        assert maria.get(url).json()["review_state"] == "submitted"
        response = boss.post(
            f"{url}/@workflow/reject", json={"comment": "Δεν είναι αρμοδιότητά μας."}
        )
        assert response.status_code == 200, response.text
        history = maria.get(f"{url}/@workflow").json()["history"]
        assert history[-1]["comments"] == "Δεν είναι αρμοδιότητά μας."

    def test_citizen_cannot_act_or_edit(self, maria):
        url = submit(maria)["@id"]
        response = maria.post(f"{url}/@workflow/answer", json={})
        assert response.status_code in (400, 401, 403)
        assert maria.get(url).json()["review_state"] == "submitted"
        response = maria.patch(url, json={"title": "Άλλος τίτλος"})
        assert response.status_code in DENIED
        assert maria.get(url).json()["title"] == VALID["title"]
        transitions = maria.get(f"{url}/@workflow").json()["transitions"]
        assert transitions == []

    @pytest.mark.parametrize(
        ("changes", "field"),
        [({"department": "weather"}, "department"), ({"officer": "maria"}, "officer")],
    )
    def test_bad_assignment_is_400(self, maria, clerk, changes, field):
        url = submit(maria)["@id"]
        response = clerk.patch(url, json=changes)
        assert response.status_code == 400
        assert f"'field': '{field}'" in response.json()["message"]


def test_controlpanel_over_rest(owner):
    response = owner.get("/@controlpanels/municipality-requests")
    assert response.status_code == 200, response.text
    data = response.json()
    assert data["data"]["max_attachments"] == 5
    assert "lighting|Ηλεκτροφωτισμός|5|technical" in data["data"]["categories"]
