"""Template helpers of the sizing pages: the server-drawn SVGs, number formats, and the
"Create quote" link that exists only once the quotes app provides its URL."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe

from apps.sizing import diagrams, selectors
from apps.sizing.choices import ASSUMPTION_LABELS

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
def assumption_label(name: str) -> str:
    return ASSUMPTION_LABELS.get(name, name.replace("_", " "))


@register.filter
def humanize_key(name: str) -> str:
    return str(name).replace("_", " ").replace(".", " › ")
