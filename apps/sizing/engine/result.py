"""The sizing result and its JSON form."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .bom import BomLine
from .explain import Explanation


@dataclass(frozen=True)
class SizingResult:
    """Everything one sizing produced; ``to_dict`` gives the documented JSON shape."""

    summary: dict[str, Any]
    bom: tuple[BomLine, ...]
    explanations: tuple[Explanation, ...]
    warnings: tuple[str, ...]
    alternatives: tuple[dict[str, Any], ...] = field(default=())
    selection: dict[str, Any] | None = None
    # ``bom``'s ``as_json()`` of each line, when the BoM is a kept cluster side's
    # (``ClusterSide.bom_json``, made once for every result of that side)
    bom_json: tuple[dict[str, object], ...] | None = field(default=None, compare=False, repr=False)
    # ``explanations[start:end]``'s ``as_json()``, when they are a kept cluster side's
    # (``ClusterSide.explained_json``): ((start, end), their JSON)
    explained_json: tuple[tuple[int, int], tuple[dict[str, Any], ...]] | None = field(
        default=None, compare=False, repr=False
    )

    @property
    def gpu_count(self) -> int:
        """Total GPUs in the cluster."""
        return int(self.summary["gpu_count"])

    @property
    def node_count(self) -> int:
        """Total nodes in the cluster."""
        return int(self.summary["node_count"])

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data, keys as documented in docs/sizing-engine.md. The lists are
        new; their BoM lines and explanations are each object's ``as_json()``, shared by the
        results that hold the same object (a kept cluster side's): read them, do not change
        them in place."""
        out = dict(self.summary)
        kept = self.bom_json
        out["bom"] = list(kept) if kept is not None else [line.as_json() for line in self.bom]
        explanations, kept_json = self.explanations, self.explained_json
        if kept_json is None:
            out["explanations"] = [e.as_json() for e in explanations]
        else:
            (start, end), shared = kept_json
            listed = [e.as_json() for e in explanations[:start]]
            listed.extend(shared)
            listed.extend(e.as_json() for e in explanations[end:])
            out["explanations"] = listed
        out["warnings"] = list(self.warnings)
        out["alternatives"] = [dict(a) for a in self.alternatives]
        out["selection"] = self.selection
        return out
