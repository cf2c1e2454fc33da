"""Search of the parallel layout: TP × CP × PP (uneven, interleaved) × DP × EP × ZeRO ×
recompute × micro-batch under memory and a global-batch bound; the fastest that fits wins.

Pruned, not brute force: for each (TP, CP, recompute, ZeRO, EP) only the shallowest pipeline
that fits memory is kept (a deeper one only adds bubble and sends); a higher ZeRO stage is tried
only when it lets the pipeline get shallower; DP takes every GPU left (more replicas never lower
throughput at a fixed global batch); micro-batch sizes grow while memory fits and time improves;
a candidate whose compute-only bound is already slower than the best is not costed in full.
"""

from __future__ import annotations

from dataclasses import dataclass

from .memory import Layout, TrainingMemory, ep_fits
from .setup import RECOMPUTES, TrainingSetup
from .step import Context, StepTime, rate_bound, step_time

KEEP = 3  # runner-up layouts reported


@dataclass(frozen=True)
class Candidate:
    """A costed layout."""

    layout: Layout
    step: StepTime
    memory: TrainingMemory


@dataclass(frozen=True)
class SearchResult:
    """The fastest layout that fits, the runners-up and what binds."""

    best: Candidate | None
    runners_up: tuple[Candidate, ...]
    binding: str
    evaluated: int


def _powers(limit: int) -> list[int]:
    out, v = [], 1
    while v <= limit:
        out.append(v)
        v *= 2
    return out


def tp_options(st: TrainingSetup) -> list[int]:
    """TP degrees: powers of two within a node dividing heads (and the KV heads when > TP)."""
    s, gpn = st.s, st.gpus_per_node
    if st.spec.tensor_parallel is not None:
        return [st.spec.tensor_parallel]
    return [t for t in _powers(gpn) if s.heads % t == 0 and gpn % t == 0]


def cp_options(st: TrainingSetup) -> list[int]:
    """CP degrees: powers of two leaving at least 2,048 tokens per GPU (1 always)."""
    if st.spec.context_parallel is not None:
        return [st.spec.context_parallel]
    return [c for c in _powers(64) if c == 1 or (st.seq % (2 * c) == 0 and st.seq // c >= 2048)]


def ep_options(st: TrainingSetup) -> list[int]:
    """EP degrees: powers of two dividing the expert count (1 for dense models)."""
    s = st.s
    if not s.moe:
        return [1]
    if st.spec.expert_parallel is not None:
        return [st.spec.expert_parallel]
    return [e for e in _powers(s.experts) if s.experts % e == 0]


def _zero_options(st: TrainingSetup) -> list[int]:
    z = st.spec.zero_stage
    return [z] if z is not None else [1, 2, 3]


def _recompute_options(st: TrainingSetup) -> list[str]:
    rc = st.spec.recompute
    return list(RECOMPUTES) if rc is None else [rc]


def _shape(st: TrainingSetup, gpus: int, tp: int, cp: int, pp: int, mb: int) -> tuple[int, int]:
    """(dp, micro-batches): every GPU left, capped by the global batch."""
    g = st.global_batch
    dp = min(gpus // (tp * cp * pp), max(1, g // mb))
    return dp, max(1, g // (dp * mb))


def _fits(
    ctx: Context, gpus: int, tp: int, cp: int, pp: int, zero: int, rc: str, ep: int
) -> Layout | None:
    dp, m = _shape(ctx.st, gpus, tp, cp, pp, 1)
    if not ep_fits(tp, cp, dp, ep):
        return None
    lay = Layout(tp, cp, pp, dp, ep, 1, zero, rc, 1, m)
    return lay if ctx.mem.fits(lay) else None


def _min_pp(
    ctx: Context, gpus: int, tp: int, cp: int, zero: int, rc: str, ep: int
) -> Layout | None:
    """Shallowest pipeline that fits (memory falls with depth: binary search)."""
    fixed = ctx.st.spec.pipeline_parallel
    if fixed is not None:
        return _fits(ctx, gpus, tp, cp, fixed, zero, rc, ep) if tp * cp * fixed <= gpus else None
    top = min(ctx.s.layers, gpus // (tp * cp))
    if top < 1:
        return None
    hit = _fits(ctx, gpus, tp, cp, top, zero, rc, ep)
    if hit is None:
        return None
    lo, hi = 0, top
    while hi - lo > 1:
        mid = (lo + hi) // 2
        got = _fits(ctx, gpus, tp, cp, mid, zero, rc, ep)
        if got is not None:
            hi, hit = mid, got
        else:
            lo = mid
    return hit


def _pp_options(ctx: Context, gpus: int, tp: int, cp: int, p_min: int) -> list[int]:
    """The shallowest pipeline plus deeper powers of two (room for interleaving)."""
    if ctx.st.spec.pipeline_parallel is not None:
        return [p_min]
    top = min(ctx.s.layers, gpus // (tp * cp), 4 * p_min)
    out = [p_min]
    p = 1
    while p <= top:
        if p > p_min:
            out.append(p)
        p *= 2
    return out


def _vpp_options(ctx: Context, pp: int) -> list[int]:
    if pp <= 1:
        return [1]
    return [1] + [v for v in (2, 4, 8) if pp * v <= ctx.s.layers]


def shapes(ctx: Context, gpus: int) -> list[Layout]:
    """Every (TP, CP, EP, recompute, ZeRO, PP) worth costing, at micro-batch 1."""
    st = ctx.st
    out: list[Layout] = []
    for tp in tp_options(st):
        for cp in cp_options(st):
            if tp * cp > gpus:
                continue
            for ep in ep_options(st):
                for rc in _recompute_options(st):
                    last_pp = 0
                    for zero in _zero_options(st):
                        base = _min_pp(ctx, gpus, tp, cp, zero, rc, ep)
                        if base is None or (last_pp and base.pp >= last_pp):
                            continue
                        last_pp = base.pp
                        for pp in _pp_options(ctx, gpus, tp, cp, base.pp):
                            dp, m = _shape(st, gpus, tp, cp, pp, 1)
                            if not ep_fits(tp, cp, dp, ep):
                                continue
                            out.append(Layout(tp, cp, pp, dp, ep, 1, zero, rc, 1, m))
    return out


def _optimistic(ctx: Context, lay: Layout) -> float:
    """Upper bound of any variant's tokens/s: deepest interleaving, GEMMs at full tokens."""
    vmax = _vpp_options(ctx, lay.pp)[-1]
    tokens = ctx.st.seq / lay.cp
    factor = tokens / (tokens + ctx.st.knobs.gemm_half_tokens)
    probe = Layout(
        lay.tp, lay.cp, lay.pp, lay.dp, lay.ep, vmax, lay.zero, lay.recompute, 1, lay.micro_batches
    )
    return rate_bound(ctx, probe) / factor


def search(st: TrainingSetup, gpus: int) -> SearchResult:
    """Fastest layout on at most ``gpus`` GPUs (time per token), with runners-up: shapes are
    costed in order of their optimistic bound and the rest dropped once it cannot beat the
    best; the runners-up are the next best of those costed."""
    ctx = Context(st)
    ranked = sorted(((_optimistic(ctx, lay), lay) for lay in shapes(ctx, gpus)), key=_first)
    ranked.reverse()
    found: list[Candidate] = []
    tops: list[float] = []
    evaluated = 0
    for bound, lay in ranked:
        floor = tops[0] if tops else 0.0
        if bound <= floor:
            break
        got, n = _variants(ctx, gpus, lay, floor)
        evaluated += n
        if got:
            found.extend(got)
            tops = sorted([*tops, max(c.step.tokens_per_s for c in got)], reverse=True)
    found.sort(key=lambda c: -c.step.tokens_per_s)
    unique: list[Candidate] = []
    labels: set[tuple[str, int, str]] = set()
    for c in found:
        key = (c.layout.label(), c.layout.zero, c.layout.recompute)
        if key not in labels:
            labels.add(key)
            unique.append(c)
        if len(unique) > KEEP:
            break
    if not unique:
        return SearchResult(None, (), "memory", evaluated)
    return SearchResult(unique[0], tuple(unique[1:]), binding(st, unique[0], gpus), evaluated)


def _first(item: tuple[float, Layout]) -> float:
    return item[0]


def _variants(ctx: Context, gpus: int, base: Layout, floor: float) -> tuple[list[Candidate], int]:
    """Interleaving depths × micro-batch sizes (growing while they fit and help); a variant
    whose compute-only bound cannot beat ``floor`` is not costed."""
    st = ctx.st
    out: list[Candidate] = []
    evaluated = 0
    fixed_mb = st.spec.micro_batch_size
    for vpp in _vpp_options(ctx, base.pp):
        prev = 0.0
        mb = fixed_mb or 1
        while mb <= (fixed_mb or st.knobs.max_micro_batch):
            dp, m = _shape(st, gpus, base.tp, base.cp, base.pp, mb)
            if not ep_fits(base.tp, base.cp, dp, base.ep) or (mb > 1 and dp * mb > st.global_batch):
                break
            if vpp > 1 and m < base.pp:
                break
            lay = Layout(
                base.tp, base.cp, base.pp, dp, base.ep, vpp, base.zero, base.recompute, mb, m
            )
            if not ctx.mem.fits(lay):
                break
            if rate_bound(ctx, lay) <= max(floor, prev):
                mb *= 2
                continue
            step = step_time(ctx, lay)
            evaluated += 1
            if step.tokens_per_s <= prev:
                break
            prev = step.tokens_per_s
            out.append(Candidate(lay, step, ctx.mem.breakdown(lay)))
            mb *= 2
    return out, evaluated


def binding(st: TrainingSetup, best: Candidate, gpus: int) -> str:
    """Name the constraint that shapes the chosen layout."""
    lay, step = best.layout, best.step
    idle = gpus - lay.gpus
    if idle >= lay.tp * lay.cp * lay.pp:
        return f"global batch: {st.global_batch} sequences allow only DP{lay.dp} ({idle} GPUs idle)"
    if lay.pp > 1 or lay.recompute == "full" or lay.zero >= 2 or lay.cp > 1:
        return (
            f"memory per GPU: {best.memory.total_gb:.1f} of {best.memory.usable_gb:.1f} GB "
            f"usable needs {lay.label()}, ZeRO-{lay.zero}, {lay.recompute} recompute"
        )
    parts = {
        "tensor-parallel communication": step.tp_s,
        "data-parallel communication": step.dp_s,
        "expert all-to-all": step.ep_s,
        "context-parallel communication": step.cp_s,
        "pipeline bubble": step.bubble_s,
    }
    name, value = max(parts.items(), key=lambda kv: kv[1])
    if value > 0.1 * step.total_s:
        return f"{name}: {value / step.total_s:.0%} of the step"
    return f"compute: MFU {step.mfu:.0%} of the GPU's peak"
