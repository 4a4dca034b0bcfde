"""The «Ενημέρωση» button of every case page (requests, certificates …)."""

from municipality import _
from municipality.core.protocol import refresh_protocol
from plone import api


def refresh_and_redirect(view, up_to_date):
    """Ask the protocol system for the case's number now, say what came of
    it as a status message and send the browser back to the case.

    :param view: The case page (``view.context`` the case, ``view.info``
        its protocol data with ``protocol_number()``).
    :param up_to_date: The message when the number is already there.
    """
    if view.info.protocol_number():
        message, kind = up_to_date, "info"
    elif refresh_protocol(view.context):
        message, kind = _("The protocol number has been received."), "info"
    else:
        message, kind = (
            _(
                "The protocol number has not been assigned yet. "
                "You will be notified by email when it is."
            ),
            "warning",
        )
    api.portal.show_message(message, request=view.request, type=kind)
    view.request.response.redirect(view.context.absolute_url())
    return ""
