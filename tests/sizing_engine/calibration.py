"""Public calibration points (sizing-model §9 and other published results) as data.

Each point computes the engine's estimate for a published figure. `test_calibration.py` asserts
each error is within its stated tolerance; `bench/calibration.py` prints the table that the
README and docs/sizing-engine.md quote.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from apps.sizing.engine import size

from .helpers import CATALOG


@dataclass(frozen=True)
class Point:
    """A published figure, the engine's estimate of it and the tolerance we hold it to."""

    name: str
    source: str
    published: float
    unit: str
    tolerance: tuple[float, float]  # allowed (low, high) relative error
    estimate: Callable[[], float]
    role: str = "check"  # calibrate (set a default), check (held out) or outlier

    def error(self) -> float:
        return (self.estimate() - self.published) / self.published


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


def _l40s_per_gpu() -> float:
    r = _offline("llama-2-7b", "l40s-48gb", "fp8", 128, 128)
    return float(r["output_tokens_per_s"]) / (r["replicas"] * r["tensor_parallel"])


def _nemo_latency_ms() -> float:
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
    return float(r["ttft_s"]) * 1000 + 19 * float(r["decode_step_ms"])


POINTS = (
    Point(
        "Llama 2 70B FP8, 8x H100 SXM, offline (300 in/300 out assumed)",
        "MLPerf Inference v4.0",
        21_806,
        "tokens/s",
        (-0.35, 0.35),
        lambda: _offline("llama-2-70b", "h100-sxm5-80gb", "fp8", 300, 300)["output_tokens_per_s"],
    ),
    Point(
        "LLaMA-7B FP8, 1x L40S, 128 in/128 out",
        "TensorRT-LLM v0.9 performance table",
        5_885,
        "tokens/s",
        (-0.35, 0.35),
        _l40s_per_gpu,
    ),
    Point(
        "Llama-2-7B, 1x H100, batch 1, 128 in/20 out, latency",
        "NVIDIA NeMo Framework performance page",
        153.8,
        "ms",
        (-0.25, 0.25),
        _nemo_latency_ms,
    ),
)
