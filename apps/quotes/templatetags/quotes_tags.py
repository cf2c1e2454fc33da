"""Template filters for quotes: money in the quote's currency, percentages."""

from decimal import Decimal

from django import template

from apps.quotes import money as money_lib

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str) -> str:
    """`{{ line.line_total|money:quote.currency }}` → `USD 1,234.50`."""
    if amount is None:
        return ""
    return money_lib.format_money(amount, currency)


@register.filter
def amount(value: Decimal | None, currency: str) -> str:
    """`{{ line.line_total|amount:quote.currency }}` → `1,234.50` (currency in the header)."""
    if value is None:
        return ""
    return money_lib.format_money(value, currency).split(" ", 1)[-1]


@register.filter
def percent(value: Decimal | None) -> str:
    """`12.50` → `12.5 %`; zero → empty."""
    if not value:
        return ""
    return f"{value.normalize():f} %"


@register.filter
def in_pairs(rows: list[tuple[str, str]]) -> list[tuple[tuple[str, str], tuple[str, str] | None]]:
    """Key–value rows two to a line (a four-column table: half the rows to lay out)."""
    rows = list(rows)
    return [(rows[i], rows[i + 1] if i + 1 < len(rows) else None) for i in range(0, len(rows), 2)]


@register.filter
def cite(source: str, numbers: dict[str, int]) -> str:
    """`{{ why.source|cite:source_numbers }}` → ` [2]`, the source's number in the document's
    list of sources (empty for no source)."""
    n = numbers.get(source) if source else None
    return f" [{n}]" if n else ""
