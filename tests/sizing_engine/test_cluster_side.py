"""The cluster side kept across sizings (engine/side.py, issue 16): a kept side gives the
answer a fresh catalog snapshot gives, and workloads whose cluster differs never share one."""

from __future__ import annotations

from typing import Any

import orjson

from apps.sizing.engine import size, snapshot_from_csv_dir
from apps.sizing.engine.side import SIDES_KEPT, ClusterSide
from apps.sizing.engine.workload import parse_workload

from .conftest import CATALOG_DIR
from .helpers import one_node_70b


def _answer(w: dict[str, Any], catalog: Any) -> bytes:
    return orjson.dumps(size(w, catalog).to_dict())


def _sides(catalog: Any) -> int:
    return len(catalog.__dict__.get("_cluster_sides", {}))


def test_a_kept_side_answers_as_a_fresh_snapshot() -> None:
    shared = snapshot_from_csv_dir(CATALOG_DIR)
    loads = [one_node_70b({"prompt_tokens": p}) for p in (1000, 3000, 1001)]
    loads += [one_node_70b({"concurrent_users": u}) for u in (1, 900)]
    loads.append(one_node_70b(nodes=2))
    loads.append(one_node_70b(gpu="auto", nodes=None))
    kept = [_answer(w, shared) for w in loads]
    again = [_answer(w, shared) for w in loads]  # every side now comes from the memo
    fresh = [_answer(w, snapshot_from_csv_dir(CATALOG_DIR)) for w in loads]
    assert kept == fresh
    assert again == fresh
    assert len(set(fresh)) == len(fresh)  # the loads do change the answers


def test_other_assumptions_or_inputs_never_share_a_side() -> None:
    shared = snapshot_from_csv_dir(CATALOG_DIR)
    _answer(one_node_70b(), shared)
    assert _sides(shared) == 1
    _answer(one_node_70b({"prompt_tokens": 2000}), shared)
    assert _sides(shared) == 1  # the same cluster for another load
    variants = [
        one_node_70b(assumptions={"rack_power_budget_kw": 12}),
        one_node_70b(assumptions={"racks_per_row": 2}),
        one_node_70b(deployment="virtual"),
        one_node_70b(redundancy="n+1", nodes=2),
        one_node_70b(cooling="liquid"),
        one_node_70b(fabric="ethernet"),
        one_node_70b(oversubscription=2.0),
        one_node_70b(storage_tb=20),
    ]
    for n, w in enumerate(variants, start=2):
        fresh = _answer(w, snapshot_from_csv_dir(CATALOG_DIR))
        assert _answer(w, shared) == fresh, w
        assert _sides(shared) == n, w  # each one a side of its own
    assert _answer(one_node_70b(), shared) == _answer(
        one_node_70b(), snapshot_from_csv_dir(CATALOG_DIR)
    )


def test_a_refused_cluster_is_not_kept_and_the_memo_is_bounded() -> None:
    shared = snapshot_from_csv_dir(CATALOG_DIR)
    w = one_node_70b(nodes=100_000)
    for _ in range(2):
        try:
            size(w, shared)
        except Exception as exc:  # noqa: BLE001 - refused either way; the side is not kept
            assert type(exc).__name__ == "SizingInputError"
    assert _sides(shared) == 0
    for n in range(SIDES_KEPT + 5):
        _answer(one_node_70b(assumptions={"floor_m2_per_rack": 2.0 + n / 1000}), shared)
    assert _sides(shared) == SIDES_KEPT


def test_an_unplaced_sides_bom_is_the_placed_ones() -> None:
    # an automatic sizing prices every candidate from its BoM, placing only the chosen design
    # (ClusterSide.chosen); the BoM and, placed afterwards, the cluster and build-out are a
    # placed side's (cable lengths, rail-optimised and 3-tier fabrics, DPUs, both fabrics)
    catalog = snapshot_from_csv_dir(CATALOG_DIR)
    cases = [
        ("h100-pcie-80gb", "infiniband", 1, {}),
        ("h100-pcie-80gb", "ethernet", 16, {"deployment": "virtual"}),
        ("h100-nvl-94gb", "infiniband", 300, {}),
        ("h100-nvl-94gb", "infiniband", 300, {"fabric_design": "rail_optimised"}),
        ("l40s-48gb", "ethernet", 2000, {}),
        ("l40s-48gb", "ethernet", 40, {"deployment": "virtual", "node_profile": "ovx-l40s"}),
    ]
    for gpu, fabric, nodes, extra in cases:
        w = parse_workload(one_node_70b(gpu=gpu, fabric=fabric, nodes=nodes, **extra))
        unplaced = ClusterSide(catalog, w, catalog.gpus[gpu], fabric, nodes, placed=False)
        placed = ClusterSide(catalog, w, catalog.gpus[gpu], fabric, nodes, placed=True)
        assert (unplaced.racks.dpu is None) == ("node_profile" not in extra)
        assert unplaced.bom == placed.bom, (gpu, fabric, nodes, extra)
        assert "cluster" not in unplaced.__dict__  # the other design is not placed for it
        assert unplaced.cluster == placed.cluster
        assert unplaced.built == placed.built
