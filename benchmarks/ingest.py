"""Pages per minute through the whole ingestion, beside raw Tesseract, same run.

    .venv/bin/python benchmarks/ingest.py [--pages 96] [--runs 3] [--workers 2]

The default batch is 96 pages (about two minutes of Tesseract on two cores):
the tool's fixed costs — its start, the workers' start, the last decision's
upload after the last page — are a few core-seconds, which weigh on a batch
of a few pages and not on the thousands of a real one; ``--pages 24`` shows
them.

Each run:

1. **generates** ``--pages`` A4 pages of council decisions
   (:mod:`municipality.archive.corpus`, set by ``testpages.render_page``):
   decisions of two to four pages from 1958 to 2009, clean and noisy,
   saved as multi-page TIFF, a PNG per page, multi-page PDF and a JPEG per
   page, with their manifest. New text every run (a random salt), so the
   site has none of them. Not timed;
2. **raw Tesseract**: ``ocr.raw_tesseract`` (the Tesseract CLI, text output
   only, ``OMP_THREAD_LIMIT=1``) on every file, two at a time — both cores
   busy — with the models the pipeline will use (``ell+grc`` for the
   polytonic years, ``ell`` after). Timed: pages per minute;
3. **the pipeline**: ``municipality-archive-ingest --workers 2`` into a
   running site, fresh state folder: hashing, OCR with text, confidence and
   the PDF page in one Tesseract pass, page images and thumbnails, PDF/A,
   upload over plone.restapi, the site storing and indexing each decision.
   Timed from start to exit: pages per minute, and the ratio to raw.

CPU: the CPU seconds of raw Tesseract, and of the pipeline split into the
command's tree (the command, its workers and their Tesseract runs, from
``wait4``) and the Zope process (``/proc``), beside the core-seconds the run
had (cores × wall time): where the pipeline's time beyond Tesseract goes.

Memory: the peak resident set (VmHWM, sampled every 0.2 s) of the command,
of each of its worker processes and of the Tesseract processes, and of the
Zope process. Prints each run and the medians.

The site is a benchmark instance of its own (``var/benchmarks/ingest``,
made on the first run, see ``archive_site.py``) with a ``bench-archivist``
user; or an existing site (``--site``, ``--user``, ``--password-file``,
``--zope-pid`` to report its memory).

Targets (issue 6): pipeline ≥ 0.85× raw Tesseract; each worker < 300 MB.
"""

from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import argparse
import csv
import json
import os
import platform
import random
import requests
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time


ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from archive_site import BenchInstance  # noqa: E402
from archive_site import memory_kb  # noqa: E402


os.environ["OMP_THREAD_LIMIT"] = "1"
BENCH_USER = "bench-archivist"
BENCH_PASSWORD = "bench-Passw0rd!"  # noqa: S105 - a throwaway benchmark account
YEARS = (1958, 2004, 1967, 1993, 1979, 2009, 1985, 1999)
FORMATS = ("tiff", "png", "pdf", "jpeg")
POLYTONIC_BEFORE = 1982  # the site's default polytonic_before_year


# -- the pages ----------------------------------------------------------------


def _render_decision(task):
    """Render and save one decision's pages (in a worker process)."""
    from municipality.archive import corpus
    from municipality.archive import testpages

    import datetime

    folder, key, year, number, pages, fmt, noisy, seed = task
    for attempt in range(20):
        rng = random.Random(f"{seed}:{attempt}")  # noqa: S311
        item = corpus.decision(
            rng, number, year, pages=pages, page_size=corpus.RENDERED_PAGE
        )
        try:
            images = [
                testpages.render_page(
                    text, noisy=noisy, seed=i, polytonic=item["polytonic"]
                )
                for i, text in enumerate(item["pages"])
            ]
            break
        except ValueError:
            continue  # a page too long for A4: draw the decision again
    else:
        raise RuntimeError(f"no decision of {pages} pages fits A4 ({key})")
    base = Path(folder) / f"{year}" / key
    base.parent.mkdir(parents=True, exist_ok=True)
    dpi = (300, 300)
    names = []
    if fmt == "tiff":
        path = base.with_suffix(".tif")
        images[0].save(
            path,
            "TIFF",
            save_all=True,
            append_images=images[1:],
            compression="tiff_deflate",
            dpi=dpi,
        )
        names.append(path)
    elif fmt == "pdf":
        path = base.with_suffix(".pdf")
        when = datetime.datetime(2024, 1, 1).timetuple()
        images[0].save(
            path,
            "PDF",
            save_all=True,
            append_images=images[1:],
            resolution=300.0,
            creationDate=when,
            modDate=when,
        )
        names.append(path)
    else:
        for index, image in enumerate(images, 1):
            suffix = ".jpg" if fmt == "jpeg" else ".png"
            path = base.parent / f"{key}-{index}{suffix}"
            if fmt == "jpeg":
                image.save(path, "JPEG", quality=88, dpi=dpi)
            else:
                image.save(path, "PNG", dpi=dpi)
            names.append(path)
    return {
        "key": key,
        "year": year,
        "number": number,
        "meeting_date": item["meeting_date"].strftime("%d/%m/%Y"),
        "subject": item["subject"],
        "files": [str(p.relative_to(folder)) for p in names],
        "pages": pages,
        "polytonic": item["polytonic"],
        "noisy": noisy,
        "format": fmt,
    }


def make_batch(folder, pages, salt):
    """``pages`` pages in decisions of 2–4 pages, and ``manifest.csv``."""
    rng = random.Random(salt)  # noqa: S311
    tasks = []
    left = pages
    index = 0
    while left > 0:
        count = min(left, rng.randint(2, 4))
        if left - count == 1:
            count += 1  # never a one-page decision last (no room on A4)
        year = YEARS[index % len(YEARS)]
        tasks.append(
            (
                str(folder),
                f"d{index + 1:03d}",
                year,
                rng.randint(1, 300),
                count,
                FORMATS[index % len(FORMATS)],
                index % 2 == 1,
                f"{salt}:{index}",
            )
        )
        left -= count
        index += 1
    with ProcessPoolExecutor(2) as pool:
        decisions = list(pool.map(_render_decision, tasks))
    with open(folder / "manifest.csv", "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            ("file", "decision", "number", "year", "meeting_date", "subject")
        )
        for d in decisions:
            for i, name in enumerate(d["files"]):
                first = i == 0
                writer.writerow(
                    (
                        name,
                        d["key"],
                        d["number"] if first else "",
                        d["year"] if first else "",
                        d["meeting_date"] if first else "",
                        d["subject"] if first else "",
                    )
                )
    return decisions


def languages_of(decision):
    return "ell+grc" if decision["year"] < POLYTONIC_BEFORE else "ell"


# -- raw Tesseract -------------------------------------------------------------


def raw_tesseract(folder, decisions, workers):
    """Every file through ``ocr.raw_tesseract``, ``workers`` at a time."""
    from municipality.archive import ocr

    jobs = [
        (folder / name, languages_of(d), d["pages"] if len(d["files"]) == 1 else 1)
        for d in decisions
        for name in d["files"]
    ]
    jobs.sort(key=lambda job: -job[2])  # longest first: no lone tail
    cpu = _children_cpu()
    started = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        texts = list(pool.map(lambda job: ocr.raw_tesseract(job[0], job[1]), jobs))
    seconds = time.perf_counter() - started
    cpu = _children_cpu() - cpu
    if not all(text.strip() for text in texts):
        raise RuntimeError("raw Tesseract read nothing on some file")
    return seconds, cpu


# -- CPU time --------------------------------------------------------------------


def _children_cpu():
    """CPU seconds (user + system) of this process's finished children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def process_cpu(pid):
    """CPU seconds (user + system) a running process has used so far."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    # After the command's name: state is field 3, utime 14 and stime 15.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# -- the pipeline ----------------------------------------------------------------


def _children(pid):
    found = []
    try:
        tasks = Path(f"/proc/{pid}/task").iterdir()
        for task in tasks:
            text = (task / "children").read_text()
            found += [int(p) for p in text.split()]
    except OSError:
        pass
    return found


def _comm(pid):
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return "?"


class Sampler(threading.Thread):
    """Peak RSS of a process tree, sampled every ``interval`` seconds."""

    def __init__(self, pid, interval=0.2):
        super().__init__(daemon=True)
        self.root = pid
        self.interval = interval
        self.peaks = {}  # pid -> (comm, peak kB)
        self.stopped = threading.Event()

    def run(self):
        while not self.stopped.is_set():
            stack = [self.root]
            while stack:
                pid = stack.pop()
                peak = memory_kb(pid)
                if peak:
                    comm, old = self.peaks.get(pid, (_comm(pid), 0))
                    self.peaks[pid] = (comm, max(old, peak))
                stack += _children(pid)
            self.stopped.wait(self.interval)

    def stop(self):
        self.stopped.set()
        self.join()

    def peak(self, which):
        """MB: the command, its Python workers, or the Tesseract processes."""
        values = []
        for pid, (comm, kb) in self.peaks.items():
            if which == "command" and pid == self.root:
                values.append(kb)
            elif which == "workers" and pid != self.root and "tesseract" not in comm:
                values.append(kb)
            elif which == "tesseract" and "tesseract" in comm:
                values.append(kb)
        return max(values) / 1024 if values else 0.0


def pipeline(folder, site, user, password, workers):
    """The command on the batch; returns (seconds, summary, sampler, CPU
    seconds of the command with its workers and their Tesseract runs)."""
    state = Path(tempfile.mkdtemp(prefix="bench-ingest-state-"))
    summary_file = state / "summary.json"
    script = Path(sys.executable).with_name("municipality-archive-ingest")
    command = [
        str(script),
        "--site",
        site,
        "--user",
        user,
        "--manifest",
        str(folder / "manifest.csv"),
        "--state",
        str(state / "state"),
        "--workers",
        str(workers),
        "--no-progress",
        "--summary-json",
        str(summary_file),
        str(folder),
    ]
    env = {**os.environ, "MUNICIPALITY_ARCHIVE_PASSWORD": password}
    started = time.perf_counter()
    process = subprocess.Popen(  # noqa: S603 - our own console script
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    sampler = Sampler(process.pid)
    sampler.start()
    output = process.stdout.read()
    # wait4: the exit status and the CPU time of the whole tree (the command,
    # its workers and their Tesseract runs, each waited for by its parent).
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    process.stdout.close()
    seconds = time.perf_counter() - started
    cpu = usage.ru_utime + usage.ru_stime
    sampler.stop()
    if process.returncode != 0:
        raise RuntimeError(f"the command ended with {process.returncode}:\n{output}")
    summary = json.loads(summary_file.read_text(encoding="utf-8"))
    shutil.rmtree(state, ignore_errors=True)
    return seconds, summary, sampler, cpu


# -- the site ---------------------------------------------------------------------


def ensure_user(site, admin):
    """``bench-archivist`` in the archivists group (made once)."""
    s = requests.Session()
    s.auth = admin
    s.headers["Accept"] = "application/json"
    if s.get(f"{site}/@users/{BENCH_USER}", timeout=60).status_code == 404:
        s.post(
            f"{site}/@users",
            json={
                "username": BENCH_USER,
                "email": f"{BENCH_USER}@example.gr",
                "password": BENCH_PASSWORD,
                "fullname": "Αρχειονόμος Μετρήσεων",
            },
            timeout=60,
        ).raise_for_status()
    s.patch(
        f"{site}/@groups/archivists",
        json={"users": {BENCH_USER: True}},
        timeout=60,
    ).raise_for_status()


def tesseract_version():
    completed = subprocess.run(
        ["tesseract", "--version"], capture_output=True, text=True, check=False
    )
    return (completed.stdout or completed.stderr).splitlines()[0]


def machine():
    memory = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal:"):
            memory = int(line.split()[1]) // (1024 * 1024)
    return (
        f"{len(os.sched_getaffinity(0))} cores, {memory} GiB, "
        f"{platform.platform(terse=True)}, Python {platform.python_version()}, "
        f"{tesseract_version()}"
    )


def run(args, site, user, password, zope_pid):
    results = []
    for number in range(1, args.runs + 1):
        folder = Path(tempfile.mkdtemp(prefix="bench-ingest-scans-"))
        salt = f"{time.time_ns()}:{number}"
        made = time.perf_counter()
        decisions = make_batch(folder, args.pages, salt)
        made = time.perf_counter() - made
        raw, raw_cpu = raw_tesseract(folder, decisions, args.workers)
        zope_cpu = process_cpu(zope_pid) if zope_pid else 0.0
        seconds, summary, sampler, cpu = pipeline(
            folder, site, user, password, args.workers
        )
        zope_cpu = process_cpu(zope_pid) - zope_cpu if zope_pid else 0.0
        if summary["uploaded"] != len(decisions) or summary["pages_ocred"] != (
            args.pages
        ):
            raise RuntimeError(f"not everything was ingested: {summary}")
        result = {
            "raw": args.pages / raw * 60,
            "pipeline": args.pages / seconds * 60,
            "raw_s": raw,
            "pipeline_s": seconds,
            "command": sampler.peak("command"),
            "workers": sampler.peak("workers"),
            "tesseract": sampler.peak("tesseract"),
            "zope": memory_kb(zope_pid) / 1024 if zope_pid else 0.0,
            "flagged": summary.get("flagged", 0),
            "low": summary.get("low_confidence", 0),
            "raw_cpu": raw_cpu,
            "command_cpu": cpu,
            "tesseract_wall": summary.get("ocr_seconds", 0.0),
            "zope_cpu": zope_cpu,
        }
        result["ratio"] = result["pipeline"] / result["raw"]
        results.append(result)
        formats = sorted({d["format"] for d in decisions})
        print(
            f"run {number}: {args.pages} pages in {len(decisions)} decisions "
            f"({', '.join(formats)}; {sum(d['noisy'] for d in decisions)} noisy, "
            f"{sum(d['polytonic'] for d in decisions)} polytonic), made in "
            f"{made:.0f} s",
            flush=True,
        )
        print(
            f"  raw Tesseract {result['raw']:6.1f} pages/min ({raw:.1f} s)   "
            f"pipeline {result['pipeline']:6.1f} pages/min ({seconds:.1f} s)   "
            f"ratio {result['ratio']:.2f}",
            flush=True,
        )
        print(
            f"  peak RSS: command {result['command']:.0f} MB, workers "
            f"{result['workers']:.0f} MB, tesseract {result['tesseract']:.0f} MB, "
            f"Zope {result['zope']:.0f} MB; {result['low']} low-confidence "
            f"pages, {result['flagged']} decisions flagged",
            flush=True,
        )
        cores = os.cpu_count() or 1
        idle = cores * seconds - cpu - zope_cpu
        print(
            f"  CPU s: raw Tesseract {raw_cpu:.1f} of {cores * raw:.1f} core-s; "
            f"pipeline {cpu + zope_cpu:.1f} of {cores * seconds:.1f} core-s — "
            f"the command with workers and Tesseract {cpu:.1f} (Tesseract runs "
            f"{result['tesseract_wall']:.1f} s wall), Zope {zope_cpu:.1f}, "
            f"idle {idle:.1f}",
            flush=True,
        )
        shutil.rmtree(folder, ignore_errors=True)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=96)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--site", help="an existing site (default: our own instance)")
    parser.add_argument("--user", default=BENCH_USER)
    parser.add_argument("--password-file", type=Path)
    parser.add_argument("--zope-pid", type=int, help="the existing site's Zope pid")
    args = parser.parse_args()
    print(machine())
    bench = None
    if args.site:
        site, user, zope_pid = args.site, args.user, args.zope_pid
        password = (
            args.password_file.read_text(encoding="utf-8").splitlines()[0]
            if args.password_file
            else os.environ["MUNICIPALITY_ARCHIVE_PASSWORD"]
        )
    else:
        bench = BenchInstance("ingest")
        bench.prepare()
        site = bench.start()
        zope_pid = bench.zope_pid
        ensure_user(site, bench.admin)
        user, password = BENCH_USER, BENCH_PASSWORD
    try:
        # Warm Tesseract's models into the page cache before anything is timed.
        from municipality.archive import ocr
        from municipality.archive import testpages

        with tempfile.TemporaryDirectory() as tmp:
            page = testpages.render_page("Δοκιμή θέρμανσης")
            page.save(Path(tmp) / "warm.png", dpi=(300, 300))
            for languages in ("ell", "ell+grc"):
                ocr.raw_tesseract(Path(tmp) / "warm.png", languages)
        results = run(args, site, user, password, zope_pid)
    finally:
        if bench is not None:
            bench.stop()
    median = {key: statistics.median(r[key] for r in results) for key in results[0]}
    ratios = ", ".join(f"{r['ratio']:.2f}" for r in results)
    print(
        f"median of {len(results)}: raw {median['raw']:.1f} pages/min, pipeline "
        f"{median['pipeline']:.1f} pages/min, ratio {median['ratio']:.2f} "
        f"(runs: {ratios})"
    )
    worst = max(r["workers"] for r in results)
    print(
        f"peak RSS: command {max(r['command'] for r in results):.0f} MB, "
        f"workers {worst:.0f} MB (< 300 MB), tesseract "
        f"{max(r['tesseract'] for r in results):.0f} MB, Zope "
        f"{max(r['zope'] for r in results):.0f} MB"
    )
    met = median["ratio"] >= 0.85 and worst < 300
    verdict = "met" if met else "NOT met"
    print(f"target ≥ 0.85× raw Tesseract, workers < 300 MB: {verdict}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
