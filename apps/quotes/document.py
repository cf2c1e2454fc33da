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


def node_configuration(result: dict[str, Any]) -> list[tuple[str, str]]:
    """One compute node's build, from the engine's `node` figures, named with the BoM's
    descriptions (the full per-part list is the BoM's compute section)."""
    node = result.get("node")
    if not isinstance(node, dict):
        return []
    names = {
        str(i.get("part_number")): str(i.get("description", "")) for i in result.get("bom") or []
    }

    def part(key: str) -> str:
        pn = node.get(key)
        return f"{names.get(str(pn), '')} ({pn})" if pn else ""

    rows = [
        ("Platform", f"{_text(node.get('platform'))}, profile {_text(node.get('profile'))}"),
        (
            "GPUs",
            f"{_text(node.get('gpus_per_node'))} × "
            f"{_text(result.get('gpu_name') or result.get('gpu'))}",
        ),
        ("Processors", f"{_text(node.get('cpus'))} × {part('cpu')}"),
        (
            "Memory",
            f"{_text(node.get('dimm_count'))} × {part('dimm')} = {_text(node.get('memory_gb'))} GB",
        ),
        (
            "Compute fabric",
            f"{_text(node.get('compute_adapters'))} × {part('fabric_adapter')}, "
            f"{_text(node.get('fabric_gbps_per_gpu'))} Gb/s per GPU",
        ),
    ]
    optional = (
        ("storage_adapters", "Storage adapters"),
        ("dpu", "DPU"),
        ("nvlink_bridges", "NVLink bridges"),
        ("data_drives", "Data drives"),
    )
    rows += [(label, _text(node[key])) for key, label in optional if node.get(key)]
    rows.append(
        ("Power and space", f"{_text(node.get('power_w'))} W, {_text(node.get('rack_units'))}U")
    )
    return rows


def power_space_cooling(result: dict[str, Any]) -> list[tuple[str, str]]:
    """The facility figures: power, heat to remove, racks and rack units, nodes."""
    rows: list[tuple[str, str]] = []
    power_kw = result.get("power_kw")
    if power_kw is not None:
        kw = Decimal(str(power_kw))
        rows.append(("Estimated power at full load", f"{kw:,.1f} kW"))
        heat = result.get("heat_btu_per_h")
        heat_btu = Decimal(str(heat)) if heat is not None else kw * BTU_PER_KW_HOUR
        rows.append(("Heat load to remove (cooling)", f"{heat_btu:,.0f} BTU/h"))
    for key, label in (
        ("rack_count", "Racks (42U)"),
        ("rack_units", "Rack units used"),
        ("node_count", "Compute nodes"),
        ("spare_nodes", "Spare nodes"),
        ("gpu_count", "GPUs"),
    ):
        if result.get(key) is not None:
            rows.append((label, _text(result[key])))
    node = result.get("node") or {}
    if isinstance(node, dict) and node.get("power_w") is not None:
        rows.append(("Power per node", f"{_text(node['power_w'])} W"))
    assumptions = result.get("assumptions") or {}
    if isinstance(assumptions, dict) and assumptions.get("rack_power_budget_kw") is not None:
        rows.append(
            ("Rack power budget assumed", f"{_text(assumptions['rack_power_budget_kw'])} kW")
        )
    return rows


def explanations(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The engine's explanations: the rule as title, the figure it yields, formula, inputs,
    source."""
    out = []
    for item in result.get("explanations") or []:
        if not isinstance(item, dict):
            out.append(
                {"title": _text(item), "figure": "", "formula": "", "rows": [], "source": ""}
            )
            continue
        figure = ""
        if item.get("figure"):
            unit = f" {item['unit']}" if item.get("unit") else ""
            figure = f"{item['figure']} = {_text(item.get('value'))}{unit}"
        known = {"rule", "formula", "source", "title", "figure", "value", "unit", "inputs"}
        rest = {k: v for k, v in item.items() if k not in known}
        out.append(
            {
                "title": _text(item.get("rule") or item.get("title") or "Rule"),
                "figure": figure,
                "formula": _text(item.get("formula")) if item.get("formula") else "",
                "source": _text(item.get("source")) if item.get("source") else "",
                "rows": flatten(item.get("inputs") or {}) + flatten(rest),
            }
        )
    return out


def _rows(value: Any) -> list[tuple[str, str]]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return [("", v) for v in value]
    return flatten(value)


def architecture_figures(result: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The node's build and the cluster's shape in a few rows (not the full layout dump)."""
    out = []
    cluster = result.get("cluster")
    if isinstance(cluster, dict):
        rows = [(k, _text(v)) for k, v in cluster.items() if not isinstance(v, dict | list)]
        fabric = cluster.get("compute_fabric")
        if isinstance(fabric, dict):
            rows += [
                (f"compute fabric: {k}", _text(v))
                for k, v in fabric.items()
                if not isinstance(v, dict | list)
            ]
        out.append(("Cluster and fabric", rows))
    return out


def headline(result: dict[str, Any]) -> list[tuple[str, str]]:
    """The executive summary's key figures."""
    model = result.get("model")
    rows = [
        ("Workload", _text(result.get("kind"))),
        ("Model", _text(model.get("name") if isinstance(model, dict) else model)),
        ("Precision", _text(result.get("precision"))),
        ("GPU", _text(result.get("gpu_name") or result.get("gpu"))),
        ("GPUs", _text(result.get("gpu_count"))),
        ("Compute nodes", _text(result.get("node_count"))),
        ("Racks", _text(result.get("rack_count"))),
        ("Fabric", _text(result.get("fabric"))),
        ("Estimated power", f"{_text(result.get('power_kw'))} kW"),
    ]
    return [(label, value) for label, value in rows if value not in {"—", "— kW"}]


def document_context(quote: Quote) -> dict[str, Any]:
    """Everything the print template shows for one revision."""
    result = quote.sizing_result or {}
    return {
        "quote": quote,
        "sections": selectors.quote_sections(quote),
        "result": result,
        "headline": headline(result),
        "workload": flatten(quote.sizing_inputs or {}),
        "assumptions": _rows(result.get("assumptions") or []),
        "explanations": explanations(result),
        "figures": [
            (label, flatten(result[name]))
            for name, label in (
                ("training", "Training figures"),
                ("inference", "Inference figures"),
                ("memory", "GPU memory"),
            )
            if isinstance(result.get(name), dict)
        ],
        "architecture_figures": architecture_figures(result),
        "warnings": [
            _text(w.get("message", w)) if isinstance(w, dict) else _text(w)
            for w in result.get("warnings") or []
        ],
        "diagrams": diagrams_for(result),
        "node_configuration": node_configuration(result),
        "facility": power_space_cooling(result),
        "generated_at": timezone.now(),
    }
