"""What happens around a historical decision.

* added or edited: the title follows the number, the year and the subject
  («Απόφαση 123/1987 — …»); a text edited with its pages' form feeds kept
  goes back into the pages;
* workflow: «withhold» needs the reason in the comment (checked before the
  transition, so nothing changes without one, from any page or over
  ``@workflow``); «review» clears «needs review».
"""

from municipality import _
from municipality.archive.store import compute_title
from Products.CMFCore.WorkflowCore import WorkflowException
from zope.globalrequest import getRequest
from zope.i18n import translate


WORKFLOW_ID = "archive_decision_workflow"

MSG_WITHHOLD_REASON = _(
    "Give the reason for withholding the decision (e.g. the personal data it "
    "holds) in the comment."
)


def _tr(message):
    request = getRequest()
    if request is not None:
        return translate(message, context=request)
    return translate(message, target_language="el")


def sync_pages(decision):
    """Bring the pages' texts in line with the decision's ``text``.

    The text is the pages' texts joined by form feeds; an edit that kept
    one part per page updates each page. An edit that did not (the form
    feeds removed) leaves the pages as they were: the decision's text is
    still what search reads. Returns True if a page changed.
    """
    pages = getattr(decision, "pages", None) or ()
    if not pages:
        return False
    text = decision.text or ""
    if text == "\f".join(page.text or "" for page in pages):
        return False
    parts = text.split("\f")
    if len(parts) != len(pages):
        return False
    changed = False
    for page, part in zip(pages, parts, strict=True):
        part = part.strip()
        if page.text != part:
            page.text = part
            changed = True
    return changed


def decision_changed(obj, event):
    """Recompute the title (and the pages' texts) after an add or an edit."""
    changed = sync_pages(obj)
    title = compute_title(obj)
    if title != obj.title:
        obj.title = title
        changed = True
    if changed:
        obj.reindexObject()


def check_transition(obj, event):
    """Refuse «withhold» without a reason in the comment."""
    if event.workflow.getId() != WORKFLOW_ID or event.transition is None:
        return
    if event.transition.getId() != "withhold":
        return
    comment = (event.kwargs or {}).get("comment") or ""
    if not comment.strip():
        raise WorkflowException(_tr(MSG_WITHHOLD_REASON))


def decision_transitioned(obj, event):
    """«review» means an archivist checked it: it no longer needs review."""
    if event.workflow.getId() != WORKFLOW_ID or event.transition is None:
        return
    if event.transition.getId() == "review" and obj.needs_review:
        obj.needs_review = False
        obj.reindexObject(idxs=["archive_needs_review"])
