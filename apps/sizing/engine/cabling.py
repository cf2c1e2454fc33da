"""Cables and optics by reach: which medium each link of a fabric needs, from its length.

Copper (the catalog's splitter and inter-switch cables) only where the run is no longer than
the cable (the LinkX 100G-PAM4 guide gives passive copper a 3 m reach at NDR). Beyond it: a
twin-port OSFP transceiver in each switch cage (the catalog's transceivers, with their reach)
and fibre between them; toward an adapter, fibre splits 1:2 to a transceiver in each adapter
port. Items with no sourced part number (fibres, adapter-side optics, Ethernet optics) are
counted and listed "to be confirmed": not priced, not in the BoM.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import dataclass, field

from .catalog import Cable, CatalogSnapshot
from .cluster import Fabric, LinkGroup

LINKX = "NVIDIA LinkX 100G-PAM4 cables and transceivers user guide"
FIBRE_LENGTHS_M = (3, 5, 10, 15, 20, 30, 50, 100, 150, 200, 300, 500, 1000, 2000)
TBC: dict[str, tuple[str, str]] = {
    "fibre_straight": (
        "Single-mode straight crossover fibre, MPO-12/APC (NVIDIA MFP7E30 family)",
        "NVIDIA MMS4X00-NS400 product specifications (fibres named there); " + LINKX,
    ),
    "fibre_splitter": (
        "Single-mode 1:2 splitter crossover fibre, MPO-12/APC to 2x MPO-12/APC "
        "(NVIDIA MFP7E40 family)",
        "NVIDIA MMS4X00-NS400 product specifications (200G mode with 1:2 splitter fibre)",
    ),
    "fibre_lc": (
        "Single-mode duplex LC fibre (FR4 transceivers)",
        "NVIDIA MMS4X50-NM product specifications",
    ),
    "adapter_optic": (
        "QSFP112 single-mode transceiver for a ConnectX-7 QSFP112 adapter port, at NDR200",
        LINKX + " (QSFP112 cages of ConnectX-7 adapters)",
    ),
    "switch_optic": (
        "Switch-port optical transceiver for this fabric (no sourced part in the catalog)",
        "catalog has no transceiver for this fabric",
    ),
}


@dataclass
class Line:
    """One counted item: a catalog part (``part_number``) or one to be confirmed (empty)."""

    key: str
    part_number: str
    description: str
    quantity: int
    reason: str
    source: str = ""
    length_m: float | None = None


@dataclass
class CablePlan:
    """Everything that links a fabric, and the runs it had to bridge."""

    lines: list[Line] = field(default_factory=list)
    by_key: dict[str, Line] = field(default_factory=dict)
    copper: int = 0
    transceivers: int = 0
    fibres: int = 0
    longest_copper_m: float = 0.0
    longest_run_m: float = 0.0
    copper_reach_m: float = 0.0
    warnings: list[str] = field(default_factory=list)

    def more(self, key: str, quantity: int) -> bool:
        """Add to the line with this key if there is one (True); else the caller adds a new
        line (its description and reason are only built then: a large fabric has ~100 link
        groups of a few lines)."""
        existing = self.by_key.get(key)
        if existing is None:
            return False
        existing.quantity += quantity
        return True

    def add(self, line: Line) -> None:
        """Add to an existing line with the same key, or append."""
        existing = self.by_key.get(line.key)
        if existing is not None:
            existing.quantity += line.quantity
            return
        self.by_key[line.key] = line
        self.lines.append(line)

    @property
    def to_be_confirmed(self) -> list[Line]:
        """Counted items without a sourced part number."""
        return [line for line in self.lines if not line.part_number]


def _stock(length: float) -> float:
    i = bisect_left(FIBRE_LENGTHS_M, length)  # the first stocked length >= ``length``
    if i < len(FIBRE_LENGTHS_M):
        return float(FIBRE_LENGTHS_M[i])
    return float(math.ceil(length / 100) * 100)


def _by_length(cables: list[Cable]) -> list[Cable]:
    """Shortest first; a stable sort, so equals keep the catalog's order."""
    return sorted(cables, key=_length)


def _length(c: Cable) -> float:
    return c.length_m


def _reaching(cables: list[Cable], length: float) -> Cable | None:
    """The shortest cable that reaches (the first of equals); ``cables`` sorted by length
    (stably, so the first of equals is the catalog's first)."""
    for c in cables:
        if c.length_m >= length:
            return c
    return None


def plan_cables(catalog: CatalogSnapshot, f: Fabric, label: str) -> CablePlan:
    """Copper within reach, optics and fibre beyond, for every link group of the fabric."""
    kind = f.switch.fabric
    splitters = _by_length([c for c in catalog.cables if c.kind == "splitter" and c.fabric == kind])
    isl = _by_length([c for c in catalog.cables if c.kind == "isl" and c.fabric == kind])
    optics = sorted(
        (c for c in catalog.cables if c.kind == "transceiver" and c.fabric == kind),
        key=lambda c: c.length_m,
    )
    plan = CablePlan(copper_reach_m=max((c.length_m for c in splitters + isl), default=0.0))
    cage_ports = f.switch.ports // f.switch.cages
    groups = f.links or (
        LinkGroup("endpoint", "node-leaf", f.endpoint_cables, 0.0),
        LinkGroup("isl_cage", "leaf-leaf", f.isl_cables if f.tiers > 1 else 0, 0.0),
    )
    keys: dict[tuple[str, float], str] = {}  # (fibre, stocked length) -> its line's key
    for g in groups:
        if g.count <= 0:
            continue
        plan.longest_run_m = max(plan.longest_run_m, g.length_m)
        copper = _reaching(splitters if g.kind == "endpoint" else isl, g.length_m)
        if copper is not None:
            count = g.count if g.kind != "isl" else math.ceil(g.count / cage_ports)
            _copper_line(plan, copper, count, g, label)
        else:
            _optical(plan, optics, g, f, label, cage_ports, keys)
    return plan


def _copper_line(plan: CablePlan, cable: Cable, count: int, g: LinkGroup, label: str) -> None:
    plan.copper += count
    plan.longest_copper_m = max(plan.longest_copper_m, g.length_m)
    if plan.more(f"pn:{cable.part_number}", count):
        return
    what = "adapter ports per splitter" if g.kind == "endpoint" else "switch-to-switch"
    plan.add(
        Line(
            f"pn:{cable.part_number}",
            cable.part_number,
            "",
            count,
            f"{label}: {g.tier} runs up to {cable.length_m:g} m in copper ({what}).",
        )
    )


def _optical(
    plan: CablePlan,
    optics: list[Cable],
    g: LinkGroup,
    f: Fabric,
    label: str,
    cage_ports: int,
    keys: dict[tuple[str, float], str],
) -> None:
    optic = _reaching(optics, g.length_m)
    cages = g.count if g.kind == "endpoint" else math.ceil(g.count / cage_ports)
    ends = 1 if g.kind == "endpoint" else 2

    def why() -> str:
        return f"{label}: {g.tier} run of {g.length_m:.1f} m is beyond copper reach"

    if optic is None:
        key = f"tbc:switch_optic:{f.switch.slug}"
        if not plan.more(key, cages * ends):
            desc, src = TBC["switch_optic"]
            plan.add(Line(key, "", desc, cages * ends, why(), src))
        if optics:
            plan.warnings.append(
                f"{label}: a {g.length_m:.0f} m run exceeds the longest optics reach "
                f"({optics[-1].length_m:g} m); shorten the floor or add a site fibre plant."
            )
        fibre_key = "fibre_straight"
    else:
        key = f"pn:{optic.part_number}"
        if not plan.more(key, cages * ends):
            plan.add(
                Line(
                    key,
                    optic.part_number,
                    "",
                    cages * ends,
                    f"{why()}: one twin-port transceiver per switch cage "
                    f"(reach {optic.length_m:g} m).",
                )
            )
        fibre_key = "fibre_lc" if optic.length_m > 500 else "fibre_straight"
    plan.transceivers += cages * ends
    if g.kind == "endpoint":
        fibre_key = "fibre_splitter"
        ports = cages * f.fanout
        if not plan.more("tbc:adapter_optic", ports):
            desc, src = TBC["adapter_optic"]
            plan.add(Line("tbc:adapter_optic", "", desc, ports, why(), src))
        plan.transceivers += ports
    fibres = cages * cage_ports if g.kind == "endpoint" else g.count
    length = _stock(g.length_m)
    # the line's key formatted once per fibre and stocked length (a large fabric has ~200 link
    # groups of a few stocked lengths)
    key = keys.get((fibre_key, length)) or keys.setdefault(
        (fibre_key, length), f"tbc:{fibre_key}:{length:g}"
    )
    if not plan.more(key, fibres):
        desc, src = TBC[fibre_key]
        plan.add(
            Line(
                key,
                "",
                f"{desc}, {length:g} m",
                fibres,
                f"{why()}: one fibre per switch port link.",
                src,
                length,
            )
        )
    plan.fibres += fibres
