"""The demo archive of ``make start``: a few scanned decisions, really ingested.

    python -m municipality.archive.demo        # what ``make demo-archive`` runs

After the site is up, ``make start`` runs this against it:

1. **the batch** — five council decisions of 1958–2004 (eight pages) from
   :mod:`municipality.archive.corpus`, set on A4 by
   :func:`municipality.archive.testpages.render_page` and saved as a real
   archive would hand them over: a two-page TIFF of a polytonic 1958 extract
   (with scan noise), a 1984 decision as one PNG per page, a 1987 two-page
   PDF whose manifest row lacks the decision number (the tool reads it from
   the text and flags the decision for review), a 1996 JPEG and a 2004 PNG;
   plus the manifest (CSV). Made once under ``<instance>/var/demo-archive/``
   and kept: the files are the same bytes on every run;
2. **the ingestion** — the real ``municipality-archive-ingest`` as the demo
   archivist (``archivist`` / ``demo1234``) over plone.restapi: OCR with
   Tesseract, PDF/A, page images, upload. A second run finds every decision
   in the site and reads nothing;
3. **the review** — over plone.restapi ``@workflow``, as the archivist:
   three decisions published (the public pages show them), the 1987 one left
   «ingested» for the archivist's review list, the 2004 one withheld (it
   names families in need: personal data). Done once per decision, so a
   decision an archivist later moves stays where they put it.

Skipped, saying why, when the site was made without demo content
(``demo_content: false``), without the archive add-on, or without the demo
archivist. Exit code 1 when the ingestion failed (run it again: nothing is
done twice).
"""

from dataclasses import dataclass
from pathlib import Path

import argparse
import csv
import datetime
import io
import json
import os
import random
import requests
import subprocess
import sys
import time
import yaml


DEMO_USER = "archivist"
# municipality.demo.DEMO_PASSWORD, not imported: that module loads Plone,
# seconds this command (and every `make start`) need not spend.
DEMO_PASSWORD = "demo1234"  # noqa: S105 - the published demo password
# Bumped when the batch changes: the kept files are then made again.
VERSION = 1
TIMEOUT = 60
WITHHOLD_REASON = (
    "Περιέχει προσωπικά δεδομένα: ονόματα οικογενειών που έλαβαν βοήθημα "
    "(Κανονισμός 2016/679)."
)


@dataclass(frozen=True)
class DemoDecision:
    """One decision of the demo batch and where the demo leaves it."""

    key: str  # the manifest's «decision» column
    year: int
    number: int
    pages: int
    subject: str
    scan: str  # tiff (one multi-page file), png (a file per page), pdf, jpeg
    state: str  # published, ingested, withheld
    noisy: bool = False
    number_in_manifest: bool = True
    volume: str = ""
    box: str = ""

    @property
    def seed(self):
        return f"demo-archive:{self.key}"


DEMO = (
    DemoDecision(
        "1958-14",
        1958,
        14,
        2,
        "Ηλεκτροδότηση του οικισμού Αγίου Γεωργίου",
        "tiff",
        "published",
        noisy=True,
        volume="Πρακτικά 1958",
        box="Κουτί 3",
    ),
    DemoDecision(
        "1984-52",
        1984,
        52,
        2,
        "Κατασκευή αποχετευτικού δικτύου στην Κάτω Πόλη",
        "png",
        "published",
        volume="Πρακτικά 1984 Α΄",
        box="Κουτί 13",
    ),
    DemoDecision(
        "1987-123",
        1987,
        123,
        2,
        "Ψήφιση του προϋπολογισμού του Δήμου",
        "pdf",
        "ingested",
        number_in_manifest=False,
        volume="Πρακτικά 1987 Β΄",
        box="Κουτί 17",
    ),
    DemoDecision(
        "1996-88",
        1996,
        88,
        1,
        "Ασφαλτόστρωση της οδού Ερμού",
        "jpeg",
        "published",
        volume="Πρακτικά 1996 Α΄",
        box="Κουτί 24",
    ),
    DemoDecision(
        "2004-41",
        2004,
        41,
        1,
        "Χορήγηση βοηθήματος σε πυρόπληκτες οικογένειες",
        "png",
        "withheld",
        volume="Πρακτικά 2004 Α΄",
        box="Κουτί 31",
    ),
)

# The transitions of archive_decision_workflow from «ingested» to each state.
PATHS = {
    "ingested": (),
    "reviewed": ("review",),
    "published": ("review", "publish"),
    "withheld": ("withhold",),
}


@dataclass
class Built:
    """A decision of the batch on disk: its files and its key in the site."""

    spec: DemoDecision
    files: list  # names relative to the scans folder, in page order
    source_hash: str
    meeting_date: datetime.date
    subject: str


# -- the batch ---------------------------------------------------------------


def decision_of(spec):
    """The corpus decision behind ``spec`` (its text, date and subject)."""
    from municipality.archive import corpus

    return corpus.decision(
        random.Random(spec.seed),  # noqa: S311 - demo text, not secrets
        spec.number,
        spec.year,
        pages=spec.pages,
        page_size=corpus.RENDERED_PAGE,
        subject=spec.subject,
        compact=spec.pages == 1,
    )


def _names(spec):
    base = f"{spec.year}/apofasi-{spec.number:03d}"
    if spec.scan == "tiff":
        return [f"{base}.tif"]
    if spec.scan == "pdf":
        return [f"{base}.pdf"]
    suffix = "jpg" if spec.scan == "jpeg" else "png"
    if spec.pages == 1:
        return [f"{base}.{suffix}"]
    return [f"{base}-{i}.{suffix}" for i in range(1, spec.pages + 1)]


def _save(spec, images, names, scans):
    """The page images in the scan's format; byte for byte the same each time."""
    dpi = (300, 300)
    if spec.scan in {"tiff", "pdf"}:
        target = scans / names[0]
        target.parent.mkdir(parents=True, exist_ok=True)
        out = io.BytesIO()
        if spec.scan == "tiff":
            images[0].save(
                out,
                "TIFF",
                save_all=True,
                append_images=images[1:],
                compression="tiff_deflate",
                dpi=dpi,
            )
        else:
            # Pillow stamps a PDF with the time unless told a date.
            scanned = datetime.datetime(spec.year + 52, 3, 1, 10, 0).timetuple()
            images[0].save(
                out,
                "PDF",
                save_all=True,
                append_images=images[1:],
                resolution=300.0,
                creationDate=scanned,
                modDate=scanned,
            )
        target.write_bytes(out.getvalue())
        return
    for image, name in zip(images, names, strict=True):
        target = scans / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if spec.scan == "jpeg":
            image.save(target, "JPEG", quality=88, dpi=dpi)
        else:
            image.save(target, "PNG", dpi=dpi)


def _sha256(path):
    from municipality.archive import api

    return api.file_hash(path)


def _read_state(path):
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def build_batch(folder, demo=DEMO):
    """The scans and the manifest under ``folder`` (``scans/``, ``manifest.csv``).

    Made the first time and kept (``batch.json`` records each file's hash):
    a later call checks the files and makes again only a decision whose
    files are missing or changed — the same bytes, so the same source hash
    the site knows. Returns a list of :class:`Built`, in the manifest's order.
    """
    from municipality.archive import api

    folder = Path(folder)
    scans = folder / "scans"
    record = folder / "batch.json"
    kept = _read_state(record) or {}
    recorded = kept.get("files", {}) if kept.get("version") == VERSION else {}
    hashes = {}
    built = []
    for spec in demo:
        item = decision_of(spec)
        names = _names(spec)
        current = {
            name: _sha256(scans / name) if (scans / name).is_file() else None
            for name in names
        }
        if any(
            current[name] is None or current[name] != recorded.get(name)
            for name in names
        ):
            _render(spec, item, names, scans)
            current = {name: _sha256(scans / name) for name in names}
        hashes.update(current)
        built.append(
            Built(
                spec=spec,
                files=names,
                source_hash=api.source_hash([current[name] for name in names]),
                meeting_date=item["meeting_date"],
                subject=item["subject"],
            )
        )
    _write_if_changed(folder / "manifest.csv", manifest_text(built))
    _write_if_changed(
        record, json.dumps({"version": VERSION, "files": hashes}, indent=1)
    )
    return built


def _render(spec, item, names, scans):
    from municipality.archive import testpages

    images = [
        testpages.render_page(
            text, noisy=spec.noisy, seed=index, polytonic=item["polytonic"]
        )
        for index, text in enumerate(item["pages"])
    ]
    _save(spec, images, names, scans)


MANIFEST_COLUMNS = (
    "file",
    "decision",
    "number",
    "year",
    "meeting_date",
    "subject",
    "volume",
    "box",
    "polytonic",
)


def manifest_text(built):
    """The CSV the archivist hands over with the scans (one row per file)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MANIFEST_COLUMNS)
    for item in built:
        spec = item.spec
        for index, name in enumerate(item.files):
            first = index == 0
            writer.writerow(
                (
                    name,
                    spec.key,
                    spec.number if first and spec.number_in_manifest else "",
                    spec.year if first else "",
                    item.meeting_date.strftime("%d/%m/%Y") if first else "",
                    item.subject if first else "",
                    spec.volume if first else "",
                    spec.box if first else "",
                    "",
                )
            )
    return out.getvalue()


def _write_if_changed(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.is_file() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


# -- the site ----------------------------------------------------------------


class Skip(Exception):
    """The demo archive does not apply to this site (said, not an error)."""


def session(user, password):
    """plone.restapi as ``user``."""
    s = requests.Session()
    s.auth = (user, password)
    s.headers["Accept"] = "application/json"
    return s


def check_site(site, client):
    """The archive's URL, or :class:`Skip` when there is nothing to do."""
    url = f"{site}/archive/@archive-ingest"
    try:
        response = client.get(url, timeout=TIMEOUT)
    except requests.RequestException as error:
        raise RuntimeError(f"the site does not answer at {site}: {error}") from error
    if response.status_code == 404:
        raise Skip("the site has no archive (municipality.archive is not installed)")
    if response.status_code in (401, 403):
        raise Skip(
            f"the demo user «{DEMO_USER}» cannot ingest here (a site made "
            "without demo content?)"
        )
    if response.status_code != 200:
        raise RuntimeError(f"GET {url}: HTTP {response.status_code}")
    return f"{site}/archive"


def ingest_command():
    """The installed ``municipality-archive-ingest`` (or the module behind it)."""
    script = Path(sys.executable).with_name("municipality-archive-ingest")
    if script.is_file():
        return [str(script)]
    return [sys.executable, "-m", "municipality.archive.ingest.cli"]


def run_ingest(site, folder, password, workers=2):
    """The real tool on the batch; returns ``(exit code, output, summary)``."""
    folder = Path(folder)
    summary = folder / "summary.json"
    summary.unlink(missing_ok=True)
    command = [
        *ingest_command(),
        "--site",
        site,
        "--user",
        DEMO_USER,
        "--manifest",
        str(folder / "manifest.csv"),
        "--state",
        str(folder / "state"),
        "--workers",
        str(workers),
        "--no-progress",
        "--summary-json",
        str(summary),
        str(folder / "scans"),
    ]
    env = {
        **os.environ,
        "MUNICIPALITY_ARCHIVE_PASSWORD": password,
        "OMP_THREAD_LIMIT": "1",
    }
    completed = subprocess.run(  # noqa: S603 - our own console script
        command,
        env=env,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    return (
        completed.returncode,
        completed.stdout + completed.stderr,
        _read_state(summary) or {},
    )


def find_decision(site, client, source_hash):
    """``(url, review_state)`` of the decision with ``source_hash``, or None."""
    response = client.get(
        f"{site}/@search",
        params={
            "portal_type": "HistoricalDecision",
            "archive_source_hash": source_hash,
            "metadata_fields": "review_state",
        },
        timeout=TIMEOUT,
    )
    response.raise_for_status()
    items = response.json().get("items", [])
    if not items:
        return None
    return items[0]["@id"], items[0].get("review_state")


def apply_workflow(site, client, built, folder):
    """Move each demo decision to its state, once; returns {state: count}.

    A decision whose state the demo already set (``workflow.json``) is left
    as it is now: an archivist may have moved it since.
    """
    record = Path(folder) / "workflow.json"
    done = set(_read_state(record) or [])
    states = {}
    for item in built:
        found = find_decision(site, client, item.source_hash)
        if found is None:
            raise RuntimeError(
                f"decision {item.spec.key} is not in the site after the ingestion"
            )
        url, state = found
        if item.source_hash not in done and state == "ingested":
            for transition in PATHS[item.spec.state]:
                body = {"comment": WITHHOLD_REASON if transition == "withhold" else ""}
                response = client.post(
                    f"{url}/@workflow/{transition}", json=body, timeout=TIMEOUT
                )
                if response.status_code != 200:
                    raise RuntimeError(
                        f"{transition} {url}: HTTP {response.status_code} "
                        f"{response.text[:300]}"
                    )
                state = response.json().get("review_state", state)
        done.add(item.source_hash)
        record.write_text(json.dumps(sorted(done), indent=1), encoding="utf-8")
        states[state] = states.get(state, 0) + 1
    return states


# -- the command -------------------------------------------------------------


def load_config(path):
    """instance.yaml with the ``MUNICIPALITY_<KEY>`` overrides ``make start`` obeys."""
    config = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    for key, value in list(config.items()):
        env = os.environ.get(f"MUNICIPALITY_{key.upper()}")
        if env is not None:
            config[key] = (
                env.lower() in ("1", "true", "yes")
                if isinstance(value, bool)
                else type(value)(env)
            )
    instance = Path(config["instance_dir"])
    if not instance.is_absolute():
        instance = Path(path).resolve().parent / instance
    config["instance_dir"] = instance
    return config


def main(argv=None):
    """Build, ingest and review the demo batch; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="instance.yaml", type=Path)
    parser.add_argument("--site", help="the site's URL (default: from the config)")
    parser.add_argument(
        "--folder", type=Path, help="default: <instance>/var/demo-archive"
    )
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    config = load_config(args.config)
    if not config.get("demo_content"):
        print("Demo archive: skipped (demo_content is off).")
        return 0
    site = args.site or (
        f"http://{config['zope_host']}:{config['zope_port']}/{config['site_id']}"
    )
    folder = args.folder or config["instance_dir"] / "var" / "demo-archive"
    started = time.monotonic()
    client = session(DEMO_USER, DEMO_PASSWORD)
    try:
        archive = check_site(site, client)
    except Skip as reason:
        print(f"Demo archive: skipped ({reason}).")
        return 0
    except RuntimeError as error:
        print(f"Demo archive: not ingested: {error}", file=sys.stderr)
        return 1
    built = build_batch(folder)
    scanned = time.monotonic()
    code, output, summary = run_ingest(site, folder, DEMO_PASSWORD, args.workers)
    ingested = time.monotonic()
    if code != 0:
        print(output, file=sys.stderr)
        print(
            f"Demo archive: the ingestion ended with code {code}; run "
            "`make demo-archive` again (nothing is read or sent twice).",
            file=sys.stderr,
        )
        return 1
    try:
        states = apply_workflow(site, client, built, folder)
    except (RuntimeError, requests.RequestException) as error:
        print(f"Demo archive: the review step failed: {error}", file=sys.stderr)
        return 1
    pages = sum(item.spec.pages for item in built)
    new = summary.get("uploaded", 0)
    what = ", ".join(f"{count} {state}" for state, count in sorted(states.items()))
    print(
        f"Demo archive: {len(built)} decisions ({pages} pages) in "
        f"{archive} — {what}; {new} ingested now, "
        f"{summary.get('pages_ocred', 0)} pages read by OCR "
        f"({time.monotonic() - started:.0f} s: scans {scanned - started:.0f} s, "
        f"ingestion {ingested - scanned:.0f} s, review "
        f"{time.monotonic() - ingested:.0f} s)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
