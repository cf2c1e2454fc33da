"""One serving replica: its memory and its step model (sizing-model §5, Pope et al. 2022).
(Over 400 lines: memory, decode and prefill share one setup and the per-layout constants, and
read best together.)

Memory per GPU = weights on that GPU (non-expert share over TP × PP, experts over every GPU)
+ KV cache of the running sequences (K and V per KV head, or MLA's latent; windowed layers keep
their window; TP shards KV heads, MLA's latent is repeated on each TP rank) + activations of one
prefill chunk + workspace.

Decode: every step each GPU reads its weights — for MoE only the experts the batch's tokens
touch, 1 − (1 − k/E)^tokens of them — and the KV of its sequences' live context, and does the
matching FLOPs; the step takes the longer of the two plus the TP all-reduces, the expert
all-to-alls and a fixed per-step overhead. With P pipeline stages the batch runs as P
micro-batches, so a token takes P stage times plus P − 1 hops between stages.

Prefill of a prompt of p tokens: 2·N_active·p + causal attention 2·L·heads·(d_qk + d_v)·p²/2
FLOPs (windowed layers: p·window) in chunks of C tokens (chunked prefill); the chunks pipeline
over the stages. Time to first token = prefill + the decode step each chunk rides with.
Per-user speed with B users: output ÷ (output × step(B) + B × prefill work per prompt).
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .. import collectives as coll
from .. import frozen
from ..catalog import Gpu, LlmModel
from ..collectives import Link
from ..hardware import GB, LinkParams, bytes_per_param, device_memory_bytes, peak_flops
from ..models.arch import ModelArch
from ..once import cached_property
from ..spec import Assumptions, InferenceInput
from .layout import Layout, ep_link, pp_link, tp_link

ACT_BYTES = 2.0  # bf16 activations between layers and in collectives
# Bytes per weight of what quantized checkpoints leave at 16 bits (embeddings, output head,
# vision tower): NVIDIA's FP8 model cards, "only the weights and activations of the linear
# operators within transformer blocks are quantized" (docs/sizing-engine.md, serving memory).
UNQUANTIZED_BYTES = 2.0
ACTIVATION_BUFFERS = 4  # hidden-sized buffers of a prefill chunk alive at once
KEPT_SETUPS = 256  # load-free serving setups whose layout constants are kept (``_kept``)
# A kept miss rules out a longer prompt when its rate is below the target by more than this
# relative rounding (each rate is a few dozen roundings: ~1e-14 apart where equal in exact
# arithmetic).
MARGIN = 1 - 1e-9
KEPT_STEPS = 1024  # batches whose load-free decode step a kept layout keeps (``_step_free``)


@dataclass(frozen=True)
class ServingSetup:
    """Everything fixed for a sizing: model, GPU, precisions, workload and assumptions."""

    model: LlmModel
    gpu: Gpu
    precision: str
    kv_precision: str
    spec: InferenceInput
    assumptions: Assumptions
    fabric: str

    @cached_property
    def arch(self) -> ModelArch:
        """The model's architecture."""
        return self.model.architecture

    @cached_property
    def scale(self) -> float:
        """Declared parameters ÷ parameters counted from the architecture (1 for a config)."""
        counted = self.arch.total_params()
        return self.model.params_b * 1e9 / counted if counted > 0 else 1.0

    @cached_property
    def bytes_per_weight(self) -> float:
        """Bytes per weight at the serving precision."""
        return bytes_per_param(self.precision, self.assumptions)

    def weights_at(self, precision: str) -> float:
        """All weights at ``precision``: the linear layers of the transformer blocks at its
        bytes per weight, the embeddings, the output head and a vision tower at 16 bits
        whenever it is narrower (quantized checkpoints leave them unquantized)."""
        per_weight = bytes_per_param(precision, self.assumptions)
        kept = (self.arch.embedding_params + self.arch.vision_params) * self.scale
        total = self.model.params_b * 1e9
        return (total - kept) * per_weight + kept * max(per_weight, UNQUANTIZED_BYTES)

    @cached_property
    def weights_bytes(self) -> float:
        """All weights at the serving precision (``weights_at``)."""
        return self.weights_at(self.precision)

    @cached_property
    def expert_bytes(self) -> float:
        """Routed-expert weights (spread over every GPU of a replica)."""
        return self.arch.routed_expert_params * self.scale * self.bytes_per_weight

    @cached_property
    def flops_params(self) -> float:
        """Weights one token multiplies (2 FLOPs each), without the embedding lookup."""
        return self.arch.active_params() * self.scale

    @cached_property
    def expert_active_params(self) -> float:
        """The routed-expert part of ``flops_params``."""
        a = self.arch
        return a.moe_layers * min(a.experts_per_token, a.experts) * a.expert_params * self.scale

    @cached_property
    def kv_bytes_per_value(self) -> float:
        """Bytes per cached value at the KV precision."""
        return bytes_per_param(self.kv_precision, self.assumptions)

    def kv_bytes(self, tokens: float) -> float:
        """KV cache of one sequence of ``tokens`` (all layers, whole model); kept per token
        count (every layout asks for the same few)."""
        kept: dict[float, float] = self.__dict__.setdefault("_kv_bytes", {})
        value = kept.get(tokens)
        if value is None:
            value = kept[tokens] = self.arch.kv_elements(tokens) * self.kv_bytes_per_value
        return value

    def link(self, kind: str, gpus: int, build: Callable[[], Link]) -> Link:
        """The link ``build`` makes for ``kind`` over ``gpus`` GPUs, made once per sizing (the
        layouts of one TP degree share their TP link)."""
        kept: dict[tuple[str, int], Link] = self.__dict__.setdefault("_links", {})
        key = (kind, gpus)
        value = kept.get(key)
        if value is None:
            value = kept[key] = build()
        return value

    @cached_property
    def kept(self) -> _Kept:
        """What the setup's layouts keep across sizings (``_kept``)."""
        return _kept(self)

    @cached_property
    def k(self) -> _SetupConstants:
        """What every layout's memory, decode and prefill read, computed once per sizing (its
        load-free part once per kept setup: ``_load_free``)."""
        a, spec = self.arch, self.spec
        free = self.kept.setup
        if free is None:
            free = self.kept.setup = self._load_free()
        ctx = spec.prompt_tokens + spec.output_tokens / 2
        p = spec.prompt_tokens
        chunk = self.chunk
        c = min(chunk, p)
        kv_bytes = self.arch.kv_elements  # ``kv_bytes`` of two token counts, without the memo
        kv_value = free["kv_bytes_per_value"]
        # _SetupConstants(**free, ...) without the dataclass __init__'s 29 keyword arguments
        return frozen.build(
            _SetupConstants,
            free
            | {
                "kv_ctx": kv_bytes(ctx) * kv_value,
                "attn_flops": a.decode_attention_flops(ctx),
                "prompt": p,
                "chunks": max(1, math.ceil(p / chunk)),
                "prefill_dense": free["dense_flops"] * p,  # 2 × (active − routed active) × p
                "prefill_attention": a.prefill_attention_flops(p),
                "prefill_experts": free["expert_flops"] * p,
                "sequence_tokens": spec.prompt_tokens + spec.output_tokens,
                "chunk_tokens": c,
                "hidden_activations": ACTIVATION_BUFFERS * c * a.hidden_size * ACT_BYTES,
                "mlp_activations": 2 * c * self.kept.ffn,
                "kv_sequence": kv_bytes(spec.prompt_tokens + spec.output_tokens) * kv_value,
            },
        )

    def _load_free(self) -> dict[str, Any]:
        """The fields of ``k`` that read neither the load nor the prompt: model, GPU,
        precisions and assumptions alone (kept with the layouts, ``ServingSetup.kept``)."""
        a, eff = self.arch, self.assumptions
        kk = min(a.experts_per_token, a.experts)
        peak = self.peak * eff.eff_compute
        self.kept.ffn = max(
            a.ffn_size if a.dense_mlp_layers else 0, a.experts_per_token * a.expert_ffn
        )
        return {
            "hidden": a.hidden_size,
            "moe_layers": a.moe_layers,
            "experts_per_token": kk,
            "untouched": (1 - kk / a.experts) if a.is_moe else None,
            "mem_bytes_per_s": self.gpu.memory_bandwidth_gbps * GB,
            "mem_rate": self.gpu.memory_bandwidth_gbps * GB * eff.eff_mem,
            "dense_flops": 2 * (self.flops_params - self.expert_active_params),
            "expert_flops": 2 * self.expert_active_params,
            "peak": peak,
            "moe_peak": peak * eff.moe_compute_efficiency,
            "overhead_us": eff.decode_step_overhead_us,
            "per_sequence_us": eff.decode_overhead_per_sequence_us,
            "logits": 4.0 * a.vocab_size,
            "usable_per_gpu": device_memory_bytes(self.gpu) * eff.usable_memory_fraction,
            "workspace_per_gpu": eff.inference_workspace_gb * GB,
            "mla": a.is_mla,
            "kv_heads": a.kv_heads,
            "kv_bytes_per_value": self.kv_bytes_per_value,
        }

    @cached_property
    def peak(self) -> float:
        """Dense peak FLOP/s of one GPU at the compute precision."""
        return peak_flops(self.gpu, self.precision) or 0.0

    @cached_property
    def links(self) -> LinkParams:
        """GPU-link and fabric parameters from the assumptions."""
        a = self.assumptions
        return LinkParams(pcie_p2p_gbps=a.pcie_p2p_gbps, fabric_gbps_per_gpu=a.fabric_gbps_per_gpu)

    @cached_property
    def chunk(self) -> int:
        """Prefill chunk in tokens (input, else assumption)."""
        return self.spec.prefill_chunk_tokens or self.assumptions.prefill_chunk_tokens


class _Kept:
    """A replica's load-free quantities, kept per layout for every sizing of one model, GPU,
    precision, KV precision, assumptions and fabric (issue 16: the API's distinct workloads
    size the same model on the same node for another prompt length, and a layout's links,
    weights per GPU and decode constants were two fifths of its serving search). Read-only
    once stored, but for the two search hints (``batches``, ``served``): where the last sizing's
    batch searches ended, which only choose where a search probes first, never its answer."""

    __slots__ = (
        "owners",
        "setup",
        "ffn",
        "constants",
        "weights",
        "rooms",
        "report",
        "batches",
        "served",
        "misses",
        "memory",
    )

    def __init__(self, owners: tuple[object, ...]) -> None:
        self.owners = owners  # the keyed objects, alive while kept (their ids are the key)
        self.setup: dict[str, Any] | None = None  # ServingSetup._load_free
        self.ffn = 0  # the widest MLP (set with ``setup``)
        self.constants: dict[Layout, _LayoutConstants] = {}
        self.weights: dict[Layout, tuple[float, float, float, int]] = {}
        # per candidate list (``search._candidates``, by identity) and GPU count: the memory
        # rows of the layouts that fit (``memory_rows``)
        self.rooms: dict[tuple[int, int], tuple[tuple[Layout, ...], list[MemoryRow]]] = {}
        self.report: tuple[dict[str, Any], tuple[Any, ...]] | None = None  # report._fixed
        # hints: the last max batch of each layout (``Replica.max_batch``) and the layout that
        # served the most users last (search._most_users), whatever the load then
        self.batches: dict[Layout, int] = {}
        self.served: Layout | None = None
        # per layout, (batch, output tokens, chunk) -> (the shortest prompt whose rate missed
        # the target at that batch, that rate or a bound above it): ``Replica.serves``
        self.misses: dict[Layout, dict[tuple[int, int, int], tuple[int, float]]] = {}
        # per layout, (output tokens, chunk) -> (the shortest prompt its memory batch was
        # computed for, that batch): ``search._most_users_kept``
        self.memory: dict[Layout, dict[tuple[int, int], tuple[int, int]]] = {}


_KEPT: OrderedDict[tuple[object, ...], _Kept] = OrderedDict()
_kept_lock = threading.Lock()


def _kept(s: ServingSetup) -> _Kept:
    """The kept layout quantities of ``s``'s model, GPU, precisions, assumptions and fabric:
    keyed by the identity of the model, GPU and assumptions objects (a catalog snapshot's
    model and GPU, the shared default assumptions; each kept entry holds them, so an id is
    never another object's while kept) and the three strings; everything else a layout's
    constants and weights read is a function of these (the workload's inference section —
    prompt, output, users, targets, chunk, fixed degrees — is not read by them). Least
    recently used out first, ``KEPT_SETUPS`` at most."""
    key = (id(s.model), id(s.gpu), id(s.assumptions), s.precision, s.kv_precision, s.fabric)
    kept = _KEPT.get(key)
    if kept is not None:
        with _kept_lock:
            if key in _KEPT:
                _KEPT.move_to_end(key)
        return kept
    kept = _Kept((s.model, s.gpu, s.assumptions))
    with _kept_lock:
        kept = _KEPT.setdefault(key, kept)
        while len(_KEPT) > KEPT_SETUPS:
            _KEPT.popitem(last=False)
    return kept


def forget_kept() -> None:
    """Forget every kept layout quantity (benches that time a sizing not seen before)."""
    with _kept_lock:
        _KEPT.clear()


@dataclass(frozen=True, kw_only=True)
class StepBreakdown:
    """One decode step (seconds) and what it is made of."""

    total_s: float
    memory_s: float
    compute_s: float
    tp_comm_s: float
    ep_comm_s: float
    pp_comm_s: float
    overhead_s: float
    bytes_read_per_gpu: float
    flops_per_gpu: float
    bound: str

    def to_dict(self) -> dict[str, float | str]:
        """Milliseconds for results."""
        return {
            "step_ms": round(self.total_s * 1e3, 3),
            "memory_ms": round(self.memory_s * 1e3, 3),
            "compute_ms": round(self.compute_s * 1e3, 3),
            "tp_allreduce_ms": round(self.tp_comm_s * 1e3, 3),
            "expert_all_to_all_ms": round(self.ep_comm_s * 1e3, 3),
            "pipeline_ms": round(self.pp_comm_s * 1e3, 3),
            "overhead_ms": round(self.overhead_s * 1e3, 3),
            "gb_read_per_gpu": round(self.bytes_read_per_gpu / GB, 3),
            "gflop_per_gpu": round(self.flops_per_gpu / 1e9, 3),
            "bound": self.bound,
        }


@dataclass(kw_only=True)
class _SetupConstants:
    """A sizing's layout-independent serving quantities (``ServingSetup.k``), computed once
    per sizing: every layout's memory, decode and prefill read them (read-only; built from
    a dict of every field, ``frozen.build``)."""

    hidden: int
    moe_layers: int
    experts_per_token: int  # routed experts a token uses (at most the experts)
    untouched: float | None  # an expert's chance one token skips it (None: dense)
    kv_ctx: float  # KV bytes of one sequence at the mean live context of decode
    attn_flops: float  # decode attention FLOPs of one token at that context
    mem_bytes_per_s: float  # nominal memory bandwidth, bytes/s
    mem_rate: float  # achieved memory bytes/s in decode
    dense_flops: float  # 2 × dense active weights (FLOPs per token)
    expert_flops: float  # 2 × routed active weights
    peak: float  # achieved FLOP/s
    moe_peak: float  # achieved FLOP/s of expert GEMMs
    overhead_us: float
    per_sequence_us: float
    prompt: int
    chunks: int
    prefill_dense: float  # prefill FLOPs of the dense weights
    prefill_attention: float
    prefill_experts: float
    sequence_tokens: int
    chunk_tokens: int  # a prefill chunk, at most the prompt
    hidden_activations: float  # hidden-sized buffers of a prefill chunk
    mlp_activations: float  # 2 × chunk × widest MLP, before the TP split
    logits: float  # 4 × vocabulary, before the TP split
    usable_per_gpu: float
    workspace_per_gpu: float
    mla: bool
    kv_heads: int
    kv_sequence: float  # KV bytes of one sequence at its end
    kv_bytes_per_value: float  # bytes per cached value at the KV precision


@dataclass(slots=True, kw_only=True)
class _LayoutConstants:
    """A replica's batch-independent decode quantities (``Replica.k``)."""

    pp: int
    dp: int
    tp: int
    tp_pp: int
    gpus: int
    gpus_per_stage: float
    non_expert: float  # non-expert weight bytes on each GPU (read every step)
    expert_share: float  # expert weight bytes on each GPU (all read when all are touched)
    kv_div: int  # ways a sequence's KV is split (KV shard × PP)
    imbalance: float
    tp_layers: float  # TP all-reduces per step of one stage
    tp_link: coll.Link
    tp_ring: coll.Ring | None  # the TP all-reduce's constants (None: TP 1)
    ep: str  # none (also for a dense model) | ep | wide
    ep_n: int
    ep_layers: float  # expert all-to-alls per step of one stage
    ep_link: coll.Link | None
    ep_ring: coll.Ring | None  # the expert all-to-all's constants
    pp_link: coll.Link | None
    pp_hop: coll.Hop | None  # the stage-to-stage transfer's constants
    # the load-free part of the decode step per batch (``Replica._step_free``)
    steps: dict[int, tuple[float, ...]] = field(default_factory=dict)


class _Memory(NamedTuple):
    """A replica's memory per GPU (``Replica._memory``), bytes."""

    non_expert: float  # non-expert weights
    experts: float  # routed-expert weights
    weights: float
    activations: float
    kv_room: float
    kv_shard: int
    batch: int  # most sequences whose KV fits, within the scheduler limit


class MemoryRow(NamedTuple):
    """A layout's memory per GPU before the prompt comes in (``fit``), bytes."""

    layout: Layout
    gpus: int
    tp: int
    free: float  # usable memory − weights
    logits: float  # decode logits per chunk token: 4 × vocabulary ÷ TP
    div: int  # ways one sequence's KV is split: KV shards × PP × attention DP


def memory_rows(s: ServingSetup, layouts: tuple[Layout, ...], gpus: int) -> list[MemoryRow]:
    """``fit``'s rows of the layouts of at most ``gpus`` GPUs, in order, kept with the setup's
    layouts (``ServingSetup.kept``: they read the model, GPU, precisions and assumptions
    alone) per candidate list and GPU count: the search's lists are kept per process
    (``search._candidates``), so the same object each sizing (its id is the key; the entry
    holds it, so the id is never another list's). Only the layouts that fit the GPUs: a
    one-node list holds ~70 layouts of up to 16 nodes, and rows for all of them cost a cold
    one-node sizing a sixth more (measured: 5.58 -> 6.66 M instructions)."""
    kept = s.kept.rooms
    entry = kept.get((id(layouts), gpus))
    if entry is not None and entry[0] is layouts:
        return entry[1]
    c, rows = s.k, []
    for lay in layouts:
        if lay.gpus > gpus:
            continue
        non_expert, experts, weights, kv_shard = replica_for(s, lay)._weights()
        free = c.usable_per_gpu - weights  # ``_memory``'s first subtraction
        div = kv_shard * lay.pp * lay.dp_attn
        rows.append(MemoryRow(lay, lay.gpus, lay.tp, free, c.logits / lay.tp, div))
    if len(kept) >= KEPT_SETUPS:
        kept.clear()
    kept[(id(layouts), gpus)] = (layouts, rows)
    return rows


def fitting(s: ServingSetup, layouts: tuple[Layout, ...], gpus: int) -> list[Replica]:
    """The replicas of ``layouts`` of at most ``gpus`` GPUs that hold one sequence, in order,
    each with its ``memory_batch`` (``fit``; issue 16: capacity mode reads every candidate's
    memory batch, and ``_memory`` of each was a fifth of a one-node search; ``_memory``
    itself is then made only for the layouts that need more than the batch)."""
    inputs = memory_inputs(s)
    out = []
    for row in memory_rows(s, layouts, gpus):
        r = fit(s, row, gpus, inputs)
        if r is not None:
            out.append(r)
    return out


def memory_inputs(s: ServingSetup) -> tuple[Any, ...]:
    """What ``fit`` reads of the sizing: the prompt's chunk and sequence, and the rest of
    ``_memory``'s inputs."""
    c = s.k
    chunk = c.chunk_tokens
    return (
        chunk,
        c.hidden_activations,
        c.mlp_activations,
        min(chunk, 1024),
        c.workspace_per_gpu,
        c.kv_sequence * 1,
        c.untouched is not None,  # None: dense (no expert buffers)
        s.assumptions.max_batch_per_replica,
    )


def fit(s: ServingSetup, row: MemoryRow, gpus: int, inputs: tuple[Any, ...]) -> Replica | None:
    """The replica of ``row``'s layout with its ``memory_batch`` if it has at most ``gpus``
    GPUs and holds one sequence, else None: ``_memory``'s batch, the same operations in the
    same order, from the kept row (``memory_rows``) and the sizing's ``memory_inputs``."""
    lay, n, tp, free, logits, div = row
    if n > gpus:
        return None
    chunk, hidden, mlp, few, workspace, sequence, moe, limit = inputs
    buffers = replica_for(s, lay)._moe_buffers(chunk) if moe else 0.0
    activations = hidden + mlp / tp * ACT_BYTES + logits * few + buffers
    room = free - activations - workspace
    if room <= 0:
        return None
    per_seq = sequence / div
    fits = int(room // per_seq) if per_seq > 0 else 1 << 30
    batch = fits if fits < limit else limit  # min(fits, limit)
    if batch < 1:
        return None
    # Replica(s, lay) with its memory batch (the cached property's slot), as ``replica_for``
    return _build(Replica, {"s": s, "layout": lay, "memory_batch": batch})


def replica_for(s: ServingSetup, layout: Layout) -> Replica:
    """``Replica(s, layout)`` without the frozen ``__init__``'s per-field ``object.__setattr__``
    (engine/frozen.py; a search makes one per candidate layout)."""
    return _build(Replica, {"s": s, "layout": layout})


_build = frozen.build


@dataclass(frozen=True)
class Replica:
    """A layout of the setup: memory, prefill and decode."""

    s: ServingSetup
    layout: Layout

    @cached_property
    def k(self) -> _LayoutConstants:
        """What decode and prefill need of the layout besides the load, kept per layout
        across sizings of the same load-free setup (``ServingSetup.kept``)."""
        kept = self.s.kept.constants
        value = kept.get(self.layout)
        if value is None:
            value = kept[self.layout] = self._constants()
        return value

    def _constants(self) -> _LayoutConstants:
        s, lay = self.s, self.layout
        c = s.k
        weights = self._weights()  # non-expert, expert, all, KV shards
        layers = s.arch.layers / lay.pp
        per_layer = 2.0
        if lay.ep != "none":
            per_layer = 2.0 - c.moe_layers / lay.pp / max(layers, 1)  # EP replaces the second
        ep = lay.ep if s.arch.is_moe else "none"
        ep_n = lay.tp if lay.ep == "ep" else lay.gpus
        tpl = s.link("gpu", lay.tp, lambda: tp_link(s.gpu, lay, s.links))
        epl = ep_link(s.gpu, lay, s.fabric, s.links) if ep != "none" else None
        ppl = (
            None
            if lay.pp <= 1
            else s.link(
                "pp",
                lay.gpus if lay.gpus <= lay.gpus_per_node else 0,
                lambda: pp_link(s.gpu, lay, s.fabric, s.links),
            )
        )
        return _LayoutConstants(
            pp=lay.pp,
            dp=lay.dp_attn,
            tp=lay.tp,
            tp_pp=lay.tp * lay.pp,
            gpus=lay.gpus,
            gpus_per_stage=lay.gpus / lay.pp,
            non_expert=weights[0],
            expert_share=weights[1],
            kv_div=weights[3] * lay.pp,
            imbalance=self.imbalance,
            tp_layers=layers * per_layer,
            tp_link=tpl,
            tp_ring=coll.ring(lay.tp, tpl, 2),
            ep=ep,
            ep_n=ep_n,
            ep_layers=c.moe_layers / lay.pp * 2,
            ep_link=epl,
            ep_ring=coll.ring(ep_n, epl, 1) if epl is not None else None,
            pp_link=ppl,
            pp_hop=coll.hop(ppl) if ppl is not None else None,
        )

    # ------------------------------------------------------------------ memory per GPU
    @cached_property
    def _memory(self) -> _Memory:
        """The replica's memory per GPU, in one pass (every candidate layout's memory batch
        is read to rank the layouts; one function instead of a chain of properties)."""
        s, lay, c = self.s, self.layout, self.s.k
        tp = lay.tp
        non_expert, experts, weights, kv_shard = self._weights()
        mlp = c.mlp_activations / tp * ACT_BYTES
        logits = c.logits / tp * min(c.chunk_tokens, 1024)
        moe = 0.0 if c.untouched is None else self._moe_buffers(c.chunk_tokens)  # None: dense
        activations = c.hidden_activations + mlp + logits + moe
        room = c.usable_per_gpu - weights - activations - c.workspace_per_gpu
        batch = 0
        if room > 0:
            per_seq = c.kv_sequence * 1 / (kv_shard * lay.pp * lay.dp_attn)  # kv_per_gpu(1, ·)
            fits = int(room // per_seq) if per_seq > 0 else 1 << 30
            batch = min(fits, s.assumptions.max_batch_per_replica)
        return _Memory(non_expert, experts, weights, activations, room, kv_shard, batch)

    def _weights(self) -> tuple[float, float, float, int]:
        """(non-expert, expert, all weight bytes on each GPU, KV shards): the load-free part of
        ``_memory``, kept per layout (``ServingSetup.kept``)."""
        kept = self.s.kept.weights
        value = kept.get(self.layout)
        if value is None:
            s, lay = self.s, self.layout
            tp = lay.tp
            non_expert = (s.weights_bytes - s.expert_bytes) / (tp * lay.pp)
            experts = s.expert_bytes / lay.gpus
            a = s.arch
            kv_shard = 1 if a.is_mla else max(1, min(tp, a.kv_heads))
            value = kept[self.layout] = (non_expert, experts, non_expert + experts, kv_shard)
        return value

    @property
    def weights_per_gpu(self) -> float:
        """Bytes of weights each GPU holds: non-expert weights over TP × PP, experts over
        every GPU."""
        return self._memory.weights

    @property
    def kv_shard(self) -> int:
        """How many ways TP splits the KV cache (MLA's latent is not split)."""
        return self._memory.kv_shard

    def kv_per_gpu(self, batch: float, tokens: float) -> float:
        """KV bytes per GPU for ``batch`` sequences of ``tokens`` spread over the replica."""
        lay = self.layout
        return self.s.kv_bytes(tokens) * batch / (self.kv_shard * lay.pp * lay.dp_attn)

    @property
    def activations_per_gpu(self) -> float:
        """A prefill chunk's activations plus the decode logits."""
        return self._memory.activations

    def _moe_buffers(self, chunk: int) -> float:
        """Dispatch/combine and expert GEMM buffers for one step's tokens on one GPU: each
        routed token copy needs its hidden state in and out and the expert's gate, up and down
        activations (whole experts: the GPU's share of every group's tokens, times the
        imbalance; tensor-sliced experts: all tokens on 1/TP of each expert)."""
        a, lay = self.s.arch, self.layout
        if not a.is_moe:
            return 0.0
        copies = float(chunk * min(a.experts_per_token, a.experts))
        if lay.ep == "none":
            return copies * (2 * a.hidden_size + 3 * a.expert_ffn / lay.tp) * ACT_BYTES
        copies = copies / lay.tp * self.imbalance
        return copies * (2 * a.hidden_size + 3 * a.expert_ffn) * ACT_BYTES

    @property
    def workspace_per_gpu(self) -> float:
        """Runtime workspace (assumption)."""
        return self.s.k.workspace_per_gpu

    @property
    def usable_per_gpu(self) -> float:
        """GPU memory usable by the runtime."""
        return self.s.k.usable_per_gpu

    @property
    def kv_room_per_gpu(self) -> float:
        """Memory left for KV after weights, activations and workspace."""
        return self._memory.kv_room

    @property
    def sequence_tokens(self) -> int:
        """Tokens one request holds at its end (prompt + output)."""
        return self.s.k.sequence_tokens

    @cached_property
    def memory_batch(self) -> int:
        """Most sequences whose KV fits, within the scheduler limit (kept: the search reads it
        ~40 times a sizing, to rank the layouts and bound their batches)."""
        return self._memory.batch

    # ------------------------------------------------------------------ decode
    def _touched(self, tokens: float) -> float:
        untouched = self.s.k.untouched
        if untouched is None:
            return 1.0
        return float(1 - untouched ** max(tokens, 0))

    def _step(self, batch: int) -> tuple[float, ...]:
        """One decode step at ``batch``: (total, memory, compute, TP, EP, PP hop, overhead,
        bytes read, FLOPs) of one stage — the one formula ``decode`` and ``step_s`` share."""
        k, c = self.k, self.s.k
        free = k.steps.get(batch)
        if free is None:
            if len(k.steps) >= KEPT_STEPS:
                k.steps.clear()
            free = k.steps[batch] = self._step_free(batch)
        (
            group,
            weights_read,
            dense_flops,
            expert_flops,
            expert_s,
            tp_c,
            ep_c,
            pp_c,
            hops,
            overhead,
        ) = free
        read = weights_read + c.kv_ctx * group / k.kv_div
        t_mem = read / c.mem_rate
        attn_flops = c.attn_flops * group / k.tp_pp
        t_comp = (dense_flops + attn_flops) / c.peak + expert_s
        stage = max(t_mem, t_comp) + tp_c + ep_c
        total = k.pp * stage + hops + overhead
        flops = dense_flops + attn_flops + expert_flops
        return total, t_mem, t_comp, tp_c, ep_c, pp_c, overhead, read, flops

    def _step_free(self, batch: int) -> tuple[float, ...]:
        """The terms of ``_step`` that read neither the prompt nor the output — weights read,
        dense and expert FLOPs, collectives, hops, overhead — kept per batch with the layout's
        constants (``ServingSetup.kept``; issue 16: the API's distinct workloads check the
        same few batches of each layout every sizing, and these were most of a step). The
        same operations in the same order as one formula, so the same floats."""
        k, c = self.k, self.s.k
        micro = batch / k.pp  # sequences per micro-batch
        group = micro / k.dp  # sequences per attention group
        touched = 1.0 if c.untouched is None else self._touched(micro)
        weights_read = k.non_expert + k.expert_share * touched
        dense_flops = c.dense_flops * group / k.tp_pp
        expert_flops = c.expert_flops * micro / k.gpus
        expert_s = expert_flops * k.imbalance / c.moe_peak
        tp_c, ep_c = self._comm(group, micro)
        pp_c = self._pp_hop(micro)
        overhead = (c.overhead_us + c.per_sequence_us * group) * 1e-6
        hops = (k.pp - 1) * pp_c
        return (
            group,
            weights_read,
            dense_flops,
            expert_flops,
            expert_s,
            tp_c,
            ep_c,
            pp_c,
            hops,
            overhead,
        )

    def decode(self, batch: int) -> StepBreakdown:
        """The decode step with ``batch`` sequences on the replica (kept per batch: the
        report's figures and explanations both show it)."""
        kept: dict[int, StepBreakdown] = self.__dict__.setdefault("_decodes", {})
        value = kept.get(batch)
        if value is None:
            value = kept[batch] = self._decode(batch)
        return value

    def _decode(self, batch: int) -> StepBreakdown:
        steps: dict[int, tuple[float, ...]] | None = self.__dict__.get("_steps")  # step_s's
        known = None if steps is None else steps.get(batch)
        step = self._step(batch) if known is None else known
        total, t_mem, t_comp, tp_c, ep_c, pp_c, overhead, read, flops = step
        pp = self.layout.pp
        values = {  # StepBreakdown(**values) without the frozen __init__ (engine/frozen.py)
            "total_s": total,
            "memory_s": pp * t_mem,
            "compute_s": pp * t_comp,
            "tp_comm_s": pp * tp_c,
            "ep_comm_s": pp * ep_c,
            "pp_comm_s": (pp - 1) * pp_c,
            "overhead_s": overhead,
            "bytes_read_per_gpu": read * pp,
            "flops_per_gpu": flops * pp,
            "bound": "memory" if t_mem >= t_comp else "compute",
        }
        return frozen.build(StepBreakdown, values)

    @cached_property
    def imbalance(self) -> float:
        """Busiest GPU's share of expert work ÷ the mean (1 when experts are tensor-sliced)."""
        if self.layout.ep == "none" or not self.s.arch.is_moe:
            return 1.0
        return self.s.assumptions.expert_load_imbalance

    def _comm(self, tokens_group: float, tokens_micro: float) -> tuple[float, float]:
        """(TP all-reduce, expert all-to-all) seconds of one stage for these tokens."""
        k, c = self.k, self.s.k
        ring = k.tp_ring  # coll.all_reduce over the TP group, its constants kept
        tp = 0.0 if ring is None else k.tp_layers * ring.cost(tokens_group * c.hidden * ACT_BYTES)
        if k.ep_link is None:
            return tp, 0.0
        share = tokens_micro / k.gpus_per_stage if k.ep == "wide" else tokens_group / k.tp
        send = share * c.experts_per_token * c.hidden * ACT_BYTES
        ring = k.ep_ring  # coll.all_to_all over the expert group
        ep = 0.0 if ring is None else k.ep_layers * ring.cost(send * k.imbalance)
        return tp, ep

    def _pp_hop(self, tokens: float) -> float:
        k = self.k
        if k.pp_hop is None:
            return 0.0
        return k.pp_hop.cost(tokens * self.s.k.hidden * ACT_BYTES / k.tp)  # coll.p2p

    def step_s(self, batch: int) -> float:
        """Decode step time (token interval) at ``batch``; kept per batch, since a target
        check asks for it three times (rate, first token, queue wait) and the batch search
        repeats batches."""
        steps: dict[int, tuple[float, ...]] = self.__dict__.setdefault("_steps", {})
        step = steps.get(batch)
        if step is None:
            step = steps[batch] = self._step(batch)  # the whole step: ``decode`` reads it too
        return step[0]

    # ------------------------------------------------------------------ prefill
    @cached_property
    def prefill(self) -> dict[str, float]:
        """Prefill of one prompt: FLOPs, compute, communication, total and replica work."""
        k, c, lay = self.k, self.s.k, self.layout
        p, chunks, peak = c.prompt, c.chunks, c.peak
        dense, attention, experts = c.prefill_dense, c.prefill_attention, c.prefill_experts
        moe_eff = self.s.assumptions.moe_compute_efficiency
        # one stage's share, on the TP group (dense, attention) and the stage's expert GPUs
        stage_compute = (dense + attention) / (lay.pp * lay.tp * peak) + experts * (k.imbalance) / (
            lay.gpus * peak * moe_eff
        )
        weights_read = chunks * self.weights_per_gpu / c.mem_bytes_per_s
        comm = self._prefill_comm
        largest = c.chunk_tokens  # chunks are full-sized except the last (the remainder)
        hop = self._pp_hop(largest)
        stage = max(stage_compute, weights_read) + comm
        # The chunks stream through the stages: the first stage works through every chunk
        # (``stage``) and the last stages finish the largest chunk after it, (PP-1) times.
        total = stage * (1 + (lay.pp - 1) * largest / p)
        total += (chunks + lay.pp - 1) * hop if lay.pp > 1 else 0.0
        return {
            "flops": dense + attention + experts,
            "attention_flops": attention,
            "chunks": chunks,
            "compute_s": stage_compute * lay.pp,
            "comm_s": comm * lay.pp + hop * (chunks + lay.pp - 1) * (lay.pp > 1),
            "total_s": total,
            "work_s": self.prefill_work_s,
        }

    @cached_property
    def _prefill_comm(self) -> float:
        """One stage's collectives over all the chunks of a prompt (``prefill``)."""
        c = self.s.k
        per_chunk = c.prompt / c.chunks
        tp_c, ep_c = self._comm(per_chunk, per_chunk)
        return c.chunks * (tp_c + ep_c)

    @cached_property
    def prefill_work_s(self) -> float:
        """Replica busy time per prompt when prompts keep every attention group busy
        (``prefill``'s ``work_s``): the per-user rate reads it without the rest of ``prefill``."""
        c, lay = self.s.k, self.layout
        peak, moe_eff = c.peak, self.s.assumptions.moe_compute_efficiency
        dense, attention, experts = c.prefill_dense, c.prefill_attention, c.prefill_experts
        work = (dense + attention) / (lay.gpus * peak) + experts / (lay.gpus * peak * moe_eff)
        return work + self._prefill_comm / lay.dp_attn

    def prefill_s(self) -> float:
        """Time to prefill one prompt on an idle replica."""
        return self.prefill["total_s"]

    # ------------------------------------------------------------------ targets
    def _timing(self, batch: int) -> tuple[float, float, float]:
        """(decode step, tokens/s per user, wait behind other prompts) at ``batch``: what the
        rate and first-token targets read, from one step estimate; kept per batch (the
        search, the chosen layout's key and the report ask again for batches already seen)."""
        kept: dict[int, tuple[float, float, float]] = self.__dict__.setdefault("_timings", {})
        value = kept.get(batch)
        if value is None:
            value = kept[batch] = self._timing_of(batch)
        return value

    def _timing_of(self, batch: int) -> tuple[float, float, float]:
        steps: dict[int, tuple[float, ...]] | None = self.__dict__.get("_steps")  # step_s
        known = None if steps is None else steps.get(batch)
        step = self.step_s(batch) if known is None else known[0]
        work = self.prefill_work_s
        out = self.s.spec.output_tokens
        answer = out * step + batch * work  # one answer, the other users' prefills interleaved
        wait = 0.0
        if batch > 1:
            rho = min((batch - 1) * work / answer, 0.95)
            wait = rho * self.prefill["total_s"] / (2 * (1 - rho))
        return step, out / answer, wait

    def _rate_of(self, batch: int) -> float:
        """``user_rate(batch)`` (the same arithmetic as ``_timing_of``) from the decode step and
        the prefill work alone, without the rest of ``prefill`` and the queue wait."""
        out = self.s.spec.output_tokens
        return out / (out * self.step_s(batch) + batch * self.prefill_work_s)

    def ttft_s(self, batch: int) -> float:
        """First token: waiting for the prefills ahead of it, its own prefill, and the decode
        step each of its chunks rides with."""
        step, _, wait = self._timing(batch)
        return self.prefill_s() + self.prefill["chunks"] * step + wait

    def wait_s(self, batch: int) -> float:
        """Mean wait behind other users' prefills (M/D/1 queue): each of ``batch`` users sends a
        new prompt per answer, so prompts arrive at λ = batch ÷ answer time and occupy the
        replica ρ = λ × prefill work; wait = ρ·prefill / (2(1 − ρ))."""
        return self._timing(batch)[2]

    def user_rate(self, batch: int) -> float:
        """Output tokens/s one user sees with ``batch`` users (their prefills interleaved)."""
        return self._timing(batch)[1]

    def meets(self, batch: int) -> bool:
        """Whether ``batch`` users get both targets."""
        return self._check(batch)[0]

    def _check(self, batch: int) -> tuple[bool, float]:
        """Whether ``batch`` users get both targets, and by how much: the smaller of
        1 − target rate ÷ rate and 1 − first token ÷ its target (both nearly linear in the
        batch, so a secant through two batches lands near where the targets stop holding).
        Kept per batch: the batch search starts from the ends of the bracket the earlier
        checks left, which it has usually just checked."""
        kept: dict[int, tuple[bool, float]] = self.__dict__.setdefault("_checks", {})
        value = kept.get(batch)
        if value is None:
            value = kept[batch] = self._check_of(batch)
        return value

    def _check_of(self, batch: int) -> tuple[bool, float]:
        spec = self.s.spec
        step, rate, wait = self._timing(batch)
        pre = self.prefill
        ttft = pre["total_s"] + pre["chunks"] * step + wait  # ttft_s(batch)
        target_rate, target_ttft = spec.target_tokens_per_s_per_user, spec.target_ttft_s
        ok = rate >= target_rate and ttft <= target_ttft
        margin = min(1 - target_rate / rate, 1 - ttft / target_ttft) if rate > 0 else -1.0
        high = self.memory_batch
        known: list[int] | None = self.__dict__.get("_known")
        if known is None:
            known = self.__dict__["_known"] = [1, high + 1]
        if ok and known[0] < batch <= high:
            known[0] = batch  # the targets hold up to here
        elif not ok and 1 <= batch < known[1]:
            known[1] = batch  # and stop holding from here
        return ok, margin

    @cached_property
    def works(self) -> bool:
        """Whether one user fits and gets both targets (``max_batch >= 1``, one step estimate)."""
        return self.memory_batch >= 1 and self.meets(1)

    def serves(self, batch: int) -> bool:
        """Whether ``max_batch >= batch``, from one target check instead of the batch search:
        the targets get harder as the batch grows (each step reads and computes more, more
        prompts queue), so ``meets`` holds for a prefix of batches — what the search assumes
        too; for the same reason a batch that meets them says one user does (``works``)
        without checking batch 1."""
        if batch <= 0:
            return True
        known = self.__dict__
        if "max_batch" in known:
            return self.max_batch >= batch
        if batch > self.memory_batch:
            return False
        # A batch whose rate misses the target misses the targets, so before a whole target
        # check: (1) a kept miss. The rate only falls as the prompt grows (the step reads
        # more KV and attends over more, the prefill work grows), the rest of the setup being
        # the same (the kept layout's, the output, the chunk): a rate, or a bound above it,
        # that missed at a shorter prompt by more than rounding (``MARGIN``) says this one
        # misses too (``_Kept.misses``; issue 16: the API's distinct workloads check the same
        # few batches of each layout, at a longer prompt each time; ``search._most_users_kept``
        # reads them too). (2) The rate bound, only while the layout's constants are not kept
        # (it saves making them; with them kept, and the step's load-free terms,
        # ``_step_free``, the rate costs little more, and the bound rejects no batch the rate
        # passes). (3) The rate itself (the step and the prefill work; where TP runs over
        # PCIe the collectives the bound leaves out are most of them).
        s = self.s
        spec = s.spec
        target = spec.target_tokens_per_s_per_user
        misses = s.kept.misses.get(self.layout)
        key = (batch, spec.output_tokens, s.chunk)
        if misses is not None:
            seen = misses.get(key)
            if seen is not None and seen[0] <= spec.prompt_tokens and seen[1] < target * MARGIN:
                return self._misses(batch)
        k = known.get("k")
        if k is None:
            k = s.kept.constants.get(self.layout)
            if k is not None:
                known["k"] = k  # the cached property's slot
        rate = self.rate_bound(batch) if k is None else self._rate_of(batch)
        if rate >= target and k is None:
            rate = self._rate_of(batch)
        if rate < target:
            if misses is None:
                misses = s.kept.misses.setdefault(self.layout, {})
            seen = misses.get(key)
            if seen is None or spec.prompt_tokens < seen[0]:  # the shortest covers most
                if len(misses) >= KEPT_STEPS:
                    misses.clear()
                misses[key] = (spec.prompt_tokens, rate)
            return self._misses(batch)
        if "works" in known or batch == 1:
            return self.works and self.meets(batch)
        ok = self.meets(batch)
        if ok:
            known["works"] = True  # the prefix holds batch 1 too
        return ok

    def _misses(self, batch: int) -> bool:
        """False, with the batch search's bracket ended at ``batch`` (as ``_check_of``
        leaves it): ``serves`` found the rate target missed there."""
        known = self.__dict__
        bracket: list[int] | None = known.get("_known")
        if bracket is None:
            bracket = known["_known"] = [1, self.memory_batch + 1]
        if 1 <= batch < bracket[1]:
            bracket[1] = batch  # the targets stop holding here: the batch search's end
        return False

    def rate_bound(self, batch: int) -> float:
        """At least the tokens/s one user gets at ``batch`` (``user_rate``), without the
        collectives and the replica's constants: the decode step's memory read plus its
        overhead, and the prefill work's compute, are each at most the step and the work (the
        terms left out are ≥ 0 and rounding is monotone). A layout whose bound misses the rate
        target at a batch is not evaluated there (``serves``)."""
        s, lay, c = self.s, self.layout, self.s.k
        non_expert, experts, _, kv_shard = self._weights()
        pp, dp = lay.pp, lay.dp_attn
        micro = batch / pp
        group = micro / dp
        read = non_expert + experts * self._touched(micro) + c.kv_ctx * group / (kv_shard * pp)
        step = pp * (read / c.mem_rate) + (c.overhead_us + c.per_sequence_us * group) * 1e-6
        peak, moe_eff = c.peak, s.assumptions.moe_compute_efficiency
        work = (c.prefill_dense + c.prefill_attention) / (lay.gpus * peak)
        work += c.prefill_experts / (lay.gpus * peak * moe_eff)
        out = s.spec.output_tokens
        return out / (out * step + batch * work) * (1 + 1e-9)

    @cached_property
    def max_batch(self) -> int:
        """Largest batch meeting memory and both targets (0 if one user misses).

        The targets hold for a prefix of batches (``serves``), so this is the last batch of
        that prefix, found by bracketing it — [largest batch known to meet, smallest known to
        miss] from the checks made so far — and probing where the secant of the two ends'
        margins crosses zero, and next to it; a probe that does not halve the bracket is
        followed by a halving one, so it never takes more than twice a bisection's checks
        (usually 2-4 instead of ~log2 of the memory batch)."""
        hints = self.s.kept.batches
        hint = hints.get(self.layout)
        if hint is not None and 0 < hint < self.memory_batch:
            if self.serves(hint):
                self.serves(hint + 1)
            elif hint > 1:  # moved down, most often by one: that batch also says one user works
                self.serves(hint - 1)
        value = hints[self.layout] = self._search_batch()
        return value

    def _search_batch(self) -> int:
        """``max_batch`` from the bracket the checks so far leave. A neighbouring load's answer
        (the last sizing's, ``_Kept.batches``) is checked first, with the batch after it: the
        targets hold for a prefix of batches, so whichever batches were checked the search
        ends on the same last batch of that prefix; when the answer has not moved those two
        checks are the whole search (the API's distinct workloads: a prompt one token longer
        moves a layout's max batch rarely, and by one or two)."""
        high = self.memory_batch
        if not self.works:
            return 0
        known: list[int] = self.__dict__["_known"]
        if known[1] > high and self.meets(high):
            return high
        lo, hi = known
        if hi - lo <= 1:
            return lo  # the checks so far (a hint's, ``serves``') bracket the answer
        m_lo, m_hi = self._check(lo)[1], self._check(hi)[1]
        secant = True
        while hi - lo > 1:
            width = hi - lo
            if secant and m_lo > m_hi:
                guess = lo + int(width * m_lo / (m_lo - m_hi))
            else:
                guess = (lo + hi) // 2
            guess = min(max(guess, lo + 1), hi - 1)
            ok, margin = self._check(guess)
            if ok:
                lo, m_lo = guess, margin
                if guess + 1 < hi:  # the crossing is often right after the secant's floor
                    ok, margin = self._check(guess + 1)
                    if ok:
                        lo, m_lo = guess + 1, margin
                    else:
                        hi, m_hi = guess + 1, margin
            else:
                hi, m_hi = guess, margin
            secant = 2 * (hi - lo) <= width
        return lo

    def memory_breakdown(self, batch: int) -> dict[str, float]:
        """GB per GPU at ``batch``: weights, KV, activations, workspace, total, usable."""
        weights, kv = self.weights_per_gpu / GB, self.kv_per_gpu(batch, self.sequence_tokens) / GB
        activations, workspace = self.activations_per_gpu / GB, self.workspace_per_gpu / GB
        return {  # rounded as built, not by a second walk (the total: sum(), as it was)
            "weights_gb": round(weights, 2),
            "kv_cache_gb": round(kv, 2),
            "activations_gb": round(activations, 2),
            "workspace_gb": round(workspace, 2),
            "total_gb": round(sum((weights, kv, activations, workspace)), 2),
            "usable_gb": round(self.usable_per_gpu / GB, 2),
        }
