"""Pages of signing credentials.

* ``@@my-signing-certificate``: an employee sees, uploads (PKCS#12) or
  removes their own credential;
* ``@@signing-credentials``: administrators see everyone's, add a PKCS#12
  or a hardware token (PKCS#11) for anyone, remove any.

Every change is a POST with plone.protect's authenticator; a refused
upload shows its reason and stores nothing.
"""

from municipality import _
from municipality.signing import credentials
from municipality.signing.errors import SigningError
from plone import api
from plone.protect import CheckAuthenticator
from Products.CMFPlone.utils import safe_text
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from Products.statusmessages.interfaces import IStatusMessage
from zExceptions import BadRequest
from zope.i18n import translate


def _date(value):
    return value.strftime("%d/%m/%Y") if value else ""


def _read_upload(upload) -> bytes:
    if upload is None or isinstance(upload, str | bytes):
        return b""
    return upload.read(credentials.MAX_PKCS12_SIZE + 1)


class CredentialsBase(BrowserView):
    """What both pages share: the error shown, rows for the template."""

    error = None
    macros_template = ViewPageTemplateFile("templates/macros.pt")

    def translate(self, message):
        return translate(message, context=self.request)

    def describe(self, credential):
        info = credential.info()
        user = api.user.get(userid=credential.userid)
        return dict(
            info,
            userid=credential.userid,
            fullname=(user.getProperty("fullname", "") if user else "")
            or credential.userid,
            not_before=_date(info["not_before"]),
            not_after=_date(info["not_after"]),
            created=_date(info["created"]),
            is_token=credential.kind == credentials.PKCS11,
        )

    def _post(self):
        if self.request.method != "POST":
            raise BadRequest("POST only")
        CheckAuthenticator(self.request)

    def _done(self, message):
        IStatusMessage(self.request).add(message, type="info")
        self.request.response.redirect(
            f"{api.portal.get().absolute_url()}/@@{self.__name__}"
        )
        return ""

    def _refused(self, error: SigningError):
        self.error = self.translate(error.message)
        self.request.response.setStatus(400)
        return self.index()

    def _store_pkcs12(self, userid):
        data = _read_upload(self.request.form.get("pkcs12"))
        passphrase = safe_text(self.request.form.get("passphrase", ""))
        credentials.store_pkcs12(
            userid, data, passphrase, created_by=api.user.get_current().getId()
        )


class MySigningCertificate(CredentialsBase):
    """An employee's own signing certificate."""

    index = ViewPageTemplateFile("templates/my_certificate.pt")

    @property
    def userid(self):
        return api.user.get_current().getId()

    def credential(self):
        credential = credentials.get_credential(self.userid)
        return self.describe(credential) if credential is not None else None

    def __call__(self):
        form = self.request.form
        if "form.upload" in form:
            self._post()
            try:
                self._store_pkcs12(self.userid)
            except SigningError as error:
                return self._refused(error)
            return self._done(_("Your signing certificate was stored."))
        if "form.remove" in form:
            self._post()
            credentials.remove_credential(self.userid)
            return self._done(_("Your signing certificate was removed."))
        return self.index()


class SigningCredentials(CredentialsBase):
    """Administrators: every employee's credential."""

    index = ViewPageTemplateFile("templates/credentials.pt")

    def rows(self):
        return [
            self.describe(c)
            for c in sorted(credentials.all_credentials(), key=lambda c: c.userid)
        ]

    def modules(self):
        return credentials.allowed_modules()

    def _userid(self):
        userid = safe_text(self.request.form.get("userid", "")).strip()
        if not userid or api.user.get(userid=userid) is None:
            raise SigningError(
                _(
                    "There is no user «${userid}».",
                    mapping={"userid": userid},
                )
            )
        return userid

    def __call__(self):
        form = self.request.form
        try:
            if "form.upload" in form:
                self._post()
                self._store_pkcs12(self._userid())
                return self._done(_("The signing certificate was stored."))
            if "form.token" in form:
                self._post()
                credentials.store_pkcs11(
                    self._userid(),
                    safe_text(form.get("module_path", "")),
                    safe_text(form.get("token_label", "")),
                    safe_text(form.get("pin", "")),
                    key_label=safe_text(form.get("key_label", "")) or None,
                    key_id=safe_text(form.get("key_id", "")) or None,
                    created_by=api.user.get_current().getId(),
                )
                return self._done(_("The hardware token was stored."))
            if "form.remove" in form:
                self._post()
                credentials.remove_credential(self._userid())
                return self._done(_("The signing certificate was removed."))
        except SigningError as error:
            return self._refused(error)
        return self.index()
