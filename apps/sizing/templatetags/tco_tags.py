"""`{% load tco_tags %}{% quote_tco quote as tco %}`: the cost of ownership of a quote, with
the hardware at the quote's own prices (apps/sizing/tco.py)."""

from __future__ import annotations

from typing import Any

from django import template

from apps.sizing import formatting as fmt
from apps.sizing import tco as tco_service

register = template.Library()


@register.simple_tag
def quote_tco(quote: Any) -> dict[str, Any] | None:
    """TCO of one quote revision; None when it has no sizing result."""
    result = quote.sizing_result or {}
    if not result.get("power_kw"):
        return None
    return tco_service.quote_tco(result, quote.total, quote.lines.all(), quote.currency)


@register.filter
def spaced(text: Any) -> str:
    """Formula names as words for documents: `average_load` → "average power draw",
    `gpu_mtbf_hours` → "mean time between interruptions, per GPU"."""
    return fmt.human_text(str(text or ""), scope="tco")
