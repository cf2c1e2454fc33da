"""Public serving results the inference model is calibrated and judged on, as data.

Sources (all public, named per point):
* TRT — TensorRT-LLM "Performance Overview" (docs/source/performance/perf-overview.md in
  NVIDIA/TensorRT-LLM, the v1.0 tables: trtllm-bench max-throughput runs, FP8 ModelOpt
  checkpoints, DGX H100 / DGX H200; "Total Output Throughput (tokens/sec)" of the TP group;
  MoE runs with attention data parallelism).
* NIM — NVIDIA NIM for LLMs benchmarking guide, Llama-3.3-70B-Instruct, NIM 1.8.0, 2 × H100 80GB,
  FP8, TP2 (time to first token and inter-token latency per concurrency).
* The three points inherited from the first engine (MLPerf Inference v4.0, TensorRT-LLM v0.9
  L40S table, NeMo latency page).

``held_out`` points were chosen before tuning (every third point of each table, plus all
Llama 4 Scout and NIM 500/2000 points) and never looked at while setting the efficiencies:
bench/calibration.py reports the median error on them separately, overall and within MoE and
within long context (prompt >= 5,000 tokens).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apps.sizing.engine import size

from .helpers import CATALOG

TRT = "TensorRT-LLM perf-overview v1.0 (trtllm-bench, FP8)"
NIM = "NVIDIA NIM 1.8.0 benchmarks, Llama-3.3-70B, 2x H100 FP8 TP2"
OVERRIDES: dict[str, Any] = {}  # assumption overrides for tuning experiments (empty in tests)
# MoE runs as published: trtllm-bench --tp 8 with enable_attention_dp, i.e. attention data
# parallel on every GPU and the experts spread over all of them ("wide" expert parallelism).
MOE_LAYOUT: dict[str, Any] = {"tensor_parallel": 1, "expert_parallel": "wide"}


@dataclass(frozen=True)
class ServingPoint:
    """A published serving figure and the engine's estimate of it."""

    name: str
    source: str
    published: float
    unit: str
    moe: bool
    long_context: bool
    held_out: bool
    estimate: Callable[[], float]

    def error(self) -> float:
        return (self.estimate() - self.published) / self.published


def _run(
    model: str,
    gpu: str,
    gpus: int,
    prompt: int,
    output: int,
    *,
    users: int | None = None,
    precision: str = "fp8",
    layout: dict[str, Any] | None = None,
) -> dict[str, Any]:
    inference: dict[str, Any] = {
        "prompt_tokens": prompt,
        "output_tokens": output,
        "target_tokens_per_s_per_user": 0.001,
        "target_ttft_s": 86400,
        **(layout or {}),
    }
    if users:
        inference["concurrent_users"] = users
    data = {
        "kind": "inference",
        "model": model,
        "gpu": gpu,
        "nodes": 1,
        "gpus_per_node": gpus,
        "precision": precision,
        "inference": inference,
    }
    if OVERRIDES:
        data["assumptions"] = dict(OVERRIDES)
    return size(data, CATALOG).to_dict()["inference"]


def _throughput(model: str, gpu: str, tp: int, moe: bool) -> Callable[[int, int], float]:
    def run(prompt: int, output: int) -> float:
        layout = dict(MOE_LAYOUT) if moe else {"tensor_parallel": tp}
        return float(_run(model, gpu, tp, prompt, output, layout=layout)["output_tokens_per_s"])

    return run


def _table(
    label: str, model: str, gpu: str, tp: int, moe: bool, rows: dict[tuple[int, int], float]
) -> list[ServingPoint]:
    run = _throughput(model, gpu, tp, moe)
    out = []
    for i, ((isl, osl), published) in enumerate(rows.items()):
        out.append(
            ServingPoint(
                f"{label} {isl}/{osl}",
                TRT,
                published,
                "tokens/s",
                moe,
                isl >= 5000,
                i % 3 == 2 or "Scout" in label,
                lambda isl=isl, osl=osl: run(isl, osl),  # type: ignore[misc]
            )
        )
    return out


def _nim(users: int, prompt: int, output: int, what: str) -> float:
    r = _run(
        "llama-3.3-70b",
        "h100-sxm5-80gb",
        2,
        prompt,
        output,
        users=users,
        layout={"tensor_parallel": 2},
    )
    if what == "ttft":
        return float(r["ttft_s"]) * 1000
    return 1000 / float(r["tokens_per_s_per_user"])


def _nim_point(users: int, prompt: int, output: int, what: str, published: float) -> ServingPoint:
    unit = "ms TTFT" if what == "ttft" else "ms ITL"
    return ServingPoint(
        f"Llama 3.3 70B 2xH100 TP2 {prompt}/{output}, {users} users, {unit}",
        NIM,
        published,
        unit,
        False,
        prompt >= 5000,
        prompt == 500,
        lambda: _nim(users, prompt, output, what),
    )


POINTS: tuple[ServingPoint, ...] = (
    *_table(
        "Llama 3.1 8B 1xH100",
        "llama-3.1-8b",
        "h100-sxm5-80gb",
        1,
        False,
        {
            (128, 128): 28312,
            (128, 2048): 22714,
            (2048, 128): 3450,
            (1000, 1000): 15220,
            (2048, 2048): 9305,
            (5000, 500): 3459,
            (20000, 2000): 1351,
        },
    ),
    *_table(
        "Llama 3.1 8B 1xH200",
        "llama-3.1-8b",
        "h200-sxm-141gb",
        1,
        False,
        {
            (128, 128): 27911,
            (128, 2048): 26221,
            (2048, 128): 3538,
            (1000, 1000): 17744,
            (2048, 2048): 12194,
            (5000, 500): 3902,
            (20000, 2000): 1804,
        },
    ),
    *_table(
        "Llama 3.3 70B 2xH100 TP2",
        "llama-3.3-70b",
        "h100-sxm5-80gb",
        2,
        False,
        {
            (128, 128): 6378,
            (128, 2048): 6651,
            (2048, 128): 762,
            (1000, 1000): 4205,
            (2048, 2048): 3082,
            (5000, 500): 898,
            (20000, 2000): 437,
        },
    ),
    *_table(
        "Llama 3.3 70B 1xH200",
        "llama-3.3-70b",
        "h200-sxm-141gb",
        1,
        False,
        {
            (128, 128): 3803,
            (128, 2048): 4336,
            (2048, 128): 442,
            (1000, 1000): 2909,
            (2048, 2048): 2003,
            (5000, 500): 566,
            (20000, 2000): 283,
        },
    ),
    *_table(
        "Llama 3.1 405B 8xH100 TP8",
        "llama-3.1-405b",
        "h100-sxm5-80gb",
        8,
        False,
        {
            (128, 128): 3627,
            (128, 2048): 4340,
            (2048, 128): 453,
            (1000, 1000): 2919,
            (2048, 2048): 2296,
            (5000, 500): 610,
            (20000, 2000): 345,
        },
    ),
    *_table(
        "Llama 3.1 405B 8xH200 TP8",
        "llama-3.1-405b",
        "h200-sxm-141gb",
        8,
        False,
        {
            (128, 128): 3814,
            (128, 2048): 5348,
            (2048, 128): 456,
            (1000, 1000): 3330,
            (2048, 2048): 2948,
            (5000, 500): 650,
            (20000, 2000): 505,
        },
    ),
    *_table(
        "Qwen3-235B-A22B 8xH200",
        "qwen3-235b-a22b",
        "h200-sxm-141gb",
        8,
        True,
        {
            (128, 128): 30429,
            (128, 2048): 42821,
            (2048, 128): 3331,
            (1000, 1000): 23789,
            (2048, 2048): 16672,
            (5000, 500): 3623,
            (20000, 2000): 1876,
        },
    ),
    *_table(
        "Qwen3-235B-A22B 8xH100",
        "qwen3-235b-a22b",
        "h100-sxm5-80gb",
        8,
        True,
        {(128, 2048): 19658, (1000, 1000): 14898, (2048, 2048): 9924, (5000, 500): 3225},
    ),
    *_table(
        "Llama 4 Maverick 8xH200",
        "llama-4-maverick",
        "h200-sxm-141gb",
        8,
        True,
        {
            (128, 128): 63994,
            (128, 2048): 40572,
            (2048, 128): 7307,
            (1000, 1000): 31782,
            (2048, 2048): 20957,
            (5000, 500): 8456,
            (20000, 2000): 4106,
        },
    ),
    *_table(
        "Llama 4 Maverick 8xH100",
        "llama-4-maverick",
        "h100-sxm5-80gb",
        8,
        True,
        {(128, 2048): 10829, (1000, 1000): 9677, (2048, 2048): 6916, (5000, 500): 3457},
    ),
    *_table(
        "Llama 4 Scout 4xH200",
        "llama-4-scout",
        "h200-sxm-141gb",
        4,
        True,
        {
            (128, 2048): 34316,
            (2048, 128): 3699,
            (1000, 1000): 21636,
            (5000, 500): 4605,
            (20000, 2000): 2105,
        },
    ),
    *_table(
        "Llama 4 Scout 4xH100",
        "llama-4-scout",
        "h100-sxm5-80gb",
        4,
        True,
        {(128, 2048): 15130, (1000, 1000): 12129, (5000, 500): 3342},
    ),
    _nim_point(1, 5000, 500, "ttft", 406.77),
    _nim_point(1, 5000, 500, "itl", 18.58),
    _nim_point(25, 5000, 500, "ttft", 688.69),
    _nim_point(25, 5000, 500, "itl", 38.75),
    _nim_point(50, 5000, 500, "itl", 59.73),
    _nim_point(1, 500, 2000, "ttft", 47.77),
    _nim_point(1, 500, 2000, "itl", 18.91),
)
