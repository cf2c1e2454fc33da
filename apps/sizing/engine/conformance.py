"""Named contradictions between the seed's tables and its own rules (sizing-model §8).

The engine follows the rules; when a request reproduces one of the seed's reference
configurations, each place where the seed's table differs is named in the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from .bom import BomLine


@dataclass(frozen=True)
class SeedConfig:
    """A seed reference configuration and the quantities its table lists against the rules."""

    name: str
    gpu: str
    nodes: int
    fabric: str
    deployment: str
    profile: str
    listed: tuple[tuple[str, int, str], ...]


SEED_CONFIGS = (
    SeedConfig(
        "Small (seed Table 1)", "h100-pcie-80gb", 4, "infiniband", "bare_metal", "hpc-ai-ib", ()
    ),
    SeedConfig(
        "Medium (seed Table 2)",
        "h100-pcie-80gb",
        8,
        "infiniband",
        "bare_metal",
        "hpc-ai-ib",
        (
            (
                "BQK3",
                8,
                "8 nodes × 8 NDR200 ports ÷ 4 ports per splitter = 16 (Small's 4 nodes → 8 and "
                "Large's 16 nodes → 32 agree with the rule)",
            ),
        ),
    ),
    SeedConfig(
        "Large (seed Table 3)", "h100-pcie-80gb", 16, "infiniband", "bare_metal", "hpc-ai-ib", ()
    ),
    SeedConfig(
        "Repeatable Ethernet node (seed Table 4)",
        "h100-pcie-80gb",
        1,
        "ethernet",
        "virtual",
        "ethernet-virtual",
        (
            (
                "BQ3A",
                24,
                "memory rule: 2 × 640 GB = 1,280 GB → smallest DIMM in 24 slots is 64 GB (BQ3D); "
                "the table lists 24 × 128 GB (BQ3A, 3,072 GB)",
            ),
        ),
    ),
    SeedConfig(
        "OVX L40S (seed Appendix 1)",
        "l40s-48gb",
        16,
        "ethernet",
        "virtual",
        "ovx-l40s",
        (
            (
                "BQ3A",
                12 * 16,
                "memory rule: 2 × 192 GB = 384 GB → 24 × 32 GB; the appendix lists 12 × 128 GB 3DS "
                "RDIMMs per node (and says memory 'could be reduced to 1.5TB')",
            ),
        ),
    ),
)

TEXT_NOTES = {
    "h100-pcie-80gb": "The seed's text recommends H100 NVL; its BoM tables list H100 80GB PCIe "
    "(BR9U).",
}


def differences(
    gpu: str, nodes: int, fabric: str, deployment: str, profile: str, bom: Sequence[BomLine]
) -> list[dict[str, object]]:
    """Every named difference between the matching seed configuration and the engine's BoM."""
    totals: dict[str, int] = {}
    for line in bom:
        totals[line.part_number] = totals.get(line.part_number, 0) + line.quantity
    out: list[dict[str, object]] = []
    for cfg in SEED_CONFIGS:
        if (cfg.gpu, cfg.nodes, cfg.fabric, cfg.deployment, cfg.profile) != (
            gpu,
            nodes,
            fabric,
            deployment,
            profile,
        ):
            continue
        for part, listed, rule in cfg.listed:
            engine = totals.get(part, 0)
            if engine != listed:
                out.append(
                    {
                        "configuration": cfg.name,
                        "part_number": part,
                        "seed_quantity": listed,
                        "engine_quantity": engine,
                        "rule": rule,
                    }
                )
        if gpu in TEXT_NOTES:
            out.append(
                {
                    "configuration": cfg.name,
                    "part_number": "",
                    "seed_quantity": None,
                    "engine_quantity": None,
                    "rule": TEXT_NOTES[gpu],
                }
            )
    return out
