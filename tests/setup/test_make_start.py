"""`make start` on a fresh instance, then again: the README's promise, end to end.

Runs the real thing in a temporary instance directory on free ports, so it
never touches a developer's own instance/.
"""

from municipality.testing import free_ports
from pathlib import Path

import os
import pytest
import requests
import subprocess


pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    zope_port, simulators_port, smtp_port = free_ports(3)
    env = {
        **os.environ,
        "MUNICIPALITY_INSTANCE_DIR": str(tmp_path_factory.mktemp("instance")),
        "MUNICIPALITY_ZOPE_PORT": str(zope_port),
        "MUNICIPALITY_SIMULATORS_PORT": str(simulators_port),
        "MUNICIPALITY_SMTP_PORT": str(smtp_port),
    }

    def make(target):
        result = subprocess.run(
            ["make", "-s", target],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    platform = {
        "make": make,
        "site": f"http://127.0.0.1:{zope_port}/Plone",
        "simulators": f"http://127.0.0.1:{simulators_port}",
        "instance": Path(env["MUNICIPALITY_INSTANCE_DIR"]),
    }
    platform["first_output"] = make("start")
    yield platform
    make("stop")


def test_site_answers_in_greek(platform):
    response = requests.get(platform["site"], timeout=30)
    assert response.status_code == 200
    assert 'lang="el"' in response.text


def test_site_as_json(platform):
    response = requests.get(
        platform["site"], headers={"Accept": "application/json"}, timeout=30
    )
    assert response.status_code == 200
    assert response.json()["@type"] == "Plone Site"


def test_prints_urls_and_demo_logins(platform):
    output = platform["first_output"]
    assert platform["site"] in output
    assert "admin / admin" in output
    assert "citizen" in output


def test_simulators_and_mail_catcher_run(platform):
    health = requests.get(f"{platform['simulators']}/health", timeout=10).json()
    assert health["status"] == "ok"
    assert set(health["systems"]) >= {"protocol", "finance", "bank", "taxisnet"}


def test_demo_content_and_users(platform):
    news = requests.get(
        f"{platform['site']}/news", headers={"Accept": "application/json"}, timeout=30
    ).json()
    assert news["items_total"] == 3
    login = requests.post(
        f"{platform['site']}/@login",
        json={"login": "citizen", "password": "demo1234"},
        headers={"Accept": "application/json"},
        timeout=30,
    )
    assert login.status_code == 200, login.text


def test_demo_archive_ingested_by_the_real_tool(platform):
    # make start OCRs the demo batch with municipality-archive-ingest: five
    # decisions, three published for everyone, one left for the archivist
    # and one withheld.
    found = requests.get(
        f"{platform['site']}/@search",
        params={"portal_type": "HistoricalDecision", "SearchableText": "αποφαση"},
        headers={"Accept": "application/json"},
        timeout=30,
    ).json()
    assert found["items_total"] == 3, found
    staff = requests.get(
        f"{platform['site']}/@search",
        params={"portal_type": "HistoricalDecision"},
        headers={"Accept": "application/json"},
        auth=("archivist", "demo1234"),
        timeout=30,
    ).json()
    assert staff["items_total"] == 5, staff


def test_demo_identity_and_signing(platform):
    """Citizens can register; the login form offers TaxisNet; staff can sign."""
    site = platform["site"]
    assert requests.get(f"{site}/@@register", timeout=30).status_code == 200
    assert "@@taxisnet-login" in requests.get(f"{site}/login", timeout=30).text
    admin = requests.Session()
    admin.auth = ("admin", "admin")
    admin.headers["Accept"] = "application/json"
    signing = admin.get(f"{site}/@controlpanels/municipality-signing", timeout=30)
    data = signing.json()["data"]
    # The demo CA and the simulated TSA's CA are trusted; timestamps on.
    assert data["trusted_certificates"].count("BEGIN CERTIFICATE") == 2
    assert data["tsa_url"].endswith("/tsa")
    verified = admin.get(f"{site}/@verification/verified", timeout=30)
    assert verified.status_code == 200, verified.text
    assert verified.json()["verified"] is True
    assert verified.json()["verified_by"] == "protocol"


def test_data_survives_a_second_make_start(platform):
    created = requests.post(
        platform["site"],
        json={"@type": "Document", "id": "kept-page", "title": "Σελίδα που μένει"},
        headers={"Accept": "application/json"},
        auth=("admin", "admin"),
        timeout=30,
    )
    assert created.status_code == 201, created.text
    platform["make"]("stop")
    with pytest.raises(requests.ConnectionError):
        requests.get(platform["site"], timeout=5)
    second = platform["make"]("start")
    assert "exists: kept" in second
    page = requests.get(
        f"{platform['site']}/kept-page",
        headers={"Accept": "application/json"},
        auth=("admin", "admin"),
        timeout=30,
    )
    assert page.status_code == 200
    assert page.json()["title"] == "Σελίδα που μένει"
