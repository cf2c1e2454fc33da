"""Where the switches of a fabric stand on the floor, and the lengths of its links.

Fat tree: each leaf in its compute rack; rail-optimised: each scalable unit's rail leaves in a
rail rack in the middle of the unit's compute racks. Spines, aggregation and cores stand in the
central network row, in that order, ``switches_per_network_rack`` to a rack. A leaf's uplinks
are given the length to the farthest rack of the switches they reach (conservative: no copper
is chosen for a run it might not reach).
"""

from __future__ import annotations

import math
from collections import defaultdict

from . import frozen
from .cluster_plan import Fabric, LinkGroup
from .floor import Floor, plan_floor
from .workload import Assumptions

Pos = tuple[int, float]


Extent = tuple[int, int, float, float, bool]


def _extent(group: list[Pos]) -> Extent:
    """Row and column bounds of a set of rack positions (and whether it is one rack)."""
    rows = [p[0] for p in group]
    cols = [p[1] for p in group]
    return min(rows), max(rows), min(cols), max(cols), len(set(group)) == 1


def _farthest(floor: Floor, a: Pos, e: Extent) -> float:
    """Length from ``a`` to the farthest position of a set (bounded by its extent)."""
    d_row = max(abs(a[0] - e[0]), abs(a[0] - e[1]))
    d_col = max(abs(a[1] - e[2]), abs(a[1] - e[3]))
    if d_row == 0 and d_col == 0 and e[4]:
        return floor.in_rack_m
    return d_col * floor.rack_width_m + d_row * floor.row_pitch_m + 2 * floor.rise_m


def _slots(f: Fabric, rack_nodes: tuple[int, ...]) -> tuple[list[int], list[int], int]:
    """Slot of each compute rack and of each rail rack in the compute rows."""
    racks = len(rack_nodes)
    if f.design != "rail_optimised":
        return list(range(racks)), [], racks
    su = (f.switch.cages // 2) * f.fanout
    unit_racks: dict[int, list[int]] = defaultdict(list)
    first = 0
    for r, n in enumerate(rack_nodes):
        unit_racks[min(first // su, f.rail_racks - 1)].append(r)
        first += n
    compute = [0] * racks
    rail = [0] * f.rail_racks
    slot = 0
    for u in range(f.rail_racks):
        members = unit_racks.get(u, [])
        half = len(members) // 2
        for r in members[:half]:
            compute[r], slot = slot, slot + 1
        rail[u], slot = slot, slot + 1
        for r in members[half:]:
            compute[r], slot = slot, slot + 1
    return compute, rail, slot


def _add(groups: dict[tuple[str, str, float], int], kind: str, tier: str, n: int, m: float) -> None:
    if n > 0:
        key = (kind, tier, round(m, 2))
        groups[key] = groups.get(key, 0) + n


def links(f: Fabric, rack_nodes: tuple[int, ...], a: Assumptions) -> tuple[Fabric, Floor]:
    """The fabric with its link groups, and the floor it stands on."""
    compute, rail, slots = _slots(f, rack_nodes)
    per = a.switches_per_network_rack
    central = math.ceil((f.spines + f.cores) / per)
    floor = plan_floor(slots, central, a)
    groups: dict[tuple[str, str, float], int] = {}
    leaf_pos = [
        floor.slots[rail[h]] if f.design == "rail_optimised" else floor.slots[compute[h]]
        for h in f.leaf_racks
    ]
    _endpoints(groups, f, rack_nodes, compute, rail, floor)
    if f.topology == "two_switches":
        _add(groups, "isl_cage", "leaf-leaf", f.leaf_up_cages[0], floor.distance(*leaf_pos))
    elif f.tiers >= 2:
        _uplinks(groups, f, leaf_pos, floor, per)
    out = tuple(LinkGroup(k, t, n, m) for (k, t, m), n in sorted(groups.items()))
    return frozen.replace(f, links=out), floor


def _endpoints(
    groups: dict[tuple[str, str, float], int],
    f: Fabric,
    rack_nodes: tuple[int, ...],
    compute: list[int],
    rail: list[int],
    floor: Floor,
) -> None:
    if f.design != "rail_optimised":
        _add(groups, "endpoint", "node-leaf", sum(f.leaf_down_cages), floor.in_rack_m)
        return
    su = (f.switch.cages // 2) * f.fanout
    first, last_unit = 0, f.rail_racks - 1
    slots, distance = floor.slots, floor.distance
    cables = {n: math.ceil(n / f.fanout) * f.rails for n in set(rack_nodes)}
    # a length depends only on the rows and columns between a rack and its rail rack: sum the
    # cables per (rows, columns) apart, one length for each
    apart: dict[tuple[int, float], int] = {}
    for r, n in enumerate(rack_nodes):
        a = slots[compute[r]]
        b = slots[rail[min(first // su, last_unit)]]
        key = (abs(a[0] - b[0]), abs(a[1] - b[1]))
        apart[key] = apart.get(key, 0) + cables[n]
        first += n
    lengths: dict[float, int] = {}
    for (d_row, d_col), n in apart.items():
        m = round(distance((0, 0.0), (d_row, d_col)), 2)
        lengths[m] = lengths.get(m, 0) + n
    for m, n in lengths.items():
        _add(groups, "endpoint", "node-leaf", n, m)


def _uplinks(
    groups: dict[tuple[str, str, float], int],
    f: Fabric,
    leaf_pos: list[Pos],
    floor: Floor,
    per: int,
) -> None:
    cage_ports = f.switch.ports // f.switch.cages
    ups = [u * cage_ports for u in f.leaf_up_cages]
    scale = f.tier_links[0] / max(1, sum(ups))

    def racks_of(first: int, count: int) -> Extent:
        last = first + max(count, 1) - 1
        return _extent(
            [floor.central[i // per] for i in range(first, last + 1, per)]
            + [floor.central[last // per]]
        )

    w, pitch, rise = floor.rack_width_m, floor.row_pitch_m, 2 * floor.rise_m

    def spread(tier: str, pairs: list[tuple[Pos, int]], e: Extent) -> None:
        # a length depends only on how many rows and columns the leaf's rack stands from the
        # far end of the extent: sum the ports per (rows, columns) apart, one length for each
        apart: dict[tuple[int, float], int] = {}
        r0, r1, c0, c1, one = e
        for (row, col), up in pairs:
            # max(|row - r0|, |row - r1|) with r0 <= r1 (and the same for columns)
            key = (
                row - r0 if row - r0 >= r1 - row else r1 - row,
                col - c0 if col - c0 >= c1 - col else c1 - col,
            )
            apart[key] = apart.get(key, 0) + up
        lengths: dict[float, int] = {}
        for (d_row, d_col), up in apart.items():
            m = (
                floor.in_rack_m
                if (one and not d_row and not d_col)
                else d_col * w + d_row * pitch + rise
            )
            m = round(m, 2)
            lengths[m] = lengths.get(m, 0) + up
        for m, n in lengths.items():
            _add(groups, "isl", tier, n, m)

    if f.tiers == 2:
        spread(
            "leaf-spine",
            [(p, round(u * scale)) for p, u in zip(leaf_pos, ups, strict=True)],
            racks_of(0, f.spines),
        )
        return
    half = f.switch.ports // 2
    agg_first, cores = 0, racks_of(f.spines, f.cores)
    pods = math.ceil(len(ups) / half)
    for p in range(pods):
        pod_ups = ups[p * half : (p + 1) * half]
        aggs = math.ceil(sum(pod_ups) / half)
        agg_racks = racks_of(agg_first, aggs)
        spread(
            "leaf-aggregation",
            list(zip(leaf_pos[p * half : p * half + len(pod_ups)], pod_ups, strict=True)),
            agg_racks,
        )
        far = max(
            _farthest(floor, (row, col), cores)
            for row in (agg_racks[0], agg_racks[1])
            for col in (agg_racks[2], agg_racks[3])
        )
        _add(groups, "isl", "aggregation-core", sum(pod_ups), far)
        agg_first += aggs


def place(
    chosen: Fabric, other: Fabric, rack_nodes: tuple[int, ...], a: Assumptions
) -> tuple[Fabric, Fabric, Floor]:
    """Both designs with their link lengths, and the chosen design's floor."""
    placed, floor = links(chosen, rack_nodes, a)
    alternative, _ = links(other, rack_nodes, a)
    return placed, alternative, floor
