"""Cluster plan: racks, compute fabric, management network, floor and power.

Compute fabric (sizing-model §7): one switch; two joined switches (the seed's Large); beyond
that a leaf-spine fat tree of the switch's ports, two tiers while the spines' ports reach every
leaf and three tiers (pods of leaves and aggregation switches under cores) beyond that. Two
leaf placements: ``fat_tree`` (a leaf per rack, the seed's) and ``rail_optimised`` (GPU i of
every node of a scalable unit on rail leaf i, the leaves in a rail rack in the middle of the
unit). Counting is in switch ports (a QM9700 has 64 NDR ports in 32 twin-port cages).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import groupby

from . import frozen
from .catalog import CatalogSnapshot, Switch
from .cluster_plan import ClusterPlan, Fabric, LinkGroup, Management, RackItem, RackKind
from .errors import SizingInputError
from .floor import Floor
from .layout import build_racks
from .node import NodePlan
from .placement import links, place
from .workload import Assumptions

__all__ = [
    "ClusterPlan",
    "Fabric",
    "LinkGroup",
    "Management",
    "RackItem",
    "RackKind",
    "place_chosen",
    "place_cluster",
    "plan_cluster",
]


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
    by_endpoints: dict[int, list[int]] = {}  # racks of one size have the same leaves
    index = 0
    for endpoints, run in groupby(rack_endpoints):  # a run of racks of one size at a time
        count = len(list(run))
        leaf_downs = by_endpoints.get(endpoints)
        if leaf_downs is None:
            cages = math.ceil(endpoints / fanout)
            leaves = max(1, math.ceil(cages / half))
            leaf_downs = by_endpoints[endpoints] = [
                math.ceil((endpoints // leaves + (1 if i < endpoints % leaves else 0)) / fanout)
                for i in range(leaves)
            ]
        downs += leaf_downs * count
        if len(leaf_downs) == 1:
            racks += range(index, index + count)
        else:
            racks += [r for r in range(index, index + count) for _ in leaf_downs]
        index += count
    return downs, racks


def fabric_limits(switch: Switch, fanout: int) -> dict[str, int]:
    """Largest endpoint counts a non-blocking tree of this switch reaches, by tiers: two tiers
    k leaves × k/2 down ports; three tiers k pods × k/2 leaves × k/2 down ports (k = ports)."""
    k = switch.ports
    per_port = fanout * switch.cages // switch.ports
    return {"two_tier": k * (k // 2) * per_port, "three_tier": k * (k // 2) * (k // 2) * per_port}


def limit_reason(switch: Switch, fanout: int, ports_per_node: int) -> str:
    """Why the largest three-tier tree stops where it does."""
    top = fabric_limits(switch, fanout)["three_tier"]
    return (
        f"a non-blocking three-tier tree of {switch.ports}-port {switch.name} switches reaches "
        f"k³/4 = {top // max(1, fanout * switch.cages // switch.ports):,} switch ports = "
        f"{top:,} adapter ports ({top // max(1, ports_per_node):,} nodes); a fourth tier or "
        "oversubscription is needed beyond that"
    )


@dataclass(frozen=True)
class _Tree:
    ups: tuple[int, ...]
    spines: int
    cores: int
    tiers: int
    tier_links: tuple[int, ...]
    pods: tuple[tuple[int, int, int], ...]  # (first leaf, leaves, aggregation switches)


def tree(
    downs: list[int], switch: Switch, oversub: float, ports_per_node: int, fanout: int
) -> _Tree:
    """Spines (two tiers) or pods, aggregation and cores (three tiers) above ``downs`` leaf
    cages, counted in ports: up ports = ceil(down ports / oversubscription)."""
    k, cage_ports = switch.ports, switch.ports // switch.cages
    per_down = {d: math.ceil(d * cage_ports / oversub) for d in set(downs)}  # few leaf sizes
    up_ports = list(map(per_down.__getitem__, downs))
    per_up = {u: math.ceil(u / cage_ports) for u in per_down.values()}
    ups = tuple(map(per_up.__getitem__, up_ports))
    if len(downs) <= k:
        spines = max(1, math.ceil(sum(up_ports) / k))
        return _Tree(ups, spines, 0, 2, (sum(up_ports),), ())
    half = k // 2
    pods = math.ceil(len(downs) / half)
    if pods > k:
        raise SizingInputError.single("nodes", limit_reason(switch, fanout, ports_per_node))
    pod_list = []
    for p in range(pods):
        first = p * half
        count = min(half, len(downs) - first)
        aggs = math.ceil(sum(up_ports[first : first + count]) / half)
        pod_list.append((first, count, aggs))
    aggregation = sum(aggs for _, _, aggs in pod_list)
    cores = math.ceil(sum(up_ports) / k)
    return _Tree(ups, aggregation, cores, 3, (sum(up_ports), sum(up_ports)), tuple(pod_list))


def design_fabric(
    name: str, switch: Switch, rack_endpoints: tuple[int, ...], fanout: int
) -> Fabric:
    """Single switch, two joined switches, or a non-blocking fat tree (leaf per rack)."""
    return _fat_tree(name, switch, rack_endpoints, fanout, 1.0, 8)


def _fat_tree(
    name: str,
    switch: Switch,
    rack_endpoints: tuple[int, ...],
    fanout: int,
    oversub: float,
    ports_per_node: int,
) -> Fabric:
    total = sum(rack_endpoints)
    cages, half = switch.cages, switch.cages // 2
    if len(rack_endpoints) == 1 and math.ceil(total / fanout) <= cages:
        down = (math.ceil(total / fanout),)
        return Fabric(
            name=name,
            switch=switch,
            endpoints=total,
            fanout=fanout,
            tiers=1,
            topology="single_switch",
            leaf_down_cages=down,
            leaf_up_cages=(0,),
            spines=0,
            cores=0,
            leaf_racks=(0,),
        )
    downs, racks = _leaf_groups(rack_endpoints, fanout, half)
    if len(downs) == 2:
        up = max(downs)
        return Fabric(
            name=name,
            switch=switch,
            endpoints=total,
            fanout=fanout,
            tiers=1,
            topology="two_switches",
            leaf_down_cages=tuple(downs),
            leaf_up_cages=(up, up),
            spines=0,
            cores=0,
            leaf_racks=tuple(racks),
            tier_links=(up,),
        )
    t = tree(downs, switch, oversub, ports_per_node, fanout)
    return Fabric(
        name=name,
        switch=switch,
        endpoints=total,
        fanout=fanout,
        tiers=t.tiers,
        topology=f"fat_tree_{t.tiers}",
        leaf_down_cages=tuple(downs),
        leaf_up_cages=t.ups,
        spines=t.spines,
        cores=t.cores,
        leaf_racks=tuple(racks),
        tier_links=t.tier_links,
        oversubscription_target=oversub,
    )


def rail_fabric(
    name: str,
    switch: Switch,
    rack_nodes: tuple[int, ...],
    rails: int,
    fanout: int,
    oversub: float,
) -> Fabric:
    """Rail-optimised leaf-spine: scalable units of ``su`` nodes (one rail leaf's down ports,
    one port per node), one leaf per rail per unit; spines (or pods and cores) above."""
    nodes = sum(rack_nodes)
    su = (switch.cages // 2) * fanout
    units = math.ceil(nodes / su)
    downs: list[int] = []
    homes: list[int] = []
    for u in range(units):
        in_unit = min(su, nodes - u * su)
        downs += [math.ceil(in_unit / fanout)] * rails
        homes += [u] * rails
    t = tree(downs, switch, oversub, rails, fanout)
    return Fabric(
        name=name,
        switch=switch,
        endpoints=nodes * rails,
        fanout=fanout,
        tiers=t.tiers,
        topology=f"rail_{t.tiers}",
        leaf_down_cages=tuple(downs),
        leaf_up_cages=t.ups,
        spines=t.spines,
        cores=t.cores,
        leaf_racks=tuple(homes),
        design="rail_optimised",
        tier_links=t.tier_links,
        oversubscription_target=oversub,
        rails=rails,
        rail_racks=units,
    )


def mgmt_plan(
    catalog: CatalogSnapshot, node: NodePlan, nodes: int, switches: int, racks: int, a: Assumptions
) -> Management:
    """Management ports, leaf switches (while ports last), their racks, and the aggregation
    switches their uplinks need when there is more than one leaf."""
    mgmt = catalog.management_switch()
    ports = nodes * node.profile.mgmt_cables_per_node + switches
    count = max(1, math.ceil(ports / mgmt.ports))
    homes = tuple(sorted({(i * racks) // count for i in range(count)}))
    if len(homes) < count:
        homes = tuple(i % racks for i in range(count))
    uplinks = count * a.mgmt_uplinks_per_switch if count > 1 else 0
    aggregation = max(2, math.ceil(uplinks / a.mgmt_aggregation_ports)) if count > 1 else 0
    return Management(ports, count, homes, uplinks, aggregation)


def plan_cluster(
    catalog: CatalogSnapshot,
    node: NodePlan,
    nodes: int,
    fabric: str,
    a: Assumptions,
    design: str = "fat_tree",
    oversub: float = 1.0,
    placed: bool = True,
) -> ClusterPlan:
    """Racks, compute fabric (the chosen design and the other one beside it), optional DPU
    network, management network, floor and layout. With ``placed`` False the two designs
    are not yet placed on a floor (no link groups, no floor: ``place_cluster`` adds them):
    everything that can refuse the cluster (rack budget, fabric limits of both designs)
    and its racks, rack count and power are there, which is what an automatic sizing reads
    of a candidate it does not choose."""
    leaf = catalog.compute_switch(fabric)
    mgmt = catalog.management_switch()
    per_rack = nodes_per_rack(node, leaf, mgmt, a)
    rack_nodes = split_racks(nodes, per_rack)
    fanout = catalog.cable("splitter", fabric).fanout
    rack_ports = tuple(n * node.compute_ports for n in rack_nodes)
    fat = _fat_tree("compute", leaf, rack_ports, fanout, oversub, node.compute_ports)
    rail = rail_fabric("compute", leaf, rack_nodes, node.compute_ports, fanout, oversub)
    chosen, other = (rail, fat) if design == "rail_optimised" else (fat, rail)
    dpu = None
    if node.dpu is not None:
        eth = catalog.compute_switch("ethernet")
        ports = tuple(n * node.profile.dpu_count * node.dpu.ports for n in rack_nodes)
        dpu = design_fabric("dpu", eth, (sum(ports),), catalog.cable("splitter", "ethernet").fanout)
    floor = None
    if placed:
        chosen, other, floor = place(chosen, other, rack_nodes, a)
    switches = chosen.switches + (dpu.switches if dpu else 0)
    m = mgmt_plan(catalog, node, nodes, switches, len(rack_nodes), a)
    central = chosen.spines + chosen.cores + (dpu.spines + dpu.cores if dpu else 0)
    network_racks = math.ceil(central / a.switches_per_network_rack) + chosen.rail_racks
    plan = ClusterPlan(
        nodes=nodes,
        nodes_per_rack=per_rack,
        rack_nodes=rack_nodes,
        compute=chosen,
        dpu=dpu,
        mgmt_switches=m.leaves,
        mgmt_ports=m.ports,
        mgmt_racks=m.homes,
        network_racks=network_racks,
        management=m,
        floor=floor,
        alternative=other,
    )
    kinds, kind_of = build_racks(catalog, plan, node, a)
    return frozen.replace(plan, rack_kinds=kinds, rack_kind_of=kind_of)


def place_cluster(
    plan: ClusterPlan, a: Assumptions, chosen: tuple[Fabric, Floor] | None = None
) -> ClusterPlan:
    """A plan from ``plan_cluster(..., placed=False)`` with both designs placed (link groups)
    and the chosen design's floor: the plan ``plan_cluster`` gives with ``placed`` True
    (placement reads the fabrics and the racks' nodes only, never the rack kinds).
    ``chosen``: the chosen design already placed (``place_chosen``), so only the other one
    is placed here (``placement.place`` places each design on its own)."""
    assert plan.alternative is not None and plan.floor is None
    if chosen is None:
        compute, other, floor = place(plan.compute, plan.alternative, plan.rack_nodes, a)
    else:
        (compute, floor), (other, _) = chosen, links(plan.alternative, plan.rack_nodes, a)
    return frozen.replace(plan, compute=compute, alternative=other, floor=floor)


def place_chosen(plan: ClusterPlan, a: Assumptions) -> tuple[Fabric, Floor]:
    """The chosen design of a plan from ``plan_cluster(..., placed=False)`` with its link
    groups, and its floor: all the BoM reads of the placement (its cables' lengths), without
    placing the other design (``place_cluster`` adds it)."""
    assert plan.floor is None
    return links(plan.compute, plan.rack_nodes, a)
