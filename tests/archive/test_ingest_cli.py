"""``municipality-archive-ingest`` end to end: real scans, real Tesseract, a real
site over HTTP.

The scans are generated pages of Greek text (``testpages``), cropped to their
text so Tesseract has little to read: a 2-page TIFF, a PNG and a 2-page PDF.
The tool runs against the functional test site's WSGI server as an
archivist: every decision arrives with its pages, texts, PDF and flags; run
again, it reads and sends nothing. The resume test starts the installed
command, kills it (SIGKILL) once a page is stored, and runs it again.
"""

from .helpers import create_archivist
from .helpers import PASSWORD
from municipality.archive import api
from municipality.archive import extract
from municipality.archive import testpages
from municipality.archive.ingest import cli
from municipality.archive.ingest.journal import Journal
from municipality.archive.setuphandlers import get_archive
from pathlib import Path
from plone import api as ploneapi
from zope.component.hooks import setSite

import csv
import io
import json
import os
import pikepdf
import pytest
import signal
import subprocess
import sys
import time
import transaction


DPI = 300
SECOND_PAGE = (
    "Ο Δήμαρχος εισηγήθηκε το θέμα και ανέπτυξε τους λόγους για τους οποίους "
    "είναι αναγκαία η δαπάνη.\n"
    "Το Δημοτικό Συμβούλιο, μετά από διαλογική συζήτηση, αποφασίζει ομόφωνα "
    "την έγκριση της δαπάνης."
)


# The review reasons about the metadata read from the text (not the pages').
REASONS = {"number_from_text", "date_from_text", "year_from_text", "no_number"}


def page(text, dpi=DPI):
    """A page of ``text``, cut just below its last line (less for Tesseract)."""
    image = testpages.render_page(text, dpi=dpi)
    box = image.point(lambda value: 255 - value).getbbox()
    image = image.crop((0, 0, image.width, min(image.height, box[3] + dpi // 6)))
    image.info["dpi"] = (dpi, dpi)
    return image


def header(seed):
    """A decision's first page: «Αριθμός Απόφασης N/YYYY», its date, one line."""
    return testpages.sample(seed, lines=1)


def save_tiff(path, images):
    path.parent.mkdir(parents=True, exist_ok=True)
    images[0].save(
        path,
        "TIFF",
        save_all=True,
        append_images=images[1:],
        compression="tiff_lzw",
        dpi=(DPI, DPI),
    )


def save_pdf(path, images):
    """A scanner's PDF: one lossless page image a page, at its size."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen.canvas import Canvas

    path.parent.mkdir(parents=True, exist_ok=True)
    canvas = Canvas(str(path))
    for image in images:
        size = (image.width * 72 / DPI, image.height * 72 / DPI)
        canvas.setPageSize(size)
        canvas.drawImage(ImageReader(image), 0, 0, *size)
        canvas.showPage()
    canvas.save()


def write_manifest(path, rows):
    with open(path, "w", encoding="utf-8-sig", newline="") as stream:
        writer = csv.writer(stream, delimiter=";")
        writer.writerow(
            [
                "αρχείο",
                "απόφαση",
                "αριθμός",
                "έτος",
                "ημερομηνία",
                "θέμα",
                "τόμος",
                "κουτί",
            ]
        )
        writer.writerows(rows)
    return path


@pytest.fixture
def site(functional, monkeypatch):
    """The functional site with an archivist; its URL."""
    portal = functional["portal"]
    setSite(portal)
    create_archivist(user_id="archivist1")
    transaction.commit()
    monkeypatch.setenv(cli.PASSWORD_VARIABLE, PASSWORD)
    return portal


def decisions(portal):
    """Every decision in the archive, as the site holds it now."""
    transaction.abort()  # see what the HTTP requests committed
    catalog = ploneapi.portal.get_tool("portal_catalog")
    brains = catalog.unrestrictedSearchResults(portal_type="HistoricalDecision")
    return [brain._unrestrictedGetObject() for brain in brains]


def run(portal, *arguments):
    """Run the command in this process; (exit code, summary)."""
    summary = Path(arguments[arguments.index("--state") + 1]) / "summary-test.json"
    code = cli.main(
        [
            "--site",
            portal.absolute_url(),
            "--user",
            "archivist1",
            "--no-progress",
            "--summary-json",
            str(summary),
            *arguments,
        ]
    )
    result = json.loads(summary.read_text()) if summary.exists() else None
    return code, result


def test_a_batch_arrives_whole_and_a_second_run_does_nothing(site, tmp_path):
    scans = tmp_path / "scans"
    first, second, third = header(2), header(6), header(21)
    save_tiff(scans / "τόμος 1" / "d1.tif", [page(first.text), page(SECOND_PAGE)])
    page(second.text).save(scans / "τόμος 1" / "d2.png", dpi=(DPI, DPI))
    save_pdf(scans / "vol2" / "d3.pdf", [page(third.text), page(SECOND_PAGE)])
    manifest = write_manifest(
        tmp_path / "batch.csv",
        [
            [
                "τόμος 1/d1.tif",
                "",
                first.number,
                first.year,
                first.date.strftime("%d/%m/%Y"),
                "Ύδρευση",
                "Τόμος 1",
                "Κουτί 3",
            ],
            # The second decision's number, year and date are in its text only.
            ["τόμος 1/d2.png", "", "", "", "", "Ονομασία οδών", "Τόμος 1", ""],
            ["vol2/d3.pdf", "", f"{third.number}/{third.year}", "", "", "", "", ""],
        ],
    )
    ploneapi.portal.set_registry_record("municipality.archive.low_confidence", 99)
    transaction.commit()
    state = tmp_path / "state"
    report = tmp_path / "low.csv"
    started = time.monotonic()
    code, summary = run(
        site,
        "--manifest",
        str(manifest),
        "--state",
        str(state),
        "--report",
        str(report),
        "--workers",
        "2",
        str(scans),
    )
    seconds = time.monotonic() - started
    assert code == 0, summary
    assert summary["uploaded"] == 3
    assert summary["pages_ocred"] == 5
    assert summary["failed"] == []
    assert summary["low_confidence"] == 5
    assert summary["flagged"] == 3
    assert seconds < 60

    stored = {d.source_files[0]: d for d in decisions(site)}
    assert set(stored) == {"τόμος 1/d1.tif", "τόμος 1/d2.png", "vol2/d3.pdf"}
    d1, d2, d3 = (
        stored[n] for n in ("τόμος 1/d1.tif", "τόμος 1/d2.png", "vol2/d3.pdf")
    )
    assert d1.source_hash == api.source_hash([api.file_hash(scans / "τόμος 1/d1.tif")])
    archive_path = get_archive(site).getPhysicalPath()
    assert {d.getPhysicalPath()[:-1] for d in (d1, d2, d3)} == {archive_path}

    # The manifest's metadata, as given.
    assert (d1.number, d1.year, d1.meeting_date) == (
        first.number,
        first.year,
        first.date,
    )
    assert (d1.subject, d1.source_volume, d1.source_box) == (
        "Ύδρευση",
        "Τόμος 1",
        "Κουτί 3",
    )
    assert (d3.number, d3.year) == (third.number, third.year)
    # Read from the text where the manifest says nothing, and flagged.
    assert d2.number == second.number
    assert d2.year == second.year
    assert d2.meeting_date == second.date
    assert d2.needs_review
    # The number's digits read a second time may add a reason of their own.
    assert [
        code for code in d2.review_reasons if code.partition(":")[0] in REASONS
    ] == ["number_from_text", "date_from_text", "year_from_text"]
    assert d3.review_reasons[0] == "date_from_text"
    assert "number_from_text" not in d1.review_reasons
    # Every page below the site's threshold (99) is flagged and reported.
    assert d1.review_reasons == ["low_confidence:1", "low_confidence:2"]
    assert d1.languages == "ell"

    # The pages: in order, with their text, images and where they came from.
    assert [len(d.pages) for d in (d1, d2, d3)] == [2, 1, 2]
    assert [(p.number, p.source_file, p.source_page) for p in d3.pages] == [
        (1, "vol2/d3.pdf", 1),
        (2, "vol2/d3.pdf", 2),
    ]
    for decision, texts in (
        (d1, [first.text, SECOND_PAGE]),
        (d2, [second.text]),
        (d3, [third.text, SECOND_PAGE]),
    ):
        for stored_page, text in zip(decision.pages, texts, strict=True):
            assert testpages.cer(text, stored_page.text) < 0.03
            assert 0 < stored_page.confidence < 99
            assert stored_page.image.contentType == "image/jpeg"
            assert stored_page.image.getImageSize()[0] == 1240
            assert stored_page.thumbnail.getImageSize()[0] == 200
        assert "Δημοτικό Συμβούλιο" in decision.text
        # One searchable PDF/A with every page, its text layer included.
        with pikepdf.open(io.BytesIO(decision.pdf.data)) as pdf:
            assert len(pdf.pages) == len(texts)
            with pdf.open_metadata() as xmp:
                assert xmp["pdfaid:part"] == "2"
    assert extract.find_number(d2.pages[0].text)[0] == second.number

    # The report: every page, with the decision's URL.
    with open(report, encoding="utf-8-sig") as stream:
        rows = list(csv.DictReader(stream))
    assert len(rows) == 5
    assert {row["decision"] for row in rows} == {d.absolute_url() for d in (d1, d2, d3)}
    assert {(row["file"], row["page"]) for row in rows if "d3" in row["file"]} == {
        ("vol2/d3.pdf", "1"),
        ("vol2/d3.pdf", "2"),
    }
    # The pages of decisions in the site are not kept in the state folder.
    assert list((state / "pages").rglob("*.page")) == []

    # Again: nothing read, nothing sent, the report still whole.
    code, summary = run(
        site,
        "--manifest",
        str(manifest),
        "--state",
        str(state),
        "--report",
        str(report),
        str(scans),
    )
    assert code == 0
    assert (summary["uploaded"], summary["already"]) == (0, 3)
    assert (summary["pages_ocred"], summary["pages_reused"]) == (0, 0)
    assert summary["low_confidence"] == 5
    assert len(decisions(site)) == 3

    # A scan changed since: a new decision, and the summary says so.
    page(second.text + "\nΔιορθωμένη σελίδα.").save(
        scans / "τόμος 1" / "d2.png", dpi=(DPI, DPI)
    )
    code, summary = run(
        site,
        "--manifest",
        str(manifest),
        "--state",
        str(state),
        "--report",
        str(report),
        "--workers",
        "1",
        str(scans),
    )
    assert code == 0
    assert (summary["uploaded"], summary["already"], summary["pages_ocred"]) == (
        1,
        2,
        1,
    )
    (changed,) = summary["changed"]
    assert changed.startswith(
        f"τόμος 1/d2.png has changed since it was ingested as {d2.absolute_url()}"
    )
    assert len(decisions(site)) == 4


def test_bad_input_stops_before_any_ocr(site, tmp_path, capsys, monkeypatch):
    scans = tmp_path / "scans"
    scans.mkdir()
    page(header(2).text).save(scans / "a.png")
    (scans / "broken.tif").write_bytes(b"II*\x00 not really a TIFF")
    manifest = write_manifest(
        tmp_path / "m.csv",
        [
            ["a.png", "D", "1", "1987", "", "", "", ""],
            ["b.png", "D", "2", "1987", "", "", "", ""],
        ],
    )
    state = tmp_path / "state"
    code, summary = run(
        site, "--manifest", str(manifest), "--state", str(state), str(scans)
    )
    assert code == 2
    assert summary is None
    err = capsys.readouterr().err
    assert "row 3: b.png: no such file in the scans folders" in err
    assert "different numbers: 1 (row 2), 2 (row 3)" in err
    assert not state.exists()

    # A file the OCR engine cannot open is bad input too, named.
    manifest = write_manifest(
        tmp_path / "m.csv", [["a.png", "", "1", "1987", "", "", "", ""]]
    )
    code, summary = run(
        site, "--manifest", str(manifest), "--state", str(state), str(scans)
    )
    assert code == 2
    err = capsys.readouterr().err
    assert "broken.tif: cannot read the file as a scan" in err
    with Journal(state) as journal:
        assert journal.page_count() == 0
    assert decisions(site) == []

    # A wrong password: exit 2, nothing done.
    monkeypatch.setenv(cli.PASSWORD_VARIABLE, "wrong")
    code, _ = run(
        site,
        "--only-manifest",
        "--manifest",
        str(manifest),
        "--state",
        str(state),
        str(scans),
    )
    assert code == 2
    assert "cannot log in" in capsys.readouterr().err

    # A dry run reads and sends nothing, and says what it would do.
    code = cli.main(
        [
            "--dry-run",
            "--only-manifest",
            "--manifest",
            str(manifest),
            "--state",
            str(tmp_path / "dry"),
            str(scans),
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "a.png (row 2): a.png, 1 page, ell, number 1/1987 → would read 1 page" in out
    assert not (tmp_path / "dry").exists()


def _command():
    script = Path(sys.executable).with_name("municipality-archive-ingest")
    return (
        [str(script)]
        if script.exists()
        else [sys.executable, "-m", "municipality.archive.ingest.cli"]
    )


def test_killed_and_run_again_every_decision_once_no_page_lost(site, tmp_path):
    scans = tmp_path / "scans"
    keys = {}
    for number, seed in enumerate((2, 6, 21), start=1):
        path = scans / f"d{number}.tif"
        save_tiff(path, [page(header(seed).text), page(SECOND_PAGE)])
        file_hash = api.file_hash(path)
        keys[api.source_hash([file_hash])] = [f"{file_hash}-1", f"{file_hash}-2"]
    state = tmp_path / "state"
    arguments = [
        *_command(),
        "--site",
        site.absolute_url(),
        "--user",
        "archivist1",
        "--workers",
        "2",
        "--state",
        str(state),
        str(scans),
    ]
    environment = dict(os.environ, **{cli.PASSWORD_VARIABLE: PASSWORD})
    process = subprocess.Popen(
        arguments, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 60
    try:
        while not list((state / "pages").rglob("*.page")):
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()
    assert process.returncode == -signal.SIGKILL

    in_site = {d.source_hash for d in decisions(site)}
    assert len(in_site) < 3  # killed before the end
    finished = {p.name.removesuffix(".page") for p in (state / "pages").rglob("*.page")}
    waiting = {k for h, ks in keys.items() if h not in in_site for k in ks}
    reusable = finished & waiting
    assert in_site or reusable  # killed after a page was stored

    summary_path = tmp_path / "summary.json"
    completed = subprocess.run(
        [*arguments, "--summary-json", str(summary_path)],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr + completed.stdout
    summary = json.loads(summary_path.read_text())
    # Pages stored before the kill are not read again; none is lost.
    assert summary["pages_reused"] == len(reusable)
    assert summary["pages_ocred"] == len(waiting) - len(reusable)
    assert summary["already"] == len(in_site)
    assert summary["uploaded"] == 3 - len(in_site)
    assert f"{summary['pages_reused']} reused from the state" in completed.stdout
    assert "pages:" in completed.stderr  # the progress bar

    stored = decisions(site)
    assert sorted(d.source_hash for d in stored) == sorted(keys)
    assert [len(d.pages) for d in stored] == [2, 2, 2]
    for decision in stored:
        assert [p.source_page for p in decision.pages] == [1, 2]
        assert testpages.cer(SECOND_PAGE, decision.pages[1].text) < 0.03


def test_the_site_goes_away_mid_batch_and_the_next_run_only_sends(site, tmp_path):
    from municipality.archive.ingest import manifest as manifests
    from municipality.archive.ingest.runner import Options
    from municipality.archive.ingest.runner import Runner
    from municipality.archive.ingest.upload import SiteClient
    from municipality.testing import free_ports

    scans = tmp_path / "scans"
    scans.mkdir()
    for number, seed in enumerate((2, 6), start=1):
        page(header(seed).text).save(scans / f"d{number}.png", dpi=(DPI, DPI))
    state = tmp_path / "state"
    live = SiteClient(site.absolute_url(), "archivist1", PASSWORD)
    info = live.info()
    # The settings came from the site; then it cannot be reached.
    (port,) = free_ports(1)
    gone = SiteClient(f"http://127.0.0.1:{port}", "archivist1", PASSWORD, backoff=(0,))
    gone.token = "expired"
    batch = manifests.plan(None, [scans])
    with Journal(state) as journal:
        runner = Runner(
            batch,
            journal,
            gone,
            info,
            Options(workers=2, progress=False),
            out=io.StringIO(),
        )
        assert runner.check() == []
        runner.compare()
        summary = runner.run()
    assert summary.pages_ocred == 2
    assert summary.uploaded == 0
    assert sorted(label for label, _ in summary.failed) == [
        "d1.png (not in the manifest)",
        "d2.png (not in the manifest)",
    ]
    assert "unreachable" in summary.failed[0][1]
    assert "it will be sent by the next run" in summary.failed[0][1]
    assert decisions(site) == []

    code, summary = run(site, "--state", str(state), str(scans))
    assert code == 0
    assert (summary["uploaded"], summary["pages_ocred"], summary["pages_reused"]) == (
        2,
        0,
        2,
    )
    assert sorted(d.number for d in decisions(site)) == sorted(
        [header(2).number, header(6).number]
    )


class Scripted:
    """A small HTTP server answering each request with the next scripted answer."""

    def __init__(self, answers):
        from http.server import BaseHTTPRequestHandler
        from http.server import ThreadingHTTPServer

        import threading

        self.answers = list(answers)
        self.requests = []
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                scripted.requests.append(
                    (self.command, self.path, self.headers.get("Authorization"), body)
                )
                status, answer = scripted.answers.pop(0)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/plone"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_the_client_retries_5xx_logs_in_again_and_names_refused_fields():
    from municipality.archive.ingest.upload import SiteClient
    from municipality.archive.ingest.upload import SiteRejected
    from municipality.archive.ingest.upload import SiteUnavailable

    stored = {"@id": "http://x/plone/archive/d", "UID": "u1", "created": True}
    server = Scripted(
        [
            (200, {"token": "t1"}),
            (503, {"error": {"message": "busy"}}),
            (201, stored),
            (401, {"error": {"type": "Unauthorized"}}),
            (200, {"token": "t2"}),
            (200, dict(stored, created=False)),
            (
                400,
                {
                    "error": {
                        "type": "BadRequest",
                        "message": "Δεν αποθηκεύτηκε",
                        "errors": [{"field": "pages[0].image", "message": "Όχι JPEG"}],
                    }
                },
            ),
            (502, {}),
            (502, {}),
        ]
    )
    pauses = []
    try:
        client = SiteClient(
            server.url, "archivist1", "secret", backoff=(0.01,), sleep=pauses.append
        )
        assert client.ingest({"source_hash": "a"}).created is True
        assert pauses == [0.01]
        assert client.ingest({"source_hash": "a"}).created is False
        with pytest.raises(SiteRejected) as refused:
            client.ingest({"source_hash": "b"})
        assert refused.value.status == 400
        assert "pages[0].image: Όχι JPEG" in str(refused.value)
        with pytest.raises(SiteUnavailable, match="HTTP 502 .*tried 2 times"):
            client.ingest({"source_hash": "c"})
    finally:
        server.close()
    methods = [(m, p, auth) for m, p, auth, _ in server.requests]
    assert methods[:6] == [
        ("POST", "/plone/@login", None),
        ("POST", "/plone/archive/@archive-ingest", "Bearer t1"),
        ("POST", "/plone/archive/@archive-ingest", "Bearer t1"),
        ("POST", "/plone/archive/@archive-ingest", "Bearer t1"),
        ("POST", "/plone/@login", None),
        ("POST", "/plone/archive/@archive-ingest", "Bearer t2"),
    ]
    assert json.loads(server.requests[0][3]) == {
        "login": "archivist1",
        "password": "secret",
    }
