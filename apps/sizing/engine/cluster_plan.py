"""The cluster plan's data: compute fabric (link groups), racks, management network and the
plan itself. Apart from engine/cluster.py (which plans them) so that the modules that place
and lay them out (placement.py, layout.py) import the types without importing the planner.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .catalog import Switch
from .floor import Floor
from .once import cached_property


@dataclass(frozen=True)
class LinkGroup:
    """Links of one kind and length: ``endpoint`` (leaf cage to adapter ports, counted in
    cages), ``isl`` (switch port to switch port) or ``isl_cage`` (cage to cage, two switches)."""

    kind: str
    tier: str
    count: int
    length_m: float


@dataclass(frozen=True, kw_only=True)
class Fabric:
    """A switched network: leaves, spines (or aggregation) and cores counted in switch cages."""

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
    design: str = "fat_tree"
    tier_links: tuple[int, ...] = ()
    oversubscription_target: float = 1.0
    rails: int = 0
    rail_racks: int = 0
    links: tuple[LinkGroup, ...] = field(default=())

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
        """Switch-to-switch links: cage to cage for two switches, port to port in a tree."""
        if self.topology == "two_switches":
            return max(self.leaf_up_cages)
        return sum(self.tier_links)

    @property
    def oversubscription(self) -> float:
        """Worst leaf down:up bandwidth ratio (1.0 = non-blocking)."""
        if self.topology == "two_switches":
            ratios = [d / u for d, u in zip(self.leaf_down_cages, self.leaf_up_cages, strict=True)]
            return round(max(ratios), 3)
        return round(self.oversubscription_target, 3) if self.tiers > 1 else 1.0

    def max_cages_used(self) -> int:
        """Most cages used on any leaf (must not exceed the switch's cages)."""
        if len(self.leaf_down_cages) != len(self.leaf_up_cages):
            raise ValueError("leaf_down_cages and leaf_up_cages differ in length")
        return max(map(int.__add__, self.leaf_down_cages, self.leaf_up_cages))


@dataclass(frozen=True)
class RackItem:
    """Something mounted in a rack, with its lowest rack unit."""

    kind: str
    name: str
    part_number: str
    u_start: int
    u_height: int


@dataclass(frozen=True)
class RackKind:
    """The contents of racks that are alike (issue 16: a 4,096-node cluster has 560 racks of a
    few kinds): their role, what is in each and the draw of each."""

    role: str
    items: tuple[RackItem, ...]
    power_w: float

    @property
    def nodes(self) -> int:
        """Compute nodes in a rack of this kind."""
        return sum(1 for item in self.items if item.kind == "node")


@dataclass(frozen=True)
class Management:
    """The 1 GbE management network: leaf switches while ports last, aggregation above them."""

    ports: int
    leaves: int
    homes: tuple[int, ...]
    uplinks: int
    aggregation: int


@dataclass(frozen=True, kw_only=True)
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
    # the racks as kinds x runs: rack i + 1 is of kind rack_kind_of[i] (racks are never one
    # Python object each; the result's rack list is built from the kinds, summary._racks)
    rack_kinds: tuple[RackKind, ...] = ()
    rack_kind_of: tuple[int, ...] = ()
    management: Management | None = None
    floor: Floor | None = None
    alternative: Fabric | None = None

    @property
    def rack_count(self) -> int:
        """Compute plus network racks."""
        return len(self.rack_nodes) + self.network_racks

    # read several times a sizing (summary, explanations, facility), computed once: a 4,096-node
    # cluster has 560 racks of a few kinds (issue 16); the plan is frozen and its racks are set
    # when it is built
    @cached_property
    def rack_draws(self) -> tuple[float, ...]:
        """The draw of every rack, in rack order (looked up by kind, in C)."""
        draws = [k.power_w for k in self.rack_kinds]
        return tuple(map(draws.__getitem__, self.rack_kind_of))

    @cached_property
    def rack_kind_counts(self) -> tuple[int, ...]:
        """How many racks each kind has."""
        return tuple(map(self.rack_kind_of.count, range(len(self.rack_kinds))))

    @cached_property
    def power_w(self) -> float:
        """Estimated draw of everything (the racks' draws added in rack order)."""
        total: float = sum(self.rack_draws)
        return total

    @cached_property
    def rack_units(self) -> int:
        """Rack units occupied (each kind of rack added up once)."""
        return sum(
            n * sum(i.u_height for i in k.items)
            for k, n in zip(self.rack_kinds, self.rack_kind_counts, strict=True)
        )
