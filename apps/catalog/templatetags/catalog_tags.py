"""Display helpers of the catalog pages."""

from decimal import Decimal

from django import template

from apps.catalog.csv_format import plain_decimal

register = template.Library()


@register.filter
def spec(value: Decimal | int | None) -> str:
    """A spec value without trailing zeros (`80.000` → `80`); an em dash when there is none."""
    if value is None:
        return "—"
    return plain_decimal(value) if isinstance(value, Decimal) else str(value)
