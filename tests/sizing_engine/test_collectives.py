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


def test_kept_ring_and_hop_constants_price_as_the_formulas() -> None:
    """``Ring.cost`` and ``Hop.cost`` (the serving search's hoisted constants) give exactly the
    floats of ``_ring`` and ``p2p``: the same operations in the same order."""
    links = [LINK, c.Link("x", 63.7, 0.81, 2.9), c.Link("y", 25.0, 0.93, 5.0)]
    sizes = [0.0, 1.0, 3.3e3, 16384.0 * 7 / 3, 8e9, 1e-3]
    for link in links:
        hop = c.hop(link)
        for b in sizes:
            assert hop.cost(b) == c.p2p(b, link)
        for n in (1, 2, 3, 4, 8, 16, 64):
            for passes, formula in ((2, c.all_reduce), (1, c.all_to_all)):
                ring = c.ring(n, link, passes)
                for b in sizes:
                    assert (0.0 if ring is None else ring.cost(b)) == formula(n, b, link)
