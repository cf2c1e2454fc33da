"""What a training plan reports: figures, memory by part, warnings and explanations."""

from __future__ import annotations

from typing import Any

from ..explain import Explainer
from ..hardware import gpu_link
from .plan import TrainingOutcome
from .search import Candidate
from .setup import TrainingSetup
from .step import context

SRC_MEM = (
    "ZeRO (Rajbhandari et al. 2020); activations Korthikanti et al. 2022 Table 2 generalised "
    "to gated MLP and GQA; 1F1B in-flight micro-batches Narayanan et al. 2021"
)
SRC_STEP = (
    "Step model sizing-model §5: 6·N_active + 6·L·h·s FLOPs per token; ring collectives on "
    "the GPU link and the fabric; 1F1B bubble (p−1)/(m·v); efficiencies calibrated on published "
    "runs (docs/sizing-engine.md)"
)
SRC_SEARCH = (
    "Layout search (docs/sizing-engine.md 'Training layout search'): fastest layout that fits "
    "memory, pruned only by upper bounds of the step model"
)


def _candidate_dict(st: TrainingSetup, c: Candidate) -> dict[str, Any]:
    return {
        "layout": c.layout.label(),
        "zero_stage": c.layout.zero,
        "recompute": c.layout.recompute,
        "micro_batch_size": c.layout.micro_batch,
        "step_s": round(c.step.total_s, 4),
        "tokens_per_s_per_gpu": round(c.step.tokens_per_s_per_gpu, 1),
        "mfu": round(c.step.mfu, 4),
        "memory_per_gpu_gb": round(c.memory.total_gb, 2),
        "step_time": c.step.breakdown(),
    }


def brief(o: TrainingOutcome) -> dict[str, Any]:
    """GPU-hours and days, as ``figures`` gives them."""
    return {"gpu_hours": round(o.gpu_hours, 1), "days": round(o.days, 3)}


def figures(st: TrainingSetup, o: TrainingOutcome) -> dict[str, Any]:
    """The result's ``training`` object."""
    best = o.best
    lay, step = best.layout, best.step
    tokens = st.spec.tokens * st.spec.epochs
    layout = {
        **lay.to_dict(),
        "sequence_length": st.seq,
        "label": lay.label(),
    }
    ctx = context(st)
    e = st.e
    return {
        **brief(o),
        "layout": layout,
        "tokens": tokens,
        "flops": tokens * ctx.model_flops_per_token,
        "flops_per_token": ctx.model_flops_per_token,
        "mfu": round(step.mfu, 4),
        "goodput": st.assumptions.goodput,
        "tokens_per_s_per_gpu": round(step.tokens_per_s_per_gpu, 1),
        "step_time": step.breakdown(),
        "binding_constraint": o.result.binding,
        "runners_up": [_candidate_dict(st, c) for c in o.result.runners_up],
        "links": {
            "tensor_parallel": gpu_link(st.gpu, lay.tp, st.links).to_dict(),
            "fabric": ctx.nic.to_dict(),
        },
        "efficiencies": {
            "matmul": st.matmul_eff,
            "attention": e.attention,
            "memory_bound": e.memory,
            "moe_gemm": e.moe_gemm,
            "source": e.source,
        },
        "layouts_evaluated": o.result.evaluated,
        "lora_parameters": st.lora_params or None,
        "target_days": st.spec.target_days,
        "meets_target": None
        if st.spec.target_days is None
        else o.days <= st.spec.target_days + 1e-9,
        "low_confidence": st.gpu.link == "pcie",
    }


def memory_dict(st: TrainingSetup, o: TrainingOutcome) -> dict[str, float]:
    """The result's ``memory`` object for training."""
    mem = o.best.memory
    return {
        "gpu_memory_gb": st.gpu.memory_gb,
        "usable_gb_per_gpu": round(mem.usable_gb, 2),
        "model_states_gb": round(mem.model_states_gb, 2),
        "activations_gb": round(mem.activations_gb, 2),
        "logits_gb": round(mem.logits_gb, 2),
        "overhead_gb": round(mem.overhead_gb, 2),
        "total_per_gpu_gb": round(mem.total_gb, 2),
    }


def warnings(st: TrainingSetup, o: TrainingOutcome) -> tuple[str, ...]:
    """Confidence and target warnings."""
    out = []
    lay = o.best.layout
    if st.gpu.link == "pcie":
        out.append(
            f"Low confidence: no published training run on {st.gpu.name} is known; its "
            f"efficiencies are assumptions (MFU {o.best.step.mfu:.2f} is an estimate)."
        )
    if lay.tp > max(st.gpu.link_domain, 1):
        out.append(
            f"Tensor parallel {lay.tp} crosses PCIe ({st.gpu.name} links "
            f"{st.gpu.link_domain} GPUs); its collectives are costed at PCIe speed."
        )
    if st.precision == "fp8" and st.gpu.link == "pcie":
        out.append("FP8 training on this GPU is not validated by a published run; estimate only.")
    if st.spec.target_days is not None and o.days > st.spec.target_days + 1e-9:
        out.append(
            f"The cluster needs {o.days:.1f} days, more than the {st.spec.target_days:g}-day "
            f"target."
        )
    idle = o.gpus - lay.gpus
    if idle > 0:
        out.append(f"{idle} GPUs stay idle: {o.result.binding}.")
    return tuple(out)


def explain(ex: Explainer, st: TrainingSetup, o: TrainingOutcome) -> None:
    """Rule, inputs and source of every training figure."""
    best = o.best
    lay, step, mem = best.layout, best.step, best.memory
    ctx = context(st)
    ex.add(
        "training.flops",
        st.spec.tokens * st.spec.epochs * ctx.model_flops_per_token,
        "FLOP",
        rule="Model FLOPs of the run: matmuls and causal attention.",
        formula="(6·N_active [4 for LoRA] + 6·layers·hidden·sequence) × tokens × epochs",
        source=SRC_STEP,
        inputs={
            "tokens": st.spec.tokens * st.spec.epochs,
            "active_params_b": st.model.active_params_b,
            "sequence_length": st.seq,
            "flops_per_token": ctx.model_flops_per_token,
        },
    )
    ex.add(
        "training.layout",
        lay.label(),
        "",
        rule="Fastest layout that fits memory under the global-batch bound.",
        formula="argmax tokens/s over TP × CP × PP(uneven, interleaved) × DP × EP × ZeRO × "
        "recompute × micro-batch; memory <= usable",
        source=SRC_SEARCH,
        inputs={
            **lay.to_dict(),
            "binding_constraint": o.result.binding,
            "layouts_evaluated": o.result.evaluated,
            "runners_up": [c.layout.label() for c in o.result.runners_up],
        },
    )
    ex.add(
        "training.step_s",
        round(step.total_s, 4),
        "s",
        rule="One optimizer step: pipeline of micro-batches plus exposed communication.",
        formula="m·(compute + recompute + exposed TP/CP/EP + PP sends) + (p−1)/v bubble "
        "+ exposed DP + optimizer",
        source=SRC_STEP,
        inputs={
            **step.breakdown(),
            "tp_exposed_fraction": st.knobs.tp_exposed,
            "dp_exposed_fraction": st.knobs.dp_exposed,
            "ep_exposed_fraction": st.knobs.ep_exposed,
            "overlap_compute_tax": st.knobs.overlap_tax,
        },
    )
    ex.add(
        "training.mfu",
        round(step.mfu, 4),
        "",
        rule="Model FLOPs utilisation is an output of the step model.",
        formula="flops_per_token × tokens/s/GPU ÷ peak",
        source=SRC_STEP,
        inputs={
            "tokens_per_s_per_gpu": round(step.tokens_per_s_per_gpu, 1),
            "peak_tflops": st.peak / 1e12,
            "matmul_efficiency": st.matmul_eff,
            "attention_efficiency": st.e.attention,
            "memory_bound_efficiency": st.e.memory,
            "efficiency_source": st.e.source,
        },
    )
    ex.add(
        "training.gpu_hours",
        round(o.gpu_hours, 1),
        "GPU-hours",
        rule="Wall clock × GPUs of the layout.",
        formula="days × 24 × GPUs used",
        source=SRC_STEP,
        inputs={"gpus": lay.gpus, "days": round(o.days, 3)},
    )
    ex.add(
        "training.days",
        round(o.days, 3),
        "days",
        rule="Tokens at the layout's throughput, with goodput losses.",
        formula="tokens × epochs / (tokens/s × goodput) / 86400",
        source=SRC_STEP,
        inputs={
            "tokens_per_s": round(step.tokens_per_s, 1),
            "goodput": st.assumptions.goodput,
        },
    )
    ex.add(
        "memory.total_per_gpu_gb",
        round(mem.total_gb, 2),
        "GB",
        rule="Training memory per GPU on the first pipeline stage.",
        formula="ZeRO states + layers × in-flight micro-batches × activations/(TP·CP) "
        "+ 4·s·b·V/(TP·CP) + overhead",
        source=SRC_MEM,
        inputs={
            "model_states_gb": round(mem.model_states_gb, 2),
            "activations_gb": round(mem.activations_gb, 2),
            "logits_gb": round(mem.logits_gb, 2),
            "overhead_gb": round(mem.overhead_gb, 2),
            "usable_gb": round(mem.usable_gb, 2),
            "frozen_weight_bytes": st.weight_bytes if st.lora else None,
        },
    )
