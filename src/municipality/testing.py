"""Test layers and helpers of the municipality platform.

The Plone layers follow cookieplone's: one sandbox with ``municipality:default``
applied, an integration layer, and a functional layer with a real WSGI server
for tests over HTTP. :func:`start_simulators` runs the real simulators process
for tests that talk to external systems.
"""

from dataclasses import dataclass
from pathlib import Path
from plone.app.contenttypes.testing import PLONE_APP_CONTENTTYPES_FIXTURE
from plone.app.testing import applyProfile
from plone.app.testing import FunctionalTesting
from plone.app.testing import IntegrationTesting
from plone.app.testing import PloneSandboxLayer
from plone.testing.zope import WSGI_SERVER_FIXTURE

import os
import requests
import signal
import socket
import subprocess
import sys
import time


class MunicipalityLayer(PloneSandboxLayer):
    """A Plone site with ``municipality:default``, Greek first like `make start`'s."""

    defaultBases = (PLONE_APP_CONTENTTYPES_FIXTURE,)

    def setUpZope(self, app, configurationContext):
        import municipality
        import municipality.core.worker
        import plone.restapi

        # Tests deliver the outbox themselves (process_due), never a thread.
        municipality.core.worker.ENABLED = False

        self.loadZCML(package=plone.restapi)
        self.loadZCML(package=municipality)

    def setUpPloneSite(self, portal):
        from municipality.demo import configure_languages

        applyProfile(portal, "plone.restapi:default")
        applyProfile(portal, "municipality:default")
        configure_languages("el")


FIXTURE = MunicipalityLayer()

INTEGRATION_TESTING = IntegrationTesting(
    bases=(FIXTURE,), name="Municipality:IntegrationTesting"
)

FUNCTIONAL_TESTING = FunctionalTesting(
    bases=(FIXTURE, WSGI_SERVER_FIXTURE), name="Municipality:FunctionalTesting"
)


def free_ports(count):
    """Return ``count`` distinct ports on 127.0.0.1 that were free a moment ago."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass
class Simulators:
    """A running simulators subprocess, with shortcuts to talk to it."""

    process: subprocess.Popen
    http_port: int
    smtp_port: int
    log: Path
    timeout: float = 10

    @property
    def url(self):
        return f"http://127.0.0.1:{self.http_port}"

    def output(self):
        return self.log.read_text(encoding="utf-8", errors="replace")

    def request(self, method, path, timeout=None, **kwargs):
        return requests.request(
            method, self.url + path, timeout=timeout or self.timeout, **kwargs
        )

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)

    def set_mode(self, name, **body):
        """Switch system ``name`` into a failure mode (``mode="down"`` …)."""
        response = self.post(f"/_admin/systems/{name}", json=body)
        response.raise_for_status()
        return response.json()

    def reset(self):
        """Every system up again and no mail kept."""
        self.post("/_admin/reset").raise_for_status()
        self.delete("/mail/messages").raise_for_status()

    def messages(self, **params):
        """The mail caught so far, newest last."""
        return self.get("/mail/messages", params=params).json()

    def mail(self, **params):
        """The mail caught so far with decoded ``text``, headers …, newest last."""
        return [
            self.get(f"/mail/messages/{summary['id']}").json()
            for summary in self.messages(**params)
        ]

    def terminate(self):
        """SIGTERM the process and return its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise


def start_simulators(log, timeout=10):
    """Start the simulators on free ports and wait until ``/health`` answers."""
    http_port, smtp_port = free_ports(2)
    src = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (src, env.get("PYTHONPATH")) if p)
    with Path(log).open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "municipality.simulators.server",
                "--port",
                str(http_port),
                "--smtp-port",
                str(smtp_port),
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    simulators = Simulators(process, http_port, smtp_port, Path(log), timeout)
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"simulators exited early:\n{simulators.output()}")
        try:
            if simulators.get("/health", timeout=1).status_code == 200:
                return simulators
        except requests.ConnectionError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"simulators did not come up:\n{simulators.output()}")
        time.sleep(0.05)
