"""Rack elevations: which node or switch sits at which rack unit (for the wizard's drawings).

Switches are counted by rack once (not scanned once per rack), and racks of identical contents
(compute racks with the same node count and switches, network racks with the same switches)
share one tuple of items built once: each kind of rack is laid out once, and what is left per
rack is its Rack object (issue 16).
"""

from __future__ import annotations

from collections import Counter
from itertools import repeat

from .catalog import CatalogSnapshot, Switch
from .cluster_plan import ClusterPlan, Rack, RackItem
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


def build_racks(
    catalog: CatalogSnapshot, plan: ClusterPlan, node: NodePlan, a: Assumptions
) -> tuple[Rack, ...]:
    """Every rack with its items at rack-unit positions and its power."""

    top = a.rack_units_per_rack
    leaf, mgmt = plan.compute.switch, catalog.management_switch()
    keys = _kinds(plan)
    shared: dict[tuple[int, int, int, int], tuple[tuple[RackItem, ...], float]] = {}
    for key in dict.fromkeys(keys):  # each kind of rack once, in order
        count, leaves, dpus, mgmts = key
        entries = [("compute_leaf", leaf)] * leaves  # in this order from the top down
        if plan.dpu is not None:
            entries += [("dpu_switch", plan.dpu.switch)] * dpus
        entries += [("management_switch", mgmt)] * mgmts
        switch_items, _ = _switch_items(top, entries)
        power = count * node.power_w + sum(s.power_w for _, s in entries)
        shared[key] = (tuple(_node_items(node, count) + switch_items), power)
    racks = [
        _build(Rack, {"index": i, "role": "compute", "items": items, "power_w": power})
        for i, (items, power) in enumerate(map(shared.__getitem__, keys), 1)
    ]
    return tuple(racks + _network_racks(plan, a, len(racks)))


def _network(index: int, kind: tuple[tuple[RackItem, ...], float]) -> Rack:
    return _build(Rack, {"index": index, "role": "network", "items": kind[0], "power_w": kind[1]})


def _network_racks(plan: ClusterPlan, a: Assumptions, first: int) -> list[Rack]:

    switch, f = plan.compute.switch, plan.compute
    racks: list[Rack] = []
    if f.rail_racks:
        items, _ = _switch_items(a.rack_units_per_rack, [("rail_leaf", switch)] * f.rails)
        rail = (tuple(items), f.rails * switch.power_w)
        racks += [_network(first + r + 1, rail) for r in range(f.rail_racks)]
    middle = "spine" if f.tiers == 2 else "aggregation"
    kinds = [middle] * f.spines + ["core"] * f.cores
    per = a.switches_per_network_rack
    shared: dict[tuple[str, ...], tuple[tuple[RackItem, ...], float]] = {}
    for r in range(plan.network_racks - f.rail_racks):
        chunk = tuple(kinds[r * per : (r + 1) * per])
        got = shared.get(chunk)
        if got is None:
            items, _ = _switch_items(a.rack_units_per_rack, [(k, switch) for k in chunk])
            got = shared[chunk] = (tuple(items), len(chunk) * switch.power_w)
        racks.append(_network(first + len(racks) + 1, got))
    return racks
