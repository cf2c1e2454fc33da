"""Automatic choice: size on every orderable GPU and fabric, rank, return best and alternatives."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from .catalog import CatalogSnapshot, LlmModel
from .errors import SizingInputError
from .result import SizingResult
from .workload import FABRICS, Workload


def _price(result: SizingResult, prices: Mapping[str, Decimal]) -> tuple[Decimal, list[str]]:
    total, missing = Decimal("0"), []
    for line in result.bom:
        if line.part_number in prices:
            total += prices[line.part_number] * line.quantity
        else:
            missing.append(line.part_number)
    return total, sorted(set(missing))


def _key_figures(result: SizingResult) -> dict[str, Any]:
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


def _rank_key(result: SizingResult, prices: Mapping[str, Decimal] | None) -> tuple[Any, ...]:
    s = result.summary
    base = (s["gpu_count"], s["node_count"], s["power_kw"])
    return ((_price(result, prices)[0],) + base) if prices is not None else base


def size_auto(
    w: Workload, model: LlmModel, catalog: CatalogSnapshot, prices: Mapping[str, Decimal] | None
) -> SizingResult:
    """Evaluate every orderable GPU × fabric, pick the best by the stated criterion."""
    from .api import size_one

    fabrics = FABRICS if w.fabric == "auto" else (w.fabric,)
    gpus = [
        g
        for g in catalog.gpus.values()
        if not g.reference and g.part_number and catalog.parts[g.part_number].orderable
    ]
    ok: list[tuple[tuple[Any, ...], SizingResult]] = []
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
            ok.append((_rank_key(result, prices), result))
    if not ok:
        raise SizingInputError(errors or {"gpu": ["no orderable GPU meets the workload"]})
    ok.sort(key=lambda item: item[0])
    return _with_alternatives(ok, rejected, prices)


def _with_alternatives(
    ok: list[tuple[tuple[Any, ...], SizingResult]],
    rejected: list[dict[str, Any]],
    prices: Mapping[str, Decimal] | None,
) -> SizingResult:
    criterion = "lowest_list_price" if prices is not None else "fewest_gpus"
    alternatives = []
    for rank, (key, result) in enumerate(ok, start=1):
        entry = {
            "rank": rank,
            "gpu": result.summary["gpu"],
            "fabric": result.summary["fabric"],
            "feasible": True,
            "criterion": criterion,
            "criterion_value": str(key[0]),
            **_key_figures(result),
        }
        if prices is not None:
            entry["unpriced_parts"] = _price(result, prices)[1]
        alternatives.append(entry)
    best = ok[0][1]
    selection = {
        "criterion": criterion,
        "value": alternatives[0]["criterion_value"],
        "rule": "Fewest GPUs meeting the targets (ties: fewer nodes, lower power)"
        if prices is None
        else "Lowest sample list price of the BoM (ties: fewer GPUs, nodes, power)",
        "candidates": len(ok) + len(rejected),
    }
    warnings = best.warnings
    if prices is not None and alternatives[0].get("unpriced_parts"):
        warnings = warnings + (
            "Parts without a price were counted at 0: "
            + ", ".join(alternatives[0]["unpriced_parts"]),
        )
    return replace(
        best, alternatives=tuple(alternatives + rejected), selection=selection, warnings=warnings
    )
