"""The demo archive of `make start`: a batch the tool accepts, kept between runs,
and the review step that leaves each decision where the demo says, once.

No OCR here (the whole run is what `make start` does); the review step runs
over real HTTP against decisions stored with the batch's own source hashes.
"""

from .helpers import Client
from .helpers import create_archivist
from .helpers import make_payload
from municipality.archive import demo
from municipality.archive import extract
from municipality.archive import ocr
from municipality.archive import store
from municipality.archive.ingest import cli
from municipality.archive.ingest import manifest
from municipality.archive.setuphandlers import get_archive
from municipality.requests.testing import create_staff
from plone import api
from zope.component.hooks import setSite

import pytest
import subprocess
import transaction


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo-archive")
    return folder, demo.build_batch(folder)


def test_five_decisions_eight_pages_every_format(batch):
    folder, built = batch
    assert [b.spec.year for b in built] == [1958, 1984, 1987, 1996, 2004]
    pages = [
        sum(ocr.count_pages(folder / "scans" / name) for name in b.files) for b in built
    ]
    assert pages == [b.spec.pages for b in built]
    assert sum(pages) == 8
    suffixes = {name.rsplit(".", 1)[1] for b in built for name in b.files}
    assert suffixes == {"tif", "png", "pdf", "jpg"}
    assert {b.spec.state for b in built} == {"published", "ingested", "withheld"}
    assert len({b.source_hash for b in built}) == 5


def test_the_tool_plans_the_batch_without_errors(batch):
    folder, built = batch
    plan = manifest.plan(folder / "manifest.csv", [folder / "scans"])
    assert plan.errors == []
    assert plan.skipped == []
    assert [d.files for d in plan.decisions] == [b.files for b in built]
    by_year = {d.year: d for d in plan.decisions}
    assert by_year[1958].number == "14"
    assert by_year[1958].volume == "Πρακτικά 1958"
    assert by_year[1984].files == ["1984/apofasi-052-1.png", "1984/apofasi-052-2.png"]
    # The 1987 row lacks its number: the tool reads it from the page.
    assert by_year[1987].number is None
    assert by_year[1987].subject == "Ψήφιση του προϋπολογισμού του Δήμου"


def test_the_missing_number_is_on_the_page(batch):
    _folder, built = batch
    spec = next(b.spec for b in built if not b.spec.number_in_manifest)
    text = demo.decision_of(spec)["pages"][0]
    assert extract.find_number(text) == ("123", 1987)


def test_a_dry_run_of_the_real_command_accepts_it(batch, capsys):
    folder, _built = batch
    code = cli.main(
        [
            "--dry-run",
            "--no-progress",
            "--manifest",
            str(folder / "manifest.csv"),
            "--state",
            str(folder / "dry-state"),
            str(folder / "scans"),
        ]
    )
    output = capsys.readouterr().out
    assert code == 0, output
    assert "Dry run: 5 decisions, 8 pages" in output
    # Before 1982 the site's polytonic models, after it the monotonic ones.
    assert output.count("ell+grc") == 1
    assert output.count(", ell,") == 4


def test_the_batch_is_kept_and_made_again_when_damaged(batch):
    folder, built = batch
    scans = folder / "scans"
    first = {name: (scans / name).stat().st_mtime_ns for b in built for name in b.files}
    again = demo.build_batch(folder)
    assert [b.source_hash for b in again] == [b.source_hash for b in built]
    assert {n: (scans / n).stat().st_mtime_ns for n in first} == first
    # A damaged scan is made again, the same bytes as before; the others stay.
    damaged = scans / built[1].files[0]
    damaged.write_bytes(b"not a scan")
    repaired = demo.build_batch(folder)
    assert [b.source_hash for b in repaired] == [b.source_hash for b in built]
    assert damaged.stat().st_mtime_ns != first[built[1].files[0]]
    untouched = built[0].files[0]
    assert (scans / untouched).stat().st_mtime_ns == first[untouched]


def test_config_follows_make_starts_overrides(tmp_path, monkeypatch):
    config = tmp_path / "instance.yaml"
    config.write_text(
        "instance_dir: instance\nzope_host: 127.0.0.1\nzope_port: 8080\n"
        "site_id: Plone\ndemo_content: true\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("MUNICIPALITY_ZOPE_PORT", "8123")
    monkeypatch.setenv("MUNICIPALITY_DEMO_CONTENT", "false")
    loaded = demo.load_config(config)
    assert loaded["zope_port"] == 8123
    assert loaded["demo_content"] is False
    assert loaded["instance_dir"] == tmp_path / "instance"
    assert demo.main(["--config", str(config)]) == 0  # skipped, nothing asked


def test_a_site_that_does_not_answer_is_an_error(tmp_path, monkeypatch, capsys):
    config = tmp_path / "instance.yaml"
    config.write_text(
        "instance_dir: instance\nzope_host: 127.0.0.1\nzope_port: 9\n"
        "site_id: Plone\ndemo_content: true\n",
        encoding="utf-8",
    )
    assert demo.main(["--config", str(config)]) == 1
    assert "does not answer" in capsys.readouterr().err


# -- the review step over HTTP ---------------------------------------------


@pytest.fixture
def site(functional, batch):
    portal = functional["portal"]
    setSite(portal)
    create_archivist()
    create_staff("employee1", "employees")
    archive = get_archive(portal)
    _folder, built = batch
    with api.env.adopt_roles(["Manager"]):
        for item in built:
            store.ingest(
                archive,
                make_payload(
                    ["Αριθμός Απόφασης 1/1990"] * item.spec.pages,
                    number=str(item.spec.number),
                    year=item.spec.year,
                    meeting_date=item.meeting_date.isoformat(),
                    source_hash=item.source_hash,
                    source_files=item.files,
                ),
            )
    transaction.commit()
    return portal


def _states(built):
    transaction.begin()
    catalog = api.portal.get_tool("portal_catalog")
    states = {}
    for item in built:
        (brain,) = catalog.unrestrictedSearchResults(
            archive_source_hash=item.source_hash
        )
        states[item.spec.key] = brain.review_state
    return states


def _history(portal, built):
    transaction.begin()
    return {
        b.spec.key: len(
            store.find_by_hash(get_archive(portal), b.source_hash).workflow_history[
                "archive_decision_workflow"
            ]
        )
        for b in built
    }


def test_review_step_leaves_each_decision_in_its_state_once(site, batch, tmp_path):
    _folder, built = batch
    url = site.absolute_url()
    archivist = Client(url, "archivist1")
    assert demo.check_site(url, archivist) == f"{url}/archive"
    counts = demo.apply_workflow(url, archivist, built, tmp_path)
    assert counts == {"published": 3, "ingested": 1, "withheld": 1}
    assert _states(built) == {b.spec.key: b.spec.state for b in built}
    # The withheld one says why, in the workflow's history.
    withheld = next(b for b in built if b.spec.state == "withheld")
    obj = store.find_by_hash(get_archive(site), withheld.source_hash)
    last = obj.workflow_history["archive_decision_workflow"][-1]
    assert last["comments"] == demo.WITHHOLD_REASON
    # Published ones are public.
    public = Client(url).get(
        f"{url}/@search", params={"portal_type": "HistoricalDecision"}
    )
    assert public.json()["items_total"] == 3

    # Again (a second `make start`): nothing moves.
    before = _history(site, built)
    assert demo.apply_workflow(url, archivist, built, tmp_path) == counts
    assert _history(site, built) == before

    # An archivist retracts a published decision: the demo leaves it so.
    published = next(b for b in built if b.spec.state == "published")
    answer = archivist.post(
        f"{store.find_by_hash(get_archive(site), published.source_hash).absolute_url()}"
        "/@workflow/retract"
    )
    assert answer.status_code == 200, answer.text
    demo.apply_workflow(url, archivist, built, tmp_path)
    assert _states(built)[published.spec.key] == "reviewed"


def test_a_user_who_may_not_ingest_is_told_to_skip(site):
    url = site.absolute_url()
    with pytest.raises(demo.Skip):
        demo.check_site(url, Client(url, "employee1"))
    with pytest.raises(demo.Skip):
        demo.check_site(f"{url}/no-such-site", Client(url, "archivist1"))


def test_the_demo_archivist_is_a_demo_user():
    from municipality.demo import DEMO_PASSWORD
    from municipality.demo import DEMO_USERS

    assert demo.DEMO_PASSWORD == DEMO_PASSWORD
    assert DEMO_USERS[demo.DEMO_USER][1] == ("archivists",)


def test_the_ingest_command_is_installed():
    completed = subprocess.run(
        [*demo.ingest_command(), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert "municipality-archive-ingest" in completed.stdout
