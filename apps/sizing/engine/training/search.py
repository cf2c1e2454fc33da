"""Search of the parallel layout: TP × CP × PP (uneven, interleaved) × DP × EP × ZeRO ×
recompute × micro-batch under memory and a global-batch bound; the fastest that fits wins.
(Over 400 lines on purpose: one branch and bound whose heap items, refinement steps and bar
are read together.)

Pruned, not brute force (space.py says what is walked, bounds.py how it is pruned): branch
and bound, best first. Groups (TP, CP, EP, recompute), their shallowest pipelines per ZeRO
stage, their (ZeRO, PP) shapes and each shape's memory cap and best variant wait on one heap
by their upper bound; the best waiting is refined (a tighter bound) or costed, and the search
stops when the best waiting cannot beat the bar (the last runner-up, or when deciding, the
need). DP takes every GPU left, or fewer where a smaller DP splits the global batch into
whole micro-batches better (space.idle_shapes); micro-batch sizes grow while memory fits and
time improves.
A decision's or best-only search's warm start (the previous search's best shape, where this
GPU count's space has it) is costed first to set the bar.
Pruning keeps what ties with the bar, so the order of costing never changes the result
(tests/sizing_engine/test_training_search.py checks it against an unpruned walk).
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from .. import frozen, once
from .bounds import (
    depth_bound,
    groups,
    memory_cap_of,
    optimistic,
    pipe_rate,
    pre_bound,
    pre_rate,
    shape_bound_of,
    stage_depth,
    stage_work,
)
from .memory import Layout, MemoryModel, TrainingMemory, ep_fits, layout
from .setup import TrainingSetup
from .space import (
    dp_shape,
    ep_step,
    idle_dps,
    idle_shapes,
    pp_options,
    shallowest,
    shape_degrees,
    vpp_options,
)
from .step import Context, StepTime, best_rate_bound, context, step_time

KEEP = 3  # runner-up layouts reported
_NO_MEMO: dict[Any, Any] = {}  # no memo tables of a run on links no slower (``_search``)
TIE = 1e-8  # relative slack of the pruning tests (rates tie to 9 digits in _rank)


@dataclass(frozen=True)
class Candidate:
    """A costed layout; its memory per GPU (``memory``) is worked out when first read, from
    the memory model it was costed with (a search costs ~65 candidates an automatic sizing
    and reports up to four of each search: the breakdown of the others was 0.8 M of its
    112.8 M instructions)."""

    layout: Layout
    step: StepTime
    model: MemoryModel = field(repr=False, compare=False)

    @once.cached_property
    def memory(self) -> TrainingMemory:
        """Memory per GPU of the layout (``MemoryModel.breakdown``)."""
        return self.model.breakdown(self.layout)


@dataclass(frozen=True)
class SearchResult:
    """The fastest layout that fits, the runners-up and what binds."""

    best: Candidate | None
    runners_up: tuple[Candidate, ...]
    binding: str
    evaluated: int


def search(
    st: TrainingSetup, gpus: int, need: float = 0.0, best_only: bool = False
) -> SearchResult:
    """Fastest layout on at most ``gpus`` GPUs (time per token), with runners-up.

    Groups (TP, CP, EP, recompute) are taken best bound first and the rest dropped once a
    group's bound cannot beat the best found; within a group the (ZeRO, PP) shapes are costed
    in order of their own bound. The runners-up are the next best of those costed. Results
    are memoised per GPU count on the setup's context (size mode asks for some twice).

    With ``need`` > 0 (tokens/s) the search only decides whether some layout reaches it: it
    stops at the first that does and prunes what cannot; the best it reports is then only
    the best of those costed (enough to decide and to estimate, not to report).

    With ``best_only`` the best is exact (the same layout, figures and binding constraint)
    but the runners-up are only those costed on the way: the bar is the best found, not
    the last runner-up, so less is bounded and costed. For a count whose answer is read
    for its best alone (plan.required's counts; an automatic sizing's losing candidates);
    memoised apart (a later full search of the count is a full one), and a decision at
    that count is answered from it (its best reaches the need or no layout does)."""
    ctx = context(st)
    got = ctx.searches.get(gpus)
    if isinstance(got, SearchResult):
        return got
    bests: dict[int, SearchResult] = ctx.memo.setdefault("best_only", {})
    if best_only or need > 0.0:  # a best-only result holds the exact best (a decision's too)
        got = bests.get(gpus)
        if got is not None:
            return got
    result = _search(ctx, gpus, need, best_only)
    if need <= 0.0:
        if best_only:
            bests[gpus] = result
        else:
            ctx.searches[gpus] = result
    return result


def _search(ctx: Context, gpus: int, need: float = 0.0, best_only: bool = False) -> SearchResult:
    st = ctx.st
    # a full search's bar is its last runner-up: a warm start would not prune it
    found, evaluated = _warm_start(ctx, gpus, need) if need or best_only else ([], 0)
    best: dict[tuple[int | str, ...], float] = {}  # fastest of each distinct layout (``_distinct``)
    floor = 0.0  # what a layout must beat to matter (``bar``), updated as layouts are costed

    def bar() -> float:
        """What a layout must beat to matter: when deciding, the need (or the best found);
        otherwise the fastest layout not among the best and the runners-up."""
        if need:
            return max(need, max(best.values(), default=0.0))
        if best_only:
            return max(best.values(), default=0.0)
        rates = sorted(best.values(), reverse=True)
        return rates[KEEP] if len(rates) > KEEP else 0.0

    def add(cands: list[Candidate]) -> float:
        for c in cands:
            key = _distinct(c.layout)
            best[key] = max(best.get(key, 0.0), c.step.tokens_per_s)
        return bar()

    floor = add(found)
    # a decision is done once a layout reaches the need (only ``add`` changes ``best``)
    done = bool(need) and max(best.values(), default=0.0) >= need
    # the same run on links no slower (ctx.faster: InfiniBand for Ethernet, plan.Faster) runs
    # every layout at least as fast, so its memoised bounds bound every layout here too: a
    # decision or a best-only search drops what they put below the bar before bounding it
    # here (a full search bounds as before: its runners-up are exact either way, but what
    # it costs below the bar, ``layouts_evaluated``, is reported)
    fast = ctx.faster.memo if ctx.faster is not None and (need or best_only) else _NO_MEMO
    full = not (need or best_only)
    # best first: a heap of (−bound, order, item), each item a group or a shape at some
    # stage of refinement (_Group, _Shape); the best waiting is refined (its bound tightened)
    # or, once its bound is the tightest known, costed. What cannot beat the bar is never
    # refined further, and layouts are costed in the order of their tightest bounds, so the
    # bar rises as early as it can. Each key is the smallest true upper bound known for it.
    heap: list[tuple[float, int, _Group | _Shape | _Waiting]] = []
    pres: dict[tuple[int | str, ...], float] = ctx.memo.setdefault("pre", {})  # ``_pre``'s
    order = itertools.count()  # ties in bound: the order pushed (never compares items)
    for group_bound, tp, cp, ep, rc in groups(ctx, gpus):
        heap.append((-group_bound, next(order), _Group(tp, cp, ep, rc, None)))
    heapq.heapify(heap)
    pop, push = heapq.heappop, heapq.heappush
    # the tables the waiting shapes read, once (none is replaced during a search; the
    # faster links' run is not searched meanwhile)
    rates: dict[tuple[int | str, ...], float] = ctx.memo.setdefault("pipe_rates", {})
    known_rates = fast.get("pipe_rates", _NO_MEMO)
    known_pres, known_caps = fast.get("pre", _NO_MEMO), fast.get("capped", _NO_MEMO)
    cut = floor * (1.0 - TIE)  # as ``_pruned``: what ties with the bar is kept (``floor``'s)
    while heap and not done:
        neg, num, top = pop(heap)
        if -neg < cut:
            break
        # exactly a _Group, a _Shape or a waiting shape's tuple (no subclasses: ``type`` is
        # enough)
        if type(top) is tuple:
            # a shape without EP waiting by its degrees (``_Waiting``: most are never taken)
            tp, cp, pp, d, zero, rc, lazy, wait = top  # type: ignore[misc]
            if wait == _PIPE:
                # a full search's shape waiting on its fullest stage's bound (``_refine``):
                # its pipeline bound now, and what ``_refine`` would have pushed with it, at
                # the place it would have had (same order number; its own ``pre_bound``
                # follows from ``lazy`` as for any shape), or dropped as it would have been
                above = pipe_rate(ctx, tp, cp, pp, d, rc)
                if not above < cut:
                    wait = _IDLE if idle_dps(ctx, d) else _LAZY
                    low = above if above < lazy else lazy  # min(lazy, above)
                    push(heap, (-low, num, (tp, cp, pp, d, zero, rc, lazy, wait)))
                continue
            if wait == _IDLE:
                # its shapes on fewer GPUs (``idle_shapes``; no EP: see ``_refine``), each
                # below this pipeline bound (``_siblings``), waiting by their degrees too.
                # Their DPs fall, and so do their pipeline bounds (more sequences per
                # replica, the same pieces: ``_pipe_no_ep``), so once one is below the
                # cut (or the faster links' bound of one is) so is every later one
                for few in idle_dps(ctx, d):
                    at = (tp, cp, pp, few, rc)
                    known = rates.get(at)
                    if known is None:
                        if known_rates and known_rates.get(at, cut) < cut:
                            break
                        known = pipe_rate(ctx, tp, cp, pp, few, rc)
                    bound = known if known < lazy else lazy  # min(lazy, its pipeline bound)
                    if bound < cut:
                        break
                    push(heap, (-bound, next(order), (tp, cp, pp, few, zero, rc, lazy, _LAZY)))
            # a shape waiting on a bound above its own (``_refine``): its own bound now, back
            # at the place it would have had (same order number), or dropped as it would
            # have been; its layout is built only if it stays
            shape = (tp, cp, pp, 1, zero, rc, d)  # _shape_key
            if known_pres and known_pres.get(shape, cut) < cut:
                continue
            if not full:
                # A decision or a best-only search takes the shape's memory cap's bound
                # (``_capped``: ``shape_bound``, the step it would reach next) in place of
                # its ``pre_bound``: the cap's bound is the tighter (a micro-batch held by
                # memory only slows the pipeline per sequence and adds DP traffic), and it
                # is what drops most shapes (ZeRO-2/3 held to a micro-batch of 1 or 2 pay
                # their per-micro-batch DP traffic g // (DP·cap) times: 308 of the 423
                # shapes an automatic sizing took to their cap dropped there). Its bar only
                # rises, so a shape below the cut now would be dropped then; what stays
                # waits on that bound, ready for ``optimistic``. Their answers do not read
                # the order layouts are costed in (pruning keeps ties); a full search's
                # ``layouts_evaluated`` does, so it keeps the lazy order.
                if known_caps and known_caps.get(shape, cut) < cut:
                    continue
                # by its degrees: a layout is built only for a shape that stays (~110 of the
                # ~440 an automatic training sizing takes here)
                rate, cap = _capped_of(ctx, tp, cp, pp, d, 1, zero, rc, shape)
                if rate < lazy:
                    lazy = rate
                if not lazy < cut:
                    lay = layout(tp, cp, pp, d, 1, zero, rc, 1, ctx.g // d)
                    push(heap, (-lazy, num, _Shape(lay, cap)))
                continue
            own = pres.get(shape)
            if own is None:
                own = pres[shape] = pre_rate(ctx, tp, cp, pp, d, zero, rc)
            real = own if own < lazy else lazy  # min(lazy, own)
            if not real < cut:
                push(heap, (-real, num, _Shape(layout(tp, cp, pp, d, 1, zero, rc, 1, ctx.g // d))))
            continue
        item: _Group | _Shape = top  # type: ignore[assignment]
        if type(item) is _Shape:  # a shape's next step; a group's is ``_refine``'s (below)
            if item.optimistic:
                got, n = _variants(ctx, item.lay.gpus, item.lay, floor)
                evaluated += n
                if got:
                    found.extend(got)
                    floor = add(got)
                    cut = floor * (1.0 - TIE)
                    done = bool(need) and max(best.values()) >= need
                continue
        for bound, refined in _refine(ctx, gpus, -neg, item, cut, fast, full):
            if not bound < cut:
                push(heap, (-bound, next(order), refined))
    found.sort(key=_rank)
    unique: list[Candidate] = []
    labels: set[tuple[int | str, ...]] = set()
    for c in found:
        key = _distinct(c.layout)
        if key not in labels:
            labels.add(key)
            unique.append(c)
        if len(unique) > KEEP:
            break
    if not unique:
        return SearchResult(None, (), "memory", evaluated)
    ctx.hint = unique[0].layout
    return SearchResult(unique[0], tuple(unique[1:]), binding(st, unique[0], gpus), evaluated)


def _distinct(lay: Layout) -> tuple[int | str, ...]:
    """What makes two layouts different choices for a user: the parallel shape, ZeRO stage
    and recompute. Micro-batch sizes and the smaller DPs that leave GPUs idle
    (space.idle_shapes) are ways of running one shape: its fastest stands for it, so the
    runners-up are other shapes, not the best one with a few GPUs idle."""
    return (lay.tp, lay.cp, lay.pp, lay.vpp, lay.ep, lay.zero, lay.recompute)


def _pruned(bound: float, floor: float) -> bool:
    """A bound below the bar by more than the rounding ``_rank`` ties on: what ties with
    the bar to 9 digits is still costed, so the order shapes are taken in never decides a
    tie (the simpler layout wins it, whichever was costed first)."""
    return bound < floor * (1.0 - TIE)


class _Group(NamedTuple):
    """A (TP, CP, EP, recompute) group waiting on the heap; ``bases``: its shallowest
    pipeline per ZeRO stage, once known."""

    tp: int
    cp: int
    ep: int
    rc: str
    bases: tuple[Layout, ...] | None


# A shape without EP waiting on the heap by its degrees, before any layout is built (most
# are never taken): (TP, CP, PP, DP, ZeRO, recompute, lazy, wait), at micro-batch 1 with
# every sequence of the global batch its DP allows. It waits on ``lazy`` (its group's bound)
# and, above its own ``pre_bound``, on what ``wait`` says: _PIPE, in a full search, its
# fullest stage's bound (``stage_rate``), then its pipeline bound (``pipe_bound``: most
# shapes are never taken, so most never need the rest of ``pre_bound``), with _IDLE when its
# idle shapes (``space.idle_shapes``) wait on it too, else _LAZY.
_Waiting = tuple[int, int, int, int, int, str, float, int]
_LAZY, _PIPE, _IDLE = 0, 1, 2


class _Shape(NamedTuple):
    """A (ZeRO, PP) shape (at micro-batch 1) waiting on the heap, bounded by ``pre_bound``,
    then with its memory cap by ``shape_bound``, then by ``optimistic`` (ready to cost).
    Before that a shape without EP waits by its degrees alone (``_Waiting``), so a layout
    is built only for a shape that passes its ``pre_bound``.
    (Named tuples: a search pushes thousands; a frozen dataclass costs 4x to build.)"""

    lay: Layout
    cap: tuple[int, int] | None = None  # ``memory_cap``: the micro-batch cap, its DP
    optimistic: bool = False


def _refine(
    ctx: Context,
    gpus: int,
    bound: float,
    item: _Group | _Shape,
    cut: float = 0.0,
    fast: dict[str, Any] | None = None,
    full: bool = False,
) -> list[tuple[float, _Group | _Shape | _Waiting]]:
    """The next, tighter step of an item, each with its bound: a group's shallowest
    pipelines (``depth_bound``), a group's shapes (``pre_bound``), a shape's memory cap
    (``shape_bound``), a shape's best variant (``optimistic``). A group's shapes without EP
    whose pipeline bound is below ``cut`` (what the caller drops) are left out: every bound
    of such a shape is at most that one. ``fast``: the memo tables of the same run on links
    no slower (``_search``); what one of their bounds puts below ``cut`` is left out too."""
    if isinstance(item, _Shape):
        lay = item.lay
        gpus = lay.tp * lay.cp * lay.pp * lay.dp  # its own GPUs (``space.idle_shapes``)
        key = _shape_key(lay)
        if (
            fast
            and fast.get("capped" if item.cap is None else "optimistic", _NO_MEMO).get(key, cut)
            < cut
        ):
            return []
        if item.cap is None:
            rate, got = _capped(ctx, lay, key)
            return [(min(bound, rate), _Shape(lay, got))]
        best = ctx.memo.setdefault("optimistic", {})
        rate = best.get(key)
        if rate is None:
            rate = best[key] = optimistic(ctx, gpus, lay, item.cap[0])
        return [(min(bound, rate), _Shape(lay, item.cap, True))]
    g = item
    if g.bases is None:
        # a group that fits no shape on G GPUs fits none on fewer (less DP sharding, more
        # micro-batches in flight); EP's divisibility breaks that, so only without EP
        if g.ep == 1 and gpus <= ctx.no_fit.get((g.tp, g.cp, g.rc), 0):
            return []
        bases = shallowest(ctx, gpus, g.tp, g.cp, g.ep, g.rc)
        if not bases:
            if g.ep == 1:
                ctx.no_fit[(g.tp, g.cp, g.rc)] = max(gpus, ctx.no_fit.get((g.tp, g.cp, g.rc), 0))
            return []
        p0 = min(b.pp for b in bases)
        deep = depth_bound(ctx, gpus, bound, g.tp, g.cp, p0)
        return [(deep, _Group(g.tp, g.cp, g.ep, g.rc, tuple(bases)))]
    pre = ctx.memo.setdefault("pre", {})
    out: list[tuple[float, _Group | _Shape | _Waiting]] = []
    every = ctx.memo.setdefault("group_shapes", {})
    ranks = (gpus // (g.tp * g.cp), g.tp, g.cp, g.ep, g.rc)  # as ``shallowest``'s key
    rows = every.get(ranks)
    if rows is None:
        rows = every[ranks] = shape_degrees(ctx, gpus, list(g.bases))
    # the memo lookups of _shape_key, _siblings and pipe_bound inline (a group's
    # shapes are most of a search's calls; the same keys and figures), each key built only
    # when read (most shapes are dropped, or in a full search wait, before their own bound)
    rates: dict[tuple[int | str, ...], float] = ctx.memo.setdefault("pipe_rates", {})
    # the (TP, CP, PP, recompute) whose pipeline pieces are memoised (``_pipe_no_ep`` fills
    # this table): their ``pipe_rate`` is only a sum, else it costs the stage's sends
    costed = ctx.memo.setdefault("pipe_no_ep_pieces", {})
    known = known_pre = _NO_MEMO
    if fast:
        known, known_pre = fast.get("pipe_rates", _NO_MEMO), fast.get("pre", _NO_MEMO)
    idle = ctx.memo.setdefault("idle_dps", {})
    # ``stage_rate``'s reads of the group (the same for every row), once a row needs them
    work: tuple[float, float, Any] | None = None
    depths: dict[int, tuple[int, int, int]] = _NO_MEMO
    batch = tokens = 0
    for tp, cp, pp, dp, ep, zero, rc, m in rows:
        above = None
        if ep == 1:  # no EP: its pipeline bound, at least its pre_bound and its idle
            # shapes' bounds; until taken it waits by its degrees (``_Waiting``)
            at = (tp, cp, pp, dp, rc)
            above = rates.get(at)
            if above is None:
                if known and known.get(at, cut) < cut:
                    continue
                if full and (tp, cp, pp, rc) not in costed:
                    # a full search's bar is 0 until it has costed its runners-up, so most
                    # of the shapes it bounds here wait on the heap and are never taken
                    # (4,096 nodes of H100: 450 bounded, 50 taken): when this bound would
                    # cost the depth's sends and interleavings, the fullest stage's bound
                    # (``stage_rate``, at least this one) stands for it until the shape is
                    # taken. Its key is at least the one it replaces, so shapes are taken
                    # and costed in the same order. Decisions and best-only searches prune
                    # against the need or the best found from the start: bounded here,
                    # most are dropped at once, so they bound in full.
                    # ``stage_rate`` inline: the same figures in the same order
                    if work is None:
                        work = stage_work(ctx, tp, cp, rc)
                        depths = ctx.memo.setdefault("stage_depths", {})
                        batch = ctx.g
                        tokens = batch * ctx.st.seq
                    most, last, v = depths.get(pp) or stage_depth(ctx, pp)
                    a, b = most * work[0], last * work[0] + work[1]
                    stage = b if b > a else a  # max(a, b)
                    first = tokens / (batch / dp * stage + (pp - 1) / v * stage)
                    if not first < cut:
                        low = first if first < bound else bound  # min(bound, first)
                        out.append((low, (tp, cp, pp, dp, zero, rc, bound, _PIPE)))
                    continue
                above = pipe_rate(ctx, tp, cp, pp, dp, rc)
            if above < cut:
                continue
        few_key = (dp, 1 if ep == 1 else ep_step(tp, cp, ep))  # idle_dps' key
        sib = idle.get(few_key)
        if sib is None:
            sib = idle_dps(ctx, *few_key)
        if sib:  # _siblings
            if above is not None:  # they wait with it on a pipeline bound above theirs
                low = above if above < bound else bound
                out.append((low, (tp, cp, pp, dp, zero, rc, bound, _IDLE)))
                continue
            # EP: no pipeline bound, each its own now
            for few in idle_shapes(ctx, layout(tp, cp, pp, dp, ep, zero, rc, 1, m)):
                out.append((min(bound, _pre(ctx, few)), _Shape(few)))
        # (the shape's key built only here: most rows above wait with their idle shapes)
        shape = (tp, cp, pp, ep, zero, rc, dp)  # _shape_key
        got = pre.get(shape)
        if known_pre and known_pre.get(shape, cut) < cut:
            continue
        if got is not None:
            out.append(
                (got if got < bound else bound, _Shape(layout(tp, cp, pp, dp, ep, zero, rc, 1, m)))
            )
            continue
        if above is None:  # EP: no pipeline bound (``pipe_bound``), its own now
            lay = layout(tp, cp, pp, dp, ep, zero, rc, 1, m)
            out.append((min(bound, _pre(ctx, lay)), _Shape(lay)))
        else:  # its pipeline part first: a bound at least its own, taken only if it comes first
            out.append(
                (above if above < bound else bound, (tp, cp, pp, dp, zero, rc, bound, _LAZY))
            )
    return out


def _capped(ctx: Context, lay: Layout, key: tuple[int | str, ...]) -> tuple[float, tuple[int, int]]:
    """``shape_bound`` of shape ``lay`` (key ``key``: ``_shape_key``) at its memory cap, and
    the cap and its DP (``memory_cap``), memoised per shape key (the cap per run on any
    fabric: memory only)."""
    h = lay
    return _capped_of(ctx, h.tp, h.cp, h.pp, h.dp, h.ep, h.zero, h.recompute, key)


def _capped_of(
    ctx: Context,
    tp: int,
    cp: int,
    pp: int,
    dp: int,
    ep: int,
    zero: int,
    rc: str,
    key: tuple[int | str, ...],
) -> tuple[float, tuple[int, int]]:
    """``_capped`` of the shape given by its degrees (no layout read)."""
    memo = ctx.memo
    capped: dict[tuple[int | str, ...], float] | None = memo.get("capped")
    if capped is None:  # (``get`` first: ``setdefault``'s default dict is built every call)
        capped = memo["capped"] = {}
    rate = capped.get(key)
    caps = memo.get("caps")  # memory only: shared across fabrics
    if caps is None:
        caps = memo["caps"] = {}
    got: tuple[int, int] | None = caps.get(key)
    if got is None:  # on its own GPUs: GPUs ÷ (TP·CP·PP) is its DP
        got = caps[key] = memory_cap_of(ctx, dp, tp, cp, pp, ep, zero, rc)
    if rate is None:
        rate = capped[key] = shape_bound_of(ctx, tp, cp, pp, dp, ep, zero, rc, *got)
    return rate, got


def _siblings(ctx: Context, lay: Layout) -> bool:
    """Whether shape ``lay`` has ``idle_shapes`` (the same shape on fewer GPUs, splitting the
    global batch into whole micro-batches better). Without EP they wait on the heap with it
    behind ``pipe_bound(cover=True)``, above each one's own pipeline bound, and are bounded
    only when it reaches the top (most never do)."""
    return bool(idle_dps(ctx, lay.dp, ep_step(lay.tp, lay.cp, lay.ep)))


def _pre(ctx: Context, lay: Layout) -> float:
    """``pre_bound`` of a shape at its own GPU count (every caller's: its DP every GPU of
    it), without EP from its degrees (``pre_rate``), memoised per shape key."""
    pre: dict[tuple[int | str, ...], float] = ctx.memo.setdefault("pre", {})
    key = _shape_key(lay)
    got = pre.get(key)
    if got is None:
        h = lay
        got = pre[key] = (
            pre_bound(ctx, h.gpus, h)
            if h.ep > 1
            else pre_rate(ctx, h.tp, h.cp, h.pp, h.dp, h.zero, h.recompute)
        )
    return got


def _shape_key(lay: Layout) -> tuple[int | str, ...]:
    """What the bounds of a shape on its own GPUs depend on: the shape and its DP (``dp_shape``
    reads the GPU count only as GPUs // (TP·CP·PP)), so nearby GPU counts of one size-mode
    sizing share them (memoised per setup, exact)."""
    return (lay.tp, lay.cp, lay.pp, lay.ep, lay.zero, lay.recompute, lay.dp)


def _warm_start(ctx: Context, gpus: int, stop: float) -> tuple[list[Candidate], int]:
    """The last search's best layout's shape on ``gpus`` GPUs, costed first to set the bar
    the bounds prune against (nearby GPU counts then cost few layouts): its interleaving's
    micro-batch walk (``_variants`` at floor 0, the walk the search itself takes), stopping
    at the first variant that reaches ``stop`` (> 0: a decision). Only when the space at
    ``gpus`` has that shape (``_in_space``), so what it finds is what the search could find:
    the answer never depends on which search ran before (plan.required)."""
    hint = ctx.hint
    if hint is None:
        return [], 0
    shape = _in_space(ctx, gpus, hint)
    if shape is None or hint.vpp not in vpp_options(ctx, shape.pp):
        return [], 0
    return _variants(ctx, shape.gpus, shape, 0.0, (hint.vpp,), stop)


def _in_space(ctx: Context, gpus: int, lay: Layout) -> Layout | None:
    """``lay``'s (TP, CP, EP, recompute, ZeRO, PP) shape on ``gpus`` GPUs (DP every GPU left,
    micro-batch 1), when it is one of the shapes the search walks there (``group_shapes``:
    a depth ``pp_options`` gives from its ZeRO stage's shallowest pipeline); else None."""
    tp, cp, pp, ep, rc, zero = lay.tp, lay.cp, lay.pp, lay.ep, lay.recompute, lay.zero
    if tp * cp * pp > gpus:
        return None
    if ep == 1 and gpus <= ctx.no_fit.get((tp, cp, rc), 0):
        return None
    base = next((b for b in shallowest(ctx, gpus, tp, cp, ep, rc) if b.zero == zero), None)
    if base is None or pp not in pp_options(ctx, gpus, tp, cp, base.pp):
        return None
    dp, m = dp_shape(ctx, gpus, tp, cp, pp, 1, ep)
    if not ep_fits(tp, cp, dp, ep):
        return None
    return layout(tp, cp, pp, dp, ep, zero, rc, 1, m)


def _rank(c: Candidate) -> tuple[float, int, int, int, int, int, int]:
    """Fastest first; on a tie (to 9 digits) the simpler layout: no CP, then the shallower
    pipeline, the narrower TP, less interleaving, the lower ZeRO stage, the smaller micro-batch."""
    lay = c.layout
    rate = float(f"{c.step.tokens_per_s:.9g}")
    return (-rate, lay.cp, lay.pp, lay.tp, lay.vpp, lay.zero, lay.micro_batch)


def _first(item: tuple[float, Layout]) -> float:
    return item[0]


def _variants(
    ctx: Context,
    gpus: int,
    base: Layout,
    floor: float,
    vpps: tuple[int, ...] | None = None,
    stop: float = 0.0,
) -> tuple[list[Candidate], int]:
    """Interleaving depths (``vpps``, default all) × micro-batch sizes, growing while they
    fit and help; a variant whose compute-only bound cannot beat ``floor`` is not costed;
    with ``stop`` > 0 the walk ends at the first variant that reaches it.

    The walk is the one at floor 0 whatever ``floor``: a variant skipped below ``floor``
    may be where that walk stops (no faster than the one before), so before a later variant
    is costed the skipped ones are (they decide whether the walk gets there); without that
    a search pruning against a higher bar (a decision's need) could find a variant the
    floor-0 walk never reaches, and decide differently from the full search."""
    st = ctx.st
    out: list[Candidate] = []
    evaluated = 0
    fixed_mb = st.spec.micro_batch_size
    # each variant tested and bounded from its degrees (``MemoryModel.fits_shape``, and
    # ``best_rate_bound`` at its one interleaving: ``rate_bound``'s figures), its layout built
    # only when it is costed or kept for the walk (~220 variants an automatic training
    # sizing tests: its layouts and their reads were 1.6 M of its 117.4 M instructions)
    tp, cp, pp, ep, zero, rc = base.tp, base.cp, base.pp, base.ep, base.zero, base.recompute
    fits = ctx.mem.fits_shape
    for vpp in vpp_options(ctx, pp) if vpps is None else vpps:
        prev = 0.0
        skipped: list[tuple[Layout, float]] = []
        mb = fixed_mb or 1
        vs = (vpp,)
        while mb <= (fixed_mb or st.knobs.max_micro_batch):
            dp, m = dp_shape(ctx, gpus, tp, cp, pp, mb, ep)
            if not ep_fits(tp, cp, dp, ep) or (mb > 1 and dp * mb > ctx.g):
                break
            if vpp > 1 and m < pp:
                break
            if not fits(tp, cp, pp, dp, ep, zero, rc, mb, m, vpp):
                break
            bound = best_rate_bound(ctx, tp, cp, pp, dp, ep, zero, rc, mb, m, vs)
            if bound <= prev:
                mb *= 2
                continue
            if _pruned(bound, floor):
                skipped.append((layout(tp, cp, pp, dp, ep, zero, rc, mb, m, vpp), bound))
                mb *= 2
                continue
            ended = False
            for low, low_bound in skipped:  # does the floor-0 walk get here?
                if low_bound <= prev:
                    continue
                rate = step_time(ctx, low).tokens_per_s
                evaluated += 1
                if rate <= prev:
                    ended = True
                    break
                prev = rate
            skipped.clear()
            if ended:
                break
            if bound <= prev:
                mb *= 2
                continue
            lay = layout(tp, cp, pp, dp, ep, zero, rc, mb, m, vpp)
            step = step_time(ctx, lay)
            evaluated += 1
            if step.tokens_per_s <= prev:
                break
            prev = step.tokens_per_s
            # Candidate(lay, step, ctx.mem), without the frozen per-field setattr
            out.append(frozen.build(Candidate, {"layout": lay, "step": step, "model": ctx.mem}))
            if stop and prev >= stop:
                return out, evaluated
            mb *= 2
    return out, evaluated


def binding(st: TrainingSetup, best: Candidate, gpus: int) -> str:
    """Name the constraint that shapes the chosen layout."""
    lay, step = best.layout, best.step
    idle = gpus - lay.gpus
    if idle >= lay.tp * lay.cp * lay.pp:
        g = st.global_batch
        if lay.dp * lay.micro_batch < g and lay.dp < gpus // (lay.tp * lay.cp * lay.pp):
            return (  # a smaller DP than the GPUs allow (space.idle_shapes)
                f"global batch: {g} sequences split into whole micro-batches best at "
                f"DP{lay.dp} × {lay.micro_batches} micro-batches of {lay.micro_batch} = "
                f"{lay.dp * lay.micro_batches * lay.micro_batch:,} sequences a step "
                f"({idle} GPUs idle)"
            )
        return f"global batch: {g} sequences allow only DP{lay.dp} ({idle} GPUs idle)"
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
