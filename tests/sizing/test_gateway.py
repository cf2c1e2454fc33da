"""One gateway: the wizard (through its URL), the API and the CLI give the same answer and the
same errors for the same workload."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from apps.sizing import engine, gateway
from tests.api.helpers import ApiClient

from .conftest import login

# The reported divergence: API said Ethernet + EPYC 9634, the wizard InfiniBand + EPYC 9554.
WIZARD_QUERY = {
    "kind": "inference",
    "model": "llama-3.1-70b",
    "users": "1000",
    "gpu": "auto",
    "fabric": "auto",
}
WORKLOAD = {
    "kind": "inference",
    "model": "llama-3.1-70b",
    "gpu": "auto",
    "fabric": "auto",
    "inference": {"concurrent_users": 1000},
}


def picked(result: dict[str, Any]) -> tuple[Any, ...]:
    node = result["node"]
    return (
        result["gpu"],
        result["fabric"],
        node["profile"],
        node["cpu"],
        result["node_count"],
        result["bom"],
    )


def cli(workload: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    path = tmp_path / "w.json"
    path.write_text(json.dumps(workload))
    out = StringIO()
    call_command("size", str(path), stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def api(users) -> ApiClient:
    return ApiClient(client=login(users["p1"]))


def test_wizard_api_and_cli_choose_the_same_cluster(client_p1, api, tmp_path):
    wizard = client_p1.get("/sizing/result.json", WIZARD_QUERY)
    assert wizard.status_code == 200
    from_api = api.post("/api/v1/sizing/", WORKLOAD)
    assert from_api.status_code == 200
    assert picked(wizard.json()) == picked(from_api.json()) == picked(cli(WORKLOAD, tmp_path))
    assert wizard.json()["selection"] == from_api.json()["selection"]
    # and the wizard page shows that very GPU and node count
    page = client_p1.get("/sizing/", WIZARD_QUERY).content.decode()
    assert wizard.json()["gpu_name"] in page
    assert "Price does not rank" in wizard.json()["selection"]["rule"]


def test_an_engine_failure_is_the_same_error_in_every_door(
    client_p1, api, users, tmp_path, monkeypatch
):
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise ZeroDivisionError("bug")

    monkeypatch.setattr(engine, "size", broken)
    expected = gateway.ENGINE_FAILURE.format(name="ZeroDivisionError")
    response = api.post("/api/v1/sizing/", WORKLOAD)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "sizing_failed"
    assert response.json()["error"]["message"] == expected
    saved = api.post("/api/v1/scenarios/", {"name": "x", "inputs": WORKLOAD})
    assert saved.status_code == 422 and saved.json()["error"]["fields"] == {"inputs": [expected]}
    page = client_p1.get("/sizing/", WIZARD_QUERY)
    assert page.status_code == 200 and expected in page.content.decode()
    assert client_p1.get("/sizing/result.json", WIZARD_QUERY).status_code == 422
    with pytest.raises(CommandError, match="could not size this combination"):
        cli(WORKLOAD, tmp_path)


def test_invalid_input_is_a_field_error_in_every_door(client_p1, api, tmp_path):
    bad = {**WORKLOAD, "inference": {"concurrent_users": 0}}
    response = api.post("/api/v1/sizing/", bad)
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert fields == {"inference.concurrent_users": ["must be between 1 and 10000000, got 0"]}
    with pytest.raises(CommandError, match="inference.concurrent_users: must be between 1"):
        cli(bad, tmp_path)
    assert gateway.size(bad).field_errors == fields


def test_api_reports_engine_time(api):
    response = api.post("/api/v1/sizing/", WORKLOAD)
    assert response["Server-Timing"].startswith("engine;dur=")
