"""``@@certificate.pdf``: the signed certificate of an application, as a download.

Only the applicant and the staff who handle citizen cases get it. The
view's ZCML permission (View) is not trusted alone: an application could be
shared with someone (a local role) or a workflow changed, so the view
checks who is asking itself. Anyone else gets 404, as if there were no such
file; anonymous users are asked to log in.
"""

from Acquisition import aq_inner
from Acquisition import aq_parent
from municipality.certificates.issuing import ascii_filename
from municipality.certificates.issuing import certificate_filename
from municipality.certificates.issuing import HANDLE_CASES
from municipality.certificates.issuing import PDF_TYPE
from plone import api
from Products.Five.browser import BrowserView
from urllib.parse import quote
from zExceptions import NotFound
from zExceptions import Unauthorized


def may_download(application, user=None):
    """Tell whether ``user`` (default: the current one) may have the certificate."""
    if user is None:
        if api.user.is_anonymous():
            return False
        user = api.user.get_current()
    userid = user.getId()
    applicant = getattr(application, "applicant_userid", None)
    if applicant and userid == applicant:
        return True
    # Staff: those who handle cases in the applications' folder and may see
    # this one. Not the permission on the application itself: the workflow
    # takes it away once the case is closed (delivered, rejected), and staff
    # must still be able to hand out a copy.
    folder = aq_parent(aq_inner(application))
    return bool(
        api.user.has_permission(HANDLE_CASES, user=user, obj=folder)
        and api.user.has_permission("View", user=user, obj=application)
    )


class CertificateDownload(BrowserView):
    """Serve ``certificate_file`` as an attachment, to those who may have it."""

    def __call__(self):
        if api.user.is_anonymous():
            raise Unauthorized("Log in to download the certificate")
        if not may_download(self.context):
            raise NotFound("certificate.pdf")
        blob = getattr(self.context, "certificate_file", None)
        if blob is None:
            raise NotFound("certificate.pdf")
        data = bytes(blob.data)
        filename = blob.filename or certificate_filename(self.context)
        response = self.request.response
        response.setHeader("Content-Type", PDF_TYPE)
        response.setHeader("Content-Length", str(len(data)))
        # RFC 6266: an ASCII name for old clients, the Greek one for the rest.
        response.setHeader(
            "Content-Disposition",
            f'attachment; filename="{ascii_filename(filename)}"; '
            f"filename*=UTF-8''{quote(filename, safe='')}",
        )
        response.setHeader("X-Content-Type-Options", "nosniff")
        # Personal data: no shared cache may keep it.
        response.setHeader("Cache-Control", "private, no-store")
        return data
