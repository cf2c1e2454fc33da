"""Scale from 1 GPU to 32,768 GPUs; redundancy, headroom, auto choice and explanations."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.sizing.engine import ENGINE_VERSION, size

from .helpers import CATALOG, capacity


def test_one_gpu() -> None:
    result = size(
        capacity("h100-pcie-80gb", 1, gpus_per_node=1, model="llama-2-7b"), CATALOG
    ).to_dict()
    assert (
        result["gpu_count"] == 1
        and result["cluster"]["compute_fabric"]["topology"] == "single_switch"
    )
    assert result["node"]["compute_adapters"] == 1


@pytest.mark.parametrize(
    ("nodes", "topology", "tiers"),
    [
        (1, "single_switch", 1),
        (16, "two_switches", 1),
        (24, "fat_tree_2", 2),
        (256, "fat_tree_2", 2),
        (512, "fat_tree_2", 2),
        (513, "fat_tree_3", 3),
        (4096, "fat_tree_3", 3),
        (4097, "fat_tree_3", 3),
    ],
)
def test_fabric_tiers(nodes: int, topology: str, tiers: int) -> None:
    result = size(capacity("h100-pcie-80gb", nodes), CATALOG).to_dict()
    fabric = result["cluster"]["compute_fabric"]
    assert (fabric["topology"], fabric["tiers"]) == (topology, tiers)
    assert fabric["oversubscription"] == 1.0
    assert fabric["max_cages_used_per_switch"] <= fabric["cages_per_switch"]
    splitters = sum(line["quantity"] for line in result["bom"] if line["part_number"] == "BQK3")
    assert splitters == nodes * 8 // 4


def test_32768_gpus_three_tier() -> None:
    result = size(capacity("h100-pcie-80gb", 4096), CATALOG).to_dict()
    assert result["gpu_count"] == 32_768
    fabric = result["cluster"]["compute_fabric"]
    assert fabric["tiers"] == 3 and fabric["leaves"] == 512
    # port-level links: every leaf up port to aggregation, and as many from aggregation to cores
    assert fabric["isl_cables"] == 2 * 2 * sum(fabric["leaf_up_cages"])
    assert result["rack_count"] >= 512


def test_beyond_three_tiers_is_an_input_error_naming_the_limit() -> None:
    from apps.sizing.engine import SizingInputError

    size(capacity("h100-pcie-80gb", 16384), CATALOG)
    with pytest.raises(SizingInputError) as exc:
        size(capacity("h100-pcie-80gb", 16385), CATALOG)
    message = exc.value.field_errors["nodes"][0]
    assert "three-tier" in message and "16,384 nodes" in message


def test_n_plus_one_and_headroom() -> None:
    base = {
        "kind": "pretraining",
        "model": "llama-2-7b",
        "gpu": "h100-pcie-80gb",
        "training": {"tokens": 2e12, "target_days": 30},
    }
    plain = size(base, CATALOG).node_count
    assert size({**base, "redundancy": "n+1"}, CATALOG).node_count == plain + 1
    assert size({**base, "growth_headroom_pct": 50}, CATALOG).node_count >= plain * 1.5 - 1


def test_auto_choice_ranks_alternatives() -> None:
    data = {
        "kind": "inference",
        "model": "llama-2-70b",
        "gpu": "auto",
        "inference": {"concurrent_users": 100},
    }
    result = size(data, CATALOG).to_dict()
    feasible = [a for a in result["alternatives"] if a["feasible"]]
    assert len(feasible) == 6 and feasible[0]["gpu"] == result["gpu"]
    assert [a["gpu_count"] for a in feasible] == sorted(a["gpu_count"] for a in feasible)
    assert result["selection"]["criterion"] == "fewest_gpus"
    prices = {
        "BR9U": Decimal("1"),
        "TBC-GPU-H100-NVL": Decimal("1000000"),
        "TBC-GPU-L40S": Decimal("1"),
    }
    priced = size(data, CATALOG, price_lookup=prices).to_dict()
    # Prices annotate the alternatives but never change the choice (the same for every door).
    assert priced["selection"] == result["selection"]
    assert (priced["gpu"], priced["fabric"], priced["bom"]) == (
        result["gpu"],
        result["fabric"],
        result["bom"],
    )
    assert all("list_price" in a for a in priced["alternatives"] if a["feasible"])
    assert not any("list_price" in a for a in result["alternatives"])


def test_auto_ties_prefer_the_seed_fabric_for_the_deployment() -> None:
    from apps.sizing.engine.auto import rank_key

    data = {
        "kind": "inference",
        "model": "llama-3.1-70b",
        "gpu": "auto",
        "fabric": "auto",
        "inference": {"concurrent_users": 1000},
    }
    result = size(data, CATALOG)
    feasible = [a for a in result.alternatives if a["feasible"]]
    keys = [(a["gpu_count"], a["node_count"], a["power_kw"]) for a in feasible]
    assert keys == sorted(keys) and result.summary["gpu"] == feasible[0]["gpu"]
    assert rank_key(result, "bare_metal", 0)[3] == (result.summary["fabric"] != "infiniband")


def test_every_result_carries_version_assumptions_and_explanations() -> None:
    result = size(capacity("h100-nvl-94gb", 2), CATALOG).to_dict()
    assert result["engine_version"] == ENGINE_VERSION
    assert result["assumptions"]["nvlink_efficiency"] == 0.80
    figures = {e["figure"] for e in result["explanations"]}
    assert {"gpu_count", "rack_count", "power_kw", "node.memory_gb", "inference.ttft_s"} <= figures
    for explanation in result["explanations"]:
        assert explanation["rule"] and explanation["formula"] and explanation["source"]
    assert all(line["reason"] for line in result["bom"])


def test_reference_gpu_capacity_bom_is_marked() -> None:
    result = size(capacity("h200-sxm-141gb", 2), CATALOG).to_dict()
    assert result["reference_hardware"] and result["gpus_per_node"] == 8
    gpu_line = next(line for line in result["bom"] if line["part_number"] == "")
    assert gpu_line["quantity"] == 16 and gpu_line["reference_hardware"]


def test_rack_layout_positions() -> None:
    result = size(capacity("h100-pcie-80gb", 16), CATALOG).to_dict()
    racks = result["cluster"]["racks"]
    assert [r["nodes"] for r in racks] == [8, 8]
    for rack in racks:
        used = sorted((i["u_start"], i["u_start"] + i["u_height"] - 1) for i in rack["items"])
        assert all(a[1] < b[0] for a, b in zip(used, used[1:]))
        assert used[-1][1] <= 42
