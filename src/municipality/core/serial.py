"""One writer at a time, within a process, to the site's shared hot spots.

Some writes land in the same few places every time: a reference-number
counter, the tail of the outbox's trees, the newest buckets of the catalog.
Two transactions of one Zope process that write them at once conflict in
ZODB, and Zope retries the loser after a random pause that doubles with
each retry (``HTTPRequest.delay_retry``), so under load a few requests wait
tens of seconds (measured with ``benchmarks/submissions.py``; figures in
``docs/performance.md``).

:class:`SerialWrites`, a WSGI filter in front of Zope, runs the process's
write requests (POST, PUT, PATCH, DELETE) one at a time, each beginning its
transaction after the previous one committed; reads run in parallel.
:func:`exclusive` does the same for the outbox worker's recording
transactions. :func:`hold_until_transaction_end` is for code that writes
outside such a block (a script, a test, a GET that numbers something): the
transaction takes the lock and keeps it until it commits or aborts;
``next_number`` calls it. Waits are bounded (:data:`LOCK_TIMEOUT`): after
it the work goes on without the lock, and a conflict, if any, is handled
by the usual retry. Between processes (several instances on RelStorage or
ZEO) nothing is serialised; ZODB's conflict detection still keeps the data
right there.
"""

from contextlib import contextmanager

import logging
import threading
import time
import transaction


logger = logging.getLogger(__name__)

LOCK_TIMEOUT = 10.0
_lock = threading.Lock()
_holders = {}  # id(transaction) -> True while that transaction holds _lock


class _ReleaseOnEnd:
    """A data manager that only releases the lock when its transaction ends."""

    transaction_manager = None

    def __init__(self, txn):
        self.key = id(txn)

    def _release(self, *args):
        if _holders.pop(self.key, None):
            _lock.release()

    abort = tpc_abort = tpc_finish = _release

    def tpc_begin(self, txn):
        pass

    def commit(self, txn):
        pass

    def tpc_vote(self, txn):
        pass

    def savepoint(self):
        return _NoSavepoint()

    def sortKey(self):
        # Last to finish: the lock is held until every other change is in.
        return "~municipality.serial"


class _NoSavepoint:
    def rollback(self):
        pass


def _transaction_of(context):
    """The transaction ``context``'s connection works in.

    It need not be the thread's default one: the outbox worker may use a
    connection with a transaction manager of its own.
    """
    jar = getattr(context, "_p_jar", None)
    manager = getattr(jar, "transaction_manager", None) or transaction.manager
    return manager.get()


def holds_lock(context=None):
    """True if the current transaction (of ``context``'s connection) holds it."""
    return bool(_holders.get(id(_transaction_of(context))) or _held_by_this_thread())


def hold_until_transaction_end(context=None, timeout=None):
    """Take the process's write lock until this transaction ends.

    :param context: A persistent object of the connection whose transaction
        should hold the lock (the site, usually); the thread's current
        transaction if ``None``.
    :param timeout: Seconds to wait; :data:`LOCK_TIMEOUT` by default.
    :returns: True if the transaction holds the lock (now or already),
        False if the wait timed out.

    A transaction that holds the lock and then waits for another thread of
    this process (a test calling its own server) must not hang both, hence
    the bounded wait.
    """
    txn = _transaction_of(context)
    if _holders.get(id(txn)) or _held_by_this_thread():
        return True
    timeout = LOCK_TIMEOUT if timeout is None else timeout
    started = time.monotonic()
    if not _lock.acquire(timeout=timeout):
        logger.warning("Waited %.0f s for the write lock; going on without it", timeout)
        return False
    waited = time.monotonic() - started
    if waited > 1:
        logger.info("Waited %.1f s for the write lock", waited)
    _holders[id(txn)] = True
    try:
        txn.join(_ReleaseOnEnd(txn))
    except BaseException:
        _holders.pop(id(txn), None)
        _lock.release()
        raise
    return True


# -- write requests, one at a time ---------------------------------------------

_thread_holders = set()  # idents of threads holding _lock for a whole request
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _held_by_this_thread():
    return threading.get_ident() in _thread_holders


@contextmanager
def exclusive(timeout=None):
    """Hold the write lock for the ``with`` block, in this thread.

    For work that begins its transaction inside the block (a write request,
    the outbox worker's recording): it then reads the database after the
    previous holder's commit. Yields True if the lock is held (or already
    was, by this thread or its transaction), False after a timed-out wait.
    """
    if _held_by_this_thread() or holds_lock():
        yield True
        return
    timeout = LOCK_TIMEOUT if timeout is None else timeout
    if not _lock.acquire(timeout=timeout):
        logger.warning("Waited %.0f s for the write lock; going on without it", timeout)
        yield False
        return
    ident = threading.get_ident()
    _thread_holders.add(ident)
    try:
        yield True
    finally:
        if ident in _thread_holders:  # not if outside() could not take it back
            _thread_holders.discard(ident)
            _lock.release()


@contextmanager
def outside(timeout=None):
    """Let other writers in while this thread waits on something slow.

    For a call to an external system made from a write request (the
    citizen's «Ενημέρωση» lookup): holding the lock through a network call
    would stall every write of the process for as long as the call takes.
    Inside the block the thread's lock is released; it is taken again after
    (bounded wait), so the request's own writes still take their turn.
    Does nothing when the thread does not hold the lock.
    """
    ident = threading.get_ident()
    if ident not in _thread_holders:
        yield
        return
    _thread_holders.discard(ident)
    _lock.release()
    try:
        yield
    finally:
        timeout = LOCK_TIMEOUT if timeout is None else timeout
        if _lock.acquire(timeout=timeout):
            _thread_holders.add(ident)
        else:
            logger.warning(
                "Waited %.0f s for the write lock again; going on without it", timeout
            )


# -- how busy the write requests are (for background work to give way) -------

_activity_lock = threading.Lock()
_active_writes = 0  # write requests running or waiting for the lock
_last_write_end = 0.0  # time.monotonic() when the latest one finished


def _write_started():
    global _active_writes
    with _activity_lock:
        _active_writes += 1


def _write_ended():
    global _active_writes, _last_write_end
    with _activity_lock:
        _active_writes -= 1
        _last_write_end = time.monotonic()


def busy(within=0.05):
    """True while a write request runs or waits, or ended ``within`` s ago.

    The outbox worker asks this before each batch and gives way (a little)
    to the requests: citizens and the bank's notifications wait on the same
    lock and the same interpreter as the worker's deliveries.
    """
    with _activity_lock:
        return _active_writes > 0 or time.monotonic() - _last_write_end < within


class SerialWrites:
    """WSGI middleware: this process's write requests run one at a time.

    Placed in front of Zope (``zope.ini``), it takes the write lock before
    Zope begins the request's transaction, so each write request reads the
    database as the previous one left it and no two of them conflict; Zope's
    conflict retries, with their growing random pauses, are not needed
    between them. Reads run in parallel as before. The wait is bounded like
    the lock's: after :data:`LOCK_TIMEOUT` the request goes on without it.
    """

    def __init__(self, app, timeout=None):
        self.app = app
        self.timeout = LOCK_TIMEOUT if timeout is None else float(timeout)

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD", "GET").upper() not in WRITE_METHODS:
            return self.app(environ, start_response)
        _write_started()
        try:
            with exclusive(self.timeout):
                # Zope commits before it returns; the body is already rendered.
                return self.app(environ, start_response)
        finally:
            _write_ended()


def filter_factory(global_conf, **local_conf):
    """``[filter:serialwrites] use = call:municipality.core.serial:filter_factory``"""
    timeout = local_conf.get("timeout")

    def make(app):
        return SerialWrites(app, timeout)

    return make
