"""Pricing a quote: the BoM priced with a price book into lines, line and overall discounts,
totals (Decimal, rounded per line, see `apps.quotes.money`). Parts to be confirmed (no sourced
part number) become lines without a price, left out of the totals."""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from apps.catalog.csv_format import to_be_confirmed
from apps.catalog.models import Price, PriceBook
from apps.core.exceptions import ApplicationError

from .. import money
from ..choices import SECTION_ORDER
from ..models import Quote, QuoteLine

# Render cost grows with rows (~5 ms a line, reliability.md); a sized cluster has far fewer.
MAX_LINES = 400


def check_price_book(book: PriceBook, today: date) -> None:
    if book.valid_from > today or (book.valid_to is not None and book.valid_to < today):
        raise ApplicationError(
            "price book not valid", {"price_book": [f"{book.code} is not valid today."]}
        )


def bom_of(result: dict[str, Any]) -> list[dict[str, Any]]:
    bom = result.get("bom") or []
    if not bom:
        raise ApplicationError(
            "empty BoM", {"__all__": ["The scenario has no bill of materials to quote."]}
        )
    if len(bom) > MAX_LINES:
        raise ApplicationError(
            "too many lines", {"__all__": [f"A quote holds at most {MAX_LINES} lines."]}
        )
    for item in bom:
        if item.get("section") not in SECTION_ORDER:
            raise ApplicationError(
                "bad section",
                {"__all__": [f"BoM line {item.get('part_number')} has an unknown section."]},
            )
    return list(bom)


def unit_prices(book: PriceBook, part_numbers: list[str]) -> dict[str, Decimal]:
    """Unit prices of the parts; a part to be confirmed (no sourced number) has none and needs
    none; any other part without a price is an error naming it."""
    prices = Price.objects.filter(book=book, part__part_number__in=part_numbers).values_list(
        "part__part_number", "unit_price"
    )
    found = {pn: money.to_decimal(p) for pn, p in prices if not to_be_confirmed(pn)}
    missing = sorted(
        set(part_numbers) - set(found) - {p for p in part_numbers if to_be_confirmed(p)}
    )
    if missing:
        raise ApplicationError(
            "missing prices",
            {"price_book": [f"{book.code} has no price for: {', '.join(missing)}."]},
        )
    return found


def build_lines(quote: Quote, bom: list[dict[str, Any]], discounts: dict[str, Decimal]) -> None:
    """Replace the quote's lines by priced BoM lines (ordered by section, then BoM order)."""
    prices = unit_prices(quote.price_book, [str(i["part_number"]) for i in bom])
    ordered = sorted(enumerate(bom), key=lambda p: (SECTION_ORDER.index(p[1]["section"]), p[0]))
    quote.lines.all().delete()
    lines = []
    for position, (_, item) in enumerate(ordered, start=1):
        pn = str(item["part_number"])
        disc = discounts.get(pn, Decimal("0"))
        unit = prices.get(pn)
        lines.append(
            QuoteLine(
                quote=quote,
                position=position,
                section=item["section"],
                part_number=pn,
                description=str(item.get("description", ""))[:300],
                quantity=int(item["quantity"]),
                unit_price=unit,
                discount_percent=disc,
                reason=str(item.get("reason", "")),
                line_total=(
                    money.line_total(int(item["quantity"]), unit, disc, quote.currency)
                    if unit is not None
                    else None
                ),
            )
        )
    QuoteLine.objects.bulk_create(lines)
    _keep_lines(quote, lines)


def _keep_lines(quote: Quote, lines: list[QuoteLine]) -> None:
    """`quote.lines.all()` answers `lines` (just written, ids set by bulk_create, in position
    order) until the quote is read again: the totals, the discount check and the creating
    request's answer read them from memory instead of three more SELECTs of every line (~70
    model instances each; bench/load_mixed.py's quote_create). As Django's prefetch_related
    keeps them: a queryset whose result is already known."""
    cached = quote.lines.all()
    cached._result_cache = lines
    cached._prefetch_done = True  # type: ignore[attr-defined]  # Django's prefetch (private)
    prefetched = getattr(quote, "_prefetched_objects_cache", {})
    quote._prefetched_objects_cache = {**prefetched, "lines": cached}  # type: ignore[attr-defined]


def reprice_lines(quote: Quote, discounts: dict[int, Any], *, new_book: bool) -> None:
    """Apply line discounts (by line id) and, with a new price book, its unit prices."""
    lines = list(quote.lines.all())
    unknown = set(discounts) - {line.pk for line in lines}
    if unknown:
        raise ApplicationError("unknown line", {"__all__": [f"No line {min(unknown)}."]})
    prices = unit_prices(quote.price_book, [ln.part_number for ln in lines]) if new_book else {}
    for line in lines:
        if line.pk in discounts:
            line.discount_percent = percent(discounts[line.pk], f"line_{line.pk}")
        line.unit_price = prices.get(line.part_number, line.unit_price)
        if line.unit_price is None:  # to be confirmed: no price, not in the totals
            line.line_total = None
            continue
        line.line_total = money.line_total(
            line.quantity, line.unit_price, line.discount_percent, quote.currency
        )
    QuoteLine.objects.bulk_update(lines, ["discount_percent", "unit_price", "line_total"])


def recompute_totals(quote: Quote) -> None:
    """Subtotal = sum of rounded line totals (exact); the overall discount is rounded once."""
    subtotal = sum(
        (line.line_total for line in quote.lines.all() if line.line_total is not None),
        Decimal("0"),
    )
    quote.subtotal = subtotal
    quote.discount_amount = money.discount_amount(subtotal, quote.discount_percent, quote.currency)
    quote.total = subtotal - quote.discount_amount


def percent(value: Any, field: str) -> Decimal:
    """A percentage between 0 and 100 with at most 2 decimals, or a field error."""
    try:
        pct = money.to_decimal(value)
    except (TypeError, ValueError) as exc:
        raise ApplicationError("bad percent", {field: ["Enter a number."]}) from exc
    if not pct.is_finite() or pct < 0 or pct > 100 or pct != pct.quantize(Decimal("0.01")):
        raise ApplicationError(
            "bad percent", {field: ["Enter a percentage between 0 and 100 (2 decimals)."]}
        )
    return pct


CENT = Decimal("0.01")


def effective_discount(quote: Quote) -> Decimal:
    """The discount off list price, lines and overall together, in % (2 decimals)."""
    list_total = sum(  # lines to be confirmed have no price and are in no total
        (
            line.quantity * line.unit_price
            for line in quote.lines.all()
            if line.unit_price is not None
        ),
        Decimal("0"),
    )
    if list_total <= 0:
        return Decimal("0.00")
    return ((list_total - quote.total) * 100 / list_total).quantize(CENT, ROUND_HALF_UP)
