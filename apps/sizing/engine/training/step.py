"""Step time of one training layout from compute, communication and the pipeline.
(Over 400 lines on purpose: one step model whose parts and caches the search's bounds read.)

Per micro-batch on the fullest pipeline stage: matmul FLOPs (6 per active parameter per token;
4 for LoRA, which computes no weight gradients) at the GPU's achievable GEMM fraction, shrunk for
narrow GEMMs (hidden ÷ TP) and few tokens; MoE expert GEMMs at their own efficiency; causal
attention 6·s·h per token at the fused-attention efficiency; memory-bound kernels from the bytes
the layer's activations move; recompute adds a forward (full) or the norms' and gated
product's memory traffic (selective). Communication (collectives.py): TP with sequence
parallelism 8 gathers/scatters of s·b·h per layer on the GPU link; CP ring attention passes
K/V around c GPUs behind attention; EP all-to-all 4 × k·h per token per MoE layer; PP sends
s·b·h per micro-batch (× v interleaved); DP reduce-scatters fp32 gradients and gathers bf16
parameters on the fabric, hidden behind the compute window it can overlap (interleaved: the
other chunks' passes). The pipeline adds the bubble (p−1)/v micro-batch times at the pace of
the largest chunk. MFU is an output: model FLOPs per second ÷ (GPUs × peak).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .. import collectives as col
from .. import frozen, once
from ..collectives import Link
from ..hardware import GB, fabric_link, gpu_link, group_link, peak_flops
from .memory import Layout, MemoryModel, head_layers, layer_activation_bytes, rebuilt_bytes
from .setup import TrainingSetup


@dataclass(frozen=True, kw_only=True)
class StepTime:
    """Seconds per optimizer step by part; the sum is the step time."""

    compute_s: float
    recompute_s: float
    tp_s: float
    cp_s: float
    ep_s: float
    pp_s: float
    bubble_s: float
    dp_s: float
    optimizer_s: float
    tokens: float
    gpus: int
    model_flops_per_token: float
    peak: float

    @property
    def total_s(self) -> float:
        """Step time."""
        return (
            self.compute_s
            + self.recompute_s
            + self.tp_s
            + self.cp_s
            + self.ep_s
            + self.pp_s
            + self.bubble_s
            + self.dp_s
            + self.optimizer_s
        )

    @once.cached_property
    def tokens_per_s(self) -> float:
        """Cluster throughput (kept once read: the search reads it ~5 times a layout costed,
        ranking and bounding, and each read was two property calls and the nine-part sum)."""
        return self.tokens / self.total_s

    @property
    def tokens_per_s_per_gpu(self) -> float:
        """Throughput per GPU of the layout."""
        return self.tokens_per_s / self.gpus

    @property
    def mfu(self) -> float:
        """Model FLOPs utilisation (model FLOPs only, recompute excluded)."""
        return self.model_flops_per_token * self.tokens_per_s_per_gpu / self.peak

    def breakdown(self) -> dict[str, float]:
        """Seconds by part, rounded for display."""
        parts = {
            "compute_s": self.compute_s,
            "recompute_s": self.recompute_s,
            "tp_exposed_s": self.tp_s,
            "cp_exposed_s": self.cp_s,
            "ep_exposed_s": self.ep_s,
            "pp_send_s": self.pp_s,
            "pipeline_bubble_s": self.bubble_s,
            "dp_exposed_s": self.dp_s,
            "optimizer_s": self.optimizer_s,
            "step_s": self.total_s,
        }
        return {k: round(v, 5) for k, v in parts.items()}


class Context:
    """Per-setup constants and link lookups shared by every layout of a search."""

    def __init__(self, st: TrainingSetup) -> None:
        # the setup's fields without its memo: the setup keeps its Context in its memo
        # (``context``), so a Context (or its memory model) holding the setup itself made a
        # reference cycle, and each setup's caches (thousands of tuples) were freed only by
        # the cyclic collector, whose passes walked them (~3 % of a 4,096-node plan's
        # instructions). The copy's fields are the setup's (frozen: they never change); its
        # own memo serves what reads ``ctx.st.memo`` (space.micro_batches).
        st = frozen.replace(st, memo={})
        self.st = st
        self.s = st.s
        self.peak = st.peak
        # fused attention runs in bf16 even when the GEMMs run in fp8 (Transformer Engine)
        self.attn_peak = peak_flops(st.gpu, "bf16") or st.peak
        self.bw = st.gpu.memory_bandwidth_gbps * GB * st.e.memory
        self.head_layers = head_layers(st)
        self.nic = fabric_link(st.fabric, st.links)
        self._groups: dict[tuple[int, bool], Link] = {}
        self._rings: dict[tuple[int, int], Link] = {}  # ``ring``
        self._gpu_links: dict[int, Link] = {}
        self._one_pass: dict[tuple[int, int], Callable[[float], float]] = {}  # ``one_pass``
        self._link_rates: dict[tuple[int, bool], tuple[float, float]] = {}  # ``one_pass``
        self.layers: dict[tuple[int, int, int, str, int], LayerParts] = {}
        self.layer_bases: dict[tuple[int, int, int, int], _LayerBase] = {}  # _layer_base
        self.searches: dict[int, Any] = {}  # GPUs → SearchResult (search.py)
        self.hint: Layout | None = None  # the last search's best layout (warm start)
        # the same run on links no slower (plan.Faster), whose memoised bounds also bound
        # every layout here: decisions and best-only searches prune with them (search.py)
        self.faster: Context | None = None
        self.dp_cache: dict[tuple[int, ...], tuple[float, float]] = {}
        self.dp_pieces: dict[tuple[int, ...], tuple[float, float, float]] = {}
        self.opt_cache: dict[tuple[int, ...], float] = {}
        self.local: dict[tuple[int, int, int], tuple[float, float]] = {}  # _local_params
        self.send_cache: dict[tuple[int, int, int, bool], float] = {}
        self.memo: dict[str, Any] = {}
        self.pp_cache: dict[tuple[int, int], list[int]] = {}
        self.no_fit: dict[tuple[int, int, str], int] = {}  # most GPUs a group fitted nothing on
        self.g = st.global_batch  # sequences per step (the bound)
        self.lora = st.lora  # (a property of the setup: read once)
        self.mem = MemoryModel(st)
        s = self.s
        attn = 6.0 * st.seq * s.hidden
        matmul = (4.0 if st.lora else 6.0) * (s.active)
        self.model_flops_per_token = matmul + attn * s.layers

    def gpu_link(self, size: int) -> Link:
        """The GPU link of a group of ``size`` GPUs within a node (memoised)."""
        link = self._gpu_links.get(size)
        if link is None:
            link = gpu_link(self.st.gpu, size, self.st.links)
            self._gpu_links[size] = link
        return link

    def group(self, per_node: int, nodes: int) -> Link:
        """Bottleneck link of a ring with ``per_node`` members on each of ``nodes`` nodes,
        memoised per (``per_node``, whether it leaves the node): ``group_link`` reads the node
        count only as that (across nodes the members share ``per_node`` NICs, however many
        nodes; tests/sizing_engine/test_collectives.py checks it), so one entry serves every
        DP size of a search instead of one Link built per node count."""
        key = (per_node, nodes > 1)
        link = self._groups.get(key)
        if link is None:
            st = self.st
            link = group_link(st.gpu, per_node, nodes, st.fabric, st.links)
            self._groups[key] = link
        return link

    def ring(self, size: int, stride: int) -> Link:
        """``group(*spread(size, stride))``, memoised per (size, stride): the DP rings of
        every depth and ZeRO stage of one TP and DP × CP size are the same ring."""
        key = (size, stride)
        link = self._rings.get(key)
        if link is None:
            link = self._rings[key] = self.group(*self.spread(size, stride))
        return link

    def one_pass(self, size: int, stride: int) -> Callable[[float], float]:
        """``cost(B)`` of a one-pass ring collective (reduce-scatter, all-gather) of B bytes
        on ``ring(size, stride)``: ``col.Ring.cost``, the same floats as ``col._ring``,
        memoised per (size, stride) (0.0 for a group of one)."""
        got = self._one_pass.get((size, stride))
        if got is None:
            if size <= 1:
                got = _NO_RING.cost
            else:  # ``col.ring(size, self.ring(size, stride), 1)``, the link's rates read once
                # per link (~200 new DP sizes an automatic training sizing: its ring and two
                # link properties each)
                per_node, nodes = self.spread(size, stride)
                rates = self._link_rates.get((per_node, nodes > 1))  # ``group``'s key
                if rates is None:
                    link = self.group(per_node, nodes)
                    rates = self._link_rates[(per_node, nodes > 1)] = (
                        link.bytes_per_s,
                        link.latency_s,
                    )
                got = col.Ring(1, (size - 1) / size, rates[0], (size - 1) * rates[1]).cost
            self._one_pass[(size, stride)] = got
        return got

    def spread(self, size: int, stride: int) -> tuple[int, int]:
        """(members per node, nodes) of a group of ``size`` ranks ``stride`` apart."""
        gpn = self.st.gpus_per_node
        per_node = max(1, min(size, gpn // stride)) if stride < gpn else 1
        return per_node, max(1, -(-size // per_node))


def context(st: TrainingSetup) -> Context:
    """The setup's one Context: every search of a setup (each GPU count tried in size mode,
    the final figures) shares its per-layer, memory and search caches."""
    ctx = st.memo.get("context")
    if ctx is None:
        ctx = Context(st)
        st.memo["context"] = ctx
    assert isinstance(ctx, Context)
    return ctx


@dataclass(frozen=True)
class LayerParts:
    """Seconds of one layer for one micro-batch on one GPU (and the output head)."""

    compute: float
    recompute: float
    tp: float
    cp: float
    ep: float
    head: float
    act_bytes: float  # s·b·h·2 / CP: the activation sent between pipeline stages (per TP rank ×TP)
    tp_floor: float = 0.0  # the exposed fraction of the TP traffic (never hidden)

    @property
    def total(self) -> float:
        """Everything a layer costs on the critical path."""
        return self.compute + self.recompute + self.tp + self.cp + self.ep


def layer_parts(ctx: Context, tp: int, cp: int, mb: int, rc: str, ep: int) -> LayerParts:
    """Cached per-layer costs of a (TP, CP, micro-batch, recompute, EP) choice."""
    key = (tp, cp, mb, rc, ep)
    got = ctx.layers.get(key)
    if got is None:
        got = _layer_parts(ctx, tp, cp, mb, rc, ep)
        ctx.layers[key] = got
    return got


def _layer_parts(ctx: Context, tp: int, cp: int, mb: int, rc: str, ep: int) -> LayerParts:
    st, k = ctx.st, ctx.st.knobs
    key = (tp, cp, mb, ep)
    base = ctx.layer_bases.get(key)
    if base is None:
        base = ctx.layer_bases[key] = _layer_base(ctx, tp, cp, mb, ep)
    tokens, mm_factor, t_mm, t_attn, t_scores, t_mem, gather, t_cp, t_ep, t_head = base
    if rc == "full":
        # unfused scores: the forward moves 13 of the 32 bytes an element (UNFUSED)
        t_re = t_mm * (2.0 / mm_factor) + (t_attn + t_mem) / 3.0 + t_scores * 13.0 / 32.0
    elif rc == "selective":  # the norms and the gated product run again (memory-bound)
        t_re = rebuilt_bytes(st, tokens, tp) / ctx.bw
        if k.score_bytes:  # unfused: selective recompute replays the attention core
            t_re += t_attn / 3.0 + t_scores * 13.0 / 32.0
    else:
        t_re = 0.0
    t_mem += t_scores
    tax = k.overlap_tax
    t_tp = tp_floor = 0.0
    if tp > 1:  # sequence parallel: 2 all-gathers + 2 reduce-scatters forward, same backward
        n_coll = 8 + (4 if rc == "full" else 0)
        raw = n_coll * gather
        floor = k.tp_exposed * raw
        exposed = max(floor, raw - t_mm)
        # what is hidden still takes SMs from the GEMMs it runs beside
        t_tp = exposed + tax * (raw - exposed)
        tp_floor = floor + tax * (raw - floor)
    return frozen.build(  # LayerParts(...), without the frozen per-field setattr
        LayerParts,
        {
            "compute": t_mm + t_attn + t_mem,
            "recompute": t_re,
            "tp": t_tp,
            "cp": t_cp,
            "ep": t_ep,
            "head": t_head,
            "act_bytes": tokens * ctx.s.hidden * 2.0,
            "tp_floor": tp_floor,
        },
    )


# ``_layer_base``: what a layer's costs read but the recompute choice (tokens, the matmul
# factor, matmul, attention, score and memory-bound seconds before recompute, one TP
# all-gather, CP's and EP's seconds, the head's)
_LayerBase = tuple[float, float, float, float, float, float, float, float, float, float]


def _layer_base(ctx: Context, tp: int, cp: int, mb: int, ep: int) -> _LayerBase:
    """The part of ``_layer_parts`` that does not read the recompute choice, per (TP, CP,
    micro-batch, EP) (``Context.layer_bases``): the search asks for all three recompute
    choices of most (TP, CP, micro-batch) (every group's bound does), and this is most of
    the arithmetic and the collectives (the same expressions in the same order, so the same
    figures; 0.65 M of an automatic training sizing's 115.1 M instructions saved)."""
    st, s = ctx.st, ctx.s
    k, e = st.knobs, st.e
    tokens = st.seq * mb / cp  # per GPU per micro-batch
    fill_t = tokens / (tokens + k.gemm_half_tokens)
    matmul_eff = st.matmul_eff  # (a property: read once)

    def rate(width: float) -> float:  # FLOP/s of a GEMM whose split dimension is ``width``
        return matmul_eff * width / (width + k.gemm_half_width) * fill_t * ctx.peak

    gemm = rate(s.hidden / tp)
    lora, moe = st.lora, s.moe  # (properties: read once)
    mm_factor = 4.0 if lora else 6.0
    # each GEMM at its own split width: the attention projections at h/TP (QKV, output),
    # the MLP's at ffn/TP (up/gate outputs, down input: Megatron column/row parallel)
    attn_p = min(s.dense_per_layer, 2.0 * s.hidden * (s.hidden + s.kv_dim))
    mlp_p = s.dense_per_layer - attn_p
    expert_f = mm_factor * s.top_k * s.expert_per_layer * tokens / tp
    attn_f = 6.0 * st.seq * s.hidden * tokens / tp
    t_mm = mm_factor * tokens / tp * (attn_p / gemm + mlp_p / rate(s.ffn / tp))
    if expert_f:  # grouped expert GEMMs: fewer tokens per expert, their own efficiency, and
        # no fp8 gain (small grouped GEMMs plus casts: NeMo 25.11 Qwen3-235B fp8 ≈ bf16)
        per_expert = (tokens / tp if ep > 1 else tokens) * s.top_k * ep / s.experts
        fill = per_expert / (per_expert + k.gemm_half_tokens)
        # at the expert's own width, as every other GEMM: its FFN (expert_per_layer over the
        # gated MLP's 3 h-wide matrices), split by TP only when the experts are not EP-split
        width = s.expert_per_layer / (3.0 * s.hidden) / (tp if ep == 1 else 1)
        bf16_gemm = rate(width) * ctx.attn_peak / ctx.peak * e.matmul / matmul_eff
        t_mm += expert_f / (bf16_gemm * e.moe_gemm * fill)
        # every local expert's weights stream from HBM each micro-batch whatever its tokens
        # (forward and input-gradient reads, the fp32 gradient read and written): a fixed
        # cost per micro-batch that the FLOPs do not hide when an expert sees few tokens
        wbytes = st.assumptions.expert_weight_traffic_bytes
        if lora:  # frozen experts: the two weight reads only
            wbytes = min(wbytes, 4.0)
        local = s.experts / ep if ep > 1 else s.experts
        t_mm += local * s.expert_per_layer / (tp if ep == 1 else 1) * wbytes / ctx.bw
    t_attn = attn_f / (ctx.attn_peak * e.attention)
    t_scores = 0.0
    if k.score_bytes:  # unfused attention (Knobs.score_bytes; 0 = flash, the default)
        t_attn *= 2.0  # the full s x s products, the causal half masked after
        t_scores = k.score_bytes * tokens * s.heads / tp * st.seq / ctx.bw
    t_mem = k.elementwise_passes * layer_activation_bytes(st, tokens, "none", tp) / ctx.bw
    if moe:  # router, permute and un-permute copies of the k routed hidden states
        t_mem += k.elementwise_passes * 2.0 * tokens * s.top_k * s.hidden * 2.0 / tp / ctx.bw
    act_bytes = tokens * s.hidden * 2.0
    gather = col.all_gather(tp, act_bytes, ctx.gpu_link(tp)) if tp > 1 else 0.0
    t_cp = 0.0
    if cp > 1:
        t_cp = _context_parallel(ctx, tokens, tp, cp, t_attn)
    t_ep = 0.0
    if moe and ep > 1:  # dispatch + combine, forward and backward
        a2a = tokens * s.top_k * s.hidden * 2.0 / tp
        raw_ep = 4.0 * col.all_to_all(ep, a2a, ctx.group(*ctx.spread(ep, 1)))
        tax = k.overlap_tax
        t_ep = (k.ep_exposed + tax * (1.0 - k.ep_exposed)) * raw_ep
    head_f = mm_factor * s.head_params * tokens / tp
    t_head = head_f / gemm + 12.0 * s.vocab * tokens / tp / ctx.bw
    return (tokens, mm_factor, t_mm, t_attn, t_scores, t_mem, gather, t_cp, t_ep, t_head)


def _context_parallel(ctx: Context, tokens: float, tp: int, cp: int, t_attn: float) -> float:
    """Seconds CP adds to one layer's micro-batch (TE ``AttnFuncWithCPAndKVP2P``, Megatron-LM
    context parallel): each GPU holds 2 of 2·CP sequence chunks (causal load balance) and
    runs attention in CP steps, passing K/V one hop round the ring per step forward and K/V
    plus dK/dV per step backward. A step's transfer hides behind that step's attention only
    (the next step needs it), so a hop slower than a step's share of attention shows; the
    last dK/dV hop follows the last step and shows whole (Llama 3 §3.3.2: the K/V exchange
    is exposed, small thanks to GQA). A hop leaving the node runs on one GPU's NIC. What is
    hidden still takes SMs (``overlap_tax``); each step merges its partial output (fp32
    output, LSE) forward and accumulates fp32 dQ and dK/dV backward: memory-bound, about 20
    bytes per element per step."""
    st, s = ctx.st, ctx.s
    kv = tokens * 2.0 * s.kv_dim * 2.0 / tp
    per_node, nodes = ctx.spread(cp, tp)
    link = ctx.gpu_link(per_node) if nodes <= 1 else ctx.nic
    hop = col.p2p(kv, link)
    fwd_step = t_attn / 3.0 / cp  # flash attention: backward ≈ 2 × forward FLOPs
    bwd_step = 2.0 * fwd_step
    steps = cp - 1
    exposed = steps * (max(0.0, hop - fwd_step) + max(0.0, 2.0 * hop - bwd_step)) + hop
    ring = 3.0 * steps * hop + hop
    merge = cp * tokens * 20.0 * (s.hidden + s.kv_dim) / tp / ctx.bw
    return exposed + st.knobs.overlap_tax * (ring - exposed) + merge


def slowest_stage(ctx: Context, pp: int, parts: LayerParts) -> tuple[float, int]:
    """(seconds of the slowest stage per micro-batch at depth ``pp``, layers on the fullest
    stage): the fullest stage's layers, or the last stage's with the head if slower."""
    layers = ctx.s.layers
    most = ctx.mem.most(pp)
    last = layers - (pp - 1) * most if pp > 1 else layers
    if last < 0:
        last = 0
    per_layer = parts.compute + parts.recompute + parts.tp + parts.cp + parts.ep  # .total
    t_stage = most * per_layer
    t_last = last * per_layer + parts.head
    if t_last > t_stage:  # max(), without the call
        t_stage = t_last
    return t_stage, most


def stage_time(ctx: Context, lay: Layout, parts: LayerParts) -> tuple[float, float]:
    """(seconds of the slowest stage per micro-batch, layer-equivalents on it)."""
    t_stage = slowest_stage(ctx, lay.pp, parts)[0]
    per_layer = parts.compute + parts.recompute + parts.tp + parts.cp + parts.ep  # .total
    return t_stage, (t_stage / per_layer if per_layer > 0 else 0.0)


def chunk_factor(ctx: Context, lay: Layout) -> float:
    """The largest interleaved chunk of the fullest stage ÷ the mean chunk: chunks hold
    whole layers, so ``most`` layers in v chunks make the largest ceil(most/v) layers, and the
    warm-up and drain (the bubble) advance one chunk per step at the pace of the largest
    (1 when v divides the stage's layers, e.g. Llama 3's 8 one-layer chunks per stage)."""
    return interleave_factor(ctx, lay.pp, lay.vpp)


def interleave_factor(ctx: Context, pp: int, v: int) -> float:
    """``chunk_factor`` of depth ``pp`` with ``v`` chunks per stage (the bounds use it)."""
    if v <= 1:
        return 1.0
    most = ctx.mem.most(pp)
    return -(-most // v) * v / most


def pp_send(ctx: Context, lay: Layout, parts: LayerParts) -> float:
    """Exposed seconds of one micro-batch's pipeline sends: activations forward, their
    gradients backward, per chunk when interleaved (on NVLink when the pipeline stays in a
    node, else on the fabric)."""
    if lay.pp <= 1:
        return 0.0
    return lay.vpp * chunk_send(ctx, lay.tp, lay.cp, lay.pp, lay.dp, lay.micro_batch, parts)


def chunk_send(
    ctx: Context, tp: int, cp: int, pp: int, dp: int, mb: int, parts: LayerParts
) -> float:
    """``pp_send`` of one chunk (``pp`` > 1) from the layout's figures it reads (the bounds
    ask without building the layout), memoised per (TP, CP, micro-batch, inside a node or
    not): the activation sent (``parts.act_bytes``: sequence × micro-batch ÷ CP tokens of the
    hidden size) reads only CP and the micro-batch, and the link only whether the pipeline
    stays inside a node, so one entry serves every depth and DP."""
    gpn = ctx.st.gpus_per_node
    inside = tp * cp * dp < gpn and tp * cp * dp * pp <= gpn
    key = (tp, cp, mb, inside)
    one = ctx.send_cache.get(key)
    if one is None:
        st = ctx.st
        link = ctx.gpu_link(2) if inside else ctx.nic
        one = st.knobs.pp_exposed * 2.0 * col.p2p(parts.act_bytes / tp, link)
        ctx.send_cache[key] = one
    return one


def step_time(ctx: Context, lay: Layout) -> StepTime:
    """Seconds per optimizer step of ``lay`` and what they are spent on."""
    st = ctx.st
    pp, m = lay.pp, lay.micro_batches
    parts = layer_parts(ctx, lay.tp, lay.cp, lay.micro_batch, lay.recompute, lay.ep)
    t_stage, share = stage_time(ctx, lay, parts)
    t_pp = pp_send(ctx, lay, parts)
    # StepTime(...) without the frozen per-field setattr (every variant the search costs)
    return frozen.build(
        StepTime,
        {
            "compute_s": m * share * parts.compute,
            "recompute_s": m * share * parts.recompute,
            "tp_s": m * share * parts.tp,
            "cp_s": m * share * parts.cp,
            "ep_s": m * share * parts.ep,
            "pp_s": m * t_pp,
            "bubble_s": (pp - 1) / lay.vpp * (t_stage * chunk_factor(ctx, lay) + t_pp),
            "dp_s": data_parallel(ctx, lay, t_stage, m),
            "optimizer_s": optimizer_time(ctx, lay),
            "tokens": float(lay.micro_batch * m * lay.dp * st.seq),  # lay.global_batch × seq
            "gpus": lay.tp * lay.cp * pp * lay.dp,  # lay.gpus
            "model_flops_per_token": ctx.model_flops_per_token,
            "peak": ctx.peak,
        },
    )


def rate_bound(ctx: Context, lay: Layout) -> float:
    """Tokens/s the layout cannot beat: the exact pipeline (stages, sends, bubble) and
    optimizer time plus the part of the DP traffic that is never hidden (its exposed
    fraction), i.e. ``step_time`` with every DP overlap window assumed long enough."""
    parts = layer_parts(ctx, lay.tp, lay.cp, lay.micro_batch, lay.recompute, lay.ep)
    t_stage, _ = stage_time(ctx, lay, parts)
    t_pp = pp_send(ctx, lay, parts)
    t_mb = t_stage + t_pp
    m = lay.micro_batches
    bubble = (lay.pp - 1) / lay.vpp * (t_stage * chunk_factor(ctx, lay) + t_pp)
    t = m * t_mb + bubble + optimizer_time(ctx, lay)
    t += dp_floor(ctx, lay.tp, lay.cp, lay.pp, lay.dp, lay.ep, lay.zero, m)
    return lay.micro_batch * m * lay.dp * ctx.st.seq / t  # lay.global_batch × seq / t


def best_rate_bound(
    ctx: Context,
    tp: int,
    cp: int,
    pp: int,
    dp: int,
    ep: int,
    zero: int,
    rc: str,
    mb: int,
    m: int,
    vs: tuple[int, ...] | list[int],
) -> float:
    """The largest ``rate_bound`` of the layout of these degrees (at ``vpp`` 1; the bounds
    ask without building it) at each interleaving ``v`` of ``vs``: the same figures, with
    what does not depend on ``v`` (the layer parts, the stage, one send, the optimizer, the
    DP term: with every overlap window infinite it is its exposed fraction, whatever ``v``)
    computed once."""
    # the memo look-ups of layer_parts, pp_send (at vpp 1: one chunk's sends) and
    # optimizer_time inline, and ``slowest_stage`` as ``stage_time``: the same keys, figures
    # and order (~175 calls a 4,096-node plan)
    parts = ctx.layers.get((tp, cp, mb, rc, ep))
    if parts is None:
        parts = layer_parts(ctx, tp, cp, mb, rc, ep)
    t_stage, most = slowest_stage(ctx, pp, parts)
    one = chunk_send(ctx, tp, cp, pp, dp, mb, parts) if pp > 1 else 0.0
    fixed = ctx.opt_cache.get((tp, cp, pp, dp, ep, zero))
    if fixed is None:
        fixed = optimizer_time_of(ctx, tp, cp, pp, dp, ep, zero)
    dp_t = dp_floor(ctx, tp, cp, pp, dp, ep, zero, m)
    tokens = mb * m * dp * ctx.st.seq  # the layout's global batch × sequence
    best = 0.0  # ``interleave_factor`` inline below: the same expression per v
    for v in vs:
        t_pp = v * one if pp > 1 else 0.0
        factor = -(-most // v) * v / most if v > 1 else 1.0
        bubble = (pp - 1) / v * (t_stage * factor + t_pp)
        t = m * (t_stage + t_pp) + bubble + fixed
        t += dp_t
        rate = tokens / t
        if rate > best:
            best = rate
    return best


def _local_params(ctx: Context, tp: int, pp: int, ep: int) -> tuple[float, float]:
    """(dense, expert) trainable parameters per GPU before ZeRO sharding, memoised per
    (TP, PP, EP): all they depend on (a search asks for them at every DP it tries)."""
    key = (tp, pp, ep)
    got = ctx.local.get(key)
    if got is None:
        st, s = ctx.st, ctx.s
        mp = tp * pp
        if st.lora:
            got = (st.lora_params / mp, 0.0)
        else:
            got = (s.dense_params / mp, s.expert_params / (pp * (tp if ep == 1 else 1) * ep))
        ctx.local[key] = got
    return got


def data_parallel(ctx: Context, lay: Layout, t_stage: float, m: int) -> float:
    """Exposed seconds of gradient reduction and parameter gathers per step: the traffic
    (once per step, or once per micro-batch for ZeRO-2 gradients and ZeRO-3 gathers) less the
    compute window it can hide behind, never below its exposed fraction."""
    per_step, per_mb = dp_traffic(ctx, lay)
    t = per_step + m * per_mb
    if t <= 0.0:
        return 0.0
    zero = lay.zero
    # interleaved: a chunk's gradients are final once its last backward is done, a chunk's
    # parameters are needed only at its first forward, and the schedule runs each chunk for
    # min(p, m) micro-batches in turn, so all but the last chunk's traffic overlaps the other
    # chunks' passes (Megatron-LM overlap_grad_reduce / overlap_param_gather per model chunk)
    v = lay.vpp
    chunks = 1.0 / v + (v - 1) / v * min(lay.pp, m) if v > 1 else 1.0
    if zero == 0:
        window = t_stage * 2.0 / 3.0 * chunks
    elif zero == 1:
        window = t_stage * chunks
    elif zero == 2:
        window = t_stage * (m * 2.0 + 1.0) / 3.0
    elif ctx.st.assumptions.fsdp_gather_once_per_step >= 0.5:
        # the gather hides behind the first forward, the reduce-scatter the last backward
        window = t_stage * chunks
    else:
        window = m * t_stage
    k = ctx.st.knobs
    exposed = max(k.dp_exposed * t, t - window)
    return exposed + k.overlap_tax * (t - exposed)


def dp_floor(ctx: Context, tp: int, cp: int, pp: int, dp: int, ep: int, zero: int, m: int) -> float:
    """``data_parallel`` with every overlap window long enough (``t_stage`` infinite, as the
    bounds assume), given the layout's degrees (no layout built): then the window never
    binds and only the exposed fraction shows, the same figure for every interleaving."""
    key = (tp, cp, pp, dp, ep, zero)
    got = ctx.dp_cache.get(key)  # dp_traffic_of's memo, inline
    if got is None:
        got = ctx.dp_cache[key] = _dp_traffic(ctx, tp, cp, pp, dp, ep, zero)
    per_step, per_mb = got
    t = per_step + m * per_mb
    if t <= 0.0:
        return 0.0
    k = ctx.st.knobs
    exposed = k.dp_exposed * t  # max(k.dp_exposed * t, t - inf)
    return exposed + k.overlap_tax * (t - exposed)


def dp_traffic(ctx: Context, lay: Layout) -> tuple[float, float]:
    """(seconds once per step, seconds per micro-batch) of DP collectives, memoised per
    (TP, CP, PP, DP, EP, ZeRO): ZeRO-0 all-reduces fp32 gradients; ZeRO-1 reduce-scatters them
    and all-gathers bf16 parameters; ZeRO-2 reduce-scatters per micro-batch; ZeRO-3 also
    gathers the parameters forward and backward per micro-batch."""
    return dp_traffic_of(ctx, lay.tp, lay.cp, lay.pp, lay.dp, lay.ep, lay.zero)


def dp_traffic_of(
    ctx: Context, tp: int, cp: int, pp: int, dp: int, ep: int, zero: int
) -> tuple[float, float]:
    """``dp_traffic`` of a layout given by its degrees (no layout built)."""
    key = (tp, cp, pp, dp, ep, zero)
    got = ctx.dp_cache.get(key)
    if got is None:
        got = ctx.dp_cache[key] = _dp_traffic(ctx, tp, cp, pp, dp, ep, zero)
    return got


def _dp_traffic(
    ctx: Context, tp: int, cp: int, pp: int, dp: int, ep: int, zero: int
) -> tuple[float, float]:
    d = dp * cp
    if d <= 1:
        return 0.0, 0.0
    # the collectives read neither the ZeRO stage nor CP apart from the group size DP × CP
    # (``_dp_collectives``): costed once per (TP, PP, DP × CP, EP)
    key = (tp, pp, d, ep)
    pieces = ctx.dp_pieces.get(key)
    if pieces is None:
        pieces = ctx.dp_pieces[key] = _dp_collectives(ctx, tp, pp, d, ep)
    grads, params, gathers = pieces
    if zero == 0:
        return 2.0 * grads, 0.0
    if zero == 1:
        return grads + params, 0.0
    if zero == 2:
        return params, grads
    if ctx.st.assumptions.fsdp_gather_once_per_step >= 0.5:
        # gathered once at the first micro-batch's forward and kept (no backward re-gather),
        # gradients accumulated unsharded and reduce-scattered after the last backward
        return grads + gathers, 0.0
    return 0.0, grads + 2.0 * gathers


def _dp_collectives(ctx: Context, tp: int, pp: int, d: int, ep: int) -> tuple[float, float, float]:
    """(gradient reduce-scatter, parameter all-gather, ZeRO-3 gather with LoRA's frozen
    weights) of one DP group of ``d`` = DP × CP ranks, seconds."""
    st, k = ctx.st, ctx.st.knobs
    dense, expert = ctx.local.get((tp, pp, ep)) or _local_params(ctx, tp, pp, ep)
    g = k.grad_reduce_bytes
    w = 2.0  # bf16 parameters gathered
    de = tp * d // ((tp if ep == 1 else 1) * ep)  # Layout.expert_dp: TP·CP·DP ÷ (ETP·EP)
    if de < 1:
        de = 1
    # the reduce-scatters and all-gathers on the group's one-pass ring (``ctx.one_pass``:
    # ``cost(B)`` is their ``_ring(n, B, link, 1)``, the same floats, without a frame per
    # link property); without experts their buffers are empty and cost 0.0
    cost = ctx.one_pass(d, tp)
    if not expert and not ctx.lora:  # no expert buffers: their 0.0 terms change no sum
        grads = cost(g * dense)
        params = cost(w * dense)
        return grads, params, params
    ecost = ctx.one_pass(de, ep) if expert else _NO_RING.cost
    grads = cost(g * dense) + ecost(g * expert)
    params = cost(w * dense) + ecost(w * expert)
    if not st.lora:
        return grads, params, params
    frozen = st.weight_bytes * ctx.s.params / (tp * pp)
    return grads, params, cost(w * dense + frozen) + ecost(w * expert)


# a group of one GPU: 0.0 for any buffer, as ``col._ring`` of n 1 (no passes, no hops)
_NO_RING = col.Ring(0, 0.0, 1.0, 0.0)


def optimizer_time(ctx: Context, lay: Layout) -> float:
    """Adam step: memory-bound pass over the (sharded) optimizer states (memoised)."""
    return optimizer_time_of(ctx, lay.tp, lay.cp, lay.pp, lay.dp, lay.ep, lay.zero)


def optimizer_time_of(
    ctx: Context, tp: int, cp: int, pp: int, dp: int, ep: int, zero: int
) -> float:
    """``optimizer_time`` of a layout given by its degrees (no layout built), memoised per
    (TP, CP, PP, DP, EP, ZeRO)."""
    key = (tp, cp, pp, dp, ep, zero)
    got = ctx.opt_cache.get(key)
    if got is None:
        dense, expert = ctx.local.get((tp, pp, ep)) or _local_params(ctx, tp, pp, ep)
        if zero >= 1:
            dense /= dp * cp
            de = tp * cp * dp // ((tp if ep == 1 else 1) * ep)  # Layout.expert_dp
            expert /= de if de > 1 else 1
        got = ctx.st.knobs.optimizer_bytes_per_param * (dense + expert) / ctx.bw
        ctx.opt_cache[key] = got
    return got
