"""What the reference-architecture document says: a plain context built from a quote revision
and the sizing result copied onto it. No WeasyPrint here (see `pdf.py`), so the same context
can be checked in tests or shown as HTML."""
from __future__ import annotations

import logging
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from . import selectors
from .models import Quote

logger = logging.getLogger(__name__)

BTU_PER_KW_HOUR = Decimal("3412.14")
DIAGRAMS = (
    ("rack_elevations", "rack_elevations_svg", "Rack elevations"),
    ("fabric_topology", "fabric_topology_svg", "Fabric topology"),
    ("memory_breakdown", "memory_breakdown_svg", "GPU memory breakdown"),
)


class DiagramError(Exception):
    """A diagram could not be drawn for this result."""


def flatten(value: Any, prefix: str = "") -> list[tuple[str, str]]:
    """Nested dicts/lists as (dotted key, text) rows for key–value tables."""
    if isinstance(value, dict):
        rows: list[tuple[str, str]] = []
        for key, item in value.items():
            rows += flatten(item, f"{prefix}.{key}" if prefix else str(key))
        return rows
    if isinstance(value, list | tuple):
        if all(not isinstance(v, dict | list | tuple) for v in value):
            return [(prefix, ", ".join(_text(v) for v in value))]
        rows = []
        for i, item in enumerate(value, start=1):
            rows += flatten(item, f"{prefix}[{i}]")
        return rows
    return [(prefix, _text(value))]


def _text(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def diagrams_for(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The wizard's SVGs for this result (`apps.sizing.diagrams`), when that module exists.
    The SVGs are produced by our own code from engine numbers, and carry their own styles
    (page CSS does not reach into inline SVG)."""
    try:
        from apps.sizing import diagrams  # type: ignore[attr-defined]
    except ImportError:
        return []
    out = []
    for key, func_name, title in DIAGRAMS:
        func = getattr(diagrams, func_name, None)
        if func is None:
            continue
        try:
            svg: SafeString = mark_safe(func(result))  # noqa: S308 - our own generated SVG
        except Exception as exc:
            raise DiagramError(f"{title} could not be drawn: {exc}") from exc
        out.append({"key": key, "title": title, "svg": svg})
    return out


def node_configuration(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Compute-section parts per node (quantity ÷ nodes when it divides evenly)."""
    nodes = int(result.get("node_count") or 0)
    rows = []
    for item in result.get("bom") or []:
        if item.get("section") != "compute":
            continue
        qty = int(item.get("quantity") or 0)
        per_node = qty // nodes if nodes and qty % nodes == 0 else None
        rows.append({"part_number": item.get("part_number"), "description": item.get("description"),
                     "per_node": per_node, "total": qty})
    return rows


def power_space_cooling(result: dict[str, Any]) -> list[tuple[str, str]]:
    """The facility figures: power, heat to remove, racks, nodes."""
    rows: list[tuple[str, str]] = []
    power_kw = result.get("power_kw")
    if power_kw is not None:
        kw = Decimal(str(power_kw))
        rows.append(("Estimated power", f"{kw:,.1f} kW"))
        rows.append(("Heat load (cooling)", f"{kw * BTU_PER_KW_HOUR:,.0f} BTU/h"))
    for key, label in (("rack_count", "Racks (42U)"), ("node_count", "Compute nodes"),
                       ("gpu_count", "GPUs"), ("rack_units", "Rack units used")):
        if result.get(key) is not None:
            rows.append((label, _text(result[key])))
    for key in ("power", "space", "cooling", "facility"):
        if isinstance(result.get(key), dict):
            rows += [(f"{key}: {k}", v) for k, v in flatten(result[key])]
    return rows


def explanations(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The engine's explanations: rule as title, the rest as rows."""
    out = []
    for item in result.get("explanations") or []:
        if not isinstance(item, dict):
            out.append({"title": _text(item), "formula": "", "rows": [], "source": ""})
            continue
        rest = {k: v for k, v in item.items() if k not in {"rule", "formula", "source", "title"}}
        out.append({
            "title": _text(item.get("rule") or item.get("title") or "Rule"),
            "formula": _text(item.get("formula")) if item.get("formula") else "",
            "source": _text(item.get("source")) if item.get("source") else "",
            "rows": flatten(rest),
        })
    return out


def _rows(value: Any) -> list[tuple[str, str]]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [("", v) for v in value]
    return flatten(value)


def document_context(quote: Quote) -> dict[str, Any]:
    """Everything the print template shows for one revision."""
    result = quote.sizing_result or {}
    return {
        "quote": quote,
        "sections": selectors.quote_sections(quote),
        "result": result,
        "headline": [(label, _text(result.get(key))) for key, label in (
            ("gpu", "GPU"), ("gpu_count", "GPUs"), ("node_count", "Nodes"),
            ("rack_count", "Racks"), ("power_kw", "Power (kW)")) if result.get(key) is not None],
        "workload": flatten(quote.sizing_inputs or {}),
        "assumptions": _rows(result.get("assumptions") or []),
        "explanations": explanations(result),
        "figures": [(name, flatten(result[name])) for name in ("training", "inference", "memory")
                    if isinstance(result.get(name), dict)],
        "warnings": [_text(w.get("message", w)) if isinstance(w, dict) else _text(w)
                     for w in result.get("warnings") or []],
        "diagrams": diagrams_for(result),
        "node_configuration": node_configuration(result),
        "facility": power_space_cooling(result),
        "generated_at": timezone.now(),
    }
