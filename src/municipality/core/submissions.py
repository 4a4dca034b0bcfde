"""What every service's submission API shares (requests, certificates …).

Bad input raises :class:`SubmissionError`, whose ``errors`` map each field
name to a Greek message; the forms show them by their fields and the REST
services return them as ``{"field", "message"}``.
"""

from plone import api
from Products.CMFCore.WorkflowCore import WorkflowException
from zope.globalrequest import getRequest
from zope.i18n import translate


class SubmissionError(ValueError):
    """Bad input: ``errors`` maps a field name to a Greek message.

    The key ``""`` holds a message about the whole form.
    """

    def __init__(self, errors):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{k}: {v}" for k, v in self.errors.items()))


def translated(message):
    """``message`` in the language of the request (Greek on a Greek site)."""
    request = getRequest()
    if request is not None:
        return translate(message, context=request)
    return translate(message, target_language="el")


def do_transition(obj, transition, comment=""):
    """Do a workflow transition; a refused one is a :class:`SubmissionError`."""
    workflow = api.portal.get_tool("portal_workflow")
    try:
        workflow.doActionFor(obj, transition, comment=comment or "")
    except WorkflowException as e:
        raise SubmissionError({"": str(e)}) from e
