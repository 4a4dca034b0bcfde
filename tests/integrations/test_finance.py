"""The finance client against the finance simulator, over HTTP."""

from decimal import Decimal
from municipality.integrations.errors import ExternalSystemBadResponse
from municipality.integrations.errors import ExternalSystemRejected
from municipality.integrations.errors import ExternalSystemUnavailable
from municipality.integrations.finance import FinanceClient

import pytest


@pytest.fixture
def client(simulators):
    return FinanceClient(f"{simulators.url}/finance", timeout=2)


def test_without_debts(client):
    statement = client.tap_statement("100000001")
    assert not statement.has_debts
    assert statement.total == Decimal("0.00")
    assert statement.address == "Ερμού 10"
    assert statement.area == 85


def test_with_debts(client):
    statement = client.tap_statement("100000002")
    assert statement.has_debts
    assert [d.amount for d in statement.debts] == [Decimal("93.70")] * 2
    assert statement.total == Decimal("187.40")
    assert statement.debts[0].due_date.isoformat() == "2025-12-15"


def test_unknown_is_none(client):
    assert client.tap_statement("999999999") is None


def test_malformed_is_rejected(client):
    with pytest.raises(ExternalSystemRejected) as info:
        client.tap_statement("12ab")
    assert info.value.status == 400


def test_down_is_unavailable(client, simulators):
    simulators.set_mode("finance", mode="down")
    with pytest.raises(ExternalSystemUnavailable):
        client.tap_statement("100000001")


def test_error_mode_is_unavailable(client, simulators):
    simulators.set_mode("finance", mode="error", status=500)
    with pytest.raises(ExternalSystemUnavailable):
        client.tap_statement("100000001")


def test_statement_of_another_shape_is_a_bad_response(client):
    with pytest.raises(ExternalSystemBadResponse):
        client._statement({"no": "debts"})
    with pytest.raises(ExternalSystemBadResponse):
        client._statement({"debts": [{"id": "x", "amount": "δέκα"}]})
