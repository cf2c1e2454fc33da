"""Where the switches of a fabric stand on the floor, and the lengths of its links.

Fat tree: each leaf in its compute rack; rail-optimised: each scalable unit's rail leaves in a
rail rack in the middle of the unit's compute racks. Spines, aggregation and cores stand in the
central network row, in that order, ``switches_per_network_rack`` to a rack. A leaf's uplinks
are given the length to the farthest rack of the switches they reach (conservative: no copper
is chosen for a run it might not reach).
"""

from __future__ import annotations

import math
from bisect import bisect_left
from itertools import accumulate

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


def _units(f: Fabric, rack_nodes: tuple[int, ...]) -> list[range]:
    """The compute racks of each scalable unit of a rail-optimised design. A rack belongs to
    the unit of its first node (the last unit takes any beyond), so a unit's racks are a run
    of consecutive racks, found by bisection on the racks' first nodes (not rack by rack)."""
    su = (f.switch.cages // 2) * f.fanout
    firsts = list(accumulate(rack_nodes[:-1], initial=0))  # strictly increasing
    bounds = [bisect_left(firsts, u * su) for u in range(f.rail_racks)] + [len(rack_nodes)]
    return [range(bounds[u], bounds[u + 1]) for u in range(f.rail_racks)]


def _slots(f: Fabric, units: list[range], racks: int) -> tuple[list[int], list[int], int]:
    """Slot of each compute rack and of each rail rack in the compute rows: a unit's rail rack
    stands in the middle of its racks (after the first half)."""
    if f.design != "rail_optimised":
        return list(range(racks)), [], racks
    compute: list[int] = []
    rail = [0] * f.rail_racks
    slot = 0
    for u, members in enumerate(units):  # consecutive racks: consecutive slots
        half = len(members) // 2
        compute += range(slot, slot + half)
        rail[u] = slot + half
        compute += range(slot + half + 1, slot + len(members) + 1)
        slot += len(members) + 1
    return compute, rail, slot


def _add(groups: dict[tuple[str, str, float], int], kind: str, tier: str, n: int, m: float) -> None:
    if n > 0:
        key = (kind, tier, round(m, 2))
        groups[key] = groups.get(key, 0) + n


def links(f: Fabric, rack_nodes: tuple[int, ...], a: Assumptions) -> tuple[Fabric, Floor]:
    """The fabric with its link groups, and the floor it stands on."""
    units = _units(f, rack_nodes) if f.design == "rail_optimised" else []
    compute, rail, slots = _slots(f, units, len(rack_nodes))
    per = a.switches_per_network_rack
    central = math.ceil((f.spines + f.cores) / per)
    floor = plan_floor(slots, central, a)
    groups: dict[tuple[str, str, float], int] = {}
    leaf_pos = [
        floor.slots[rail[h]] if f.design == "rail_optimised" else floor.slots[compute[h]]
        for h in f.leaf_racks
    ]
    _endpoints(groups, f, rack_nodes, units, rail, floor)
    if f.topology == "two_switches":
        _add(groups, "isl_cage", "leaf-leaf", f.leaf_up_cages[0], floor.distance(*leaf_pos))
    elif f.tiers >= 2:
        _uplinks(groups, f, leaf_pos, floor, per)
    # LinkGroup(k, t, n, m) without the frozen __init__'s setattr per field (~200 groups)
    out = tuple(
        frozen.build(LinkGroup, {"kind": k, "tier": t, "count": n, "length_m": m})
        for (k, t, m), n in sorted(groups.items())
    )
    return frozen.replace(f, links=out), floor


def _endpoints(
    groups: dict[tuple[str, str, float], int],
    f: Fabric,
    rack_nodes: tuple[int, ...],
    units: list[range],
    rail: list[int],
    floor: Floor,
) -> None:
    if f.design != "rail_optimised":
        _add(groups, "endpoint", "node-leaf", sum(f.leaf_down_cages), floor.in_rack_m)
        return
    slots, distance = floor.slots, floor.distance
    cables = {n: math.ceil(n / f.fanout) * f.rails for n in set(rack_nodes)}
    # a length depends only on the rows and columns between a rack and its rail rack: sum the
    # cables per (rows, columns) apart, one length for each
    apart: dict[tuple[int, float], int] = {}
    for u, members in enumerate(units):
        b_row, b_col = slots[rail[u]]
        # the unit's racks stand in the slots either side of its rail rack, in order
        first = rail[u] - len(members) // 2
        at = slots[first : rail[u]] + slots[rail[u] + 1 : first + len(members) + 1]
        for (row, col), n in zip(at, rack_nodes[members.start : members.stop], strict=True):
            key = (abs(row - b_row), abs(col - b_col))
            apart[key] = apart.get(key, 0) + cables[n]
    raw: dict[float, int] = {}
    for (d_row, d_col), n in apart.items():
        m = distance((0, 0.0), (d_row, d_col))
        raw[m] = raw.get(m, 0) + n
    _add_lengths(groups, "endpoint", "node-leaf", raw)


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

    # a length depends only on how many rows and columns a leaf's rack stands from the far end
    # of the racks its uplinks reach: the ports are summed per (rows, columns) apart over every
    # leaf (and every pod: one tier), and each of those gets one length (issue 16)
    apart: dict[tuple[int, float], int] = {}
    if f.tiers == 2:
        scaled = [round(u * scale) for u in ups]
        _apart(apart, leaf_pos, scaled, racks_of(0, f.spines))
        _isl_lengths(groups, "leaf-spine", apart, floor)
        return
    half = f.switch.ports // 2
    agg_first, cores = 0, racks_of(f.spines, f.cores)
    pods = math.ceil(len(ups) / half)
    for p in range(pods):
        pod_ups = ups[p * half : (p + 1) * half]
        aggs = math.ceil(sum(pod_ups) / half)
        agg_racks = racks_of(agg_first, aggs)
        _apart(apart, leaf_pos[p * half : p * half + len(pod_ups)], pod_ups, agg_racks)
        far = max(
            _farthest(floor, (row, col), cores)
            for row in (agg_racks[0], agg_racks[1])
            for col in (agg_racks[2], agg_racks[3])
        )
        _add(groups, "isl", "aggregation-core", sum(pod_ups), far)
        agg_first += aggs
    _isl_lengths(groups, "leaf-aggregation", apart, floor)


def _apart(
    apart: dict[tuple[int, float], int], positions: list[Pos], ups: list[int], e: Extent
) -> None:
    """Add each leaf's up ports under (rows, columns) from its rack to the far end of ``e``:
    max(|row - r0|, |row - r1|) with r0 <= r1, and the same for columns. (0, 0) only when
    ``e`` is one rack and the leaf stands in it (r0 == r1 and c0 == c1 exactly then)."""
    r0, r1, c0, c1, _ = e
    for (row, col), up in zip(positions, ups, strict=True):
        key = (
            row - r0 if row - r0 >= r1 - row else r1 - row,
            col - c0 if col - c0 >= c1 - col else c1 - col,
        )
        apart[key] = apart.get(key, 0) + up


def _isl_lengths(
    groups: dict[tuple[str, str, float], int],
    tier: str,
    apart: dict[tuple[int, float], int],
    floor: Floor,
) -> None:
    """The link groups of one tier: one length per (rows, columns) apart (inside the rack for
    (0, 0)), the ports of equal lengths summed."""
    w, pitch, rise = floor.rack_width_m, floor.row_pitch_m, 2 * floor.rise_m
    raw: dict[float, int] = {}
    for (d_row, d_col), up in apart.items():
        m = floor.in_rack_m if (not d_row and not d_col) else d_col * w + d_row * pitch + rise
        raw[m] = raw.get(m, 0) + up
    _add_lengths(groups, "isl", tier, raw)


def _add_lengths(
    groups: dict[tuple[str, str, float], int], kind: str, tier: str, raw: dict[float, int]
) -> None:
    """``_add`` for many lengths: each distinct length rounded once (``round(m, 2)`` is ~1 µs,
    the costliest step here), the counts of equal rounded lengths summed. The key is rounded
    once: rounding a rounded length again gives it back (the double nearest a two-place
    decimal rounds to that decimal)."""
    for m, n in raw.items():
        if n > 0:
            key = (kind, tier, round(m, 2))
            groups[key] = groups.get(key, 0) + n


def place(
    chosen: Fabric, other: Fabric, rack_nodes: tuple[int, ...], a: Assumptions
) -> tuple[Fabric, Fabric, Floor]:
    """Both designs with their link lengths, and the chosen design's floor."""
    placed, floor = links(chosen, rack_nodes, a)
    alternative, _ = links(other, rack_nodes, a)
    return placed, alternative, floor
