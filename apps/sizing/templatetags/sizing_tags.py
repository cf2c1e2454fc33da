"""Template helpers of the sizing pages: the server-drawn SVGs, number formats, and the
"Create quote" link that exists only once the quotes app provides its URL."""

from __future__ import annotations

import html
from decimal import Decimal
from functools import lru_cache
from typing import Any

from django import template
from django.template.defaultfilters import floatformat, pluralize
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeData, SafeString, mark_safe

from apps.sizing import diagrams, selectors
from apps.sizing import formatting as fmt
from apps.sizing.serving_view import serving_panel as _serving_panel
from apps.sizing.training_view import training_panel as _training_panel

register = template.Library()


@register.simple_tag
def memory_svg(result: dict[str, Any]) -> SafeString:
    return mark_safe(diagrams.memory_breakdown_svg(result))  # noqa: S308 - escaped by diagrams


@register.simple_tag
def racks_svg(result: dict[str, Any]) -> SafeString:
    return mark_safe(diagrams.rack_elevations_svg(result))  # noqa: S308 - escaped by diagrams


@register.simple_tag
def fabric_svg(result: dict[str, Any]) -> SafeString:
    return mark_safe(diagrams.fabric_topology_svg(result))  # noqa: S308 - escaped by diagrams


@register.simple_tag
def training_panel(result: dict[str, Any]) -> dict[str, Any] | None:
    """The training plan's layout, step time, MFU and memory sections (None: inference)."""
    return _training_panel(result) if isinstance(result, dict) else None


@register.simple_tag
def serving_panel(result: dict[str, Any]) -> dict[str, Any] | None:
    """The serving plan's layout, memory, prefill, decode and targets (None: training)."""
    return _serving_panel(result) if isinstance(result, dict) else None


@register.simple_tag
def quote_url(scenario_id: int) -> str:
    """The quotes app's "create from scenario" URL, or "" while that app has none."""
    try:
        return reverse("quotes:create_from_scenario", args=[scenario_id])
    except NoReverseMatch:
        return ""


@register.filter
def dig(data: Any, path: str) -> Any:
    return selectors.dig(data, path)


@register.filter
def num(value: Any, digits: int = 2) -> str:
    """Thousands separators; floats with up to `digits` decimals, trailing zeros dropped."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float | Decimal):
        text = f"{value:,.{int(digits)}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


@register.filter
def money(value: Any) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value):,.2f}"


@register.filter
def signed(value: Any) -> str:
    if value is None:
        return ""
    text = num(value)
    return text if text.startswith("-") else f"+{text}"


@register.filter
def signed_money(value: Any) -> str:
    """A money difference with its sign: `+1,234.50`, `-980.00`."""
    if value is None or value == "":
        return ""
    amount = Decimal(str(value))
    return f"{amount:+,.2f}"


@register.filter
def assumption_label(name: str) -> str:
    """An assumption's label from the workload specification."""
    return fmt.label(str(name))


@register.filter
def humanize_key(name: str) -> str:
    return str(name).replace("_", " ").replace(".", " › ")


@register.filter
def label(key: str) -> str:
    """An engine key (dotted path or name) as people read it, from the workload specification
    (apps/sizing/formatting.py): `inference.concurrent_users` → "Concurrent users"."""
    return fmt.label(str(key))


@register.filter
def mid_sentence(text: Any) -> str:
    """A label inside a sentence: "Training time" → "training time", "PP send" stays."""
    return fmt.mid_sentence(str(text))


@register.filter
def words(value: Any) -> str:
    """An enumeration value in words: `bare_metal` → "Bare metal", `n+0` → "None (N+0)"."""
    return fmt.word(value)


@register.filter
def value_of(value: Any, key: str) -> str:
    """A figure with its key's unit, or its words: `{{ v|value_of:"inference.ttft_s" }}`."""
    return fmt.value_of(str(key), value)


@register.filter
def assumption_rows(result: Any) -> list[dict[str, Any]]:
    """A result's assumptions: label, value with unit, changed or not, source of the default."""
    return fmt.assumption_rows(result or {})


# --- blocks written in Python (the wizard's largest loops) -------------------------------
# The wizard's result update rendered ~1,400 template variables, most of them in these loops
# (bench/bench_wizard.py: the editable assumptions alone ~4 ms of a ~17 ms request). The same
# markup written here costs a tenth: `_e` is the template's autoescape (html.escape, safe
# strings as they are) without Django's lazy-string wrapper; a missing key writes "".


def _e(value: Any) -> str:
    if type(value) is str:
        return _escaped(value)
    return value if isinstance(value, str) and isinstance(value, SafeData) else _escaped(str(value))


@lru_cache(maxsize=8192)
def _escaped(text: str) -> str:
    """html.escape, kept per process: an update escapes ~1,500 values, most of them the same
    labels, sources and numbers as the previous update (a cache hit is a third of the cost)."""
    return html.escape(text)


def _get(data: Any, key: str) -> Any:
    return data.get(key, "") if isinstance(data, dict) else getattr(data, key, "")


@register.simple_tag
def error_slot(name: str, errors: Any = (), oob: bool = False) -> SafeString:
    """The slot beside a field where its errors appear (htmx updates it out of band)."""
    swap = ' hx-swap-oob="true"' if oob else ""
    messages = "".join(f"<p>{_e(e)}</p>" for e in errors or ())
    return mark_safe(f'<div class="field-error" id="err-{_e(name)}"{swap}>{messages}</div>')  # noqa: S308


@register.simple_tag
def explanation_items(explanations: Any) -> SafeString:
    """The `<li>` of each explanation: figure = value unit — rule, formula, inputs, source."""
    items = []
    for ex in explanations or ():
        inputs = _get(ex, "inputs")
        spans = "".join(
            f"<span>{_e(fmt.label(str(k)))} = {_e(num(v, 3))}</span>"
            for k, v in (inputs or {}).items()
        )
        spans = f'<p class="inputs">{spans}</p>' if inputs else ""
        items.append(
            f"<li>\n      <p><strong>{_e(fmt.label(str(_get(ex, 'figure'))))} = "
            f"{_e(num(_get(ex, 'value'), 3))} {_e(_get(ex, 'unit'))}</strong> — "
            f"{_e(_get(ex, 'rule'))}</p>\n"
            f'      <p class="formula"><code>{_e(_get(ex, "formula"))}</code></p>\n'
            f"      {spans}\n"
            f'      <p class="source">Source: {_e(_get(ex, "source"))}</p>\n    </li>'
        )
    return mark_safe("\n    ".join(items))  # noqa: S308 - every value escaped by _e


@register.simple_tag
def assumption_inputs(rows: Any) -> SafeString:
    """The editable assumptions' `<tr>`s: label and the source of the default (from the
    specification, as on the scenario page and in the PDF), input with its unit and error
    slot, default with its unit."""
    out = []
    for row in rows or ():
        field, name, input_id = row.get("field"), _e(row["input_name"]), _e(row["input_id"])
        unit = fmt.unit(row["name"])
        unit_html = f' <span class="unit">{_e(unit)}</span>' if unit else ""
        source = _e(fmt.assumption_source(row["name"]))
        default = _e(fmt.quantity(row.get("default"), unit, digits=4))
        out.append(
            f'<tr class="{"overridden" if row.get("overridden") else ""}">\n'
            f'      <th scope="row"><label for="{input_id}">{_e(assumption_label(row["name"]))}'
            f'</label><br><span class="help source">Source: {source}</span></th>\n'
            f'      <td><input type="text" name="{name}" id="{input_id}" '
            f'value="{_e(row.get("raw", ""))}" '
            f'inputmode="{"numeric" if row.get("whole") else "decimal"}" autocomplete="off" '
            f'size="7" aria-describedby="err-{name}">{unit_html}'
            f"{error_slot(row['input_name'], field.errors if field is not None else ())}</td>\n"
            f'      <td class="num">{default}</td></tr>'
        )
    return mark_safe("".join(out))  # noqa: S308 - every value escaped by _e


@register.simple_tag
def bom_rows(lines: Any, book: Any) -> SafeString:
    """The `<tr>` of each BoM line: part number, description and reason, quantity, and with
    a price book its unit and extended prices."""
    out = []
    for line in lines or ():
        unit, extended = _get(line, "unit_price"), _get(line, "extended_price")
        prices = (
            f'<td class="num">{"to be confirmed" if unit is None else _e(money(unit))}</td>'
            f'<td class="num">{"not priced" if extended is None else _e(money(extended))}</td>'
            if book
            else ""
        )
        part = (  # a part to be confirmed has no sourced number: its placeholder is not shown
            '<span class="tbc">to be confirmed</span>'
            if _get(line, "to_be_confirmed")
            else f"<code>{_e(_get(line, 'part_number'))}</code>"
        )
        out.append(
            f"<tr><td>{part}</td>"
            f"<td>{_e(_get(line, 'description'))}<br>"
            f'<span class="help">{_e(_get(line, "reason"))}</span></td>'
            f'<td class="num">{_e(num(_get(line, "quantity")))}</td>{prices}</tr>'
        )
    return mark_safe("".join(out))  # noqa: S308 - every value escaped by _e


@register.simple_tag
def oob_error_slots(slots: Any) -> SafeString:
    """Every field's error slot, swapped out of band by an htmx result update."""
    return mark_safe("\n".join(error_slot(name, errors, True) for name, errors in slots) + "\n")  # noqa: S308


@register.simple_tag
def why_rule(why: Any, inputs: bool = True) -> SafeString:
    """A plan section's rule: its formula, its inputs (the serving plan; the training plan
    shows none) and its source; nothing without a rule. Seven of them in a serving plan: as
    an included template they cost ~0.7 ms of the wizard's update (bench/bench_wizard.py)."""
    if not why or not _get(why, "rule"):
        return mark_safe("\n")  # noqa: S308 - the line end the block always ends with
    formula = _get(why, "formula")
    code = f' <code class="formula">{_e(formula)}</code>' if formula else ""
    listed = ""  # the serving plan's line of inputs (empty without inputs), the training's none
    if inputs:
        spans = " · ".join(
            f"<span>{_e(_get(i, 'label'))} = {_e(_get(i, 'value'))}</span>"
            for i in _get(why, "inputs") or ()
        )
        listed = f'<p class="inputs">{spans}</p>\n' if spans else "\n"
    return mark_safe(  # noqa: S308 - every value escaped by _e
        f'<p class="rule">{_e(_get(why, "rule"))}{code}</p>\n{listed}'
        f'<p class="source">Source: {_e(_get(why, "source"))}</p>\n'
    )


@register.simple_tag
def tco_rows(figures: Any) -> SafeString:
    """The `<tr>` of each cost-of-ownership figure: label, value (or "not priced"), formula
    and its inputs (~0.6 ms of the wizard's update as a template loop with filters)."""
    out = []
    for f in figures or ():
        value = f.get("value")
        inputs = "; ".join(
            f"{_e(fmt.label(f'tco.{k}'))} = {_e(num(v, 3))}" for k, v in f.get("inputs", {}).items()
        )
        out.append(
            f'<tr id="tco-{_e(_get(f, "figure"))}">\n'
            f'      <th scope="row">{_e(_get(f, "label"))}</th>\n'
            f'      <td class="num">{"not priced" if value is None else _e(money(value))}</td>\n'
            f"      <td><code>{_e(_get(f, 'formula'))}</code><br>"
            f'<span class="help">{inputs}</span></td>\n    </tr>'
        )
    return mark_safe("".join(out))  # noqa: S308 - every value escaped by _e


@register.simple_tag
def field_block(field: Any, notice: Any = "") -> SafeString:
    """A wizard field: label (with its unit for screen readers), widget (with its unit after
    it), help text with an optional notice, and its error slot. Written here, not included:
    the included template cost ~0.18 ms a field (three what-if fields in every update, ~40
    in the whole wizard)."""
    name, errors = _e(field.name), field.errors
    unit = getattr(field.field, "unit", "")
    widget = str(field)  # the form renderer's SafeString
    if unit:
        label_unit = f' <span class="unit visually-hidden">({_e(unit)})</span>'
        widget = (
            f'<span class="with-unit">{_e(widget)}<span class="unit-after" aria-hidden="true">'
            f"{_e(unit)}</span></span>"
        )
    else:
        label_unit, widget = "", _e(widget)
    strong = f'<strong class="notice">{_e(notice)}</strong> ' if notice else ""
    return mark_safe(  # noqa: S308 - every value escaped by _e
        f'<div class="field{" has-error" if errors else ""}" id="f-{name}">\n'
        f'  <label for="{_e(field.id_for_label)}">{_e(field.label)}{label_unit}</label>\n'
        f"  {widget}\n"
        f'  <p class="help" id="help-{name}">{strong}{_e(field.help_text)}</p>\n'
        f"  {error_slot(field.name, errors)}\n</div>\n"
    )


@register.simple_tag
def status_text(result: Any, sizing: Any) -> SafeString:
    """The result's one line: GPUs, nodes, capacity mode, time to size and engine version
    (twice in every update: the status line and the live region's announcement)."""
    nodes = _get(result, "node_count")
    fixed = " (fixed node count)" if _get(result, "mode") == "capacity" else ""
    return mark_safe(  # noqa: S308 - every value escaped by _e
        f"{_e(num(_get(result, 'gpu_count')))} × {_e(_get(result, 'gpu_name'))} in "
        f"{_e(num(nodes))} node{_e(pluralize(nodes))}{fixed} · sized in "
        f"{_e(floatformat(_get(sizing, 'elapsed_ms'), 0))} ms · engine "
        f"{_e(_get(result, 'engine_version'))}"
    )
