"""Parts to be confirmed (issue 15): a part the architecture needs whose number is in neither
the seed nor a cited Lenovo or NVIDIA document has a `TBC-…` placeholder key. It is counted in
the BoM, shown as "to be confirmed", never priced, and left out of every total with a visible
note: in the quote, its PDF document, the API and the CSV/XLSX exports."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from openpyxl import load_workbook

from apps.catalog.models import Price
from apps.quotes import services
from apps.quotes.document import document_context
from apps.sizing import exports, selectors
from apps.sizing.engine import to_be_confirmed
from tests.quotes import factories

pytestmark = pytest.mark.django_db

# H100 NVL: the seed names the GPU but gives no part number (its BoM tables use BR9U).
NVL = factories.INFERENCE_WORKLOAD


@pytest.fixture
def quote(book, sales_user, media_root):
    return factories.make_quote(sales_user, scenario=factories.make_scenario(sales_user, NVL))


def test_the_scenario_bom_has_an_unpriced_part_to_be_confirmed(quote, book) -> None:
    tbc = [line for line in quote.sizing_result["bom"] if line.get("to_be_confirmed")]
    assert [line["part_number"] for line in tbc] == ["TBC-GPU-H100-NVL"]
    assert not Price.objects.filter(book=book, part__part_number="TBC-GPU-H100-NVL").exists()


def test_quote_creation_accepts_the_line_and_leaves_it_out_of_the_totals(quote) -> None:
    lines = list(quote.lines.all())
    assert len(lines) == len(quote.sizing_result["bom"])
    (gpu,) = [line for line in lines if line.to_be_confirmed]
    assert gpu.part_number == "TBC-GPU-H100-NVL" and gpu.quantity > 0
    assert gpu.unit_price is None and gpu.line_total is None
    priced = [line for line in lines if not line.to_be_confirmed]
    assert all(line.unit_price is not None for line in priced)
    assert quote.subtotal == sum((line.line_total for line in priced), Decimal("0"))
    assert quote.total == quote.subtotal - quote.discount_amount
    assert quote.lines_to_be_confirmed() == 1


def test_a_new_price_book_and_discounts_keep_the_line_unpriced(quote, sales_user) -> None:
    gpu = quote.lines.get(part_number="TBC-GPU-H100-NVL")
    services.quote_update(
        user=sales_user,
        quote=quote,
        data={"discount_percent": "5"},
        line_discounts={gpu.pk: "10"},
    )
    gpu.refresh_from_db()
    quote.refresh_from_db()
    assert gpu.unit_price is None and gpu.line_total is None
    assert quote.subtotal == sum(
        (ln.line_total for ln in quote.lines.all() if ln.line_total is not None), Decimal("0")
    )


def test_the_pdf_document_says_to_be_confirmed_and_why_the_total_leaves_it_out(quote) -> None:
    html = render_to_string("quotes/pdf/document.html", document_context(quote))
    row = html[html.index("ThinkSystem NVIDIA H100 NVL 94GB") - 200 :][:600]
    assert "to be confirmed" in row and "not priced" in row
    assert "TBC-GPU-H100-NVL" not in html
    assert "1 line to be confirmed: no sourced part number yet" in html
    assert "(1 line to be confirmed, not included)" in html


def test_the_quote_page_lists_the_line_as_to_be_confirmed(quote, sales_user, client) -> None:
    client.force_login(sales_user)
    html = client.get(f"/quotes/{quote.pk}/").content.decode()
    assert "TBC-GPU-H100-NVL" not in html
    assert 'id="tbc-note"' in html and "1 line to be confirmed" in html


def test_csv_and_xlsx_show_the_line_as_to_be_confirmed_outside_the_total(quote, book) -> None:
    pricing = selectors.export_pricing(book)
    rows = list(csv.reader(io.StringIO(exports.bom_csv(quote.sizing_result, pricing))))
    (gpu,) = [r for r in rows if "H100 NVL" in r[2]]
    assert gpu[1] == gpu[4] == gpu[5] == exports.TO_BE_CONFIRMED
    lines = rows[1 : 1 + len(quote.sizing_result["bom"])]
    total = next(r for r in rows if r[0] == "Total")
    priced = [Decimal(r[5]) for r in lines if r[5] != exports.TO_BE_CONFIRMED]
    assert Decimal(total[5]) == sum(priced) == quote.subtotal
    assert total[8] == "1 line(s) to be confirmed, not in the total"
    sheet = load_workbook(io.BytesIO(exports.bom_xlsx(quote.sizing_result, pricing)))["BoM"]
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    (xgpu,) = [r for r in cells if isinstance(r[2], str) and "H100 NVL" in r[2]]
    assert xgpu[1] == xgpu[4] == xgpu[5] == exports.TO_BE_CONFIRMED
    (xtotal,) = [r for r in cells if isinstance(r[2], str) and r[2].startswith("List price")]
    assert xtotal[6] == "1 line(s) to be confirmed, not in the total"


def test_the_importer_refuses_a_price_for_a_part_to_be_confirmed(book, tmp_path) -> None:
    from apps.catalog.services import CatalogImportError, price_list_import

    path = tmp_path / "prices.csv"
    path.write_text("part_number,unit_price\nTBC-GPU-L40S,100.00\n", encoding="utf-8")
    with pytest.raises(CatalogImportError) as exc:
        price_list_import(book.code, path)
    (error,) = exc.value.errors
    assert error.column == "part_number" and "cannot be priced" in error.message
    assert to_be_confirmed("TBC-GPU-L40S") and not to_be_confirmed("BR9U")
