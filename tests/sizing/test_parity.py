"""Parity over generated workloads (hypothesis: 200 examples with HYPOTHESIS_PROFILE=ci, as
.ci/run sets; 50 with the local `dev` profile, 1,000 `thorough`): the wizard (its URL, through
the form), the partner API, the `size` CLI and the gateway return the same GPU, fabric, node
build, node count, BoM and selection, or the same field errors.

Workloads cover inference, pre-training, full fine-tuning, LoRA and QLoRA, library and custom
(dense and mixture-of-experts) models, GPU and fabric "auto" or chosen, size and capacity mode,
the advanced inputs, and invalid values (a limit broken, a shape that does not divide).
The wizard cannot express a precision its GPU does not run (its select offers only the
supported ones, engine/precision.py), so precisions are drawn from that rule.
"""

from __future__ import annotations

import json
import os
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from apps.sizing import gateway
from apps.sizing.engine import spec
from apps.sizing.engine.precision import supported_precisions
from apps.sizing.wizard import estimate_params, query_from_workload
from tests.api.helpers import ApiClient
from tests.sizing_engine.helpers import CATALOG

from .conftest import login

LIBRARY = [
    "llama-2-7b",
    "llama-3.1-8b",
    "mistral-7b",
    "qwen2.5-7b",
    "llama-2-13b",
    "mixtral-8x7b",
    "mpt-30b",
    "falcon-40b",
    "llama-2-70b",
    "llama-3.1-70b",
]
ORDERABLE = sorted(slug for slug, g in CATALOG.gpus.items() if not g.reference)
REFERENCE = sorted(slug for slug, g in CATALOG.gpus.items() if g.reference)


def picked(result: dict[str, Any]) -> tuple[Any, ...]:
    node = result["node"]
    return (
        result["gpu"],
        result["fabric"],
        node["profile"],
        node["cpu"],
        result["node_count"],
        result["gpu_count"],
        result["bom"],
        result.get("selection"),
    )


@st.composite
def custom_models(draw: st.DrawFn) -> dict[str, Any]:
    heads = draw(st.sampled_from([8, 16, 32, 64]))
    hidden = heads * draw(st.sampled_from([64, 128]))
    kv_heads = draw(st.sampled_from([d for d in (1, 2, 4, 8, heads) if heads % d == 0]))
    if draw(st.integers(0, 19)) == 0:
        kv_heads = heads - 1  # does not divide heads: the engine's cross-field error
    model: dict[str, Any] = {
        "name": "Generated model",
        "layers": draw(st.integers(2, 80)),
        "hidden_size": hidden,
        "heads": heads,
        "kv_heads": kv_heads,
        "ffn_size": hidden * draw(st.sampled_from([2, 3, 4])),
        "vocab_size": draw(st.sampled_from([32000, 50257, 128256])),
        "context_length": draw(st.sampled_from([2048, 4096, 8192, 32768])),
    }
    if draw(st.booleans()):
        model["experts"] = draw(st.sampled_from([4, 8]))
        model["experts_per_token"] = 2
    if draw(st.booleans()):  # else every door leaves the parameters to the engine's estimate
        total, active = estimate_params(model) or (1.0, 1.0)
        model["params_b"] = total
        if model.get("experts", 1) > 1:
            model["active_params_b"] = active
    return model


@st.composite
def workloads(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(st.sampled_from(spec.KINDS))
    capacity = draw(st.booleans())
    gpu = draw(st.sampled_from(["auto", *ORDERABLE, *(REFERENCE if capacity else [])]))
    w: dict[str, Any] = {
        "kind": kind,
        "gpu": gpu,
        "fabric": draw(st.sampled_from(["auto", *spec.FABRICS])),
        "precision": draw(st.sampled_from(supported_precisions(CATALOG.gpus.get(gpu), kind))),
        "deployment": draw(st.sampled_from(spec.DEPLOYMENTS)),
        "redundancy": draw(st.sampled_from(spec.REDUNDANCIES)),
    }
    if draw(st.integers(0, 3)) == 0:
        w["custom_model"] = draw(custom_models())
    else:
        w["model"] = draw(st.sampled_from(LIBRARY))
    if capacity:
        w["nodes"] = draw(st.integers(1, 12))
    elif draw(st.booleans()):
        w["growth_headroom_pct"] = draw(st.sampled_from([0.0, 10.0, 25.5]))
    if draw(st.booleans()):
        w["fabric_design"] = draw(st.sampled_from(spec.FABRIC_DESIGNS))
        w["cooling"] = draw(st.sampled_from(spec.COOLINGS))
    if kind in spec.TRAINING_KINDS:
        training: dict[str, Any] = {"tokens": draw(st.integers(1, 2000)) * 1e9}
        if not capacity or draw(st.booleans()):
            training["target_days"] = float(draw(st.integers(1, 90)))
        if draw(st.booleans()):
            training["sequence_length"] = draw(st.sampled_from([1024, 2048, 4096]))
        if kind in spec.LORA_KINDS and draw(st.booleans()):
            training["lora_rank"] = draw(st.sampled_from([8, 16, 64]))
        w["training"] = training
    else:
        inference: dict[str, Any] = {
            "prompt_tokens": draw(st.sampled_from([128, 512, 1024, 4096])),
            "output_tokens": draw(st.sampled_from([64, 256, 1024])),
            "target_tokens_per_s_per_user": draw(st.sampled_from([5.0, 10.0, 20.5])),
            "target_ttft_s": draw(st.sampled_from([0.5, 1.0, 2.0, 5.0])),
        }
        if not capacity or draw(st.booleans()):
            inference["concurrent_users"] = draw(st.integers(1, 5000))
        if draw(st.booleans()):
            inference["kv_cache_precision"] = draw(st.sampled_from(spec.KV_PRECISIONS))
        w["inference"] = inference
    bad = draw(st.integers(0, 14))
    if bad == 0 and "inference" in w:
        w["inference"]["concurrent_users"] = draw(st.sampled_from([0, 20_000_000]))
    elif bad == 1 and "training" in w:
        w["training"]["tokens"] = 1e17  # above the limit
    elif bad == 2:
        w["assumptions"] = {"goodput": draw(st.sampled_from([0.0, 0.5, 2.0]))}
    return w


def cli(workload: dict[str, Any], path: Path) -> dict[str, Any] | str:
    path.write_text(json.dumps(workload))
    out = StringIO()
    try:
        call_command("size", str(path), stdout=out)
    except CommandError as exc:
        return str(exc)
    return json.loads(out.getvalue())


@pytest.fixture
def doors(client_p1, users, tmp_path, settings):
    settings.API_THROTTLE_RATES = {"sizing": "100000/min", "write": "100000/min"}
    return client_p1, ApiClient(client=login(users["p1"])), tmp_path / "workload.json"


# Examples per profile (tests/conftest.py registers the profiles): each one sizes a workload
# through four doors (~45 ms of CPU), so the local run keeps the engine properties' count.
EXAMPLES = {"dev": 50, "ci": 200, "thorough": 1000}[os.environ.get("HYPOTHESIS_PROFILE", "dev")]


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(workload=workloads())
def test_every_door_gives_the_same_answer(doors, workload):
    wizard_client, api, path = doors
    expected = gateway.size(workload)
    event(f"{workload['kind']}: {'sized' if expected.result else 'refused'}")
    from_api = api.post("/api/v1/sizing/", workload)
    from_cli = cli(workload, path)
    wizard = wizard_client.get(f"/sizing/result.json?{query_from_workload(workload)}")
    if expected.result is not None:
        assert from_api.status_code == 200, from_api.json()
        assert wizard.status_code == 200, wizard.json()
        assert isinstance(from_cli, dict), from_cli
        want = picked(expected.result)
        assert picked(from_api.json()) == want
        assert picked(from_cli) == want
        assert picked(wizard.json()) == want
        return
    errors = expected.field_errors
    assert from_api.status_code in (400, 422)
    assert from_api.json()["error"]["fields"] == errors
    assert from_cli == "invalid workload:\n" + "\n".join(
        f"  {line}" for line in gateway.messages(errors)
    )
    assert wizard.status_code in (400, 422)
    fields = wizard.json()["fields"]
    # The form checks single-field limits itself (in the field's units); the engine the rest.
    paths = {spec.BY_SHORT[name].path if name in spec.BY_SHORT else name for name in fields}
    assert paths == set(errors), (fields, errors)


def test_a_custom_model_without_parameters_gets_one_estimate_through_every_door(doors):
    """No `params_b`: the wizard, the API and the CLI size with the engine's estimate from the
    shape (engine/models/arch.py estimate_params), the same figure the wizard shows."""
    wizard_client, api, path = doors
    shape = {
        "name": "No parameter count",
        "layers": 32,
        "hidden_size": 4096,
        "heads": 32,
        "kv_heads": 8,
        "ffn_size": 14336,
        "vocab_size": 128256,
        "experts": 8,
        "experts_per_token": 2,
    }
    workload = {"kind": "inference", "custom_model": shape, "gpu": "h100-pcie-80gb", "nodes": 2}
    total, active = estimate_params(shape) or (0.0, 0.0)
    assert total > active > 0  # a mixture of experts: fewer parameters per token
    from_api = api.post("/api/v1/sizing/", workload)
    assert from_api.status_code == 200, from_api.json()
    from_cli = cli(workload, path)
    wizard = wizard_client.get(f"/sizing/result.json?{query_from_workload(workload)}")
    assert wizard.status_code == 200, wizard.json()
    for result in (from_api.json(), from_cli, wizard.json()):
        assert isinstance(result, dict)
        assert result["model"]["params_b"] == total
        assert result["model"]["active_params_b"] == active
        assert picked(result) == picked(from_api.json())
    given = {**workload, "custom_model": {**shape, "params_b": total, "active_params_b": active}}
    assert picked(api.post("/api/v1/sizing/", given).json()) == picked(from_api.json())
