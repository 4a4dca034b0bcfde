"""The client of TaxisNet (GSIS) OAuth2 login.

GSIS speaks plain OAuth2 (no OpenID Connect, no id_token, no discovery):

1. the browser goes to ``<base>/<variant>/oauth/authorize?response_type=code
   &client_id=…&redirect_uri=…&scope=read&state=…`` (:meth:`authorize_url`);
2. GSIS sends it back to ``redirect_uri?code=…&state=…``, or with
   ``?error=…&error_description=…`` (``User denied access``: the user
   pressed «Άκυρο»);
3. the portal exchanges the code, form-urlencoded, for an access token
   (:meth:`exchange_code`);
4. and reads the taxpayer with it (:meth:`userinfo`), as XML::

    <root><userinfo userid="User068933130   " taxid="068933130   "
      lastname="ΒΑΒΟΥΛΑ" firstname="ΕΥΤΥΧΙΑ" fathername="ΕΜΜΑΝΟΥΗΛ"
      mothername="ΑΝΝΑ" birthyear="1950"/></root>

Values come space-padded and names may come as numeric character
references, sometimes escaped twice (``&amp;#917;``); the element's name
is not fixed. Errors come back as JSON even when XML was asked for, so the
answer is tried as JSON first. The XML is parsed with expat with every
document type declaration refused: no entity can be declared, so none can be
expanded (billion laughs) or fetched (external entities).
"""

from dataclasses import asdict
from dataclasses import dataclass
from municipality.integrations.base import ExternalSystemClient
from municipality.integrations.errors import ExternalSystemBadResponse
from municipality.integrations.errors import ExternalSystemRejected
from municipality.integrations.errors import ExternalSystemUnavailable
from plone.registry.interfaces import IRegistry
from urllib.parse import quote
from urllib.parse import urlencode
from xml.parsers import expat
from zope.component import getUtility

import json
import re
import requests


DEFAULT_VARIANT = "oauth2server"
VARIANTS = ("oauth2server", "oauth2servergov", "oauth2serverotp")
SCOPE = "read"
# A userinfo answer is a few hundred bytes; refuse to parse megabytes.
MAX_ANSWER = 64 * 1024
USER_FIELDS = (
    "userid",
    "taxid",
    "lastname",
    "firstname",
    "fathername",
    "mothername",
    "birthyear",
)

_CHARREF_RE = re.compile(r"&#(?:([0-9]{1,7})|[xX]([0-9a-fA-F]{1,6}));")


class TaxisNetError(ExternalSystemRejected):
    """GSIS answered with an OAuth2 error (``invalid_grant``, ``invalid_token`` …).

    ``error`` is the OAuth2 error code, ``description`` GSIS's explanation.
    """

    def __init__(self, error, description="", status=None, system="taxisnet"):
        message = f"{error}: {description}" if description else error
        super().__init__(system, message, status)
        self.error = error
        self.description = description


@dataclass(frozen=True)
class TaxisNetUser:
    """The taxpayer GSIS vouches for, values trimmed and entities decoded."""

    userid: str
    taxid: str
    lastname: str
    firstname: str
    fathername: str = ""
    mothername: str = ""
    birthyear: str = ""

    @property
    def fullname(self):
        """«ΟΝΟΜΑ ΕΠΩΝΥΜΟ», as Plone shows people."""
        return f"{self.firstname} {self.lastname}".strip()

    def as_dict(self):
        """The fields as a plain dict (for storing)."""
        return asdict(self)


def normalize_taxid(value):
    """Return ``value`` as a 9-digit ΑΦΜ, or ``None`` when it is not one.

    Spaces are dropped, the old 8-digit form gets its leading zero and the
    check digit must hold: ``(Σ d_i · 2^(9−i) mod 11) mod 10 == d9``.
    """
    value = (value or "").strip().replace(" ", "")
    if len(value) == 8 and value.isdigit():
        value = "0" + value
    if len(value) != 9 or not value.isdigit() or not value.isascii():
        return None
    total = sum(int(digit) << (8 - index) for index, digit in enumerate(value[:8]))
    if total % 11 % 10 != int(value[8]):
        return None
    return value


def decode_value(value):
    """Trim ``value`` and decode numeric character references left in it.

    expat has already decoded one level of references; GSIS sometimes
    escapes them twice (``&amp;#917;`` arrives as ``&#917;``), so numeric
    references still in the text are decoded once more. Named references
    are left alone: a literal «&» in a name stays as it is.
    """

    def replace(match):
        decimal, hexadecimal = match.groups()
        code = int(decimal) if decimal else int(hexadecimal, 16)
        if code in (0,) or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
            return match.group(0)
        return chr(code)

    return _CHARREF_RE.sub(replace, value or "").strip()


class _Forbidden(ValueError):
    pass


def _forbid(*args):
    raise _Forbidden("document type declarations are not accepted")


def parse_userinfo_xml(body, system="taxisnet"):
    """Return the attributes of the first child element of the XML ``body``.

    :param body: [required] The userinfo answer.
    :type body: bytes or string
    :returns: The attribute names and values (not yet trimmed).
    :rtype: dict
    :raises:
        :class:`~municipality.integrations.errors.ExternalSystemBadResponse`
        when ``body`` is not well-formed XML, has a DOCTYPE (so entities),
        or no element with attributes.
    """
    if isinstance(body, str):
        body = body.encode("utf-8")
    if len(body) > MAX_ANSWER:
        raise ExternalSystemBadResponse(system, "userinfo answer is too large")
    parser = expat.ParserCreate()
    # No DTD means no entity declarations: nothing to expand or fetch.
    parser.StartDoctypeDeclHandler = _forbid
    parser.EntityDeclHandler = _forbid
    parser.UnparsedEntityDeclHandler = _forbid
    parser.ExternalEntityRefHandler = _forbid
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth = 0
    root = {}
    child = None

    def start(name, attributes):
        nonlocal depth, root, child
        depth += 1
        if depth == 1:
            root = attributes
        elif depth == 2 and child is None:
            child = attributes

    def end(name):
        nonlocal depth
        depth -= 1

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(body, True)
    except _Forbidden as e:
        raise ExternalSystemBadResponse(
            system, "userinfo XML declares a document type"
        ) from e
    except expat.ExpatError as e:
        raise ExternalSystemBadResponse(system, f"userinfo is not XML: {e}") from e
    # The documented shape is <root><userinfo …/></root>; a bare element
    # with the attributes on itself is read too.
    attributes = child if child is not None else root
    if not attributes:
        raise ExternalSystemBadResponse(system, "userinfo XML has no attributes")
    return attributes


def parse_userinfo(body, status=200, system="taxisnet"):
    """Turn a userinfo answer into a :class:`TaxisNetUser`.

    JSON is tried first: GSIS answers errors as JSON whatever format was
    asked for.

    :param body: [required] The answer's body.
    :type body: bytes or string
    :param status: The HTTP status it came with.
    :type status: int
    :returns: The taxpayer, every value trimmed and decoded; ``taxid`` is a
        valid 9-digit ΑΦΜ.
    :rtype: TaxisNetUser
    :raises:
        :class:`TaxisNetError` for a JSON error answer,
        :class:`~municipality.integrations.errors.ExternalSystemBadResponse`
        for anything else that is not a taxpayer with a valid ΑΦΜ.
    :Example:

    .. code-block:: python

        user = parse_userinfo(b'<root><userinfo taxid="068933130   " …/></root>')
        user.taxid  # "068933130"
    """
    if isinstance(body, str):
        body = body.encode("utf-8")
    data = _json_or_none(body)
    if data is not None:
        if isinstance(data, dict) and data.get("error"):
            raise TaxisNetError(
                str(data["error"]),
                str(data.get("error_description") or ""),
                status,
                system,
            )
        raise ExternalSystemBadResponse(system, "userinfo answered JSON, not XML")
    attributes = parse_userinfo_xml(body, system)
    values = {name: decode_value(attributes.get(name, "")) for name in USER_FIELDS}
    taxid = normalize_taxid(values["taxid"])
    if taxid is None:
        raise ExternalSystemBadResponse(
            system, f"userinfo has no valid ΑΦΜ: {values['taxid']!r}"
        )
    values["taxid"] = taxid
    if not values["lastname"] and not values["firstname"]:
        raise ExternalSystemBadResponse(system, "userinfo has no names")
    return TaxisNetUser(**values)


def parse_token(data, status=200, system="taxisnet"):
    """Return the access token of a token answer (already decoded JSON).

    :raises: :class:`TaxisNetError` for an OAuth2 error,
        :class:`~municipality.integrations.errors.ExternalSystemBadResponse`
        when there is no ``access_token``.
    """
    if not isinstance(data, dict):
        raise ExternalSystemBadResponse(system, "token answer is not a JSON object")
    if data.get("error"):
        raise TaxisNetError(
            str(data["error"]), str(data.get("error_description") or ""), status, system
        )
    token = data.get("access_token")
    if not isinstance(token, str) or not token:
        raise ExternalSystemBadResponse(system, "token answer has no access_token")
    token_type = str(data.get("token_type") or "bearer")
    if token_type.lower() != "bearer":
        raise ExternalSystemBadResponse(system, f"token type {token_type!r}")
    return token


def _json_or_none(body):
    text = body.lstrip()
    if not text.startswith((b"{", b"[")):
        return None
    try:
        return json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None


class TaxisNetClient(ExternalSystemClient):
    """Log taxpayers in through GSIS.

    Build it with ``TaxisNetClient.from_registry()`` (records
    ``municipality.taxisnet.url``, ``.client_id``, ``.client_secret``,
    ``.variant``, ``.timeout``) or with explicit arguments in tests. The
    client id and secret travel in the token request's body, never as
    HTTP Basic auth on every call.
    """

    system = "taxisnet"

    def __init__(
        self,
        url,
        client_id,
        client_secret="",
        variant=DEFAULT_VARIANT,
        timeout=10.0,
        session=None,
    ):
        super().__init__(url, timeout=timeout, session=session)
        if variant not in VARIANTS:
            raise ValueError(f"Unknown GSIS variant {variant!r}")
        self.client_id = client_id or ""
        self.client_secret = client_secret or ""
        self.variant = variant

    @classmethod
    def from_registry(cls, registry=None):
        """Build the client from the ``municipality.taxisnet`` registry records."""
        registry = registry or getUtility(IRegistry)
        prefix = f"municipality.{cls.system}"
        return cls(
            url=registry[f"{prefix}.url"],
            client_id=registry.get(f"{prefix}.client_id", ""),
            client_secret=registry.get(f"{prefix}.client_secret", ""),
            variant=registry.get(f"{prefix}.variant", DEFAULT_VARIANT)
            or DEFAULT_VARIANT,
            timeout=registry.get(f"{prefix}.timeout", 10.0),
        )

    @property
    def base(self):
        """The variant's base address, e.g. ``https://oauth2.gsis.gr/oauth2server``."""
        return f"{self.url}/{self.variant}"

    def authorize_url(self, state, redirect_uri):
        """Where to send the browser to log in at GSIS.

        :param state: [required] The random value the callback must bring back.
        :param redirect_uri: [required] The portal's callback address, as
            registered at GSIS.
        :rtype: string
        """
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "scope": SCOPE,
                "state": state,
            }
        )
        return f"{self.base}/oauth/authorize?{query}"

    def exchange_code(self, code, redirect_uri):
        """Exchange the authorization ``code`` for an access token.

        :param code: [required] The ``code`` of the callback.
        :param redirect_uri: [required] The same address given to
            :meth:`authorize_url`.
        :returns: The access token.
        :rtype: string
        :raises:
            :class:`TaxisNetError` (``invalid_grant``: wrong, used or expired
            code; ``invalid_client``: wrong client id or secret),
            :class:`~municipality.integrations.errors.ExternalSystemUnavailable`,
            :class:`~municipality.integrations.errors.ExternalSystemBadResponse`
        """
        response = self._send(
            "POST",
            f"{self.base}/oauth/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": redirect_uri,
                "client_id": self.client_id,
                "client_secret": self.client_secret,
            },
            headers={"Accept": "application/json"},
        )
        data = _json_or_none(response.content)
        if data is None:
            if response.status_code >= 400:
                raise TaxisNetError(
                    f"HTTP {response.status_code}", "", response.status_code
                )
            raise ExternalSystemBadResponse(
                self.system, "token answer is not JSON", response.status_code
            )
        if response.status_code >= 400 and not (
            isinstance(data, dict) and data.get("error")
        ):
            raise TaxisNetError(
                f"HTTP {response.status_code}", "", response.status_code
            )
        return parse_token(data, response.status_code, self.system)

    def userinfo(self, token):
        """Read the taxpayer the access ``token`` belongs to.

        :param token: [required] What :meth:`exchange_code` returned.
        :rtype: TaxisNetUser
        :raises:
            :class:`TaxisNetError` (GSIS answered an error, in JSON),
            :class:`~municipality.integrations.errors.ExternalSystemUnavailable`,
            :class:`~municipality.integrations.errors.ExternalSystemBadResponse`
        """
        response = self._send(
            "GET",
            f"{self.base}/userinfo",
            params={"format": "xml"},
            headers={"Authorization": f"Bearer {token}"},
        )
        if response.status_code >= 400:
            data = _json_or_none(response.content)
            if isinstance(data, dict) and data.get("error"):
                parse_userinfo(response.content, response.status_code, self.system)
            raise TaxisNetError(
                f"HTTP {response.status_code}", "", response.status_code
            )
        return parse_userinfo(response.content, response.status_code, self.system)

    def logout_url(self, return_url):
        """Where to send the browser to end its GSIS session, then come back."""
        client = quote(self.client_id, safe="")
        return f"{self.base}/logout/{client}/?{urlencode({'url': return_url})}"

    def _send(self, method, url, **kwargs):
        """Send one request; transport failures and 5xx become typed errors."""
        kwargs.setdefault("timeout", self.timeout)
        kwargs.setdefault("allow_redirects", False)
        try:
            response = self.session.request(method, url, **kwargs)
        except requests.Timeout as e:
            raise ExternalSystemUnavailable(
                self.system, f"no answer within {self.timeout} s"
            ) from e
        except requests.RequestException as e:
            raise ExternalSystemUnavailable(self.system, f"unreachable: {e}") from e
        if response.status_code >= 500:
            raise ExternalSystemUnavailable(
                self.system, f"HTTP {response.status_code}", response.status_code
            )
        if len(response.content) > MAX_ANSWER:
            raise ExternalSystemBadResponse(
                self.system, "answer is too large", response.status_code
            )
        return response
