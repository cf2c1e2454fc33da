"""Priced exports: every line with its unit and extended price, currency, price book and the
SAMPLE mark; the XLSX total is a live formula whose recomputed value is the quote's total."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from apps.sizing import exports, selectors
from tests.quotes import factories

pytestmark = pytest.mark.django_db

CELL = re.compile(r"^([A-Z]+)(\d+)$")
PRODUCT = re.compile(r"^=([A-Z]+\d+)\*([A-Z]+\d+)$")
SUM = re.compile(r"^=SUM\(([A-Z]+)(\d+):([A-Z]+)(\d+)\)$")


def recompute(sheet, ref: str) -> Decimal:
    """The value of a cell as a spreadsheet computes it, for the formulas the export writes
    (a product of two cells, a SUM over a column range; text counts as nothing in a SUM).
    Any other formula fails the test: the evaluator must cover the whole workbook."""
    value = sheet[ref].value
    if isinstance(value, str) and value.startswith("="):
        if m := PRODUCT.match(value):
            return recompute(sheet, m.group(1)) * recompute(sheet, m.group(2))
        if m := SUM.match(value):
            col, first, last = m.group(1), int(m.group(2)), int(m.group(4))
            total = Decimal(0)
            for row in range(first, last + 1):
                cell = sheet[f"{col}{row}"].value
                if isinstance(cell, int | float | Decimal) or (
                    isinstance(cell, str) and cell.startswith("=")
                ):
                    total += recompute(sheet, f"{col}{row}")
            return total
        raise AssertionError(f"formula the evaluator does not know: {value}")
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    raise AssertionError(f"{ref} is not a number: {value!r}")


@pytest.fixture
def quote(book, sales_user, media_root):
    return factories.make_quote(
        sales_user, scenario=factories.make_scenario(sales_user, factories.LARGE_WORKLOAD)
    )


def test_xlsx_total_recomputed_from_its_formulas_equals_the_quote_total(quote, book) -> None:
    pricing = selectors.export_pricing(book)
    sheet = load_workbook(io.BytesIO(exports.bom_xlsx(quote.sizing_result, pricing)))["BoM"]
    total_ref = next(
        f"F{row[0].row}"
        for row in sheet.iter_rows()
        if isinstance(row[2].value, str) and row[2].value.startswith("List price total")
    )
    assert str(sheet[total_ref].value).startswith("=SUM(")
    assert recompute(sheet, total_ref) == quote.total == quote.subtotal
    # every extended price is a formula, with the currency's money format
    lines = [r for r in sheet.iter_rows(min_row=6) if isinstance(r[3].value, int)]
    assert len(lines) == len(quote.sizing_result["bom"])
    for row in lines:
        assert PRODUCT.match(str(row[5].value)) or row[5].value == exports.TO_BE_CONFIRMED
        assert row[4].number_format == row[5].number_format == exports.money_format("USD")
    # currency, price book and the SAMPLE mark are said above the table
    assert sheet["B2"].value == book.currency == "USD"
    assert book.code in sheet["B1"].value and "SAMPLE" in sheet["B1"].value
    assert sheet["A3"].value == "SAMPLE" and "not a valid offer" in sheet["B3"].value


def test_csv_carries_prices_currency_book_total_and_sample_mark(quote, book) -> None:
    text = exports.bom_csv(quote.sizing_result, selectors.export_pricing(book))
    rows = list(csv.reader(io.StringIO(text)))
    header = rows[0]
    assert header[4:8] == ["Unit price", "Extended price", "Currency", "Price book"]
    lines = rows[1 : 1 + len(quote.sizing_result["bom"])]
    for row in lines:
        unit, extended = Decimal(row[4]), Decimal(row[5])
        assert extended == unit * int(row[3])
        assert row[6] == "USD" and book.code in row[7]
    total = next(r for r in rows if r[0] == "Total")
    assert Decimal(total[5]) == sum(Decimal(r[5]) for r in lines) == quote.total
    assert any(r[0] == "SAMPLE" and "not a valid offer" in r[2] for r in rows)


def test_unpriced_parts_are_to_be_confirmed_and_left_out_of_the_total(quote) -> None:
    bom = quote.sizing_result["bom"]
    pricing = exports.Pricing("T", "Test", "EUR", False, {bom[0]["part_number"]: Decimal("2.50")})
    rows = list(csv.reader(io.StringIO(exports.bom_csv(quote.sizing_result, pricing))))
    assert rows[1][4] == "2.50" and rows[2][4] == exports.TO_BE_CONFIRMED
    total = next(r for r in rows if r[0] == "Total")
    assert Decimal(total[5]) == Decimal("2.50") * bom[0]["quantity"]
    assert "to be confirmed" in total[8]
    assert not any(r[0] == "SAMPLE" for r in rows)
    sheet = load_workbook(io.BytesIO(exports.bom_xlsx(quote.sizing_result, pricing)))["BoM"]
    total_ref = f"F{6 + len(bom)}"
    assert recompute(sheet, total_ref) == Decimal("2.50") * bom[0]["quantity"]


def test_wizard_export_buttons_download_priced_files(client, sales_user, book) -> None:
    client.force_login(sales_user)
    query = "kind=inference&model=llama-2-70b&gpu=h100-nvl-94gb&users=50&fabric=infiniband"
    csv_response = client.get(f"/sizing/bom.csv?{query}")
    assert csv_response.status_code == 200, csv_response.content[:300]
    body = csv_response.content.decode()
    assert "Unit price" in body and "Total" in body and "SAMPLE" in body
    xlsx = client.get(f"/sizing/bom.xlsx?{query}")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content))["BoM"]
    assert sheet["B2"].value == "USD"
