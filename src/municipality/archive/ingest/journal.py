"""The state folder: what a batch has done, so a run killed at any point resumes.

Layout of ``<state>/``::

    lock                 held (flock) by the run using the folder
    files.jsonl          file hashes and page counts, by path, size and mtime
    pages/ab/<hash>-<n>.page
                         one finished page: text, confidence, PDF page, image,
                         thumbnail (a ZIP, stored, one member each)
    uploaded.jsonl       the decisions the site confirmed, one JSON a line
    low-confidence.csv   the report (unless ``--report`` says elsewhere)

Every page file is written whole or not at all: to a temporary name in the
same folder, flushed to disk, then renamed over the final name
(``os.replace``), and the folder itself synced — a power cut leaves either
the old state or the new one, never half a page. A killed run's temporary
files are removed by the next. The ``.jsonl`` files only grow; a line cut by
a crash is ignored when read. The worker processes write the pages
(:func:`write_page`), the main process reads them: the page images never
travel through the main process's memory until their decision is uploaded.

No Plone here: the worker processes import this module.
"""

from dataclasses import dataclass
from pathlib import Path

import contextlib
import datetime
import json
import os
import zipfile


try:  # POSIX; on Windows the state folder is not locked.
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

#: Bumped when the page file changes shape; other versions are OCR'd again.
PAGE_FORMAT = 1
PAGE_SUFFIX = ".page"
TEMP_SUFFIX = ".tmp"
_MEMBERS = ("pdf", "image", "thumbnail")
_NAMES = {"pdf": "page.pdf", "image": "image.jpg", "thumbnail": "thumbnail.jpg"}


class StateError(RuntimeError):
    """The state folder cannot be used (locked by another run, not writable)."""


class CorruptPage(ValueError):
    """A page file that cannot be read back (it will be OCR'd again)."""


def page_key(file_hash, page):
    """The key of page ``page`` (1-based) of the file with SHA-256 ``file_hash``."""
    return f"{file_hash}-{int(page)}"


@dataclass
class PageRecord:
    """A finished page as kept in the state folder.

    ``pdf``, ``image`` and ``thumbnail`` are None when only the metadata was
    read (:meth:`Journal.page_meta`). ``number_check`` is the verdict of the
    second reading of the decision's number (``ocr.PageResult``), None when
    the page was not read for it (or was stored before there was one);
    ``date_check`` the same for the meeting date; ``lines_check`` the
    verdict on text Tesseract left out of its lines
    (``ocr.read_unread_lines``).
    """

    key: str
    text: str
    confidence: float | None
    languages: str
    image_width: int
    thumbnail_width: int
    seconds: float = 0.0
    pdf: bytes | None = None
    image: bytes | None = None
    thumbnail: bytes | None = None
    number_check: str | None = None
    date_check: str | None = None
    lines_check: str | None = None


def _fsync_folder(folder):
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover - not every platform opens folders
        return
    try:
        os.fsync(descriptor)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(descriptor)


def write_atomic(path, write):
    """Write ``path`` whole or not at all: ``write(stream)`` fills a temporary
    file in the same folder, which is synced and renamed over ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}{TEMP_SUFFIX}")
    try:
        with open(temporary, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise
    _fsync_folder(path.parent)


def write_page(path, record):
    """Store a finished page (a :class:`PageRecord` with its bytes) at ``path``."""
    meta = {
        "format": PAGE_FORMAT,
        "key": record.key,
        "text": record.text,
        "confidence": record.confidence,
        "languages": record.languages,
        "image_width": record.image_width,
        "thumbnail_width": record.thumbnail_width,
        "seconds": record.seconds,
        "number_check": record.number_check,
        "date_check": record.date_check,
        "lines_check": record.lines_check,
    }

    def write(stream):
        with zipfile.ZipFile(stream, "w", zipfile.ZIP_STORED) as archive:
            archive.writestr("meta.json", json.dumps(meta, ensure_ascii=False))
            for member in _MEMBERS:
                archive.writestr(_NAMES[member], getattr(record, member) or b"")

    write_atomic(path, write)


def read_page(path, data=True):
    """The :class:`PageRecord` at ``path`` (without the bytes if not ``data``).

    Raises :class:`CorruptPage` when the file is not a whole page file of this
    version, ``FileNotFoundError`` when there is none.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            meta = json.loads(archive.read("meta.json"))
            if meta.get("format") != PAGE_FORMAT:
                raise CorruptPage(f"{path}: page format {meta.get('format')}")
            record = PageRecord(
                key=meta["key"],
                text=meta["text"],
                confidence=meta["confidence"],
                languages=meta["languages"],
                image_width=meta["image_width"],
                thumbnail_width=meta["thumbnail_width"],
                seconds=meta.get("seconds") or 0.0,
                number_check=meta.get("number_check"),
                date_check=meta.get("date_check"),
                lines_check=meta.get("lines_check"),
            )
            if data:
                for member in _MEMBERS:
                    setattr(record, member, archive.read(_NAMES[member]))
    except FileNotFoundError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, TypeError, OSError) as error:
        if isinstance(error, CorruptPage):
            raise
        raise CorruptPage(f"{path}: {error}") from error
    return record


def _read_lines(path):
    """The JSON objects of a ``.jsonl`` file; a line cut by a crash is skipped."""
    entries = []
    try:
        with open(path, encoding="utf-8") as stream:
            for line in stream:
                line = line.strip()
                if not line:
                    continue
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if isinstance(entry, dict):
                    entries.append(entry)
    except FileNotFoundError:
        pass
    return entries


class Journal:
    """The state folder of a batch (see the module's docstring).

    Use as a context manager: entering creates and locks the folder (a second
    run on the same folder stops with :class:`StateError`) and removes the
    temporary files a killed run left.
    """

    def __init__(self, folder, readonly=False):
        self.folder = Path(folder)
        self.pages = self.folder / "pages"
        self.readonly = readonly
        self._lock = None
        self._files = {}
        self._uploads = {}
        self._log = []

    # -- the folder and its lock --

    def __enter__(self):
        self.open()
        return self

    def __exit__(self, *exc_info):
        self.close()

    def open(self):
        """Create and lock the folder, drop stale temporary files, read the logs.

        Read-only (a dry run): nothing is created, locked or removed.
        """
        if self.readonly:
            self._read_logs()
            return
        try:
            self.pages.mkdir(parents=True, exist_ok=True)
            self._lock = open(self.folder / "lock", "a+")  # noqa: SIM115
        except OSError as error:
            raise StateError(
                f"cannot write the state folder {self.folder}: "
                f"{error.strerror or error} (choose another with --state)"
            ) from error
        if fcntl is not None:
            try:
                fcntl.flock(self._lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                self._lock.seek(0)
                holder = self._lock.read().strip() or "another process"
                self._lock.close()
                self._lock = None
                raise StateError(
                    f"the state folder {self.folder} is in use by {holder}: "
                    "one run per batch at a time"
                ) from None
        self._lock.seek(0)
        self._lock.truncate()
        self._lock.write(f"process {os.getpid()}\n")
        self._lock.flush()
        for stale in self.folder.rglob(f".*{TEMP_SUFFIX}"):
            with contextlib.suppress(OSError):
                stale.unlink()
        self._read_logs()

    def _read_logs(self):
        for entry in _read_lines(self.folder / "files.jsonl"):
            if {"path", "size", "mtime_ns", "hash", "pages"} <= set(entry):
                self._files[entry["path"]] = entry
        for entry in _read_lines(self.folder / "uploaded.jsonl"):
            if "source_hash" in entry:
                self._uploads[entry["source_hash"]] = entry
                self._log.append(entry)

    def close(self):
        """Let go of the lock."""
        if self._lock is not None:
            self._lock.close()
            self._lock = None

    def _append(self, name, entry):
        if self.readonly:
            return
        line = (json.dumps(entry, ensure_ascii=False, sort_keys=True) + "\n").encode()
        with open(self.folder / name, "ab+") as stream:
            # A line cut by a crash must not swallow this one.
            if stream.seek(0, os.SEEK_END):
                stream.seek(-1, os.SEEK_END)
                if stream.read(1) != b"\n":
                    line = b"\n" + line
            stream.write(line)
            stream.flush()
            os.fsync(stream.fileno())

    # -- the scans: hashes and page counts --

    def known_file(self, path):
        """``(hash, pages)`` remembered for ``path`` if it has not changed since."""
        path = Path(path).resolve()
        entry = self._files.get(str(path))
        if entry is None:
            return None
        try:
            stat = path.stat()
        except OSError:
            return None
        if entry["size"] != stat.st_size or entry["mtime_ns"] != stat.st_mtime_ns:
            return None
        return entry["hash"], entry["pages"]

    def remember_file(self, path, file_hash, pages):
        """Remember the hash and page count of ``path`` as it is now."""
        path = Path(path).resolve()
        stat = path.stat()
        entry = {
            "path": str(path),
            "size": stat.st_size,
            "mtime_ns": stat.st_mtime_ns,
            "hash": file_hash,
            "pages": pages,
        }
        if self._files.get(str(path)) != entry:
            self._files[str(path)] = entry
            self._append("files.jsonl", entry)

    # -- finished pages --

    def page_path(self, key):
        """Where the page ``key`` is kept."""
        return self.pages / key[:2] / f"{key}{PAGE_SUFFIX}"

    def page_meta(self, key):
        """The page's :class:`PageRecord` without its bytes, or None.

        A page file that cannot be read is removed (it will be OCR'd again).
        """
        path = self.page_path(key)
        try:
            return read_page(path, data=False)
        except FileNotFoundError:
            return None
        except CorruptPage:
            if not self.readonly:
                with contextlib.suppress(OSError):
                    path.unlink()
            return None

    def usable_page(self, key, languages, image_width, thumbnail_width):
        """True when page ``key`` was read as this run would read it."""
        record = self.page_meta(key)
        return (
            record is not None
            and record.key == key
            and record.languages == languages
            and record.image_width == image_width
            and record.thumbnail_width == thumbnail_width
        )

    def read_page(self, key):
        """The page ``key`` with its bytes (:class:`CorruptPage` if damaged)."""
        return read_page(self.page_path(key))

    def drop_page(self, key):
        """Forget page ``key`` (its decision is in the site)."""
        with contextlib.suppress(FileNotFoundError):
            self.page_path(key).unlink()

    def page_count(self):
        """How many finished pages the folder holds."""
        return sum(1 for _ in self.pages.rglob(f"*{PAGE_SUFFIX}"))

    # -- decisions in the site --

    def uploads(self):
        """``{source_hash: entry}`` of every decision the site confirmed."""
        return dict(self._uploads)

    def record_upload(self, source_hash, **entry):
        """Remember that the site holds decision ``source_hash`` (url, files …)."""
        entry = {
            "source_hash": source_hash,
            "at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
            **entry,
        }
        self._uploads[source_hash] = entry
        self._log.append(entry)
        self._append("uploaded.jsonl", entry)
        return entry

    def previous_hashes(self):
        """``{file name: hash}`` of the files of the decisions uploaded before."""
        names = {}
        for entry in self._log:
            for name, file_hash in entry.get("files", ()):
                names[name] = file_hash
        return names
