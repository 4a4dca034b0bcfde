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
