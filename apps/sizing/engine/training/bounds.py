"""Upper bounds of tokens/s the search prunes with: per (TP, CP, EP, recompute) group, per
(ZeRO, PP) shape, and per shape over its micro-batch sizes. Each is a true bound of
``step_time`` (tested against it), so pruning with them never drops the fastest layout.
(Over 400 lines on purpose: each bound and its forms on plain degrees that the search's inner
loops call, kept next to each other so that they stay the same sums.)"""

from __future__ import annotations

from typing import Any

from .memory import Layout
from .space import (
    cp_options,
    dp_shape,
    ep_options,
    ep_step,
    micro_batches,
    recompute_options,
    tp_options,
    vpp_options,
)
from .step import (
    Context,
    LayerParts,
    best_rate_bound,
    chunk_send,
    dp_floor,
    interleave_factor,
    layer_parts,
    optimizer_time_of,
)


def groups(ctx: Context, gpus: int) -> list[tuple[float, int, int, int, str]]:
    """Every (TP, CP, EP, recompute) group with an upper bound of its tokens/s, best first.

    The bound holds for any pipeline depth, ZeRO stage, interleaving and micro-batch: the
    fullest of p stages runs at least (layers·per_layer + head)/p, so m micro-batches of b
    sequences on dp replicas take at least m·(layers·per_layer + head)/p, and dp·p <= GPUs ÷
    (TP·CP); the bubble, sends, DP and the optimizer only add time. The bound is linear in
    the GPU count, so the order is computed once per setup."""
    ranked = ctx.memo.get("groups")
    if ranked is None:
        st = ctx.st
        ranked = []
        for tp in tp_options(st):
            for cp in cp_options(st):
                for ep in ep_options(st):
                    for rc in recompute_options(st):
                        per_gpu = st.seq / (tp * cp * best_per_seq(ctx, tp, cp, ep, rc))
                        ranked.append((per_gpu, tp, cp, ep, rc))
        ranked.sort(key=lambda g: -g[0])
        ctx.memo["groups"] = ranked
    return [(b * gpus, tp, cp, ep, rc) for b, tp, cp, ep, rc in ranked if tp * cp <= gpus]


def depth_bound(ctx: Context, gpus: int, group_bound: float, tp: int, cp: int, p0: int) -> float:
    """``groups``' bound of one group with the bubble of pipelines at least ``p0`` deep (the
    shallowest that fits memory).

    With R = GPUs ÷ (TP·CP) and K the group's tokens/s per rank (so that bound = K·R): a
    layout of depth p runs m micro-batches of b sequences on dp replicas in at least
    (m + (p−1)/v)·b·(layers·per_layer + head)/p with v <= 8, and dp·p <= R, dp·b·m <= g, so
    its tokens/s are at most K·min(R·m, g·p)/(m + (p−1)/v), largest at m = g·p/R:
    K·R / (1 + (p−1)·R / (v·g·p)); (p−1)/p only grows with p, so p0 and v = 8 bound it."""
    if p0 <= 1:
        return group_bound
    ranks = gpus / (tp * cp)
    return group_bound / (1.0 + (p0 - 1) * ranks / (8.0 * ctx.g * p0))


def best_per_seq(ctx: Context, tp: int, cp: int, ep: int, rc: str) -> float:
    """A floor of the per-sequence seconds of all layers and the head over every micro-batch
    size, from the largest one alone: per sequence, GEMM fill, latencies and the head only
    improve with the micro-batch, attention and memory-bound work stay constant, the TP
    traffic is at least its exposed share and CP's cost per sequence (its hops' latency
    amortised, its merge traffic per token) only falls with the micro-batch."""
    s = ctx.s
    mb = max(micro_batches(ctx.st))
    p = layer_parts(ctx, tp, cp, mb, rc, ep)
    return (s.layers * (p.compute + p.recompute + p.tp_floor + p.cp + p.ep) + p.head) / mb


def memory_cap(ctx: Context, gpus: int, lay: Layout, memory: bool = True) -> tuple[int, int]:
    """The largest micro-batch of a shape (``lay`` at micro-batch 1) the global batch allows
    and, with ``memory``, that also fits (memory grows with it), and the shape's DP at it
    (all ``shape_bound`` reads of the shape there: no layout built); (0, 0) when none does."""
    tp, cp, pp = lay.tp, lay.cp, lay.pp
    return memory_cap_of(
        ctx, gpus // (tp * cp * pp), tp, cp, pp, lay.ep, lay.zero, lay.recompute, memory
    )


def memory_cap_of(
    ctx: Context,
    ranks: int,
    tp: int,
    cp: int,
    pp: int,
    ep: int,
    zero: int,
    rc: str,
    memory: bool = True,
) -> tuple[int, int]:
    """``memory_cap`` of the shape given by its degrees, ``ranks`` = GPUs ÷ (TP·CP·PP) (the
    search asks for shapes waiting by their degrees: no layout built for one it drops)."""
    g = ctx.g
    # ``dp_shape`` and ``MemoryModel.fits_shape`` (no interleaving) inline, with what they
    # read the same at every micro-batch taken once: the same figures in the same order
    mem = ctx.mem
    act_of, acts, states = mem._activations, mem._act, mem._states
    most = mem.most(pp)
    overhead = mem.overhead if zero != 3 else mem._overhead(tp, zero)
    limit = mem.usable + 1e-6
    cap, cap_dp = 0, 0
    mbs = ctx.st.memo.get("micro_batches") or micro_batches(ctx.st)
    if ep == 1 and memory:  # the loop below without its EP and memory tests (~820 steps)
        for mb in mbs:
            dp = g // mb  # dp_shape(ctx, gpus, tp, cp, pp, mb)
            if dp < 1:
                dp = 1
            if ranks < dp:
                dp = ranks
            m = g // (dp * mb)
            if m < 1:
                m = 1
            if mb > 1 and dp * mb > g:
                break
            per_layer, rebuilt, logits = acts.get((tp, cp, mb, rc)) or act_of(tp, cp, mb, rc)
            act = most * float(pp if pp < m else m) * per_layer + rebuilt
            if not states[(tp, cp, pp, dp, 1, zero)] + act + logits + overhead <= limit:
                break
            cap, cap_dp = mb, dp
        return cap, cap_dp
    step = ep_step(tp, cp, ep) if ep > 1 else 1
    for mb in mbs:
        dp = g // mb  # dp_shape(ctx, gpus, tp, cp, pp, mb, ep)
        if dp < 1:
            dp = 1
        if ranks < dp:
            dp = ranks
        if step > 1 and dp >= step:
            dp -= dp % step
        m = g // (dp * mb)
        if m < 1:
            m = 1
        if mb > 1 and dp * mb > g:
            break
        if ep > 1 and (tp * cp * dp) % ep != 0:  # ep_fits
            break
        if memory:
            per_layer, rebuilt, logits = acts.get((tp, cp, mb, rc)) or act_of(tp, cp, mb, rc)
            act = most * float(pp if pp < m else m) * per_layer + rebuilt
            if not states[(tp, cp, pp, dp, ep, zero)] + act + logits + overhead <= limit:
                break
        cap, cap_dp = mb, dp
    return cap, cap_dp


def shape_bound(ctx: Context, lay: Layout, cap: int, cap_dp: int) -> float:
    """Cheap upper bound of a shape's tokens/s over every micro-batch size up to ``cap``
    (``cap_dp``: the shape's DP at it) and every interleaving.

    At the largest micro-batch b the per-sequence floors of the layer work (as in
    ``best_per_seq``), the head and the pipeline sends (their latency only amortises) hold
    for every smaller b; each of dp replicas runs its share of the g sequences through the
    fullest stage, pays v sends per micro-batch and a bubble of (p−1)/v stages of at least
    one sequence, best v taken; then the optimizer (fewer replicas only shard it less) and,
    when DP does not shrink with b, the never-hidden share of the DP traffic. ``lay`` is the
    shape at micro-batch 1 (the most replicas)."""
    h = lay
    return shape_bound_of(ctx, h.tp, h.cp, h.pp, h.dp, h.ep, h.zero, h.recompute, cap, cap_dp)


def shape_bound_of(
    ctx: Context,
    tp: int,
    cp: int,
    pp: int,
    dp: int,
    ep: int,
    zero: int,
    rc: str,
    cap: int,
    cap_dp: int,
) -> float:
    """``shape_bound`` of the shape (at micro-batch 1) given by its degrees."""
    if cap == 0:
        return 0.0
    g = ctx.g
    pipe = _pipe_of(ctx, tp, cp, pp, dp, ep, rc, cap, cap_dp)
    opt = ctx.opt_cache.get((tp, cp, pp, dp, ep, zero))  # optimizer_time's memo, inline
    if opt is None:
        opt = optimizer_time_of(ctx, tp, cp, pp, dp, ep, zero)
    t = pipe + opt
    if g // cap >= dp:
        m_min = g // (dp * cap)
        if m_min < 1:
            m_min = 1
        t += dp_floor(ctx, tp, cp, pp, dp, ep, zero, m_min)
    return g * ctx.st.seq / t


def _pipe_of(
    ctx: Context, tp: int, cp: int, pp: int, dp: int, ep: int, rc: str, cap: int, cap_dp: int
) -> float:
    """The pipeline part of ``shape_bound`` (the same for every ZeRO stage), of a shape
    given by its degrees (no layout read; memoised)."""
    cache: dict[tuple[int | str, ...], float] | None = ctx.memo.get("pipe")
    if cache is None:  # (``get`` first: ``setdefault``'s default dict is built every call)
        cache = ctx.memo["pipe"] = {}
    key = (tp, cp, pp, dp, ep, rc, cap, cap_dp)
    got = cache.get(key)
    if got is None:
        got = cache[key] = _pipe_time(_piece(ctx, tp, cp, pp, ep, rc, cap, cap_dp), ctx.g / dp)
    return got


def _piece(
    ctx: Context, tp: int, cp: int, pp: int, ep: int, rc: str, cap: int, cap_dp: int
) -> tuple[tuple[float, float], ...]:
    """``_pipe_pieces`` memoised per (TP, CP, PP, EP, recompute, cap)."""
    pieces: dict[tuple[int | str, ...], tuple[tuple[float, float], ...]] | None
    pieces = ctx.memo.get("pipe_pieces")
    if pieces is None:
        pieces = ctx.memo["pipe_pieces"] = {}
    at = (tp, cp, pp, ep, rc, cap)
    piece = pieces.get(at)
    if piece is None:
        piece = pieces[at] = _pipe_pieces(ctx, tp, cp, pp, ep, rc, cap, cap_dp)
    return piece


def _pipe_time(piece: tuple[tuple[float, float], ...], seqs: float) -> float:
    """The best interleaving's pipeline seconds for ``seqs`` sequences per replica:
    seqs·(stage + v·send) + (p−1)/v·stage·factor, from each v's two terms (``_pipe_pieces``)."""
    got = float("inf")
    for per_seq, bubble in piece:
        t = seqs * per_seq + bubble
        if t < got:
            got = t
    return got


def _pipe_pieces(
    ctx: Context, tp: int, cp: int, pp: int, ep: int, rc: str, cap: int, cap_dp: int
) -> tuple[tuple[float, float], ...]:
    """What ``_pipe_of`` reads but the DP, per interleaving v: (stage + v·send, (p−1)/v·stage·
    factor), from the fullest stage's seconds per sequence, one chunk's send per sequence
    and ``interleave_factor``, per (TP, CP, PP, EP, recompute, cap) (the send is costed only
    when the pipeline leaves the node, so on the fabric whatever the DP). Without a send the
    first term is the stage for every v, so only the smallest bubble term can be the best
    (rounding is monotone: x + b <= x + b' when b <= b')."""
    # the fullest stage's seconds per sequence at micro-batch ``cap`` (``stage_rate``'s
    # figure) and the interleavings read from their memos, and the terms built by a loop:
    # the same figures, the first least bubble kept as ``min`` keeps it (~415 calls an
    # automatic training sizing; a ``_stage`` and an ``_interleavings`` call, a comprehension
    # and ``min(key=)`` each cost it 2.1 of its 127.5 M instructions)
    memo = ctx.memo
    got = memo.get("stage_parts", _NONE).get((tp, cp, cap, rc, ep))  # stage_work's
    per_layer, head, p = got or stage_work(ctx, tp, cp, rc, ep, cap)
    most, last, _ = memo.get("stage_depths", _NONE).get(pp) or stage_depth(ctx, pp)
    stage = max(most * per_layer, last * per_layer + head)
    inter = memo.get("interleavings", _NONE).get(pp) or _interleavings(ctx, pp)
    if pp > 1 and tp * cp * pp > ctx.st.gpus_per_node:  # the pipeline leaves the node
        # ``pp_send`` of the shape at its cap (one chunk), without building that layout
        send = chunk_send(ctx, tp, cp, pp, cap_dp, cap, p) / cap
        if send != 0.0:
            terms = []
            for v, factor in inter:
                terms.append((stage + v * send, (pp - 1) / v * stage * factor))
            return tuple(terms)
    else:
        send = 0.0
    least = first = 0.0
    for i, (v, factor) in enumerate(inter):
        bubble = (pp - 1) / v * stage * factor
        if i == 0 or bubble < least:
            least = bubble
            first = stage + v * send
    return ((first, least),)


_Work = tuple[float, float, LayerParts]
_NONE: dict[Any, Any] = {}  # no memo table yet (never written)


def stage_work(ctx: Context, tp: int, cp: int, rc: str, ep: int = 1, cap: int = 0) -> _Work:
    """What ``_pipe_pieces`` reads of the stage but the depth, memoised per all it reads:
    the layer work and the head per sequence at micro-batch ``cap`` (0: the largest the
    global batch allows, as in ``stage_rate``), and the layer parts."""
    if cap == 0:
        cap = _pre_cap(ctx)
    per_cap: dict[tuple[int | str, ...], _Work] = ctx.memo.setdefault("stage_parts", {})
    key = (tp, cp, cap, rc, ep)
    got = per_cap.get(key)
    if got is None:
        p = layer_parts(ctx, tp, cp, cap, rc, ep)
        per_seq = (p.compute + p.recompute + p.tp_floor + p.cp + p.ep) / cap
        got = per_cap[key] = (per_seq, p.head / cap, p)
    return got


def stage_depth(ctx: Context, pp: int) -> tuple[int, int, int]:
    """What ``_pipe_pieces`` and ``stage_rate`` read of the depth: the fullest and the last stage's
    layers (without the head) and the deepest interleaving (``vpp_options``' last),
    memoised per depth (all they read besides the model's layers, fixed per setup)."""
    depths: dict[int, tuple[int, int, int]] = ctx.memo.setdefault("stage_depths", {})
    got = depths.get(pp)
    if got is None:
        layers, most = ctx.s.layers, ctx.mem.most(pp)
        last = max(0, layers - (pp - 1) * most) if pp > 1 else layers
        v = 8 if most >= 8 else 4 if most >= 4 else 2 if most >= 2 else 1  # vpp_options' last
        got = depths[pp] = (most, last, v)
    return got


def stage_rate(ctx: Context, tp: int, cp: int, pp: int, dp: int, rc: str) -> float:
    """At least ``pipe_rate`` of the shape without EP (TP, CP, PP, DP, recompute), from its
    fullest stage alone, without the depth's sends and interleavings (``_pipe_pieces``):
    ``pipe_rate``'s seconds are, at the best v, g/dp · (stage + v·send) + (p−1)/v · stage ·
    factor with send >= 0 and factor >= 1 (``interleave_factor``), at least g/dp · stage +
    (p−1)/V · stage for the deepest interleaving V the depth has (``vpp_options``); the same
    stage figure and rounding is monotone, so it holds exactly (a full search keys a shape
    by it in place of ``pipe_rate``, inline in ``search._refine``: the same sums)."""
    g = ctx.g
    per_layer, head, _ = stage_work(ctx, tp, cp, rc)
    most, last, v = stage_depth(ctx, pp)
    a, b = most * per_layer, last * per_layer + head
    stage = b if b > a else a  # max(a, b): _pipe_pieces' figure
    return g * ctx.st.seq / (g / dp * stage + (pp - 1) / v * stage)


def _interleavings(ctx: Context, pp: int) -> list[tuple[int, float]]:
    """(v, ``interleave_factor``) of each interleaving of depth ``pp`` (memoised)."""
    cache: dict[int, list[tuple[int, float]]] = ctx.memo.setdefault("interleavings", {})
    got = cache.get(pp)
    if got is None:
        got = cache[pp] = [(v, interleave_factor(ctx, pp, v)) for v in vpp_options(ctx, pp)]
    return got


def pre_bound(ctx: Context, gpus: int, lay: Layout) -> float:
    """``shape_bound`` without the memory test (the largest micro-batch the global batch
    allows): weaker but with no memory arithmetic, to order and drop shapes first."""
    if lay.ep > 1:
        return shape_bound(ctx, lay, *memory_cap(ctx, gpus, lay, memory=False))
    cap = _pre_cap(ctx)
    return shape_bound(ctx, lay, cap, dp_shape(ctx, gpus, lay.tp, lay.cp, lay.pp, cap, lay.ep)[0])


def pre_rate(ctx: Context, tp: int, cp: int, pp: int, dp: int, zero: int, rc: str) -> float:
    """``pre_bound`` of the shape without EP given by its degrees, with its DP every GPU of
    it: the same sums, fewer calls, no layout built (``search._Waiting``)."""
    cap = _pre_cap(ctx)
    g = ctx.g
    opt = ctx.opt_cache.get((tp, cp, pp, dp, 1, zero))  # optimizer_time_of's memo
    if opt is None:
        opt = optimizer_time_of(ctx, tp, cp, pp, dp, 1, zero)
    t = _pipe_no_ep(ctx, (tp, cp, pp, dp, rc)) + opt
    if g // cap >= dp:  # as ``_bound``
        m_min = g // (dp * cap)
        if m_min < 1:
            m_min = 1
        t += dp_floor(ctx, tp, cp, pp, dp, 1, zero, m_min)
    return g * ctx.st.seq / t


def pipe_bound(ctx: Context, gpus: int, lay: Layout) -> float | None:
    """A bound at least ``pre_bound``'s, from its pipeline part alone (the optimizer and DP
    terms only add time): the same ``_pipe_of`` figure, so g·s/pipe >= g·s/(pipe + more). None
    with EP (``pre_bound`` then tests the EP divisibility per micro-batch).

    Memoised per (TP, CP, PP, DP, recompute) of the shape (at micro-batch 1), all it reads
    without EP: the DP at the cap is min(DP, g // cap) whatever ``gpus`` (dp_shape), and the
    search asks for it per shape, ZeRO stage and GPU count (most of its calls)."""
    if lay.ep > 1:
        return None
    return pipe_rate(ctx, lay.tp, lay.cp, lay.pp, lay.dp, lay.recompute)


def pipe_rate(ctx: Context, tp: int, cp: int, pp: int, dp: int, rc: str) -> float:
    """``pipe_bound`` of the shape without EP given by its degrees (its DP every GPU of it:
    ``dp_shape`` at the cap then gives min(DP, g // cap)), memoised; no layout built (the
    search bounds the idle shapes of a shape with it before building any)."""
    cache: dict[tuple[int | str, ...], float] | None = ctx.memo.get("pipe_rates")
    if cache is None:
        cache = ctx.memo["pipe_rates"] = {}
    key = (tp, cp, pp, dp, rc)
    got = cache.get(key)
    if got is None:
        got = cache[key] = ctx.g * ctx.st.seq / _pipe_no_ep(ctx, key)
    return got


def _pipe_no_ep(ctx: Context, key: tuple[int, int, int, int, str]) -> float:
    """``_pipe_of`` of the shape (TP, CP, PP, DP, recompute) = ``key`` without EP at the
    largest micro-batch the global batch allows (``pre_rate``'s and ``pipe_rate``'s),
    memoised per ``key``; ``_pipe_time`` inline (most shapes are bounded by this alone)."""
    memo = ctx.memo
    cache: dict[tuple[int, int, int, int, str], float] | None = memo.get("pipe_no_ep")
    if cache is None:
        cache = memo["pipe_no_ep"] = {}
    got = cache.get(key)
    if got is None:
        tp, cp, pp, dp, rc = key
        pieces = memo.get("pipe_no_ep_pieces")
        if pieces is None:
            pieces = memo["pipe_no_ep_pieces"] = {}
        piece = pieces.get((tp, cp, pp, rc))
        g = ctx.g
        if piece is None:
            cap = memo.get("pre_cap") or _pre_cap(ctx)
            cap_dp = g // cap  # dp_shape(ctx, tp·cp·pp·dp, tp, cp, pp, cap)'s DP
            if cap_dp < 1:
                cap_dp = 1
            if dp < cap_dp:
                cap_dp = dp
            piece = pieces[(tp, cp, pp, rc)] = _piece(ctx, tp, cp, pp, 1, rc, cap, cap_dp)
        seqs = g / dp
        got = float("inf")
        for per_seq, bubble in piece:  # _pipe_time(piece, seqs)
            t = seqs * per_seq + bubble
            if t < got:
                got = t
        cache[key] = got
    return got


def _pre_cap(ctx: Context) -> int:
    """The largest micro-batch the global batch allows (memoised)."""
    cap = ctx.memo.get("pre_cap")
    if cap is None:
        cap = max(mb for mb in micro_batches(ctx.st) if mb == 1 or mb <= ctx.g)
        ctx.memo["pre_cap"] = cap
    assert isinstance(cap, int)
    return cap


def optimistic(ctx: Context, gpus: int, lay: Layout, cap: int) -> float:
    """Upper bound of any variant's tokens/s: each micro-batch size up to ``cap`` (the
    largest that fits memory) at each interleaving its micro-batch count allows (deeper
    interleaving shrinks the bubble but multiplies the sends, so none is best a priori);
    ``rate_bound`` assumes every DP overlap window suffices."""
    tp, cp, pp, ep, zero, rc = lay.tp, lay.cp, lay.pp, lay.ep, lay.zero, lay.recompute
    deep = vpp_options(ctx, pp)  # the depth's interleavings: the same at every micro-batch
    best = 0.0
    for mb in micro_batches(ctx.st):
        if mb > cap:
            break
        dp, m = dp_shape(ctx, gpus, tp, cp, pp, mb, ep)
        vs = deep if m >= pp else (1,)
        rate = best_rate_bound(ctx, tp, cp, pp, dp, ep, zero, rc, mb, m, vs)  # ``rate_bound``
        if rate > best:  # max(best, rate), at each v
            best = rate
    return best
