"""Rack power and cooling, power distribution and floor space (sizing-model §6-7).

Inputs: the site's rack power budget (``rack_power_budget_kw``), the cooling type (``cooling``:
air or liquid) and the practical air limit (``air_cooling_limit_kw``). Racks were already split
so that none exceeds the budget; this module counts PDUs (``pdu_feeds`` × ceil(rack kW /
``pdu_kw``) per rack), the floor (racks × ``floor_m2_per_rack``, and the hall's rows), and warns
when air is asked to cool more than it can.
"""

from __future__ import annotations

import math
from typing import Any

from .cluster import ClusterPlan
from .workload import Assumptions, Workload


def heat_btu_per_h(power_w: float, a: Assumptions) -> int:
    """Heat the cooling must remove: all electrical power becomes heat (1 W = ``btu_per_w``
    BTU/h). The one rule behind every heat figure (the result, its explanation, the PDF)."""
    return round(power_w * a.btu_per_w)


def facility(w: Workload, cluster: ClusterPlan) -> tuple[dict[str, Any], list[str]]:
    """The facility figures (rack power, PDUs, floor) and their warnings."""
    a = w.assumptions
    # racks of one kind draw the same: PDUs counted once per kind, each rack's kW looked up
    kinds_kw = [k.power_w / 1000 for k in cluster.rack_kinds]
    racks_kw = list(map(kinds_kw.__getitem__, cluster.rack_kind_of))
    hottest = max(kinds_kw, default=0.0)
    pdus = sum(
        n * a.pdu_feeds * max(1, math.ceil(kw / a.pdu_kw))
        for kw, n in zip(kinds_kw, cluster.rack_kind_counts, strict=True)
    )
    floor = cluster.floor
    out: dict[str, Any] = {
        "cooling": w.cooling,
        "rack_power_budget_kw": a.rack_power_budget_kw,
        "air_cooling_limit_kw": a.air_cooling_limit_kw,
        "max_rack_kw": round(hottest, 2),
        "mean_rack_kw": round(sum(racks_kw) / len(racks_kw), 2) if racks_kw else 0.0,
        "pdus": pdus,
        "pdu_kw": a.pdu_kw,
        "pdu_feeds": a.pdu_feeds,
        "racks": len(racks_kw),
        "floor_m2": round(len(racks_kw) * a.floor_m2_per_rack, 1),
        "rows": floor.rows if floor else 1,
        "row_length_m": round(floor.length_m, 1) if floor else 0.0,
        "hall_depth_m": round(floor.depth_m, 1) if floor else 0.0,
        "pdu_part_number": None,
        "pdu_note": "PDU part number to be confirmed (none sourced); counted, not priced.",
    }
    warnings = []
    if w.cooling == "air" and hottest > a.air_cooling_limit_kw:
        warnings.append(
            f"Air cooling: the hottest rack draws {hottest:.1f} kW, above the "
            f"{a.air_cooling_limit_kw:g} kW air cooling limit. Choose liquid cooling "
            f"(direct or rear-door), or set rack_power_budget_kw to "
            f"{a.air_cooling_limit_kw:g} to split the racks."
        )
    elif w.cooling == "air" and a.rack_power_budget_kw > a.air_cooling_limit_kw:
        warnings.append(
            f"The rack power budget ({a.rack_power_budget_kw:g} kW) is above what air cooling "
            f"removes in practice ({a.air_cooling_limit_kw:g} kW); racks fit today but the "
            "budget is not realistic for air."
        )
    return out, warnings
