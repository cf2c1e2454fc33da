"""The serving model: memory facts across nodes, expert parallelism, long context and the
properties every sizing must keep."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apps.sizing.engine import SizingInputError, size

from .helpers import CATALOG

LENIENT = {"target_tokens_per_s_per_user": 1, "target_ttft_s": 120}


def _inference(model: str, gpu: str, precision: str, **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "inference",
        "model": model,
        "gpu": gpu,
        "precision": precision,
        "inference": {"concurrent_users": 4, **LENIENT, **extra.pop("inference", {})},
    }
    data.update(extra)
    return size(data, CATALOG).to_dict()


def test_405b_bf16_needs_two_h100_nvl_nodes_and_fp8_fits_one() -> None:
    bf16 = _inference("llama-3.1-405b", "h100-nvl-94gb", "bf16")["inference"]
    fp8 = _inference("llama-3.1-405b", "h100-nvl-94gb", "fp8")["inference"]
    assert bf16["nodes_per_replica"] == 2
    assert fp8["nodes_per_replica"] == 1


def test_deepseek_v3_fp8_needs_more_than_one_h100_node_and_fits_one_h200_node() -> None:
    with pytest.raises(SizingInputError) as info:
        _inference("deepseek-v3", "h100-sxm5-80gb", "fp8", nodes=1)
    assert "2 node(s)" in info.value.field_errors["nodes"][0]
    two = _inference("deepseek-v3", "h100-sxm5-80gb", "fp8", nodes=2)["inference"]
    assert two["nodes_per_replica"] == 2
    h200 = _inference("deepseek-v3", "h200-sxm-141gb", "fp8", nodes=1)["inference"]
    assert h200["nodes_per_replica"] == 1 and h200["max_concurrent_users"] >= 1


def test_memory_breakdown_adds_up() -> None:
    result = _inference("llama-3.3-70b", "h100-nvl-94gb", "fp8")
    m = result["memory"]
    parts = (
        m["weights_per_gpu_gb"]
        + m["kv_cache_per_gpu_gb"]
        + m["activations_per_gpu_gb"]
        + m["workspace_gb_per_gpu"]
    )
    assert abs(parts - m["total_per_gpu_gb"]) < 0.05
    assert m["total_per_gpu_gb"] <= m["usable_gb_per_gpu"]


def test_moe_is_served_with_expert_parallelism_on_h200() -> None:
    # The first engine served Qwen3-235B on 8x H200 as 4 replicas of TP2 at under half the
    # published throughput (TensorRT-LLM perf overview: 23,789 tokens/s at 1000/1000).
    r = _inference(
        "qwen3-235b-a22b",
        "h200-sxm-141gb",
        "fp8",
        nodes=1,
        inference={
            "concurrent_users": None,
            "prompt_tokens": 1000,
            "output_tokens": 1000,
            "target_tokens_per_s_per_user": 20,
            "target_ttft_s": 5,
        },
    )["inference"]
    assert r["expert_parallel"] in ("ep", "wide")
    assert r["output_tokens_per_s"] >= 0.75 * 23_789


def test_long_prompt_is_served_within_a_generous_first_token_limit() -> None:
    r = _inference(
        "llama-3.1-70b",
        "h100-nvl-94gb",
        "fp8",
        inference={"prompt_tokens": 100_000, "target_ttft_s": 600, "concurrent_users": 2},
    )["inference"]
    assert r["ttft_s"] <= 600 and r["prefill"]["attention_tflop"] > 0


def test_attention_flops_double_a_128k_prefill_of_70b() -> None:
    r = _inference(
        "llama-3.1-70b",
        "h100-nvl-94gb",
        "fp8",
        inference={"prompt_tokens": 131_072, "output_tokens": 16, "target_ttft_s": 3600},
    )["inference"]
    # 2·N·p = 18.5 PFLOP for the matmuls; causal attention adds about as much again at 128K
    assert r["prefill"]["attention_tflop"] > 0.8 * (
        r["prefill"]["tflop"] - r["prefill"]["attention_tflop"]
    )


def test_fp8_kv_on_a_gpu_without_fp8_is_a_field_error() -> None:
    with pytest.raises(SizingInputError) as info:
        _inference(
            "llama-2-7b",
            "a100-sxm4-80gb",
            "bf16",
            nodes=1,
            inference={"kv_cache_precision": "fp8"},
        )
    assert "inference.kv_cache_precision" in info.value.field_errors


def test_layout_overrides_are_applied_and_checked() -> None:
    r = _inference(
        "llama-3.1-405b",
        "h100-nvl-94gb",
        "fp8",
        inference={"tensor_parallel": 2, "pipeline_parallel": 4},
    )["inference"]
    assert (r["tensor_parallel"], r["pipeline_parallel"]) == (2, 4)
    with pytest.raises(SizingInputError) as info:
        _inference("llama-2-7b", "h100-nvl-94gb", "fp8", inference={"tensor_parallel": 3})
    assert "inference.tensor_parallel" in info.value.field_errors


MODELS = ("llama-3.1-8b", "llama-3.3-70b", "mixtral-8x7b", "qwen3-30b-a3b", "gpt-oss-20b")


@settings(max_examples=20, deadline=None)
@given(
    model=st.sampled_from(MODELS),
    users=st.integers(min_value=1, max_value=3000),
    more=st.integers(min_value=1, max_value=3000),
)
def test_more_users_never_fewer_gpus(model: str, users: int, more: int) -> None:
    def gpus(n: int) -> int:
        return int(
            _inference(model, "h100-nvl-94gb", "fp8", inference={"concurrent_users": n})[
                "gpu_count"
            ]
        )

    assert gpus(users + more) >= gpus(users)


@settings(max_examples=20, deadline=None)
@given(
    model=st.sampled_from(MODELS),
    prompt=st.integers(min_value=16, max_value=60_000),
    longer=st.integers(min_value=1, max_value=60_000),
)
def test_a_longer_prompt_never_a_shorter_first_token(model: str, prompt: int, longer: int) -> None:
    """At one layout (TP2, no pipeline, no expert parallelism). With the layout free the search
    ranks layouts by users served, not by first-token time, so a longer prompt may be given a
    layout (more pipeline stages, expert parallelism) with a shorter prefill."""

    def ttft(p: int) -> float:
        data = {
            "kind": "inference",
            "model": model,
            "gpu": "h100-nvl-94gb",
            "precision": "fp8",
            "nodes": 1,
            "inference": {
                "concurrent_users": 1,
                "prompt_tokens": p,
                "output_tokens": 64,
                "tensor_parallel": 2,
                "pipeline_parallel": 1,
                "expert_parallel": "none",
                "target_tokens_per_s_per_user": 0.01,
                "target_ttft_s": 86400,
            },
        }
        return float(size(data, CATALOG).to_dict()["inference"]["ttft_s"])

    assert ttft(prompt + longer) >= ttft(prompt)


@settings(max_examples=15, deadline=None)
@given(
    model=st.sampled_from((*MODELS, "llama-3.1-405b", "qwen3-235b-a22b")),
    users=st.integers(min_value=1, max_value=500),
    precision=st.sampled_from(("fp8", "bf16")),
)
def test_a_model_that_fits_one_node_never_gets_more_nodes_per_replica(
    model: str, users: int, precision: str
) -> None:
    try:
        r = _inference(model, "h100-nvl-94gb", precision, inference={"concurrent_users": users})
    except SizingInputError:
        return
    gib = CATALOG.models[model].params_b * (1 if precision == "fp8" else 2)
    if gib < 0.6 * 8 * 94:  # comfortably within one node of 8 × 94 GB
        assert r["inference"]["nodes_per_replica"] == 1
