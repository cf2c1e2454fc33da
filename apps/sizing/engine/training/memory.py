"""Training memory per GPU of a layout: model states (ZeRO 0-3), activations (Korthikanti et al.
2022, generalised to gated MLPs and grouped-query attention), logits and overhead.
(Over 400 lines on purpose: the formulas and the memoised forms on plain degrees that the
search's inner loops call, kept next to each other so that they stay the same sums.)

Activations are those of the FIRST pipeline stage, which under 1F1B holds min(p, m) micro-batches
of its own layers (interleaving adds (p−1)/(p·v) more, Narayanan et al. 2021); deeper pipelines do
not cut them — context parallelism (sequence split over c GPUs) and recompute do.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from .. import frozen
from ..hardware import GB, device_memory_bytes
from .setup import TrainingSetup


def zero_split(optimizer_bytes: float) -> dict[int, tuple[float, float]]:
    """(bytes kept whole, bytes sharded over the data-parallel ranks) per parameter and ZeRO
    stage, with bf16 weights (2) and gradients (2) and ``optimizer_bytes`` of optimizer states
    (K of Rajbhandari et al. 2020: 12 for fp32 master weights, m and v; the
    ``optimizer_state_bytes`` assumption). K = 12 gives the 16 / 4 + 12 / 2 + 14 / 16 split."""
    k = optimizer_bytes
    return {0: (4.0 + k, 0.0), 1: (4.0, k), 2: (2.0, 2.0 + k), 3: (0.0, 4.0 + k)}


@dataclass(frozen=True, kw_only=True)
class Layout:
    """A parallel layout and the memory/recompute choices that go with it."""

    tp: int
    cp: int
    pp: int
    dp: int
    ep: int = 1
    vpp: int = 1  # interleaved chunks per pipeline stage (1 = plain 1F1B)
    zero: int = 1
    recompute: str = "selective"
    micro_batch: int = 1
    micro_batches: int = 1  # per pipeline per step (gradient accumulation)

    @property
    def gpus(self) -> int:
        """GPUs used by the layout."""
        return self.tp * self.cp * self.pp * self.dp

    @property
    def etp(self) -> int:
        """Tensor-parallel split of the experts: none once they are expert-parallel (ETP 1,
        Megatron-Core MoE), so EP draws on the TP × CP × DP ranks."""
        return self.tp if self.ep == 1 else 1

    @property
    def expert_dp(self) -> int:
        """Ranks holding the same experts (they shard the experts' optimizer states)."""
        return max(1, self.tp * self.cp * self.dp // (self.etp * self.ep))

    @property
    def global_batch(self) -> int:
        """Sequences per optimizer step."""
        return self.micro_batch * self.micro_batches * self.dp

    def label(self) -> str:
        """Short human form, e.g. TP8 × CP2 × PP16 × DP64."""
        parts = [f"TP{self.tp}"]
        if self.cp > 1:
            parts.append(f"CP{self.cp}")
        parts.append(f"PP{self.pp}" + (f"(v{self.vpp})" if self.vpp > 1 else ""))
        parts.append(f"DP{self.dp}")
        if self.ep > 1:
            parts.append(f"EP{self.ep}")
        return " × ".join(parts)

    def to_dict(self) -> dict[str, int | str]:
        """Plain data."""
        return {
            "tp": self.tp,
            "cp": self.cp,
            "pp": self.pp,
            "dp": self.dp,
            "ep": self.ep,
            "virtual_stages": self.vpp,
            "zero_stage": self.zero,
            "recompute": self.recompute,
            "micro_batch_size": self.micro_batch,
            "micro_batches": self.micro_batches,
            "global_batch_size": self.global_batch,
            "gpus_used": self.gpus,
        }


_LAYOUT_NEW = object.__new__
_LAYOUT_SET = object.__setattr__


def layout(
    tp: int,
    cp: int,
    pp: int,
    dp: int,
    ep: int,
    zero: int,
    recompute: str,
    micro_batch: int = 1,
    micro_batches: int = 1,
    vpp: int = 1,
) -> Layout:
    """``Layout(...)`` for the search's inner loops: the same (equal, hashing alike) object
    without the frozen dataclass's ten ``object.__setattr__`` calls (0.5 instead of 2 µs; an
    automatic training sizing builds ~10,000 while bounding shapes)."""
    lay = _LAYOUT_NEW(Layout)
    _LAYOUT_SET(
        lay,
        "__dict__",
        {
            "tp": tp,
            "cp": cp,
            "pp": pp,
            "dp": dp,
            "ep": ep,
            "vpp": vpp,
            "zero": zero,
            "recompute": recompute,
            "micro_batch": micro_batch,
            "micro_batches": micro_batches,
        },
    )
    return lay


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

    @property
    def fits(self) -> bool:
        """Within the usable memory."""
        return self.total_gb <= self.usable_gb + 1e-9


def stage_layers(layers: int, pp: int, head_layers: float) -> int:
    """Layers on the fullest stage when layers may be uneven: the last stage also runs the
    output head (worth ``head_layers`` layers), so it may hold fewer (Llama 3: 126 on 16).
    The split is the one whose slowest stage, max(most, last + head), is least: Megatron-LM
    splits evenly when the depth divides the layers, the last stage then running its layers
    plus the head (Narayanan et al. 2021 Table 1: 128 layers on 64 stages, 2 each; 105 on 35,
    3 each). Until session 5 the last stage had to fit the head within ``most`` whole layers,
    which put 3 layers on the fullest stage of that 1T run (+50 % stage time) and ``most`` + 1
    on every depth that divides the layers (GPT-3 96 layers on PP8: 13, not 12 + head)."""
    if pp <= 1:
        return layers
    most = math.ceil(layers / pp)
    best, best_load = most, float("inf")
    while (pp - 1) * most <= layers:
        load = max(float(most), layers - (pp - 1) * most + head_layers)
        if load < best_load:
            best, best_load = most, load
        if most >= best_load:  # a fuller stage can only be slower from here on
            break
        most += 1
    return best


def layer_activation_bytes(st: TrainingSetup, tokens: float, recompute: str, tp: int) -> float:
    """Activation bytes one layer keeps for ``tokens`` tokens on one GPU (bf16, sequence
    parallel so every term divides by TP; flash attention, so no attention scores are kept).

    none: the two norm inputs 4h, the QKV input 2h, Q 2h, K and V 4·kv_dim, the attention
    output (also the projection's input) 2h, the MLP input 2h, the gate and up outputs 4·ffn
    and their product 2·ffn per routed expert: Korthikanti et al.'s 34·h for GPT without its
    two dropout masks (the models here train without dropout), with GQA and a gated MLP.
    selective: the norm outputs (the QKV and MLP inputs) and the gated product are rebuilt in
    the backward pass from what is kept (memory-bound kernels: Megatron-Core's ``layernorm``
    and activation recompute modules), leaving 8h + 4·kv_dim + 4·ffn per routed expert.
    full: only the layer input 2h."""
    s = st.s
    if recompute == "full":
        return tokens * 2.0 * s.hidden / tp
    if recompute == "selective":
        return tokens * (8.0 * s.hidden + 4.0 * s.kv_dim + 4.0 * s.ffn * s.top_k) / tp
    return tokens * (12.0 * s.hidden + 4.0 * s.kv_dim + 6.0 * s.ffn * s.top_k) / tp


def rebuilt_bytes(st: TrainingSetup, tokens: float, tp: int) -> float:
    """Bytes selective recompute reads and writes to rebuild what it drops: each norm reads
    its input 2h and writes its output 2h; the gated product reads 4·ffn, writes 2·ffn."""
    s = st.s
    return tokens * (8.0 * s.hidden + 6.0 * s.ffn * s.top_k) / tp


def model_state_bytes(st: TrainingSetup, lay: Layout) -> float:
    """Weights, gradients and Adam states per GPU after TP/PP/EP split and ZeRO sharding over
    the data-parallel ranks (CP ranks shard too; experts over tp·cp·dp/ep)."""
    return MemoryModel(st).states(lay)


def memory(st: TrainingSetup, lay: Layout) -> TrainingMemory:
    """Memory per GPU of the first pipeline stage (the fullest) for this layout."""
    return MemoryModel(st).breakdown(lay)


def head_layers(st: TrainingSetup) -> float:
    """The output head's compute in units of one layer's."""
    s = st.s
    per_layer = s.dense_per_layer + s.top_k * s.expert_per_layer
    return s.head_params / per_layer if per_layer > 0 else 0.0


class _StageLayers(dict[int, int]):
    """``stage_layers`` of one setup's layers and head per depth, computed on first look-up."""

    def __init__(self, layers: int, head: float) -> None:
        super().__init__()
        self.layers, self.head = layers, head

    def __missing__(self, pp: int) -> int:
        got = self[pp] = stage_layers(self.layers, pp, self.head)
        return got


class _StateBytes(dict[tuple[int, int, int, int, int, int], float]):
    """``MemoryModel.state_bytes`` per (TP, CP, PP, DP, EP, ZeRO), computed on first look-up:
    once known a dict lookup from C, no Python frame (the search's memory tests ask ~2,000
    times an automatic sizing, half of them known). It holds the figures the formula reads,
    not the model (no reference cycle: see step.Context)."""

    def __init__(self, model: MemoryModel) -> None:
        super().__init__()
        self.dense, self.expert, self.lora = model.dense, model.expert, model.lora
        self.zero_split, self.optimizer_bytes = model.zero_split, model.optimizer_bytes
        self.weight_bytes, self.lora_params = model.st.weight_bytes, model.st.lora_params
        # per (TP, PP, EP): the model states' split before ZeRO sharding (``_split``)
        self.splits: dict[tuple[int, int, int], tuple[float, float, float, int, int]] = {}

    def __missing__(self, key: tuple[int, int, int, int, int, int]) -> float:
        """The state bytes of ``key`` = (TP, CP, PP, DP, EP, ZeRO), computed here (one frame a
        new key: the search's memory tests ask for ~1,100 new keys an automatic sizing)."""
        return self.fill(key)

    def fill(self, key: tuple[int, int, int, int, int, int]) -> float:
        """``__missing__``'s figure, stored: for a caller that looks up with ``get`` first
        and calls this on a miss (``get(key) or fill(key)``: a Python call, cheaper than
        the dict's call of ``__missing__`` from C)."""
        tp, cp, pp, dp, ep, zero = key
        split = self.splits.get((tp, pp, ep))  # ``_split``'s memo, inline
        if split is None:
            split = self._split(tp, pp, ep)
        dense, expert, both, etp, mp = split
        d_dense = dp * cp
        d_expert = tp * cp * dp // (etp * ep)  # Layout.expert_dp
        if d_expert < 1:
            d_expert = 1
        if self.lora:
            frozen = self.weight_bytes * both
            k = self.optimizer_bytes
            lora = self.lora_params
            adapters = (4.0 + k) * lora / mp
            if zero == 3:
                got = (frozen + adapters) / d_dense
            elif zero == 0:
                got = frozen + adapters
            else:
                got = frozen + 4.0 * lora / mp + k * lora / mp / d_dense
        else:
            fixed, sharded = self.zero_split[zero]
            got = fixed * both + sharded * (dense / d_dense + expert / d_expert)
        self[key] = got
        return got

    def _split(self, tp: int, pp: int, ep: int) -> tuple[float, float, float, int, int]:
        """(dense, expert, dense + expert) parameters per GPU after the TP/PP/EP split, the
        experts' TP split (``Layout.etp``) and TP·PP, memoised per (TP, PP, EP): none of them
        reads DP, CP or the ZeRO stage, which a search varies most (one entry serves every DP
        of every GPU count tried)."""
        key = (tp, pp, ep)
        got = self.splits.get(key)
        if got is None:
            etp = tp if ep == 1 else 1
            mp = tp * pp
            dense = self.dense / mp
            expert = self.expert / (pp * etp * ep)
            got = self.splits[key] = (dense, expert, dense + expert, etp, mp)
        return got


class _DenseStateBytes(_StateBytes):
    """``_StateBytes`` of a run with no experts and no LoRA (the common case): the same
    figure with the terms that are then 0.0 left out (``expert / d_expert`` adds 0.0 to a
    positive sum, which leaves it as it is), so a new key costs about half the bytecode
    (~1,200 new keys an automatic training sizing, most from ``space.min_pp``)."""

    def __missing__(self, key: tuple[int, int, int, int, int, int]) -> float:
        return self.fill(key)

    def fill(self, key: tuple[int, int, int, int, int, int]) -> float:
        tp, cp, pp, dp, ep, zero = key
        split = self.splits.get((tp, pp, ep))
        if split is None:
            split = self._split(tp, pp, ep)
        fixed, sharded = self.zero_split[zero]
        got = self[key] = fixed * split[2] + sharded * (split[0] / (dp * cp))
        return got


class MemoryModel:
    """The memory formulas with per-choice caches, so the search can test thousands of
    layouts cheaply; ``breakdown`` gives the parts of one."""

    def __init__(self, st: TrainingSetup) -> None:
        s, a = st.s, st.assumptions
        self.st = st
        self.usable = device_memory_bytes(st.gpu) * a.usable_memory_fraction
        self.zero_split = zero_split(a.optimizer_state_bytes)
        self.optimizer_bytes = a.optimizer_state_bytes
        self.overhead = a.framework_overhead_gb * GB
        self.dense, self.expert = s.dense_params, s.expert_params
        self.layer_params = s.dense_per_layer + s.top_k * s.expert_per_layer
        self.head = head_layers(st)
        self.layers = s.layers
        self.lora = st.lora
        self._act: dict[tuple[int, int, int, str], tuple[float, float, float]] = {}
        self._most = _StageLayers(s.layers, self.head)
        # ``most(pp)``: the fullest stage's layers, memoised per depth (all it depends on
        # besides the setup's layers and head): a dict lookup called from C, no Python frame
        # once known (the search asks ~1,800 times a 4,096-node plan, ~30 depths)
        self.most: Callable[[int], int] = self._most.__getitem__
        self._load: dict[int, float] = {}  # the fullest stage's load per depth (use)
        self._loads: list[float] = [0.0]  # the same by depth 1, 2, … in order (records)
        self._tails: list[float] = []  # the largest share any depth from pp on (records)
        # ``state_bytes`` per (TP, CP, PP, DP, EP, ZeRO): ``self._states[key]`` (the search's
        # inner loops read it so)
        self._states = (
            _DenseStateBytes(self) if self.expert == 0.0 and not self.lora else _StateBytes(self)
        )
        self._gathered: dict[int, float] = {}  # ZeRO-3 overhead per TP (``_overhead``)

    def share_bytes(self, other: MemoryModel) -> None:
        """Use ``other``'s byte tables (activations, model states, stage layers and loads,
        ZeRO-3's gathered layers): the same run on another GPU (the caller checks that only
        the GPU differs: plan.share_model), whose bytes read the model, precision and
        assumptions, never the GPU; only ``usable``, the fit threshold, stays this GPU's."""
        self._act, self._most, self._load = other._act, other._most, other._load
        self.most = self._most.__getitem__
        self._loads, self._tails, self._states = other._loads, other._tails, other._states
        self._gathered = other._gathered

    def _activations(self, tp: int, cp: int, mb: int, rc: str) -> tuple[float, float, float]:
        key = (tp, cp, mb, rc)
        got = self._act.get(key)
        if got is None:
            st = self.st
            tokens = st.seq * mb / cp
            per_layer = layer_activation_bytes(st, tokens, rc, tp)
            # full recompute rebuilds one layer in full during its backward pass
            rebuilt = layer_activation_bytes(st, tokens, "none", tp) if rc == "full" else 0.0
            logits = 4.0 * tokens * st.s.vocab / tp  # fp32 logits of the micro-batch
            got = (per_layer, rebuilt, logits)
            self._act[key] = got
        return got

    def states(self, lay: Layout) -> float:
        """Model-state bytes per GPU (memoised per TP, CP, PP, DP, EP, ZeRO)."""
        return self.state_bytes(lay.tp, lay.cp, lay.pp, lay.dp, lay.ep, lay.zero)

    def state_bytes(self, tp: int, cp: int, pp: int, dp: int, ep: int, zero: int) -> float:
        """``states`` of a layout given by its degrees (no layout built): memoised per
        (TP, CP, PP, DP, EP, ZeRO), the only fields the formula reads (``_StateBytes``)."""
        return self._states[(tp, cp, pp, dp, ep, zero)]

    def _overhead(self, tp: int, zero: int) -> float:
        """Framework overhead bytes, and under ZeRO-3 two layers' parameters gathered ahead
        (prefetch): the same sum for every layout of one TP (memoised per TP)."""
        if zero != 3:
            return self.overhead
        got = self._gathered.get(tp)
        if got is None:
            got = self._gathered[tp] = self.overhead + 4.0 * self.layer_params / tp
        return got

    def in_flight(self, lay: Layout) -> float:
        """Micro-batches the first stage holds: 1F1B min(p, m); interleaved, the warm-up of
        2(p−1) + (v−1)p chunk passes plus one, i.e. p + (p−1)/v micro-batches of the stage's
        layers (Narayanan et al. 2021), never more than the m micro-batches there are."""
        p, m = lay.pp, lay.micro_batches
        if lay.vpp > 1:
            return min(float(m), p + (p - 1) / lay.vpp)
        return float(min(p, m))

    def parts(self, lay: Layout) -> tuple[float, float, float, float]:
        """(states, activations, logits and rebuilt layer, overhead) in bytes."""
        per_layer, rebuilt, logits = self._activations(
            lay.tp, lay.cp, lay.micro_batch, lay.recompute
        )
        act = self.most(lay.pp) * self.in_flight(lay) * per_layer + rebuilt
        overhead = self._overhead(lay.tp, lay.zero)
        return self.states(lay), act, logits, overhead

    def use(self, pp: int, ranks: int) -> float:
        """Share of ``ranks`` GPUs doing layer work at depth ``pp``: GPUs in whole pipelines
        × (layers + head) ÷ (depth × the fullest stage's load, head included)."""
        s = self.st.s
        load = self._load.get(pp)
        if load is None:
            most = self.most(pp)
            last = max(0, s.layers - (pp - 1) * most) if pp > 1 else s.layers
            load = max(float(most), last + self.head)
            self._load[pp] = load
        return (ranks // pp) * (s.layers + self.head) / (ranks * load)

    def best_use(self, ranks: int, lo: int, hi: int) -> float:
        """The largest ``use(pp, ranks)`` over pp = lo … hi (0 when none): the same
        expression per depth, in one call (``space.pp_options`` asks per node count)."""
        best = 0.0
        loads = self._load
        work = self.layers + self.head
        for pp in range(lo, hi + 1):
            load = loads.get(pp)
            if load is None:
                self.use(pp, ranks)
                load = loads[pp]
            use = (ranks // pp) * work / (ranks * load)
            if pp == lo or use > best:
                best = use
        return best

    def records(self, ranks: int, lo: int, hi: int, record: float) -> list[int]:
        """The depths pp = lo … hi whose ``use(pp, ranks)`` (the same expression) is a new
        record above ``record`` (by more than 1e-12), in order. The scan ends once no deeper
        depth can set one: use(pp) <= (layers + head) ÷ (pp × load(pp)) (ranks // pp <= ranks
        ÷ pp), whose largest value from each depth on (``_tails``) is kept per setup; its
        margin (1e-12 relative) is far above the few roundings of either expression."""
        loads, tails = self._loads, self._tails
        work = self.layers + self.head
        if len(tails) <= self.layers:  # every depth's load and the tails, once per setup
            layers, head, known, most_of = self.layers, self.head, self._load, self.most
            for pp in range(len(loads), layers + 1):
                load = known.get(pp)
                if load is None:  # ``use``'s load, inline (~120 depths of a 405B setup)
                    most = most_of(pp)
                    last = max(0, layers - (pp - 1) * most) if pp > 1 else layers
                    load = known[pp] = max(float(most), last + head)
                loads.append(load)
            tails[:] = [0.0] * (self.layers + 2)
            for pp in range(self.layers, 0, -1):
                share = work / (pp * loads[pp])
                tails[pp] = share if share > tails[pp + 1] else tails[pp + 1]
        out: list[int] = []
        for pp in range(lo, hi + 1):
            if tails[pp] * (1.0 + 1e-12) <= record + 1e-12:
                break
            use = (ranks // pp) * work / (ranks * loads[pp])
            if use > record + 1e-12:
                record = use
                out.append(pp)
        return out

    def may_fit(self, lay: Layout, m_floor: int) -> bool:
        """A necessary condition of ``fits`` that only falls with pipeline depth, for any
        layout with at least ``m_floor`` micro-batches: the first stage holds min(p, m)
        micro-batches of ``most`` layers, at least all the layers when m >= p and at least
        most × m_floor otherwise."""
        per_layer, rebuilt, logits = self._activations(
            lay.tp, lay.cp, lay.micro_batch, lay.recompute
        )
        overhead = self._overhead(lay.tp, lay.zero)
        held = min(self.layers, self.most(lay.pp) * m_floor)
        low = self.states(lay) + held * per_layer + rebuilt + logits + overhead
        return low <= self.usable + 1e-6

    def may_fit_plain(
        self, tp: int, cp: int, pp: int, dp: int, ep: int, zero: int, rc: str, m_floor: int
    ) -> bool:
        """``may_fit`` of the plain layout (micro-batch 1) without building it: the same sums
        in the same order, so the same answer."""
        per_layer, rebuilt, logits = self._activations(tp, cp, 1, rc)
        overhead = self._overhead(tp, zero)
        held = self.most(pp) * m_floor
        if held > self.layers:
            held = self.layers
        states = self.state_bytes(tp, cp, pp, dp, ep, zero)
        low = states + held * per_layer + rebuilt + logits + overhead
        return low <= self.usable + 1e-6

    def fits_plain(
        self, tp: int, cp: int, pp: int, dp: int, ep: int, zero: int, rc: str, m: int
    ) -> bool:
        """``fits`` of the plain layout (no interleaving, micro-batch 1) without building it:
        the same sums in the same order, so the same answer (the depth scans of the search
        test many shapes that do not fit)."""
        return self.fits_shape(tp, cp, pp, dp, ep, zero, rc, 1, m)

    def fits_shape(
        self,
        tp: int,
        cp: int,
        pp: int,
        dp: int,
        ep: int,
        zero: int,
        rc: str,
        mb: int,
        m: int,
        vpp: int = 1,
    ) -> bool:
        """``fits`` of the layout with these fields, without building it (the search and its
        bounds test many layouts that are never reported): ``parts`` summed in the same
        order, so the same answer."""
        per_layer, rebuilt, logits = self._act.get((tp, cp, mb, rc)) or self._activations(
            tp, cp, mb, rc
        )
        if vpp > 1:  # ``in_flight``
            held = min(float(m), pp + (pp - 1) / vpp)
        else:
            held = float(pp if pp < m else m)
        most = self._most.get(pp)
        if most is None:
            most = self.most(pp)
        act = most * held * per_layer + rebuilt
        states = self._states[(tp, cp, pp, dp, ep, zero)]
        overhead = self.overhead if zero != 3 else self._overhead(tp, zero)
        return states + act + logits + overhead <= self.usable + 1e-6

    def none_deeper_fits(self, tp: int, cp: int, zero: int, rc: str, m: int) -> bool:
        """True when no plain layout (micro-batch 1) of this TP, CP, ZeRO and recompute with at
        least ``m`` micro-batches fits, at any depth p: the first stage holds most(p) × min(p, m)
        layers' activations, at least min(layers, m) (most(p) >= 1 and most(p) × p >= layers),
        even with no model states. Micro-batches only grow with depth (DP shrinks), so once
        this holds at one depth it holds at every deeper one."""
        per_layer, rebuilt, logits = self._activations(tp, cp, 1, rc)
        act = float(self.layers if self.layers < m else m) * per_layer + rebuilt
        overhead = self._overhead(tp, zero)
        return act + logits + overhead > self.usable + 1e-6

    def fits(self, lay: Layout) -> bool:
        """Within the usable memory."""
        return self.fits_shape(
            lay.tp,
            lay.cp,
            lay.pp,
            lay.dp,
            lay.ep,
            lay.zero,
            lay.recompute,
            lay.micro_batch,
            lay.micro_batches,
            lay.vpp,
        )

    def breakdown(self, lay: Layout) -> TrainingMemory:
        """Parts in GB."""
        states, act, extra, overhead = self.parts(lay)
        return frozen.build(  # TrainingMemory(...), without the frozen per-field setattr
            TrainingMemory,
            {
                "model_states_gb": states / GB,
                "activations_gb": act / GB,
                "logits_gb": extra / GB,
                "overhead_gb": overhead / GB,
                "usable_gb": self.usable / GB,
            },
        )


def ep_fits(tp: int, cp: int, dp: int, ep: int) -> bool:
    """Expert parallelism needs EP to divide the TP × CP × DP ranks."""
    return ep == 1 or (tp * cp * dp) % ep == 0
