"""The bill of materials of a sizing result as CSV text or an XLSX workbook (openpyxl), priced
from a price book when one is given.

Pure functions of the engine's result dict and a `Pricing` (price book code, name, currency,
SAMPLE flag and unit prices). Rows keep the engine's order (grouped by section). Every priced
export says its currency and price book and, for a SAMPLE book, that the prices are not a
valid offer; a part the book has no price for is "to be confirmed" and not counted in the
total. In the XLSX the extended prices and the total are live formulas (quantity × unit price,
SUM of the extended prices) with money number formats, so Excel and LibreOffice recompute the
same total. Cells that a spreadsheet would read as a formula are prefixed with an apostrophe
(CSV/formula injection, OWASP).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from . import formatting as fmt

BOM_COLUMNS = ["section", "part_number", "description", "quantity", "reason"]
BOM_HEADERS = ["Section", "Part number", "Description", "Quantity", "Reason"]
PRICE_HEADERS = ["Unit price", "Extended price", "Currency", "Price book"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TO_BE_CONFIRMED = "to be confirmed"
SAMPLE_NOTE = "SAMPLE prices: invented for demonstration, not a valid offer"


@dataclass(frozen=True)
class Pricing:
    """The price book an export is priced from."""

    code: str
    name: str
    currency: str
    sample: bool
    prices: Mapping[str, Decimal] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """The book as people name it, with the SAMPLE mark when it is one."""
        text = f"{self.name} ({self.code})" if self.name and self.name != self.code else self.code
        return f"{text} – SAMPLE" if self.sample else text

    @classmethod
    def of(cls, book: Any, prices: Mapping[str, Decimal] | None) -> Pricing | None:
        """From a catalog `PriceBook` and its price map (None when there is no book)."""
        if book is None or prices is None:
            return None
        return cls(
            code=str(book.code),
            name=str(getattr(book, "name", "") or ""),
            currency=str(book.currency),
            sample=bool(getattr(book, "sample", False)),
            prices=prices,
        )


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def bom_rows(result: Mapping[str, Any]) -> list[list[Any]]:
    """The BoM lines as lists in `BOM_COLUMNS` order (sections in words)."""
    rows = []
    for line in result.get("bom") or []:
        row = [_safe(line.get(col, "")) for col in BOM_COLUMNS]
        if line.get("to_be_confirmed"):  # no sourced number: the placeholder key is not shown
            row[1] = TO_BE_CONFIRMED
        row[0] = fmt.word(row[0]).capitalize() if row[0] else ""
        row[4] = fmt.human_text(str(row[4])) if row[4] else ""
        rows.append(row)
    return rows


def priced_rows(
    result: Mapping[str, Any], pricing: Pricing
) -> tuple[list[tuple[list[Any], Decimal | None]], Decimal, int]:
    """(BoM row, unit price or None) per line, the total of the priced lines, and how many
    lines have no price."""
    out: list[tuple[list[Any], Decimal | None]] = []
    total, unpriced = Decimal("0"), 0
    for row in bom_rows(result):
        unit = pricing.prices.get(str(row[1]).lstrip("'"))
        if unit is None:
            unpriced += 1
        else:
            total += unit * int(row[3] or 0)
        out.append((row, unit))
    return out, total, unpriced


def unpriced_note(count: int) -> str:
    """The visible note beside a total that leaves lines out."""
    return f"{count} line(s) to be confirmed, not in the total"


def _money(amount: Decimal) -> str:
    return f"{amount.quantize(Decimal('0.01'))}"


def bom_csv(result: Mapping[str, Any], pricing: Pricing | None = None) -> str:
    """The BoM as CSV: a header row, one row per BoM line and, when priced, unit and extended
    price, currency and price book per line, then a total row (and a SAMPLE note row)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if pricing is None:
        writer.writerow(BOM_HEADERS)
        writer.writerows(bom_rows(result))
        return out.getvalue()
    writer.writerow([*BOM_HEADERS[:4], *PRICE_HEADERS, BOM_HEADERS[4]])
    rows, total, unpriced = priced_rows(result, pricing)
    for row, unit in rows:
        extended = _money(unit * int(row[3] or 0)) if unit is not None else TO_BE_CONFIRMED
        writer.writerow(
            [
                *row[:4],
                _money(unit) if unit is not None else TO_BE_CONFIRMED,
                extended,
                pricing.currency,
                pricing.label,
                row[4],
            ]
        )
    note = unpriced_note(unpriced) if unpriced else ""
    writer.writerow(
        ["Total", "", "List price total", "", "", _money(total), pricing.currency, pricing.label]
        + [note]
    )
    if pricing.sample:
        writer.writerow(["SAMPLE", "", SAMPLE_NOTE, "", "", "", "", pricing.label, ""])
    return out.getvalue()


def _summary_rows(result: Mapping[str, Any]) -> list[tuple[str, Any]]:
    model = result.get("model") or {}
    rows: list[tuple[str, Any]] = [
        ("Sizing engine version", result.get("engine_version")),
        ("Workload", fmt.word(result.get("kind"))),
        ("Model", model.get("name") if isinstance(model, Mapping) else model),
        ("Precision", fmt.word(result.get("precision"))),
        ("GPU", result.get("gpu_name")),
        ("Compute fabric", fmt.word(result.get("fabric"))),
        ("Deployment", fmt.word(result.get("deployment"))),
        ("GPUs", result.get("gpu_count")),
        ("Nodes", result.get("node_count")),
        ("Racks", result.get("rack_count")),
        ("Power (kW)", result.get("power_kw")),
        ("Heat (BTU/h)", result.get("heat_btu_per_h")),
    ]
    training = result.get("training") or {}
    inference = result.get("inference") or {}
    if training:
        rows += [("Training days", training.get("days")), ("GPU-hours", training.get("gpu_hours"))]
    if inference:
        rows += [
            ("Tokens/s per user", inference.get("tokens_per_s_per_user")),
            ("Time to first token (s)", inference.get("ttft_s")),
            ("Max concurrent users", inference.get("max_concurrent_users")),
        ]
    return rows


def _header(ws: Any, headers: list[str], row: int = 1) -> None:
    for col, text in enumerate(headers, start=1):
        cell = ws.cell(row=row, column=col, value=text)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F6F8FA")
    ws.freeze_panes = f"A{row + 1}"


def _widths(ws: Any, widths: list[int]) -> None:
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width


def money_format(currency: str) -> str:
    """The spreadsheet number format of an amount in `currency` ("USD" #,##0.00)."""
    return f'"{currency}" #,##0.00'


def bom_xlsx(result: Mapping[str, Any], pricing: Pricing | None = None) -> bytes:
    """A workbook with the BoM (sheet "BoM"), the key figures ("Summary") and the
    assumptions with their sources.

    Priced, the BoM sheet says the price book, currency and SAMPLE mark above the table;
    each line has its unit price and an extended price formula `=D×E`, and the total row is
    `=SUM(...)` of the extended prices (lines "to be confirmed" hold text, which SUM skips).
    """
    wb = Workbook()
    ws = wb.active
    ws.title = "BoM"
    if pricing is None:
        _header(ws, BOM_HEADERS)
        for row in bom_rows(result):
            ws.append(row)
        reason_col = 5
    else:
        ws["A1"] = "Price book"
        ws["B1"] = pricing.label
        ws["A2"] = "Currency"
        ws["B2"] = pricing.currency
        ws["A1"].font = ws["A2"].font = Font(bold=True)
        if pricing.sample:
            ws["A3"] = "SAMPLE"
            ws["B3"] = SAMPLE_NOTE
            ws["A3"].font = ws["B3"].font = Font(bold=True, color="9A5B00")
        first = 6
        _header(ws, [*BOM_HEADERS[:4], "Unit price", "Extended price", BOM_HEADERS[4]], first - 1)
        rows, _total, unpriced = priced_rows(result, pricing)
        number_format = money_format(pricing.currency)
        n = first
        for n, (row, unit) in enumerate(rows, start=first):
            values = [*row[:4], unit if unit is not None else TO_BE_CONFIRMED]
            values += [f"=D{n}*E{n}" if unit is not None else TO_BE_CONFIRMED, row[4]]
            for col, value in enumerate(values, start=1):
                ws.cell(row=n, column=col, value=value)
            for col in (5, 6):
                ws.cell(row=n, column=col).number_format = number_format
        last = n
        total_row = last + 1
        ws.cell(row=total_row, column=3, value=f"List price total ({pricing.currency})")
        total = ws.cell(row=total_row, column=6, value=f"=SUM(F{first}:F{last})")
        total.number_format = number_format
        for col in (3, 6):
            ws.cell(row=total_row, column=col).font = Font(bold=True)
        if unpriced:
            ws.cell(row=total_row, column=7, value=unpriced_note(unpriced))
        reason_col = 7
    for row_cells in ws.iter_rows(min_col=reason_col, max_col=reason_col):
        row_cells[0].alignment = Alignment(wrap_text=True, vertical="top")
    if pricing is None:
        _widths(ws, [12, 18, 60, 10, 70])
    else:
        _widths(ws, [12, 18, 60, 10, 16, 18, 70])
    summary = wb.create_sheet("Summary")
    _header(summary, ["Figure", "Value"])
    for label, value in _summary_rows(result):
        summary.append([label, _safe(value)])
    _widths(summary, [28, 40])
    assumptions = wb.create_sheet("Assumptions")
    _header(assumptions, ["Assumption", "Value", "Unit", "Source"])
    for name, value in (result.get("assumptions") or {}).items():
        assumptions.append([fmt.label(name), value, fmt.unit(name), fmt.assumption_source(name)])
    _widths(assumptions, [44, 12, 10, 70])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
