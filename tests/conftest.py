"""Fixtures shared by every test: the Plone layers and the simulators process."""

import os


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
