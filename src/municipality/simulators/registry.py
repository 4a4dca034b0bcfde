"""Simulated external systems: their failure modes and their HTTP routes.

Every external system the platform talks to (finance, bank, protocol, ...)
is a :class:`System` in a :class:`Registry`. A system owns

* a **state** (:class:`SystemState`): ``up``, ``down``, ``slow`` or ``error``,
  switched at run time through ``POST /_admin/systems/<name>``;
* its **routes**, relative to ``/<name>``, added with :meth:`System.route`;
* optionally one **mounted handler** (:meth:`System.mount`), a callable that
  takes a WebOb request and answers whatever no route matched.

The state is applied by :meth:`System.handle` before any route runs, so a
route never has to care about failure modes. A module that adds endpoints
lives in ``municipality.simulators.systems`` and is imported by the app at
start-up::

    from municipality.simulators.registry import ValidationError
    from municipality.simulators.registry import json_response
    from municipality.simulators.registry import read_json
    from municipality.simulators.registry import system


    protocol = system("protocol")


    @protocol.route("POST", "/documents")
    def register_document(request):
        data = read_json(request)
        if not data.get("subject"):
            raise ValidationError("subject", "Required")
        return json_response({"number": 1}, status=201)


    @protocol.route("GET", "/documents/{number}")
    def get_document(request, number):
        return {"number": number, "mode": protocol.mode}

All state sits behind locks because waitress serves requests from a pool of
threads.
"""

from collections.abc import Callable
from collections.abc import Iterator
from dataclasses import dataclass
from webob import Request
from webob import Response

import importlib
import json
import logging
import pkgutil
import re
import threading
import time


logger = logging.getLogger(__name__)

MODES = ("up", "down", "slow", "error")
DEFAULT_DELAY = 5.0
# A bound on the delay so a typo cannot park waitress threads for hours.
MAX_DELAY = 300.0
DEFAULT_ERROR_STATUS = 500
ERROR_BODY = b"Internal simulated failure"

KNOWN_SYSTEMS = {
    "finance": "Municipal finance system (debts, payment orders)",
    "bank": "Bank card payment gateway",
    "protocol": "Electronic document protocol registry",
    "taxisnet": "TaxisNet OAuth 2.0 login (GSIS)",
    "diavgeia": "Diavgeia transparency portal",
}

# First path segments the app answers itself, so no system may take them.
RESERVED_NAMES = frozenset({"", "_admin", "health", "mail"})

_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]*$")
_PLACEHOLDER_RE = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

Handler = Callable[..., object]


class ValidationError(ValueError):
    """Bad client input; the app answers 400 ``{"error": {"field", "message"}}``.

    Route handlers may raise it too, with the name of the offending field.
    """

    def __init__(self, field: str | None, message: str):
        super().__init__(f"{field}: {message}" if field else message)
        self.field = field
        self.message = message


def json_response(data: object, status: int = 200, **kwargs) -> Response:
    """Return a WebOb response with ``data`` as UTF-8 JSON (Greek kept as is)."""
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    response = Response(
        body=body, status=status, content_type="application/json", **kwargs
    )
    # WebOb leaves the charset off non-text types; say it for curl and browsers.
    response.charset = "utf-8"
    return response


def error_response(
    status: int, message: str, field: str | None = None, **extra
) -> Response:
    """Return the JSON error shape every simulator endpoint uses."""
    error = {"field": field, "message": message}
    error.update(extra)
    return json_response({"error": error}, status=status)


def read_json(request: Request) -> dict:
    """Return the request body as a JSON object, or raise :class:`ValidationError`."""
    try:
        data = json.loads(request.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise ValidationError("body", f"Body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValidationError("body", "Body must be a JSON object")
    return data


def as_response(result: object) -> Response:
    """Turn what a handler returned into a response: dicts and lists become JSON."""
    if isinstance(result, Response):
        return result
    if isinstance(result, dict | list):
        return json_response(result)
    raise TypeError(
        f"A simulator handler must return a webob Response, a dict or a list, "
        f"not {type(result).__name__}"
    )


def _closing_connection(response: Response) -> Response:
    """Make the server close the connection after ``response``.

    A dead service drops connections and clients must cope with that. WSGI
    forbids an app to send ``Connection`` itself (waitress rejects it), but
    waitress answers ``Connection: close`` and closes when a body of
    unknown length arrives as a stream, so that is what this returns.
    """
    body = response.body
    response.app_iter = (chunk for chunk in (body,))
    response.content_length = None
    return response


@dataclass(frozen=True)
class SystemState:
    """How a system currently behaves. Immutable: swapped whole, under a lock."""

    mode: str = "up"
    delay: float = DEFAULT_DELAY
    status: int = DEFAULT_ERROR_STATUS

    @classmethod
    def from_json(cls, data: object) -> "SystemState":
        """Validate an admin request body; raise :class:`ValidationError`.

        Missing ``delay`` and ``status`` fall back to their defaults rather
        than to the previous state, so one request fully describes the mode.
        """
        if not isinstance(data, dict):
            raise ValidationError("body", "Body must be a JSON object")
        unknown = sorted(set(data) - {"mode", "delay", "status"})
        if unknown:
            raise ValidationError(unknown[0], "Unknown field")
        mode = data.get("mode")
        if mode is None:
            raise ValidationError("mode", "Required")
        if mode not in MODES:
            raise ValidationError("mode", f"Must be one of: {', '.join(MODES)}")
        delay = data.get("delay", DEFAULT_DELAY)
        # bool is an int subclass; true/false as a delay is a client bug.
        if isinstance(delay, bool) or not isinstance(delay, int | float):
            raise ValidationError("delay", "Must be a number of seconds")
        if not 0 <= delay <= MAX_DELAY:
            raise ValidationError("delay", f"Must be between 0 and {MAX_DELAY:g}")
        status = data.get("status", DEFAULT_ERROR_STATUS)
        if isinstance(status, bool) or not isinstance(status, int):
            raise ValidationError("status", "Must be an integer HTTP status code")
        if not 400 <= status <= 599:
            raise ValidationError("status", "Must be between 400 and 599")
        return cls(mode=mode, delay=float(delay), status=status)

    def as_dict(self) -> dict:
        """Return the JSON form; ``delay``/``status`` only where they apply."""
        data: dict = {"mode": self.mode}
        if self.mode == "slow":
            data["delay"] = self.delay
        elif self.mode == "error":
            data["status"] = self.status
        return data


@dataclass(frozen=True)
class Route:
    """One ``METHOD /path/{param}`` of a system and the function answering it."""

    method: str
    path: str
    handler: Handler
    regex: re.Pattern

    @classmethod
    def compile(cls, method: str, path: str, handler: Handler) -> "Route":
        """Build a route; ``{name}`` in ``path`` matches one path segment."""
        if not path.startswith("/"):
            raise ValueError(f"Route path must start with '/': {path!r}")
        pattern = ""
        position = 0
        for match in _PLACEHOLDER_RE.finditer(path):
            pattern += re.escape(path[position : match.start()])
            pattern += f"(?P<{match.group(1)}>[^/]+)"
            position = match.end()
        pattern += re.escape(path[position:])
        return cls(method.upper(), path, handler, re.compile(pattern))

    def match(self, path: str) -> dict | None:
        """Return the path parameters if ``path`` matches, else ``None``."""
        found = self.regex.fullmatch(path)
        return None if found is None else found.groupdict()

    def accepts(self, method: str) -> bool:
        """Tell whether this route answers ``method`` (GET routes answer HEAD)."""
        return method == self.method or (method == "HEAD" and self.method == "GET")


class System:
    """One simulated external system: its state, routes and mounted handler."""

    def __init__(self, name: str, description: str = ""):
        self.name = name
        self.description = description
        self._lock = threading.Lock()
        self._state = SystemState()
        self._routes: list[Route] = []
        self._mounted: Handler | None = None
        self.route("GET", "/health")(self._health)

    def __repr__(self) -> str:
        return f"<System {self.name} {self.mode}>"

    # State

    @property
    def state(self) -> SystemState:
        """The current :class:`SystemState` (a snapshot; safe to keep)."""
        with self._lock:
            return self._state

    @property
    def mode(self) -> str:
        """The current mode: ``up``, ``down``, ``slow`` or ``error``."""
        return self.state.mode

    def set_state(self, state: SystemState) -> SystemState:
        """Switch to ``state``; requests already past the mode check keep theirs."""
        with self._lock:
            self._state = state
        logger.info("%s is now %s", self.name, state.as_dict())
        return state

    def configure(self, data: object) -> SystemState:
        """Validate an admin JSON body and switch to it."""
        return self.set_state(SystemState.from_json(data))

    def reset(self) -> SystemState:
        """Put the system back up."""
        return self.set_state(SystemState())

    def describe(self) -> dict:
        """Return the JSON form used by ``/health`` and ``/_admin/systems``."""
        return {"description": self.description, **self.state.as_dict()}

    # Routing

    def route(self, method: str, path: str) -> Callable[[Handler], Handler]:
        """Decorate ``handler(request, **params)`` to answer ``METHOD /<system>path``.

        The handler returns a WebOb ``Response`` or a dict/list (sent as JSON
        200) and may raise :class:`ValidationError` for a 400. Registering
        the same method and path again replaces the handler, so reloading a
        module is harmless.
        """

        def decorator(handler: Handler) -> Handler:
            new = Route.compile(method, path, handler)
            with self._lock:
                self._routes = [
                    r
                    for r in self._routes
                    if (r.method, r.path) != (new.method, new.path)
                ]
                self._routes.append(new)
            return handler

        return decorator

    def mount(self, handler: Handler | None) -> Handler | None:
        """Let ``handler(request)`` answer whatever no route matches.

        Meant for a WebOb-based handler class (any callable taking a
        ``webob.Request`` and returning a response, a dict/list, or ``None``
        for 404). ``request.path_info`` is relative to the system and
        ``request.script_name`` ends in ``/<system>``. Pass ``None`` to unmount.
        """
        with self._lock:
            self._mounted = handler
        return handler

    def routes(self) -> list[str]:
        """Return ``"METHOD /path"`` for every route, for the admin listing."""
        with self._lock:
            return [f"{r.method} {r.path}" for r in self._routes]

    def handle(self, request: Request) -> Response:
        """Answer a request under ``/<system>``, honouring the current mode.

        ``request.path_info`` must already be relative to the system.
        """
        state = self.state
        if state.mode == "down":
            response = error_response(
                503, f"{self.name} is down (simulated)", system=self.name
            )
            return _closing_connection(response)
        if state.mode == "error":
            # Deliberately not JSON, to exercise clients' bad-response paths.
            return Response(
                body=ERROR_BODY,
                status=state.status,
                content_type="text/plain",
                charset="utf-8",
            )
        if state.mode == "slow":
            time.sleep(state.delay)
        return self.dispatch(request)

    def dispatch(self, request: Request) -> Response:
        """Run the matching route or the mounted handler, ignoring the mode."""
        path = request.path_info or "/"
        with self._lock:
            routes = list(self._routes)
            mounted = self._mounted
        allowed = set()
        try:
            for route in routes:
                params = route.match(path)
                if params is None:
                    continue
                if route.accepts(request.method):
                    request.urlvars = params
                    return as_response(route.handler(request, **params))
                allowed.add(route.method)
            if allowed:
                response = error_response(
                    405, f"Method {request.method} not allowed on {path}"
                )
                response.allow = sorted(allowed)
                return response
            if mounted is not None:
                result = mounted(request)
                if result is not None:
                    return as_response(result)
        except ValidationError as exc:
            return error_response(400, exc.message, field=exc.field)
        return error_response(404, f"No {self.name} endpoint at {path}")

    def _health(self, request: Request) -> dict:
        return {"system": self.name, "status": "ok", **self.state.as_dict()}


class Registry:
    """The set of simulated systems, by name. Thread-safe."""

    def __init__(self, systems: dict[str, str] | None = None):
        self._lock = threading.Lock()
        self._systems: dict[str, System] = {}
        if systems is None:
            systems = KNOWN_SYSTEMS
        for name, description in systems.items():
            self.register(name, description)

    def register(self, name: str, description: str = "") -> System:
        """Add a system, or return the existing one of that name."""
        if name in RESERVED_NAMES or not _NAME_RE.match(name):
            raise ValueError(f"Invalid system name: {name!r}")
        with self._lock:
            if name not in self._systems:
                self._systems[name] = System(name, description)
            return self._systems[name]

    def get(self, name: str) -> System:
        """Return the named system; raise ``KeyError`` if there is none."""
        with self._lock:
            return self._systems[name]

    def __contains__(self, name: object) -> bool:
        with self._lock:
            return name in self._systems

    def __iter__(self) -> Iterator[System]:
        with self._lock:
            return iter(list(self._systems.values()))

    def names(self) -> list[str]:
        """Return the system names in registration order."""
        with self._lock:
            return list(self._systems)

    def describe(self) -> dict:
        """Return ``{name: system.describe()}`` for every system."""
        return {system.name: system.describe() for system in self}

    def reset(self) -> None:
        """Put every system back up."""
        for system in self:
            system.reset()


registry = Registry()
"""The process-wide registry the server uses; :func:`system` reads it."""


def system(name: str) -> System:
    """Return the named system of the process-wide :data:`registry`."""
    return registry.get(name)


def load_system_modules(package: str = "municipality.simulators.systems") -> list:
    """Import every module of ``package``, so their routes get registered."""
    root = importlib.import_module(package)
    loaded = []
    for info in pkgutil.iter_modules(root.__path__, prefix=f"{package}."):
        loaded.append(importlib.import_module(info.name))
    return loaded
