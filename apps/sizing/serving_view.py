"""The serving plan of an inference result as people read it, for the wizard's result page and
the PDF alike: the parallel layout (TP, PP, EP, attention DP, replicas) and why, memory per GPU
with the KV cache, the prefill and the decode step, and the first-token time and time per output
token against the targets — each with the engine's rule, inputs and source. Every number is
read from the result the API returns (``inference`` and ``explanations``; the keys shown are
``inference.explained``); nothing is recomputed here."""

from __future__ import annotations

from typing import Any

from apps.sizing import formatting as fmt
from apps.sizing.plan_view import breakdown, explanations, memory_section, why

EP = {
    "none": "none (experts split like dense layers)",
    "ep": "whole experts over the tensor-parallel GPUs (all-to-all)",
    "wide": "experts over every GPU of the replica, attention data-parallel",
}
LAYOUT = (
    ("tensor_parallel", "Tensor parallel (TP)", "GPUs splitting each layer, within a node"),
    ("pipeline_parallel", "Pipeline parallel (PP)", "stages of layers, across nodes"),
    ("expert_parallel", "Expert parallel (EP)", ""),
    ("attention_data_parallel", "Attention data parallel", "groups splitting the batch"),
    ("gpus_per_replica", "GPUs per replica", ""),
    ("nodes_per_replica", "Nodes per replica", ""),
)
MEMORY = (
    ("weights_per_gpu_gb", "Weights"),
    ("kv_cache_per_gpu_gb", "KV cache of the running sequences"),
    ("activations_per_gpu_gb", "Activations of a prefill chunk"),
    ("workspace_gb_per_gpu", "Workspace"),
)
PREFILL = (
    ("prompt_tokens", "Prompt", "tokens"),
    ("chunks", "Chunks", ""),
    ("chunk_tokens", "Chunk size", "tokens"),
    ("tflop", "Work", "TFLOP"),
    ("attention_tflop", "of which attention", "TFLOP"),
    ("compute_ms", "Compute", "ms"),
    ("communication_ms", "Communication", "ms"),
    ("total_ms", "Prefill time", "ms"),
)
DECODE = (
    ("memory_ms", "Reading weights and KV"),
    ("compute_ms", "Compute"),
    ("tp_allreduce_ms", "Tensor-parallel all-reduce"),
    ("expert_all_to_all_ms", "Expert all-to-all"),
    ("pipeline_ms", "Pipeline hops"),
    ("overhead_ms", "Fixed step overhead"),
)


def _target(value: Any, target: Any, lower_is_better: bool) -> dict[str, str]:
    if not isinstance(value, int | float) or not isinstance(target, int | float):
        return {"value": fmt.number(value), "target": fmt.number(target), "met": ""}
    met = value <= target if lower_is_better else value >= target
    return {
        "value": fmt.number(value),
        "target": fmt.number(target),
        "met": "met" if met else "missed",
    }


def serving_panel(result: dict[str, Any]) -> dict[str, Any] | None:
    """The serving plan's sections (None for training results)."""
    inference = result.get("inference")
    if not isinstance(inference, dict) or not isinstance(inference.get("layout"), dict):
        return None
    layout = inference["layout"]
    memory = result.get("memory") or {}
    prefill = inference.get("prefill") or {}
    step = inference.get("decode_step") or {}
    targets = inference.get("targets") or {}
    items = explanations(result)
    step_total = float(step.get("step_ms") or 0.0)
    return {
        "label": layout.get("label", ""),
        "replicas": fmt.number(inference.get("replicas")),
        "layout": [
            {
                "label": label,
                "value": EP.get(str(layout[key]), str(layout[key]))
                if key == "expert_parallel"
                else fmt.number(layout[key]),
                "note": note,
            }
            for key, label, note in LAYOUT
            if key in layout
        ],
        "layout_why": why(items, "inference.layout"),
        **memory_section(memory, MEMORY),
        "kv_per_token": fmt.number(memory.get("kv_bytes_per_token")),
        "kv_precision": fmt.word(inference.get("kv_cache_precision")),
        "kv_why": why(items, "memory.kv_cache_gb"),
        "memory_why": why(items, "memory.total_per_gpu_gb"),
        "prefill": [
            {"label": label, "value": fmt.number(prefill[key]), "unit": unit}
            for key, label, unit in PREFILL
            if key in prefill
        ],
        "prefill_total": fmt.number(prefill.get("total_ms")),
        "prefill_why": why(items, "inference.prefill_ms"),
        "decode": breakdown(step, DECODE, step_total, "ms"),
        "decode_total": fmt.number(step.get("step_ms")),
        "decode_bound": fmt.word(step.get("bound")),
        "decode_why": why(items, "inference.decode_step_ms"),
        "ttft": _target(inference.get("ttft_s"), targets.get("ttft_s"), True),
        "ttft_why": why(items, "inference.ttft_s"),
        "tpot": _target(inference.get("tpot_ms"), targets.get("tpot_ms"), True),
        "tpot_why": why(items, "inference.tpot_ms"),
        "rate": _target(
            inference.get("tokens_per_s_per_user"), targets.get("tokens_per_s_per_user"), False
        ),
        "users_per_replica": fmt.number(inference.get("users_per_replica")),
        "explained": [str(k) for k in inference.get("explained") or []],
    }
