"""The TaxisNet login pages: start, callback, logout, and the login-form button.

``@@taxisnet-login`` makes a random ``state``, keeps it with ``came_from``
in a short-lived cookie signed with the site's keyring (HttpOnly,
SameSite=Lax: it must come back on GSIS's top-level redirect, and only to
the browser that started), and sends the browser to GSIS.

``@@taxisnet-callback`` accepts the answer only when ``state`` equals the
cookie's, which it then deletes: a missing, foreign, stale or reused state
gets a Greek error page and nothing is created. It exchanges the code,
reads the taxpayer, finds or creates the account
(:func:`.taxisnet.login_taxpayer`), starts the plone.session session and
redirects to ``came_from``.

Zope retries a request that conflicts in ZODB. A code is single-use at
GSIS, so the taxpayer read for a code is kept in this process until the
transaction commits: a retried callback uses it instead of asking GSIS
again with a spent code.
"""

from municipality import _
from municipality import logger
from municipality.core import serial
from municipality.core.identity.taxisnet import AmbiguousTaxpayer
from municipality.core.identity.taxisnet import get_plugin
from municipality.core.identity.taxisnet import login_taxpayer
from municipality.integrations.errors import ExternalSystemBadResponse
from municipality.integrations.errors import ExternalSystemRejected
from municipality.integrations.errors import ExternalSystemUnavailable
from municipality.integrations.taxisnet import TaxisNetClient
from plone import api
from plone.app.layout.viewlets.common import ViewletBase
from plone.keyring.interfaces import IKeyManager
from plone.protect.interfaces import IDisableCSRFProtection
from Products.CMFPlone.browser.login.logout import LogoutView as BaseLogoutView
from Products.Five.browser import BrowserView
from Products.Five.browser.pagetemplatefile import ViewPageTemplateFile
from Products.PlonePAS.events import UserLoggedInEvent
from urllib.parse import urlencode
from zope.component import queryUtility
from zope.event import notify
from zope.interface import alsoProvides

import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
import transaction


STATE_COOKIE = "__taxisnet_state"
# Set while a session begun through TaxisNet lasts: Plone's own «Αποσύνδεση»
# then also ends the GSIS session (see ``logout_through_gsis``).
SESSION_COOKIE = "__taxisnet_session"
STATE_MAX_AGE = 600  # seconds from «Σύνδεση μέσω TaxisNet» to the callback
RETRY_CACHE_SECONDS = 120
_MAX_PARAM = 512
# Never sent back to these after logging in.
LOGIN_PAGES = frozenset(
    {
        "@@taxisnet-login",
        "@@taxisnet-callback",
        "@@taxisnet-logout",
        "login",
        "@@login",
        "logout",
        "@@logout",
        "logged-out",
        "login_form",
        "require_login",
    }
)

# code -> (monotonic expiry, TaxisNetUser), see the module docstring.
_answers = {}
_answers_lock = threading.Lock()


def _remember_answer(code, user):
    now = time.monotonic()
    with _answers_lock:
        for key, (expires, _user) in list(_answers.items()):
            if expires < now:
                del _answers[key]
        _answers[code] = (now + RETRY_CACHE_SECONDS, user)


def _recall_answer(code):
    with _answers_lock:
        entry = _answers.get(code)
    if entry is None or entry[0] < time.monotonic():
        return None
    return entry[1]


def _forget_answer(code):
    with _answers_lock:
        _answers.pop(code, None)


# The signed state cookie


def _secrets():
    manager = queryUtility(IKeyManager)
    if manager is None:
        return []
    return [key for key in manager["_system"] if key]


def _sign(payload, secret):
    key = f"municipality.taxisnet.state:{secret}".encode()
    return hmac.new(key, payload, hashlib.sha256).hexdigest()


def make_state_cookie(state, came_from, now=None):
    """The cookie value binding ``state`` and ``came_from`` to this browser."""
    payload = json.dumps(
        {"s": state, "c": came_from, "t": int(now or time.time())},
        separators=(",", ":"),
    ).encode("utf-8")
    encoded = base64.urlsafe_b64encode(payload).decode("ascii")
    return f"{encoded}.{_sign(payload, _secrets()[0])}"


def read_state_cookie(value, now=None):
    """The ``{"s", "c", "t"}`` of a valid, fresh cookie, else ``None``."""
    if not value or "." not in value or len(value) > 4096:
        return None
    encoded, _, signature = value.rpartition(".")
    try:
        payload = base64.urlsafe_b64decode(encoded.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return None
    # Any key of the ring: a rotation between start and callback is harmless.
    if not any(
        hmac.compare_digest(_sign(payload, secret), signature) for secret in _secrets()
    ):
        return None
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("s"), str):
        return None
    age = int(now or time.time()) - int(data.get("t", 0))
    if not 0 <= age <= STATE_MAX_AGE:
        return None
    return data


# Views


class TaxisNetBase(BrowserView):
    """What the three pages share: the portal, the client, the callback URL."""

    error_template = ViewPageTemplateFile("templates/taxisnet_message.pt")

    @property
    def portal_url(self):
        return self.context.portal_url()

    @property
    def callback_url(self):
        return f"{self.portal_url}/@@taxisnet-callback"

    def client(self):
        return TaxisNetClient.from_registry()

    def safe_came_from(self, came_from):
        """``came_from`` if it points inside the portal, else the portal."""
        if not isinstance(came_from, str) or not came_from.strip():
            return self.portal_url
        came_from = came_from.strip()
        # Products.isurlinportal knows the tricks (//host, \\host, javascript:).
        if not self.context.portal_url.isURLInPortal(came_from):
            return self.portal_url
        path = came_from.split("?")[0].split("#")[0].rstrip("/")
        if path.rsplit("/", 1)[-1] in LOGIN_PAGES:
            return self.portal_url
        return came_from

    def _no_store(self):
        response = self.request.response
        response.setHeader("Cache-Control", "no-store")
        response.setHeader("X-Robots-Tag", "noindex")

    def message(self, title, text, status=400, kind="error", retry=True):
        """Render the Greek message page with ``status``."""
        self._no_store()
        self.request.response.setStatus(status)
        self.message_title = title
        self.message_text = text
        self.message_kind = kind
        self.retry_url = (
            f"{self.portal_url}/@@taxisnet-login?"
            + urlencode({"came_from": self.came_from})
            if retry
            else ""
        )
        self.login_url = f"{self.portal_url}/login"
        return self.error_template()

    came_from = ""


class TaxisNetLogin(TaxisNetBase):
    """``@@taxisnet-login``: send the browser to GSIS with a fresh ``state``."""

    def __call__(self):
        self.came_from = self.safe_came_from(self.request.form.get("came_from"))
        try:
            client = self.client()
        except (KeyError, ValueError) as e:
            logger.error("TaxisNet login is not configured: %s", e)
            return self._not_configured()
        if not client.url or not client.client_id:
            return self._not_configured()
        state = secrets.token_urlsafe(24)
        self.request.response.setCookie(
            STATE_COOKIE,
            make_state_cookie(state, self.came_from),
            path=self._cookie_path(),
            http_only=True,
            same_site="Lax",
            secure=self.portal_url.startswith("https://"),
            max_age=STATE_MAX_AGE,
        )
        self._no_store()
        self.request.response.redirect(
            client.authorize_url(state, self.callback_url), lock=True
        )
        return ""

    def _cookie_path(self):
        return self.context.absolute_url_path() or "/"

    def _not_configured(self):
        return self.message(
            _("TaxisNet login is not available"),
            _(
                "Login through TaxisNet has not been set up for this portal yet. "
                "Please log in with your account or contact the municipality."
            ),
            status=503,
            retry=False,
        )


class TaxisNetCallback(TaxisNetLogin):
    """``@@taxisnet-callback``: GSIS's answer; log the taxpayer in."""

    def __call__(self):
        # Checked by ``state``, which a cross-site request cannot forge.
        alsoProvides(self.request, IDisableCSRFProtection)
        form = self.request.form
        cookie = read_state_cookie(self.request.cookies.get(STATE_COOKIE))
        # One use only: whatever happens next, the state is spent.
        self.request.response.expireCookie(STATE_COOKIE, path=self._cookie_path())
        self.came_from = self.safe_came_from(cookie["c"] if cookie else "")
        state = form.get("state")
        if (
            cookie is None
            or not isinstance(state, str)
            or not hmac.compare_digest(cookie["s"].encode(), state.encode("utf-8"))
        ):
            logger.info("TaxisNet callback with a missing or unknown state")
            return self.message(
                _("The login could not be completed"),
                _(
                    "The login through TaxisNet expired or was started in another "
                    "browser window. Please try again."
                ),
            )
        error = form.get("error")
        if error:
            return self._gsis_error(error, form.get("error_description", ""))
        code = form.get("code")
        if not isinstance(code, str) or not code or len(code) > _MAX_PARAM:
            return self.message(
                _("The login could not be completed"),
                _("TaxisNet did not send back a login code. Please try again."),
            )
        try:
            user = _recall_answer(code) or self._ask_gsis(code)
        except ExternalSystemBadResponse as e:
            logger.error("TaxisNet answered something unreadable: %s", e)
            return self._unavailable()
        except ExternalSystemUnavailable as e:
            logger.warning("TaxisNet is unavailable: %s", e)
            return self._unavailable()
        except ExternalSystemRejected as e:
            logger.warning("TaxisNet refused the login: %s", e)
            return self.message(
                _("TaxisNet did not confirm the login"),
                _(
                    "TaxisNet did not confirm your login (it may have taken too "
                    "long). Please try again."
                ),
            )
        _remember_answer(code, user)
        transaction.get().addAfterCommitHook(
            lambda ok, code=code: ok and _forget_answer(code)
        )
        portal = self.context
        if get_plugin(portal) is None:
            return self._not_configured()
        # The account's records are shared hot spots (groups, member data).
        serial.hold_until_transaction_end(portal)
        try:
            userid, created = login_taxpayer(portal, user)
        except AmbiguousTaxpayer as e:
            logger.error("TaxisNet login refused: %s", e)
            transaction.doom()
            return self.message(
                _("Your account needs the municipality's help"),
                _(
                    "More than one account of this portal was verified with your "
                    "tax number. Please contact the municipality's citizens' "
                    "service to have them merged."
                ),
                status=409,
                retry=False,
            )
        self._start_session(userid)
        self._no_store()
        self.request.response.redirect(self.came_from, lock=True)
        return ""

    def _ask_gsis(self, code):
        client = self.client()
        token = client.exchange_code(code, self.callback_url)
        return client.userinfo(token)

    def _start_session(self, userid):
        acl_users = self.context.acl_users
        acl_users.session._setupSession(userid, self.request.response)
        self.request.response.setCookie(
            SESSION_COOKIE,
            "1",
            path=self.context.absolute_url_path() or "/",
            http_only=True,
            same_site="Lax",
            secure=self.portal_url.startswith("https://"),
        )
        user = acl_users.getUserById(userid)
        if user is not None:
            notify(UserLoggedInEvent(user))
            member = self.context.portal_membership.getMemberById(userid)
            if member is not None:
                last = member.getProperty("login_time", None)
                member.setMemberProperties(
                    {
                        "last_login_time": last,
                        "login_time": self.context.ZopeTime(),
                    }
                )

    def _gsis_error(self, error, description):
        if error == "access_denied":
            # The person pressed «Άκυρο» at GSIS: not an error of ours.
            return self.message(
                _("Login through TaxisNet cancelled"),
                _(
                    "You cancelled the login at TaxisNet. You can try again or "
                    "log in with your account on this portal."
                ),
                status=200,
                kind="info",
            )
        logger.warning(
            "TaxisNet answered the login with %s: %s",
            str(error)[:_MAX_PARAM],
            str(description)[:_MAX_PARAM],
        )
        return self.message(
            _("The login could not be completed"),
            _("TaxisNet could not complete the login. Please try again later."),
        )

    def _unavailable(self):
        return self.message(
            _("TaxisNet is not available"),
            _(
                "TaxisNet (GSIS) is not answering right now, so we cannot log you "
                "in through it. Please try again in a few minutes."
            ),
            status=503,
        )


def gsis_logout_url(portal):
    """Where to send the browser to end the GSIS session and come back."""
    back = f"{portal.absolute_url()}/logged-out"
    try:
        client = TaxisNetClient.from_registry()
        return client.logout_url(back) if client.client_id else back
    except (KeyError, ValueError):
        return back


class TaxisNetLogout(TaxisNetBase):
    """``@@taxisnet-logout``: end the portal's session, then GSIS's."""

    def __call__(self):
        alsoProvides(self.request, IDisableCSRFProtection)
        # As Plone's @@logout: the session cookie goes, logout events fire.
        self.context.portal_membership.logoutUser(self.request)
        self._no_store()
        self.request.response.expireCookie(
            SESSION_COOKIE, path=self.context.absolute_url_path() or "/"
        )
        target = gsis_logout_url(self.context.portal_url.getPortalObject())
        self.request.response.redirect(target, lock=True)
        return ""


class LogoutView(BaseLogoutView):
    """Plone's ``@@logout``; a session begun through TaxisNet ends GSIS's too.

    The GSIS logout comes back to the portal's «logged out» page.
    """

    def __call__(self):
        through_gsis = bool(self.request.cookies.get(SESSION_COOKIE))
        result = super().__call__()
        if through_gsis:
            portal = api.portal.get()
            path = portal.absolute_url_path() or "/"
            self.request.response.expireCookie(SESSION_COOKIE, path=path)
            self.request.response.redirect(gsis_logout_url(portal))
        return result


class TaxisNetLoginViewlet(ViewletBase):
    """«Σύνδεση μέσω TaxisNet» below Plone's login form."""

    index = ViewPageTemplateFile("templates/taxisnet_viewlet.pt")

    def available(self):
        if get_plugin(self.context.portal_url.getPortalObject()) is None:
            return False
        try:
            client = TaxisNetClient.from_registry()
        except (KeyError, ValueError):
            return False
        return bool(client.url and client.client_id)

    def login_url(self):
        portal_url = self.context.portal_url()
        came_from = self.request.form.get("came_from") or ""
        query = f"?{urlencode({'came_from': came_from})}" if came_from else ""
        return f"{portal_url}/@@taxisnet-login{query}"

    def render(self):
        if not self.available():
            return ""
        return self.index()
