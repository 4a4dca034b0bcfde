"""The site, over plone.restapi: log in, read ``@archive-ingest``, send decisions.

The contract is ``municipality.archive.api``. The client logs in with
``POST @login`` and sends the JSON Web Token it gets; when the token runs out
during a long batch (plone.restapi's last 12 hours) it logs in again. Network
errors and 5xx answers are retried with back-off (1, 2, 4, 8 s by default)
before :class:`SiteUnavailable` is raised; a 4xx answer is final
(:class:`SiteRejected`, with the fields the site named). Sending a decision
again is harmless: the site answers ``created: false`` for a source hash it
already holds, so a request that timed out after the site stored it is simply
sent again.

No Plone here: the tool runs on any machine with the package installed.
"""

from dataclasses import dataclass

import json
import requests
import time


#: Seconds to wait for the site to answer a small request.
TIMEOUT = 60
#: Seconds to wait for it to store a decision (pages, PDF, indexing).
UPLOAD_TIMEOUT = 600
#: Pauses before each retry of a failed request (network errors and 5xx).
BACKOFF = (1, 2, 4, 8)


class SiteError(RuntimeError):
    """The base of the client's errors."""


class SiteUnavailable(SiteError):
    """The site could not be reached, timed out or answered 5xx (retry later)."""


class SiteRejected(SiteError):
    """The site answered 4xx: a final answer about this request.

    ``status`` is the HTTP status, ``errors`` the ``[{"field", "message"}]``
    the site named (may be empty).
    """

    def __init__(self, message, status, errors=()):
        super().__init__(message)
        self.status = status
        self.errors = list(errors)

    def __str__(self):
        text = super().__str__()
        details = "; ".join(
            f"{e.get('field')}: {e.get('message')}"
            if e.get("field")
            else str(e.get("message"))
            for e in self.errors
        )
        return f"{text} ({details})" if details and details not in text else text


class LoginFailed(SiteRejected):
    """The user name or the password is wrong, or the user may not ingest."""


@dataclass
class Stored:
    """The site's answer to a decision: where it is, and whether it is new."""

    url: str
    uid: str
    created: bool


def _message(response):
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}", []
    error = body.get("error") if isinstance(body, dict) else None
    if isinstance(error, dict):
        errors = error.get("errors") or []
        if not errors and error.get("field"):
            errors = [{"field": error["field"], "message": error.get("message")}]
        message = error.get("message") or error.get("type") or ""
        return f"HTTP {response.status_code}: {message}".rstrip(": "), [
            e for e in errors if isinstance(e, dict)
        ]
    if isinstance(body, dict) and body.get("message"):
        return f"HTTP {response.status_code}: {body['message']}", []
    return f"HTTP {response.status_code}", []


class SiteClient:
    """plone.restapi of one site as one user, for one archive folder.

    ``site`` is the site's URL (``https://dimos.example.gr`` or
    ``http://localhost:8080/Plone``); ``archive`` the archive folder's path
    in it (``/archive``).
    """

    def __init__(
        self,
        site,
        user,
        password,
        archive="/archive",
        timeout=TIMEOUT,
        upload_timeout=UPLOAD_TIMEOUT,
        backoff=BACKOFF,
        sleep=time.sleep,
        warn=None,
    ):
        self.site = site.rstrip("/")
        self.archive_url = f"{self.site}/{archive.strip('/')}".rstrip("/")
        self.user = user
        self._password = password
        self.timeout = timeout
        self.upload_timeout = upload_timeout
        self.backoff = tuple(backoff)
        self.sleep = sleep
        #: Told of each retry (``warn(message)``), so a wait is not silent.
        self.warn = warn
        self.token = None
        self.session = requests.Session()
        self.session.headers.update(
            {"Accept": "application/json", "User-Agent": "municipality-archive-ingest"}
        )

    def _send(self, method, url, timeout, **kwargs):
        """One request with retries on network errors and 5xx; the response."""
        attempts = len(self.backoff) + 1
        for attempt in range(attempts):
            problem = None
            try:
                response = self.session.request(method, url, timeout=timeout, **kwargs)
            except requests.Timeout:
                problem = f"no answer within {timeout} s"
            except requests.RequestException as error:
                problem = f"unreachable ({type(error).__name__}: {error})"
            else:
                if response.status_code < 500:
                    return response
                problem = _message(response)[0]
            if attempt + 1 < attempts:
                pause = self.backoff[attempt]
                if self.warn is not None:
                    self.warn(f"{method} {url}: {problem}; trying again in {pause} s")
                self.sleep(pause)
        raise SiteUnavailable(f"{method} {url}: {problem} (tried {attempts} times)")

    def login(self):
        """``POST @login``: get a token, or :class:`LoginFailed`."""
        # An expired token must not go with the request for a new one.
        self.session.headers.pop("Authorization", None)
        self.token = None
        response = self._send(
            "POST",
            f"{self.site}/@login",
            self.timeout,
            json={"login": self.user, "password": self._password},
        )
        if response.status_code != 200:
            message, errors = _message(response)
            raise LoginFailed(
                f"cannot log in to {self.site} as {self.user}: {message}",
                response.status_code,
                errors,
            )
        try:
            self.token = response.json()["token"]
        except (ValueError, KeyError, TypeError) as error:
            raise SiteUnavailable(
                f"POST {self.site}/@login: the answer has no token "
                "(is this a Plone site with plone.restapi?)"
            ) from error
        self.session.headers["Authorization"] = f"Bearer {self.token}"
        return self.token

    def _call(self, method, url, timeout, **kwargs):
        """A request as the logged-in user; logs in again once on a 401."""
        if self.token is None:
            self.login()
        response = self._send(method, url, timeout, **kwargs)
        if response.status_code == 401:
            self.login()
            response = self._send(method, url, timeout, **kwargs)
        return response

    def _json(self, response, what):
        try:
            return response.json()
        except ValueError as error:
            raise SiteUnavailable(
                f"{what}: the answer is not JSON (HTTP {response.status_code})"
            ) from error

    def info(self):
        """``GET <archive>/@archive-ingest``: ``{"settings", "source_hashes"}``."""
        url = f"{self.archive_url}/@archive-ingest"
        response = self._call("GET", url, self.timeout)
        if response.status_code != 200:
            message, errors = _message(response)
            if response.status_code == 404:
                message += (
                    " — no archive there: check --site and --archive, and that "
                    "the archive add-on is installed"
                )
            elif response.status_code in (401, 403):
                message += f" — {self.user} may not ingest into the archive"
            raise SiteRejected(f"GET {url}: {message}", response.status_code, errors)
        body = self._json(response, f"GET {url}")
        if not isinstance(body, dict) or not isinstance(body.get("settings"), dict):
            raise SiteUnavailable(f"GET {url}: not the archive's ingestion answer")
        body.setdefault("source_hashes", [])
        return body

    def ingest(self, payload):
        """``POST <archive>/@archive-ingest`` one decision → :class:`Stored`.

        Raises :class:`SiteRejected` (4xx: the fields the site named) or
        :class:`SiteUnavailable` (after the retries).
        """
        url = f"{self.archive_url}/@archive-ingest"
        data = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        response = self._call(
            "POST",
            url,
            self.upload_timeout,
            data=data,
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
        if response.status_code not in (200, 201):
            message, errors = _message(response)
            raise SiteRejected(message, response.status_code, errors)
        body = self._json(response, f"POST {url}")
        try:
            return Stored(
                url=body["@id"],
                uid=body.get("UID", ""),
                created=bool(body.get("created", response.status_code == 201)),
            )
        except (KeyError, TypeError) as error:
            raise SiteUnavailable(
                f"POST {url}: the answer names no decision ({body!r:.200})"
            ) from error
