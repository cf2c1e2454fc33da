"""Rack elevations: which node or switch sits at which rack unit (for the wizard's drawings).

Switches are counted by rack once (not scanned once per rack), and racks of identical contents
(compute racks with the same node count and switches, network racks with the same switches)
are one kind, laid out once: the plan keeps the kinds and the kind of each rack, never a
Python object per rack (issue 16).
"""

from __future__ import annotations

from collections import Counter
from itertools import repeat

from .catalog import CatalogSnapshot, Switch
from .cluster_plan import ClusterPlan, RackItem, RackKind
from .frozen import build as _build
from .node import NodePlan
from .workload import Assumptions


def _switch_items(top: int, entries: list[tuple[str, Switch]]) -> tuple[list[RackItem], int]:

    items = []
    for kind, switch in entries:
        top -= switch.rack_units
        items.append(
            RackItem(kind, switch.name, switch.machine_type_part_number, top + 1, switch.rack_units)
        )
    return items, top


def _count(values: tuple[int, ...]) -> dict[int, int]:
    """How often each value occurs: Counter's loop in C for many, a plain loop for a few
    (building a Counter costs ~1 µs, too much for a one-rack cluster)."""
    if len(values) > 8:
        return Counter(values)
    out: dict[int, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return out


def _kinds(plan: ClusterPlan) -> list[tuple[int, int, int, int]]:
    """(nodes, compute leaves, DPU switches, management switches) of every compute rack,
    counted with Counter and map rather than rack by rack (a 4,096-node cluster has 512)."""
    racks = range(len(plan.rack_nodes))
    leaves = _count(plan.compute.leaf_racks if plan.compute.design != "rail_optimised" else ())
    mgmt = _count(plan.mgmt_racks)
    dpus = [0] * len(racks)
    if plan.dpu is not None:
        dpus[0] = plan.dpu.switches
    return list(
        zip(
            plan.rack_nodes,
            map(leaves.get, racks, repeat(0)),
            dpus,
            map(mgmt.get, racks, repeat(0)),
            strict=True,
        )
    )


def _node_items(node: NodePlan, count: int) -> list[RackItem]:

    height = node.platform.rack_units
    return [
        RackItem("node", node.profile.name, node.profile.server_part_number, 1 + i * height, height)
        for i in range(count)
    ]


def _kind(role: str, items: tuple[RackItem, ...], power_w: float) -> RackKind:
    return _build(RackKind, {"role": role, "items": items, "power_w": power_w})


def build_racks(
    catalog: CatalogSnapshot, plan: ClusterPlan, node: NodePlan, a: Assumptions
) -> tuple[tuple[RackKind, ...], tuple[int, ...]]:
    """The kinds of rack (items at rack-unit positions, power) and the kind of every rack, in
    rack order: compute racks, then rail racks, then spine/aggregation/core racks."""

    top = a.rack_units_per_rack
    leaf, mgmt = plan.compute.switch, catalog.management_switch()
    keys = _kinds(plan)
    kinds: list[RackKind] = []
    index: dict[tuple[int, int, int, int], int] = {}
    for key in dict.fromkeys(keys):  # each kind of rack once, in order
        count, leaves, dpus, mgmts = key
        entries = [("compute_leaf", leaf)] * leaves  # in this order from the top down
        if plan.dpu is not None:
            entries += [("dpu_switch", plan.dpu.switch)] * dpus
        entries += [("management_switch", mgmt)] * mgmts
        switch_items, _ = _switch_items(top, entries)
        power = count * node.power_w + sum(s.power_w for _, s in entries)
        index[key] = len(kinds)
        items = tuple(_node_items(node, count) + switch_items)
        kinds.append(_kind("compute", items, power))
    kind_of = list(map(index.__getitem__, keys))
    _network_racks(plan, a, kinds, kind_of)
    return tuple(kinds), tuple(kind_of)


def _network_racks(plan: ClusterPlan, a: Assumptions, kinds: list[RackKind], of: list[int]) -> None:
    """Add the network racks' kinds and runs: the rail racks (one kind), then the central
    racks, ``switches_per_network_rack`` switches to a rack (spines or aggregation, then
    cores). A central rack's kind is how many of each it holds, counted, not sliced."""
    switch, f = plan.compute.switch, plan.compute
    if f.rail_racks:
        items, _ = _switch_items(a.rack_units_per_rack, [("rail_leaf", switch)] * f.rails)
        of += [len(kinds)] * f.rail_racks
        kinds.append(_kind("network", tuple(items), f.rails * switch.power_w))
    middle = "spine" if f.tiers == 2 else "aggregation"
    per, total = a.switches_per_network_rack, f.spines + f.cores
    index: dict[tuple[int, int], int] = {}
    for r in range(plan.network_racks - f.rail_racks):
        start = r * per
        size = max(0, min(per, total - start))
        mids = max(0, min(size, f.spines - start))
        got = index.get((mids, size))
        if got is None:
            entries = [(middle, switch)] * mids + [("core", switch)] * (size - mids)
            items, _ = _switch_items(a.rack_units_per_rack, entries)
            got = index[(mids, size)] = len(kinds)
            kinds.append(_kind("network", tuple(items), size * switch.power_w))
        of.append(got)
