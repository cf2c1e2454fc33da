"""Automatic choice: size on every orderable GPU and fabric, rank, return best and alternatives.

The ranking rule is price-free, so it does not depend on who asks or which price book they
hold: fewest GPUs meeting the targets; ties: fewer nodes, lower power, then the seed's fabric
for the deployment (InfiniBand for bare metal, Ethernet for virtualised), then catalog order.
A price lookup, when given, only annotates each alternative with its list price.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any, Protocol

from .bom import BomLine
from .catalog import CatalogSnapshot, Gpu, LlmModel
from .errors import SizingInputError
from .result import SizingResult
from .workload import FABRICS, Workload

CRITERION = "fewest_gpus"
RULE = (
    "Fewest GPUs meeting the targets (ties: fewer nodes, lower power, then the seed's fabric "
    "for the deployment — InfiniBand for bare metal, Ethernet for virtualised). Price does not "
    "rank the candidates."
)
SEED_FABRIC = {"bare_metal": "infiniband", "virtual": "ethernet"}


class Sized(Protocol):
    """A candidate as the choice reads it: the summary keys it ranks on and shows (GPU,
    fabric, counts, power, the GPU plan's key figures), the BoM when priced, and its full
    result, built for the chosen candidate only (api.Planned)."""

    @property
    def summary(self) -> Mapping[str, Any]: ...

    @property
    def bom(self) -> Sequence[BomLine]: ...

    def result(self) -> SizingResult: ...


SizeOne = Callable[[Workload, LlmModel, Gpu, str, CatalogSnapshot], Sized]


def _price(
    result: Sized | SizingResult, prices: Mapping[str, Decimal]
) -> tuple[Decimal, list[str]]:
    total, missing = Decimal("0"), []
    for line in result.bom:
        if line.part_number in prices:
            total += prices[line.part_number] * line.quantity
        else:
            missing.append(line.part_number)
    return total, sorted(set(missing))


def _key_figures(result: Sized) -> dict[str, Any]:
    s = result.summary
    out: dict[str, Any] = {
        "gpu_count": s["gpu_count"],
        "node_count": s["node_count"],
        "rack_count": s["rack_count"],
        "power_kw": s["power_kw"],
    }
    if s["training"]:
        out.update(days=s["training"]["days"], gpu_hours=s["training"]["gpu_hours"])
    if s["inference"]:
        inf = s["inference"]
        out.update(
            tensor_parallel=inf["tensor_parallel"],
            replicas=inf["replicas"],
            tokens_per_s_per_user=inf["tokens_per_s_per_user"],
            ttft_s=inf["ttft_s"],
        )
    return out


def rank_key(result: Sized | SizingResult, deployment: str, order: int) -> tuple[Any, ...]:
    """The price-free ranking key of one feasible candidate (smaller is better)."""
    s = result.summary
    other_fabric = 0 if s["fabric"] == SEED_FABRIC.get(deployment) else 1
    return (s["gpu_count"], s["node_count"], s["power_kw"], other_fabric, order)


def size_auto(
    w: Workload,
    model: LlmModel,
    catalog: CatalogSnapshot,
    size_one: SizeOne,
    prices: Mapping[str, Decimal] | None = None,
) -> SizingResult:
    """Evaluate every orderable GPU × fabric with ``size_one``, pick the best by ``RULE``
    (only the best's full result is built)."""
    fabrics = FABRICS if w.fabric == "auto" else (w.fabric,)
    gpus = [
        g
        for g in catalog.gpus.values()
        if not g.reference and g.part_number and catalog.parts[g.part_number].orderable
    ]
    ok: list[tuple[tuple[Any, ...], Sized]] = []
    rejected: list[dict[str, Any]] = []
    errors: dict[str, list[str]] = {}
    for gpu in gpus:
        for fabric in fabrics:
            try:
                result = size_one(
                    replace(w, gpu=gpu.slug, fabric=fabric), model, gpu, fabric, catalog
                )
            except SizingInputError as exc:
                rejected.append(
                    {"gpu": gpu.slug, "fabric": fabric, "feasible": False, "reason": exc.message}
                )
                for key, msgs in exc.field_errors.items():
                    errors.setdefault(key, []).extend(f"{gpu.slug}/{fabric}: {m}" for m in msgs)
                continue
            ok.append((rank_key(result, w.deployment, len(ok)), result))
    if not ok:
        raise SizingInputError(errors or {"gpu": ["no orderable GPU meets the workload"]})
    ok.sort(key=lambda item: item[0])
    return _with_alternatives(ok, rejected, prices)


def _with_alternatives(
    ok: list[tuple[tuple[Any, ...], Sized]],
    rejected: list[dict[str, Any]],
    prices: Mapping[str, Decimal] | None,
) -> SizingResult:
    alternatives = []
    for rank, (key, result) in enumerate(ok, start=1):
        entry = {
            "rank": rank,
            "gpu": result.summary["gpu"],
            "fabric": result.summary["fabric"],
            "feasible": True,
            "criterion": CRITERION,
            "criterion_value": str(key[0]),
            **_key_figures(result),
        }
        if prices is not None:
            total, missing = _price(result, prices)
            entry["list_price"], entry["unpriced_parts"] = str(total), missing
        alternatives.append(entry)
    best = ok[0][1].result()
    selection = {
        "criterion": CRITERION,
        "value": alternatives[0]["criterion_value"],
        "rule": RULE,
        "candidates": len(ok) + len(rejected),
    }
    return replace(best, alternatives=tuple(alternatives + rejected), selection=selection)
