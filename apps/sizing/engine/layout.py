"""Rack elevations: which node or switch sits at which rack unit (for the wizard's drawings)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .catalog import CatalogSnapshot, Switch
from .node import NodePlan
from .workload import Assumptions

if TYPE_CHECKING:
    from .cluster import ClusterPlan, Rack, RackItem


def _switch_items(top: int, entries: list[tuple[str, Switch]]) -> tuple[list[RackItem], int]:
    from .cluster import RackItem

    items = []
    for kind, switch in entries:
        top -= switch.rack_units
        items.append(
            RackItem(kind, switch.name, switch.machine_type_part_number, top + 1, switch.rack_units)
        )
    return items, top


def _rack_switches(
    plan: ClusterPlan, catalog: CatalogSnapshot, index: int
) -> list[tuple[str, Switch]]:
    entries = [("compute_leaf", plan.compute.switch) for r in plan.compute.leaf_racks if r == index]
    if plan.dpu is not None and index == 0:
        entries += [("dpu_switch", plan.dpu.switch)] * plan.dpu.switches
    mgmt = catalog.management_switch()
    entries += [("management_switch", mgmt) for home in plan.mgmt_racks if home == index]
    return entries


def _compute_rack(
    plan: ClusterPlan, catalog: CatalogSnapshot, node: NodePlan, index: int, count: int, top: int
) -> Rack:
    from .cluster import Rack, RackItem

    height = node.platform.rack_units
    items = [
        RackItem("node", node.profile.name, node.profile.server_part_number, 1 + i * height, height)
        for i in range(count)
    ]
    entries = _rack_switches(plan, catalog, index)
    switch_items, _ = _switch_items(top, entries)
    power = count * node.power_w + sum(s.power_w for _, s in entries)
    return Rack(index + 1, "compute", tuple(items + switch_items), power)


def _network_racks(plan: ClusterPlan, a: Assumptions, first: int) -> list[Rack]:
    from .cluster import Rack

    switch = plan.compute.switch
    kinds = ["spine"] * plan.compute.spines + ["core"] * plan.compute.cores
    racks = []
    for r in range(plan.network_racks):
        chunk = kinds[r * a.switches_per_network_rack : (r + 1) * a.switches_per_network_rack]
        items, _ = _switch_items(a.rack_units_per_rack, [(k, switch) for k in chunk])
        racks.append(Rack(first + r + 1, "network", tuple(items), len(chunk) * switch.power_w))
    return racks


def build_racks(
    catalog: CatalogSnapshot, plan: ClusterPlan, node: NodePlan, a: Assumptions
) -> tuple[Rack, ...]:
    """Every rack with its items at rack-unit positions and its power."""
    top = a.rack_units_per_rack
    racks = [_compute_rack(plan, catalog, node, i, n, top) for i, n in enumerate(plan.rack_nodes)]
    return tuple(racks + _network_racks(plan, a, len(racks)))
