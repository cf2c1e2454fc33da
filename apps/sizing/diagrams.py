"""Pictures of a sizing result, drawn on the server as SVG (after NetBox's `dcim/svg/racks.py`).

(Longer than ~400 lines on purpose: the three drawings share one set of SVG helpers (escaping,
scales, captions).)

Pure functions of the engine's result dict: no Django, no database. Each returns one
self-contained `<svg>` string with inline presentation attributes only — no stylesheet, no
external font or URL — so the same drawing works inline in the wizard and inside the quote PDF
(WeasyPrint). Every text taken from the result is escaped.

- `memory_breakdown_svg`: what fills one GPU's memory (weights, KV cache or model states,
  activations, …, free).
- `rack_elevations_svg`: every rack with its nodes and switches at their rack units; one
  `<g class="rack">` per rack and one `<rect class="node">` per node. Past
  `RACKS_DRAWN_IN_FULL` racks, one representative per group of identical racks
  (`rack_groups`), captioned with how many it stands for.
- `fabric_topology_svg`: compute nodes, leaf, spine (or aggregation) and core switches with
  link counts and speeds; wide tiers are drawn up to a limit and summarised beyond it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from apps.sizing.formatting import word

FONT = "DejaVu Sans, Liberation Sans, Arial, sans-serif"
INK = "#1d232a"
MUTED = "#5b6773"
LINE = "#9aa5b1"
COLORS = {
    "weights": "#3b6fb6",
    "kv_cache": "#e08a1e",
    "workspace": "#8a63b8",
    "model_states": "#3b6fb6",
    "activations": "#e08a1e",
    "logits": "#c0504d",
    "overhead": "#8a63b8",
    "free": "#e6ebf0",
    "node": "#2f7d4f",
    "compute_leaf": "#3b6fb6",
    "spine": "#8a63b8",
    "core": "#c0504d",
    "management_switch": "#7b8794",
    "dpu_switch": "#b5892d",
    "other": "#9aa5b1",
}
SWITCH_LABELS = {
    "compute_leaf": "Leaf",
    "spine": "Spine",
    "core": "Core",
    "management_switch": "Mgmt",
    "dpu_switch": "DPU sw",
}


# --- a tiny SVG writer --------------------------------------------------------------------


def _attrs(attrs: Mapping[str, Any]) -> str:
    parts = []
    for key, value in attrs.items():
        if value is None:
            continue
        name = key.rstrip("_").replace("_", "-")
        parts.append(f"{name}={quoteattr(_fmt(value))}")
    return " ".join(parts)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return str(value)


def _el(tag: str, content: str = "", **attrs: Any) -> str:
    rendered = _attrs(attrs)
    opening = f"<{tag} {rendered}" if rendered else f"<{tag}"
    return f"{opening}>{content}</{tag}>" if content else f"{opening}/>"


def _text(
    x: float,
    y: float,
    text: str,
    *,
    size: int = 11,
    fill: str = INK,
    anchor: str = "start",
    weight: str | None = None,
    class_: str | None = None,
) -> str:
    return _el(
        "text",
        escape(text),
        x=x,
        y=y,
        font_family=FONT,
        font_size=size,
        fill=fill,
        text_anchor=anchor,
        font_weight=weight,
        class_=class_,
    )


def _svg(width: float, height: float, title: str, body: Iterable[str]) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" width="{_fmt(width)}" '
        f'height="{_fmt(height)}" viewBox="0 0 {_fmt(width)} {_fmt(height)}" role="img" '
        f"aria-label={quoteattr(title)}>"
    )
    return head + _el("title", escape(title)) + "".join(body) + "</svg>"


def _num(value: Any) -> float:
    try:
        return float(value or 0)
    except (TypeError, ValueError):
        return 0.0


def _n(count: int, singular: str, plural: str | None = None) -> str:
    """`_n(2, "switch", "switches")` → "2 switches"."""
    return f"{count:,} {singular if count == 1 else (plural or singular + 's')}"


def _gb(value: float) -> str:
    return f"{value:.1f} GB" if value < 100 else f"{value:.0f} GB"


# --- memory -------------------------------------------------------------------------------


def memory_segments(result: Mapping[str, Any]) -> list[tuple[str, str, float]]:
    """(key, label, GB) of what one GPU holds, in drawing order, ending with the free space."""
    mem = result.get("memory") or {}
    if "weights_per_gpu_gb" in mem:
        parts = [
            ("weights", "Weights", mem.get("weights_per_gpu_gb")),
            ("kv_cache", "KV cache", mem.get("kv_cache_per_gpu_gb")),
            ("workspace", "Workspace", mem.get("workspace_gb_per_gpu")),
        ]
    else:
        parts = [
            ("model_states", "Weights, gradients & optimizer states", mem.get("model_states_gb")),
            ("activations", "Activations", mem.get("activations_gb")),
            ("logits", "Logits", mem.get("logits_gb")),
            ("overhead", "Framework overhead", mem.get("overhead_gb")),
        ]
    segments = [(key, label, _num(gb)) for key, label, gb in parts if _num(gb) > 0]
    used = sum(gb for _, _, gb in segments)
    free = max(_num(mem.get("gpu_memory_gb")) - used, 0.0)
    return [*segments, ("free", "Free", free)]


def memory_breakdown_svg(result: Mapping[str, Any]) -> str:
    """A stacked bar of one GPU's memory with a legend and the usable-memory limit."""
    mem = result.get("memory") or {}
    capacity = _num(mem.get("gpu_memory_gb")) or 1.0
    segments = memory_segments(result)
    width, left, bar_w, bar_y, bar_h = 640.0, 10.0, 620.0, 34.0, 34.0
    scale = bar_w / max(capacity, sum(gb for _, _, gb in segments))
    name = str(result.get("gpu_name") or result.get("gpu") or "GPU")
    body = [_text(left, 20, f"Memory of one {name}: {_gb(capacity)}", size=13, weight="bold")]
    x = left
    for key, label, gb in segments:
        w = gb * scale
        fill = COLORS.get(key, COLORS["other"])
        rect = _el(
            "rect",
            _el("title", escape(f"{label}: {_gb(gb)}")),
            x=x,
            y=bar_y,
            width=w,
            height=bar_h,
            fill=fill,
            stroke="#ffffff",
            stroke_width=1,
            class_=f"segment segment-{key}",
        )
        body.append(rect)
        if w > 48:
            color = INK if key == "free" else "#ffffff"
            body.append(_text(x + w / 2, bar_y + 22, _gb(gb), fill=color, anchor="middle"))
        x += w
    usable = _num(mem.get("usable_gb_per_gpu"))
    if 0 < usable < capacity:
        ux = left + usable * scale
        body.append(
            _el(
                "line",
                x1=ux,
                y1=bar_y - 6,
                x2=ux,
                y2=bar_y + bar_h + 6,
                stroke=INK,
                stroke_width=1.5,
                stroke_dasharray="4 3",
            )
        )
        body.append(
            _text(
                ux,
                bar_y + bar_h + 18,
                f"usable {_gb(usable)}",
                size=10,
                fill=MUTED,
                anchor="middle",
            )
        )
    legend_y = bar_y + bar_h + 40
    col_w = 300
    for i, (key, label, gb) in enumerate(segments):
        lx, ly = left + (i % 2) * col_w, legend_y + (i // 2) * 20
        body.append(
            _el(
                "rect",
                x=lx,
                y=ly - 10,
                width=12,
                height=12,
                fill=COLORS.get(key, COLORS["other"]),
                stroke=LINE,
                stroke_width=0.5,
            )
        )
        body.append(_text(lx + 18, ly, f"{label}: {_gb(gb)}"))
    height = legend_y + ((len(segments) + 1) // 2) * 20 + 4
    return _svg(width, height, f"GPU memory breakdown of one {name}", body)


# --- racks --------------------------------------------------------------------------------

RACK_W, UNIT_H, RACK_GAP, RACKS_PER_ROW = 130.0, 8.0, 24.0, 5


def _rack_units(result: Mapping[str, Any]) -> int:
    assumptions = result.get("assumptions") or {}
    return int(_num(assumptions.get("rack_units_per_rack")) or 42)


def _rack_item(item: Mapping[str, Any], x: float, top: float, units: int, number: int) -> str:
    kind = str(item.get("kind") or "other")
    height_u = max(int(_num(item.get("u_height")) or 1), 1)
    u_start = max(int(_num(item.get("u_start")) or 1), 1)
    y = top + (units - (u_start + height_u - 1)) * UNIT_H
    h = height_u * UNIT_H
    name = str(item.get("name") or kind)
    tip = f"{name} ({item.get('part_number') or ''}) at U{u_start}"
    label = f"Node {number}" if kind == "node" else SWITCH_LABELS.get(kind, kind)
    rect = _el(
        "rect",
        _el("title", escape(tip)),
        x=x + 12,
        y=y + 0.5,
        width=RACK_W - 24,
        height=h - 1,
        rx=1.5,
        fill=COLORS.get(kind, COLORS["other"]),
        stroke="#ffffff",
        stroke_width=0.5,
        class_="node" if kind == "node" else f"switch switch-{kind}",
    )
    text = _text(
        x + RACK_W / 2,
        y + h / 2 + 3.5,
        label,
        size=9 if h >= 10 else 7,
        fill="#ffffff",
        anchor="middle",
    )
    return rect + text


def _rack(rack: Mapping[str, Any], x: float, y: float, units: int, first_node: int) -> str:
    top = y + 18
    frame_h = units * UNIT_H
    index = rack.get("index", "?")
    role = str(rack.get("role") or "compute")
    parts = [
        _text(
            x + RACK_W / 2,
            y + 12,
            f"Rack {index} · {role}",
            size=11,
            anchor="middle",
            weight="bold",
        ),
        _el(
            "rect",
            x=x + 6,
            y=top - 2,
            width=RACK_W - 12,
            height=frame_h + 4,
            fill="#f6f8fa",
            stroke=INK,
            stroke_width=2,
        ),
    ]
    node_number = first_node
    for item in rack.get("items") or []:
        if item.get("kind") == "node":
            node_number += 1
        parts.append(_rack_item(item, x, top, units, node_number))
    power = _num(rack.get("power_kw"))
    parts.append(
        _text(
            x + RACK_W / 2,
            top + frame_h + 16,
            f"{power:.1f} kW",
            size=10,
            fill=MUTED,
            anchor="middle",
        )
    )
    attrs = _attrs({"class": "rack", "data-rack": index, "data-role": role})
    return f"<g {attrs}>{''.join(parts)}</g>"


# Up to this many racks every rack is drawn; beyond it, one representative per group of
# identical racks (a 4,096-node cluster has 560 racks but a handful of distinct ones).
RACKS_DRAWN_IN_FULL = 10
MAX_GROUPS_DRAWN = 8


def _ranges(indices: Sequence[int]) -> str:
    """[1, 2, 3, 7] → "1–3, 7"."""
    out: list[str] = []
    start = prev = None
    for i in indices:
        if prev is not None and i == prev + 1:
            prev = i
            continue
        if start is not None:
            out.append(f"{start}–{prev}" if prev != start else f"{start}")
        start = prev = i
    if start is not None:
        out.append(f"{start}–{prev}" if prev != start else f"{start}")
    return ", ".join(out)


def rack_groups(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Racks with the same role and the same items at the same rack units, grouped: role,
    how many, which (as index ranges), nodes and switches per rack, power range, and the
    first rack as the representative elevation."""
    racks: Sequence[Mapping[str, Any]] = (result.get("cluster") or {}).get("racks") or []
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for rack in racks:
        items = rack.get("items") or []
        key = (
            str(rack.get("role") or "compute"),
            tuple(
                (str(i.get("kind")), str(i.get("part_number")), i.get("u_start"), i.get("u_height"))
                for i in items
            ),
        )
        group = groups.get(key)
        if group is None:
            group = groups[key] = {
                "role": key[0],
                "indices": [],
                "nodes": sum(1 for i in items if i.get("kind") == "node"),
                "switches": sum(1 for i in items if i.get("kind") != "node"),
                "power": [],
                "example": rack,
            }
        group["indices"].append(int(_num(rack.get("index"))))
        group["power"].append(_num(rack.get("power_kw")))
    out = []
    for group in groups.values():
        power = group.pop("power")
        out.append(
            {
                **group,
                "count": len(group["indices"]),
                "racks": _ranges(group["indices"]),
                "power_min_kw": min(power),
                "power_max_kw": max(power),
            }
        )
    return out


def rack_elevations_svg(result: Mapping[str, Any], *, full_up_to: int = RACKS_DRAWN_IN_FULL) -> str:
    """Every rack (compute and network) with its items at their rack units, U1 at the bottom;
    past `full_up_to` racks, one representative elevation per group of identical racks."""
    racks: Sequence[Mapping[str, Any]] = (result.get("cluster") or {}).get("racks") or []
    if len(racks) > full_up_to:
        return _rack_groups_svg(result)
    units = _rack_units(result)
    rack_h = 18 + units * UNIT_H + 26
    per_row = max(1, min(RACKS_PER_ROW, len(racks)))
    rows = (len(racks) + per_row - 1) // per_row or 1
    width = per_row * (RACK_W + RACK_GAP) + RACK_GAP
    height = rows * (rack_h + RACK_GAP) + 10
    body: list[str] = []
    nodes_before = 0
    for i, rack in enumerate(racks):
        x = RACK_GAP + (i % per_row) * (RACK_W + RACK_GAP)
        y = 10 + (i // per_row) * (rack_h + RACK_GAP)
        body.append(_rack(rack, x, y, units, nodes_before))
        nodes_before += sum(1 for item in rack.get("items") or [] if item.get("kind") == "node")
    if not racks:
        body.append(_text(10, 24, "No racks in this result."))
    title = f"Rack elevations: {_n(len(racks), 'rack')}, {units} U each"
    return _svg(max(width, 200), max(height, 40), title, body)


def _rack_groups_svg(result: Mapping[str, Any]) -> str:
    """One elevation per group of identical racks, captioned with how many racks it stands
    for and which."""
    racks: Sequence[Mapping[str, Any]] = (result.get("cluster") or {}).get("racks") or []
    groups = rack_groups(result)
    drawn = groups[:MAX_GROUPS_DRAWN]
    units = _rack_units(result)
    rack_h = 18 + units * UNIT_H + 26 + 28
    per_row = max(1, min(RACKS_PER_ROW, len(drawn)))
    rows = (len(drawn) + per_row - 1) // per_row or 1
    width = max(per_row * (RACK_W + RACK_GAP) + RACK_GAP, 420)
    top = 34.0
    height = top + rows * (rack_h + RACK_GAP) + 10
    body = [
        _text(
            RACK_GAP,
            18,
            f"{len(racks):,} racks in {len(groups)} kinds: one representative rack of each",
            size=12,
            weight="bold",
        )
    ]
    for i, group in enumerate(drawn):
        x = RACK_GAP + (i % per_row) * (RACK_W + RACK_GAP)
        y = top + (i // per_row) * (rack_h + RACK_GAP)
        first = group["indices"][0]
        nodes_before = sum(
            1
            for rack in racks
            if int(_num(rack.get("index"))) < first
            for item in rack.get("items") or []
            if item.get("kind") == "node"
        )
        body.append(_rack(group["example"], x, y, units, nodes_before))
        caption_y = y + rack_h - 24
        count = group["count"]
        body.append(
            _text(
                x + RACK_W / 2,
                caption_y,
                f"× {count:,} rack{'s' if count != 1 else ''}",
                size=11,
                weight="bold",
                anchor="middle",
            )
        )
        racks_text = group["racks"]
        if len(racks_text) > 22:
            racks_text = f"racks {group['indices'][0]}–{group['indices'][-1]} (some)"
        else:
            racks_text = f"rack{'s' if count != 1 else ''} {racks_text}"
        body.append(
            _text(x + RACK_W / 2, caption_y + 13, racks_text, size=9, fill=MUTED, anchor="middle")
        )
    if len(groups) > len(drawn):
        body.append(
            _text(
                RACK_GAP,
                height - 4,
                f"{len(groups) - len(drawn)} more kinds of rack are listed in the rack table.",
                size=10,
                fill=MUTED,
            )
        )
        height += 10
    title = f"Rack elevations: {len(racks)} racks in {len(groups)} kinds, {units} U each"
    return _svg(width, height, title, body)


# --- fabric -------------------------------------------------------------------------------

MAX_DRAWN = 12
BOX_W, BOX_H = 64.0, 26.0


def _tier_positions(count: int, width: float) -> tuple[list[float], int]:
    """x centres of the boxes drawn for a tier of `count` switches, and how many are hidden."""
    drawn = min(count, MAX_DRAWN)
    hidden = count - drawn
    slots = drawn + (1 if hidden else 0)
    step = width / max(slots, 1)
    return [step * (i + 0.5) for i in range(slots)], hidden


def _tier(
    y: float, count: int, width: float, x0: float, kind: str, label: str
) -> tuple[list[str], list[float]]:
    xs, hidden = _tier_positions(count, width)
    parts = []
    centres = []
    for i, cx in enumerate(xs):
        x = x0 + cx
        if hidden and i == len(xs) - 1:
            parts.append(_box(x, y, fill="#ffffff", stroke=LINE, stroke_dasharray="3 2"))
            parts.append(_text(x, y + 17, f"+{hidden} more", size=10, fill=MUTED, anchor="middle"))
        else:
            parts.append(
                _box(x, y, fill=COLORS.get(kind, COLORS["other"]), class_=f"switch-{kind}")
            )
            parts.append(
                _text(x, y + 17, f"{label} {i + 1}", size=10, fill="#ffffff", anchor="middle")
            )
        centres.append(x)
    return parts, centres


def _box(cx: float, y: float, *, height: float = BOX_H, **style: Any) -> str:
    """A switch or node-group box, BOX_W wide, centred on `cx` with its top at `y`."""
    return _el("rect", x=cx - BOX_W / 2, y=y, width=BOX_W, height=height, rx=4, **style)


def _mesh(upper: list[float], y_up: float, lower: list[float], y_low: float) -> list[str]:
    return [
        _el("line", x1=a, y1=y_up + BOX_H, x2=b, y2=y_low, stroke=LINE, stroke_width=0.7)
        for a in upper
        for b in lower
    ]


def _node_groups(fabric: Mapping[str, Any], cluster: Mapping[str, Any]) -> list[int]:
    """Nodes behind each leaf: a rack's nodes split evenly over that rack's leaves."""
    rack_nodes = [int(_num(n)) for n in cluster.get("rack_nodes") or []]
    leaf_racks = [int(_num(r)) for r in fabric.get("leaf_racks") or []]
    per_rack: dict[int, int] = {}
    for rack in leaf_racks:
        per_rack[rack] = per_rack.get(rack, 0) + 1
    groups = []
    seen: dict[int, int] = {}
    for rack in leaf_racks:
        nodes = rack_nodes[rack - 1] if 0 < rack <= len(rack_nodes) else 0
        share, extra = divmod(nodes, per_rack[rack])
        k = seen.get(rack, 0)
        seen[rack] = k + 1
        groups.append(share + (1 if k < extra else 0))
    return groups


def _label(right: float, y: float, text: str) -> str:
    """A right-aligned caption on a white plate, readable over the link lines."""
    width = 6.2 * len(text) + 8
    plate = _el(
        "rect", x=right - width, y=y - 12, width=width, height=16, fill="#ffffff", fill_opacity=0.9
    )
    return plate + _text(right - 4, y, text, size=10, fill=MUTED, anchor="end")


def fabric_topology_svg(result: Mapping[str, Any]) -> str:
    """Compute nodes, leaves, spines (or aggregation) and cores with link counts and speeds."""
    cluster = result.get("cluster") or {}
    fabric: Mapping[str, Any] = cluster.get("compute_fabric") or {}
    width, margin = 820.0, 20.0
    inner = width - 2 * margin
    leaves = int(_num(fabric.get("leaves")))
    middle = int(_num(fabric.get("spines")) or _num(fabric.get("aggregation")))
    middle_label = "Spine" if _num(fabric.get("spines")) else "Agg"
    cores = int(_num(fabric.get("cores")))
    topology = str(fabric.get("topology") or "")
    switch_name = str(fabric.get("switch_name") or fabric.get("switch") or "switch")
    tiers: list[tuple[str, int, str]] = []
    if cores:
        tiers.append(("core", cores, "Core"))
    if middle:
        tiers.append(("spine", middle, middle_label))
    tiers.append(("compute_leaf", max(leaves, 1), "Leaf"))
    body = [
        _text(
            margin,
            20,
            f"Compute fabric: {switch_name} — {word(topology) if topology else 'none'}, "
            f"{_n(int(_num(fabric.get('switches'))), 'switch', 'switches')}, "
            f"oversubscription {fabric.get('oversubscription_ratio') or '1:1'}",
            size=12,
            weight="bold",
        )
    ]
    y = 44.0
    gap = 70.0
    prev: tuple[list[float], float] | None = None
    isl = int(_num(fabric.get("isl_cables")))
    isl_gbps = _num(fabric.get("isl_link_gbps"))
    for n, (kind, count, label) in enumerate(tiers):
        parts, centres = _tier(y, count, inner, margin, kind, label)
        if prev is not None:
            body.extend(_mesh(prev[0], prev[1], centres, y))
            if n == len(tiers) - 1:
                body.append(
                    _label(
                        width - margin,
                        y - gap / 2 + 4,
                        f"{_n(isl, 'inter-switch link')} × {isl_gbps:g} Gb/s",
                    )
                )
        body.extend(parts)
        prev = (centres, y)
        y += BOX_H + gap
    if topology == "two_switches" and isl and len(tiers) == 1 and prev is not None:
        a, b = prev[0][0], prev[0][-1]
        body.append(
            _el(
                "line",
                x1=a + BOX_W / 2,
                y1=prev[1] + BOX_H / 2,
                x2=b - BOX_W / 2,
                y2=prev[1] + BOX_H / 2,
                stroke=INK,
                stroke_width=2,
            )
        )
        body.append(
            _text(
                (a + b) / 2,
                prev[1] - 6,
                f"{_n(isl, 'link')} × {isl_gbps:g} Gb/s",
                size=10,
                fill=MUTED,
                anchor="middle",
            )
        )
    groups = _node_groups(fabric, cluster) or [int(_num(result.get("node_count")))]
    leaf_centres = prev[0] if prev else [width / 2]
    leaf_y = prev[1] if prev else 44.0
    for i, cx in enumerate(leaf_centres):
        hidden_group = i >= MAX_DRAWN
        nodes = sum(groups[MAX_DRAWN:]) if hidden_group else (groups[i] if i < len(groups) else 0)
        body.append(
            _el("line", x1=cx, y1=leaf_y + BOX_H, x2=cx, y2=y, stroke=LINE, stroke_width=1.2)
        )
        body.append(_box(cx, y, height=BOX_H + 6, fill=COLORS["node"], class_="node-group"))
        body.append(_text(cx, y + 13, _n(nodes, "node"), size=9, fill="#ffffff", anchor="middle"))
        body.append(
            _text(
                cx,
                y + 25,
                _n(nodes * int(_num(result.get("gpus_per_node"))), "GPU"),
                size=9,
                fill="#ffffff",
                anchor="middle",
            )
        )
    ports = int(_num(fabric.get("endpoint_ports")))
    port_gbps = _num(fabric.get("endpoint_port_gbps"))
    cables = int(_num(fabric.get("endpoint_cables")))
    body.append(
        _label(
            width - margin,
            y - gap / 2 + 4,
            f"{_n(ports, 'node port')} × {port_gbps:g} Gb/s over {_n(cables, 'cable')}",
        )
    )
    y += BOX_H + 30
    mgmt = cluster.get("management") or {}
    count = int(_num(mgmt.get("switches")))
    mgmt_switches = f"{count:,} × 1 GbE switch{'' if count == 1 else 'es'}"
    notes = [
        f"Management network: {mgmt_switches}, "
        f"{_n(int(_num(mgmt.get('ports_used'))), 'port')} used."
    ]
    dpu = cluster.get("dpu_network")
    if isinstance(dpu, Mapping):
        notes.append(
            f"DPU network: {_n(int(_num(dpu.get('switches'))), 'switch', 'switches')}, "
            f"{word(dpu.get('topology', ''))}".rstrip()
        )
    for note in notes:
        body.append(_text(margin, y, note, size=10, fill=MUTED))
        y += 16
    return _svg(width, y, f"Compute fabric topology ({topology or 'none'})", body)
