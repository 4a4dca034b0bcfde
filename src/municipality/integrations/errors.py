"""Typed errors of the external-system clients.

Callers (the outbox worker, views) decide what to do by type: an
``ExternalSystemUnavailable`` is retried later, an ``ExternalSystemRejected``
is a permanent answer to show to a person.
"""


class ExternalSystemError(Exception):
    """Something went wrong talking to an external system."""

    def __init__(self, system, message, status=None, field=None):
        super().__init__(f"{system}: {message}")
        self.system = system
        self.message = message
        self.status = status
        # The request field the system named in its JSON error, if any.
        self.field = field


class ExternalSystemUnavailable(ExternalSystemError):
    """The system could not be reached, timed out or answered 5xx: try again later."""


class ExternalSystemBadResponse(ExternalSystemUnavailable):
    """The system answered something we cannot read (not JSON, wrong shape)."""


class ExternalSystemRejected(ExternalSystemError):
    """The system understood the call and refused it (4xx): retrying won't help."""
