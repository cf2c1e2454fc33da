"""The document's cost tables as text: the cost of ownership at the quote's prices (each
figure with its formula and its inputs labelled, money in the quote's currency, every other
input with its unit) and the fabric designs side by side (the web result's panel). Labels and
units come from the workload specification through `apps.sizing.formatting`, as on the page."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from apps.catalog.csv_format import to_be_confirmed
from apps.sizing import formatting as fmt
from apps.sizing import tco as tco_service

from . import money
from .models import Quote

# TCO formula inputs that are amounts of money, and those that are prices per unit.
MONEY_INPUTS = {
    "capex": "Hardware, software and services",
    "hardware": "Hardware (the support renewal's base)",
}
PRICE_INPUTS = {"electricity_per_kwh", "hosting_per_rack_month"}


def _decimal(value: Any) -> Decimal | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _input(key: str, value: Any, currency: str) -> str:
    """One formula input as "label = value unit" (money with the currency)."""
    name = f"tco.{key}"
    amount = _decimal(value)
    if key in MONEY_INPUTS:
        text = "not priced" if amount is None else money.format_money(amount, currency)
        return f"{MONEY_INPUTS[key]} = {text}"
    if amount is None:
        return f"{fmt.label(name)} = {fmt.word(value)}"
    if key in PRICE_INPUTS:
        return f"{fmt.label(name)} = {currency} {fmt.number(amount, 4)} {fmt.unit(name)}".strip()
    return f"{fmt.label(name)} = {fmt.quantity(amount, fmt.unit(name), digits=4)}"


def tco_figures(quote: Quote) -> list[dict[str, Any]] | None:
    """Each cost-of-ownership figure at this quote's prices: label, amount (None: not
    priced), formula in words and its inputs; None without a sizing result."""
    result = quote.sizing_result or {}
    if not result.get("power_kw"):
        return None
    tco = tco_service.quote_tco(result, quote.total, quote.lines.all(), quote.currency)
    return [
        {
            "label": f["label"],
            "value": f["value"],
            "formula": fmt.human_text(str(f["formula"]), scope="tco"),
            "inputs": "; ".join(_input(k, v, quote.currency) for k, v in f["inputs"].items()),
        }
        for f in tco["figures"]
    ]


def _signed(value: Any, digits: int = 3) -> str:
    amount = _decimal(value)
    if amount is None:
        return ""
    text = fmt.number(abs(amount), digits)
    return "0" if amount == 0 else ("+" if amount > 0 else "−") + text


def fabric_designs(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The compute fabric built each way the engine knows for the same nodes, the chosen
    design first; each alternative with its difference (alternative minus chosen). Prices
    are the sizing's list prices (result `tco.currency`), withheld when a design has parts to
    be confirmed."""
    currency = str((result.get("tco") or {}).get("currency") or "")
    rows = []
    for i, d in enumerate(result.get("fabric_designs") or []):
        if not isinstance(d, dict):
            continue
        price = _decimal(d.get("price"))
        diff = d.get("difference") if isinstance(d.get("difference"), dict) else None
        diff_price = _decimal(diff.get("price")) if diff else None
        raw_parts = d.get("parts")
        parts: dict[str, Any] = raw_parts if isinstance(raw_parts, dict) else {}
        rows.append(
            {
                "design": fmt.word(d.get("design")).removeprefix("a ").capitalize()
                + (" (chosen)" if i == 0 else ""),
                "topology": ", ".join(
                    part
                    for part in (
                        fmt.word(d.get("topology")),
                        f"{fmt.number(d['rails'])} rails" if d.get("rails") else "",
                        f"{fmt.number(d.get('tiers'))} tier{'s' if d.get('tiers') != 1 else ''}",
                    )
                    if part
                ),
                "switches": fmt.number(d.get("switches")),
                "copper": fmt.number(d.get("copper_cables")),
                "transceivers": fmt.number(d.get("transceivers")),
                "fibres": fmt.number(d.get("fibres")),
                "power": fmt.quantity(d.get("power_kw"), "kW"),
                "price": "—" if price is None else money.format_money(price, currency),
                "unpriced": int(d.get("unpriced_parts") or 0),
                "largest": fmt.quantity(d.get("max_nodes_three_tier"), "nodes"),
                "parts": ", ".join(
                    f"{fmt.number(n)} × "
                    + ("a part to be confirmed" if to_be_confirmed(str(pn)) else str(pn))
                    for pn, n in parts.items()
                ),
                "limit": fmt.human_text(str(d.get("limit_reason") or "")),
                "difference": None
                if diff is None
                else {
                    "switches": _signed(diff.get("switches")),
                    "copper": _signed(diff.get("copper_cables")),
                    "transceivers": _signed(diff.get("transceivers")),
                    "fibres": _signed(diff.get("fibres")),
                    "power": _signed(diff.get("power_kw")) + " kW",
                    "price": (
                        fmt.human_text(str(diff.get("price_note") or "—"))
                        if diff_price is None
                        else ("+" if diff_price >= 0 else "−")
                        + money.format_money(abs(diff_price), currency)
                    ),
                },
            }
        )
    return rows
