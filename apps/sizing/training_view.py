"""The training plan of a result as people read it, for the wizard's result page and the PDF
alike: the parallel layout chosen, where the step time goes (compute, each collective, the
pipeline bubble), memory per GPU by part and MFU, each with the engine's rule, inputs and
source. Every number is read from the result the API returns (nothing is recomputed here)."""

from __future__ import annotations

from typing import Any

from apps.sizing import formatting as fmt
from apps.sizing.plan_view import breakdown, explanations, memory_section, why

LAYOUT = (
    ("tp", "Tensor parallel (TP)", "GPUs splitting each layer's matrices"),
    ("cp", "Context parallel (CP)", "GPUs splitting each sequence (ring attention)"),
    ("pp", "Pipeline parallel (PP)", "pipeline stages, layers split unevenly when needed"),
    ("virtual_stages", "Interleaved chunks per stage", "1 = plain 1F1B schedule"),
    ("ep", "Expert parallel (EP)", "GPUs sharing the experts of a mixture-of-experts"),
    ("dp", "Data parallel (DP)", "model replicas"),
    ("zero_stage", "ZeRO stage", "optimizer states, gradients and weights sharded over DP"),
    ("recompute", "Activation recompute", "what the backward pass recomputes"),
    ("micro_batch_size", "Micro-batch", "sequences per GPU per forward pass"),
    ("micro_batches", "Gradient accumulation", "micro-batches per optimizer step"),
    ("global_batch_size", "Global batch", "sequences per optimizer step"),
    ("sequence_length", "Sequence length", "tokens"),
    ("gpus_used", "GPUs used", "of the cluster's GPUs"),
)
STEP = (
    ("compute_s", "Compute (matmuls, attention, memory-bound kernels)"),
    ("recompute_s", "Recompute"),
    ("tp_exposed_s", "Tensor-parallel collectives, exposed"),
    ("cp_exposed_s", "Context-parallel ring attention, exposed"),
    ("ep_exposed_s", "Expert all-to-all, exposed"),
    ("pp_send_s", "Pipeline sends"),
    ("pipeline_bubble_s", "Pipeline bubble"),
    ("dp_exposed_s", "Data-parallel gradient and parameter collectives, exposed"),
    ("optimizer_s", "Optimizer step"),
)
MEMORY = (
    ("model_states_gb", "Model states (weights, gradients, optimizer)"),
    ("activations_gb", "Activations kept for the backward pass"),
    ("logits_gb", "Logits and the layer rebuilt by recompute"),
    ("overhead_gb", "Framework overhead"),
)
RECOMPUTE = {"none": "none", "selective": "selective (attention)", "full": "full (each layer)"}


def _value(key: str, value: Any) -> str:
    if key == "recompute":
        return RECOMPUTE.get(str(value), str(value))
    return fmt.number(value) if isinstance(value, int | float) else str(value)


def _assumption_inputs(result: dict[str, Any], names: tuple[str, ...]) -> list[dict[str, str]]:
    values = result.get("assumptions") or {}
    return [
        {"label": fmt.label(name), "value": fmt.quantity(values[name], fmt.unit(name))}
        for name in names
        if name in values
    ]


def training_panel(result: dict[str, Any]) -> dict[str, Any] | None:
    """The training plan's sections (None for inference results)."""
    training = result.get("training")
    if not isinstance(training, dict) or not isinstance(training.get("layout"), dict):
        return None
    layout = training["layout"]
    step = training.get("step_time") or {}
    total = float(step.get("step_s") or 0.0)
    memory = result.get("memory") or {}
    efficiencies = training.get("efficiencies") or {}
    items = explanations(result)
    return {
        "label": layout.get("label", ""),
        "binding": fmt.human_text(str(training.get("binding_constraint") or "")),
        "evaluated": training.get("layouts_evaluated"),
        "layout": [
            {"label": label, "value": _value(key, layout[key]), "note": note}
            for key, label, note in LAYOUT
            if key in layout
        ],
        "layout_why": why(items, "training.layout"),
        "step": breakdown(step, STEP, total, "seconds"),
        "step_total": fmt.number(total),
        "step_why": why(items, "training.step_s"),
        "step_inputs": _assumption_inputs(
            result,
            (
                "tp_exposed_fraction",
                "dp_exposed_fraction",
                "ep_exposed_fraction",
                "overlap_compute_tax",
                "fabric_gbps_per_gpu",
                "global_batch_tokens",
            ),
        ),
        "mfu": f"{float(training.get('mfu') or 0.0):.1%}",
        "tokens_per_s_per_gpu": fmt.number(training.get("tokens_per_s_per_gpu")),
        "mfu_why": why(items, "training.mfu"),
        "efficiencies": [
            {"label": label, "value": f"{float(efficiencies[key]):.0%}"}
            for key, label in (
                ("matmul", "Achievable matmul fraction of peak"),
                ("attention", "Fused attention fraction of peak"),
                ("memory_bound", "Memory-bound fraction of HBM bandwidth"),
                ("moe_gemm", "Expert GEMMs relative to dense"),
            )
            if isinstance(efficiencies.get(key), int | float)
        ],
        "efficiency_source": fmt.human_text(str(efficiencies.get("source") or "")),
        **memory_section(memory, MEMORY),
        "memory_why": why(items, "memory.total_per_gpu_gb"),
        "runners_up": [
            {
                "label": c.get("layout", ""),
                "zero": c.get("zero_stage"),
                "recompute": RECOMPUTE.get(str(c.get("recompute")), str(c.get("recompute"))),
                "micro_batch": c.get("micro_batch_size"),
                "step": fmt.number(c.get("step_s")),
                "mfu": f"{float(c.get('mfu') or 0.0):.1%}",
                "memory": fmt.number(c.get("memory_per_gpu_gb")),
            }
            for c in training.get("runners_up") or []
            if isinstance(c, dict)
        ],
    }
