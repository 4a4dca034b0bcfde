"""OCR in worker processes, one page a job.

Each worker is a fresh interpreter (``spawn``: no Plone, no copy of the main
process's memory, no threads inherited) with ``OMP_THREAD_LIMIT=1`` — one
Tesseract thread per process is several times faster on a small machine than
Tesseract's own threading. A job decodes its one page (``ocr.load_page``),
reads it (``ocr.ocr_page``: text, confidence, PDF page, image, thumbnail in
one Tesseract run) and writes the result into the state folder itself
(``journal.write_page``, atomic), returning only a few numbers: the page
images never pass through the main process. On Linux a worker dies with the
main process (``PR_SET_PDEATHSIG``), so a killed run leaves no orphans
writing into the state folder of the next.

:class:`PagePool` keeps a few more jobs queued than there are workers, so no
core waits, and takes the jobs lazily from an iterator, so a batch of 50,000
pages is never held as 50,000 futures.
"""

from concurrent.futures import FIRST_COMPLETED
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from municipality.archive.ingest import journal

import contextlib
import multiprocessing
import os
import signal


# How long a worker waits at the start for the pool's others (seconds).
STARTUP_TIMEOUT = 120


@dataclass(frozen=True)
class PageJob:
    """One page to read: page ``index`` (0-based) of ``path``, stored at ``target``.

    ``read_number``: the page belongs to a decision whose number the manifest
    does not give, so a number phrase on it is read a second time
    (``ocr.check_number_and_date``); ``read_date`` the same for the meeting
    date. With the manifest's number and date that run is spared.
    """

    key: str
    path: str
    index: int
    languages: str
    image_width: int
    thumbnail_width: int
    target: str
    read_number: bool = False
    read_date: bool = False


@dataclass(frozen=True)
class PageDone:
    """What a worker reports of a page it stored."""

    key: str
    confidence: float | None
    seconds: float
    chars: int


def _die_with_parent(parent):
    """Linux: be killed when the main process dies (even by SIGKILL)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # pragma: no cover - not Linux
        return
    if os.getppid() != parent:
        # The parent died before prctl took effect.
        os._exit(1)


def init_worker(parent, everyone=None):
    """Start of every worker: one OCR thread, Ctrl-C left to the main process.

    ``everyone``: a barrier the pool's workers pass together (see
    :meth:`PagePool._start`).
    """
    os.environ["OMP_THREAD_LIMIT"] = "1"
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent(parent)
    if everyone is not None:
        everyone.wait(STARTUP_TIMEOUT)


def read_page(job):
    """The job of a worker: OCR one page and store it; returns :class:`PageDone`."""
    from municipality.archive import ocr

    image = ocr.load_page(job.path, job.index)
    result = ocr.ocr_page(
        image,
        languages=job.languages,
        image_width=job.image_width,
        thumbnail_width=job.thumbnail_width,
        read_number=job.read_number,
        read_date=job.read_date,
    )
    image.close()
    record = journal.PageRecord(
        key=job.key,
        text=result.text,
        confidence=result.confidence,
        languages=job.languages,
        image_width=job.image_width,
        thumbnail_width=job.thumbnail_width,
        seconds=result.seconds,
        pdf=result.pdf,
        image=result.image,
        thumbnail=result.thumbnail,
        number_check=result.number_check,
        date_check=result.date_check,
        lines_check=result.lines_check,
    )
    journal.write_page(job.target, record)
    return PageDone(
        key=job.key,
        confidence=result.confidence,
        seconds=result.seconds,
        chars=len(result.text),
    )


class PagePool:
    """Run :class:`PageJob` s on ``workers`` processes.

    ``function`` is the job (:func:`read_page`; tests of the scheduling may
    pass another importable function). :meth:`run` calls
    ``done(job, result, error)`` in the calling thread as each job ends.
    """

    def __init__(self, workers, function=read_page, queued=None):
        self.workers = max(1, int(workers))
        self.function = function
        self.queued = queued if queued is not None else self.workers * 2
        self.executor = None
        self.stopping = False

    def _start(self):
        """A new executor with all its workers running.

        All of them now, none later: the executor starts a worker when a job
        is submitted and none is idle, and a worker started while the pool
        breaks (another worker died) escapes it (CPython 3.11): it is never
        stopped, and the pool's thread waits for it for ever, so the process
        never exits. Here no job can end before every worker has passed the
        barrier, so each of the first submits starts one.
        """
        os.environ["OMP_THREAD_LIMIT"] = "1"
        context = multiprocessing.get_context("spawn")
        self.executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=context,
            initializer=init_worker,
            initargs=(os.getpid(), context.Barrier(self.workers)),
        )
        for started in [self.executor.submit(os.getpid) for _ in range(self.workers)]:
            started.result()

    def run(self, jobs, done):
        """Run every job of the iterator ``jobs``; returns when all have ended.

        A job that raises is reported with its exception. A worker that dies
        (killed, out of memory) breaks the pool and every job in flight with
        it: the pool is started again and those jobs are tried again one at
        a time, so the page that kills its worker is found and reported, and
        the others are read.
        """
        jobs = iter(jobs)
        pending = {}
        suspects = []
        alone = None
        self._start()
        try:
            while True:
                if suspects:
                    if not pending:
                        alone = suspects.pop(0)
                        pending[self.executor.submit(self.function, alone)] = alone
                else:
                    alone = None
                    while not self.stopping and len(pending) < self.queued:
                        job = next(jobs, None)
                        if job is None:
                            break
                        pending[self.executor.submit(self.function, job)] = job
                if not pending:
                    break
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                broken = False
                for future in finished:
                    job = pending.pop(future)
                    try:
                        result = future.result()
                    except BrokenProcessPool as error:
                        broken = True
                        if job is alone:
                            done(job, None, RuntimeError(f"the worker died ({error})"))
                        else:
                            suspects.append(job)
                    except Exception as error:  # noqa: BLE001 - reported per page
                        done(job, None, error)
                    else:
                        done(job, result, None)
                if broken:
                    # Every job still in flight went down with the pool.
                    suspects.extend(pending.values())
                    pending.clear()
                    self.executor.shutdown(wait=False, cancel_futures=True)
                    self._start()
        finally:
            self.close()

    def stop(self):
        """Submit nothing more (the jobs running finish and are stored)."""
        self.stopping = True

    def close(self, wait_for_running=True):
        """Shut the workers down; jobs not started are dropped."""
        if self.executor is not None:
            with contextlib.suppress(Exception):
                self.executor.shutdown(wait=wait_for_running, cancel_futures=True)
            self.executor = None
