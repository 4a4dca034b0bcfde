"""The operators' view of the outbox: what waits, what fails, retry now."""

from datetime import datetime
from municipality import _
from municipality.core import outbox
from municipality.core.interfaces import IOutboxSettings
from plone.app.registry.browser.controlpanel import ControlPanelFormWrapper
from plone.app.registry.browser.controlpanel import RegistryEditForm
from plone.app.uuid.utils import uuidToObject
from plone.protect import CheckAuthenticator
from plone.z3cform import layout
from Products.CMFPlone.utils import safe_text
from Products.Five.browser import BrowserView
from Products.statusmessages.interfaces import IStatusMessage

import time


RECENT = 20


class OutboxSettingsForm(RegistryEditForm):
    schema = IOutboxSettings
    schema_prefix = "municipality.outbox"
    label = _("Outbox settings")
    description = _("How calls to external systems and emails are retried.")


OutboxSettingsView = layout.wrap_form(OutboxSettingsForm, ControlPanelFormWrapper)


def _when(timestamp):
    if not timestamp:
        return ""
    return datetime.fromtimestamp(timestamp).strftime("%d/%m/%Y %H:%M:%S")


class OutboxView(BrowserView):
    """Counts, the undelivered items with their last error, the latest deliveries."""

    def __call__(self):
        if self.request.method == "POST":
            CheckAuthenticator(self.request)
            self.retry()
            self.request.response.redirect(
                f"{self.context.absolute_url()}/@@outbox-controlpanel"
            )
            return ""
        return self.index()

    def retry(self):
        messages = IStatusMessage(self.request)
        if self.request.form.get("retry_all"):
            ids = [item.id for item in outbox.pending_items()]
        else:
            ids = [self.request.form.get("item_id", "")]
        retried = sum(bool(outbox.retry_now(item_id)) for item_id in ids if item_id)
        messages.add(
            _(
                "${count} item(s) will be tried again within seconds.",
                mapping={"count": retried},
            ),
            type="info",
        )

    def stats(self):
        return outbox.stats()

    def _row(self, item):
        obj = uuidToObject(item.context_uid) if item.context_uid else None
        return {
            "id": item.id,
            "kind": outbox.handler_title(item.kind),
            "key": item.key,
            "status": item.status,
            "object_title": safe_text(obj.Title()) if obj is not None else "",
            "object_url": obj.absolute_url() if obj is not None else "",
            "created": _when(item.created),
            "attempts": item.attempts,
            "last_error": item.last_error,
            "next_attempt": _when(item.next_attempt),
            "failing_since": _when(item.first_failure),
            "delivered": _when(item.delivered_at),
            "alerted": item.alerted,
            "overdue": item.next_attempt < time.time() - 60,
        }

    def undelivered(self):
        return [self._row(item) for item in outbox.pending_items()]

    def recent(self):
        box = outbox.get_outbox(create=False)
        if box is None:
            return []
        rows = []
        for item in box.items.values():
            if item.is_delivered:
                rows.append(item)
        rows = sorted(rows, key=lambda item: item.delivered_at, reverse=True)
        return [self._row(item) for item in rows[:RECENT]]
