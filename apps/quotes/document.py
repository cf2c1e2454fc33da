"""What the reference-architecture document says: a plain context built from a quote revision
and the sizing result copied onto it. No WeasyPrint here (see `pdf.py`), so the same context
can be checked in tests or shown as HTML.

Every label, number and enumeration goes through `apps.sizing.formatting` (human labels,
units, significant figures, words), so the document never prints an engine key. Large
clusters are summarised: racks grouped by kind with one representative elevation each.
(A little over 400 lines: the document's sections, each a small function, kept together.)
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Set
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from apps.sizing import formatting as fmt
from apps.sizing.engine import spec

from . import document_costs, selectors
from .choices import QuoteStatus
from .models import Quote, QuoteDecision
from .services.discounts import discount_limit
from .services.pricing import effective_discount

# A result without its assumptions (an old scenario's): the specification's rack height.
RACK_UNITS_DEFAULT = spec.BY_PATH["assumptions.rack_units_per_rack"].default

logger = logging.getLogger(__name__)

DIAGRAMS = (
    ("rack_elevations", "rack_elevations_svg", "Rack elevations"),
    ("fabric_topology", "fabric_topology_svg", "Fabric topology"),
    ("memory_breakdown", "memory_breakdown_svg", "GPU memory breakdown"),
)
# Result sections shown as figure tables, and keys in them that are internal detail.
FIGURE_SECTIONS = (
    ("training", "Training figures"),
    ("inference", "Inference figures"),
    ("memory", "GPU memory"),
)
# `runners_up`: the training plan's "Next best layouts" table shows them.
HIDDEN_FIGURES = {
    "leaf_down_cages",
    "leaf_up_cages",
    "leaf_racks",
    "rack_nodes",
    "racks",
    "runners_up",
}


class DiagramError(Exception):
    """A diagram could not be drawn for this result."""


def _q(value: Any, key: str) -> str:
    return fmt.value_of(key, value)


def diagrams_for(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The wizard's SVGs for this result (`apps.sizing.diagrams`). The SVGs are produced by
    our own code from engine numbers, and carry their own styles. Large clusters get the
    grouped rack elevations. The document embeds each as an image (`src`, a `data:` URL):
    inline, WeasyPrint would run the page's cascade and box building over every SVG element
    as well (30 ms of the Large document, 50 ms at 512 nodes), for the same drawing."""
    from apps.sizing import diagrams

    out = []
    for key, func_name, title in DIAGRAMS:
        func = getattr(diagrams, func_name, None)
        if func is None:
            continue
        try:
            svg: SafeString = mark_safe(func(result))  # noqa: S308 - our own generated SVG
        except Exception as exc:
            raise DiagramError(f"{title} could not be drawn: {exc}") from exc
        src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")
        out.append({"key": key, "title": title, "svg": svg, "src": src})
    return out


def rack_table(result: dict[str, Any]) -> list[dict[str, str]]:
    """The racks grouped by kind: which racks, how many, what each holds, its power."""
    from apps.sizing import diagrams

    rows = []
    for group in diagrams.rack_groups(result):
        low, high = group["power_min_kw"], group["power_max_kw"]
        power = (
            fmt.quantity(low, "kW")
            if abs(high - low) < 0.05
            else (f"{fmt.number(low)}–{fmt.quantity(high, 'kW')}")
        )
        racks = group["racks"]
        if len(racks) > 60:
            racks = f"{group['indices'][0]}–{group['indices'][-1]} (not contiguous)"
        rows.append(
            {
                "kind": fmt.word(group["role"]).capitalize(),
                "count": fmt.number(group["count"]),
                "racks": racks,
                "contents": ", ".join(
                    part
                    for part in (
                        f"{group['nodes']} nodes" if group["nodes"] else "",
                        f"{group['switches']} switches" if group["switches"] else "",
                    )
                    if part
                )
                or "empty",
                "power": power,
            }
        )
    return rows


def _platform_name(result: dict[str, Any]) -> str:
    """The server's name as the BoM describes it, else the catalog code in words."""
    for line in result.get("bom") or []:
        text = str(line.get("description", ""))
        if text.startswith("Server:"):
            return text.removeprefix("Server:").split(" - ", 1)[0].strip()
    return fmt.word(result.get("node", {}).get("platform"))


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
        ("Platform", _platform_name(result)),
        (
            "GPUs",
            f"{fmt.number(node.get('gpus_per_node'))} × "
            f"{result.get('gpu_name') or fmt.word(result.get('gpu'))}",
        ),
        ("Processors", f"{fmt.number(node.get('cpus'))} × {part('cpu')}"),
        (
            "Memory",
            f"{fmt.number(node.get('dimm_count'))} × {part('dimm')} = "
            f"{fmt.quantity(node.get('memory_gb'), 'GB')}",
        ),
        (
            "Compute fabric",
            f"{fmt.number(node.get('compute_adapters'))} × {part('fabric_adapter')}, "
            f"{fmt.quantity(node.get('fabric_gbps_per_gpu'), 'Gb/s')} per GPU",
        ),
    ]
    optional = (
        ("storage_adapters", "Storage adapters"),
        ("dpu", "DPU"),
        ("nvlink_bridges", "NVLink bridges"),
        ("data_drives", "Data drives"),
    )
    rows += [(label, _q(node[key], key)) for key, label in optional if node.get(key)]
    rows.append(
        (
            "Power and space",
            f"{fmt.quantity(node.get('power_w'), 'W')}, {fmt.number(node.get('rack_units'))}U",
        )
    )
    return rows


def power_space_cooling(result: dict[str, Any]) -> list[tuple[str, str]]:
    """The facility figures: power, heat to remove, racks and rack units, nodes."""
    rows: list[tuple[str, str]] = []
    power_kw = result.get("power_kw")
    if power_kw is not None:
        kw = Decimal(str(power_kw))
        rows.append(("Estimated power at full load", fmt.quantity(kw, "kW")))
    heat = result.get("heat_btu_per_h")  # the engine's figure (engine/facility.py), only
    if heat is not None:
        rows.append(("Heat load to remove (cooling)", fmt.quantity(Decimal(str(heat)), "BTU/h")))
    units = (result.get("assumptions") or {}).get("rack_units_per_rack", RACK_UNITS_DEFAULT)
    for key, label in (
        ("rack_count", f"Racks ({fmt.number(units)}U)"),
        ("rack_units", "Rack units used"),
        ("node_count", "Compute nodes"),
        ("spare_nodes", "Spare nodes"),
        ("gpu_count", "GPUs"),
    ):
        if result.get(key) is not None:
            rows.append((label, fmt.number(result[key])))
    node = result.get("node") or {}
    if isinstance(node, dict) and node.get("power_w") is not None:
        rows.append(("Power per node", fmt.quantity(node["power_w"], "W")))
    assumptions = result.get("assumptions") or {}
    if isinstance(assumptions, dict) and assumptions.get("rack_power_budget_kw") is not None:
        rows.append(
            ("Rack power budget assumed", fmt.quantity(assumptions["rack_power_budget_kw"], "kW"))
        )
    return rows


def _inputs_sentence(inputs: dict[str, Any]) -> str:
    parts = [
        f"{fmt.mid_sentence(fmt.label(k))} = {_q(v, k)}"
        for k, v in inputs.items()
        if v is not None and not isinstance(v, dict | list)
    ]
    if not parts:
        return ""
    return "with " + (", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0])


def explained_in_plan(result: dict[str, Any]) -> set[str]:
    """Figures the serving plan section explains in full (rule, formula, inputs, source):
    the rationale's list names them and points there instead of printing them twice."""
    from apps.sizing.serving_view import serving_panel

    plan = serving_panel(result)
    if plan is None:
        return set()
    return {
        str(why["figure"])
        for key, why in plan.items()
        if key.endswith("_why") and isinstance(why, dict) and why.get("rule")
    }


def explanations(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The engine's explanations as sentences: the figure and its value, the rule, how it is
    computed and from which inputs, and the source. A figure the serving plan explains keeps
    its numbered line (title and value) with a pointer to that section (`see`)."""
    elsewhere = explained_in_plan(result)
    out = []
    for item in result.get("explanations") or []:
        if isinstance(item, dict) and str(item.get("figure") or "").startswith("tco."):
            continue  # list-price costs: the document's own cost section uses its prices
        if not isinstance(item, dict):
            out.append({"title": fmt.human_text(str(item)), "sentence": "", "source": ""})
            continue
        key = str(item.get("figure") or "")
        value = item.get("value")
        unit = str(item.get("unit") or "")
        title = fmt.label(key) if key else fmt.human_text(str(item.get("title") or "Rule"))
        figure = fmt.quantity(value, unit) if isinstance(value, int | float) else fmt.word(value)
        if key in elsewhere:
            out.append(
                {
                    "title": title,
                    "figure": figure,
                    "sentence": "",
                    "source": "",
                    "see": "Serving plan",
                }
            )
            continue
        inputs = item.get("inputs") if isinstance(item.get("inputs"), dict) else {}
        rule = fmt.human_text(str(item.get("rule") or ""), inputs).strip()
        formula = fmt.human_text(str(item.get("formula") or "")).strip()
        how = _inputs_sentence(inputs or {})
        sentence = rule if rule.endswith(".") or not rule else rule + "."
        if formula:
            sentence += f" It is computed as {formula}" + (f", {how}." if how else ".")
        elif how:
            sentence += f" It follows {how}."
        out.append(
            {
                "title": title,
                "figure": figure if key else "",
                "sentence": sentence.strip(),
                "source": fmt.human_text(str(item.get("source") or "")),
            }
        )
    return out


def sources(result: dict[str, Any], items: list[dict[str, Any]]) -> list[str]:
    """Every source the document cites, once each, in the order it is first cited: the
    rationale's explanations, then the training or serving plan's rules. The document lists
    them numbered and each rule ends with its number ("[2]"), so a source shared by ten rules
    (the serving step model) is printed once, not under every rule."""
    from apps.sizing.serving_view import serving_panel
    from apps.sizing.training_view import training_panel

    cited = [str(e.get("source") or "") for e in items if not e.get("see")]
    training = training_panel(result) or {}
    for key in ("layout_why", "step_why", "efficiency_source", "memory_why"):
        value = training.get(key)
        if isinstance(value, dict):
            cited.append(value["source"] if value.get("rule") else "")
        elif isinstance(value, str):
            cited.append(value)
    serving = serving_panel(result) or {}
    for value in serving.values():
        if isinstance(value, dict) and value.get("rule") and "source" in value:
            cited.append(str(value["source"]))
    return list(dict.fromkeys(c for c in cited if c))


def _dig(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def rationale(result: dict[str, Any]) -> list[str]:
    """The sizing in a few sentences with its numbers (the detailed chain follows)."""
    n, q, w = fmt.number, fmt.quantity, fmt.word
    model = result.get("model")
    model_name = model.get("name") if isinstance(model, dict) else model
    gpu = result.get("gpu_name") or w(result.get("gpu"))
    out: list[str] = []
    inf = result.get("inference")
    training = result.get("training")
    memory = result.get("memory") or {}
    if isinstance(inf, dict):
        targets = inf.get("targets") or {}
        out.append(
            f"The workload serves {model_name or 'the model'} at {w(result.get('precision'))} "
            f"to {n(inf.get('concurrent_users'))} concurrent users, each expecting at least "
            f"{q(targets.get('tokens_per_s_per_user'), 'tokens/s')} and a first token within "
            f"{q(targets.get('ttft_s'), 's')}."
        )
        if memory.get("weights_gb") is not None and inf.get("tensor_parallel"):
            out.append(
                f"The weights take {q(memory.get('weights_gb'), 'GB')}, so one replica of the "
                f"model spans {n(inf.get('tensor_parallel'))} GPUs (tensor parallel), and "
                f"{n(inf.get('replicas'))} replicas serve the users; one replica sustains up "
                f"to {n(inf.get('max_users_per_replica'))} users at the targets."
            )
        out.append(
            f"Each user then gets {q(inf.get('tokens_per_s_per_user'), 'tokens/s')} and a first "
            f"token after {q(inf.get('ttft_s'), 's')}; the cluster could serve up to "
            f"{n(inf.get('max_concurrent_users'))} users at the targets"
            + (
                "."
                if inf.get("meets_targets") in (True, None)
                else ", but it does not meet every target."
            )
        )
    elif isinstance(training, dict):
        layout = training.get("layout") or {}
        out.append(
            f"The workload trains {model_name or 'the model'} at {w(result.get('precision'))} "
            f"on {n(training.get('tokens'))} tokens"
            + (
                f" within a target of {q(training.get('target_days'), 'days')}."
                if training.get("target_days")
                else "."
            )
        )
        if training.get("flops") is not None:
            out.append(
                f"That is {q(training.get('flops'), 'FLOP')} of compute; laid out as tensor "
                f"parallel {n(layout.get('tp'))} × pipeline parallel {n(layout.get('pp'))} × "
                f"data parallel {n(layout.get('dp'))}, at a model FLOPS utilisation of "
                f"{n(training.get('mfu'))} and a goodput of {n(training.get('goodput'))}."
            )
        out.append(
            f"The run takes {q(training.get('days'), 'days')} on {n(result.get('gpu_count'))} "
            f"GPUs ({n(training.get('gpu_hours'))} GPU-hours)"
            + (
                "; it meets the target."
                if training.get("meets_target")
                else "; it misses the target."
                if training.get("meets_target") is False
                else "."
            )
        )
    cluster = result.get("cluster") or {}
    fabric = cluster.get("compute_fabric") or {}
    text = (
        f"The cluster has {n(result.get('gpu_count'))} × {gpu} in "
        f"{q(result.get('node_count'), 'nodes')} of {n(result.get('gpus_per_node'))} GPUs"
    )
    if result.get("spare_nodes"):
        text += f" (including {n(result.get('spare_nodes'))} spare)"
    text += f", in {q(result.get('rack_count'), 'racks')}"
    if cluster.get("network_racks"):
        text += (
            f" ({n(cluster.get('compute_racks'))} compute, "
            f"{n(cluster.get('network_racks'))} network)"
        )
    if fabric:
        text += (
            f"; its {w(result.get('fabric'))} compute fabric has "
            f"{q(fabric.get('switches'), 'switches')} ({w(fabric.get('topology'))}, "
            f"oversubscription {fabric.get('oversubscription_ratio') or '1:1'})"
        )
    text += (
        f". It draws {q(result.get('power_kw'), 'kW')} at full load: "
        f"{q(result.get('heat_btu_per_h'), 'BTU/h')} of heat to remove."
    )
    out.append(text)
    if result.get("mode") == "capacity":
        out.append("The node count was fixed by the request; the figures above are what it gives.")
    return out


def architecture_figures(result: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The cluster's shape and its fabric in a few labelled rows (not the full layout)."""
    out = []
    cluster = result.get("cluster")
    if isinstance(cluster, dict):
        rows = [
            (fmt.label(k), _q(v, k))
            for k, v in cluster.items()
            if not isinstance(v, dict | list) and k not in HIDDEN_FIGURES and v is not None
        ]
        fabric = cluster.get("compute_fabric")
        if isinstance(fabric, dict):
            skip = {"switch", "oversubscription"} | HIDDEN_FIGURES
            rows += [
                (fmt.label(k), _q(v, f"compute_fabric.{k}"))
                for k, v in fabric.items()
                if not isinstance(v, dict | list) and k not in skip and v is not None
            ]
        out.append(("Cluster and fabric", rows))
    return out


def headline(result: dict[str, Any]) -> list[tuple[str, str]]:
    """The executive summary's key figures."""
    model = result.get("model")
    rows = [
        ("Workload", fmt.word(result.get("kind"))),
        ("Model", str(model.get("name") if isinstance(model, dict) else fmt.word(model))),
        ("Precision", fmt.word(result.get("precision"))),
        ("GPU", str(result.get("gpu_name") or fmt.word(result.get("gpu")))),
        ("GPUs", fmt.number(result.get("gpu_count"))),
        ("Compute nodes", fmt.number(result.get("node_count"))),
        ("Racks", fmt.number(result.get("rack_count"))),
        ("Compute fabric", fmt.word(result.get("fabric"))),
        ("Estimated power", fmt.quantity(result.get("power_kw"), "kW")),
    ]
    return [(label, value) for label, value in rows if value not in {"—", "None"}]


def workload_rows(inputs: dict[str, Any], result: dict[str, Any]) -> list[tuple[str, str]]:
    """The workload as asked for, labelled, with the model and GPU by name."""
    names = {
        "model": (result.get("model") or {}).get("name")
        if isinstance(result.get("model"), dict)
        else None,
        "gpu": result.get("gpu_name") if inputs.get("gpu") == result.get("gpu") else None,
    }
    shown = {k: v for k, v in inputs.items() if k not in {"assumptions"}}
    rows = []
    for label, value in fmt.rows(shown):
        rows.append((label, value))
    for key, name in names.items():
        if name and key in inputs:
            rows = [(lb, str(name) if lb == fmt.label(key) else v) for lb, v in rows]
    return rows


def _in_serving_plan() -> dict[str, set[str]]:
    """The figures the serving plan section prints, by result section: its layout table and
    title (replicas), memory table and heading (total of usable), the prefill and decode-step
    headings (users per replica) and the targets table."""
    from apps.sizing import serving_view

    return {
        "inference": {key for key, _, _ in serving_view.LAYOUT}
        | {"replicas", "users_per_replica", "prefill_ms", "decode_step_ms"}
        | {"ttft_s", "tpot_ms", "tokens_per_s_per_user"},
        "memory": {key for key, _ in serving_view.MEMORY}
        | {"total_per_gpu_gb", "usable_gb_per_gpu"},
    }


def figure_rows(
    section: dict[str, Any], *, summary: bool = False, shown_elsewhere: Set[str] = frozenset()
) -> list[tuple[str, str]]:
    """A result section's figures. `summary`: its own section explains the detail (the serving
    plan: layout, prefill, decode step, targets), so only the section's plain figures, and
    not the ones that section prints (`shown_elsewhere`): each figure once in the document
    (bench/bench_pdf.py: every table cell costs the render)."""
    return fmt.rows(
        {
            k: v
            for k, v in section.items()
            if k not in HIDDEN_FIGURES
            and v is not None  # a figure this workload does not have (LoRA parameters)
            and not (
                summary and (isinstance(v, dict | list) or k == "explained" or k in shown_elsewhere)
            )
        }
    )


def _person(user: Any) -> str:
    if user is None:
        return ""
    return str(user.get_full_name() or user.get_username())


def _decision(quote: Quote) -> QuoteDecision | None:
    """The customer's recorded decision on this revision (QuoteDecision), if any."""
    try:
        return quote.decision
    except QuoteDecision.DoesNotExist:
        return None


def acceptance(quote: Quote) -> dict[str, Any]:
    """The acceptance block: the customer's decision as recorded (QuoteDecision: who typed
    their name, when, through which share link, on which revision and at which total), and
    the discount with the sales manager's approval that covers it (QuoteApproval) or the
    seller's limit it stays within. Without a decision the block says "not yet accepted" and
    leaves the signature lines blank."""
    decision = _decision(quote)
    accepted = decision is not None and decision.decision == QuoteStatus.ACCEPTED
    rejected = decision is not None and decision.decision == QuoteStatus.REJECTED
    link_text = ""
    if decision is not None:
        link = decision.share_link
        link_text = f"share link #{link.pk} made {link.created_at:%-d %B %Y}"
    approval = quote.discount_approval
    pct = effective_discount(quote)
    return {
        "accepted": accepted,
        "rejected": rejected,
        "name": decision.name if decision is not None else "",
        "reason": decision.reason if decision is not None else "",
        "when": decision.decided_at if decision is not None else None,
        "link": link_text,
        "number": decision.number if decision is not None else quote.number,
        "revision": decision.revision if decision is not None else quote.revision,
        "total": decision.total if decision is not None else quote.total,
        "currency": decision.currency if decision is not None else quote.currency,
        "discount": pct > 0,
        "discount_percent": approval.discount_percent if approval is not None else pct,
        "approver": _person(approval.decided_by) if approval is not None else "",
        "approved_at": approval.decided_at if approval is not None else None,
        "within_limit": approval is None and pct <= discount_limit(quote.owner),
    }


def contents(result: dict[str, Any], *, cited: bool = False) -> list[tuple[str, str]]:
    """The table of contents: each chapter's anchor and title, in document order (`cited`:
    the document lists its sources)."""
    plans = [
        ("training-plan", "Training plan", isinstance(_dig(result, "training", "layout"), dict)),
        ("serving-plan", "Serving plan", isinstance(_dig(result, "inference", "layout"), dict)),
    ]
    return [
        ("summary", "Executive summary"),
        ("workload", "Workload and assumptions"),
        ("rationale", "Sizing rationale"),
        *[(anchor, title) for anchor, title, shown in plans if shown],
        *([("sources", "Sources")] if cited else []),
        ("architecture", "Architecture"),
        ("facility", "Power, space and cooling"),
        ("tco", "Cost of ownership and storage"),
        ("bom", "Bill of materials"),
        ("totals", "Totals"),
        ("acceptance", "Acceptance and signatures"),
        ("terms", "Terms"),
    ]


def document_context(quote: Quote) -> dict[str, Any]:
    """Everything the print template shows for one revision."""
    result = quote.sizing_result or {}
    serving_plan = bool(explained_in_plan(result))
    in_plan: dict[str, set[str]] = _in_serving_plan() if serving_plan else {}
    items = explanations(result)
    cited = sources(result, items)
    sections = selectors.quote_sections(quote)
    return {
        "quote": quote,
        "sections": sections,
        # The BoM's discount column only when a line has a discount of its own.
        "line_discounts": any(line.discount_percent for g in sections for line in g.lines),
        "result": result,
        "headline": headline(result),
        "tco_figures": document_costs.tco_figures(quote),
        "fabric_designs": document_costs.fabric_designs(result),
        "contents": contents(result, cited=bool(cited)),
        "rationale": rationale(result),
        "workload": workload_rows(quote.sizing_inputs or {}, result),
        "assumptions": fmt.assumption_rows(result),
        "explanations": items,
        "sources": cited,
        "source_numbers": {source: n for n, source in enumerate(cited, 1)},
        "figures": [
            (
                label,
                figure_rows(
                    result[name],
                    summary=serving_plan and name in in_plan,
                    shown_elsewhere=in_plan.get(name, set()),
                ),
            )
            for name, label in FIGURE_SECTIONS
            if isinstance(result.get(name), dict)
        ],
        "figures_in_plan": serving_plan,
        "architecture_figures": architecture_figures(result),
        "rack_table": rack_table(result),
        "warnings": [
            fmt.human_text(str(w.get("message", w))) if isinstance(w, dict) else fmt.human_text(w)
            for w in result.get("warnings") or []
        ],
        "diagrams": diagrams_for(result),
        "node_configuration": node_configuration(result),
        "facility": power_space_cooling(result),
        "acceptance": acceptance(quote),
        "generated_at": timezone.now(),
    }
