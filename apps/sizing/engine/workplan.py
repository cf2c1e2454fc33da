"""GPU plan: turn training or inference requirements into GPU counts and performance figures."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from . import serving as sv
from . import training as tr
from .catalog import Gpu, LlmModel
from .explain import Explainer
from .serving import report
from .workload import Workload

SRC_FLOPS = "Training step model (docs/sizing-engine.md 'Step time'); sizing-model §5"
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
    w: Workload,
    model: LlmModel,
    gpu: Gpu,
    gpn: int,
    ex: Explainer,
    shared: dict[str, Any] | None = None,
) -> tuple[int, tr.TrainingSetup]:
    """Fewest GPUs (whole nodes) whose best layout meets the deadline (size mode).

    ``shared``: one automatic sizing's notes across its GPU × fabric candidates; an
    Ethernet candidate starts from the InfiniBand answer on the same GPU when its links are
    no faster (tr.no_slower: no layout is faster on it, so no smaller count can meet); the
    other GPUs' candidates share the first one's GPU-independent tables (tr.share_model)
    and first decide the count where the previous GPU's answer layout on the same fabric,
    re-shaped, meets (``guess_from``: it changes the counts searched, not the answer)."""
    assert w.training is not None and w.training.target_days is not None
    s = training_setup(w, model, gpu, gpn)
    key = f"training required {gpu.slug}"
    prior = None if shared is None else shared.get(key)
    faster = guess_from = None
    if prior is not None and tr.no_slower(prior[0], s):
        faster = tr.Faster(prior[1].gpus // gpn, prior[1].best.layout, prior[0], prior[2])
    elif shared is not None:
        first = shared.setdefault("training model", s)
        if first is not s and tr.share_model(s, first):
            guess_from = shared.get(f"training answer {s.fabric}")
    best, evaluations, need = tr.required(s, w.training.target_days, faster, guess_from)
    if shared is not None:
        shared[f"training answer {s.fabric}"] = best.best.layout  # the next GPU's guess
        if s.fabric == "infiniband":
            shared[key] = (s, best, need)
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
    return training_plan(s, training_outcome(s, active_gpus, field), ex)


def training_outcome(
    s: tr.TrainingSetup, active_gpus: int, field: str, best_only: bool = False
) -> tr.TrainingOutcome:
    """The layout searched on ``active_gpus`` GPUs (a refusal naming ``field`` and a lever
    when no layout fits; ``best_only``: its best alone, without runners-up, tr.outcome)."""
    o = tr.outcome(s, active_gpus, best_only=best_only)
    if o is None:
        raise tr.refusal(s, active_gpus, field)
    return o


def training_brief(o: tr.TrainingOutcome) -> dict[str, Any]:
    """The figures of a training plan an automatic sizing shows for every candidate."""
    from .training import report

    return report.brief(o)


def training_plan(s: tr.TrainingSetup, o: tr.TrainingOutcome, ex: Explainer) -> GpuPlan:
    """The training plan of a searched layout, explained."""
    from .training import report

    report.explain(ex, s, o)
    return GpuPlan(
        o.gpus,
        o.best.layout.tp,
        report.figures(s, o),
        None,
        report.memory_dict(s, o),
        report.warnings(s, o),
    )


# ----------------------------------------------------------------------------- inference
# The serving model lives in engine/serving/; these two functions adapt it to the GPU plan.


def _serving_setup(w: Workload, model: LlmModel, gpu: Gpu) -> sv.ServingSetup:
    assert w.inference is not None
    fabric = "infiniband" if w.fabric == "auto" else w.fabric
    return sv.setup_for(model, gpu, w.precision, w.inference, w.assumptions, fabric)


def inference_required(
    w: Workload, model: LlmModel, gpu: Gpu, gpn: int, ex: Explainer
) -> tuple[int, sv.Choice]:
    """Fewest GPUs serving the users at the targets: replicas × GPUs per replica."""
    assert w.inference is not None and w.inference.concurrent_users is not None
    users = math.ceil(w.inference.concurrent_users * (1 + w.growth_headroom_pct / 100) - 1e-9)
    choice = sv.choose_for_users(_serving_setup(w, model, gpu), gpn, users)
    gpus = choice.replicas * choice.replica.layout.gpus
    ex.add(
        "required_gpus",
        gpus,
        "GPUs",
        rule="Replicas for the users at the per-user speed and first-token targets.",
        formula="ceil(users × (1 + headroom) / users per replica) × GPUs per replica",
        source=SRC_INF,
        inputs={
            "users_with_headroom": users,
            "users_per_replica": choice.batch,
            "gpus_per_replica": choice.replica.layout.gpus,
            "layout": choice.replica.layout.label(),
        },
    )
    return gpus, choice


def inference_figures(
    w: Workload,
    model: LlmModel,
    gpu: Gpu,
    gpn: int,
    active_gpus: int,
    ex: Explainer,
    chosen: sv.Choice | None,
) -> GpuPlan:
    """What the cluster achieves: replicas, speed, TTFT and maximum users at the targets."""
    assert w.inference is not None
    if chosen is None:
        chosen = sv.choose_for_gpus(_serving_setup(w, model, gpu), gpn, active_gpus)
    lay = chosen.replica.layout
    replicas = max(1, active_gpus // lay.gpus)
    figures = report.figures(chosen, replicas, w.inference.concurrent_users)
    memory = report.memory(chosen.replica, figures["users_per_replica"])
    report.explain(ex, chosen, replicas, figures, memory)
    return GpuPlan(
        active_gpus,
        lay.tp,
        None,
        figures,
        memory,
        report.warnings(
            chosen.replica, figures["concurrent_users"], figures["max_concurrent_users"]
        ),
    )
