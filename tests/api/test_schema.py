"""The OpenAPI schema: valid, public, complete (errors included), and faithful to the engine —
real engine results of every kind validate against its `SizingResult` component."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from apps.sizing.engine import spec

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


def _resolve(openapi: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """A property with its $ref (or allOf/oneOf wrapper, as enums are extracted into
    components) merged in."""
    if "$ref" in node:
        target = openapi["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
        return {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    for key in ("allOf", "oneOf"):
        if key in node:
            rest = {k: v for k, v in node.items() if k != key}
            parts = [_resolve(openapi, n) for n in node[key] if n.get("type") != "null"]
            return {**parts[0], **rest}
    return node


def _property(openapi: dict[str, Any], path: str) -> dict[str, Any]:
    node = openapi["components"]["schemas"]["WorkloadRequest"]
    *sections, key = path.split(".")
    for section in sections:
        node = _resolve(openapi, node["properties"][section])
    return _resolve(openapi, node["properties"][key])


def test_the_openapi_limits_and_enums_equal_the_specification(openapi):
    """Every declared input is in the schema with the specification's type, limits, enum and
    default; nothing else is (the engine refuses unknown keys)."""
    for i in spec.INPUTS:
        prop = _property(openapi, i.path)
        assert prop["type"] == {"choice": "string", "text": "string"}.get(i.type, i.type), i.path
        if i.type in ("number", "integer"):
            assert (prop["minimum"], prop["maximum"]) == (i.low, i.high), i.path
            assert prop.get("exclusiveMinimum", False) == i.low_open, i.path
        else:
            assert "minimum" not in prop and "maximum" not in prop, i.path
        assert prop.get("enum") == (list(i.all_choices()) if i.type == "choice" else None), i.path
        assert prop.get("default") == i.default, i.path
        assert prop.get("x-unit", "") == i.unit, i.path
    schemas = openapi["components"]["schemas"]
    workload = schemas["WorkloadRequest"]
    assert workload["required"] == [
        i.key for i in spec.INPUTS if i.required == "always" and "." not in i.path
    ]
    assert set(workload["properties"]) == spec.top_keys()
    for section, name in (
        ("custom_model", "CustomModelRequest"),
        ("training", "TrainingInputRequest"),
        ("inference", "InferenceInputRequest"),
        ("assumptions", "AssumptionsRequest"),
    ):
        keys = {i.key for i in spec.section_inputs(section)}
        assert set(schemas[name]["properties"]) == keys, section
        required = {i.key for i in spec.section_inputs(section) if i.required == "always"}
        assert set(schemas[name].get("required", [])) == required, section
    kinds = _property(openapi, "kind")["enum"]
    assert kinds == ["pretraining", "full_finetune", "lora", "qlora", "inference"]
    goodput = _property(openapi, "assumptions.goodput")
    assert (goodput["minimum"], goodput["maximum"], goodput["default"]) == (0.01, 1.0, 0.88)


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
