"""The ingestion's state folder and page scheduling (unit tests, no site).

A page file is there whole or not at all; a run killed anywhere leaves the
state folder usable by the next; the pool runs every page once, survives a
worker that dies, and reports a page that fails. The OCR engine itself is
exercised end to end in ``test_ingest_cli.py``; the scheduling tests here
use small stand-in jobs (importable functions of this module).
"""

from municipality.archive.ingest import journal
from municipality.archive.ingest.journal import Journal
from municipality.archive.ingest.journal import PageRecord
from municipality.archive.ingest.journal import StateError
from municipality.archive.ingest.pool import PageJob
from municipality.archive.ingest.pool import PagePool

import json
import multiprocessing
import os
import pytest
import signal
import subprocess
import sys
import time


def record(key="ab12-1", text="Αριθμός Απόφασης 12/1987", **overrides):
    values = {
        "key": key,
        "text": text,
        "confidence": 91.5,
        "languages": "ell",
        "image_width": 1240,
        "thumbnail_width": 200,
        "seconds": 1.25,
        "pdf": b"%PDF-1.5 page",
        "image": b"\xff\xd8\xff image",
        "thumbnail": b"\xff\xd8\xff thumb",
    }
    values.update(overrides)
    return PageRecord(**values)


def test_a_page_round_trips(tmp_path):
    with Journal(tmp_path / "state") as state:
        key = journal.page_key("ab" * 32, 3)
        assert key == "ab" * 32 + "-3"
        path = state.page_path(key)
        assert path.parent.name == "ab"
        journal.write_page(path, record(key))
        back = state.read_page(key)
        assert back == record(key)
        meta = state.page_meta(key)
        assert meta.text == "Αριθμός Απόφασης 12/1987"
        assert meta.pdf is None
        assert state.usable_page(key, "ell", 1240, 200)
        # Read otherwise, the page is read again.
        assert not state.usable_page(key, "ell+grc", 1240, 200)
        assert not state.usable_page(key, "ell", 1000, 200)
        assert not state.usable_page(key, "ell", 1240, 100)
        assert state.page_count() == 1
        state.drop_page(key)
        state.drop_page(key)
        assert state.page_meta(key) is None


def test_the_number_check_round_trips(tmp_path):
    """The verdicts on the number's and the date's second readings and on
    lines left out are kept with the page; a page stored before there was
    one reads as not checked."""
    with Journal(tmp_path / "state") as state:
        key = journal.page_key("cd" * 32, 1)
        journal.write_page(state.page_path(key), record(key, number_check="corrected"))
        assert state.read_page(key).number_check == "corrected"
        assert state.page_meta(key).number_check == "corrected"
        journal.write_page(state.page_path(key), record(key))
        assert state.read_page(key).number_check is None
        assert state.read_page(key).date_check is None
        journal.write_page(state.page_path(key), record(key, date_check="unresolved"))
        assert state.read_page(key).date_check == "unresolved"
        assert state.page_meta(key).date_check == "unresolved"
        assert state.read_page(key).lines_check is None
        journal.write_page(state.page_path(key), record(key, lines_check="recovered"))
        assert state.read_page(key).lines_check == "recovered"
        assert state.page_meta(key).lines_check == "recovered"


def test_a_write_cut_short_leaves_the_old_page_and_no_temporary(tmp_path):
    target = tmp_path / "pages" / "p.page"
    journal.write_page(target, record(text="πρώτη"))

    def crash(stream):
        stream.write(b"PK\x03\x04 half a zip")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        journal.write_atomic(target, crash)
    assert journal.read_page(target).text == "πρώτη"
    assert [p.name for p in target.parent.iterdir()] == ["p.page"]


def test_a_killed_run_leaves_a_usable_state_folder(tmp_path):
    folder = tmp_path / "state"
    with Journal(folder) as state:
        good = "cd" * 32 + "-1"
        journal.write_page(state.page_path(good), record(good))
        # What a kill in the middle of a write leaves: a temporary file …
        stale = state.page_path("ef" * 32 + "-1")
        stale.parent.mkdir(parents=True, exist_ok=True)
        temporary = stale.with_name(f".{stale.name}.999{journal.TEMP_SUFFIX}")
        temporary.write_bytes(b"PK\x03\x04 half")
        # … and, had the disk lied about a sync, a damaged page file.
        damaged = "0a" * 32 + "-2"
        state.page_path(damaged).parent.mkdir(parents=True, exist_ok=True)
        state.page_path(damaged).write_bytes(b"PK\x03\x04 truncated")
        state.record_upload("11" * 32, url="http://site/archive/d1", files=[])
        with open(folder / "uploaded.jsonl", "a", encoding="utf-8") as log:
            log.write('{"source_hash": "22')  # a line cut by the crash
    with Journal(folder) as state:
        assert not temporary.exists()
        assert state.usable_page(good, "ell", 1240, 200)
        assert state.page_meta(damaged) is None
        assert not state.page_path(damaged).exists()
        assert list(state.uploads()) == ["11" * 32]
        # Appending after a cut line still gives whole entries.
        state.record_upload("33" * 32, url="http://site/archive/d3", files=[])
    with Journal(folder) as state:
        assert set(state.uploads()) == {"11" * 32, "33" * 32}


def test_one_run_per_state_folder(tmp_path):
    folder = tmp_path / "state"
    with Journal(folder):
        with pytest.raises(StateError, match="is in use by process"):
            Journal(folder).open()
    with Journal(folder):
        pass


def test_the_lock_goes_with_a_killed_process(tmp_path):
    folder = tmp_path / "state"
    code = (
        "import sys, time\n"
        "from municipality.archive.ingest.journal import Journal\n"
        f"state = Journal({str(folder)!r})\n"
        "state.open()\n"
        "print('locked', flush=True)\n"
        "time.sleep(60)\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout.readline().strip() == "locked"
        with pytest.raises(StateError):
            Journal(folder).open()
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    with Journal(folder):
        pass


def test_an_unwritable_state_folder_is_an_error(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(StateError, match="cannot write the state folder"):
        Journal(tmp_path / "file" / "state").open()


def test_file_hashes_are_remembered_until_the_file_changes(tmp_path):
    scan = tmp_path / "a.tif"
    scan.write_bytes(b"one")
    with Journal(tmp_path / "state") as state:
        assert state.known_file(scan) is None
        state.remember_file(scan, "h1", 2)
        assert state.known_file(scan) == ("h1", 2)
    with Journal(tmp_path / "state") as state:
        assert state.known_file(scan) == ("h1", 2)
        scan.write_bytes(b"other")
        assert state.known_file(scan) is None


def test_uploads_and_the_files_they_came_from(tmp_path):
    with Journal(tmp_path / "state") as state:
        state.record_upload(
            "aa", url="u1", files=[["v/1.tif", "h1"], ["v/2.tif", "h2"]]
        )
        state.record_upload("bb", url="u2", files=[["v/1.tif", "h3"]])
        assert state.previous_hashes() == {"v/1.tif": "h3", "v/2.tif": "h2"}
        lines = (tmp_path / "state" / "uploaded.jsonl").read_text().splitlines()
        assert [json.loads(line)["url"] for line in lines] == ["u1", "u2"]


def test_a_dry_run_writes_nothing(tmp_path):
    folder = tmp_path / "state"
    with Journal(folder, readonly=True) as state:
        state.remember_file(__file__, "h", 1)
        state.record_upload("aa", url="u")
    assert not folder.exists()


# -- scheduling ---------------------------------------------------------------


def stand_in(job):
    """A job that records which process did which page."""
    if job.path == "fail":
        raise ValueError(f"{job.key}: cannot read")
    if job.path == "die" or (job.path == "die-once" and not os.path.exists(job.target)):
        open(job.target, "w").close()  # noqa: SIM115
        os._exit(3)
    time.sleep(0.05)
    return (job.key, os.getpid(), os.environ.get("OMP_THREAD_LIMIT"))


def jobs(paths, tmp_path):
    for number, path in enumerate(paths):
        yield PageJob(
            key=f"k{number}",
            path=path,
            index=0,
            languages="ell",
            image_width=1240,
            thumbnail_width=200,
            target=str(tmp_path / f"k{number}"),
        )


def test_every_page_once_on_all_workers(tmp_path):
    results, errors = [], []
    pool = PagePool(2, function=stand_in)
    pool.run(
        jobs(["ok"] * 12 + ["fail"], tmp_path),
        lambda job, result, error: (results if error is None else errors).append(
            result or (job.key, error)
        ),
    )
    assert sorted(key for key, _pid, _omp in results) == sorted(
        f"k{n}" for n in range(12)
    )
    assert len({pid for _key, pid, _omp in results}) == 2
    assert {pid for _key, pid, _omp in results}.isdisjoint({os.getpid()})
    assert {omp for _key, _pid, omp in results} == {"1"}
    ((key, error),) = errors
    assert key == "k12"
    assert "cannot read" in str(error)


def _children_after(before, seconds=10):
    """The worker processes started since ``before`` still alive after ``seconds``."""
    deadline = time.monotonic() + seconds
    while True:
        left = set(multiprocessing.active_children()) - before
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.1)


def test_a_dying_worker_costs_no_page(tmp_path):
    before = set(multiprocessing.active_children())
    done = {}
    pool = PagePool(2, function=stand_in)
    pool.run(
        jobs(["ok", "die-once", "ok", "ok", "die", "ok"], tmp_path),
        lambda job, result, error: done.setdefault(job.key, error),
    )
    assert sorted(done) == [f"k{n}" for n in range(6)]
    # Died once: tried again and read; died every time: reported.
    assert done["k1"] is None
    assert "the worker died" in str(done["k4"])
    assert [k for k, e in done.items() if e is not None] == ["k4"]
    # No worker of the broken pools is left (it would keep pytest from exiting).
    assert not _children_after(before)


def test_every_worker_runs_before_the_first_job():
    """A worker started while the pool breaks would escape it (see _start)."""
    before = set(multiprocessing.active_children())
    pool = PagePool(3, function=stand_in)
    pool._start()
    try:
        workers = set(multiprocessing.active_children()) - before
        assert len(workers) == 3
        assert all(worker.is_alive() for worker in workers)
    finally:
        pool.close()
    assert not _children_after(before)


def test_a_worker_reads_the_number_again_only_when_asked(tmp_path):
    """The real worker function on a rendered page (real Tesseract): the
    number phrase is read a second time for a decision whose number the
    manifest lacks, and the verdict is kept with the page."""
    from municipality.archive import testpages
    from municipality.archive.ingest.pool import read_page

    text = (
        "ΑΠΟΣΠΑΣΜΑ\nΑριθμός Απόφασης 45/1987\nΣήμερα, την 3η Αυγούστου 1987 "
        "συνήλθε το Δημοτικό Συμβούλιο."
    )
    page = testpages.render_page(text)
    page = page.crop((0, 0, page.width, 600))
    scan = tmp_path / "scan.png"
    page.save(scan, dpi=(300, 300))
    checks = {}
    for read_number in (True, False):
        target = tmp_path / f"page-{read_number}.page"
        job = PageJob(
            key=f"k-{read_number}",
            path=str(scan),
            index=0,
            languages="ell",
            image_width=1240,
            thumbnail_width=200,
            target=str(target),
            read_number=read_number,
            read_date=read_number,
        )
        read_page(job)
        stored = journal.read_page(target, data=False)
        assert "45/1987" in stored.text
        checks[read_number] = stored.number_check, stored.date_check
    assert checks == {True: ("confirmed", "confirmed"), False: (None, None)}
