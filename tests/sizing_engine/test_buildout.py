"""Issue 15 acceptance: a cluster that can be built and run.

For 512- and 4,096-node training clusters: no copper longer than its reach, optics and fibre
counted, switch counts equal to a fat tree and a rail-optimised design computed here
independently (from the QM9700's 64 ports), management aggregation present; storage by
Young/Daly; rack power against the cooling type.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from apps.sizing.engine import SizingInputError, size

from .helpers import CATALOG, capacity

PORTS = 64  # QM9700 NDR ports (32 twin-port cages)
NDR200_PER_PORT = 2  # one NDR port splits into two NDR200 adapter ports
COPPER = {"BQK3", "BQJK"}
OPTICS = {"MMS4X00-NS", "MMS4X50-NM"}


def training(nodes: int, design: str = "fat_tree", **extra: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "kind": "pretraining",
        "model": "llama-2-70b",
        "gpu": "h100-pcie-80gb",
        "nodes": nodes,
        "fabric_design": design,
        "training": {"tokens": 2e12},
    }
    data.update(extra)
    return data


def expected_tree(leaf_down_ports: list[int]) -> tuple[int, int, int]:
    """(leaves, middle tier, cores) of a non-blocking tree of 64-port switches."""
    leaves = len(leaf_down_ports)
    if leaves <= PORTS:
        return leaves, math.ceil(sum(leaf_down_ports) / PORTS), 0
    pod = PORTS // 2
    middle = sum(math.ceil(sum(leaf_down_ports[i : i + pod]) / pod) for i in range(0, leaves, pod))
    return leaves, middle, math.ceil(sum(leaf_down_ports) / PORTS)


def expected_fat_tree(nodes: int) -> tuple[int, int, int]:
    # 8 nodes a rack x 8 NDR200 ports = 64 adapter ports = 32 NDR ports: one leaf per rack
    racks = math.ceil(nodes / 8)
    downs = [min(8, nodes - 8 * r) * 8 // NDR200_PER_PORT for r in range(racks)]
    return expected_tree(downs)


def expected_rail(nodes: int) -> tuple[int, int, int]:
    # a rail leaf takes one port from each of 64 nodes (32 NDR ports down): 8 rails per unit
    unit = (PORTS // 2) * NDR200_PER_PORT
    downs = []
    for u in range(math.ceil(nodes / unit)):
        in_unit = min(unit, nodes - u * unit)
        downs += [math.ceil(in_unit / 4) * 2] * 8
    return expected_tree(downs)


def counts(fabric: dict[str, Any]) -> tuple[int, int, int]:
    return fabric["leaves"], fabric["spines"] + fabric["aggregation"], fabric["cores"]


@pytest.mark.parametrize("nodes", [512, 4096])
@pytest.mark.parametrize("design", ["fat_tree", "rail_optimised"])
def test_large_training_clusters_can_be_built(nodes: int, design: str) -> None:
    result = size(training(nodes, design), CATALOG).to_dict()
    cabling, fabric = result["cabling"], result["cluster"]["compute_fabric"]
    assert fabric["design"] == design
    # no copper longer than its reach; every run beyond reach is optical
    assert cabling["longest_copper_m"] <= cabling["copper_reach_m"] == 3.0
    beyond = [g for g in cabling["links"] if g["length_m"] > 3.0]
    assert beyond, "a cluster of this size has runs beyond copper reach"
    within = [g for g in cabling["links"] if g["length_m"] <= 3.0]
    copper_cables = sum(
        g["count"] if g["kind"] != "isl" else math.ceil(g["count"] / 2) for g in within
    )
    bom = {line["part_number"]: line["quantity"] for line in result["bom"]}
    assert sum(bom.get(pn, 0) for pn in COPPER) == copper_cables == cabling["copper_cables"]
    # optics and fibre counted: a transceiver per optical cage at each end, a fibre per link
    optical_isl_links = sum(g["count"] for g in beyond if g["kind"] == "isl")
    assert sum(bom.get(pn, 0) for pn in OPTICS) >= 2 * optical_isl_links // 2
    assert cabling["fibres"] >= optical_isl_links > 0
    tbc = {t["description"].split(",")[0] for t in result["to_be_confirmed"]}
    assert "Single-mode straight crossover fibre" in tbc
    assert all(t["part_number"] is None for t in result["to_be_confirmed"])
    # switch counts equal the independent design
    expected = expected_fat_tree(nodes) if design == "fat_tree" else expected_rail(nodes)
    assert counts(fabric) == expected
    # management aggregation present
    management = result["cluster"]["management"]
    assert management["switches"] > 1 and management["aggregation_switches"] >= 2
    assert management["uplinks"] == 2 * management["switches"]
    assert any("aggregation" in t["description"] for t in result["to_be_confirmed"])


@pytest.mark.parametrize("nodes", [512, 4096])
def test_designs_side_by_side(nodes: int) -> None:
    result = size(training(nodes), CATALOG).to_dict()
    fat, rail = result["fabric_designs"]
    assert (fat["design"], rail["design"]) == ("fat_tree", "rail_optimised")
    assert counts(fat) == expected_fat_tree(nodes) and counts(rail) == expected_rail(nodes)
    for d in (fat, rail):
        assert d["switches"] == sum(counts(d))
        assert d["power_kw"] > d["switches"] * 1.0  # switches at 1 kW plus optics
        assert d["parts"]["BP63"] == d["switches"]
        assert d["max_nodes_two_tier"] == 512 and d["max_nodes_three_tier"] == 16384
    # the rail design puts every node's ports on rail leaves in another rack: more optics
    assert rail["transceivers"] > fat["transceivers"]


def test_4097_nodes_on_infiniband_take_three_tiers() -> None:
    fabric = size(capacity("h100-pcie-80gb", 4097), CATALOG).to_dict()["cluster"]["compute_fabric"]
    assert fabric["tiers"] == 3 and counts(fabric) == expected_fat_tree(4097)


def test_the_seed_sizes_stay_copper_only() -> None:
    for nodes in (4, 8, 16):
        result = size(capacity("h100-pcie-80gb", nodes), CATALOG).to_dict()
        assert result["cabling"]["transceivers"] == 0 and result["cabling"]["fibres"] == 0
        assert result["cluster"]["management"]["aggregation_switches"] == 0


def test_oversubscription_for_inference_only() -> None:
    plain = size(capacity("h100-pcie-80gb", 128), CATALOG).to_dict()["cluster"]["compute_fabric"]
    over = size(capacity("h100-pcie-80gb", 128, oversubscription=2.0), CATALOG).to_dict()
    fabric = over["cluster"]["compute_fabric"]
    assert fabric["oversubscription"] == 2.0 and fabric["spines"] == plain["spines"] // 2
    with pytest.raises(SizingInputError) as exc:
        size(training(128, oversubscription=2.0), CATALOG)
    assert "oversubscription" in exc.value.field_errors


def test_air_cooling_warns_and_liquid_does_not() -> None:
    air = size(training(16), CATALOG).to_dict()
    assert any("air cooling limit" in w for w in air["warnings"])
    liquid = size(training(16, cooling="liquid"), CATALOG).to_dict()
    assert not any("air cooling" in w.lower() for w in liquid["warnings"])
    split = size(training(16, assumptions={"rack_power_budget_kw": 25}), CATALOG).to_dict()
    assert all(r["power_kw"] <= 25 for r in split["cluster"]["racks"])
    assert split["facility"]["max_rack_kw"] <= 25 and not any(
        "air cooling limit" in w for w in split["warnings"]
    )
    site = air["facility"]
    racks_kw = [r["power_kw"] for r in air["cluster"]["racks"]]
    assert site["pdus"] == sum(2 * max(1, math.ceil(kw / 17.7)) for kw in racks_kw)
    assert site["floor_m2"] == pytest.approx(len(racks_kw) * 2.5)


def test_training_storage_by_young_daly() -> None:
    result = size(training(512), CATALOG).to_dict()
    st, gpus = result["storage"], result["gpu_count"]
    params = 69.0e9  # Llama 2 70B in the catalog
    checkpoint = params * 14
    mtbf_h = 50_000 / gpus
    write_s = 2 * mtbf_h * 0.05**2 * 3600
    assert st["checkpoint_write_s"] == pytest.approx(write_s, rel=1e-3)
    assert st["write_gbps"] == pytest.approx(checkpoint / write_s / 1e9, rel=1e-2)
    # the checkpoint costs at most the set share at the Young/Daly interval sqrt(2 δ M)
    interval_s = math.sqrt(2 * write_s * mtbf_h * 3600)
    assert st["checkpoint_interval_h"] == pytest.approx(interval_s / 3600, rel=1e-3)
    assert write_s / interval_s == pytest.approx(0.05, rel=1e-3)
    assert st["capacity_tb"] == pytest.approx((5 * checkpoint + 2e12 * 4) / 1e12, rel=1e-3)
    figures = {e["figure"] for e in result["explanations"]}
    assert {"storage.write_gbps", "storage.capacity_tb", "storage.read_gbps"} <= figures


def test_inference_storage_is_model_load() -> None:
    result = size(capacity("h100-pcie-80gb", 4), CATALOG).to_dict()
    st = result["storage"]
    replicas = result["inference"]["replicas"]
    assert st["read_gbps"] == pytest.approx(69.0e9 * 2 * replicas / 300 / 1e9, rel=1e-2)
