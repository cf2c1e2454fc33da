"""Everything fixed before a training layout is chosen: the model's shape, the GPU's links and
efficiencies, and the visible assumptions of the step model (overlap, batch bound)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..catalog import Gpu, LlmModel
from ..errors import SizingInputError
from ..hardware import (
    BYTES_PER_PARAM,
    GpuEfficiency,
    LinkParams,
    efficiency,
    peak_flops,
)
from ..spec import Assumptions, TrainingInput

# What the search tries when the workload leaves recompute open. "none" (asked for) keeps 1.5x
# the activations of "selective" to save only selective's rebuild, the norms' and the gated
# product's memory traffic (under 1 % of a step in the calibration runs), and costing it
# beside selective doubled the search; so the search tries selective and full.
RECOMPUTES = ("selective", "full")


@dataclass(frozen=True, kw_only=True)
class Knobs:
    """Assumptions of the step model, each with a default from a cited source (docs)."""

    global_batch_tokens: float = 16 * 1024 * 1024  # Llama 3 405B's final batch (16M tokens)
    tp_exposed: float = 0.25  # share of TP collectives not hidden behind GEMMs
    dp_exposed: float = 0.1  # share of DP collectives left exposed even when a window hides it
    ep_exposed: float = 0.7  # share of expert all-to-all not overlapped
    pp_exposed: float = 1.0  # share of pipeline sends not overlapped
    overlap_tax: float = 0.1  # compute lost per second of communication hidden behind it
    grad_reduce_bytes: float = 4.0  # fp32 gradient reduce-scatter (Llama 3 paper)
    elementwise_passes: float = 6.0  # activation bytes moved per stored byte, fwd + bwd
    gemm_half_width: float = 96.0  # GEMM width (hidden ÷ TP) at which matmul efficiency halves
    gemm_half_tokens: float = 48.0  # tokens per micro-batch at which matmul efficiency halves
    optimizer_bytes_per_param: float = 32.0  # Adam step: read/write fp32 master, m, v, grads
    max_micro_batch: int = 16
    # bytes moved per attention-score element, forward + backward, by an unfused attention
    # that materialises the s x s scores in HBM (Megatron-LM before flash attention: 32,
    # derived in tests/sizing_engine/calibration_heldout.py UNFUSED); 0, the default: fused
    # (flash) attention keeps no score matrix, as every stack the engine sizes for today
    score_bytes: float = 0.0


@dataclass(frozen=True, kw_only=True)
class Shape:
    """Parameter split of the model needed by the step model (billions → counts)."""

    layers: int
    hidden: int
    heads: int
    kv_dim: int
    ffn: int
    vocab: int
    params: float
    active: float
    experts: int
    top_k: int
    dense_per_layer: float  # attention + router (+ dense MLP) parameters of one layer
    expert_per_layer: float  # parameters of one expert in one layer
    head_params: float  # output projection (V × h)

    @property
    def moe(self) -> bool:
        """A mixture of experts (more experts than are active)."""
        return self.experts > 1 and self.top_k < self.experts

    @property
    def expert_params(self) -> float:
        """All expert parameters of the model."""
        return self.expert_per_layer * self.experts * self.layers if self.moe else 0.0

    @property
    def dense_params(self) -> float:
        """Parameters that are not experts (embeddings included)."""
        return self.params - self.expert_params


def shape_of(m: LlmModel) -> Shape:
    """Split the parameter count into dense, expert and head parts from the totals."""
    n, act = m.params_b * 1e9, m.active_params_b * 1e9
    h, v = m.hidden_size, m.vocab_size
    kv_dim = int(m.kv_heads * m.head_dim)
    moe = m.experts > 1 and m.experts_per_token < m.experts
    embed = 2.0 * v * h
    if moe:
        e1 = max(0.0, (n - act) / ((m.experts - m.experts_per_token) * m.layers))
    else:
        e1 = 0.0
    body_active = max(act - embed, act * 0.5)
    dense = max(body_active - m.experts_per_token * e1 * m.layers, 0.0) / m.layers
    return Shape(
        layers=m.layers,
        hidden=h,
        heads=m.heads,
        kv_dim=kv_dim,
        ffn=m.ffn_size,
        vocab=v,
        params=n,
        active=act,
        experts=m.experts,
        top_k=m.experts_per_token,
        dense_per_layer=dense,
        expert_per_layer=e1,
        head_params=float(v * h),
    )


@dataclass(frozen=True, kw_only=True)
class TrainingSetup:
    """A training run on one GPU model and fabric before the layout is chosen."""

    kind: str
    model: LlmModel
    gpu: Gpu
    precision: str
    spec: TrainingInput
    seq: int
    lora_params: float
    assumptions: Assumptions
    fabric: str = "infiniband"
    gpus_per_node: int = 8
    links: LinkParams = field(default_factory=LinkParams)
    eff: GpuEfficiency | None = None
    knobs: Knobs = field(default_factory=Knobs)
    shape: Shape | None = None
    # per-setup memo (the search context and its caches); fresh on every copy (init=False)
    memo: dict[str, Any] = field(default_factory=dict, init=False, compare=False, repr=False)

    @property
    def s(self) -> Shape:
        """The model's parameter split."""
        assert self.shape is not None
        return self.shape

    @property
    def e(self) -> GpuEfficiency:
        """The GPU's efficiencies."""
        assert self.eff is not None
        return self.eff

    @property
    def lora(self) -> bool:
        """LoRA or QLoRA: frozen base weights, trainable adapters."""
        return self.kind in ("lora", "qlora")

    @property
    def peak(self) -> float:
        """Dense peak FLOP/s at the training precision."""
        return peak_flops(self.gpu, self.precision) or 0.0

    @property
    def matmul_eff(self) -> float:
        """Achievable fraction of the peak for large GEMMs at this precision."""
        return self.e.fp8_matmul if self.precision == "fp8" else self.e.matmul

    @property
    def weight_bytes(self) -> float:
        """Bytes of one frozen base weight (LoRA at the precision; QLoRA NF4)."""
        if self.kind == "qlora":
            return self.assumptions.qlora_bytes_per_param
        return BYTES_PER_PARAM.get(self.precision, 2.0)

    @property
    def global_batch(self) -> int:
        """Largest global batch in sequences (given, or the token bound ÷ sequence)."""
        if self.spec.global_batch_size:
            return self.spec.global_batch_size
        return max(1, int(self.knobs.global_batch_tokens // self.seq))


def lora_parameters(model: LlmModel, rank: int) -> float:
    """LoRA parameters on every linear layer: rank × (in + out) per adapted matrix."""
    h, kv = model.hidden_size, model.kv_heads * model.head_dim
    attn = 2 * (h + h) + 2 * (h + kv)
    mlp = 3 * (h + model.ffn_size) * model.experts
    return float(model.layers * rank * (attn + mlp))


def setup(
    kind: str,
    model: LlmModel,
    gpu: Gpu,
    precision: str,
    spec: TrainingInput,
    a: Assumptions,
    *,
    fabric: str = "infiniband",
    gpus_per_node: int = 8,
    links: LinkParams | None = None,
    eff: GpuEfficiency | None = None,
    knobs: Knobs | None = None,
) -> TrainingSetup:
    """Fix sequence length, LoRA size, links and efficiencies for a training run."""
    if peak_flops(gpu, precision) is None:
        raise SizingInputError.single("precision", f"{gpu.name} has no {precision} tensor cores")
    seq = spec.sequence_length or min(model.context_length, 4096)
    lora = lora_parameters(model, spec.lora_rank) if kind in ("lora", "qlora") else 0.0
    lp = links or LinkParams(
        nvlink_efficiency=a.nvlink_efficiency,
        nvlink_latency_us=a.nvlink_latency_us,
        pcie_p2p_gbps=a.pcie_p2p_gbps,
        pcie_latency_us=a.pcie_latency_us,
        fabric_gbps_per_gpu=a.fabric_gbps_per_gpu,
        infiniband_efficiency=a.infiniband_efficiency,
        infiniband_latency_us=a.infiniband_latency_us,
        ethernet_efficiency=a.ethernet_efficiency,
        ethernet_latency_us=a.ethernet_latency_us,
    )
    base = eff or efficiency(gpu)
    scaled = GpuEfficiency(
        min(1.0, base.matmul * a.matmul_efficiency_factor),
        min(1.0, base.attention * a.attention_efficiency_factor),
        min(1.0, base.memory * a.memory_efficiency_factor),
        a.moe_gemm_efficiency,
        min(1.0, base.fp8_matmul * a.matmul_efficiency_factor),
        base.source,
    )
    kn = knobs or Knobs(
        global_batch_tokens=a.global_batch_tokens,
        tp_exposed=a.tp_exposed_fraction,
        dp_exposed=a.dp_exposed_fraction,
        ep_exposed=a.ep_exposed_fraction,
        overlap_tax=a.overlap_compute_tax,
        grad_reduce_bytes=a.grad_reduce_bytes,
    )
    return TrainingSetup(
        kind=kind,
        model=model,
        gpu=gpu,
        precision=precision,
        spec=spec,
        seq=seq,
        lora_params=lora,
        assumptions=a,
        fabric=fabric,
        gpus_per_node=gpus_per_node,
        links=lp,
        eff=scaled,
        knobs=kn,
        shape=shape_of(model),
    )
