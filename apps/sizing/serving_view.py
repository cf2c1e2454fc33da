"""The serving plan of an inference result as people read it, for the wizard's result page and
the PDF alike: the parallel layout (TP, PP, EP, attention DP, replicas) and why, memory per GPU
with the KV cache, the prefill and the decode step, and the first-token time and time per output
token against the targets — each with the engine's rule, inputs and source. Every number is
read from the result the API returns (``inference`` and ``explanations``; the keys shown are
``inference.explained``); nothing is recomputed here."""

from __future__ import annotations

from typing import Any

from apps.sizing import formatting as fmt

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


def _explanations(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        str(e.get("figure")): e
        for e in result.get("explanations") or []
        if isinstance(e, dict) and e.get("figure")
    }


def _why(items: dict[str, dict[str, Any]], figure: str) -> dict[str, Any]:
    """Rule, formula, inputs and source of one explanation, in words."""
    item = items.get(figure) or {}
    raw = item.get("inputs")
    inputs: dict[str, Any] = raw if isinstance(raw, dict) else {}
    return {
        "figure": figure,
        "rule": fmt.human_text(str(item.get("rule") or ""), inputs),
        "formula": fmt.human_text(str(item.get("formula") or "")),
        "source": fmt.human_text(str(item.get("source") or "")),
        "inputs": [
            {"label": fmt.label(k), "value": " ".join(x for x in (_plain(v), fmt.unit(k)) if x)}
            for k, v in inputs.items()
            if v is not None and not isinstance(v, dict | list)
        ],
    }


def _plain(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return fmt.number(value) if isinstance(value, int | float) else fmt.word(value)


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
    items = _explanations(result)
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
        "layout_why": _why(items, "inference.layout"),
        "memory": [
            {"label": label, "gb": fmt.number(memory[key])}
            for key, label in MEMORY
            if isinstance(memory.get(key), int | float)
        ],
        "memory_total": fmt.number(memory.get("total_per_gpu_gb")),
        "memory_usable": fmt.number(memory.get("usable_gb_per_gpu")),
        "kv_per_token": fmt.number(memory.get("kv_bytes_per_token")),
        "kv_precision": fmt.word(inference.get("kv_cache_precision")),
        "kv_why": _why(items, "memory.kv_cache_gb"),
        "memory_why": _why(items, "memory.total_per_gpu_gb"),
        "prefill": [
            {"label": label, "value": fmt.number(prefill[key]), "unit": unit}
            for key, label, unit in PREFILL
            if key in prefill
        ],
        "prefill_total": fmt.number(prefill.get("total_ms")),
        "prefill_why": _why(items, "inference.prefill_ms"),
        "decode": [
            {
                "label": label,
                "ms": fmt.number(float(step[key])),
                "share": f"{float(step[key]) / step_total:.1%}" if step_total else "—",
            }
            for key, label in DECODE
            if float(step.get(key) or 0.0) > 0.0
        ],
        "decode_total": fmt.number(step.get("step_ms")),
        "decode_bound": fmt.word(step.get("bound")),
        "decode_why": _why(items, "inference.decode_step_ms"),
        "ttft": _target(inference.get("ttft_s"), targets.get("ttft_s"), True),
        "ttft_why": _why(items, "inference.ttft_s"),
        "tpot": _target(inference.get("tpot_ms"), targets.get("tpot_ms"), True),
        "tpot_why": _why(items, "inference.tpot_ms"),
        "rate": _target(
            inference.get("tokens_per_s_per_user"), targets.get("tokens_per_s_per_user"), False
        ),
        "users_per_replica": fmt.number(inference.get("users_per_replica")),
        "explained": [str(k) for k in inference.get("explained") or []],
    }
