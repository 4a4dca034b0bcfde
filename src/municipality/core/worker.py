"""The outbox worker: a thread inside the Zope process.

A FileStorage ``Data.fs`` is opened by one process only, so on the default
set-up the worker cannot be a process of its own: it is a daemon thread
started when Zope is ready (``IProcessStarting``, which ``runwsgi`` fires but
``zconsole run`` and test layers do not). It opens its own ZODB connection,
finds the Plone sites at the root and runs
:func:`municipality.core.outbox.process_due` in each, every few seconds.
Items survive a restart because they are in the database; a claim left by
a worker killed mid-delivery runs out and the item is taken up again.

``MUNICIPALITY_OUTBOX_WORKER=off`` disables the thread (e.g. on all but one
of several instances, though claims make several workers safe);
``MUNICIPALITY_OUTBOX_INTERVAL`` sets the pause in seconds (default 2).
"""

from municipality import logger
from municipality.core import serial
from municipality.core.outbox import ANNOTATION_KEY
from municipality.core.outbox import process_due
from Testing.makerequest import makerequest
from urllib.parse import urlsplit
from zope.annotation.interfaces import IAnnotations
from zope.component.hooks import setSite
from zope.globalrequest import setRequest

import os
import threading
import time
import transaction


_worker = None
# Test layers switch this off: plone.testing's WSGI server fires
# IProcessStarting too, and tests run process_due() themselves.
ENABLED = True


def _sites(app):
    from plone.base.interfaces import IPloneSiteRoot

    for obj in app.objectValues():
        if IPloneSiteRoot.providedBy(obj):
            yield obj


def _request_environ(site):
    """A request environment pointing at the site's public address."""
    outbox = IAnnotations(site).get(ANNOTATION_KEY)
    url = getattr(outbox, "public_url", "") if outbox is not None else ""
    if not url:
        return {}
    parts = urlsplit(url)
    https = parts.scheme == "https"
    return {
        "SERVER_NAME": parts.hostname or "localhost",
        "SERVER_PORT": str(parts.port or (443 if https else 80)),
        "HTTPS": "on" if https else "off",
        "wsgi.url_scheme": parts.scheme or "http",
    }


# While write requests keep coming, the worker waits this long at most
# before each batch: the requests (a citizen, the bank's notifications)
# go first, the outbox still moves at a batch per MAX_GIVE_WAY seconds.
MAX_GIVE_WAY = 2.0


def give_way(max_wait=None):
    """Wait while this process's write requests are busy, up to ``max_wait`` s."""
    max_wait = MAX_GIVE_WAY if max_wait is None else max_wait
    deadline = time.monotonic() + max_wait
    while serial.busy() and time.monotonic() < deadline:
        time.sleep(0.02)


def run_once(db):
    """Process the due items of every site once; returns ``{site id: counts}``."""
    results = {}
    connection = db.open()
    try:
        transaction.begin()
        app = connection.root()["Application"]
        sites = [
            site.getId() for site in _sites(app) if ANNOTATION_KEY in IAnnotations(site)
        ]
        transaction.abort()
        for site_id in sites:
            transaction.begin()
            site = getattr(app, site_id)
            wrapped = makerequest(app, environ=_request_environ(site))
            site = getattr(wrapped, site_id)
            setSite(site)
            setRequest(wrapped.REQUEST)
            try:
                results[site_id] = process_due(site, before_batch=give_way)
            finally:
                setSite(None)
                setRequest(None)
                transaction.abort()
                wrapped.REQUEST.close()
    finally:
        transaction.abort()
        connection.close()
    return results


class OutboxWorker(threading.Thread):
    """Runs :func:`run_once` every ``interval`` seconds until stopped."""

    def __init__(self, db, interval=2.0):
        super().__init__(name="municipality-outbox", daemon=True)
        self.db = db
        self.interval = interval
        self.stopping = threading.Event()

    def run(self):
        logger.info("Outbox worker started (every %.1f s)", self.interval)
        while not self.stopping.wait(self.interval):
            try:
                run_once(self.db)
            except Exception:
                # Never let the thread die: the next round tries again.
                logger.exception("Outbox worker round failed")

    def stop(self, timeout=10):
        self.stopping.set()
        self.join(timeout)


def start_worker(event=None):
    """Start the worker thread once per process (subscriber to IProcessStarting)."""
    global _worker
    if not ENABLED:
        return None
    if os.environ.get("MUNICIPALITY_OUTBOX_WORKER", "on").lower() in ("off", "0", "no"):
        logger.info("Outbox worker disabled by MUNICIPALITY_OUTBOX_WORKER")
        return None
    if _worker is not None and _worker.is_alive():
        return _worker
    import Zope2

    interval = float(os.environ.get("MUNICIPALITY_OUTBOX_INTERVAL", "2"))
    _worker = OutboxWorker(Zope2.DB, interval)
    _worker.start()
    return _worker
