"""`make start` on RelStorage: two Zope processes, one PostgreSQL database.

The set-up of a site with several Zope instances (``storage: relstorage``,
``zope_instances: 2``), run for real: a PostgreSQL server of the test's own
(Debian's binaries, a free port), the site created and the demo archive
ingested by `make start` as on FileStorage, then both processes serving it.
What one process writes, the other reads — the pages, the catalog, the
archive's cached searches — and what must be unique across processes stays
so: reference numbers of requests submitted through both at once, and each
protocol registration delivered once although both processes run an outbox
worker.
"""

from concurrent.futures import ThreadPoolExecutor
from municipality.core.refnumbers import parse_number
from municipality.pgcluster import PostgresCluster
from municipality.testing import free_ports
from pathlib import Path

import os
import pytest
import requests
import shutil
import subprocess
import tempfile
import time


pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
JSON = {"Accept": "application/json"}
ADMIN = ("admin", "admin")
CITIZENS = (("citizen", "demo1234"), ("verified", "demo1234"))


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    # Not under pytest's own folder: as root, PostgreSQL runs as the postgres
    # user, who cannot enter it.
    folder = tempfile.mkdtemp(prefix="municipality-pg-")
    cluster = PostgresCluster(folder).start()
    dsn = cluster.create_database("municipality")
    zope_port, _, simulators_port, smtp_port = free_ports(4)
    env = {
        **os.environ,
        "MUNICIPALITY_INSTANCE_DIR": str(tmp_path_factory.mktemp("instance")),
        "MUNICIPALITY_STORAGE": "relstorage",
        "MUNICIPALITY_RELSTORAGE_DSN": dsn,
        "MUNICIPALITY_ZOPE_INSTANCES": "2",
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
        "sites": [
            f"http://127.0.0.1:{zope_port}/Plone",
            f"http://127.0.0.1:{zope_port + 1}/Plone",
        ],
        "simulators": f"http://127.0.0.1:{simulators_port}",
        "instance": Path(env["MUNICIPALITY_INSTANCE_DIR"]),
        "cluster": cluster,
    }
    try:
        platform["first_output"] = make("start")
        yield platform
    finally:
        subprocess.run(["make", "-s", "stop"], cwd=ROOT, env=env, timeout=120)
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


def test_two_processes_on_the_database(platform):
    one, two = platform["sites"]
    output = platform["first_output"]
    assert f"Site:        {one}" in output
    assert f"Also served by: {two} (same database)" in output
    etc = platform["instance"] / "etc"
    assert "%import relstorage" in (etc / "zope.conf").read_text()
    assert "blobcache-2" in (etc / "zope-2.conf").read_text()
    # No Data.fs: the data are in PostgreSQL.
    assert not (platform["instance"] / "var/filestorage").exists()
    for name in ("zope", "zope-2"):
        pid = int((platform["instance"] / f"var/{name}.pid").read_text())
        os.kill(pid, 0)
    status = subprocess.run(
        [str(ROOT / ".venv/bin/python"), "scripts/control.py", "status"],
        cwd=ROOT,
        env={
            **os.environ,
            "MUNICIPALITY_INSTANCE_DIR": str(platform["instance"]),
        },
        capture_output=True,
        text=True,
    )
    assert "zope-2: running" in status.stdout, status.stdout


def test_what_one_writes_the_other_reads(platform):
    one, two = platform["sites"]
    created = requests.post(
        one,
        json={"@type": "Document", "id": "from-one", "title": "Γραμμένο από το πρώτο"},
        headers=JSON,
        auth=ADMIN,
        timeout=30,
    )
    assert created.status_code == 201, created.text
    read = requests.get(f"{two}/from-one", headers=JSON, auth=ADMIN, timeout=30)
    assert read.json()["title"] == "Γραμμένο από το πρώτο"
    found = requests.get(
        f"{two}/@search",
        params={"SearchableText": "ΓΡΑΜΜΕΝΟ"},
        headers=JSON,
        auth=ADMIN,
        timeout=30,
    ).json()
    assert [item["@id"] for item in found["items"]] == [f"{two}/from-one"]
    deleted = requests.delete(f"{two}/from-one", headers=JSON, auth=ADMIN, timeout=30)
    assert deleted.status_code == 204
    gone = requests.get(f"{one}/from-one", headers=JSON, auth=ADMIN, timeout=30)
    assert gone.status_code == 404


def _public_hits(site):
    answer = requests.get(
        f"{site}/archive/@archive-search",
        params={"q": "αποφαση"},
        headers=JSON,
        timeout=30,
    )
    assert answer.status_code == 200, answer.text
    return sorted(item["@id"].rsplit("/", 1)[1] for item in answer.json()["items"])


def _public_page(site):
    page = requests.get(
        f"{site}/archive/@@archive-search", params={"q": "ΑΠΟΦΑΣΗ"}, timeout=30
    )
    assert page.status_code == 200
    return page.text


def test_archive_ingested_and_searched_through_either(platform):
    """The demo archive came in over REST with the real tool (`make start`);
    a decision published through one process is found through the other,
    whose cached searches and pages are of the catalog as it was."""
    one, two = platform["sites"]
    assert "Demo archive: 5 decisions" in platform["first_output"]
    before = _public_hits(two)
    assert len(before) == 3
    assert "apofasi-123-1987" not in _public_page(two)

    decision = f"{one}/archive/apofasi-123-1987"
    for transition in ("review", "publish"):
        done = requests.post(
            f"{decision}/@workflow/{transition}", headers=JSON, auth=ADMIN, timeout=30
        )
        assert done.status_code == 200, done.text

    assert _public_hits(two) == sorted([*before, "apofasi-123-1987"])
    assert "apofasi-123-1987" in _public_page(two)
    folded = requests.get(
        f"{two}/@search",
        params={"portal_type": "HistoricalDecision", "SearchableText": "ἀπόφασις"},
        headers=JSON,
        timeout=30,
    ).json()
    assert folded["items_total"] == 4


def test_numbers_unique_and_each_registration_once(platform):
    """40 requests submitted at once, half through each process: distinct,
    consecutive reference numbers; each registered in the protocol once,
    although both processes' outbox workers deliver."""
    sites = platform["sites"]

    def submit(i):
        answer = requests.post(
            f"{sites[i % 2]}/requests",
            json={
                "@type": "CitizenRequest",
                "kind": "complaint",
                "category": "lighting",
                "title": f"Σβηστός φανοστάτης {i}",
                "text": f"Ο φανοστάτης στην οδό Ερμού {i} δεν ανάβει.",
                "desired_action": "Επισκευή.",
            },
            headers=JSON,
            auth=CITIZENS[i // 2 % 2],
            timeout=120,
        )
        assert answer.status_code == 201, answer.text
        return answer.json()

    with ThreadPoolExecutor(8) as pool:
        cases = list(pool.map(submit, range(40)))
    numbers = sorted(parse_number(case["reference_number"])[2] for case in cases)
    assert numbers == list(range(numbers[0], numbers[0] + 40))

    keys = {f"protocol:{case['UID']}" for case in cases}
    deadline = time.monotonic() + 120
    while True:
        registered = requests.get(
            f"{platform['simulators']}/protocol/documents", timeout=30
        ).json()["items"]
        ours = [entry for entry in registered if entry["idempotency_key"] in keys]
        if len(ours) == len(keys) or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert sorted(entry["idempotency_key"] for entry in ours) == sorted(keys)
    assert all(entry["requests"] == 1 for entry in ours), ours
