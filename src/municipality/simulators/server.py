"""Run the simulators: the WSGI app on waitress plus the SMTP mail catcher.

``municipality-simulators --port 8090 --smtp-port 8025`` (or ``python -m
municipality.simulators.server``) serves until SIGTERM or SIGINT, then stops
both servers and exits 0. Tests that want it in-process use
:class:`SimulatorServer` as a context manager::

    with SimulatorServer(port=0, smtp_port=0) as server:
        requests.get(f"{server.url}/health")
"""

from municipality.simulators.app import make_app
from municipality.simulators.mail import DEFAULT_LIMIT
from municipality.simulators.mail import MailServer
from municipality.simulators.mail import MailStore
from municipality.simulators.registry import Registry
from waitress import wasyncore
from waitress.server import create_server

import argparse
import logging
import signal
import sys
import threading


logger = logging.getLogger("municipality.simulators")

# How long the serving loop may sleep in poll() before looking at the stop
# flag; stop() also wakes it at once through waitress' trigger.
_POLL_TIMEOUT = 0.5
# How long to wait on shutdown for requests still running (a "slow" one).
_SHUTDOWN_TIMEOUT = 3.0


class SimulatorServer:
    """The HTTP and SMTP servers of the simulators, started and stopped together.

    Port 0 for either picks a free port; read :attr:`port`/:attr:`smtp_port`
    after :meth:`start`. Without ``registry`` the process-wide registry is
    used, so two such servers in one process share their systems' modes.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 8090,
        smtp_port: int = 8025,
        threads: int = 8,
        mail_limit: int = DEFAULT_LIMIT,
        registry: Registry | None = None,
    ):
        self.host = host
        self.port = port
        self.threads = threads
        self.registry = registry
        self.store = MailStore(limit=mail_limit)
        self.mail = MailServer(self.store, host=host, port=smtp_port)
        self.app = None
        self._http = None
        # Our own socket map, so serve_forever() can run waitress' loop in
        # steps and check the stop flag in between.
        self._map: dict = {}
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def smtp_port(self) -> int:
        """The SMTP port (the real one once started, if 0 was asked for)."""
        return self.mail.port

    @property
    def url(self) -> str:
        """The base URL of the HTTP server, without a trailing slash."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> None:
        """Bind both ports and start SMTP; HTTP is served by :meth:`serve_forever`."""
        self.mail.start()
        try:
            self.app = make_app(
                smtp_host=self.host,
                smtp_port=self.mail.port,
                store=self.store,
                registry=self.registry,
            )
            self._http = create_server(
                self.app,
                map=self._map,
                host=self.host,
                port=self.port,
                threads=self.threads,
                ident="municipality-simulators",
            )
        except BaseException:
            self.mail.stop()
            raise
        # A host that resolves to several addresses gives a MultiSocketServer.
        self.port = getattr(self._http, "effective_port", self.port)
        logger.info(
            "simulators on %s (systems: %s), SMTP on %s:%s",
            self.url,
            ", ".join(self.app.registry.names()),
            self.host,
            self.smtp_port,
        )

    def serve_forever(self) -> None:
        """Serve HTTP in this thread until :meth:`stop` is called."""
        while self._map and not self._stopping.is_set():
            wasyncore.loop(timeout=_POLL_TIMEOUT, map=self._map, count=1)

    def stop(self) -> None:
        """Make :meth:`serve_forever` return; safe from signal handlers and threads."""
        self._stopping.set()
        trigger = getattr(self._http, "trigger", None)
        if trigger is not None:
            trigger.pull_trigger()

    def close(self) -> None:
        """Stop serving and release both ports; call after serve_forever() returned."""
        self._stopping.set()
        if self._http is not None:
            self._http.task_dispatcher.shutdown(timeout=_SHUTDOWN_TIMEOUT)
            wasyncore.close_all(self._map, ignore_all=True)
            self._http = None
        self.mail.stop()

    def __enter__(self) -> "SimulatorServer":
        """Start both servers and serve HTTP from a background thread."""
        self.start()
        self._thread = threading.Thread(
            target=self.serve_forever, name="simulators-http", daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()
        if self._thread is not None:
            self._thread.join(timeout=_SHUTDOWN_TIMEOUT)
            self._thread = None
        self.close()


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the command line of ``municipality-simulators``."""
    parser = argparse.ArgumentParser(
        prog="municipality-simulators",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
        description=(
            "Simulated external systems of the municipality platform "
            "(finance, bank, protocol, TaxisNet, Diavgeia) and a mail catcher."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind")
    parser.add_argument("--port", type=int, default=8090, help="HTTP port")
    parser.add_argument("--smtp-port", type=int, default=8025, help="SMTP port")
    parser.add_argument("--threads", type=int, default=8, help="HTTP worker threads")
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="logging level",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the simulators until SIGTERM/SIGINT; return the exit code."""
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # aiosmtpd logs every SMTP command at INFO.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    server = SimulatorServer(
        host=args.host,
        port=args.port,
        smtp_port=args.smtp_port,
        threads=args.threads,
    )

    def on_signal(signum, frame):
        logger.info("%s received, shutting down", signal.Signals(signum).name)
        server.stop()

    # Installed before start() so an early SIGTERM still ends in close().
    previous = {
        signum: signal.signal(signum, on_signal)
        for signum in (signal.SIGTERM, signal.SIGINT)
    }
    try:
        try:
            server.start()
        except OSError as exc:
            logger.error("cannot start the simulators: %s", exc)
            return 1
        server.serve_forever()
    finally:
        server.close()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    logger.info("simulators stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
