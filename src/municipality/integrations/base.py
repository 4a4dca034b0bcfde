"""The base of every external-system client: settings, timeouts, typed errors."""

from municipality.integrations.errors import ExternalSystemBadResponse
from municipality.integrations.errors import ExternalSystemRejected
from municipality.integrations.errors import ExternalSystemUnavailable
from plone.registry.interfaces import IRegistry
from zope.component import getUtility

import requests


class ExternalSystemClient:
    """A JSON-over-HTTP client for one external system.

    Subclasses set ``system`` (the registry prefix under ``municipality.``)
    and add the system's own calls on top of :meth:`request`. The client is
    built from explicit arguments, or from the site's registry with
    :meth:`from_registry`; it never reads settings at import time.
    """

    system = None

    def __init__(self, url, username="", password="", timeout=10.0, session=None):
        self.url = url.rstrip("/")
        self.username = username or ""
        self.password = password or ""
        self.timeout = timeout
        self.session = session or requests.Session()
        if self.username:
            self.session.auth = (self.username, self.password)

    @classmethod
    def from_registry(cls, registry=None):
        """Build the client from the ``municipality.<system>`` registry records."""
        registry = registry or getUtility(IRegistry)
        prefix = f"municipality.{cls.system}"
        return cls(
            url=registry[f"{prefix}.url"],
            username=registry.get(f"{prefix}.username", ""),
            password=registry.get(f"{prefix}.password", ""),
            timeout=registry.get(f"{prefix}.timeout", 10.0),
        )

    def request(self, method, path, **kwargs):
        """Call ``method`` on ``path`` and return the decoded JSON answer.

        Raises ``ExternalSystemUnavailable`` when the system cannot be reached,
        times out or answers 5xx, ``ExternalSystemBadResponse`` when a success
        is not JSON, and ``ExternalSystemRejected`` on a 4xx answer.
        """
        url = f"{self.url}/{path.lstrip('/')}"
        kwargs.setdefault("timeout", self.timeout)
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
        if response.status_code >= 400:
            raise ExternalSystemRejected(
                self.system,
                _error_message(response),
                response.status_code,
                field=_error_field(response),
            )
        try:
            return response.json()
        except ValueError as e:
            raise ExternalSystemBadResponse(
                self.system, "answer is not JSON", response.status_code
            ) from e

    def health(self):
        """Ask the system whether it is up; returns its JSON answer."""
        return self.request("GET", "health")


def _error_message(response):
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return f"HTTP {response.status_code}"
    if isinstance(error, dict):
        return error.get("message") or str(error)
    return str(error) if error else f"HTTP {response.status_code}"


def _error_field(response):
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        return None
    if isinstance(error, dict) and isinstance(error.get("field"), str):
        return error["field"]
    return None
