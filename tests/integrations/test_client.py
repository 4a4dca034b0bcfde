"""The base client of every external system, against the real simulators."""

from municipality.integrations.base import ExternalSystemClient
from municipality.integrations.errors import ExternalSystemUnavailable
from plone import api

import pytest
import time


class ProtocolClient(ExternalSystemClient):
    system = "protocol"


def test_health_of_a_system(simulators):
    client = ProtocolClient(f"{simulators.url}/protocol", timeout=5)
    assert client.health()["mode"] == "up"


def test_down_is_unavailable(simulators):
    simulators.set_mode("protocol", mode="down")
    client = ProtocolClient(f"{simulators.url}/protocol", timeout=5)
    with pytest.raises(ExternalSystemUnavailable) as info:
        client.health()
    assert info.value.status == 503
    assert info.value.system == "protocol"


def test_error_is_unavailable(simulators):
    simulators.set_mode("protocol", mode="error", status=502)
    client = ProtocolClient(f"{simulators.url}/protocol", timeout=5)
    with pytest.raises(ExternalSystemUnavailable) as info:
        client.health()
    assert info.value.status == 502


def test_slow_beyond_the_timeout_is_unavailable(simulators):
    simulators.set_mode("protocol", mode="slow", delay=2)
    client = ProtocolClient(f"{simulators.url}/protocol", timeout=0.5)
    started = time.monotonic()
    with pytest.raises(ExternalSystemUnavailable, match="no answer within"):
        client.health()
    assert time.monotonic() - started < 1.5


def test_nobody_listening_is_unavailable():
    from municipality.testing import free_ports

    (port,) = free_ports(1)
    client = ProtocolClient(f"http://127.0.0.1:{port}/protocol", timeout=2)
    with pytest.raises(ExternalSystemUnavailable, match="unreachable"):
        client.health()


def test_built_from_the_registry(portal, simulators):
    api.portal.set_registry_record(
        "municipality.protocol.url", f"{simulators.url}/protocol"
    )
    api.portal.set_registry_record("municipality.protocol.timeout", 3.0)
    client = ProtocolClient.from_registry()
    assert client.timeout == 3.0
    assert client.health()["system"] == "protocol"


def test_a_refusal_names_the_field_the_system_named(simulators):
    from municipality.integrations.errors import ExternalSystemRejected
    from municipality.integrations.finance import FinanceClient

    client = FinanceClient(f"{simulators.url}/finance")
    with pytest.raises(ExternalSystemRejected) as raised:
        client.request("GET", "tap/debts", params={"supply_number": "12"})
    assert raised.value.status == 400
    assert raised.value.field == "supply_number"
