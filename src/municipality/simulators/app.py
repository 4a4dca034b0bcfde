"""The WSGI application of the simulators process.

Endpoints it answers itself:

* ``GET /health``: the process and every system's mode, plus the SMTP address;
* ``GET /_admin/systems``, ``GET|POST /_admin/systems/<name>``,
  ``POST /_admin/reset``: read and switch failure modes;
* ``GET|DELETE /mail/messages``, ``GET|DELETE /mail/messages/<id>``,
  ``GET /mail/messages/<id>/raw``: the mail catcher.

Everything else, ``/<system>/...``, goes to that system of the registry,
which applies its failure mode first (see :mod:`.registry`).
"""

from municipality.simulators.mail import MailStore
from municipality.simulators.registry import error_response
from municipality.simulators.registry import json_response
from municipality.simulators.registry import load_system_modules
from municipality.simulators.registry import read_json
from municipality.simulators.registry import Registry
from municipality.simulators.registry import registry as default_registry
from municipality.simulators.registry import ValidationError
from webob import Request
from webob import Response

import logging


logger = logging.getLogger(__name__)


def _method_not_allowed(request: Request, *allowed: str) -> Response:
    response = error_response(
        405, f"Method {request.method} not allowed on {request.path_info}"
    )
    response.allow = allowed
    return response


class SimulatorApp:
    """WSGI app serving health, admin, mail and every registered system."""

    def __init__(
        self,
        registry: Registry,
        store: MailStore,
        smtp_host: str,
        smtp_port: int,
    ):
        self.registry = registry
        self.store = store
        self.smtp_host = smtp_host
        self.smtp_port = smtp_port

    def __call__(self, environ, start_response):
        request = Request(environ)
        try:
            response = self.handle(request)
        except Exception as exc:
            # JSON, unlike the simulated "error" mode, so a bug in a simulator
            # cannot be mistaken for a simulated failure.
            logger.exception("Unhandled error on %s %s", request.method, request.path)
            response = error_response(
                500, f"Simulator bug: {exc!r}", type=type(exc).__name__
            )
        return response(environ, start_response)

    def handle(self, request: Request) -> Response:
        """Route one request to the endpoint answering it."""
        segments = request.path_info.strip("/").split("/")
        head = segments[0]
        if head == "":
            return self.index(request)
        if head == "health" and len(segments) == 1:
            if request.method not in ("GET", "HEAD"):
                return _method_not_allowed(request, "GET")
            return self.health(request)
        if head == "_admin":
            return self.admin(request, segments[1:])
        if head == "mail":
            return self.mail(request, segments[1:])
        if head in self.registry:
            system = self.registry.get(head)
            # The system sees paths relative to itself: /protocol/x -> /x.
            request.path_info_pop()
            return system.handle(request)
        return error_response(
            404, f"No simulated system or endpoint at {request.path_info}"
        )

    def index(self, request: Request) -> Response:
        """Answer ``/`` with a map of the endpoints, for humans exploring."""
        return json_response(
            {
                "name": "municipality simulators",
                "health": "/health",
                "admin": "/_admin/systems",
                "mail": "/mail/messages",
                "systems": {name: f"/{name}/" for name in self.registry.names()},
            }
        )

    def health(self, request: Request) -> Response:
        """Answer ``GET /health``: ``ok`` whatever the systems' modes."""
        return json_response(
            {
                "status": "ok",
                "systems": self.registry.describe(),
                "smtp": {"host": self.smtp_host, "port": self.smtp_port},
                "mail": {"messages": len(self.store)},
            }
        )

    # Admin

    def admin(self, request: Request, segments: list[str]) -> Response:
        """Answer ``/_admin/...``: read and switch the systems' failure modes."""
        method = request.method
        if segments == ["reset"]:
            if method != "POST":
                return _method_not_allowed(request, "POST")
            self.registry.reset()
            return json_response({"systems": self.registry.describe()})
        if segments == ["systems"]:
            if method not in ("GET", "HEAD"):
                return _method_not_allowed(request, "GET")
            return json_response({"systems": self.registry.describe()})
        if len(segments) == 2 and segments[0] == "systems":
            return self.admin_system(request, segments[1])
        return error_response(404, f"No admin endpoint at {request.path_info}")

    def admin_system(self, request: Request, name: str) -> Response:
        """Answer ``GET|POST /_admin/systems/<name>``."""
        if request.method in ("GET", "HEAD"):
            if name not in self.registry:
                return error_response(404, f"Unknown system {name!r}", field="system")
            system = self.registry.get(name)
            return json_response(
                {"system": name, **system.describe(), "routes": system.routes()}
            )
        if request.method != "POST":
            return _method_not_allowed(request, "GET", "POST")
        # 400 rather than 404: for a POST the name is part of the input.
        if name not in self.registry:
            known = ", ".join(self.registry.names())
            return error_response(
                400, f"Unknown system {name!r}; known: {known}", field="system"
            )
        system = self.registry.get(name)
        try:
            state = system.configure(read_json(request))
        except ValidationError as exc:
            return error_response(400, exc.message, field=exc.field)
        return json_response({"system": name, **state.as_dict()})

    # Mail

    def mail(self, request: Request, segments: list[str]) -> Response:
        """Answer ``/mail/messages[/<id>[/raw]]``."""
        if not segments or segments[0] != "messages":
            return error_response(404, f"No mail endpoint at {request.path_info}")
        method = request.method
        if len(segments) == 1:
            if method in ("GET", "HEAD"):
                recipient = request.GET.get("to")
                return json_response(
                    [m.summary() for m in self.store.list(recipient=recipient)]
                )
            if method == "DELETE":
                return json_response({"deleted": self.store.clear()})
            return _method_not_allowed(request, "GET", "DELETE")
        if len(segments) > 3 or (len(segments) == 3 and segments[2] != "raw"):
            return error_response(404, f"No mail endpoint at {request.path_info}")
        try:
            message_id = int(segments[1])
        except ValueError:
            return error_response(404, f"No message {segments[1]!r}", field="id")
        if len(segments) == 2 and method == "DELETE":
            if not self.store.delete(message_id):
                return error_response(404, f"No message {message_id}", field="id")
            return json_response({"deleted": 1})
        if method not in ("GET", "HEAD"):
            allowed = ("GET",) if len(segments) == 3 else ("GET", "DELETE")
            return _method_not_allowed(request, *allowed)
        message = self.store.get(message_id)
        if message is None:
            return error_response(404, f"No message {message_id}", field="id")
        if len(segments) == 3:
            return Response(body=message.raw, content_type="message/rfc822")
        return json_response(message.detail())


def make_app(
    smtp_host: str = "127.0.0.1",
    smtp_port: int = 8025,
    store: MailStore | None = None,
    registry: Registry | None = None,
) -> SimulatorApp:
    """Build the WSGI app.

    ``smtp_host``/``smtp_port`` are only reported by ``/health``; the SMTP
    server itself is :class:`.mail.MailServer`, which must share ``store``.
    Without ``registry`` the process-wide one is used and every module of
    ``municipality.simulators.systems`` is imported to register its routes.
    """
    if registry is None:
        registry = default_registry
        load_system_modules()
    return SimulatorApp(
        registry=registry,
        store=MailStore() if store is None else store,
        smtp_host=smtp_host,
        smtp_port=smtp_port,
    )
