"""Training requirements: memory per GPU, parallel layout, FLOPs, GPU-hours and days.

Sources: ZeRO (Rajbhandari et al. 2020) for sharded model states; Korthikanti et al. 2022
(Table 2) for activation memory; Kaplan et al. 2020 / Chinchilla for 6·N·D FLOPs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .catalog import Gpu, LlmModel
from .errors import SizingInputError
from .hardware import GB, peak_flops, tp_candidates
from .workload import Assumptions, TrainingInput

ZERO_SPLIT = {0: (16.0, 0.0), 1: (4.0, 12.0), 2: (2.0, 14.0), 3: (0.0, 16.0)}
ACT_FACTOR = {"selective": 34.0, "full": 2.0}


@dataclass(frozen=True)
class Layout:
    """Tensor × pipeline × data parallel layout."""

    tp: int
    pp: int
    dp: int

    @property
    def gpus(self) -> int:
        """GPUs used by the layout."""
        return self.tp * self.pp * self.dp


@dataclass(frozen=True)
class TrainingMemory:
    """Memory per GPU of a layout, GB."""

    model_states_gb: float
    activations_gb: float
    logits_gb: float
    overhead_gb: float
    usable_gb: float

    @property
    def total_gb(self) -> float:
        """Sum of the parts."""
        return self.model_states_gb + self.activations_gb + self.logits_gb + self.overhead_gb


@dataclass(frozen=True)
class TrainingSetup:
    """Everything fixed before the GPU count is known."""

    kind: str
    model: LlmModel
    gpu: Gpu
    precision: str
    spec: TrainingInput
    seq: int
    lora_params: float
    assumptions: Assumptions


@dataclass(frozen=True)
class TrainingCompute:
    """FLOPs, efficiency and GPU time of a training run."""

    tokens: float
    flops_per_token: float
    flops: float
    peak_flops: float
    mfu: float
    goodput: float
    gpu_seconds: float
    tokens_per_s_per_gpu: float

    @property
    def gpu_hours(self) -> float:
        """GPU-hours including goodput losses."""
        return self.gpu_seconds / 3600


def lora_parameters(model: LlmModel, rank: int) -> float:
    """LoRA parameters on every linear layer: rank × (in + out) per adapted matrix."""
    h, kv = model.hidden_size, model.kv_heads * model.head_dim
    attn = 2 * (h + h) + 2 * (h + kv)
    mlp = 3 * (h + model.ffn_size) * model.experts
    return float(model.layers * rank * (attn + mlp))


def setup(
    kind: str, model: LlmModel, gpu: Gpu, precision: str, spec: TrainingInput, a: Assumptions
) -> TrainingSetup:
    """Fix sequence length and LoRA size for a training run."""
    seq = spec.sequence_length or min(model.context_length, 4096)
    lora = lora_parameters(model, spec.lora_rank) if kind in ("lora", "qlora") else 0.0
    return TrainingSetup(kind, model, gpu, precision, spec, seq, lora, a)


def _state_terms(s: TrainingSetup, mp: int) -> tuple[float, float]:
    """Model-state bytes per GPU as A + B/dp for model parallel size mp."""
    n = s.model.params_b * 1e9 / mp
    fixed, sharded = ZERO_SPLIT[s.spec.zero_stage]
    if s.kind in ("pretraining", "full_finetune"):
        return fixed * n, sharded * n
    frozen = (2.0 if s.kind == "lora" else s.assumptions.qlora_bytes_per_param) * n
    lora = 16.0 * s.lora_params / mp
    return (0.0, frozen + lora) if s.spec.zero_stage == 3 else (frozen + lora, 0.0)


def _activation_bytes(s: TrainingSetup, tp: int) -> float:
    m, b, seq = s.model, s.spec.micro_batch_size, s.seq
    factor = ACT_FACTOR.get(s.spec.recompute, 34.0 + 5.0 * m.heads * seq / m.hidden_size)
    return m.layers * seq * b * m.hidden_size * factor / tp


def memory(s: TrainingSetup, layout: Layout) -> TrainingMemory:
    """Memory per GPU of a layout (activations for 1F1B: L layers' worth on the first stage)."""
    fixed, sharded = _state_terms(s, layout.tp * layout.pp)
    logits = 4.0 * s.seq * s.spec.micro_batch_size * s.model.vocab_size / layout.tp
    return TrainingMemory(
        (fixed + sharded / layout.dp) / GB,
        _activation_bytes(s, layout.tp) / GB,
        logits / GB,
        s.assumptions.framework_overhead_gb,
        s.gpu.memory_gb * s.assumptions.usable_memory_fraction,
    )


def _min_dp(s: TrainingSetup, tp: int, pp: int) -> int | None:
    fixed, sharded = _state_terms(s, tp * pp)
    rest = memory(s, Layout(tp, pp, 1))
    room = (
        rest.usable_gb * GB - fixed - (rest.activations_gb + rest.logits_gb + rest.overhead_gb) * GB
    )
    if room <= 0:
        return None
    return max(1, math.ceil(sharded / room - 1e-9)) if sharded else 1


def _pp_candidates(layers: int) -> list[int]:
    return [p for p in range(1, layers + 1) if layers % p == 0]


def candidates(s: TrainingSetup, gpus_per_node: int) -> list[tuple[int, int, int]]:
    """Feasible (tp, pp, min dp), preferring TP inside the GPU link domain, then fewer GPUs."""
    out = []
    for tp in tp_candidates(s.model.heads, gpus_per_node):
        for pp in _pp_candidates(s.model.layers):
            dp = _min_dp(s, tp, pp)
            if dp is not None:
                out.append((tp, pp, dp))
    return sorted(out, key=lambda c: (c[0] > max(s.gpu.link_domain, 1), c[0] * c[1], c[0]))


def min_gpus_for_memory(s: TrainingSetup, gpus_per_node: int) -> int:
    """Fewest GPUs that hold the model states and activations; raise if none can."""
    options = candidates(s, gpus_per_node)
    if not options:
        raise SizingInputError.single(
            "model",
            f"{s.model.name} does not fit {s.gpu.name} for {s.kind} at any TP within a "
            f"node and any pipeline depth (try zero_stage 3, full recompute or qlora)",
        )
    return min(tp * pp * dp for tp, pp, dp in options)


def choose_layout(s: TrainingSetup, gpus: int, gpus_per_node: int) -> Layout | None:
    """The preferred layout that fits on ``gpus`` GPUs, or None."""
    for tp, pp, dp_min in candidates(s, gpus_per_node):
        dp = gpus // (tp * pp)
        if dp >= dp_min:
            return Layout(tp, pp, dp)
    return None


def mfu(s: TrainingSetup, tp: int) -> float:
    """Model FLOPs utilisation by GPU link, reduced when TP crosses PCIe or for FP8."""
    a = s.assumptions
    base = {"nvswitch": a.mfu_nvswitch, "nvlink_bridge": a.mfu_nvlink_bridge}.get(
        s.gpu.link, a.mfu_pcie
    )
    if tp > max(s.gpu.link_domain, 1):
        base *= 0.8
    return base * (a.fp8_mfu_factor if s.precision == "fp8" else 1.0)


def compute(s: TrainingSetup, tp: int) -> TrainingCompute:
    """FLOPs, GPU-seconds and per-GPU throughput of the run."""
    a, m = s.assumptions, s.model
    per_param = (
        a.lora_flops_per_param_token
        if s.kind in ("lora", "qlora")
        else a.training_flops_per_param_token
    )
    if s.spec.recompute == "full":
        per_param += a.full_recompute_flops_per_param_token - a.training_flops_per_param_token
    tokens = s.spec.tokens * s.spec.epochs
    per_token = per_param * m.active_params_b * 1e9
    peak = peak_flops(s.gpu, s.precision)
    if peak is None:
        raise SizingInputError.single(
            "precision", f"{s.gpu.name} has no {s.precision} tensor cores"
        )
    util = mfu(s, tp)
    seconds = tokens * per_token / (peak * util * a.goodput)
    return TrainingCompute(
        tokens,
        per_token,
        tokens * per_token,
        peak,
        util,
        a.goodput,
        seconds,
        peak * util / per_token,
    )
