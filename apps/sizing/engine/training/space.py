"""The layout space the search walks: TP, CP, EP, ZeRO, recompute, pipeline depth (the
shallowest that fits plus deeper powers of two), interleaving and micro-batch options, and the
DP size and gradient accumulation of a shape (every GPU left, capped by the global batch, and
the smaller DPs that split the global batch into whole micro-batches better: ``idle_shapes``)."""

from __future__ import annotations

import math
from collections.abc import Iterable

from .memory import Layout, ep_fits, layout
from .setup import RECOMPUTES, TrainingSetup
from .step import Context


def powers(limit: int) -> list[int]:
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
    return [t for t in powers(gpn) if s.heads % t == 0 and gpn % t == 0]


def cp_options(st: TrainingSetup) -> list[int]:
    """CP degrees: powers of two leaving at least 2,048 tokens per GPU (1 always)."""
    if st.spec.context_parallel is not None:
        return [st.spec.context_parallel]
    return [c for c in powers(64) if c == 1 or (st.seq % (2 * c) == 0 and st.seq // c >= 2048)]


def ep_options(st: TrainingSetup) -> list[int]:
    """EP degrees: powers of two dividing the expert count (1 for dense models)."""
    s = st.s
    if not s.moe:
        return [1]
    if st.spec.expert_parallel is not None:
        return [st.spec.expert_parallel]
    return [e for e in powers(s.experts) if s.experts % e == 0]


def zero_options(st: TrainingSetup) -> list[int]:
    z = st.spec.zero_stage
    return [z] if z is not None else [1, 2, 3]


def recompute_options(st: TrainingSetup) -> list[str]:
    rc = st.spec.recompute
    return list(RECOMPUTES) if rc is None else [rc]


def micro_batches(st: TrainingSetup) -> tuple[int, ...]:
    """Micro-batch sizes tried (kept on the setup: the bounds ask for them per shape)."""
    got = st.memo.get("micro_batches")
    if got is None:
        fixed = st.spec.micro_batch_size
        got = (fixed,) if fixed else tuple(powers(st.knobs.max_micro_batch))
        st.memo["micro_batches"] = got
    assert isinstance(got, tuple)
    return got


def dp_shape(
    ctx: Context, gpus: int, tp: int, cp: int, pp: int, mb: int, ep: int = 1
) -> tuple[int, int]:
    """(dp, micro-batches): every GPU left, capped by the global batch, and with EP the
    largest such DP that EP divides the TP × CP × DP ranks of (the rest idle: until session
    5 a shape whose DP EP did not divide was dropped, so 151 nodes of 8 ran Mixtral slower
    than 150, whose PP2 × EP8 on DP600 had no shape at DP604)."""
    g = ctx.g
    dp, cap = gpus // (tp * cp * pp), g // mb
    if cap < 1:
        cap = 1
    if cap < dp:
        dp = cap
    if ep > 1:
        step = ep_step(tp, cp, ep)
        if dp >= step:
            dp -= dp % step
    m = g // (dp * mb)
    return dp, (m if m > 1 else 1)


def fits_at(
    ctx: Context, gpus: int, tp: int, cp: int, pp: int, zero: int, rc: str, ep: int
) -> Layout | None:
    dp, m = dp_shape(ctx, gpus, tp, cp, pp, 1, ep)
    if not ep_fits(tp, cp, dp, ep) or not ctx.mem.fits_plain(tp, cp, pp, dp, ep, zero, rc, m):
        return None
    return layout(tp, cp, pp, dp, ep, zero, rc, 1, m)


def min_pp(ctx: Context, gpus: int, tp: int, cp: int, zero: int, rc: str, ep: int) -> Layout | None:
    """Shallowest pipeline that fits. Memory is not monotone in depth (the first stage holds
    min(p, m) micro-batches of about layers/p layers, which rounds up past the layers), so:
    binary search for the shallowest depth whose memory floor fits
    (``MemoryModel.may_fit_plain``: it only falls with depth), then test each depth from
    there (``min_pps`` of the one ZeRO stage)."""
    got = min_pps(ctx, gpus, tp, cp, (zero,), rc, ep)
    return got[0] if got else None


def min_pps(
    ctx: Context, gpus: int, tp: int, cp: int, zeros: Iterable[int], rc: str, ep: int
) -> list[Layout]:
    """``min_pp`` of each ZeRO stage of ``zeros`` in turn, those where one fits (what they
    read but the ZeRO stage taken once: ``shallowest`` asks for three stages at a time)."""
    fixed = ctx.st.spec.pipeline_parallel
    out: list[Layout] = []
    if fixed is not None:
        for zero in zeros:
            got = (
                fits_at(ctx, gpus, tp, cp, fixed, zero, rc, ep) if tp * cp * fixed <= gpus else None
            )
            if got is not None:
                out.append(got)
        return out
    ranks = gpus // (tp * cp)
    top = min(ctx.s.layers, ranks)
    if top < 1:
        return out
    # the memory tests of ``MemoryModel.may_fit_plain``, ``none_deeper_fits`` and
    # ``fits_plain`` inline, with what they read the same at every depth taken once: the
    # same sums in the same order, so the same answers (a search calls this ~130 times,
    # each ~15 memory tests). The bisection's floor test (``may_fit_plain`` at micro-batch 1,
    # DP min(ranks // pp, g)) is written out at each of its two places rather than called:
    # an automatic training sizing makes ~840 of them (a closure call each: 1.9 M
    # instructions of its 131 M)
    g = ctx.g if ctx.g > 1 else 1
    mem = ctx.mem
    layers, most, known = mem.layers, mem.most, mem._most.get
    state, new_state = mem._states.get, mem._states.fill
    per_layer, rebuilt, logits = mem._activations(tp, cp, 1, rc)
    limit = mem.usable + 1e-6
    m_floor = ctx.g // (ranks if ranks < g else g)  # dp_shape(ctx, gpus, tp, cp, 1, 1)[1]
    if m_floor < 1:
        m_floor = 1
    step = ep_step(tp, cp, ep) if ep > 1 else 1
    for zero in zeros:
        overhead = mem._overhead(tp, zero)
        # may_fit(top)
        dp = ranks // top
        layers_on = known(top)  # the fullest stage's layers (``MemoryModel.most``)
        if layers_on is None:
            layers_on = most(top)
        held = layers_on * m_floor
        if held > layers:
            held = layers
        key = (tp, cp, top, dp if dp < g else g, ep, zero)
        low = (state(key) or new_state(key)) + held * per_layer + rebuilt
        if not low + logits + overhead <= limit:
            continue
        lo, hi = 0, top
        while hi - lo > 1:
            mid = (lo + hi) // 2
            dp = ranks // mid  # may_fit(mid), as above
            layers_on = known(mid)
            if layers_on is None:
                layers_on = most(mid)
            held = layers_on * m_floor
            if held > layers:
                held = layers
            key = (tp, cp, mid, dp if dp < g else g, ep, zero)
            low = (state(key) or new_state(key)) + held * per_layer + rebuilt
            if low + logits + overhead <= limit:
                hi = mid
            else:
                lo = mid
        for pp in range(hi, top + 1):
            dp = ranks // pp  # dp_shape(ctx, gpus, tp, cp, pp, 1, ep) inline
            if g < dp:
                dp = g
            if step > 1 and dp >= step:
                dp -= dp % step
            m = ctx.g // dp
            if m < 1:
                m = 1
            # none_deeper_fits(tp, cp, zero, rc, m)
            if float(layers if layers < m else m) * per_layer + rebuilt + logits + overhead > limit:
                break
            if ep > 1 and (tp * cp * dp) % ep != 0:  # ep_fits
                continue
            # fits_plain(tp, cp, pp, dp, ep, zero, rc, m)
            layers_on = known(pp)
            if layers_on is None:
                layers_on = most(pp)
            act = layers_on * float(pp if pp < m else m) * per_layer + rebuilt
            key = (tp, cp, pp, dp, ep, zero)
            if (state(key) or new_state(key)) + act + logits + overhead <= limit:
                out.append(layout(tp, cp, pp, dp, ep, zero, rc, 1, m))
                break
    return out


def pp_options(ctx: Context, gpus: int, tp: int, cp: int, p_min: int) -> list[int]:
    """The shallowest pipeline that fits, every depth up to twice it and deeper powers of two
    up to four times it (room for interleaving and micro-batches), and any deeper depth that
    uses the GPUs better than all shallower ones: uneven stages, so a depth that balances the
    layers and the output head better (and leaves fewer GPUs idle) can beat a shallower one.
    """
    if ctx.st.spec.pipeline_parallel is not None:
        return [p_min]
    key = (gpus // (tp * cp), p_min)
    got = ctx.pp_cache.get(key)
    if got is None:
        got = _pp_options(ctx, *key)
        ctx.pp_cache[key] = got
    return got


def _pp_options(ctx: Context, ranks: int, p_min: int) -> list[int]:
    top = min(ctx.s.layers, ranks)
    out = list(range(p_min, min(top, 2 * p_min) + 1))
    record = ctx.mem.best_use(ranks, p_min, min(top, 2 * p_min)) if out else 0.0
    p = 1
    while p <= min(top, 4 * p_min):
        if p > 2 * p_min:
            out.append(p)
        p *= 2
    for pp in ctx.mem.records(ranks, 2 * p_min + 1, top, record):
        if pp not in out:
            out.append(pp)
    return sorted(out)


def vpp_options(ctx: Context, pp: int) -> list[int]:
    if pp <= 1:
        return [1]
    most = ctx.mem.most(pp)  # every chunk of the fullest stage holds at least one layer
    return [1] + [v for v in (2, 4, 8) if v <= most]


def shallowest(ctx: Context, gpus: int, tp: int, cp: int, ep: int, rc: str) -> list[Layout]:
    """Per ZeRO stage, the shallowest pipeline of one (TP, CP, EP, recompute) group that fits
    (stages where none fits are left out); memoised (memory only: see ``share_memory``)."""
    cache: dict[tuple[int | str, ...], list[Layout]] = ctx.memo.setdefault("shallowest", {})
    key = (gpus // (tp * cp), tp, cp, ep, rc)  # ``min_pp`` reads ``gpus`` only as this
    got = cache.get(key)
    if got is None:
        got = cache[key] = min_pps(ctx, gpus, tp, cp, zero_options(ctx.st), rc, ep)
    return got


def share_memory(ctx: Context, other: Context) -> None:
    """Let ``ctx`` use ``other``'s memory-only work: the same run on another fabric (memory
    per GPU does not depend on the fabric), so its memory model, shallowest pipelines, depth
    options, shapes' memory caps and groups that fit nothing hold here as they are; so do
    what reads neither the fabric nor its links: the groups' shapes (memory and the global
    batch), the smaller DPs (the global batch), the interleavings and the stage depths
    (bounds.stage_depth: the stages' layers), the parameters per GPU and the optimizer's
    time (HBM), and the per-layer costs whose CP and EP groups stay in a node (on the GPU
    link, as TP's: hardware.group_link), copied."""
    ctx.mem = other.mem
    ctx.pp_cache = other.pp_cache
    ctx.no_fit = other.no_fit
    shared = ("shallowest", "caps", "group_shapes", "idle_dps", "interleavings", "stage_depths")
    for name in shared:
        ctx.memo[name] = other.memo.setdefault(name, {})
    ctx.local = other.local
    ctx.opt_cache = other.opt_cache
    moe, spread = ctx.s.moe, ctx.spread
    for key, parts in other.layers.items():  # (TP, CP, micro-batch, recompute, EP)
        if spread(key[1], key[0])[1] == 1 and (not moe or spread(key[4], 1)[1] == 1):
            ctx.layers.setdefault(key, parts)


def group_shapes(ctx: Context, gpus: int, bases: list[Layout]) -> list[Layout]:
    """The (ZeRO, PP) shapes of one (TP, CP, EP, recompute) group worth costing, from its
    shallowest pipelines (``shallowest``): per ZeRO stage that depth and deeper ones (a
    higher stage also when it does not make the pipeline shallower: the memory it frees may
    take a larger micro-batch). Each may also run on fewer GPUs (``idle_shapes``)."""
    return [
        layout(tp, cp, pp, dp, ep, zero, rc, 1, m)
        for tp, cp, pp, dp, ep, zero, rc, m in shape_degrees(ctx, gpus, bases)
    ]


# A shape of ``group_shapes`` by its degrees: (TP, CP, PP, DP, EP, ZeRO, recompute,
# micro-batches), at micro-batch 1 without interleaving
Degrees = tuple[int, int, int, int, int, int, str, int]


def shape_degrees(ctx: Context, gpus: int, bases: list[Layout]) -> list[Degrees]:
    """``group_shapes`` by their degrees, no layout built: the search builds one only for a
    shape it takes from its heap (most wait there until the search ends)."""
    out: list[Degrees] = []
    g = ctx.g
    cap = g if g > 1 else 1
    for base in bases:
        tp, cp, ep, zero, rc = base.tp, base.cp, base.ep, base.zero, base.recompute
        step = ep_step(tp, cp, ep)
        for pp in pp_options(ctx, gpus, tp, cp, base.pp):
            dp = gpus // (tp * cp * pp)  # dp_shape(ctx, gpus, tp, cp, pp, 1, ep) inline
            if cap < dp:
                dp = cap
            if step > 1 and dp >= step:
                dp -= dp % step
            if ep > 1 and (tp * cp * dp) % ep != 0:  # ep_fits
                continue
            m = g // dp
            out.append((tp, cp, pp, dp, ep, zero, rc, m if m > 1 else 1))
    return out


def ep_step(tp: int, cp: int, ep: int) -> int:
    """DP must be a multiple of this for EP to divide the TP × CP × DP ranks (``ep_fits``)."""
    return ep // math.gcd(ep, tp * cp) if ep > 1 else 1


def idle_shapes(ctx: Context, lay: Layout) -> list[Layout]:
    """The shape ``lay`` (micro-batch 1, DP every GPU left) with GPUs left idle: a cluster
    can always leave GPUs idle, so a layout on N nodes must stay possible on N + 1, where DP
    every GPU left may round the global batch into fewer, emptier micro-batch rounds (2,048
    GPUs at PP3: DP682 × 6 micro-batches = 4,092 of 4,096 sequences; 2,056 GPUs: DP685 × 5 =
    3,425). With g sequences, a DP d runs g // d micro-batches and uses d·(g // d) sequences;
    a smaller d is worth trying only when it uses more of the batch than every larger one
    (fewer sequences in more micro-batch rounds never run faster). So: every d below the
    shape's DP whose d·(g // d) is a new record, down to the first that uses all g (each the
    shape on d·TP·CP·PP GPUs: its bounds are those of that GPU count, exact)."""
    h = lay
    return [
        layout(h.tp, h.cp, h.pp, d, h.ep, h.zero, h.recompute, 1, ctx.g // d)
        for d in idle_dps(ctx, h.dp, ep_step(h.tp, h.cp, h.ep))
    ]


def idle_dps(ctx: Context, dp: int, step: int = 1) -> tuple[int, ...]:
    """``record_dps`` of the setup's global batch, memoised."""
    cache: dict[tuple[int, int], tuple[int, ...]] | None = ctx.memo.get("idle_dps")
    if cache is None:  # (``get`` first: ``setdefault``'s default dict is built every call)
        cache = ctx.memo["idle_dps"] = {}
    got = cache.get((dp, step))
    if got is None:
        got = cache[(dp, step)] = record_dps(ctx.g, dp, step)
    return got


def record_dps(g: int, dp: int, step: int = 1) -> tuple[int, ...]:
    """The DPs below ``dp`` (multiples of ``step``: EP must divide the ranks) that use more
    of ``g`` sequences (d·(g // d)) than every larger such DP down to ``dp``, until one uses
    all of them. Only the largest such d of q micro-batch rounds can be one, so q is walked,
    not d. (The records were taken over every d and the EP-invalid ones dropped after, which
    lost the valid DP just below an invalid record.)"""
    out: list[int] = []
    if dp <= 1:
        return ()
    used, q = dp * (g // dp), g // dp + 1
    while used < g:  # (~1,300 steps an automatic training sizing: g // d taken once a step)
        d = g // q
        if step > 1:
            d -= d % step
        if d < 1:
            break
        rounds = g // d
        got = d * rounds
        if got > used:
            used = got
            out.append(d)
        q = rounds + 1
    return tuple(out)


def reshape(ctx: Context, lay: Layout, gpus: int) -> Layout | None:
    """``lay`` on ``gpus`` GPUs: the same TP, CP, PP, EP, ZeRO, recompute, interleaving and
    micro-batch, with DP and gradient accumulation recomputed (None: it no longer fits)."""
    if lay.tp * lay.cp * lay.pp > gpus:
        return None
    dp, m = dp_shape(ctx, gpus, lay.tp, lay.cp, lay.pp, lay.micro_batch, lay.ep)
    if not ep_fits(lay.tp, lay.cp, dp, lay.ep) or (lay.vpp > 1 and m < lay.pp):
        return None
    h = lay
    out = layout(h.tp, h.cp, h.pp, dp, h.ep, h.zero, h.recompute, h.micro_batch, m, h.vpp)
    return out if ctx.mem.fits(out) else None
