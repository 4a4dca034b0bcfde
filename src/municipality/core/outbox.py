"""The outbox: calls to external systems and emails, delivered exactly once.

A change that must reach another system (register a document in the
protocol, post a payment to finance, send an email) does not call it. It
:func:`enqueue`\\ s an :class:`OutboxItem` in the same transaction, so the item
exists if and only if the change was committed; a ZODB conflict that makes
Zope retry the request cannot call anything twice.

A worker (:mod:`municipality.core.worker`, a thread inside Zope) runs
:func:`process_due`, the unit of work, which tests call directly. For each
item that is due it

1. **claims** it in a short transaction of its own, so that two workers
   (two Zope instances on RelStorage) never deliver the same item at once;
2. calls the item's handler, a named :class:`IOutboxHandler` utility, with
   the item's **idempotency key**: a handler must make a repeated call
   harmless (the protocol and finance systems deduplicate by key);
3. on success, marks the item delivered and lets the handler apply the
   result (e.g. store the protocol number) in one transaction;
4. on failure, records the error and schedules the next attempt with
   exponential back-off. There is no give-up cap: an item waits until the
   system is back. Items failing for longer than a set time are reported to
   the operators by email, once.

Delivered items are kept for ``retention_days`` and then dropped.
"""

from AccessControl.SecurityManagement import getSecurityManager
from AccessControl.SecurityManagement import newSecurityManager
from AccessControl.SecurityManagement import setSecurityManager
from AccessControl.SpecialUsers import system as system_user
from BTrees.OOBTree import OOBTree
from BTrees.OOBTree import OOTreeSet
from contextlib import nullcontext
from municipality import logger
from municipality.core import serial
from municipality.core.serial import hold_until_transaction_end
from persistent import Persistent
from persistent.mapping import PersistentMapping
from plone.registry.interfaces import IRegistry
from ZODB.POSException import ConflictError
from zope.annotation.interfaces import IAnnotations
from zope.component import queryUtility
from zope.component.hooks import getSite
from zope.interface import Attribute
from zope.interface import Interface

import random
import time
import traceback
import transaction
import uuid


ANNOTATION_KEY = "municipality.core.outbox"
# A claimed item is left alone by other workers for this long; longer than
# any client's timeout, so a worker that died mid-delivery is taken over.
CLAIM_SECONDS = 300
# How many times marking an item delivered is retried on a ZODB conflict
# before the item is left to be delivered (idempotently) again.
APPLY_ATTEMPTS = 5
# Items claimed, called and recorded together (see process_due).
BATCH = 20
MAX_ERROR_LENGTH = 2000


class IOutboxHandler(Interface):
    """Delivers one kind of outbox item. Registered as a named utility.

    The name is the item's ``kind`` (``mail``, ``protocol.register`` …).
    """

    title = Attribute("What the handler does, for the operators' view.")

    def deliver(item):
        """Make the external call for ``item`` and return a JSON-able result.

        Called outside any transaction that writes; may be called more than
        once for one item (after a crash or a conflict), so the call must be
        idempotent by ``item.key``. Raise any exception on failure.
        """

    def delivered(item, result):
        """Apply ``result`` in the transaction that marks ``item`` delivered.

        E.g. store the protocol number on the item's content object. May be
        called again with the same result if that transaction conflicts.
        """


class OutboxItem(Persistent):
    """One call to make: what, with which key, about which content object."""

    def __init__(self, id, kind, payload, key, context_uid=None, now=None):
        now = time.time() if now is None else now
        self.id = id
        self.kind = kind
        self.payload = PersistentMapping(payload)
        self.key = key
        self.context_uid = context_uid
        self.created = now
        self.next_attempt = now
        self.attempts = 0
        self.last_attempt = None
        self.last_error = ""
        self.first_failure = None
        self.alerted = False
        self.claimed_until = 0.0
        self.delivered_at = None
        self.result = None

    @property
    def status(self):
        """``delivered``, ``failing`` (tried and failed) or ``pending``."""
        if self.delivered_at is not None:
            return "delivered"
        return "failing" if self.first_failure is not None else "pending"

    @property
    def is_delivered(self):
        return self.delivered_at is not None

    def mark_delivered(self, result, now):
        self.delivered_at = now
        self.result = result
        self.last_attempt = now
        self.attempts += 1
        self.last_error = ""
        self.claimed_until = 0.0

    def mark_failed(self, error, now, settings):
        self.attempts += 1
        self.last_attempt = now
        self.last_error = error[:MAX_ERROR_LENGTH]
        if self.first_failure is None:
            self.first_failure = now
        self.next_attempt = now + backoff(self.attempts, settings)
        self.claimed_until = 0.0

    def __repr__(self):
        return f"<OutboxItem {self.id} {self.kind} key={self.key!r} {self.status}>"


class Outbox(Persistent):
    """The items of one site, indexed by id, by key and by content object."""

    def __init__(self):
        self.items = OOBTree()  # id -> OutboxItem
        self.keys = OOBTree()  # idempotency key -> id
        self.undelivered = OOTreeSet()  # ids, oldest first
        self.by_context = OOBTree()  # content UID -> OOTreeSet of undelivered ids
        self.public_url = ""


def get_outbox(site=None, create=True):
    """Return the site's :class:`Outbox`, creating it when asked to."""
    annotations = IAnnotations(site or getSite())
    outbox = annotations.get(ANNOTATION_KEY)
    if outbox is None and create:
        outbox = annotations[ANNOTATION_KEY] = Outbox()
    return outbox


def settings():
    """The outbox's registry settings as a dict, with defaults if missing."""
    values = {
        "base_delay": 15,
        "max_delay": 1800,
        "alert_after": 30,
        "alert_email": "",
        "retention_days": 90,
    }
    registry = queryUtility(IRegistry)
    if registry is not None:
        for name in values:
            value = registry.get(f"municipality.outbox.{name}")
            if value is not None:
                values[name] = value
    return values


def backoff(attempts, settings):
    """Seconds to wait after the ``attempts``-th failure: doubling, capped, ±10%."""
    delay = min(settings["base_delay"] * 2 ** (attempts - 1), settings["max_delay"])
    # Jitter spreads the retries of items that failed together.
    return delay * random.uniform(0.9, 1.1)  # noqa: S311


def _new_id(now):
    # Time first so iteration is oldest first; random tail so ids of items
    # enqueued in the same nanosecond by two threads never collide.
    return f"{int(now * 1_000_000):017d}-{uuid.uuid4().hex[:12]}"


def _uid(context):
    if context is None:
        return None
    if isinstance(context, str):
        return context
    return context.UID()


def enqueue(
    kind, payload, key=None, context=None, site=None, now=None, not_before=None
):
    """Write an outbox item in the current transaction and return it.

    :param kind: The name of the :class:`IOutboxHandler` that delivers it.
    :param payload: JSON-able data the handler needs.
    :param key: The idempotency key. An item with the same key enqueued
        before (delivered or not) is returned instead of a second one.
    :param context: The content object (or its UID) the item is about; it
        shows on that object as pending until delivered.
    :param not_before: A time (seconds since the epoch) before which the
        item is not delivered: a check scheduled for later (the payments'
        status query at the bank).
    """
    if queryUtility(IOutboxHandler, name=kind) is None:
        raise ValueError(f"No outbox handler for kind {kind!r}")
    site = site or getSite()
    outbox = get_outbox(site)
    if key is not None and key in outbox.keys:
        return outbox.items[outbox.keys[key]]
    now = time.time() if now is None else now
    item_id = _new_id(now)
    item = OutboxItem(item_id, kind, payload, key or item_id, _uid(context), now)
    if not_before is not None and not_before > now:
        item.next_attempt = not_before
    outbox.items[item_id] = item
    outbox.keys[item.key] = item_id
    outbox.undelivered.add(item_id)
    if item.context_uid:
        ids = outbox.by_context.get(item.context_uid)
        if ids is None:
            ids = outbox.by_context[item.context_uid] = OOTreeSet()
        ids.add(item_id)
    _remember_public_url(site, outbox)
    return item


def _remember_public_url(site, outbox):
    """Keep the site's public address for links in mail the worker writes."""
    request = getattr(site, "REQUEST", None)
    if request is None or not request.get("SERVER_URL"):
        return
    url = site.absolute_url()
    if url.startswith("http") and outbox.public_url != url:
        outbox.public_url = url


def public_url(obj, site=None):
    """The address citizens reach ``obj`` at, also from the worker thread."""
    site = site or getSite()
    outbox = get_outbox(site, create=False)
    base = outbox.public_url if outbox is not None else ""
    site_path = "/".join(site.getPhysicalPath())
    obj_path = "/".join(obj.getPhysicalPath())
    relative = obj_path[len(site_path) :]
    if base:
        return base + relative
    return obj.absolute_url()


def pending_items(context=None, kind=None, site=None):
    """The undelivered items, oldest first; only ``context``'s if given."""
    outbox = get_outbox(site, create=False)
    if outbox is None:
        return []
    if context is not None:
        ids = outbox.by_context.get(_uid(context), ())
    else:
        ids = outbox.undelivered
    items = [outbox.items[i] for i in ids if i in outbox.items]
    return [
        item
        for item in items
        if not item.is_delivered and (kind is None or item.kind == kind)
    ]


def get_item(key, site=None):
    """The item with idempotency ``key``, or ``None``."""
    outbox = get_outbox(site, create=False)
    if outbox is None or key not in outbox.keys:
        return None
    return outbox.items.get(outbox.keys[key])


def retry_now(item_id, site=None, now=None):
    """Make an undelivered item due at once (the operators' «retry now»)."""
    outbox = get_outbox(site, create=False)
    item = outbox.items.get(item_id) if outbox is not None else None
    if item is None or item.is_delivered:
        return False
    item.next_attempt = time.time() if now is None else now
    return True


def stats(site=None, now=None):
    """Counts for the operators: pending, failing, alerted, delivered lately."""
    now = time.time() if now is None else now
    outbox = get_outbox(site, create=False)
    result = {"pending": 0, "failing": 0, "alerted": 0, "delivered_24h": 0}
    if outbox is None:
        return result
    for item_id in outbox.undelivered:
        item = outbox.items[item_id]
        result["failing" if item.first_failure is not None else "pending"] += 1
        result["alerted"] += bool(item.alerted)
    day_ago = _new_id(now - 86400)
    for item in outbox.items.values(min=day_ago):
        result["delivered_24h"] += item.is_delivered
    return result


def _mark_done_in_indexes(outbox, item):
    if item.id in outbox.undelivered:
        outbox.undelivered.remove(item.id)
    if item.context_uid:
        ids = outbox.by_context.get(item.context_uid)
        if ids is not None and item.id in ids:
            ids.remove(item.id)
            if not ids:
                del outbox.by_context[item.context_uid]


def mark_delivered(item, result, site=None, now=None):
    """Mark ``item`` delivered in the current transaction (e.g. after a lookup
    found the call had already succeeded), so the worker will not call again."""
    if item.is_delivered:
        return
    item.mark_delivered(result, time.time() if now is None else now)
    _mark_done_in_indexes(get_outbox(site), item)


def _format_error(exc):
    text = f"{type(exc).__name__}: {exc}"
    return text if str(exc) else "".join(traceback.format_exception_only(exc)).strip()


def _run_in_transaction(func, attempts=APPLY_ATTEMPTS, serialize=None):
    """Run ``func`` in transactions of its own until one commits.

    With ``serialize`` (the site), each transaction begins only once it
    holds the process's write lock (:mod:`municipality.core.serial`):
    recording an outcome writes to the tails of the outbox's trees and
    reindexes content, the places citizens' submissions write to as well.
    """
    for attempt in range(attempts):
        guard = serial.exclusive() if serialize is not None else nullcontext()
        with guard:
            transaction.begin()
            try:
                value = func()
                transaction.commit()
                return value
            except ConflictError:
                transaction.abort()
                if attempt == attempts - 1:
                    raise
            except BaseException:
                transaction.abort()
                raise
        time.sleep(random.uniform(0.01, 0.1) * (attempt + 1))  # noqa: S311


def process_due(site=None, now=None, limit=200, before_batch=None):
    """Deliver the items that are due; the outbox worker's unit of work.

    Commits its own transactions, so call it outside a request's
    transaction: from the worker thread or from a test. Items go in batches
    of :data:`BATCH`: one transaction claims a batch, the calls are made, one
    transaction records every outcome. Few commits matter: each is a chance
    to conflict with the citizens' submissions writing beside the worker.
    Returns counts ``delivered``, ``failed``, ``skipped`` (claimed by another
    worker, or not reached before the claim ran short) and ``alerted``.
    ``before_batch``, if given, is called before each batch (the worker
    gives way to busy write requests there).
    """
    site = site or getSite()
    counts = {"delivered": 0, "failed": 0, "skipped": 0, "alerted": 0}
    transaction.begin()
    outbox = get_outbox(site, create=False)
    if outbox is None:
        transaction.abort()
        return counts
    clock = (lambda: now) if now is not None else time.time
    current = clock()
    due = []
    for item_id in outbox.undelivered:
        item = outbox.items[item_id]
        if item.next_attempt <= current and item.claimed_until <= current:
            due.append(item_id)
            if len(due) >= limit:
                break
    transaction.abort()

    security_manager = getSecurityManager()
    newSecurityManager(None, system_user)
    try:
        for start in range(0, len(due), BATCH):
            if before_batch is not None:
                before_batch()
            for outcome, count in _process_batch(
                site, due[start : start + BATCH], clock
            ).items():
                counts[outcome] += count
        counts["alerted"] = _alert_operators(site, clock())
        _prune(site, clock())
    finally:
        setSecurityManager(security_manager)
    return counts


def _process_batch(site, item_ids, clock):
    outbox = get_outbox(site, create=False)
    counts = {"delivered": 0, "failed": 0, "skipped": 0}

    def claim():
        claimed = []
        current = clock()
        for item_id in item_ids:
            item = outbox.items.get(item_id)
            if item is None or item.is_delivered or item.claimed_until > current:
                continue
            if item.next_attempt > current:
                continue
            item.claimed_until = current + CLAIM_SECONDS
            claimed.append(item)
        return claimed, current

    try:
        claimed, claimed_at = _run_in_transaction(claim, attempts=1)
    except ConflictError:
        counts["skipped"] = len(item_ids)
        return counts
    counts["skipped"] = len(item_ids) - len(claimed)

    # Make the calls; stop while the claims still hold, so that no other
    # worker can take an item up while this one is still calling about it.
    outcomes = []  # (item_id, handler, ok, result or error)
    for item in claimed:
        if clock() > claimed_at + CLAIM_SECONDS / 2:
            counts["skipped"] += 1
            continue
        handler = queryUtility(IOutboxHandler, name=item.kind)
        try:
            if handler is None:
                raise LookupError(f"No outbox handler for kind {item.kind!r}")
            outcomes.append((item.id, handler, True, handler.deliver(item)))
        except Exception as exc:
            error = _format_error(exc)
            logger.warning(
                "Outbox item %s (%s) failed, attempt %d: %s",
                item.id,
                item.kind,
                item.attempts + 1,
                error,
            )
            outcomes.append((item.id, handler, False, error))
    transaction.abort()
    if not outcomes:
        return counts

    def record_all():
        done = {"delivered": 0, "failed": 0}
        for item_id, handler, ok, value in outcomes:
            fresh = outbox.items[item_id]
            if not ok:
                fresh.mark_failed(value, clock(), settings())
                done["failed"] += 1
                continue
            if fresh.is_delivered:
                done["delivered"] += 1
                continue
            savepoint = transaction.savepoint()
            try:
                handler.delivered(fresh, value)
                fresh.mark_delivered(value, clock())
                _mark_done_in_indexes(outbox, fresh)
            except ConflictError:
                raise
            except Exception as exc:
                # The call was made but its outcome could not be stored: the
                # item is delivered again later, idempotently by its key.
                savepoint.rollback()
                logger.exception("Outbox item %s delivered but not recorded", item_id)
                fresh.mark_failed(
                    "Delivered, but storing the result failed: " + _format_error(exc),
                    clock(),
                    settings(),
                )
                done["failed"] += 1
                continue
            done["delivered"] += 1
        return done

    try:
        done = _run_in_transaction(record_all, serialize=site)
    except Exception as exc:
        # Nothing was recorded. The items are delivered again (idempotently,
        # by their keys) after the back-off; operators see why.
        logger.exception("Could not record the outcomes of %d items", len(outcomes))
        error = f"Delivered, but storing the result failed: {_format_error(exc)}"

        def record_failures():
            for item_id, _handler, ok, value in outcomes:
                fresh = outbox.items[item_id]
                if not fresh.is_delivered:
                    fresh.mark_failed(error if ok else value, clock(), settings())

        try:
            _run_in_transaction(record_failures, serialize=site)
        except Exception:
            logger.exception("Could not record the failures either")
        counts["failed"] += len(outcomes)
        return counts
    counts["delivered"] += done["delivered"]
    counts["failed"] += done["failed"]
    return counts


def _local(timestamp):
    return time.strftime("%d/%m/%Y %H:%M", time.localtime(timestamp))


def _alert_operators(site, current):
    """Email the operators about the items failing for too long, each once.

    One message a round lists every item that crossed the threshold since the
    last one, so a system that is down for an hour gives one alert, not one
    per waiting item.
    """
    from municipality.core.notifications import operators_address
    from municipality.core.notifications import render

    limit = settings()["alert_after"] * 60
    outbox = get_outbox(site, create=False)

    def alert():
        newly = []
        for item_id in list(outbox.undelivered):
            item = outbox.items[item_id]
            if item.alerted or item.first_failure is None:
                continue
            if item.key.startswith("alert:") or current - item.first_failure < limit:
                continue
            hold_until_transaction_end(site)
            item.alerted = True
            newly.append(item)
            logger.error(
                "Outbox item %s (%s) failing since %s: %s",
                item.id,
                item.kind,
                time.strftime("%Y-%m-%d %H:%M", time.localtime(item.first_failure)),
                item.last_error,
            )
        to = operators_address()
        if newly and to:
            lines = [
                f"- {handler_title(item.kind)} ({item.kind}), "
                f"{_local(item.first_failure)}, {item.attempts} × — {item.last_error}"
                for item in newly
            ]
            message = render(
                "outbox_alert",
                {
                    "count": str(len(newly)),
                    "kinds": ", ".join(sorted({item.kind for item in newly})),
                    "items": "\n".join(lines),
                    "url": f"{outbox.public_url or site.absolute_url()}"
                    "/@@outbox-controlpanel",
                },
            )
            enqueue("mail", dict(message, to=to), key=f"alert:{newly[0].id}")
        return len(newly)

    try:
        return _run_in_transaction(alert)
    except ConflictError:
        return 0


def _prune(site, current):
    """Drop delivered items older than the retention period."""
    days = settings()["retention_days"]
    outbox = get_outbox(site, create=False)
    cutoff = _new_id(current - days * 86400)

    def prune():
        removed = 0
        for item_id in list(outbox.items.keys(max=cutoff, excludemax=True)):
            item = outbox.items[item_id]
            if not item.is_delivered:
                continue
            hold_until_transaction_end(site)
            del outbox.items[item_id]
            if outbox.keys.get(item.key) == item_id:
                del outbox.keys[item.key]
            removed += 1
        return removed

    try:
        return _run_in_transaction(prune)
    except ConflictError:
        return 0


def handler_title(kind):
    handler = queryUtility(IOutboxHandler, name=kind)
    return getattr(handler, "title", kind) if handler is not None else kind
