"""Fixtures shared by every test: the Plone layers and the simulators process.

And the run's end: the receipt helper process stopped, and a watchdog that
reports (and ends) a process that does not exit once the tests are done.
"""

from pathlib import Path

import faulthandler
import os
import sys
import threading
import time


# Before any ZCML is loaded: compile the .po files, as the instance does.
os.environ.setdefault("zope_i18n_compile_mo_files", "true")

from municipality.testing import FUNCTIONAL_TESTING  # noqa: E402
from municipality.testing import INTEGRATION_TESTING  # noqa: E402
from municipality.testing import start_simulators  # noqa: E402
from pytest_plone import fixtures_factory  # noqa: E402

import pytest  # noqa: E402


pytest_plugins = ["pytest_plone"]

globals().update(
    fixtures_factory(
        (
            (FUNCTIONAL_TESTING, "functional"),
            (INTEGRATION_TESTING, "integration"),
        )
    )
)


@pytest.fixture(scope="session")
def simulators_process(tmp_path_factory):
    """One real simulators process for the whole run."""
    simulators = start_simulators(tmp_path_factory.mktemp("simulators") / "log")
    yield simulators
    simulators.terminate()


@pytest.fixture
def simulators(simulators_process):
    """The simulators with every system up and no mail kept."""
    simulators_process.reset()
    return simulators_process


@pytest.fixture
def wired(functional, simulators):
    """The functional site talking to the simulators: protocol, finance … and SMTP.

    Returns the portal, with the site set; the registry changes are committed
    (the functional layer throws them away after the test).
    """
    from municipality.core.setuphandlers import configure_external_systems
    from municipality.core.setuphandlers import configure_mail
    from zope.component.hooks import setSite
    from ZPublisher.HTTPRequest import HTTPRequest

    import transaction

    # As the instance's zope.conf says (max-conflict-retries); the test WSGI
    # server's start-up sets Zope's default of 3.
    HTTPRequest.retry_max_count = 10
    portal = functional["portal"]
    setSite(portal)
    configure_external_systems(simulators.url, overwrite=True)
    configure_mail("127.0.0.1", simulators.smtp_port, overwrite=True)
    transaction.commit()
    return portal


# -- the end of the run -------------------------------------------------------
#
# Once the tests are done nothing may keep pytest from exiting: a thread or
# child process that does would hold CI until its time limit, with nothing
# said. The receipt helper (a process the payments start on first use) is
# stopped here, and a watchdog prints what every thread is doing and which
# child processes are alive if the process is still there EXIT_GRACE seconds
# later; then it ends the process with the tests' own exit status (a hang
# after the summary is reported, not mistaken for a failed test). Should
# Python no longer run threads by then, faulthandler's C watchdog dumps the
# stacks and exits with 1.

EXIT_GRACE = 120


def _children():
    """``pid command`` of each live child process of this one."""
    found = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        try:
            found += (task / "children").read_text().split()
        except OSError:
            continue
    lines = []
    for pid in found:
        try:
            argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        lines.append(f"{pid} {b' '.join(argv).decode(errors='replace')[:300]}")
    return lines


def _watch_the_exit(status):
    time.sleep(EXIT_GRACE)
    out = sys.__stderr__
    print(
        f"\npytest did not exit {EXIT_GRACE} s after its tests ended"
        f" (their status: {status}). Its threads:",
        file=out,
        flush=True,
    )
    faulthandler.dump_traceback(file=out, all_threads=True)
    print("Its child processes:", *_children() or ["none"], sep="\n  ", file=out)
    out.flush()
    os._exit(int(status))


_the_run = {"status": 0}


def pytest_sessionfinish(session, exitstatus):
    _the_run["status"] = exitstatus


def pytest_unconfigure(config):
    # Here, not at the session's finish: pytest no longer captures stderr.
    receipt = sys.modules.get("municipality.payments.receipt")
    if receipt is not None:
        receipt.stop_helper()
    threading.Thread(
        target=_watch_the_exit,
        args=(_the_run["status"],),
        name="exit-watchdog",
        daemon=True,
    ).start()
    faulthandler.dump_traceback_later(2 * EXIT_GRACE, exit=True, file=sys.__stderr__)
