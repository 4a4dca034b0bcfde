"""The finance simulator's ΤΑΠ endpoint over HTTP (contract: docs/finance.md)."""


def test_property_without_debts(simulators):
    response = simulators.get(
        "/finance/tap/debts", params={"supply_number": "100000001"}
    )
    assert response.status_code == 200
    data = response.json()
    assert data["supply_number"] == "100000001"
    assert data["property"]["address"] == "Ερμού 10"
    assert data["debts"] == []
    assert data["total"] == "0.00"


def test_property_with_debts(simulators):
    data = simulators.get(
        "/finance/tap/debts", params={"supply_number": "100000002"}
    ).json()
    assert len(data["debts"]) == 2
    assert data["total"] == "187.40"
    assert {"id", "period", "description", "amount", "due_date"} <= set(
        data["debts"][0]
    )


def test_unknown_property_is_404(simulators):
    response = simulators.get(
        "/finance/tap/debts", params={"supply_number": "999999999"}
    )
    assert response.status_code == 404
    assert response.json()["error"]["field"] == "supply_number"


def test_malformed_number_is_400(simulators):
    for value in ("", "12ab5678", "123"):
        response = simulators.get("/finance/tap/debts", params={"supply_number": value})
        assert response.status_code == 400
        assert response.json()["error"]["field"] == "supply_number"


def test_down(simulators):
    simulators.set_mode("finance", mode="down")
    response = simulators.get(
        "/finance/tap/debts", params={"supply_number": "100000001"}
    )
    assert response.status_code == 503
