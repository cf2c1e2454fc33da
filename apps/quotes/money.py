"""Exact money: `Decimal` built from strings, never floats, rounded once per currency.

Each money amount is rounded exactly once, when it comes into being, to its currency's minor
unit (half-up, as invoices do): a line total from quantity × unit price × (1 − discount), the
overall discount from the subtotal. Sums of rounded amounts are exact, so what the customer
sees adds up to the cent.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

# ISO 4217 minor units for the currencies a price book may use; default 2.
MINOR_UNITS = {"JPY": 0, "KRW": 0, "CLP": 0, "ISK": 0, "BHD": 3, "KWD": 3, "OMR": 3, "TND": 3}
HUNDRED = Decimal("100")


def to_decimal(value: object) -> Decimal:
    """A Decimal from a Decimal, int or string; floats are refused (they are not exact)."""
    if isinstance(value, float):
        raise TypeError("money must not be built from a float")
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {value!r}") from exc


def quantum(currency: str) -> Decimal:
    return Decimal(1).scaleb(-MINOR_UNITS.get(currency.upper(), 2))


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Round once to the currency's minor unit."""
    return amount.quantize(quantum(currency), rounding=ROUND_HALF_UP)


def line_total(
    quantity: int, unit_price: Decimal, discount_percent: Decimal, currency: str
) -> Decimal:
    """quantity × unit price less the line discount, rounded once."""
    gross = to_decimal(unit_price) * quantity
    return round_money(gross * (HUNDRED - to_decimal(discount_percent)) / HUNDRED, currency)


def discount_amount(subtotal: Decimal, discount_percent: Decimal, currency: str) -> Decimal:
    """The overall discount on an (already rounded) subtotal, rounded once."""
    return round_money(subtotal * to_decimal(discount_percent) / HUNDRED, currency)


def format_money(amount: Decimal, currency: str) -> str:
    """`USD 1,234,567.89` (thousands separators, the currency's decimals)."""
    places = MINOR_UNITS.get(currency.upper(), 2)
    return f"{currency} {round_money(amount, currency):,.{places}f}"
