"""The OpenAPI schema: valid, public, complete (errors included), and faithful to the engine —
real engine results of every kind validate against its `SizingResult` component."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from .helpers import ONE_NODE_INFERENCE, ApiClient

GOLDEN = Path(__file__).resolve().parents[1] / "sizing_engine" / "golden"
WORKLOADS: dict[str, dict[str, Any]] = {
    "one node": ONE_NODE_INFERENCE,
    "pretraining, size mode": {
        "kind": "pretraining",
        "model": "llama-2-7b",
        "gpu": "h100-nvl-94gb",
        "training": {"tokens": 2e11, "target_days": 30},
    },
    "qlora custom model, fp8 kv": {
        "kind": "qlora",
        "custom_model": {
            "name": "Mine",
            "layers": 32,
            "hidden_size": 4096,
            "heads": 32,
            "kv_heads": 8,
            "ffn_size": 14336,
            "vocab_size": 32000,
            "params_b": 7.2,
        },
        "gpu": "l40s-48gb",
        "fabric": "ethernet",
        "training": {"tokens": 1e8, "target_days": 2},
    },
    "reference GPU, capacity": {
        "kind": "inference",
        "model": "llama-2-70b",
        "precision": "fp8",
        "gpu": "h100-sxm5-80gb",
        "nodes": 2,
    },
    "large fat tree, n+1, storage": {
        "kind": "inference",
        "model": "llama-2-70b",
        "gpu": "h100-pcie-80gb",
        "nodes": 80,
        "redundancy": "n+1",
        "storage_tb": 500,
        "inference": {"concurrent_users": 2000},
    },
    "ovx virtual": {
        "kind": "inference",
        "model": "mistral-7b",
        "gpu": "l40s-48gb",
        "node_profile": "ovx-l40s",
        "deployment": "virtual",
        "fabric": "ethernet",
        "inference": {"concurrent_users": 300},
    },
    "auto with price book": {
        "kind": "inference",
        "model": "llama-3.1-8b",
        "inference": {"concurrent_users": 500},
    },
}


def _nullable_to_jsonschema(node: Any) -> Any:
    """OpenAPI 3.0's `nullable` and component refs, in plain JSON Schema."""
    if isinstance(node, list):
        return [_nullable_to_jsonschema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable_to_jsonschema(v) for k, v in node.items() if k != "nullable"}
    if "$ref" in out:
        out["$ref"] = out["$ref"].replace("#/components/schemas/", "#/$defs/")
    if node.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


@pytest.fixture(scope="module")
def openapi() -> dict[str, Any]:
    response = ApiClient().get("/api/v1/schema/", format="json")
    assert response.status_code == 200
    return response.json()


def validator_for(openapi: dict[str, Any], component: str) -> jsonschema.Validator:
    defs = _nullable_to_jsonschema(openapi["components"]["schemas"])
    return jsonschema.Draft202012Validator({"$ref": f"#/$defs/{component}", "$defs": defs})


def test_schema_and_docs_are_public(db):
    assert ApiClient().get("/api/v1/schema/").status_code == 200
    docs = ApiClient().get("/api/v1/docs/")
    assert docs.status_code == 200 and b"swagger-ui" in docs.content
    assert b"/static/drf_spectacular_sidecar/" in docs.content  # served locally, no CDN
    assert ApiClient().get("/api/v1/redoc/").status_code == 200


def test_every_operation_documents_its_errors_in_the_one_shape(openapi):
    error_ref = {"$ref": "#/components/schemas/Error"}
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            assert {"400", "401", "403", "429"} <= set(responses), (method, path)
            if "{" in path:
                assert "404" in responses, (method, path)
            if method in ("post", "patch"):
                assert {"413", "415"} <= set(responses), (method, path)
            for code, response in responses.items():
                if code >= "400":
                    assert response["content"]["application/json"]["schema"] == error_ref
                assert "X-Request-ID" in response["headers"]
            assert operation["security"] == [{"tokenAuth": []}, {"cookieAuth": []}], path


def test_the_workload_component_follows_the_engine(openapi):
    workload = openapi["components"]["schemas"]["WorkloadRequest"]
    assert workload["required"] == ["kind"]
    assert workload["properties"]["kind"]["$ref"].endswith("KindEnum")
    kinds = openapi["components"]["schemas"]["KindEnum"]["enum"]
    assert kinds == ["pretraining", "full_finetune", "lora", "qlora", "inference"]
    assumptions = openapi["components"]["schemas"]["AssumptionsRequest"]["properties"]
    assert assumptions["goodput"] == {
        "type": "number",
        "format": "double",
        "minimum": 0.01,
        "maximum": 1.0,
        "description": "default 0.88",
    }


@pytest.mark.parametrize("golden", sorted(GOLDEN.glob("*.json")), ids=lambda p: p.stem)
def test_golden_results_conform(openapi, golden):
    validator_for(openapi, "SizingResult").validate(json.loads(golden.read_text()))


@pytest.mark.parametrize("name", WORKLOADS)
def test_live_results_conform(openapi, alice, name):
    query = "?price_book=SAMPLE-USD" if "price book" in name else ""
    response = alice.client.post(f"/api/v1/sizing/{query}", WORKLOADS[name])
    assert response.status_code == 200, response.json()
    validator_for(openapi, "SizingResult").validate(response.json())
    validator_for(openapi, "WorkloadRequest").validate(WORKLOADS[name])
