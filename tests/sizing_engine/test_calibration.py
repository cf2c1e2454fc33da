"""Calibration against published figures (sizing-model §9 and other public results).

Each test states the source, our estimate's tolerance and why. docs/sizing-engine.md lists the
errors these tests measure.
"""

from __future__ import annotations

from typing import Any

from apps.sizing.engine import size

from .helpers import CATALOG


def _error(estimate: float, published: float) -> float:
    return (estimate - published) / published


def _training(
    model: str, tokens: float, gpu: str = "a100-sxm4-80gb", nodes: int = 64, **extra: Any
) -> dict[str, Any]:
    data = {
        "kind": "pretraining",
        "model": model,
        "gpu": gpu,
        "nodes": nodes,
        "training": {"tokens": tokens, **extra},
    }
    return size(data, CATALOG).to_dict()["training"]


def _offline(model: str, gpu: str, precision: str, prompt: int, output: int) -> dict[str, Any]:
    """Max-throughput (offline) run: no per-user speed or first-token target to speak of."""
    inference = {
        "prompt_tokens": prompt,
        "output_tokens": output,
        "target_tokens_per_s_per_user": 0.01,
        "target_ttft_s": 3600,
    }
    data = {
        "kind": "inference",
        "model": model,
        "gpu": gpu,
        "nodes": 1,
        "precision": precision,
        "inference": inference,
    }
    return size(data, CATALOG).to_dict()["inference"]


def test_llama2_7b_gpu_hours() -> None:
    # Llama 2 model card: 184,320 A100-80GB GPU-hours for 7B on 2T tokens. Tolerance ±25 %.
    assert abs(_error(_training("llama-2-7b", 2e12)["gpu_hours"], 184_320)) < 0.25


def test_llama2_70b_gpu_hours() -> None:
    # Llama 2 model card: 1,720,320 A100-80GB GPU-hours for 70B on 2T tokens. Tolerance ±25 %.
    assert abs(_error(_training("llama-2-70b", 2e12)["gpu_hours"], 1_720_320)) < 0.25


def test_mpt7b_tokens_per_gpu() -> None:
    # llm-foundry benchmarks: MPT-7B, 8x H100, bf16, seq 2048: 10,643 tokens/s per GPU.
    # Tolerance ±20 %.
    t = _training("mpt-7b", 1e9, gpu="h100-sxm5-80gb", nodes=1, sequence_length=2048)
    assert abs(_error(t["tokens_per_s_per_gpu"], 10_643)) < 0.20


def test_mlperf_llama2_70b_offline() -> None:
    # MLPerf Inference v4.0, Llama 2 70B FP8, 8x H100 SXM, offline: 21,806 tokens/s.
    # Prompt/output of ~300 tokens each approximates the OpenOrca subset (lengths
    # unverified). ±35 %.
    r = _offline("llama-2-70b", "h100-sxm5-80gb", "fp8", 300, 300)
    assert abs(_error(r["output_tokens_per_s"], 21_806)) < 0.35


def test_trtllm_l40s_llama7b_fp8() -> None:
    # TensorRT-LLM v0.9 performance table, one L40S, LLaMA-7B FP8, 128 in / 128 out:
    # 5,885 tokens/s. ±35 %.
    r = _offline("llama-2-7b", "l40s-48gb", "fp8", 128, 128)
    per_gpu = r["output_tokens_per_s"] / (r["replicas"] * r["tensor_parallel"])
    assert abs(_error(per_gpu, 5_885)) < 0.35


def test_nemo_llama2_7b_latency_batch1() -> None:
    # NVIDIA NeMo Framework performance page: Llama-2-7B, 1x H100 80GB, batch 1, 128 in / 20 out:
    # 153.8 ms average latency
    # (docs.nvidia.com/nemo-framework/user-guide/latest/performance/llama.html). ±25 %.
    inference = {
        "concurrent_users": 1,
        "prompt_tokens": 128,
        "output_tokens": 20,
        "target_tokens_per_s_per_user": 1,
        "target_ttft_s": 60,
    }
    data = {
        "kind": "inference",
        "model": "llama-2-7b",
        "gpu": "h100-sxm5-80gb",
        "nodes": 1,
        "inference": inference,
    }
    r = size(data, CATALOG).to_dict()["inference"]
    latency_ms = r["ttft_s"] * 1000 + 19 * r["decode_step_ms"]
    assert abs(_error(latency_ms, 153.8)) < 0.25


def test_qlora_65b_fits_one_48gb_gpu() -> None:
    # QLoRA paper (Dettmers et al. 2023): a 65B model fine-tunes on one 48 GB GPU.
    llama65 = {
        "name": "LLaMA 65B",
        "layers": 80,
        "hidden_size": 8192,
        "heads": 64,
        "kv_heads": 64,
        "ffn_size": 22016,
        "vocab_size": 32000,
        "params_b": 65.2,
        "context_length": 2048,
    }
    data = {
        "kind": "qlora",
        "custom_model": llama65,
        "gpu": "l40s-48gb",
        "nodes": 1,
        "gpus_per_node": 1,
        "training": {"tokens": 1e8, "sequence_length": 512, "recompute": "full"},
    }
    result = size(data, CATALOG).to_dict()
    assert result["training"]["layout"]["gpus_used"] == 1
    assert result["memory"]["total_per_gpu_gb"] <= result["memory"]["usable_gb_per_gpu"]


def test_bloomberggpt_is_an_outlier_we_state() -> None:
    # Seed: BloombergGPT took 1.3 million GPU-hours. Its paper: 50.6B params, 569B tokens on A100s.
    # 6·N·D at our MFU gives ~0.44M; the 1.3M figure includes more than the final run. We assert
    # the documented gap (-66 %) so a change to the defaults is noticed.
    bbg = {
        "name": "BloombergGPT",
        "layers": 70,
        "hidden_size": 7680,
        "heads": 40,
        "kv_heads": 40,
        "ffn_size": 30720,
        "vocab_size": 131072,
        "params_b": 50.6,
        "context_length": 2048,
    }
    data = {
        "kind": "pretraining",
        "custom_model": bbg,
        "gpu": "a100-sxm4-80gb",
        "nodes": 64,
        "training": {"tokens": 569e9},
    }
    hours = size(data, CATALOG).to_dict()["training"]["gpu_hours"]
    assert -0.75 < _error(hours, 1.3e6) < -0.55
