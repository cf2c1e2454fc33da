"""Rack elevations: which node or switch sits at which rack unit (for the wizard's drawings).

Switches are indexed by rack once (not scanned once per rack), and racks of identical contents
(compute racks with the same node count and switches, network racks with the same switches)
share one tuple of items built once, so the layout stays linear in the number of racks and
builds each kind of rack once (issue 16).
"""

from __future__ import annotations

from collections import defaultdict

from . import frozen
from .catalog import CatalogSnapshot, Switch
from .cluster_plan import ClusterPlan, Rack, RackItem
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


def _switches_by_rack(plan: ClusterPlan, catalog: CatalogSnapshot) -> dict[int, list[str]]:
    """The kinds of switch in every compute rack, built in one pass over the switch lists."""
    index: dict[int, list[str]] = defaultdict(list)
    if plan.compute.design != "rail_optimised":
        for rack in plan.compute.leaf_racks:
            index[rack].append("compute_leaf")
    if plan.dpu is not None:
        index[0] += ["dpu_switch"] * plan.dpu.switches
    for home in plan.mgmt_racks:
        index[home].append("management_switch")
    return index


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
    index = _switches_by_rack(plan, catalog)
    switch_of = {
        "compute_leaf": plan.compute.switch,
        "management_switch": catalog.management_switch(),
    }
    if plan.dpu is not None:
        switch_of["dpu_switch"] = plan.dpu.switch
    shared: dict[tuple[int, tuple[str, ...]], tuple[tuple[RackItem, ...], float]] = {}
    racks = []
    for i, count in enumerate(plan.rack_nodes):
        kinds = tuple(index[i]) if i in index else ()
        key = (count, kinds)
        got = shared.get(key)
        if got is None:
            entries = [(kind, switch_of[kind]) for kind in kinds]
            switch_items, _ = _switch_items(top, entries)
            power = count * node.power_w + sum(s.power_w for _, s in entries)
            got = shared[key] = (tuple(_node_items(node, count) + switch_items), power)
        racks.append(
            frozen.build(
                Rack, {"index": i + 1, "role": "compute", "items": got[0], "power_w": got[1]}
            )
        )
    return tuple(racks + _network_racks(plan, a, len(racks)))


def _network_racks(plan: ClusterPlan, a: Assumptions, first: int) -> list[Rack]:

    switch, f = plan.compute.switch, plan.compute
    racks: list[Rack] = []
    if f.rail_racks:
        items, _ = _switch_items(a.rack_units_per_rack, [("rail_leaf", switch)] * f.rails)
        rail = (tuple(items), f.rails * switch.power_w)
        racks += [Rack(first + r + 1, "network", *rail) for r in range(f.rail_racks)]
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
        racks.append(Rack(first + len(racks) + 1, "network", *got))
    return racks
