"""Reference numbers: per series and year, gap-free, never reused, unique.

A number looks like ``ΑΙΤ-2026/000123``. Each (series, year) has a counter,
a small persistent object kept in the site's annotations. It is raised in
the transaction that creates the numbered item, so:

* **unique**: two transactions that raise the same counter conflict in
  ZODB; Zope retries the loser, which then reads the new value. The counter
  deliberately has no conflict resolution, because resolving two increments
  would hand the same number to two items.
* **gap-free**: a transaction that fails (bad input, a conflict) is aborted
  with its increment, so no number is spent without an item behind it.
* **never reused**: the counter only goes up; deleting an item leaves its
  number spent.

Many citizens submitting at once would make every pair of those
transactions conflict on the counter. So inside one process, a transaction
that takes a number holds the process's write lock until it commits or
aborts (:mod:`municipality.core.serial`), and reads the counter's latest
committed value rather than its snapshot's (see :func:`_read_latest`):
numbered transactions of one process then never conflict on the counter.
Between processes (several instances on RelStorage or ZEO) the counter
still conflicts and Zope's retry resolves it.
"""

from BTrees.OOBTree import OOBTree
from datetime import datetime
from municipality.core.serial import hold_until_transaction_end
from persistent import Persistent
from ZODB.interfaces import IMVCCStorage
from ZODB.utils import z64
from zope.annotation.interfaces import IAnnotations
from zope.component.hooks import getSite

import re
import zoneinfo


ANNOTATION_KEY = "municipality.core.refnumbers"
TIMEZONE = zoneinfo.ZoneInfo("Europe/Athens")
DIGITS = 6
_SERIES_RE = re.compile(r"^[^\s/\-]{1,12}$")
_NUMBER_RE = re.compile(r"^(?P<series>[^\s/\-]{1,12})-(?P<year>\d{4})/(?P<number>\d+)$")


class Counter(Persistent):
    """The last number given in one series and year."""

    def __init__(self):
        self.value = 0


def _read_latest(counter):
    """Bring ``counter`` to its latest committed state, past our snapshot.

    The transaction reads the database as it was when it began; another
    thread may have committed the counter since. Loading the newest revision
    (and its serial) makes our write follow that one instead of conflicting
    with it. Safe only while the write lock keeps the other threads of this
    process out, and only for storages read through ZODB's MVCC adapter.
    """
    connection = counter._p_jar
    if connection is None or counter._p_oid is None or counter._p_changed:
        return
    storage = connection.db().storage
    if IMVCCStorage.providedBy(storage):
        return
    counter._p_activate()  # a ghost would reload its snapshot state later
    if counter._p_serial == z64:
        return  # created in this transaction (and only in a savepoint so far)
    data, serial = storage.load(counter._p_oid)
    if serial != counter._p_serial:
        counter.__setstate__(connection._reader.getState(data))
        counter._p_serial = serial


def _counters(site, create):
    annotations = IAnnotations(site)
    counters = annotations.get(ANNOTATION_KEY)
    if counters is None and create:
        counters = annotations[ANNOTATION_KEY] = OOBTree()
    return counters


def current_year():
    """The year in Athens now: numbering restarts at Greek midnight, not UTC's."""
    return datetime.now(TIMEZONE).year


def format_number(series, year, number):
    """Return the display form: ``("ΑΙΤ", 2026, 123)`` → ``ΑΙΤ-2026/000123``."""
    return f"{series}-{year}/{number:0{DIGITS}d}"


def parse_number(reference):
    """Return ``(series, year, number)`` of a reference, or raise ``ValueError``."""
    match = _NUMBER_RE.match(reference or "")
    if match is None:
        raise ValueError(f"Not a reference number: {reference!r}")
    return match["series"], int(match["year"]), int(match["number"])


def next_number(series, year=None, site=None):
    """Spend and return the next reference number of ``series`` in ``year``.

    Call it inside the transaction that stores the numbered item: the
    number is spent only if that transaction commits.

    :param series: A short code without spaces, dashes or slashes, e.g. ``ΑΙΤ``.
    :param year: Defaults to the current year in Athens.
    :param site: Defaults to the current site.
    :returns: The formatted number, e.g. ``ΑΙΤ-2026/000001``.
    """
    if not _SERIES_RE.match(series or ""):
        raise ValueError(f"Bad series {series!r}: 1-12 characters, no spaces, - or /")
    year = int(year or current_year())
    site = site or getSite()
    counters = _counters(site, create=True)
    key = f"{series}/{year}"
    locked = hold_until_transaction_end(site)
    counter = counters.get(key)
    if counter is None:
        counter = counters[key] = Counter()
    if locked:
        _read_latest(counter)
    counter.value += 1
    return format_number(series, year, counter.value)


def last_number(series, year=None, site=None):
    """The last number spent in ``series`` and ``year`` (0 when none was)."""
    counters = _counters(site or getSite(), create=False)
    if counters is None:
        return 0
    counter = counters.get(f"{series}/{int(year or current_year())}")
    return counter.value if counter is not None else 0
