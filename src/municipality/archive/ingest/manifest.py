"""The batch: the manifest (CSV) and the scans folders, checked before any OCR.

A manifest row names one scan file (its path relative to a scans folder) and,
where known, the decision it belongs to and that decision's metadata::

    file,decision,number,year,meeting_date,subject,volume,box,polytonic
    vol12/0001.tif,1987-123,123,1987,15/03/1987,Ύδρευση Αγίου Νικολάου,12,4,
    vol12/0002.tif,1987-123,,,,,,,

Rows sharing ``decision`` are the pages of one decision, in row order; a row
with no ``decision`` is a decision of its own (every page of its file). Greek
headers are accepted (``αρχείο, απόφαση, αριθμός, έτος, ημερομηνία, θέμα,
τόμος, κουτί, πολυτονικό``), in any case and with or without accents; the file
may be UTF-8 with or without a BOM, separated by ``,`` ``;`` or a tab (what a
Greek Excel writes). Row numbers in messages are the spreadsheet's (the
header is row 1).

:func:`plan` reads the manifest and the folders and returns a :class:`Batch`:
the decisions to ingest, the files skipped, and every error found — a batch
with errors is not started. No Plone here: the tool runs anywhere.
"""

from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import csv
import datetime
import io
import os
import re
import unicodedata


#: The scan formats the OCR engine reads (compared case-insensitively).
SUPPORTED = (".tif", ".tiff", ".jpg", ".jpeg", ".png", ".pdf")

#: Column → the header names accepted for it (compared folded: no accents,
#: lower case, spaces/hyphens as underscores).
COLUMNS = {
    "file": ("file", "filename", "path", "αρχειο", "αρχεια"),
    "decision": ("decision", "αποφαση"),
    "number": ("number", "decision_number", "αριθμος", "αριθμος_αποφασης"),
    "year": ("year", "ετος"),
    "meeting_date": (
        "meeting_date",
        "date",
        "ημερομηνια",
        "ημερομηνια_συνεδριασης",
    ),
    "subject": ("subject", "θεμα"),
    "volume": ("volume", "τομος"),
    "box": ("box", "κουτι"),
    "polytonic": ("polytonic", "πολυτονικο"),
}

#: Lowest and highest year a decision may carry (the content type's bounds).
YEARS = (1830, 2100)
#: The longest decision number the site stores.
NUMBER_LENGTH = 20

YES = frozenset({"yes", "y", "true", "1", "x", "ναι", "ν"})
NO = frozenset({"no", "n", "false", "0", "οχι", "ο"})

_NUMBER_WITH_YEAR = re.compile(r"^\s*([^/\s]+)\s*/\s*(\d{4})\s*$")
_DATE_FORMS = (
    (re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$"), ("d", "m", "y")),
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), ("y", "m", "d")),
)


#: Where :func:`read_rows` puts the cells beyond the header's columns.
EXTRA = "\0extra"


class ManifestError(ValueError):
    """The manifest cannot be read at all (encoding, no header, no file column)."""


@dataclass
class Decision:
    """One decision of the batch: its files in order and what the manifest says.

    ``files`` are the names as the site stores them (``source_files``: the
    manifest's path, ``/``-separated); ``paths`` the files on this machine.
    ``rows`` are the manifest rows (empty: a file found in a scans folder but
    not in the manifest, whose metadata will come from its text).
    """

    key: str
    files: list = field(default_factory=list)
    paths: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    number: str | None = None
    year: int | None = None
    meeting_date: datetime.date | None = None
    subject: str = ""
    volume: str = ""
    box: str = ""
    polytonic: bool | None = None

    @property
    def listed(self):
        """True when the manifest lists it."""
        return bool(self.rows)

    @property
    def label(self):
        """How messages name it: the manifest's key or the file, and the rows."""
        if not self.rows:
            return f"{self.files[0]} (not in the manifest)"
        rows = _rows_text(self.rows)
        if self.key.startswith("\0"):
            return f"{self.files[0]} ({rows})"
        return f"decision «{self.key}» ({rows})"


@dataclass
class Batch:
    """What :func:`plan` found: decisions in order, problems, and the files
    skipped as ``(name, reason)``."""

    decisions: list = field(default_factory=list)
    skipped: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    manifest: Path | None = None


def fold(text):
    """Lower case, no accents or diaeresis, final sigma as σ (for header names)."""
    text = unicodedata.normalize("NFKD", text or "")
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.casefold().replace("ς", "σ")
    return re.sub(r"[\s\-]+", "_", text.strip())


_HEADERS = {}
for _column, _names in COLUMNS.items():
    for _name in _names:
        _HEADERS[fold(_name)] = _column


def parse_year(value):
    """``"1987"`` → 1987; ValueError with a reason for anything else."""
    text = value.strip()
    if not re.fullmatch(r"\d{4}", text):
        raise ValueError(f"year «{value}» is not a year (four digits, e.g. 1987)")
    year = int(text)
    if not YEARS[0] <= year <= YEARS[1]:
        raise ValueError(f"year {year} is outside {YEARS[0]}–{YEARS[1]}")
    return year


def parse_date(value):
    """dd/mm/yyyy (also with . or -) or yyyy-mm-dd → ``datetime.date``."""
    text = value.strip()
    for pattern, order in _DATE_FORMS:
        match = pattern.match(text)
        if match:
            parts = dict(zip(order, (int(g) for g in match.groups()), strict=True))
            try:
                date = datetime.date(parts["y"], parts["m"], parts["d"])
            except ValueError as error:
                raise ValueError(f"date «{value}» does not exist ({error})") from None
            if not YEARS[0] <= date.year <= YEARS[1]:
                raise ValueError(
                    f"date «{value}» is outside the years {YEARS[0]}–{YEARS[1]}"
                )
            return date
    raise ValueError(f"date «{value}» is not dd/mm/yyyy or yyyy-mm-dd")


def parse_number(value):
    """The decision number as written; «123/1987» → ("123", 1987)."""
    text = " ".join(value.split())
    year = None
    match = _NUMBER_WITH_YEAR.match(text)
    if match:
        text, year = match.group(1), parse_year(match.group(2))
    if len(text) > NUMBER_LENGTH:
        raise ValueError(f"number «{value}» is longer than {NUMBER_LENGTH} characters")
    return text, year


def parse_flag(value):
    """yes/no (ναι/όχι, 1/0, true/false) → bool; empty → None."""
    text = fold(value)
    if not text:
        return None
    if text in YES:
        return True
    if text in NO:
        return False
    raise ValueError(f"polytonic «{value}» is not yes or no")


def normalise_name(name):
    """A file name as the manifest and the folders are compared: NFC, ``/``.

    NFC because a Mac writes Greek file names decomposed (NFD) and a Windows
    spreadsheet composed; backslashes because a Windows user types them.
    """
    name = unicodedata.normalize("NFC", name.strip()).replace("\\", "/")
    while name.startswith("./"):
        name = name[2:]
    return re.sub(r"/{2,}", "/", name)


def supported(name):
    """True for a file the OCR engine reads (by its suffix, any case)."""
    return name.lower().endswith(SUPPORTED)


# -- reading the CSV ---------------------------------------------------------


def read_text(path):
    """The manifest's text and a warning when it was not UTF-8.

    UTF-8 (with or without a BOM) is expected; a Greek Excel's plain «CSV»
    is Windows-1253, read as such with a warning.
    """
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1253")
    except UnicodeDecodeError as error:
        raise ManifestError(
            f"{path}: not UTF-8 text (byte {error.start}); save it as «CSV UTF-8»"
        ) from None
    return text, (
        f"{path}: not UTF-8; read as Windows-1253 (Greek). Saving it as "
        "«CSV UTF-8» avoids the guess."
    )


def _delimiter(header_line):
    counts = {d: header_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def read_rows(path):
    """The manifest's rows as ``(row number, {column: text})``, and warnings.

    Raises :class:`ManifestError` when there is no header with a file column,
    or a header names a column twice or a column this tool does not know.
    """
    text, warning = read_text(path)
    warnings = [warning] if warning else []
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if not first:
        raise ManifestError(f"{path}: the manifest is empty")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first))
    header = None
    columns = []
    rows = []
    for record in reader:
        if header is None:
            if not any(cell.strip() for cell in record):
                continue
            header = record
            seen = {}
            problems = []
            for name in header:
                column = _HEADERS.get(fold(name))
                if column is None:
                    if name.strip():
                        problems.append(f"unknown column «{name.strip()}»")
                    columns.append(None)
                    continue
                if column in seen:
                    problems.append(
                        f"columns «{seen[column]}» and «{name.strip()}» "
                        f"are both {column}"
                    )
                seen[column] = name.strip()
                columns.append(column)
            if "file" not in seen:
                problems.append("no «file» (αρχείο) column")
            if problems:
                known = ", ".join(COLUMNS)
                raise ManifestError(
                    f"{path}, row {reader.line_num}: "
                    + "; ".join(problems)
                    + f" (the columns are: {known})"
                )
            continue
        if not any(cell.strip() for cell in record):
            continue
        values = {}
        extra = [cell for cell in record[len(columns) :] if cell.strip()]
        for column, cell in zip(columns, record, strict=False):
            if column:
                values[column] = cell.strip()
        if extra:
            values[EXTRA] = extra
        rows.append((reader.line_num, values))
    if header is None:
        raise ManifestError(f"{path}: the manifest is empty")
    return rows, warnings


# -- the plan ----------------------------------------------------------------


def _rows_text(rows):
    if len(rows) == 1:
        return f"row {rows[0]}"
    if rows == list(range(rows[0], rows[-1] + 1)):
        return f"rows {rows[0]}–{rows[-1]}"
    return "rows " + ", ".join(str(r) for r in rows)


def index_folders(folders, exclude=()):
    """Every file under the scans folders: ``{NFC relative name: [(folder, path)]}``.

    Hidden files and folders (the state folder ``.ingest-state``, ``.DS_Store``)
    and the files and folders in ``exclude`` (the manifest, the report, a state
    folder elsewhere) are left out.
    """
    excluded = {Path(p).resolve() for p in exclude if p}
    found = {}
    for folder in folders:
        folder = Path(folder)
        for root, dirs, files in os.walk(folder):
            dirs[:] = sorted(
                d
                for d in dirs
                if not d.startswith(".") and (Path(root) / d).resolve() not in excluded
            )
            for name in sorted(files):
                if name.startswith(".") or name.startswith("~$"):
                    continue
                path = Path(root) / name
                if path.resolve() in excluded:
                    continue
                relative = normalise_name(path.relative_to(folder).as_posix())
                found.setdefault(relative, []).append((folder, path))
    return found


def _metadata_from_row(number, values, errors):
    """Parse one row's metadata; errors go to ``errors``; returns a dict."""
    parsed = {}
    if values.get("number"):
        try:
            parsed["number"], year = parse_number(values["number"])
        except ValueError as error:
            errors.append(f"row {number}: {error}")
        else:
            if year is not None:
                parsed["year_from_number"] = year
    if values.get("year"):
        try:
            parsed["year"] = parse_year(values["year"])
        except ValueError as error:
            errors.append(f"row {number}: {error}")
    if values.get("meeting_date"):
        try:
            parsed["meeting_date"] = parse_date(values["meeting_date"])
        except ValueError as error:
            errors.append(f"row {number}: {error}")
    for name in ("subject", "volume", "box"):
        if values.get(name):
            parsed[name] = " ".join(values[name].split())
    if values.get("polytonic"):
        try:
            parsed["polytonic"] = parse_flag(values["polytonic"])
        except ValueError as error:
            errors.append(f"row {number}: {error}")
    return parsed


_LABELS = {
    "number": "numbers",
    "year": "years",
    "meeting_date": "meeting dates",
    "subject": "subjects",
    "volume": "volumes",
    "box": "boxes",
    "polytonic": "polytonic values",
}


def _show(value):
    if isinstance(value, datetime.date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _merge(decision, rows_metadata, errors):
    """One decision's metadata from its rows; conflicting values are errors."""
    values = {}
    for row, metadata in rows_metadata:
        if "year_from_number" in metadata:
            values.setdefault("year", []).append((row, metadata["year_from_number"]))
        for name, value in metadata.items():
            if name != "year_from_number":
                values.setdefault(name, []).append((row, value))
    for name, found in values.items():
        distinct = []
        for row, value in found:
            if value not in [v for _, v in distinct]:
                distinct.append((row, value))
        if len(distinct) > 1:
            shown = ", ".join(f"{_show(v)} (row {r})" for r, v in distinct)
            errors.append(f"{decision.label}: different {_LABELS[name]}: {shown}")
            continue
        setattr(decision, name, distinct[0][1])
    if decision.year is None and decision.meeting_date is not None:
        decision.year = decision.meeting_date.year
    elif (
        decision.year is not None
        and decision.meeting_date is not None
        and decision.meeting_date.year != decision.year
    ):
        errors.append(
            f"{decision.label}: the year {decision.year} and the meeting date "
            f"{_show(decision.meeting_date)} disagree"
        )


def plan(manifest, folders, only_manifest=False, exclude=()):
    """Read the manifest and the scans folders into a :class:`Batch`.

    ``manifest`` may be None (every supported file is a decision of its own,
    its metadata read from its text). Nothing is opened but the manifest and
    the folders' listings: errors here cost no OCR.
    """
    batch = Batch(manifest=Path(manifest) if manifest else None)
    for folder in folders:
        if not Path(folder).is_dir():
            batch.errors.append(f"{folder}: no such folder")
    if batch.errors:
        return batch
    found = index_folders(folders, exclude=[manifest, *exclude])
    lowered = {}
    for name in found:
        lowered.setdefault(name.casefold(), []).append(name)

    rows = []
    if manifest is not None:
        try:
            rows, warnings = read_rows(manifest)
        except ManifestError as error:
            batch.errors.append(str(error))
            return batch
        except OSError as error:
            batch.errors.append(f"{manifest}: {error.strerror or error}")
            return batch
        batch.warnings.extend(warnings)
        if not rows:
            batch.warnings.append(f"{manifest}: the manifest lists no files")

    decisions = {}
    metadata = {}
    owner = {}
    for number, values in rows:
        if EXTRA in values:
            cells = ", ".join(values[EXTRA])
            batch.errors.append(
                f"row {number}: more cells than the header has columns ({cells})"
            )
        name = normalise_name(values.get("file", ""))
        if not name:
            batch.errors.append(f"row {number}: no file")
            continue
        parsed = _metadata_from_row(number, values, batch.errors)
        if name.startswith("/") or re.match(r"^[A-Za-z]:/", name):
            batch.errors.append(
                f"row {number}: {name}: give the path relative to a scans folder"
            )
            continue
        if ".." in name.split("/"):
            batch.errors.append(f"row {number}: {name}: «..» is not allowed")
            continue
        key = values.get("decision", "").strip()
        key = " ".join(key.split()) if key else f"\0{name}"
        if name in owner:
            other_key, other_row = owner[name]
            if other_key == key:
                batch.errors.append(
                    f"row {number}: {name} is listed twice (also row {other_row})"
                )
            else:
                where = (
                    f"decision «{other_key}»"
                    if not other_key.startswith("\0")
                    else "a decision of its own"
                )
                batch.errors.append(
                    f"row {number}: {name} is already in {where} (row {other_row}); "
                    "a file belongs to one decision"
                )
            continue
        owner[name] = (key, number)
        decision = decisions.get(key)
        if decision is None:
            decision = decisions[key] = Decision(key=key)
            metadata[key] = []
        decision.rows.append(number)
        decision.files.append(name)
        metadata[key].append((number, parsed))

        if not supported(name):
            batch.errors.append(
                f"row {number}: {name}: not a supported scan ({', '.join(SUPPORTED)})"
            )
            continue
        paths = found.get(name)
        if not paths:
            hint = lowered.get(name.casefold())
            message = f"row {number}: {name}: no such file in the scans folders"
            if hint:
                message += f" (did you mean {hint[0]}?)"
            batch.errors.append(message)
            continue
        if len(paths) > 1:
            batch.errors.append(
                f"row {number}: {name} is in more than one scans folder: "
                + ", ".join(str(p) for _, p in paths)
            )
            continue
        decision.paths.append(paths[0][1])

    for key, decision in decisions.items():
        _merge(decision, metadata[key], batch.errors)
        batch.decisions.append(decision)

    for name, paths in sorted(found.items()):
        if name in owner:
            continue
        for folder, path in paths:
            # The same relative name in two folders: tell them apart.
            shown = name if len(paths) == 1 else f"{Path(folder).name}/{name}"
            if not supported(name):
                batch.skipped.append((shown, "not a supported scan"))
            elif only_manifest:
                batch.skipped.append((shown, "not in the manifest"))
            else:
                batch.decisions.append(
                    Decision(key=f"\0{shown}", files=[shown], paths=[path])
                )
    return batch
