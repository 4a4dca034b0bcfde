"""The process's write lock: held until the transaction ends, bounded wait."""

from municipality.core import outbox
from municipality.core import serial
from municipality.core.refnumbers import next_number
from zope.component import getGlobalSiteManager

import pytest
import threading
import time
import transaction


def _in_thread(func):
    result = {}

    def run():
        manager = transaction.TransactionManager()
        try:
            result["value"] = func(manager)
        finally:
            manager.abort()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


class _Holder:
    """A stand-in persistent object whose connection has its own manager."""

    def __init__(self, manager):
        self._p_jar = type("Jar", (), {"transaction_manager": manager})()


@pytest.mark.parametrize("end", ["commit", "abort"])
def test_lock_is_held_until_the_transaction_ends(end):
    transaction.begin()
    assert serial.hold_until_transaction_end() is True
    assert serial.holds_lock()
    # Taking it again in the same transaction does not wait.
    assert serial.hold_until_transaction_end(timeout=0.01) is True

    def other(manager):
        manager.begin()
        started = time.monotonic()
        got = serial.hold_until_transaction_end(_Holder(manager), timeout=5)
        return got, time.monotonic() - started

    thread, result = _in_thread(other)
    time.sleep(0.3)
    assert thread.is_alive(), "the other transaction must wait for ours"
    getattr(transaction, end)()
    thread.join(5)
    got, waited = result["value"]
    assert got is True
    assert waited >= 0.25
    assert not serial.holds_lock()


def test_the_wait_is_bounded(caplog):
    transaction.begin()
    serial.hold_until_transaction_end()

    def other(manager):
        manager.begin()
        return serial.hold_until_transaction_end(_Holder(manager), timeout=0.2)

    thread, result = _in_thread(other)
    thread.join(5)
    transaction.abort()
    assert result["value"] is False
    assert "going on without it" in caplog.text
    # Released: the next transaction gets it at once.
    transaction.begin()
    assert serial.hold_until_transaction_end(timeout=0.01) is True
    transaction.abort()


def test_a_failed_commit_releases_the_lock():
    class Failing:
        transaction_manager = None

        def abort(self, txn):
            pass

        tpc_abort = commit = tpc_begin = tpc_finish = abort

        def tpc_vote(self, txn):
            raise RuntimeError("storage refused")

        def sortKey(self):
            return "failing"

    transaction.begin()
    serial.hold_until_transaction_end()
    transaction.get().join(Failing())
    with pytest.raises(RuntimeError):
        transaction.commit()
    transaction.abort()
    assert not serial.holds_lock()
    transaction.begin()
    assert serial.hold_until_transaction_end(timeout=0.01) is True
    transaction.abort()


def test_numbering_takes_the_lock(integration):
    portal = integration["portal"]
    next_number("ΑΙΤ", site=portal)
    assert serial.holds_lock(portal)
    transaction.abort()
    assert not serial.holds_lock(portal)


class _Probe:
    """An outbox handler that notes whether the recording transaction holds it."""

    seen = []

    def deliver(self, item):
        self.seen.append(("deliver", serial.holds_lock()))
        return {"ok": True}

    def delivered(self, item, result):
        self.seen.append(("delivered", serial.holds_lock()))


def test_the_outbox_records_outcomes_under_the_lock(functional):
    portal = functional["portal"]
    gsm = getGlobalSiteManager()
    probe = _Probe()
    gsm.registerUtility(probe, outbox.IOutboxHandler, name="probe")
    try:
        outbox.enqueue("probe", {}, key="probe-1", site=portal)
        transaction.commit()
        assert outbox.process_due(portal)["delivered"] == 1
    finally:
        gsm.unregisterUtility(probe, outbox.IOutboxHandler, name="probe")
    # The call to the outside system is made without it, the recording with it.
    assert probe.seen == [("deliver", False), ("delivered", True)]
    assert not serial.holds_lock(portal)


class _Flaky:
    """Delivers everything; storing the outcome of ``bad`` fails."""

    def deliver(self, item):
        return {"ok": item.key}

    def delivered(self, item, result):
        item.payload["seen"] = True
        if item.key == "bad":
            raise RuntimeError("cannot store this one")


def test_one_outcome_that_cannot_be_stored_spoils_only_itself(functional):
    """Outcomes are recorded in one transaction per batch, each in a savepoint."""
    portal = functional["portal"]
    gsm = getGlobalSiteManager()
    gsm.registerUtility(_Flaky(), outbox.IOutboxHandler, name="flaky")
    try:
        for key in ("a", "bad", "b"):
            outbox.enqueue("flaky", {}, key=key, site=portal)
        transaction.commit()
        counts = outbox.process_due(portal)
    finally:
        gsm.unregisterUtility(provided=outbox.IOutboxHandler, name="flaky")
    assert (counts["delivered"], counts["failed"]) == (2, 1)
    transaction.begin()
    items = {item.key: item for item in outbox.get_outbox(portal).items.values()}
    for key in ("a", "b"):
        assert items[key].is_delivered
        assert items[key].payload["seen"]
    bad = items["bad"]
    assert not bad.is_delivered
    assert "seen" not in bad.payload  # rolled back with its savepoint
    assert "storing the result failed" in bad.last_error
    assert bad.next_attempt > bad.last_attempt


def _slow_app(events, pause=0.3):
    def app(environ, start_response):
        name = environ["PATH_INFO"]
        events.append(("start", name, serial.holds_lock()))
        time.sleep(pause)
        events.append(("end", name))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    return app


def _call(app, method, path):
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path}
    return app(environ, lambda status, headers: None)


def test_write_requests_take_turns_and_reads_do_not():
    events = []
    app = serial.filter_factory({})(_slow_app(events))
    calls = [("POST", "/a"), ("PATCH", "/b"), ("GET", "/c")]
    threads = [threading.Thread(target=_call, args=(app, *call)) for call in calls]
    for thread in threads:
        thread.start()
        time.sleep(0.05)
    for thread in threads:
        thread.join(5)
    order = [(e[0], e[1]) for e in events]
    # The PATCH starts only after the POST has ended; the GET does not wait.
    assert order.index(("start", "/b")) > order.index(("end", "/a"))
    assert order.index(("start", "/c")) < order.index(("end", "/a"))
    held = {e[1]: e[2] for e in events if e[0] == "start"}
    assert held == {"/a": True, "/b": True, "/c": False}
    assert not serial._thread_holders


def test_a_write_request_that_waits_too_long_goes_on(caplog):
    events = []
    app = serial.filter_factory({}, timeout="0.1")(_slow_app(events, pause=0.5))
    first = threading.Thread(target=_call, args=(app, "POST", "/slow"))
    first.start()
    time.sleep(0.05)
    assert _call(app, "POST", "/impatient") == [b"ok"]
    first.join(5)
    assert "going on without it" in caplog.text
    assert ("start", "/impatient", False) in events


def test_outside_lets_other_writers_in_during_a_slow_call():
    events = []

    def app(environ, start_response):
        name = environ["PATH_INFO"]
        events.append(("start", name))
        if name == "/lookup":
            with serial.outside():
                assert not serial.holds_lock()
                time.sleep(0.4)  # the external call
            assert serial.holds_lock()
        events.append(("end", name))
        start_response("200 OK", [])
        return [b"ok"]

    wrapped = serial.filter_factory({})(app)
    slow = threading.Thread(target=_call, args=(wrapped, "POST", "/lookup"))
    slow.start()
    time.sleep(0.1)
    _call(wrapped, "POST", "/submit")
    slow.join(5)
    # The submission ran while the lookup waited on the network.
    assert events.index(("end", "/submit")) < events.index(("end", "/lookup"))
    assert not serial._thread_holders
    transaction.begin()
    assert serial.hold_until_transaction_end(timeout=0.01) is True
    transaction.abort()


def test_busy_while_a_write_request_runs_and_shortly_after():
    started = threading.Event()
    release = threading.Event()

    def app(environ, start_response):
        started.set()
        release.wait(5)
        start_response("200 OK", [])
        return [b""]

    filtered = serial.SerialWrites(app)
    thread = threading.Thread(
        target=filtered, args=({"REQUEST_METHOD": "POST"}, lambda *a: None)
    )
    thread.start()
    assert started.wait(5)
    assert serial.busy()
    release.set()
    thread.join(5)
    assert serial.busy(within=5)
    time.sleep(0.1)
    assert not serial.busy(within=0.05)
