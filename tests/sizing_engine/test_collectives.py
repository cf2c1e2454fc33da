"""Collective costs on links, and which link a group of GPUs uses."""

from __future__ import annotations

import pytest

from apps.sizing.engine import collectives as c
from apps.sizing.engine.hardware import LinkParams, fabric_link, gpu_link, group_link

from .helpers import CATALOG

LINK = c.Link("test", 100.0, 1.0, 0.0)


def test_ring_formulas() -> None:
    b = 8e9  # 8 GB at 100 GB/s
    assert c.all_reduce(8, b, LINK) == pytest.approx(2 * 7 / 8 * 0.08)
    assert c.reduce_scatter(8, b, LINK) == pytest.approx(7 / 8 * 0.08)
    assert c.all_gather(4, b, LINK) == pytest.approx(3 / 4 * 0.08)
    assert c.all_to_all(2, b, LINK) == pytest.approx(0.04)
    assert c.p2p(b, LINK) == pytest.approx(0.08)
    assert c.all_reduce(1, b, LINK) == 0.0


def test_latency_per_hop() -> None:
    slow = c.Link("x", 1e9, 1.0, 10.0)
    assert c.all_reduce(5, 1.0, slow) == pytest.approx(2 * 4 * 10e-6, rel=1e-3)


def test_links_by_gpu() -> None:
    p = LinkParams()
    sxm, pcie, l40s = (CATALOG.gpus[s] for s in ("h100-sxm5-80gb", "h100-pcie-80gb", "l40s-48gb"))
    assert gpu_link(sxm, 8, p).kind == "nvswitch"
    assert gpu_link(pcie, 2, p).kind == "nvlink_bridge"
    assert gpu_link(pcie, 4, p).kind == "pcie"  # only pairs share a bridge
    assert gpu_link(l40s, 2, p).kind == "pcie"  # L40S has no NVLink
    assert gpu_link(sxm, 8, p).bytes_per_s > gpu_link(pcie, 2, p).bytes_per_s


def test_fabric_protocol_and_bandwidth() -> None:
    ib, roce = fabric_link("infiniband", LinkParams()), fabric_link("ethernet", LinkParams())
    assert ib.bytes_per_s > roce.bytes_per_s and ib.latency_us <= roce.latency_us
    fast = fabric_link("infiniband", LinkParams(fabric_gbps_per_gpu=400))
    assert fast.bytes_per_s == pytest.approx(2 * ib.bytes_per_s)


def test_group_across_nodes_shares_the_nics() -> None:
    sxm = CATALOG.gpus["h100-sxm5-80gb"]
    p = LinkParams()
    one = group_link(sxm, 1, 4, "infiniband", p)
    four = group_link(sxm, 4, 4, "infiniband", p)
    assert one.kind == "infiniband" and four.bytes_per_s == pytest.approx(4 * one.bytes_per_s)
    assert group_link(sxm, 8, 1, "infiniband", p).kind == "nvswitch"


def test_group_link_reads_the_node_count_only_as_leaving_the_node() -> None:
    """The training step model memoises ring links per (members per node, across nodes or
    not) (``step.Context.group``): valid only while the node count beyond one changes
    nothing."""
    p = LinkParams()
    for gpu in CATALOG.gpus.values():
        for fabric in ("infiniband", "ethernet"):
            for per_node in (1, 2, 4, 8):
                two = group_link(gpu, per_node, 2, fabric, p)
                for nodes in (3, 7, 64, 4096):
                    assert group_link(gpu, per_node, nodes, fabric, p) == two
