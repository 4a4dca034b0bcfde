"""The request pages over real HTTP: the publisher, plone.protect, uploads."""

from io import BytesIO
from plone import api

import pytest
import re
import requests
import transaction


REFERENCE = re.compile(r"ΑΙΤ-\d{4}/\d{6}")
PASSWORD = "a-long-test-password-1"
TIMEOUT = 30

# A Windows executable's first bytes, named and declared as a photo.
NOT_A_JPEG = b"MZ\x90\x00\x03\x00\x00\x00 not a jpeg"


@pytest.fixture
def site(functional):
    portal = functional["portal"]
    with api.env.adopt_roles(["Manager"]):
        for username, fullname in (
            ("maria", "Μαρία Παπαδοπούλου"),
            ("nikos", "Νίκος Γεωργίου"),
        ):
            api.user.create(
                email=f"{username}@example.org",
                username=username,
                password=PASSWORD,
                properties={"fullname": fullname},
            )
    api.portal.set_registry_record("municipality.requests.anonymous_per_hour", 1000)
    transaction.commit()
    return portal


def _session(user=None):
    session = requests.Session()
    if user:
        session.auth = (user, PASSWORD)
    return session


def _token(session, url):
    response = session.get(url, timeout=TIMEOUT)
    assert response.status_code == 200, response.text[:500]
    match = re.search(r'name="_authenticator"[^>]*value="([^"]+)"', response.text)
    assert match, "no CSRF token in the form"
    return match.group(1)


def _count(site):
    transaction.begin()  # see what the server committed
    return len(site["requests"].objectIds())


def _png():
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (16, 16), (0, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_anonymous_post_without_token_is_refused(site):
    url = f"{site.absolute_url()}/requests/@@anonymous-request"
    before = _count(site)
    response = _session().post(
        url,
        data={"form.submitted": "1", "title": "Θέμα", "text": "Κείμενο"},
        timeout=TIMEOUT,
    )
    assert response.status_code == 403
    assert _count(site) == before


def test_anonymous_submission_and_tracking_over_http(site):
    url = f"{site.absolute_url()}/requests/@@anonymous-request"
    session = _session()
    token = _token(session, url)
    response = session.post(
        url,
        data={
            "_authenticator": token,
            "form.submitted": "1",
            "title": "Σπασμένο παγκάκι",
            "text": "Στο πάρκο της Αγίας Σοφίας.",
            "email": "",
        },
        timeout=TIMEOUT,
    )
    assert response.status_code == 200
    assert "no-store" in response.headers["Cache-Control"]
    reference = REFERENCE.search(response.text).group(0)
    tracking_url = re.search(r'href="([^"]+/@@track/[^"]+)"', response.text).group(1)

    page = _session().get(tracking_url, timeout=TIMEOUT)
    assert page.status_code == 200
    assert reference in page.text
    assert page.headers.get("X-Robots-Tag", "").startswith("noindex")

    missing = _session().get(tracking_url[:-4] + "abcd", timeout=TIMEOUT)
    assert missing.status_code == 404
    assert reference not in missing.text


def test_named_with_attachment_and_privacy(site):
    folder_url = f"{site.absolute_url()}/requests"
    maria = _session("maria")
    token = _token(maria, f"{folder_url}/@@new-request")
    form = {
        "_authenticator": token,
        "form.submitted": "1",
        "kind": "request",
        "category": "green",
        "title": "Κλάδεμα δέντρων",
        "text": "Τα δέντρα στην οδό Πλάτωνος έφτασαν στα καλώδια.",
    }

    # A "photo" that is not one: a Greek message, nothing stored.
    before = _count(site)
    response = maria.post(
        f"{folder_url}/@@new-request",
        data=form,
        files=[("attachments:list", ("photo.jpg", NOT_A_JPEG, "image/jpeg"))],
        timeout=TIMEOUT,
    )
    assert response.status_code == 400
    assert 'id="new-request-attachments-error"' in response.text
    assert "Κλάδεμα δέντρων" in response.text
    assert _count(site) == before

    # A real picture: stored, listed, downloadable.
    response = maria.post(
        f"{folder_url}/@@new-request",
        data=form,
        files=[("attachments:list", ("dentra.png", _png(), "image/png"))],
        timeout=TIMEOUT,
    )
    assert response.status_code == 200
    assert response.url.endswith("/@@request-submitted")
    reference = REFERENCE.search(response.text).group(0)
    detail_url = response.url.rsplit("/@@", 1)[0]
    detail = maria.get(detail_url, timeout=TIMEOUT)
    assert detail.status_code == 200
    assert reference in detail.text
    download = re.search(r'href="([^"]+/@@download/file/[^"]+)"', detail.text)
    assert download, "no download link"
    file = maria.get(download.group(1), timeout=TIMEOUT)
    assert file.status_code == 200
    assert file.content.startswith(b"\x89PNG")

    # Another citizen and an anonymous visitor cannot read it.
    for session in (_session("nikos"), _session()):
        other = session.get(detail_url, timeout=TIMEOUT, allow_redirects=False)
        assert other.status_code in (302, 401, 403, 404)
        assert reference not in other.text
        assert "Πλάτωνος" not in other.text


def test_refresh_needs_the_token_over_http(site):
    folder_url = f"{site.absolute_url()}/requests"
    maria = _session("maria")
    token = _token(maria, f"{folder_url}/@@new-request")
    response = maria.post(
        f"{folder_url}/@@new-request",
        data={
            "_authenticator": token,
            "form.submitted": "1",
            "kind": "proposal",
            "title": "Ποδηλατόδρομος",
            "text": "Πρόταση για ποδηλατόδρομο στην παραλία.",
        },
        timeout=TIMEOUT,
    )
    detail_url = response.url.rsplit("/@@", 1)[0]
    refused = maria.post(
        f"{detail_url}/@@view", data={"form.action": "refresh"}, timeout=TIMEOUT
    )
    assert refused.status_code == 403
    token = _token(maria, detail_url)
    done = maria.post(
        f"{detail_url}/@@view",
        data={"form.action": "refresh", "_authenticator": token},
        timeout=TIMEOUT,
    )
    assert done.status_code == 200
    assert done.url == detail_url
    assert "Αριθμός πρωτοκόλλου σε αναμονή" in done.text


def _submit_anonymous(portal, title, text):
    """Submit through the anonymous form; return the private tracking URL."""
    from municipality.requests.browser import views

    views.tracking_refreshes.reset()
    api.portal.set_registry_record("municipality.requests.anonymous_per_hour", 1000)
    transaction.commit()
    url = f"{portal.absolute_url()}/requests/@@anonymous-request"
    session = _session()
    response = session.post(
        url,
        data={
            "_authenticator": _token(session, url),
            "form.submitted": "1",
            "title": title,
            "text": text,
        },
        timeout=TIMEOUT,
    )
    assert response.status_code == 200, response.text[:500]
    return re.search(r'href="([^"]+/@@track/[^"]+)"', response.text).group(1)


def test_refresh_on_the_tracking_page_over_http(wired, simulators):
    """«Ενημέρωση» for an anonymous citizen: CSRF-checked, a lookup by key,
    the number shown once the protocol has it, and a cap on lookups."""
    from municipality.core.protocol import protocol_key

    tracking_url = _submit_anonymous(
        wired, "Λακκούβα στον δρόμο", "Στην οδό Ερμού 10 υπάρχει μεγάλη λακκούβα."
    )
    visitor = _session()
    token = _token(visitor, tracking_url)

    refused = visitor.post(tracking_url, data={"form.action": "refresh"})
    assert refused.status_code == 403
    assert "Η φόρμα έληξε" in refused.text or "δεν προήλθε" in refused.text

    # Not registered anywhere yet: still pending.
    pending = visitor.post(
        tracking_url,
        data={"form.action": "refresh", "_authenticator": token},
        timeout=TIMEOUT,
    )
    assert pending.status_code == 200
    assert pending.url == tracking_url
    assert "Αριθμός πρωτοκόλλου σε αναμονή" in pending.text
    assert "δεν έχει αποδοθεί ακόμη" in pending.text

    # The protocol registered it (the worker's answer was lost): found by key.
    transaction.begin()
    (obj,) = [o for o in wired["requests"].objectValues() if o.title.startswith("Λακ")]
    answer = simulators.post(
        "/protocol/documents",
        json={
            "idempotency_key": protocol_key(obj),
            "subject": obj.title,
            "sender": {"name": "Ανώνυμος"},
        },
    )
    assert answer.status_code == 201
    number = str(answer.json()["number"])
    found = visitor.post(
        tracking_url,
        data={"form.action": "refresh", "_authenticator": token},
        timeout=TIMEOUT,
    )
    assert found.status_code == 200
    assert f"Αρ. {number}" in found.text or number in found.text
    assert "Αριθμός πρωτοκόλλου σε αναμονή" not in found.text
    transaction.begin()
    assert obj.protocol_number == number
    lookups = simulators.get("/protocol/documents").json()["items"]
    assert [entry["idempotency_key"] for entry in lookups] == [protocol_key(obj)]


def test_tracking_refreshes_are_capped(wired, simulators):
    from municipality.requests.browser import views

    simulators.set_mode("protocol", mode="down")
    tracking_url = _submit_anonymous(
        wired, "Σκουπίδια στην πλατεία", "Οι κάδοι δεν έχουν αδειάσει εδώ και μέρες."
    )
    session = _session()
    token = _token(session, tracking_url)
    texts = [
        session.post(
            tracking_url,
            data={"form.action": "refresh", "_authenticator": token},
            timeout=TIMEOUT,
        ).text
        for _ in range(views.TRACKING_REFRESHES_PER_HOUR + 1)
    ]
    assert all("δεν έχει αποδοθεί ακόμη" in text for text in texts[:-1])
    assert "πολλές φορές" in texts[-1]
