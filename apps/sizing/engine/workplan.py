"""GPU plan: turn training or inference requirements into GPU counts and performance figures."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from . import training as tr
from .catalog import Gpu, LlmModel
from .errors import SizingInputError
from .explain import Explainer
from .hardware import GB, bytes_per_param, tp_candidates
from .inference import ReplicaModel, kv_precision_for
from .workload import Workload

SRC_FLOPS = "Training step model (engine/training/step.py); sizing-model §5"
SRC_INF = "Roofline with calibrated efficiencies (sizing-model §5; Pope et al. 2022)"


@dataclass(frozen=True)
class GpuPlan:
    """GPUs needed (size mode) and what the workload achieves on the final cluster."""

    required_gpus: int
    tp: int
    training: dict[str, Any] | None
    inference: dict[str, Any] | None
    memory: dict[str, float]
    warnings: tuple[str, ...]


# ----------------------------------------------------------------------------- training


def training_setup(w: Workload, model: LlmModel, gpu: Gpu, gpn: int) -> tr.TrainingSetup:
    """The training run of ``w`` on this GPU, node size and fabric."""
    assert w.training is not None
    fabric = "infiniband" if w.fabric == "auto" else w.fabric
    return tr.setup(
        w.kind,
        model,
        gpu,
        w.precision,
        w.training,
        w.assumptions,
        fabric=fabric,
        gpus_per_node=gpn,
    )


def training_required(
    w: Workload, model: LlmModel, gpu: Gpu, gpn: int, ex: Explainer
) -> tuple[int, tr.TrainingSetup]:
    """Fewest GPUs (whole nodes) whose best layout meets the deadline (size mode)."""
    assert w.training is not None and w.training.target_days is not None
    s = training_setup(w, model, gpu, gpn)
    best, evaluations, need = tr.required(s, w.training.target_days)
    ex.add(
        "required_gpus",
        best.gpus,
        "GPUs",
        rule="Fewest whole nodes whose fastest layout holds the model and finishes in the "
        "target days (scaling losses included: each count is searched, not extrapolated).",
        formula="min n such that days(best layout on n nodes) <= target_days",
        source=SRC_FLOPS,
        inputs={
            "gpus_for_memory": need,
            "days_at_required": round(best.days, 3),
            "target_days": w.training.target_days,
            "node_counts_searched": evaluations,
        },
    )
    return best.gpus, s


def training_figures(
    s: tr.TrainingSetup, active_gpus: int, gpn: int, ex: Explainer, field: str
) -> GpuPlan:
    """Layout, step time, memory, GPU-hours and days on ``active_gpus`` GPUs."""
    from .training import report

    o = tr.outcome(s, active_gpus)
    if o is None:
        raise tr.refusal(s, active_gpus, field)
    report.explain(ex, s, o)
    return GpuPlan(
        active_gpus,
        o.best.layout.tp,
        report.figures(s, o),
        None,
        report.memory_dict(s, o),
        report.warnings(s, o),
    )


# ----------------------------------------------------------------------------- inference


def replica_models(w: Workload, model: LlmModel, gpu: Gpu, gpn: int) -> list[ReplicaModel]:
    """One replica model per tensor-parallel candidate."""
    assert w.inference is not None
    kv = kv_precision_for(w.precision, w.inference)
    return [
        ReplicaModel(model, gpu, tp, w.precision, kv, w.inference, w.assumptions)
        for tp in tp_candidates(model.heads, gpn)
    ]


def _no_fit_error(
    w: Workload, model: LlmModel, gpu: Gpu, options: list[ReplicaModel]
) -> SizingInputError:
    if all(rm.memory_batch < 1 for rm in options):
        widest = max(options, key=lambda rm: rm.tp)
        int4_bytes = model.params_b * 1e9 * w.assumptions.int4_bytes_per_param
        hint = (
            "even at int4, the lowest precision"
            if int4_bytes >= widest.usable_bytes
            else "; a lower precision (fp8, int8 or int4) may fit"
        )
        return SizingInputError.single(
            "model",
            f"{model.name} at {w.precision} does not fit {gpu.name} at any TP up to "
            f"{widest.tp} within a node {hint}".replace(" ;", ";"),
        )
    spec = w.inference
    assert spec is not None
    return SizingInputError(
        {
            "inference.target_tokens_per_s_per_user": [
                f"{gpu.name} cannot give one user {spec.target_tokens_per_s_per_user:g} tokens/s "
                f"with a first token "
                f"in {spec.target_ttft_s:g} s at any TP within a node"
            ]
        }
    )


def inference_required(
    w: Workload, model: LlmModel, gpu: Gpu, gpn: int, ex: Explainer
) -> tuple[int, ReplicaModel]:
    """Fewest GPUs serving the users at the targets: replicas × TP, best TP."""
    assert w.inference is not None and w.inference.concurrent_users is not None
    options = replica_models(w, model, gpu, gpn)
    users = math.ceil(w.inference.concurrent_users * (1 + w.growth_headroom_pct / 100) - 1e-9)
    best: tuple[int, int, ReplicaModel] | None = None
    for rm in options:
        batch = rm.max_batch()
        if batch >= 1:
            gpus = math.ceil(users / batch) * rm.tp
            if best is None or (gpus, rm.tp) < (best[0], best[1]):
                best = (gpus, rm.tp, rm)
    if best is None:
        raise _no_fit_error(w, model, gpu, options)
    ex.add(
        "required_gpus",
        best[0],
        "GPUs",
        rule="Replicas for the users at the per-user speed and first-token targets.",
        formula="ceil(users × (1 + headroom) / users per replica) × TP",
        source=SRC_INF,
        inputs={
            "users_with_headroom": users,
            "users_per_replica": best[2].max_batch(),
            "tp": best[1],
        },
    )
    return best[0], best[2]


def _capacity_choice(options: list[ReplicaModel], gpus: int) -> ReplicaModel:
    scored = [
        (rm.max_batch() * (gpus // rm.tp), -rm.tp, rm) for rm in options if gpus // rm.tp >= 1
    ]
    fitting = [s for s in scored if s[2].memory_batch >= 1]
    if not fitting:
        raise SizingInputError.single(
            "nodes", "no tensor-parallel group of this cluster holds the model"
        )
    best = max(fitting, key=lambda s: (s[0], s[1]))
    return best[2]


def inference_figures(
    w: Workload,
    model: LlmModel,
    gpu: Gpu,
    gpn: int,
    active_gpus: int,
    ex: Explainer,
    chosen: ReplicaModel | None,
) -> GpuPlan:
    """What the cluster achieves: replicas, speed, TTFT and maximum users at the targets."""
    assert w.inference is not None
    options = replica_models(w, model, gpu, gpn)
    if chosen is None:
        if all(rm.memory_batch < 1 for rm in options):
            raise _no_fit_error(w, model, gpu, options)
        chosen = _capacity_choice(options, active_gpus)
    replicas = active_gpus // chosen.tp
    per_replica = chosen.max_batch()
    max_users = replicas * per_replica
    users = w.inference.concurrent_users or max(max_users, replicas)
    load = min(math.ceil(users / replicas), chosen.memory_batch)
    served = min(users, replicas * chosen.memory_batch)
    rate = chosen.user_rate(load)
    figures = _inference_dict(chosen, replicas, per_replica, max_users, users, load, served, rate)
    _explain_inference(ex, chosen, replicas, load, rate, max_users)
    return GpuPlan(
        active_gpus,
        chosen.tp,
        None,
        figures,
        _inference_memory(chosen, load),
        _inference_warnings(chosen, users, max_users),
    )


def _inference_dict(
    rm: ReplicaModel,
    replicas: int,
    per_replica: int,
    max_users: int,
    users: int,
    load: int,
    served: int,
    rate: float,
) -> dict[str, Any]:
    return {
        "tensor_parallel": rm.tp,
        "replicas": replicas,
        "concurrent_users": users,
        "users_per_replica": load,
        "max_users_per_replica": per_replica,
        "output_tokens_per_s": round(served * rate, 1),
        "tokens_per_s_per_user": round(rate, 2),
        "ttft_s": round(rm.ttft_s(load), 4),
        "max_concurrent_users": max_users,
        "per_replica_output_tokens_per_s": round(load * rate, 1),
        "decode_step_ms": round(rm.step_s(load) * 1000, 3),
        "prefill_ms": round(rm.prefill_s() * 1000, 3),
        "kv_cache_precision": rm.kv_precision,
        "memory_batch_limit": rm.memory_batch,
        "targets": {
            "tokens_per_s_per_user": rm.spec.target_tokens_per_s_per_user,
            "ttft_s": rm.spec.target_ttft_s,
        },
        "meets_targets": rm.meets(load) and users <= max_users,
    }


def _inference_memory(rm: ReplicaModel, load: int) -> dict[str, float]:
    weights = rm.weights_bytes / GB
    kv = rm.kv_bytes_per_sequence * load / GB
    return {
        "gpu_memory_gb": rm.gpu.memory_gb,
        "usable_gb_per_gpu": round(rm.usable_bytes / rm.tp / GB, 2),
        "weights_gb": round(weights, 2),
        "weights_per_gpu_gb": round(weights / rm.tp, 2),
        "kv_cache_gb": round(kv, 2),
        "kv_cache_per_gpu_gb": round(kv / rm.tp, 2),
        "kv_bytes_per_token": rm.kv_bytes_per_token,
        "workspace_gb_per_gpu": rm.assumptions.inference_workspace_gb,
        "total_per_gpu_gb": round(
            (weights + kv) / rm.tp + rm.assumptions.inference_workspace_gb, 2
        ),
    }


def _inference_warnings(rm: ReplicaModel, users: int, max_users: int) -> tuple[str, ...]:
    out = []
    if rm.tp > max(rm.gpu.link_domain, 1):
        out.append(
            f"Tensor parallel {rm.tp} crosses PCIe: {rm.gpu.name} links only "
            f"{rm.gpu.link_domain} GPU(s)."
        )
    if users > max_users:
        out.append(f"{users} users exceed the {max_users} this cluster serves at the targets.")
    return tuple(out)


def _explain_inference(
    ex: Explainer, rm: ReplicaModel, replicas: int, load: int, rate: float, max_users: int
) -> None:
    a = rm.assumptions
    ex.add(
        "memory.weights_gb",
        round(rm.weights_bytes / GB, 2),
        "GB",
        rule="Model weights at the serving precision.",
        formula="N × bytes(precision)",
        source="sizing-model §5",
        inputs={"params_b": rm.model.params_b, "bytes_per_param": bytes_per_param(rm.precision, a)},
    )
    ex.add(
        "memory.kv_bytes_per_token",
        rm.kv_bytes_per_token,
        "bytes",
        rule="KV cache per token.",
        formula="2 × layers × kv_heads × head_dim × bytes",
        source="sizing-model §5",
        inputs={
            "layers": rm.model.layers,
            "kv_heads": rm.model.kv_heads,
            "head_dim": rm.model.head_dim,
        },
    )
    ex.add(
        "inference.tensor_parallel",
        rm.tp,
        "GPUs",
        rule="TP degree giving the most users at the targets (fewest GPUs).",
        formula="argmin over TP of ceil(users / users_per_replica(TP)) × TP",
        source=SRC_INF,
        inputs={"memory_batch_limit": rm.memory_batch},
    )
    ex.add(
        "inference.ttft_s",
        round(rm.ttft_s(load), 4),
        "s",
        rule="Prefill is compute-bound.",
        formula="2·N_active·prompt / (TP × peak × eff_compute) + one decode step",
        source=SRC_INF,
        inputs={"prompt_tokens": rm.spec.prompt_tokens, "eff_compute": a.eff_compute},
    )
    ex.add(
        "inference.tokens_per_s_per_user",
        round(rate, 2),
        "tokens/s",
        rule="Decode is memory-bound at small batch; each cycle also runs the other "
        "users' prefills.",
        formula="output / (B × prefill + output × "
        "max(bytes/(TP·BW·eff_mem), B·2N/(TP·peak·eff_compute)))",
        source=SRC_INF,
        inputs={"batch": load, "eff_mem": a.eff_mem, "output_tokens": rm.spec.output_tokens},
    )
    ex.add(
        "inference.max_concurrent_users",
        max_users,
        "users",
        rule="Replicas × largest batch meeting the targets.",
        formula="replicas × max B with rate(B) >= target and TTFT(B) <= target",
        source=SRC_INF,
        inputs={"replicas": replicas, "max_users_per_replica": rm.max_batch()},
    )
