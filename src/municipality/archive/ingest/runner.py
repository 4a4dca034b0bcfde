"""One batch, start to end: check, read every page, send every decision.

1. **Check** (before any OCR): each file's SHA-256 (``api.file_hash``) and
   page count (``ocr.count_pages``), both remembered in the state folder by
   path, size and mtime so a resumed run does not read 50,000 scans again;
   each decision's source hash (``api.source_hash``) and OCR languages. An
   unreadable file stops the batch here, like a manifest error.
2. **Compare** with the site (``GET @archive-ingest``): a decision whose
   source hash the site holds is done; a page whose result is in the state
   folder (read with the same languages and sizes) is reused.
3. **Read** the other pages on the worker processes (:mod:`.pool`), in
   decision order, a few more queued than there are workers.
4. **Send** each decision as soon as its last page is read: an uploader
   thread reads its pages back from the state folder, fills in from the text
   what the manifest lacks, joins the PDF/A, and posts it (:mod:`.payload`,
   :mod:`.upload`) while the workers go on reading — no core waits on the
   network. After the site confirms a decision its page files are removed
   (``keep_pages`` keeps them) and it is logged in ``uploaded.jsonl``.

Killed at any moment, the next run redoes only the pages not yet stored and
sends only the decisions the site does not hold: no page lost, none twice.
"""

from dataclasses import dataclass
from dataclasses import field
from municipality.archive import api
from municipality.archive.ingest import payload as payloads
from municipality.archive.ingest.journal import CorruptPage
from municipality.archive.ingest.journal import page_key
from municipality.archive.ingest.pool import PageJob
from municipality.archive.ingest.pool import PagePool
from municipality.archive.ingest.upload import SiteRejected
from municipality.archive.ingest.upload import SiteUnavailable
from pathlib import Path

import contextlib
import csv
import queue
import re
import subprocess
import sys
import threading
import time


#: The site's settings when it cannot be asked (a dry run without --site).
DEFAULT_SETTINGS = {
    "ocr_languages": "ell",
    "polytonic_languages": "ell+grc",
    "polytonic_before_year": 1982,
    "low_confidence": 80,
    "image_width": 1240,
    "thumbnail_width": 200,
}
#: After this many decisions in a row could not reach the site, the run stops
#: sending (it goes on reading pages, so the next run only has to send).
GIVE_UP_AFTER = 3
LANGUAGES_RE = re.compile(r"^[a-z_]{3,8}(\+[a-z_]{3,8})*$")


@dataclass
class Options:
    """How a batch runs (the command line's options)."""

    workers: int = 2
    languages: str | None = None
    polytonic: bool = False
    dry_run: bool = False
    progress: bool = True
    keep_pages: bool = False
    report: Path | None = None


@dataclass
class Item:
    """A decision of the batch as the run sees it."""

    decision: object
    hashes: list = field(default_factory=list)
    counts: list = field(default_factory=list)
    source_hash: str = ""
    languages: str = ""
    #: ``(source file name, page of the file (1-based), key, path)``
    pages: list = field(default_factory=list)
    #: pending, in_site, duplicate, uploaded, already, failed
    status: str = "pending"
    reused: int = 0
    remaining: int = 0
    error: str = ""
    url: str = ""
    facts: object = None

    @property
    def label(self):
        return self.decision.label


@dataclass
class Summary:
    """What a run did; :meth:`as_dict` is the ``--summary-json`` file."""

    decisions: int = 0
    pages: int = 0
    uploaded: int = 0
    already: int = 0
    failed: list = field(default_factory=list)
    duplicates: list = field(default_factory=list)
    pages_ocred: int = 0
    pages_reused: int = 0
    pages_failed: int = 0
    low_confidence: int = 0
    text_missing: int = 0
    flagged: int = 0
    changed: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    ocr_seconds: float = 0.0
    elapsed: float = 0.0
    report: str = ""
    interrupted: bool = False

    @property
    def pages_per_minute(self):
        return self.pages_ocred / self.elapsed * 60 if self.elapsed else 0.0

    def as_dict(self):
        return {
            "decisions": self.decisions,
            "pages": self.pages,
            "uploaded": self.uploaded,
            "already": self.already,
            "failed": [{"decision": d, "error": e} for d, e in self.failed],
            "duplicates": self.duplicates,
            "pages_ocred": self.pages_ocred,
            "pages_reused": self.pages_reused,
            "pages_failed": self.pages_failed,
            "low_confidence": self.low_confidence,
            "text_missing": self.text_missing,
            "flagged": self.flagged,
            "changed": self.changed,
            "skipped": [{"file": f, "reason": r} for f, r in self.skipped],
            "ocr_seconds": round(self.ocr_seconds, 2),
            "elapsed": round(self.elapsed, 2),
            "pages_per_minute": round(self.pages_per_minute, 2),
            "report": self.report,
            "interrupted": self.interrupted,
        }


def _pages(count):
    return f"{count} page" if count == 1 else f"{count} pages"


def _duration(seconds):
    seconds = round(seconds)
    return f"{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def languages_for(decision, settings, forced=None, polytonic=False):
    """The Tesseract models for a decision.

    ``--languages`` if given; else the row's polytonic column (yes or no),
    else ``--polytonic``, else a manifest year before the site's
    ``polytonic_before_year`` → the site's ``polytonic_languages``; else its
    ``ocr_languages``.
    """
    if forced:
        return forced
    if decision.polytonic is not None:
        chosen = decision.polytonic
    elif polytonic:
        chosen = True
    else:
        chosen = decision.year is not None and decision.year < int(
            settings["polytonic_before_year"]
        )
    return settings["polytonic_languages" if chosen else "ocr_languages"]


def installed_languages():
    """The Tesseract models installed here (``tesseract --list-langs``)."""
    from municipality.archive import ocr

    try:
        completed = subprocess.run(
            [ocr.TESSERACT, "--list-langs"],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    lines = completed.stdout.decode("utf-8", "replace").splitlines()
    return {line.strip() for line in lines[1:] if line.strip()}


class Runner:
    """One run of a batch; :meth:`run` returns the :class:`Summary`.

    ``batch`` is :func:`~.manifest.plan`'s, ``journal`` the open state folder,
    ``client`` a logged-in :class:`~.upload.SiteClient` (None for a dry run
    without a site), ``site`` the ``GET @archive-ingest`` answer.
    """

    def __init__(self, batch, journal, client, site, options, out=None):
        self.batch = batch
        self.journal = journal
        self.client = client
        self.settings = {**DEFAULT_SETTINGS, **(site or {}).get("settings", {})}
        self.known = set((site or {}).get("source_hashes", ()))
        self.options = options
        self.out = out or sys.stdout
        self.items = []
        self.errors = []
        self.summary = Summary(skipped=list(batch.skipped))
        self.bar = None
        self._lock = threading.Lock()
        self._uploads = queue.Queue()
        self._unreachable = 0
        self._gave_up = False
        self._stopping = False
        self._key_users = {}
        self._needed = {}
        self._ocr_started = time.monotonic()

    # -- output --

    def say(self, message=""):
        """A line for the operator (above the progress bar while it runs)."""
        if self.bar is not None:
            self.bar.write(message, file=self.out)
        else:
            print(message, file=self.out, flush=True)

    # -- 1. check --

    def check(self):
        """Hash and count every file; returns the errors (empty: go on)."""
        from municipality.archive import ocr

        files = sum(len(d.paths) for d in self.batch.decisions)
        bar = self._bar(files, "checking files", unit="file")
        for decision in self.batch.decisions:
            item = Item(decision=decision)
            self.items.append(item)
            for name, path, row in zip(
                decision.files,
                decision.paths,
                decision.rows or [None] * len(decision.files),
                strict=True,
            ):
                known = self.journal.known_file(path)
                if known is None:
                    try:
                        pages = ocr.count_pages(path)
                        file_hash = api.file_hash(path)
                    except (ValueError, OSError) as error:
                        where = f"row {row}: " if row else ""
                        self.errors.append(f"{where}{name}: {error}")
                        if bar:
                            bar.update(1)
                        continue
                    self.journal.remember_file(path, file_hash, pages)
                else:
                    file_hash, pages = known
                item.hashes.append(file_hash)
                item.counts.append(pages)
                for page in range(1, pages + 1):
                    item.pages.append(
                        (name, page, page_key(file_hash, page), str(path))
                    )
                if bar:
                    bar.update(1)
            if len(item.hashes) == len(decision.paths):
                item.source_hash = api.source_hash(item.hashes)
        if bar:
            bar.close()
        forced = self.options.languages
        if forced and not LANGUAGES_RE.match(forced):
            self.errors.append(f"--languages {forced}: not Tesseract model names")
        for item in self.items:
            item.languages = languages_for(
                item.decision, self.settings, forced, self.options.polytonic
            )
        return self.errors

    def compare(self):
        """Mark what the site holds, duplicates in the batch, changed files."""
        uploads = self.journal.uploads()
        seen = {}
        previous = self.journal.previous_hashes()
        for item in self.items:
            self.summary.decisions += 1
            self.summary.pages += len(item.pages)
            if item.source_hash in seen:
                item.status = "duplicate"
                self.summary.duplicates.append(
                    f"{item.label}: the same scans as {seen[item.source_hash].label}"
                )
                continue
            seen[item.source_hash] = item
            if item.source_hash in self.known:
                item.status = "in_site"
                item.url = uploads.get(item.source_hash, {}).get("url", "")
                continue
            for name, file_hash in zip(item.decision.files, item.hashes, strict=True):
                if name in previous and previous[name] != file_hash:
                    older = next(
                        (
                            e
                            for e in uploads.values()
                            if [name, previous[name]] in e.get("files", ())
                        ),
                        {},
                    )
                    where = f" as {older['url']}" if older.get("url") else ""
                    self.summary.changed.append(
                        f"{name} has changed since it was ingested{where}: "
                        "it is ingested as a new decision (the old one stays)"
                    )

    # -- 2. plan --

    def _plan_pages(self):
        """Count the reused pages and map each page to read to the decisions
        waiting for it; returns the items still to read or send."""
        todo = []
        width = int(self.settings["image_width"])
        thumb = int(self.settings["thumbnail_width"])
        self._needed = {}
        for item in self.items:
            if item.status != "pending":
                continue
            todo.append(item)
            item.remaining = 0
            for _name, page, key, path in item.pages:
                self._key_users[key] = self._key_users.get(key, 0) + 1
                if key in self._needed:
                    # The same scan twice in the batch: read once.
                    self._needed[key][1].append(item)
                    item.remaining += 1
                elif self.journal.usable_page(key, item.languages, width, thumb):
                    item.reused += 1
                else:
                    self._needed[key] = ((path, page, item.languages), [item])
                    item.remaining += 1
            self.summary.pages_reused += item.reused
        return todo

    def dry_run(self):
        """Say what a run would do, and do nothing."""
        todo = self._plan_pages()
        for item in self.items:
            decision = item.decision
            known = []
            if decision.number:
                known.append(
                    f"number {decision.number}"
                    + (f"/{decision.year}" if decision.year else "")
                )
            elif decision.year:
                known.append(f"year {decision.year}")
            if not decision.number:
                known.append("number from the text")
            others = len(decision.files) - 1
            files = decision.files[0]
            if others:
                files += f" +{others} file" + ("s" if others > 1 else "")
            what = {
                "in_site": "already in the site",
                "duplicate": "a duplicate: skipped",
            }.get(item.status)
            if what is None:
                what = f"would read {_pages(item.remaining)}"
                if item.reused:
                    what += f" ({item.reused} already read)"
                what += " and upload"
            self.say(
                f"{item.label}: {files}, {_pages(len(item.pages))}, "
                f"{item.languages}, {', '.join(known)} → {what}"
            )
        for line in self.summary.duplicates:
            self.say(f"Duplicate: {line}")
        for line in self.summary.changed:
            self.say(f"Changed: {line}")
        for name, reason in self.summary.skipped:
            self.say(f"Skipped: {name}: {reason}")
        pages = sum(item.remaining for item in todo)
        self.say(
            f"Dry run: {len(self.items)} decisions, {self.summary.pages} pages; "
            f"{len(todo)} decisions to upload, {pages} pages to read, "
            f"{self.summary.pages_reused} already read; nothing was done."
        )

    # -- 3. and 4. read and send --

    def run(self):
        """Read and send the batch; returns the :class:`Summary`."""
        started = time.monotonic()
        todo = self._plan_pages()
        needed = {item.languages for item in todo if item.remaining}
        installed = installed_languages() if needed else set()
        if installed is None:
            self.errors.append(
                "Tesseract is not installed here (Debian: apt install "
                "tesseract-ocr tesseract-ocr-ell tesseract-ocr-grc)"
            )
            return self.summary
        if needed:
            missing = sorted(
                {lang for langs in needed for lang in langs.split("+")} - installed
            )
            if missing:
                self.errors.append(
                    "Tesseract has no model for "
                    + ", ".join(missing)
                    + " (Debian: apt install "
                    + " ".join(f"tesseract-ocr-{m}" for m in missing)
                    + ")"
                )
                return self.summary
        for item in self.items:
            if item.status == "in_site":
                self.summary.already += 1
        uploader = threading.Thread(
            target=self._upload_loop, name="archive-upload", daemon=True
        )
        uploader.start()
        for item in todo:
            if item.remaining == 0:
                self._uploads.put(item)
        total = sum(len(item.pages) for item in todo)
        self.bar = self._bar(
            total, "pages", unit="page", initial=self.summary.pages_reused
        )
        self._ocr_started = time.monotonic()
        pool = PagePool(self.options.workers)
        try:
            pool.run(self._jobs(), self._page_done)
        except KeyboardInterrupt:
            # The decision being sent is finished; nothing more is started.
            self.summary.interrupted = True
            self._stopping = True
            pool.close(wait_for_running=False)
            self.say("Interrupted: the pages read so far are kept; run again to go on.")
        finally:
            self._uploads.put(None)
            uploader.join()
            if self.bar is not None:
                self.bar.close()
                self.bar = None
        self.summary.elapsed = time.monotonic() - started
        self._report()
        return self.summary

    def _bar(self, total, description, unit, initial=0):
        if not self.options.progress or not total:
            return None
        from tqdm import tqdm

        return tqdm(
            total=total,
            initial=initial,
            desc=description,
            unit=unit,
            file=sys.stderr,
            dynamic_ncols=True,
            bar_format=(
                "{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} "
                "[{elapsed}<{remaining}{postfix}]"
            ),
        )

    def _jobs(self):
        """One job a page to read, decision by decision; none for failed ones."""
        width = int(self.settings["image_width"])
        thumb = int(self.settings["thumbnail_width"])
        for key, ((path, page, languages), items) in list(self._needed.items()):
            if all(item.status == "failed" for item in items):
                self._needed.pop(key, None)
                continue
            yield PageJob(
                key=key,
                path=path,
                index=page - 1,
                languages=languages,
                image_width=width,
                thumbnail_width=thumb,
                target=str(self.journal.page_path(key)),
                read_number=any(item.decision.number is None for item in items),
                read_date=any(item.decision.meeting_date is None for item in items),
            )

    def _page_done(self, job, result, error):
        """A worker finished a page: count it; send decisions now complete."""
        _what, items = self._needed.pop(job.key, (None, []))
        if error is not None:
            self.summary.pages_failed += 1
            for item in items:
                if item.status != "failed":
                    item.status = "failed"
                    item.error = f"page {job.index + 1} of {job.path}: {error}"
                    self._fail(item)
            return
        self.summary.pages_ocred += 1
        self.summary.ocr_seconds += result.seconds
        if self.bar is not None:
            self.bar.update(1)
            minutes = (time.monotonic() - self._ocr_started) / 60
            if minutes > 0:
                rate = self.summary.pages_ocred / minutes
                self.bar.set_postfix_str(f", {rate:.1f} pages/min", refresh=False)
        for item in items:
            item.remaining -= 1
            if item.remaining == 0 and item.status == "pending":
                self._uploads.put(item)

    def _fail(self, item):
        with self._lock:
            self.summary.failed.append((item.label, item.error))
        self.say(f"FAILED {item.label}: {item.error}")

    def _upload_loop(self):
        while True:
            item = self._uploads.get()
            if item is None or self._stopping:
                return
            try:
                self._upload(item)
            except Exception as error:  # noqa: BLE001 - one decision, reported
                item.status = "failed"
                item.error = f"{type(error).__name__}: {error}"
                self._fail(item)

    def _upload(self, item):
        if self._gave_up:
            item.status = "failed"
            item.error = "not sent: the site could not be reached (run again)"
            self._fail(item)
            return
        records = []
        for _name, _page, key, _path in item.pages:
            try:
                records.append(self.journal.read_page(key))
            except (CorruptPage, FileNotFoundError) as error:
                self.journal.drop_page(key)
                item.status = "failed"
                item.error = (
                    f"a page in the state folder cannot be read ({error}); "
                    "it will be read again by the next run"
                )
                self._fail(item)
                return
        body, facts = payloads.build(
            item.decision,
            [(name, page) for name, page, _key, _path in item.pages],
            records,
            self.settings,
            item.source_hash,
            item.languages,
        )
        records.clear()
        item.facts = facts
        try:
            stored = self.client.ingest(body)
        except SiteUnavailable as error:
            item.status = "failed"
            item.error = f"{error}; it will be sent by the next run"
            self._fail(item)
            self._unreachable += 1
            if self._unreachable >= GIVE_UP_AFTER and not self._gave_up:
                self._gave_up = True
                self.say(
                    "The site cannot be reached: no more decisions are sent in "
                    "this run; the pages go on being read for the next one."
                )
            return
        except SiteRejected as error:
            item.status = "failed"
            item.error = f"refused by the site: {error}"
            self._fail(item)
            return
        self._unreachable = 0
        item.url = stored.url
        low = [
            [file, file_page, page, confidence]
            for page, file, file_page, confidence in facts.low_confidence
        ]
        empty = [
            [name, file_page, page]
            for page, (name, file_page, _key, _path) in enumerate(item.pages, 1)
            if page in facts.empty_pages
        ]
        missing = [
            [name, file_page, page]
            for page, (name, file_page, _key, _path) in enumerate(item.pages, 1)
            if page in facts.text_missing
        ]
        with self._lock:
            self.journal.record_upload(
                item.source_hash,
                url=stored.url,
                uid=stored.uid,
                created=stored.created,
                files=[
                    [n, h]
                    for n, h in zip(item.decision.files, item.hashes, strict=True)
                ],
                number=facts.number,
                year=facts.year,
                languages=item.languages,
                reasons=facts.reasons,
                low_confidence=low,
                empty=empty,
                text_missing=missing,
            )
            if stored.created:
                item.status = "uploaded"
                self.summary.uploaded += 1
                if facts.reasons:
                    self.summary.flagged += 1
            else:
                item.status = "already"
                self.summary.already += 1
        if not self.options.keep_pages:
            for _name, _page, key, _path in item.pages:
                self._key_users[key] -= 1
                if self._key_users[key] <= 0:
                    self.journal.drop_page(key)

    # -- the report --

    def _report(self):
        """The low-confidence CSV of the whole batch (this run and earlier ones).

        A row a page: read below the threshold (its confidence), with no
        text («no text») or with text the scan shows and its text lacks
        («text missing»; a page can be that and low-confidence: two rows).
        """
        path = self.options.report or (self.journal.folder / "low-confidence.csv")
        uploads = self.journal.uploads()
        rows = []
        for item in self.items:
            entry = uploads.get(item.source_hash)
            if entry is not None:
                url = entry.get("url", "")
                languages = entry.get("languages", item.languages)
                for file, file_page, page, confidence in entry.get(
                    "low_confidence", ()
                ):
                    rows.append((url, file, file_page, page, confidence, languages))
                for file, file_page, page in entry.get("empty", ()):
                    rows.append((url, file, file_page, page, "no text", languages))
                for file, file_page, page in entry.get("text_missing", ()):
                    rows.append((url, file, file_page, page, "text missing", languages))
            elif item.facts is not None:
                for page, file, file_page, confidence in item.facts.low_confidence:
                    rows.append(("", file, file_page, page, confidence, item.languages))
        self.summary.low_confidence = sum(
            1 for row in rows if isinstance(row[4], int | float)
        )
        self.summary.text_missing = sum(1 for row in rows if row[4] == "text missing")
        path = Path(path)
        with contextlib.suppress(OSError):
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with open(path, "w", encoding="utf-8-sig", newline="") as stream:
                writer = csv.writer(stream)
                writer.writerow(
                    [
                        "decision",
                        "file",
                        "page",
                        "decision_page",
                        "confidence",
                        "languages",
                    ]
                )
                for url, file, file_page, page, confidence, languages in rows:
                    shown = (
                        f"{confidence:.1f}"
                        if isinstance(confidence, int | float)
                        else confidence
                    )
                    writer.writerow([url, file, file_page, page, shown, languages])
        except OSError as error:
            self.say(f"Cannot write the report {path}: {error.strerror or error}")
            return
        self.summary.report = str(path)

    def print_summary(self):
        """The summary at the end, for the operator."""
        s = self.summary
        say = self.say
        say("")
        say(f"Decisions: {s.decisions} in the batch, {s.pages} pages")
        say(f"  uploaded:            {s.uploaded}")
        say(f"  already in the site: {s.already}")
        say(f"  failed:              {len(s.failed)}")
        for label, error in s.failed:
            say(f"    {label}: {error}")
        if s.duplicates:
            say(f"  duplicates skipped:  {len(s.duplicates)}")
            for line in s.duplicates:
                say(f"    {line}")
        say(
            f"Pages: {s.pages_ocred} OCR'd, {s.pages_reused} reused from the state"
            + (f", {s.pages_failed} failed" if s.pages_failed else "")
        )
        say(f"Low-confidence pages: {s.low_confidence}")
        if s.text_missing:
            say(f"Pages with text left unread: {s.text_missing}")
        say(f"Flagged for review: {s.flagged} of the decisions uploaded")
        for line in s.changed:
            say(f"Changed: {line}")
        if s.skipped:
            say(f"Skipped files: {len(s.skipped)}")
            for name, reason in s.skipped[:20]:
                say(f"  {name}: {reason}")
            if len(s.skipped) > 20:
                say(f"  … and {len(s.skipped) - 20} more")
        say(f"Elapsed: {_duration(s.elapsed)}, {s.pages_per_minute:.1f} pages/minute")
        if s.report:
            say(f"Report: {s.report}")
        if s.interrupted:
            say("Interrupted: run the same command again to finish the batch.")
