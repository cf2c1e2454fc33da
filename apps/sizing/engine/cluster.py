"""Cluster plan: racks, compute fabric (single switch, two switches, two- or three-tier fat tree),
management network, power, heat and rack units (seed "Configuration examples", Tables 1-3)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .catalog import CatalogSnapshot, Switch
from .errors import SizingInputError
from .node import NodePlan
from .workload import Assumptions


@dataclass(frozen=True)
class Fabric:
    """A switched network: leaves, spines and cores counted in switch cages."""

    name: str
    switch: Switch
    endpoints: int
    fanout: int
    tiers: int
    topology: str
    leaf_down_cages: tuple[int, ...]
    leaf_up_cages: tuple[int, ...]
    spines: int
    cores: int
    leaf_racks: tuple[int, ...]

    @property
    def leaves(self) -> int:
        """Leaf (or only) switches."""
        return len(self.leaf_down_cages)

    @property
    def switches(self) -> int:
        """All switches of the fabric."""
        return self.leaves + self.spines + self.cores

    @property
    def endpoint_cables(self) -> int:
        """Splitters (or direct cables): one per used leaf cage."""
        return sum(self.leaf_down_cages)

    @property
    def isl_cables(self) -> int:
        """Switch-to-switch cables, cage to cage."""
        if self.topology == "two_switches":
            return max(self.leaf_up_cages)
        return sum(self.leaf_up_cages) * (2 if self.cores else 1)

    @property
    def oversubscription(self) -> float:
        """Worst leaf down:up bandwidth ratio (1.0 = non-blocking)."""
        ratios = [d / u for d, u in zip(self.leaf_down_cages, self.leaf_up_cages, strict=True) if u]
        return round(max(ratios), 3) if ratios else 1.0

    def max_cages_used(self) -> int:
        """Most cages used on any switch (must not exceed the switch's cages)."""
        leaf = max(d + u for d, u in zip(self.leaf_down_cages, self.leaf_up_cages, strict=True))
        return leaf


@dataclass(frozen=True)
class RackItem:
    """Something mounted in a rack, with its lowest rack unit."""

    kind: str
    name: str
    part_number: str
    u_start: int
    u_height: int


@dataclass(frozen=True)
class Rack:
    """One rack and what is in it."""

    index: int
    role: str
    items: tuple[RackItem, ...]
    power_w: float

    @property
    def nodes(self) -> int:
        """Compute nodes in the rack."""
        return sum(1 for item in self.items if item.kind == "node")


@dataclass(frozen=True)
class ClusterPlan:
    """Racks, fabrics, management network and power of the cluster."""

    nodes: int
    nodes_per_rack: int
    rack_nodes: tuple[int, ...]
    compute: Fabric
    dpu: Fabric | None
    mgmt_switches: int
    mgmt_ports: int
    mgmt_racks: tuple[int, ...]
    network_racks: int
    racks: tuple[Rack, ...] = field(default=())

    @property
    def rack_count(self) -> int:
        """Compute plus network racks."""
        return len(self.rack_nodes) + self.network_racks

    @property
    def power_w(self) -> float:
        """Estimated draw of everything."""
        return sum(r.power_w for r in self.racks)

    @property
    def rack_units(self) -> int:
        """Rack units occupied."""
        heights: dict[int, int] = {}
        for rack in self.racks:
            if id(rack.items) not in heights:
                heights[id(rack.items)] = sum(item.u_height for item in rack.items)
        return sum(heights[id(rack.items)] for rack in self.racks)


def nodes_per_rack(node: NodePlan, leaf: Switch, mgmt: Switch, a: Assumptions) -> int:
    """Nodes in a rack: the per-rack limit, the power budget and the rack units allow."""
    budget = a.rack_power_budget_kw * 1000 - leaf.power_w - mgmt.power_w
    by_power = int(budget // node.power_w)
    by_space = (
        a.rack_units_per_rack - leaf.rack_units - mgmt.rack_units
    ) // node.platform.rack_units
    count = min(a.max_nodes_per_rack, by_power, by_space)
    if count < 1:
        raise SizingInputError.single(
            "assumptions.rack_power_budget_kw",
            f"a node draws {node.power_w / 1000:.2f} kW; the rack budget does not hold one node",
        )
    return count


def split_racks(nodes: int, per_rack: int) -> tuple[int, ...]:
    """Fill racks in order, the last with the rest (seed: Large = 8 + 8)."""
    full, rest = divmod(nodes, per_rack)
    return tuple([per_rack] * full + ([rest] if rest else []))


def _leaf_groups(
    rack_endpoints: tuple[int, ...], fanout: int, half: int
) -> tuple[list[int], list[int]]:
    downs: list[int] = []
    racks: list[int] = []
    for index, endpoints in enumerate(rack_endpoints):
        cages = math.ceil(endpoints / fanout)
        leaves = max(1, math.ceil(cages / half))
        for i in range(leaves):
            share = endpoints // leaves + (1 if i < endpoints % leaves else 0)
            downs.append(math.ceil(share / fanout))
            racks.append(index)
    return downs, racks


def design_fabric(
    name: str, switch: Switch, rack_endpoints: tuple[int, ...], fanout: int
) -> Fabric:
    """Single switch, two joined switches, or a non-blocking two-/three-tier fat tree."""
    total = sum(rack_endpoints)
    cages, half = switch.cages, switch.cages // 2
    if len(rack_endpoints) == 1 and math.ceil(total / fanout) <= cages:
        down = (math.ceil(total / fanout),)
        return Fabric(name, switch, total, fanout, 1, "single_switch", down, (0,), 0, 0, (0,))
    downs, racks = _leaf_groups(rack_endpoints, fanout, half)
    if len(downs) == 2:
        up = max(downs)
        return Fabric(
            name,
            switch,
            total,
            fanout,
            1,
            "two_switches",
            tuple(downs),
            (up, up),
            0,
            0,
            tuple(racks),
        )
    if len(downs) <= cages:
        return _two_tier(name, switch, total, fanout, downs, racks)
    return _three_tier(name, switch, total, fanout, downs, racks)


def _two_tier(
    name: str, switch: Switch, total: int, fanout: int, downs: list[int], racks: list[int]
) -> Fabric:
    spines = math.ceil(sum(downs) / switch.cages)
    ups = [max(d, spines) for d in downs]
    spines = max(spines, math.ceil(sum(ups) / switch.cages))
    return Fabric(
        name,
        switch,
        total,
        fanout,
        2,
        "fat_tree_2",
        tuple(downs),
        tuple(ups),
        spines,
        0,
        tuple(racks),
    )


def _three_tier(
    name: str, switch: Switch, total: int, fanout: int, downs: list[int], racks: list[int]
) -> Fabric:
    half = switch.cages // 2
    pods = math.ceil(len(downs) / half)
    if pods > switch.cages:
        limit = switch.cages * half * half * fanout
        raise SizingInputError.single(
            "nodes",
            f"{total} endpoint ports exceed a three-tier {switch.name} fat tree ({limit} ports)",
        )
    ups = list(downs)
    aggregation = sum(math.ceil(sum(ups[p * half : (p + 1) * half]) / half) for p in range(pods))
    cores = math.ceil(sum(ups) / switch.cages)
    return Fabric(
        name,
        switch,
        total,
        fanout,
        3,
        "fat_tree_3",
        tuple(downs),
        tuple(ups),
        aggregation,
        cores,
        tuple(racks),
    )


def mgmt_plan(
    catalog: CatalogSnapshot, node: NodePlan, nodes: int, switches: int, racks: int
) -> tuple[int, int, tuple[int, ...]]:
    """Management ports, switches (while ports last) and the racks that hold them."""
    mgmt = catalog.management_switch()
    ports = nodes * node.profile.mgmt_cables_per_node + switches
    count = max(1, math.ceil(ports / mgmt.ports))
    homes = tuple(sorted({(i * racks) // count for i in range(count)}))
    if len(homes) < count:
        homes = tuple(i % racks for i in range(count))
    return ports, count, homes


def plan_cluster(
    catalog: CatalogSnapshot, node: NodePlan, nodes: int, fabric: str, a: Assumptions
) -> ClusterPlan:
    """Racks, compute fabric, optional DPU network, management network and layout."""
    leaf = catalog.compute_switch(fabric)
    mgmt = catalog.management_switch()
    per_rack = nodes_per_rack(node, leaf, mgmt, a)
    rack_nodes = split_racks(nodes, per_rack)
    splitter = catalog.cable("splitter", fabric)
    compute = design_fabric(
        "compute", leaf, tuple(n * node.compute_ports for n in rack_nodes), splitter.fanout
    )
    dpu = None
    if node.dpu is not None:
        eth = catalog.compute_switch("ethernet")
        ports = tuple(n * node.profile.dpu_count * node.dpu.ports for n in rack_nodes)
        dpu = design_fabric("dpu", eth, (sum(ports),), catalog.cable("splitter", "ethernet").fanout)
    switches = compute.switches + (dpu.switches if dpu else 0)
    mgmt_ports, mgmt_count, homes = mgmt_plan(catalog, node, nodes, switches, len(rack_nodes))
    spine_like = compute.spines + compute.cores + (dpu.spines + dpu.cores if dpu else 0)
    network_racks = math.ceil(spine_like / a.switches_per_network_rack)
    plan = ClusterPlan(
        nodes, per_rack, rack_nodes, compute, dpu, mgmt_count, mgmt_ports, homes, network_racks
    )
    from .layout import build_racks

    return ClusterPlan(**{**plan.__dict__, "racks": build_racks(catalog, plan, node, a)})
