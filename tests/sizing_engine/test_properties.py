"""Property tests (hypothesis; profile "ci" = 500 examples, "dev" = 50, env HYPOTHESIS_PROFILE)."""

from __future__ import annotations

from typing import Any

from hypothesis import assume, given
from hypothesis import strategies as st

from apps.sizing.engine import SizingInputError, size

from .helpers import CATALOG

ORDERABLE = ["h100-pcie-80gb", "h100-nvl-94gb", "l40s-48gb"]
MODELS = sorted(CATALOG.models)
SMALL_MODELS = [
    "llama-2-7b",
    "llama-3.1-8b",
    "mistral-7b",
    "mpt-7b",
    "qwen2.5-7b",
    "llama-2-13b",
    "mixtral-8x7b",
    "llama-2-70b",
]


def _inference(
    model: str, gpu: str, users: int, prompt: int = 512, fabric: str = "infiniband"
) -> dict[str, Any]:
    return {
        "kind": "inference",
        "model": model,
        "gpu": gpu,
        "fabric": fabric,
        "inference": {"concurrent_users": users, "prompt_tokens": prompt, "output_tokens": 256},
    }


def _gpus(data: dict[str, Any]) -> int | None:
    try:
        return size(data, CATALOG).gpu_count
    except SizingInputError:
        return None


@given(
    st.sampled_from(SMALL_MODELS),
    st.sampled_from(ORDERABLE),
    st.integers(1, 3000),
    st.integers(0, 3000),
)
def test_more_users_never_fewer_gpus(model: str, gpu: str, users: int, extra: int) -> None:
    low, high = _gpus(_inference(model, gpu, users)), _gpus(_inference(model, gpu, users + extra))
    assume(low is not None)
    assert high is None or high >= low


@given(
    st.sampled_from(SMALL_MODELS),
    st.sampled_from(ORDERABLE),
    st.integers(16, 4000),
    st.integers(0, 4000),
)
def test_longer_prompts_never_fewer_gpus(model: str, gpu: str, prompt: int, extra: int) -> None:
    low, high = (
        _gpus(_inference(model, gpu, 64, prompt)),
        _gpus(_inference(model, gpu, 64, prompt + extra)),
    )
    assume(low is not None)
    assert high is None or high >= low


def _training(params_b: float, tokens: float, gpu: str) -> dict[str, Any]:
    model = {
        "layers": 32,
        "hidden_size": 4096,
        "heads": 32,
        "kv_heads": 8,
        "ffn_size": 14336,
        "vocab_size": 32000,
        "params_b": params_b,
    }
    return {
        "kind": "pretraining",
        "custom_model": model,
        "gpu": gpu,
        "training": {"tokens": tokens, "target_days": 30, "zero_stage": 3},
    }


@given(
    st.floats(0.1, 60),
    st.floats(1.0, 3.0),
    st.floats(1e9, 5e12),
    st.floats(1.0, 3.0),
    st.sampled_from(ORDERABLE),
)
def test_more_tokens_or_parameters_never_fewer_gpus(
    params: float, pf: float, tokens: float, tf: float, gpu: str
) -> None:
    base = _gpus(_training(params, tokens, gpu))
    assume(base is not None)
    for bigger in (_training(params * pf, tokens, gpu), _training(params, tokens * tf, gpu)):
        count = _gpus(bigger)
        assert count is None or count >= base


@given(
    st.sampled_from(MODELS),
    st.sampled_from(ORDERABLE + ["h100-sxm5-80gb"]),
    st.integers(1, 40),
    st.sampled_from(["infiniband", "ethernet"]),
    st.sampled_from(["bare_metal", "virtual"]),
)
def test_cluster_invariants(model: str, gpu: str, nodes: int, fabric: str, deployment: str) -> None:
    data = {
        "kind": "inference",
        "model": model,
        "gpu": gpu,
        "nodes": nodes,
        "fabric": fabric,
        "deployment": deployment,
        "precision": "int4",
    }
    try:
        result = size(data, CATALOG).to_dict()
    except SizingInputError:
        return
    node = result["node"]
    assert node["fabric_gbps_per_gpu"] >= 200
    assert node["memory_gb"] >= 2 * node["gpu_memory_gb"]
    for net in (result["cluster"]["compute_fabric"], result["cluster"]["dpu_network"]):
        if net:
            assert net["max_cages_used_per_switch"] <= net["cages_per_switch"]
    for line in result["bom"]:
        assert isinstance(line["quantity"], int) and line["quantity"] > 0


JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**6), 10**6)
    | st.floats(allow_nan=True)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)
KEYS = [
    "kind",
    "model",
    "precision",
    "gpu",
    "nodes",
    "fabric",
    "deployment",
    "redundancy",
    "training",
    "inference",
    "assumptions",
    "custom_model",
    "growth_headroom_pct",
    "storage_tb",
    "gpus_per_node",
]


@given(st.dictionaries(st.sampled_from(KEYS), JSONISH, max_size=6))
def test_invalid_input_raises_only_sizing_input_error(data: dict[str, Any]) -> None:
    try:
        size(data, CATALOG)
    except SizingInputError as exc:
        assert exc.field_errors or exc.message


@given(st.sampled_from(["inference", "pretraining"]), st.integers(-5, 0), st.floats(-10, 0))
def test_bad_counts_name_the_field(kind: str, users: int, days: float) -> None:
    data = {
        "kind": kind,
        "model": "llama-2-7b",
        "gpu": "h100-pcie-80gb",
        "inference": {"concurrent_users": users},
        "training": {"tokens": 1e9, "target_days": days},
    }
    try:
        size(data, CATALOG)
    except SizingInputError as exc:
        assert {"inference.concurrent_users", "training.target_days"} & set(exc.field_errors)
    else:
        raise AssertionError("expected SizingInputError")


ALL_GPUS = sorted(CATALOG.gpus)
PRECISIONS = ["bf16", "fp16", "fp8", "int8", "int4"]
KINDS = ["pretraining", "full_finetune", "lora", "qlora", "inference"]


@given(
    st.sampled_from(KINDS),
    st.sampled_from(sorted(CATALOG.models)),
    st.sampled_from(["auto", *ALL_GPUS]),
    st.sampled_from(PRECISIONS),
    st.one_of(st.none(), st.integers(1, 64)),
    st.sampled_from(["infiniband", "ethernet", "auto"]),
    st.sampled_from(["bare_metal", "virtual"]),
    st.sampled_from(["n+0", "n+1"]),
)
def test_well_formed_workloads_size_or_raise_the_engine_error(
    kind: str,
    model: str,
    gpu: str,
    precision: str,
    nodes: int | None,
    fabric: str,
    deployment: str,
    redundancy: str,
) -> None:
    """Every combination of valid-looking choices either sizes or is refused by field — the
    invalid-input property over the whole choice space, not only over malformed JSON."""
    data: dict[str, Any] = {
        "kind": kind,
        "model": model,
        "gpu": gpu,
        "precision": precision,
        "fabric": fabric,
        "deployment": deployment,
        "redundancy": redundancy,
        "training": {"tokens": 1e10, "target_days": 30},
        "inference": {"concurrent_users": 50},
    }
    if nodes is not None:
        data["nodes"] = nodes
    try:
        result = size(data, CATALOG).to_dict()
    except SizingInputError as exc:
        assert exc.field_errors
    else:
        assert result["gpu_count"] >= 1
        assert all(line["quantity"] > 0 for line in result["bom"])


def test_a_precision_the_gpu_lacks_is_a_field_error() -> None:
    data = {
        "kind": "inference",
        "model": "llama-3.1-8b",
        "gpu": "a100-sxm4-80gb",
        "nodes": 2,
        "precision": "fp8",
        "inference": {"concurrent_users": 10},
    }
    try:
        size(data, CATALOG)
    except SizingInputError as exc:
        assert list(exc.field_errors) == ["precision"]
        message = exc.field_errors["precision"][0]
        assert "NVIDIA A100 SXM4 80GB has no fp8 tensor-core support" in message
    else:
        raise AssertionError("expected SizingInputError")


def test_a_fabric_limit_in_size_mode_names_the_target_that_drove_it() -> None:
    data = {
        "kind": "pretraining",
        "model": "llama-3.1-405b",
        "gpu": "l40s-48gb",
        "training": {"tokens": 15e12, "target_days": 10},
    }
    try:
        size(data, CATALOG)
    except SizingInputError as exc:
        assert list(exc.field_errors) == ["training.target_days"]
        message = exc.field_errors["training.target_days"][0]
        assert "three-tier" in message or "cannot be met" in message
    else:
        raise AssertionError("expected SizingInputError")
