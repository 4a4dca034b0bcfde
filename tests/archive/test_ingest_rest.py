"""``@archive-ingest`` and a decision's JSON over real HTTP: created, already
there, refused with the fields named, only for those who may ingest; two
uploads of one decision at once make one decision; large decisions pass."""

from .helpers import Client
from .helpers import create_archivist
from .helpers import create_secretary
from .helpers import file_json
from .helpers import ingest_decision
from .helpers import make_payload
from io import BytesIO
from municipality.archive import restapi
from municipality.archive.setuphandlers import get_archive
from municipality.requests.testing import create_staff
from PIL import Image
from plone import api
from zope.component.hooks import setSite

import json
import os
import pytest
import threading
import transaction


DENIED = (401, 403)


@pytest.fixture
def site(functional):
    portal = functional["portal"]
    setSite(portal)
    create_archivist()
    create_secretary()
    create_staff("employee1", "employees")
    transaction.commit()
    return portal


@pytest.fixture
def endpoint(site):
    return f"{get_archive(site).absolute_url()}/@archive-ingest"


@pytest.fixture
def archivist(site):
    return Client(site.absolute_url(), "archivist1")


def _decisions(site):
    transaction.begin()  # see what the server committed
    catalog = api.portal.get_tool("portal_catalog")
    return catalog.unrestrictedSearchResults(portal_type="HistoricalDecision")


class TestIngest:
    def test_get_tells_the_settings_and_the_hashes(self, site, endpoint, archivist):
        decision = ingest_decision()
        transaction.commit()
        response = archivist.get(endpoint)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["settings"]["ocr_languages"] == "ell"
        assert body["settings"]["polytonic_before_year"] == 1982
        assert body["settings"]["low_confidence"] == 80
        assert body["source_hashes"] == [decision.source_hash]

    def test_created_then_already_there(self, site, endpoint, archivist):
        payload = make_payload(texts=["Πρώτη σελίδα", "Δεύτερη σελίδα"])
        response = archivist.post(endpoint, json=payload)
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["created"] is True
        assert body["@id"].endswith("/archive/apofasi-123-1987")
        assert response.headers["Location"] == body["@id"]

        again = archivist.post(endpoint, json=payload)
        assert again.status_code == 200, again.text
        assert again.json() == {**body, "created": False}
        brains = _decisions(site)
        assert len(brains) == 1
        assert brains[0].UID == body["UID"]
        decision = brains[0]._unrestrictedGetObject()
        assert decision.Creator() == "archivist1"
        assert api.content.get_state(decision) == "ingested"
        assert payload["source_hash"] in archivist.get(endpoint).json()["source_hashes"]

    def test_bad_input_names_the_fields(self, site, endpoint, archivist):
        payload = make_payload(year=1700)
        payload["pages"][0]["image"]["content-type"] = "image/png"
        response = archivist.post(endpoint, json=payload)
        assert response.status_code == 400, response.text
        error = response.json()["error"]
        assert error["type"] == "BadRequest"
        assert error["message"] == (
            "Η απόφαση δεν αποθηκεύτηκε: διορθώστε τα πεδία που αναφέρονται."
        )
        assert error["errors"] == [
            {"field": "year", "message": "Πρέπει να είναι έτος από 1830 έως 2100."},
            {
                "field": "pages[0].image.content-type",
                "message": "Πρέπει να είναι image/jpeg.",
            },
        ]
        assert len(_decisions(site)) == 0

    @pytest.mark.parametrize(
        ("body", "content_type", "status"),
        [
            (b"{not json", "application/json", 400),
            (b"[1, 2]", "application/json", 400),
            (b"source_hash=abc", "application/x-www-form-urlencoded", 415),
        ],
    )
    def test_not_a_json_object(
        self, site, endpoint, archivist, body, content_type, status
    ):
        response = archivist.post(
            endpoint, data=body, headers={"Content-Type": content_type}
        )
        assert response.status_code == status, response.text
        error = response.json()["error"]
        assert error["errors"][0]["field"] == ""
        assert (
            error["message"]
            == "Το σώμα του αιτήματος πρέπει να είναι αντικείμενο JSON."
        )
        assert len(_decisions(site)) == 0

    def test_a_body_over_the_limit(self, site, endpoint, archivist, monkeypatch):
        # The server runs in this process: a lower limit stands in for 128 MB.
        monkeypatch.setattr(restapi, "MAX_BODY_BYTES", 1000)
        response = archivist.post(endpoint, json=make_payload())
        assert response.status_code == 413, response.text
        assert response.json()["error"]["type"] == "PayloadTooLarge"
        assert len(_decisions(site)) == 0

    @pytest.mark.parametrize("user", [None, "employee1", "secretary1"])
    def test_only_those_who_may_ingest(self, site, endpoint, user):
        client = Client(site.absolute_url(), user)
        assert client.get(endpoint).status_code in DENIED
        response = client.post(endpoint, json=make_payload())
        assert response.status_code in DENIED, response.text
        assert len(_decisions(site)) == 0

    def test_a_large_decision(self, site, endpoint, archivist):
        # Noise does not compress: ~1.5 MB per page image, several MB of JSON,
        # beyond Zope's default 1 MB form memory limit.
        pages = 4
        payload = make_payload(texts=[f"Σελίδα {n}" for n in range(1, pages + 1)])
        for index, page in enumerate(payload["pages"]):
            image = Image.frombytes("RGB", (900, 1300), os.urandom(900 * 1300 * 3))
            out = BytesIO()
            image.save(out, "JPEG", quality=95)
            page["image"] = file_json(out.getvalue(), "image/jpeg", f"{index}.jpg")
        body = json.dumps(payload).encode("utf-8")
        assert len(body) > 4 * 1024 * 1024
        response = archivist.post(
            endpoint, data=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 201, response.text[:500]
        decision = _decisions(site)[0]._unrestrictedGetObject()
        assert len(decision.pages) == pages
        assert decision.pages[3].image.getSize() > 1024 * 1024

    def test_two_uploads_of_one_decision_at_once(self, site, endpoint):
        payload = json.dumps(make_payload(texts=["α"] * 3)).encode("utf-8")
        results = []
        start = threading.Barrier(2)

        def upload():
            client = Client(site.absolute_url(), "archivist1")
            start.wait()
            response = client.post(
                endpoint, data=payload, headers={"Content-Type": "application/json"}
            )
            results.append((response.status_code, response.json()))

        threads = [threading.Thread(target=upload) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(status for status, _body in results) == [200, 201], results
        assert len({body["UID"] for _status, body in results}) == 1
        assert len(_decisions(site)) == 1
        assert len(get_archive(site).objectIds()) == 1


class TestDecisionJson:
    def test_the_decision_with_its_pages_and_no_bytes(self, site, archivist):
        decision = ingest_decision(
            texts=["Πρώτη", "Δεύτερη"],
            confidences=[91.5, None],
            review_reasons=["no_text:2"],
        )
        transaction.commit()
        url = decision.absolute_url()
        response = archivist.get(url)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["@type"] == "HistoricalDecision"
        assert body["title"] == decision.title
        assert body["number"] == "123"
        assert body["year"] == 1987
        assert body["meeting_date"] == "1987-03-15"
        assert body["review_state"] == "ingested"
        assert body["needs_review"] is True
        assert body["review_reasons"] == ["no_text:2"]
        assert body["text"] == "Πρώτη\fΔεύτερη"
        assert body["confidence"] == 91.5
        assert body["source_hash"] == decision.source_hash
        assert body["source_files"] == ["vol12/0001.tif", "vol12/0002.tif"]
        assert body["permalink"] == (
            f"{site.absolute_url()}/resolveuid/{decision.UID()}"
        )
        assert body["pdf"]["download"] == f"{url}/@@download/pdf"
        assert body["pages"] == [
            {
                "number": 1,
                "confidence": 91.5,
                "text": "Πρώτη",
                "image": f"{url}/@@page/1/image",
                "thumbnail": f"{url}/@@page/1/thumbnail",
                "source_file": "vol12/0001.tif",
                "source_page": 1,
                "languages": "ell",
            },
            {
                "number": 2,
                "confidence": None,
                "text": "Δεύτερη",
                "image": f"{url}/@@page/2/image",
                "thumbnail": f"{url}/@@page/2/thumbnail",
                "source_file": "vol12/0002.tif",
                "source_page": 1,
                "languages": "ell",
            },
        ]
        # URLs, never the images themselves.
        assert "base64" not in response.text
        assert len(response.content) < 20_000
        image = archivist.get(body["pages"][0]["image"])
        assert image.status_code == 200
        assert image.headers["Content-Type"] == "image/jpeg"

    def test_anonymous_gets_a_published_one_only(self, site):
        published = ingest_decision(state="published")
        withheld = ingest_decision(state="withheld")
        transaction.commit()
        anonymous = Client(site.absolute_url())
        response = anonymous.get(published.absolute_url())
        assert response.status_code == 200
        assert response.json()["pages"][0]["image"].endswith("/@@page/1/image")
        assert anonymous.get(withheld.absolute_url()).status_code in DENIED
