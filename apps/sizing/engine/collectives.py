"""Cost of collective operations on a link: ring all-reduce, reduce-scatter, all-gather,
all-to-all and point-to-point (sizing-model §5).

A ``Link`` is the bottleneck a GPU sees in a group: bandwidth per direction per GPU (GB/s),
the achieved fraction of it for large messages, and the latency of one hop. ``hardware.py``
builds links for the GPU interconnect (NVSwitch, NVLink bridge pairs, PCIe through the CPU root
complex) and for the compute fabric (NIC bandwidth per GPU × protocol efficiency); a group that
spans nodes uses ``hardware.group_link``. All functions return seconds and are pure.

Ring formulas (Thakur et al. 2005; NCCL performance notes "bus bandwidth"), n participants,
B bytes per GPU, β achieved bytes/s per direction, α seconds per hop:

* all-reduce       2(n−1)/n · B/β + 2(n−1)α
* reduce-scatter    (n−1)/n · B/β +  (n−1)α     (B = the full, unreduced buffer)
* all-gather        (n−1)/n · B/β +  (n−1)α     (B = the full, gathered buffer)
* all-to-all        (n−1)/n · B/β +  (n−1)α     (B = everything one GPU sends, own share included)
* point-to-point          B/β + α
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

GB = 1e9


@dataclass(frozen=True)
class Link:
    """What one GPU of a group gets from the slowest hop it communicates over."""

    kind: str  # nvswitch, nvlink_bridge, pcie, infiniband, ethernet
    gbps: float  # GB/s per direction per GPU, nominal
    efficiency: float  # achieved fraction of ``gbps`` for large messages
    latency_us: float  # per hop
    source: str = ""

    @property
    def bytes_per_s(self) -> float:
        """Achieved bytes per second per direction."""
        return self.gbps * GB * self.efficiency

    @property
    def latency_s(self) -> float:
        """Latency of one hop in seconds."""
        return self.latency_us * 1e-6

    def to_dict(self) -> dict[str, float | str]:
        """Plain data for results and explanations."""
        return {
            "kind": self.kind,
            "gbps_per_direction": round(self.gbps, 3),
            "efficiency": self.efficiency,
            "achieved_gbps": round(self.bytes_per_s / GB, 3),
            "latency_us": self.latency_us,
            "source": self.source,
        }


def _ring(n: int, nbytes: float, link: Link, passes: int) -> float:
    if n <= 1 or nbytes <= 0:
        return 0.0
    share = (n - 1) / n
    return passes * (share * nbytes / link.bytes_per_s + (n - 1) * link.latency_s)


class Ring(NamedTuple):
    """A ring collective over ``n`` GPUs of one link with its constants worked out once, for
    a caller that prices many buffer sizes on the same group (the serving search: every
    target check prices a decode step's all-reduces): ``cost(B)`` is ``_ring(n, B, link,
    passes)``, the same operations in the same order, so the same floats."""

    passes: int
    share: float  # (n − 1) / n
    bytes_per_s: float  # the link's achieved bytes/s
    hops_s: float  # (n − 1) α

    def cost(self, nbytes: float) -> float:
        """Seconds for a B-byte buffer (0 for an empty one)."""
        if nbytes <= 0:
            return 0.0
        return self.passes * (self.share * nbytes / self.bytes_per_s + self.hops_s)


def ring(n: int, link: Link, passes: int) -> Ring | None:
    """``_ring``'s constants for ``n`` GPUs on ``link`` (all-reduce: 2 passes, all-to-all: 1);
    None for a group of one, which communicates nothing."""
    if n <= 1:
        return None
    return Ring(passes, (n - 1) / n, link.bytes_per_s, (n - 1) * link.latency_s)


class Hop(NamedTuple):
    """A point-to-point link's constants worked out once: ``cost(B)`` is ``p2p(B, link)``,
    the same operations in the same order."""

    bytes_per_s: float
    latency_s: float

    def cost(self, nbytes: float) -> float:
        """Seconds for a B-byte transfer (0 for an empty one)."""
        if nbytes <= 0:
            return 0.0
        return nbytes / self.bytes_per_s + self.latency_s


def hop(link: Link) -> Hop:
    """``p2p``'s constants for ``link``."""
    return Hop(link.bytes_per_s, link.latency_s)


def all_reduce(n: int, nbytes: float, link: Link) -> float:
    """Ring all-reduce of a B-byte buffer over n GPUs."""
    return _ring(n, nbytes, link, 2)


def reduce_scatter(n: int, nbytes: float, link: Link) -> float:
    """Ring reduce-scatter of a B-byte buffer (each GPU keeps B/n reduced)."""
    return _ring(n, nbytes, link, 1)


def all_gather(n: int, nbytes: float, link: Link) -> float:
    """Ring all-gather producing a B-byte buffer on every GPU."""
    return _ring(n, nbytes, link, 1)


def all_to_all(n: int, nbytes: float, link: Link) -> float:
    """All-to-all where each GPU sends B bytes in total (1/n of it to itself)."""
    return _ring(n, nbytes, link, 1)


def p2p(nbytes: float, link: Link) -> float:
    """One point-to-point transfer of B bytes."""
    if nbytes <= 0:
        return 0.0
    return nbytes / link.bytes_per_s + link.latency_s
