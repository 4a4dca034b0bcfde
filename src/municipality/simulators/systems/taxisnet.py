"""The simulated TaxisNet (GSIS) OAuth2 login, at the paths GSIS uses.

Below ``/taxisnet`` (the base the portal is configured with), for each
variant ``oauth2server``, ``oauth2servergov`` and ``oauth2serverotp``:

* ``GET /<variant>/oauth/authorize?response_type=code&client_id=…
  &redirect_uri=…&scope=read&state=…``: a Greek login page listing test
  taxpayers to pick, and «Άκυρο». An unknown client or a redirect address
  it may not use gets an error page (HTML, 400), as at GSIS.
* ``POST /<variant>/oauth/authorize`` (the page's form): redirects to
  ``redirect_uri?code=…&state=…``, or after «Άκυρο» to
  ``redirect_uri?error=access_denied&error_description=User denied access
  &state=…``.
* ``POST /<variant>/oauth/token`` (form-urlencoded ``grant_type``, ``code``,
  ``redirect_uri``, ``client_id``, ``client_secret``; the client may also
  authenticate with HTTP Basic): JSON ``access_token, token_type,
  expires_in, refresh_token, scope``; errors as OAuth2 JSON
  (``invalid_grant`` 400 for a wrong, used or expired code or another
  redirect address, ``invalid_client`` 401). Codes are single-use.
* ``GET /<variant>/userinfo?format=xml`` with ``Authorization: Bearer``:
  ``<root><userinfo userid="…" taxid="068933130   " …/></root>``, values
  space-padded, some names as character references; a bad token answers
  JSON (401) although XML was asked for.
* ``GET /<variant>/logout/<client_id>/?url=…``: redirects to ``url``.

Test knobs (besides ``/_admin/systems/taxisnet`` modes):
``GET /taxisnet/_admin/users`` lists the test taxpayers;
``POST /taxisnet/_admin/config`` ``{"code_ttl": s, "token_ttl": s}`` makes
codes or tokens expire sooner; ``GET /taxisnet/_admin/log`` lists what
happened (authorizations, token exchanges, userinfo reads, logouts).
``POST /_admin/reset`` forgets codes, tokens and the log.
"""

from dataclasses import dataclass
from dataclasses import field
from html import escape
from municipality.simulators.registry import json_response
from municipality.simulators.registry import read_json
from municipality.simulators.registry import System
from municipality.simulators.registry import system
from municipality.simulators.registry import ValidationError
from urllib.parse import urlencode
from urllib.parse import urlsplit
from urllib.parse import urlunsplit
from webob import Response

import base64
import functools
import secrets
import threading
import time


VARIANTS = ("oauth2server", "oauth2servergov", "oauth2serverotp")
DEMO_CLIENT_ID = "municipality-demo"
# The demo client the portal ships configured with (ITaxisNetSettings).
DEMO_CLIENT_SECRET = "demo-secret"  # noqa: S105
CODE_TTL = 300.0
TOKEN_TTL = 3600.0


@dataclass(frozen=True)
class Taxpayer:
    """One test user of the login page and how GSIS describes them."""

    taxid: str
    lastname: str
    firstname: str
    fathername: str
    mothername: str
    birthyear: str
    note: str
    # "plain": UTF-8 text; "entities": every non-ASCII letter as &#NNN;;
    # "double": the references escaped once more (&amp;#917;).
    encoding: str = "plain"
    # Userinfo answers this OAuth2 error as JSON (HTTP 200) instead of XML.
    userinfo_error: str = ""


TAXPAYERS = (
    Taxpayer(
        "068933130",
        "ΒΑΒΟΥΛΑ",
        "ΕΥΤΥΧΙΑ",
        "ΕΜΜΑΝΟΥΗΛ",
        "ΑΝΝΑ",
        "1950",
        "Τιμές με κενά στο τέλος",
    ),
    Taxpayer(
        "094259216",
        "ΠΑΠΑΔΟΠΟΥΛΟΣ",
        "ΓΕΩΡΓΙΟΣ",
        "ΙΩΑΝΝΗΣ",
        "ΜΑΡΙΑ",
        "1978",
        "Ονόματα ως αριθμητικές οντότητες (&#917;…)",
        encoding="entities",
    ),
    Taxpayer(
        "123456783",
        "ΔΗΜΟΥ & ΣΙΑ",
        'ΑΝΝΑ-ΜΑΡΙΑ "ΜΑΙΡΗ"',
        "ΝΙΚΟΛΑΟΣ",
        "ΕΛΕΝΗ",
        "1985",
        "Εισαγωγικά και «&» στα ονόματα",
    ),
    Taxpayer(
        "111111114",
        "ΚΩΝΣΤΑΝΤΙΝΙΔΗΣ",
        "ΣΠΥΡΙΔΩΝ",
        "ΑΘΑΝΑΣΙΟΣ",
        "ΒΑΣΙΛΙΚΗ",
        "1962",
        "Οντότητες διπλά κωδικοποιημένες (&amp;#917;…)",
        encoding="double",
    ),
    Taxpayer(
        "999999993",
        "ΣΦΑΛΜΑΤΟΣ",
        "ΧΡΗΣΤΗΣ",
        "",
        "",
        "1990",
        "Τα στοιχεία απαντούν με σφάλμα JSON",
        userinfo_error="server_error",
    ),
)


def taxpayer(taxid: str) -> Taxpayer | None:
    """Return the test taxpayer with ``taxid``, or ``None``."""
    for person in TAXPAYERS:
        if person.taxid == taxid:
            return person
    return None


@dataclass(frozen=True)
class Client:
    """A portal registered at GSIS: its secret and where it may send users back."""

    client_id: str
    secret: str
    # The redirect_uri of an authorization must start with one of these.
    redirect_prefixes: tuple = ("http://", "https://")


@dataclass
class Grant:
    """An authorization code: whose, for which client and callback, until when."""

    client_id: str
    redirect_uri: str
    taxid: str
    variant: str
    expires: float
    used: bool = False


@dataclass
class Token:
    taxid: str
    expires: float


@dataclass
class GsisState:
    """Codes, tokens and settings of the simulated GSIS, under one lock."""

    clients: dict = field(
        default_factory=lambda: {
            DEMO_CLIENT_ID: Client(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET)
        }
    )
    codes: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)
    log: list = field(default_factory=list)
    code_ttl: float = CODE_TTL
    token_ttl: float = TOKEN_TTL
    lock: threading.Lock = field(default_factory=threading.Lock)

    def clear(self) -> None:
        with self.lock:
            self.codes.clear()
            self.tokens.clear()
            self.log.clear()
            self.code_ttl = CODE_TTL
            self.token_ttl = TOKEN_TTL

    def record(self, event: str, **details) -> None:
        with self.lock:
            self.log.append({"event": event, "time": time.time(), **details})
            del self.log[:-500]


gsis = system("taxisnet")
state = GsisState()


def _reset():
    # System.reset, not a saved bound method, so reloading does not chain.
    state.clear()
    return System.reset(gsis)


gsis.reset = _reset


# Pages


PAGE = """<!DOCTYPE html>
<html lang="el">
<head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: sans-serif; max-width: 40em; margin: 2em auto; color: #1a2b4c; }}
h1 {{ font-size: 1.4em; }}
.user {{ display: block; width: 100%; margin: .4em 0; padding: .6em;
         text-align: left; }}
.cancel {{ margin-top: 1em; }}
.error {{ border: 1px solid #a00; padding: 1em; color: #a00; }}
</style></head>
<body>
<p>Γενική Γραμματεία Πληροφοριακών Συστημάτων — <strong>προσομοίωση</strong></p>
{body}
</body></html>
"""


def _page(title: str, body: str, status: int = 200) -> Response:
    html = PAGE.format(title=escape(title), body=body)
    return Response(
        body=html.encode("utf-8"),
        status=status,
        content_type="text/html",
        charset="utf-8",
    )


def _error_page(error: str, description: str, status: int = 400) -> Response:
    """The page GSIS shows when it cannot send the user back to the client."""
    body = (
        '<div class="error"><h1>Σφάλμα OAuth</h1>'
        f'<p id="oauth-error">error="{escape(error)}", '
        f'error_description="{escape(description)}"</p></div>'
    )
    return _page("Σφάλμα OAuth", body, status)


def _with_query(url: str, params: dict) -> str:
    parts = urlsplit(url)
    query = urlencode(params)
    if parts.query:
        query = f"{parts.query}&{query}"
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))


def _redirect(url: str) -> Response:
    response = Response(status=302)
    response.location = url
    response.cache_control = "no-store"
    return response


def variant_route(method: str, suffix: str):
    """Register ``handler(request, variant, **params)`` under every variant."""

    def decorator(handler):
        for variant in VARIANTS:
            gsis.route(method, f"/{variant}{suffix}")(
                functools.partial(handler, variant=variant)
            )
        return handler

    return decorator


def _check_authorize(params) -> tuple[Response | None, dict]:
    """Validate an authorization request: an error page, or its parameters."""
    values = {
        name: params.get(name, "")
        for name in ("response_type", "client_id", "redirect_uri", "scope", "state")
    }
    with state.lock:
        client = state.clients.get(values["client_id"])
    if client is None:
        return _error_page("invalid_client", "Bad client credentials", 401), values
    redirect_uri = values["redirect_uri"]
    if not redirect_uri or not redirect_uri.startswith(client.redirect_prefixes):
        return (
            _error_page(
                "invalid_request",
                "A redirect_uri can only be used by implicit or "
                "authorization_code grant types.",
            ),
            values,
        )
    if values["response_type"] != "code":
        return (
            _error_page(
                "unsupported_response_type",
                f"Unsupported response types: [{values['response_type']}]",
            ),
            values,
        )
    return None, values


def _login_page(action: str, values: dict) -> Response:
    hidden = "".join(
        f'<input type="hidden" name="{name}" value="{escape(value)}">'
        for name, value in values.items()
    )
    users = "".join(
        f'<button class="user" type="submit" name="taxid" value="{p.taxid}">'
        f"{escape(p.firstname)} {escape(p.lastname)} — ΑΦΜ {p.taxid}"
        f"<br><small>{escape(p.note)}</small></button>"
        for p in TAXPAYERS
    )
    body = (
        "<h1>Σύνδεση με τους κωδικούς του Taxisnet</h1>"
        f"<p>Η εφαρμογή <strong>{escape(values['client_id'])}</strong> ζητά "
        "πρόσβαση στα βασικά στοιχεία σας (ΑΦΜ, ονοματεπώνυμο, πατρώνυμο, "
        "μητρώνυμο, έτος γέννησης).</p>"
        "<p>Επιλέξτε δοκιμαστικό χρήστη:</p>"
        f'<form id="gsis-login" method="post" action="{escape(action)}">'
        f"{hidden}{users}"
        '<button class="cancel" type="submit" name="cancel" value="1">Άκυρο</button>'
        "</form>"
    )
    return _page("Σύνδεση Taxisnet", body)


@variant_route("GET", "/oauth/authorize")
def authorize(request, variant):
    """The login page, or GSIS's error page for a bad request."""
    error, values = _check_authorize(request.GET)
    if error is not None:
        return error
    state.record("authorize", variant=variant, client_id=values["client_id"])
    return _login_page(request.path, values)


@variant_route("POST", "/oauth/authorize")
def authorize_submit(request, variant):
    """The login page's answer: a code for the chosen taxpayer, or the cancel."""
    error, values = _check_authorize(request.POST)
    if error is not None:
        return error
    redirect_uri = values["redirect_uri"]
    back = {"state": values["state"]} if values["state"] else {}
    if request.POST.get("cancel"):
        state.record("cancel", variant=variant, client_id=values["client_id"])
        return _redirect(
            _with_query(
                redirect_uri,
                {
                    "error": "access_denied",
                    "error_description": "User denied access",
                    **back,
                },
            )
        )
    person = taxpayer(request.POST.get("taxid", ""))
    if person is None:
        return _error_page("invalid_request", "Unknown test user", 400)
    code = secrets.token_urlsafe(8)
    with state.lock:
        state.codes[code] = Grant(
            client_id=values["client_id"],
            redirect_uri=redirect_uri,
            taxid=person.taxid,
            variant=variant,
            expires=time.monotonic() + state.code_ttl,
        )
    state.record("code", variant=variant, taxid=person.taxid)
    return _redirect(_with_query(redirect_uri, {"code": code, **back}))


def _oauth_error(error: str, description: str, status: int = 400) -> Response:
    response = json_response(
        {"error": error, "error_description": description}, status=status
    )
    response.cache_control = "no-store"
    if status == 401:
        response.www_authenticate = ("Bearer", {"error": error})
    return response


def _client_credentials(request) -> tuple[str, str]:
    """The client id and secret, from HTTP Basic or from the form."""
    header = request.authorization
    if header and header[0].lower() == "basic":
        try:
            decoded = base64.b64decode(header[1]).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            return "", ""
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    return request.POST.get("client_id", ""), request.POST.get("client_secret", "")


@variant_route("POST", "/oauth/token")
def token(request, variant):
    """Exchange a code for an access token."""
    if request.content_type != "application/x-www-form-urlencoded":
        return _oauth_error(
            "invalid_request", "The token request must be form-urlencoded"
        )
    client_id, secret = _client_credentials(request)
    with state.lock:
        client = state.clients.get(client_id)
    if client is None or not secrets.compare_digest(
        client.secret.encode(), secret.encode()
    ):
        state.record("token", variant=variant, outcome="invalid_client")
        return _oauth_error("invalid_client", "Bad client credentials", 401)
    grant_type = request.POST.get("grant_type", "")
    if grant_type != "authorization_code":
        return _oauth_error(
            "unsupported_grant_type", f"Unsupported grant type: {grant_type}"
        )
    code = request.POST.get("code", "")
    if not code:
        return _oauth_error("invalid_request", "Missing code")
    redirect_uri = request.POST.get("redirect_uri", "")
    with state.lock:
        grant = state.codes.get(code)
        outcome = "ok"
        if grant is None or grant.client_id != client_id or grant.variant != variant:
            outcome = f"Invalid authorization code: {code}"
        elif grant.used:
            outcome = f"Invalid authorization code: {code}"
        elif grant.expires < time.monotonic():
            outcome = "Authorization code expired"
        elif grant.redirect_uri != redirect_uri:
            outcome = "Redirect URI mismatch."
        if grant is not None:
            # Any attempt spends the code, as Spring OAuth2 does.
            grant.used = True
        if outcome == "ok":
            access_token = secrets.token_urlsafe(24)
            state.tokens[access_token] = Token(
                grant.taxid, time.monotonic() + state.token_ttl
            )
            expires_in = int(state.token_ttl)
    state.record("token", variant=variant, outcome=outcome)
    if outcome != "ok":
        return _oauth_error("invalid_grant", outcome)
    response = json_response(
        {
            "access_token": access_token,
            "token_type": "bearer",
            "refresh_token": secrets.token_urlsafe(24),
            "expires_in": expires_in,
            "scope": "read",
        }
    )
    response.cache_control = "no-store"
    return response


def _pad(value: str, width: int = 12) -> str:
    return value.ljust(width)


def _attribute(value: str, encoding: str) -> str:
    text = escape(value, quote=True)
    if encoding == "plain":
        return text
    text = "".join(ch if ord(ch) < 128 else f"&#{ord(ch)};" for ch in text)
    if encoding == "double":
        text = text.replace("&#", "&amp;#")
    return text


def userinfo_xml(person: Taxpayer) -> str:
    """The XML GSIS answers for ``person``, padded and encoded as they are."""
    values = {
        "userid": _pad(f"User{person.taxid}", 16),
        "taxid": _pad(person.taxid),
        "lastname": person.lastname,
        "firstname": person.firstname,
        "fathername": person.fathername,
        "mothername": person.mothername,
        "birthyear": person.birthyear,
    }
    attributes = " ".join(
        f'{name}="{_attribute(value, person.encoding)}"'
        for name, value in values.items()
    )
    return f"<root><userinfo {attributes}/></root>"


@variant_route("GET", "/userinfo")
def userinfo(request, variant):
    """The taxpayer of a bearer token, as XML; errors as JSON."""
    header = request.headers.get("Authorization", "")
    scheme, _, access_token = header.partition(" ")
    if scheme.lower() != "bearer" or not access_token.strip():
        return _oauth_error(
            "unauthorized",
            "Full authentication is required to access this resource",
            401,
        )
    access_token = access_token.strip()
    with state.lock:
        grant = state.tokens.get(access_token)
        expired = grant is not None and grant.expires < time.monotonic()
    if grant is None or expired:
        state.record("userinfo", variant=variant, outcome="invalid_token")
        message = (
            f"Access token expired: {access_token}"
            if expired
            else f"Invalid access token: {access_token}"
        )
        return _oauth_error("invalid_token", message, 401)
    person = taxpayer(grant.taxid)
    if person.userinfo_error:
        state.record("userinfo", variant=variant, outcome=person.userinfo_error)
        return json_response(
            {
                "error": person.userinfo_error,
                "error_description": "Σφάλμα κατά την ανάκτηση των στοιχείων",
            }
        )
    state.record("userinfo", variant=variant, taxid=person.taxid)
    # GSIS answers XML whatever "format" says; errors above are JSON.
    return Response(
        body=userinfo_xml(person).encode("utf-8"),
        content_type="application/xml",
        charset="utf-8",
    )


def _logout(request, variant, client_id):
    with state.lock:
        client = state.clients.get(client_id)
    if client is None:
        return _error_page("invalid_client", f"Unknown client {client_id}", 400)
    url = request.GET.get("url", "")
    if not url.startswith(client.redirect_prefixes):
        return _error_page("invalid_request", "Missing or invalid url", 400)
    state.record("logout", variant=variant, client_id=client_id, url=url)
    return _redirect(url)


@variant_route("GET", "/logout/{client_id}/")
def logout(request, variant, client_id):
    """End the GSIS session and send the browser to ``?url=``."""
    return _logout(request, variant, client_id)


@variant_route("GET", "/logout/{client_id}")
def logout_no_slash(request, variant, client_id):
    """The same without the trailing slash."""
    return _logout(request, variant, client_id)


# Test knobs


@gsis.route("GET", "/_admin/users")
def list_users(request):
    """The test taxpayers and what each exercises."""
    return {
        "users": [
            {
                "taxid": p.taxid,
                "lastname": p.lastname,
                "firstname": p.firstname,
                "fathername": p.fathername,
                "mothername": p.mothername,
                "birthyear": p.birthyear,
                "encoding": p.encoding,
                "userinfo_error": p.userinfo_error or None,
                "note": p.note,
            }
            for p in TAXPAYERS
        ],
        "client_id": DEMO_CLIENT_ID,
    }


@gsis.route("POST", "/_admin/config")
def configure(request):
    """Set ``code_ttl`` and/or ``token_ttl`` (seconds, 0–86400)."""
    data = read_json(request)
    unknown = sorted(set(data) - {"code_ttl", "token_ttl"})
    if unknown:
        raise ValidationError(unknown[0], "Unknown field")
    values = {}
    for name, value in data.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValidationError(name, "Must be a number of seconds")
        if not 0 <= value <= 86400:
            raise ValidationError(name, "Must be between 0 and 86400")
        values[name] = float(value)
    with state.lock:
        for name, value in values.items():
            setattr(state, name, value)
        return {"code_ttl": state.code_ttl, "token_ttl": state.token_ttl}


@gsis.route("GET", "/_admin/log")
def read_log(request):
    """What happened since the last reset, oldest first."""
    with state.lock:
        return {"events": list(state.log)}
