"""Floor model: where each rack stands, and how long a cable between two racks is.

Layout rule (visible assumptions ``racks_per_row``, ``rack_width_m``, ``row_pitch_m``,
``cable_rise_m``): the racks of the compute rows stand in order, ``racks_per_row`` to a row
(a rail-optimised design puts each scalable unit's rail rack in the middle of its racks); the
spine/core network racks form their own row in the middle of the hall, centred, so that the
longest leaf-to-spine run is about half the hall. Cables run up from the switch to an overhead
tray, along rows and across the aisles at right angles, and down again:

    length = |Δcolumn| × rack_width + |Δrow| × row_pitch + 2 × cable_rise   (between racks)
    length = rack height (rack_units × 44.45 mm) + cable_rise                 (inside a rack)
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import repeat

from .workload import Assumptions

U_M = 0.04445  # one rack unit, EIA-310


@dataclass(frozen=True)
class Floor:
    """Rack positions: (row, column) of each compute-row slot and of each central network rack."""

    slots: tuple[tuple[int, float], ...]
    central: tuple[tuple[int, float], ...]
    rows: int
    rack_width_m: float
    row_pitch_m: float
    rise_m: float
    in_rack_m: float

    def distance(self, a: tuple[int, float], b: tuple[int, float]) -> float:
        """Cable length between two rack positions (inside one rack when equal)."""
        if a == b:
            return self.in_rack_m
        return (
            abs(a[1] - b[1]) * self.rack_width_m
            + abs(a[0] - b[0]) * self.row_pitch_m
            + 2 * self.rise_m
        )

    longest_row: int = 0  # racks in the longest row (plan_floor counts it)

    @property
    def length_m(self) -> float:
        """Length of the longest row."""
        return self.longest_row * self.rack_width_m

    @property
    def depth_m(self) -> float:
        """Depth of the hall across its rows."""
        return self.rows * self.row_pitch_m


def plan_floor(row_slots: int, central_racks: int, a: Assumptions) -> Floor:
    """Positions for ``row_slots`` racks in rows and ``central_racks`` network racks in a
    central row (split over several central rows when they do not fit one)."""
    per_row = a.racks_per_row
    compute_rows = math.ceil(row_slots / per_row) if row_slots else 0
    central_rows = math.ceil(central_racks / per_row) if central_racks else 0
    middle = compute_rows // 2
    cols = [float(c) for c in range(min(per_row, row_slots))]
    slots: list[tuple[int, float]] = []
    for row in range(compute_rows):  # a row at a time: (row, column) for its racks
        at = row + (central_rows if row >= middle else 0)
        slots += zip(repeat(at), cols[: row_slots - row * per_row])
    central = []
    for j in range(central_racks):
        row, col = divmod(j, per_row)
        in_row = min(per_row, central_racks - row * per_row)
        offset = (min(per_row, max(row_slots, 1)) - in_row) / 2
        central.append((middle + row, col + max(offset, 0.0)))
    # compute and central rows are apart and the first of each is its fullest, so the longest
    # row holds max(min(per_row, row_slots), min(per_row, central_racks)) racks
    full = row_slots >= per_row or central_racks >= per_row
    longest = per_row if full else (row_slots if row_slots > central_racks else central_racks)
    in_rack = a.rack_units_per_rack * U_M + a.cable_rise_m / 2
    return Floor(
        tuple(slots),
        tuple(central),
        compute_rows + central_rows,
        a.rack_width_m,
        a.row_pitch_m,
        a.cable_rise_m,
        round(in_rack, 3),
        longest,
    )
