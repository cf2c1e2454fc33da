"""Money is exact and rounded once per currency."""

from decimal import Decimal

import pytest

from apps.quotes import money


def test_line_total_is_rounded_once_half_up() -> None:
    # 3 × 0.335 = 1.005 → 1.01 (rounding 0.335 first would give 3 × 0.34 = 1.02)
    assert money.line_total(3, Decimal("0.335"), Decimal("0"), "USD") == Decimal("1.01")
    assert money.line_total(7, Decimal("1999.99"), Decimal("12.5"), "USD") == Decimal("12249.94")


def test_currency_minor_units() -> None:
    assert money.line_total(3, Decimal("333.5"), Decimal("0"), "JPY") == Decimal("1001")
    assert money.round_money(Decimal("1.0005"), "KWD") == Decimal("1.001")
    assert money.format_money(Decimal("1234567.5"), "USD") == "USD 1,234,567.50"
    assert money.format_money(Decimal("1234567.5"), "JPY") == "JPY 1,234,568"


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        money.to_decimal(0.1)
    with pytest.raises(ValueError):
        money.to_decimal("abc")


def test_discount_on_subtotal() -> None:
    assert money.discount_amount(Decimal("100.01"), Decimal("33.33"), "USD") == Decimal("33.33")
