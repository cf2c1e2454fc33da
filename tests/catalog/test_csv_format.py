"""The schema definition: cells parse with specific errors, format back, and cover the models."""

from datetime import date
from decimal import Decimal

import pytest

from apps.catalog.csv_format import (
    CABLES,
    GPUS,
    LLM_MODELS,
    PARTS,
    PRICE_BOOKS,
    PRICES,
    TABLES,
    CellError,
    format_cell,
    parse_cell,
)


def column(table, name):
    return next(c for c in table.columns if c.name == name)


@pytest.mark.parametrize(
    ("table", "name", "raw", "expected"),
    [
        (GPUS, "memory_gb", "80", Decimal("80")),
        (GPUS, "memory_gb", "94.5", Decimal("94.5")),
        (GPUS, "tflops_fp8", "", None),
        (GPUS, "tdp_w", "350", 350),
        (GPUS, "reference", "false", False),
        (GPUS, "part_number", "BR9U", "BR9U"),
        (LLM_MODELS, "slug", "llama-3.1-8b", "llama-3.1-8b"),
        (PARTS, "source", "", ""),
        (PARTS, "category", "gpu", "gpu"),
        (PRICE_BOOKS, "valid_from", "2024-01-31", date(2024, 1, 31)),
        (PRICES, "unit_price", "12.50", Decimal("12.50")),
    ],
)
def test_parse_cell(table, name, raw, expected):
    assert parse_cell(table, column(table, name), raw) == expected


@pytest.mark.parametrize(
    ("table", "name", "raw", "message"),
    [
        (GPUS, "memory_gb", "80GB", "'80GB' is not a decimal number"),
        (GPUS, "memory_gb", "1,5", "'1,5' is not a decimal number"),
        (GPUS, "memory_gb", "-1", "greater than or equal to 0"),
        (GPUS, "memory_gb", "1.2345", "no more than 3 decimal places"),
        (GPUS, "tdp_w", "3.5", "'3.5' is not a whole number"),
        (GPUS, "tdp_w", "0", "greater than or equal to 1"),
        (GPUS, "tdp_w", "", "required, but the cell is empty"),
        (GPUS, "reference", "yes", "'yes' is not a boolean; use true or false"),
        (
            GPUS,
            "link",
            "nvlink",
            "'nvlink' is not allowed; use one of: nvlink_bridge, nvswitch, pcie",
        ),
        (GPUS, "slug", "H100 PCIe", "Use lowercase letters, digits, '.', '-' and '_'"),
        (PARTS, "part_number", "", "required, but the cell is empty"),
        (PRICE_BOOKS, "valid_from", "2024-02-30", "'2024-02-30' is not a date; use YYYY-MM-DD"),
        (PRICE_BOOKS, "currency", "usd", "three-letter ISO code"),
        (PRICES, "unit_price", "9.999", "no more than 2 decimal places"),
    ],
)
def test_parse_cell_rejects_with_a_specific_message(table, name, raw, message):
    with pytest.raises(CellError) as exc:
        parse_cell(table, column(table, name), raw)
    assert message in str(exc.value)


@pytest.mark.parametrize(
    ("table", "name", "value", "text"),
    [
        (GPUS, "memory_gb", Decimal("80.000"), "80"),
        (GPUS, "memory_bandwidth_gbps", Decimal("3350.000"), "3350"),
        (CABLES, "length_m", Decimal("2.500"), "2.5"),
        (GPUS, "tflops_fp8", None, ""),
        (GPUS, "reference", True, "true"),
        (PRICES, "unit_price", Decimal("450.5"), "450.50"),
        (PRICE_BOOKS, "valid_from", date(2024, 1, 1), "2024-01-01"),
    ],
)
def test_format_cell(table, name, value, text):
    assert format_cell(column(table, name), value) == text


@pytest.mark.parametrize("table", [*TABLES, PRICES], ids=lambda t: t.name)
def test_every_model_field_is_a_column(table):
    """The models cover the CSV schema exactly: one column per field (Price's book is the
    file name)."""
    fields = {f.name for f in table.model._meta.concrete_fields} - {"id"}
    if table is PRICES:
        fields -= {"book"}
    assert {c.field for c in table.columns} == fields
    assert len(table.header) == len(set(table.header))
